"""Rules without markup: pasted Word text keeps its lines, headings and lists; Markdown rules
keep rendering; "Dùng mẫu thể lệ" fills a full rules text from the contest's settings."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import ParticipantCategory
from contest.templating import render_rules
from tests import factories as f

PASTED = (
    "THỂ LỆ CUỘC THI TÌM HIỂU CCHC THÁNG 01/2027\n"
    "I. ĐỐI TƯỢNG DỰ THI\n"
    "Người dân từ đủ 14 tuổi trở lên.\n"
    "Cán bộ, công chức phường.\n"
    "II. CƠ CẤU GIẢI\n"
    "- Giải Nhất: 1 giải\n"
    "– Giải Nhì: 2 giải\n"
    "<script>alert(1)</script>\n"
)


def test_pasted_word_text_keeps_lines_headings_and_lists():
    html = str(render_rules(PASTED))
    assert "<p>THỂ LỆ CUỘC THI TÌM HIỂU CCHC THÁNG 01/2027</p>" in html
    assert "<h2>I. ĐỐI TƯỢNG DỰ THI</h2>" in html
    assert "<p>Người dân từ đủ 14 tuổi trở lên.</p>\n<p>Cán bộ, công chức phường.</p>" in html
    assert "<ul><li>Giải Nhất: 1 giải</li><li>Giải Nhì: 2 giải</li></ul>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_markdown_rules_keep_rendering_as_markdown():
    html = str(render_rules("## Thể lệ\n\nMỗi đợt **20 câu**.\n\n<b>x</b>"))
    assert "<h2>Thể lệ</h2>" in html and "<strong>20 câu</strong>" in html
    assert "<b>x</b>" not in html


def test_public_page_shows_plain_rules_line_by_line(client, app):
    with app.app_context():
        f.make_contest(slug="the-le-thuong", rules=PASTED)
    page = client.get("/c/the-le-thuong").get_data(as_text=True)
    assert "<h2>I. ĐỐI TƯỢNG DỰ THI</h2>" in page and "&lt;script&gt;" in page


def test_preview_and_rules_template_from_the_contests_settings(app, client, login_as):
    with app.app_context():
        contest = f.make_contest(slug="mau-the-le", title="Cuộc thi tìm hiểu CCHC 2027",
                                 contact_phone="0229 3871 234",
                                 contact_address="Bộ phận Một cửa, UBND phường Phù Vân",
                                 prize_tiers=[{"name": "Giải Nhất", "count": 1,
                                               "value": "1.000.000 đồng", "min_score": 18}])
        opens = f.now() + timedelta(days=2)
        f.make_round(contest, name="Tuần 1", opens_at=opens, closes_at=opens + timedelta(days=7),
                     time_limit_minutes=20, quota={"a": 12, "b": 8})
        f.make_round(contest, name="Tuần 2", opens_at=opens + timedelta(days=7),
                     closes_at=opens + timedelta(days=14))
        category = db.session.scalars(sa.select(ParticipantCategory)).first()
        contest_id, category_id, category_name = contest.id, category.id, category.name
    login_as("organiser")
    data = {
        "title": "Cuộc thi tìm hiểu CCHC 2027", "slug": "mau-the-le", "organiser": "UBND phường",
        "rules": "", "status": "published", "birth_year_mode": "optional",
        "gender_mode": "hidden", "citizen_id_mode": "optional",
        "category_ids": [str(category_id)], "contact_phone": "0229 3871 234",
        "contact_address": "Bộ phận Một cửa, UBND phường Phù Vân",
        "prize_tiers-0-name": "Giải Nhất", "prize_tiers-0-count": "1",
        "prize_tiers-0-min_score": "18", "prize_tiers-0-value": "1.000.000 đồng",
        "action": "rules_template",
    }
    page = client.post(f"/admin/contests/{contest_id}/edit", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đã điền mẫu thể lệ" in text
    for heading in ("I. ĐỐI TƯỢNG DỰ THI", "II. THỜI GIAN CÁC ĐỢT THI", "III. HÌNH THỨC DỰ THI",
                    "IV. SỐ CÂU HỎI VÀ THỜI GIAN LÀM BÀI", "V. CÁCH TÍNH ĐIỂM VÀ XẾP HẠNG",
                    "VI. CƠ CẤU GIẢI THƯỞNG", "VII. QUYỀN LỢI VÀ TRÁCH NHIỆM CỦA NGƯỜI DỰ THI",
                    "VIII. LIÊN HỆ"):
        assert f"<h2>{heading}</h2>" in text, heading  # the preview
    assert category_name in text
    assert "Tuần 1: 20 câu hỏi trắc nghiệm, làm trong 20 phút" in text and "Tuần 2: từ" in text
    assert "Giải Nhất: 1 giải, mỗi giải gồm 1.000.000 đồng (chỉ trao cho bài đạt từ 18 điểm" \
        in text
    assert "0229 3871 234" in text and "/c/mau-the-le" in text
    # The template is in the field to edit; saving keeps it as typed.
    preview = client.post(f"/admin/contests/{contest_id}/edit",
                          data={**data, "action": "preview", "rules": PASTED})
    assert "<h2>II. CƠ CẤU GIẢI</h2>" in preview.get_data(as_text=True)
    saved = client.post(f"/admin/contests/{contest_id}/edit",
                        data={**data, "action": "save", "rules": PASTED})
    assert saved.status_code == 302
