"""The outreach activity log (hoạt động tuyên truyền) and the quarterly/annual reports."""

from flask import Blueprint

from contest.auth.guards import guard_blueprint

bp = Blueprint("activities", __name__)
guard_blueprint(bp, "admin", "organiser", "unit_reporter", read_only_roles=("viewer",))

from contest.activities import routes  # noqa: E402,F401
