"""The reason an organiser gives for a decision: disqualifying or reinstating a participant,
publishing results again, reopening a round. One length and one message for all of them."""

from __future__ import annotations

from contest.helpers.text import clean, too_long_message
from contest.models.base import REASON_MAX_LENGTH
from contest.services.errors import DomainError


def checked_reason(reason: str | None, refusal: type[DomainError], *,
                   missing: str | None = None, field: str | None = None) -> str:
    """The reason cleaned; ``refusal`` raised when it is too long, or empty and ``missing``
    (the message saying it is needed) is given."""
    reason = clean(reason)
    if missing and not reason:
        raise refusal(missing, field)
    if len(reason) > REASON_MAX_LENGTH:
        raise refusal(too_long_message("Lý do", REASON_MAX_LENGTH), field)
    return reason
