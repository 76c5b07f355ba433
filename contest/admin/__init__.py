"""The organisers' back office (Ban tổ chức). Viewers may read, not change.

One module per area; each registers its views on ``bp``. User management is a
nested blueprint with an admin-only guard of its own.
"""

from flask import Blueprint

from contest.auth.guards import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, "admin", "organiser", read_only_roles=("viewer",))

#: Links in the back-office menu: (endpoint, label).
NAV_LINKS = [
    ("admin.questions", "Câu hỏi"),
    ("admin.contests", "Cuộc thi"),
    ("admin.units", "Đơn vị"),
    ("admin.entry_points", "Mã QR"),
    ("admin.results", "Kết quả"),
    ("admin.audit_log", "Nhật ký"),
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
