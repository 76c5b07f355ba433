"""The outreach activity log (hoạt động tuyên truyền) and the quarterly/annual reports."""

from flask import Blueprint

from contest.auth.guards import guard_blueprint
from contest.models import Role

bp = Blueprint("activities", __name__)
guard_blueprint(bp, Role.ADMIN, Role.ORGANISER, Role.UNIT_REPORTER, read_only_roles=(Role.VIEWER,))

from contest.activities import routes  # noqa: E402,F401
