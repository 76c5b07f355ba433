"""The one shape of "refused" in the domain.

A service that refuses something raises :class:`DomainError` (or a subclass that
names the domain) with a Vietnamese message for the person who asked and, when the
refusal concerns one field of a form, that field's name. Services never choose an
HTTP status: the view that catches the error does.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a Vietnamese ``message`` and, optionally, the ``field`` it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
