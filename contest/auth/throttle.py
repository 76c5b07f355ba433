"""Sign-in throttling that protects an account without handing its lock to an attacker.

Three rules (docs/deploy.md §5 describes them for operators):

- failed sign-ins per (username, address) and per address: ``LOGIN_LIMIT`` (10 in
  15 minutes), then 429 — Flask-Limiter, on the routes;
- failed sign-ins per username from every address together never refuse anyone: past
  ``LOGIN_SLOW_AFTER`` failures each further attempt on that username is answered only
  after a pause that doubles with every failure, up to ``LOGIN_SLOW_MAX_SECONDS``. The
  owner, at an address with no failures of its own, still signs in with the right
  password, a few seconds slower; a guesser spread over many addresses gets a few
  guesses a minute per address instead of as many as the network carries.

The counts live in the limiter's storage (Redis, or the database while Redis is down),
so every worker sees the same figures.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, request
from flask_limiter.util import get_remote_address

from contest.extensions import limiter

log = logging.getLogger(__name__)

#: Replaced in tests, which record the pauses instead of waiting them out.
pause = time.sleep


def username_from_form() -> str:
    return (request.form.get("username") or "").strip().lower()[:60]


def user_address_key() -> str:
    """The key of the per-(username, address) limit."""
    return f"login-user:{username_from_form()}|{get_remote_address()}"


def _failures_key(username: str) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return f"{prefix}/login-failures/{username}"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED"))


def recent_failures(username: str) -> int:
    if not _enabled():
        return 0
    try:
        return int(limiter.storage.get(_failures_key(username)))
    except Exception:  # a storage fault must not stop sign-in; the limits log it
        log.warning("sign-in failure count unavailable", exc_info=True)
        return 0


def slow_down_seconds(failures: int) -> float:
    """The pause before checking a password, after ``failures`` recent failures."""
    config = current_app.config
    after = int(config["LOGIN_SLOW_AFTER"])
    if failures < after:
        return 0.0
    delay = float(config["LOGIN_SLOW_SECONDS"]) * 2 ** (failures - after)
    return min(delay, float(config["LOGIN_SLOW_MAX_SECONDS"]))


def slow_down(username: str) -> None:
    """Pause before the password is checked, the same for known and unknown usernames
    and for right and wrong passwords (an early answer would tell the right one)."""
    delay = slow_down_seconds(recent_failures(username))
    if delay > 0:
        pause(delay)


def record_failure(username: str) -> None:
    if not _enabled():
        return
    try:
        limiter.storage.incr(_failures_key(username),
                             int(current_app.config["LOGIN_SLOW_WINDOW_SECONDS"]))
    except Exception:
        log.warning("sign-in failure not counted", exc_info=True)
