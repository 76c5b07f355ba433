"""Remembering the resident's browser: a signed, long-lived cookie per contest.

The cookie holds only participant public ids (random), signed with the app's
secret key so it cannot be forged; it outlives the browser session so a
returning resident goes straight back to their round.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from contest.extensions import db
from contest.models import Participant

_SALT = "participant-cookie"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _read() -> dict[str, str]:
    raw = request.cookies.get(current_app.config["PARTICIPANT_COOKIE_NAME"])
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def current_participant(contest_id: int) -> Participant | None:
    """The participant this browser registered (or confirmed) as in the contest."""
    public_id = _read().get(str(contest_id))
    if not public_id:
        return None
    return db.session.scalar(
        sa.select(Participant).where(Participant.public_id == public_id,
                                     Participant.contest_id == contest_id)
    )


def owns(contest_id: int, participant_public_id: str | None) -> bool:
    """Whether this browser is the participant with that public id in that contest.

    The same check as :func:`current_participant` without its query, for hot paths
    that have already read the participant's public id joined with what they load.
    """
    if not participant_public_id:
        return False
    return _read().get(str(contest_id)) == participant_public_id


def remembered_public_ids() -> list[str]:
    """Every participant public id this browser holds (one per contest), for a joined query."""
    return list(_read().values())


def _write(response, data: dict[str, str]) -> None:
    config = current_app.config
    if not data:
        response.delete_cookie(config["PARTICIPANT_COOKIE_NAME"])
        return
    response.set_cookie(
        config["PARTICIPANT_COOKIE_NAME"], _serializer().dumps(data),
        max_age=config["PARTICIPANT_COOKIE_MAX_AGE"], httponly=True,
        secure=bool(config.get("SESSION_COOKIE_SECURE")), samesite="Lax",
    )


def remember(response, participant: Participant) -> None:
    data = _read()
    data[str(participant.contest_id)] = participant.public_id
    _write(response, data)


def forget(response, contest_id: int) -> None:
    data = _read()
    data.pop(str(contest_id), None)
    _write(response, data)


# --------------------------------------------------------------------------- the round's posts

_ATTEMPT_SALT = "attempt-form"


def attempt_token(attempt_public_id: str) -> str:
    """A token for the round page's posts (autosave, "Lưu bài", "Nộp bài") that needs no session.

    The session cookie can be lost mid-round (a browser clearing session cookies, a
    restart); the remembered participant cookie stays. Signed with the secret key and
    bound to one attempt, this token stands in for the session's CSRF token on those
    posts, while ownership is still checked against the remembered participant.
    """
    return URLSafeSerializer(current_app.secret_key, salt=_ATTEMPT_SALT).dumps(attempt_public_id)


def attempt_token_valid(token: str | None, attempt_public_id: str) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        value = URLSafeSerializer(current_app.secret_key, salt=_ATTEMPT_SALT).loads(token)
    except BadSignature:
        return False
    return value == attempt_public_id
