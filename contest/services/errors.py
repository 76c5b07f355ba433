"""The one shape of "refused" in the domain.

A service that refuses something raises :class:`DomainError` (or a subclass that
names the domain) with Vietnamese messages for the person who asked: one message,
with the name of the form field it concerns when there is one, or ``errors``
mapping each field to what is wrong with it when several fields are refused at
once (a form checked as a whole). Services never return errors as values and
never choose an HTTP status: the view that catches the error does, and
:func:`contest.forms.show_refusal` puts the messages beside the fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A refusal with a Vietnamese ``message``, and the fields it concerns.

    ``DomainError(message)`` concerns no field; ``DomainError(message, field)`` one field;
    ``DomainError(errors={field: [message, ...], ...})`` several fields at once (a single
    message may be given as a string). Whatever the form, ``errors`` maps each field to its
    messages (``{}`` for none), ``message`` is the given one or all of them joined, and
    ``field`` is the field when exactly one is concerned.
    """

    def __init__(self, message: str | None = None, field: str | None = None, *,
                 errors: Mapping[str, str | Sequence[str]] | None = None) -> None:
        if errors:
            self.errors = {name: [messages] if isinstance(messages, str) else list(messages)
                           for name, messages in errors.items()}
        elif field is not None and message is not None:
            self.errors = {field: [message]}
        else:
            self.errors = {}
        if message is None:
            message = " ".join(m for messages in self.errors.values() for m in messages)
        if not message:
            raise TypeError("a refusal needs a message or errors")
        super().__init__(message)
        self.message = message
        self.field = field if field is not None or len(self.errors) != 1 else next(
            iter(self.errors))

    def __str__(self) -> str:
        return self.message
