"""Organiser sign-in (residents never sign in: they register per contest)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from contest.auth.guards import require_password_change  # noqa: E402

bp.before_app_request(require_password_change)

from contest.auth import routes  # noqa: E402,F401
