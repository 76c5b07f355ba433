"""Reference data taken from the plan, loaded by ``flask --app contest seed``.

Idempotent: rows are matched on their code or name and only missing ones are added.
"""

from __future__ import annotations

import sqlalchemy as sa

from contest.extensions import db
from contest.models import ActivityForm, ContentArea, ParticipantCategory, Unit

#: Plan section II.1: the content areas of the outreach, a short title each.
CONTENT_AREAS = [
    ("a", "Chủ trương, chính sách, chương trình, kế hoạch cải cách hành chính"),
    ("b", "Vai trò, trách nhiệm của cấp ủy, người đứng đầu trong cải cách hành chính"),
    ("c", "Sắp xếp tổ chức bộ máy, tinh giản biên chế, phân cấp, phân quyền"),
    ("d", "Đạo đức công vụ, văn hóa giao tiếp, kỷ luật, kỷ cương hành chính"),
    ("đ", "Thủ tục hành chính, cơ chế một cửa, dịch vụ công trực tuyến"),
    ("e", "Tự chủ về biên chế, kinh phí; cơ chế tài chính đơn vị sự nghiệp công lập"),
    ("f", "Chuyển đổi số, dữ liệu dân cư, định danh và xác thực điện tử"),
    ("g", "Chỉ tiêu cải cách hành chính năm 2026 và khẩu hiệu hành động"),
    ("h", "Các chỉ số PAR INDEX, SIPAS, PCI, PAPI, DTI"),
    ("i", "Mô hình, sáng kiến, điển hình tiên tiến; hạn chế, yếu kém cần khắc phục"),
    ("k", "Các vấn đề khác về triển khai cải cách hành chính"),
]

#: Plan section II.2: the forms of outreach.
ACTIVITY_FORMS = [
    ("a", "Báo chí, phương tiện thông tin đại chúng, trang thông tin điện tử, mạng xã hội"),
    ("b", "Treo pano, băng rôn, áp phích"),
    ("c", "Tập huấn, bồi dưỡng, họp tổ dân phố, hội nghị tuyên truyền, phổ biến pháp luật"),
    ("d", "Tài liệu tuyên truyền, infographic, video ngắn, chuyên mục"),
    ("đ", "Lồng ghép trong hội nghị, cuộc họp, sinh hoạt chuyên đề"),
    ("e", "Cuộc thi tìm hiểu, hội thảo/tọa đàm, sân khấu hóa, hình thức mới, sáng tạo"),
    ("f", "Các hình thức khác phù hợp với đối tượng"),
]

#: Plan section IV.2: the units responsible for outreach, who report each quarter.
RESPONSIBLE_UNITS = [
    "Phòng Văn hóa – Xã hội",
    "Văn phòng HĐND&UBND",
    "Trung tâm dịch vụ sự nghiệp công",
    "Trung tâm Phục vụ hành chính công",
    "Ủy ban Mặt trận Tổ quốc phường",
    "Các đoàn thể phường",
]

#: Đối tượng, with the ranking group used when a contest ranks groups separately.
CATEGORIES = [
    ("can_bo", "Cán bộ, công chức, viên chức", "Cán bộ, công chức, viên chức"),
    ("nguoi_dan", "Người dân", "Nhân dân"),
    ("hoc_sinh", "Học sinh, sinh viên", "Nhân dân"),
    ("doanh_nghiep", "Doanh nghiệp, hộ kinh doanh", "Nhân dân"),
]


def seed_reference_data() -> dict[str, int]:
    """Insert whatever reference rows are missing; return how many of each were added."""
    added = {"content_areas": 0, "activity_forms": 0, "units": 0, "categories": 0}
    existing = set(db.session.scalars(sa.select(ContentArea.code)))
    for position, (code, title) in enumerate(CONTENT_AREAS):
        if code not in existing:
            db.session.add(ContentArea(code=code, title=title, position=position))
            added["content_areas"] += 1
    existing = set(db.session.scalars(sa.select(ActivityForm.code)))
    for position, (code, title) in enumerate(ACTIVITY_FORMS):
        if code not in existing:
            db.session.add(ActivityForm(code=code, title=title, position=position))
            added["activity_forms"] += 1
    existing = set(db.session.scalars(sa.select(Unit.name)))
    for position, name in enumerate(RESPONSIBLE_UNITS):
        if name not in existing:
            db.session.add(
                Unit(name=name, kind="agency", is_plan_responsible=True, position=position)
            )
            added["units"] += 1
    existing = set(db.session.scalars(sa.select(ParticipantCategory.code)))
    for position, (code, name, group) in enumerate(CATEGORIES):
        if code not in existing:
            db.session.add(
                ParticipantCategory(code=code, name=name, ranking_group=group, position=position)
            )
            added["categories"] += 1
    db.session.commit()
    return added

