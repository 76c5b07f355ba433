"""Participation statistics for the office: dashboard, item analysis, exports."""

from flask import Blueprint

from contest.auth.guards import guard_blueprint
from contest.models import Role

bp = Blueprint("reports", __name__)
guard_blueprint(bp, Role.ADMIN, Role.ORGANISER, Role.VIEWER)

from contest.reports import routes  # noqa: E402,F401
