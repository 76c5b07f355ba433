"""The organisers' back office (Ban tổ chức). Viewers may read, not change.

One module per area; each registers its views on ``bp``. User management is a
nested blueprint with an admin-only guard of its own.
"""

from flask import Blueprint, request

from contest.auth.guards import guard_blueprint
from contest.errors import abort_vi
from contest.helpers.text import has_control_characters
from contest.models import Role
from contest.models.user import BACK_OFFICE_ROLES

bp = Blueprint("admin", __name__)
guard_blueprint(bp, Role.ADMIN, Role.ORGANISER, read_only_roles=(Role.VIEWER,))

@bp.before_request
def _refuse_control_characters_in_query_string():
    """Filters and searches go into queries: a NUL there is a driver error (500), not a search."""
    if any(has_control_characters(value) for _, value in request.args.items(multi=True)):
        abort_vi(400, "Đường dẫn có ký tự không hợp lệ (ký tự điều khiển). Hãy xóa nội dung "
                      "ô tìm kiếm hoặc bộ lọc, gõ lại rồi thử lại.")


#: Links in the back-office menu: (endpoint, label, roles that see it).
NAV_LINKS = [
    ("admin.questions", "Câu hỏi", BACK_OFFICE_ROLES),
    ("admin.contests", "Cuộc thi", BACK_OFFICE_ROLES),
    ("admin.units", "Đơn vị", BACK_OFFICE_ROLES),
    ("admin.entry_points", "Mã QR", BACK_OFFICE_ROLES),
    ("admin.results", "Kết quả", BACK_OFFICE_ROLES),
    ("admin.document_settings", "Văn bản", BACK_OFFICE_ROLES),
    ("admin.users.index", "Tài khoản", (Role.ADMIN,)),
    ("admin.audit_log", "Nhật ký", (Role.ADMIN,)),
]

from contest.admin import (  # noqa: E402,F401
    audit_log,
    contests,
    documents,
    entry_points,
    holds,
    questions,
    results,
    routes,
    units,
    users,
)

bp.register_blueprint(users.bp, url_prefix="/users")
