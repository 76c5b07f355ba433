"""Participation statistics for the office: dashboard, item analysis, exports."""

from flask import Blueprint

from contest.auth.guards import guard_blueprint

bp = Blueprint("reports", __name__)
guard_blueprint(bp, "admin", "organiser", "viewer")

from contest.reports import routes  # noqa: E402,F401
