"""The organisers' back office (Ban tổ chức). Viewers may read, not change."""

from flask import Blueprint

from contest.auth.guards import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin", "organiser", read_only_roles=("viewer",))

from contest.admin import routes  # noqa: E402,F401
