"""The organisers' back office (Ban tổ chức). Viewers may read, not change.

One module per area; each registers its views on ``bp``. User management is a
nested blueprint with an admin-only guard of its own.
"""

from flask import Blueprint

from contest.auth.guards import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin", "organiser", read_only_roles=("viewer",))

#: Links in the back-office menu: (endpoint, label, roles that see it).
BACK_OFFICE_ROLES = ("admin", "organiser", "viewer")
NAV_LINKS = [
    ("admin.questions", "Câu hỏi", BACK_OFFICE_ROLES),
    ("admin.contests", "Cuộc thi", BACK_OFFICE_ROLES),
    ("admin.units", "Đơn vị", BACK_OFFICE_ROLES),
    ("admin.entry_points", "Mã QR", BACK_OFFICE_ROLES),
    ("admin.results", "Kết quả", BACK_OFFICE_ROLES),
    ("admin.users.index", "Tài khoản", ("admin",)),
    ("admin.audit_log", "Nhật ký", ("admin",)),
]

from contest.admin import (  # noqa: E402,F401
    audit_log,
    contests,
    entry_points,
    questions,
    results,
    routes,
    units,
    users,
)

bp.register_blueprint(users.bp, url_prefix="/users")
