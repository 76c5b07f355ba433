"""The question bank through the back office: search, edit, versions, import, export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from contest.extensions import db
from contest.models import (
    AttemptItem,
    AuditEntry,
    Question,
    QuestionVersion,
)
from contest.services.bank import import_export as bank_io
from tests import factories
from tests.helpers import csrf_token as token

# Every test module here runs with CSRF on: the forms must carry their token.
CSRF_ON = {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def app_config() -> dict:
    return CSRF_ON


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def question_form(csrf: str, area_id: int, **overrides) -> dict:
    data = {
        "csrf_token": csrf, "content_area_id": str(area_id),
        "text": "Trung tâm Phục vụ hành chính công phường tiếp nhận hồ sơ vào những ngày nào?",
        "options-0": "Từ thứ Hai đến thứ Sáu", "options-1": "Chỉ ngày thứ Bảy",
        "options-2": "Chủ nhật", "options-3": "", "options-4": "", "options-5": "",
        "correct_option": "0", "explanation": "Theo lịch làm việc.", "source": "Mục II.1.b",
        "difficulty": "2", "active": "y",
    }
    data.update(overrides)
    return data


def csv_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(bank_io.TEMPLATE_HEADERS)
    for row in rows:
        writer.writerow(row + [""] * (len(bank_io.TEMPLATE_HEADERS) - len(row)))
    return out.getvalue().encode("utf-8")


def good_row(n: int, area: str = "a") -> list[str]:
    return [area, f"Câu hỏi nhập thử số {n} về cải cách hành chính?", f"Đúng {n}", f"Sai {n}",
            f"Không rõ {n}", "", "", "", "A", "Giải thích.", "Kế hoạch", "1"]


def upload(client, files: list[tuple[str, bytes]]):
    data = {"csrf_token": token(client, "/admin/questions/import"),
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/admin/questions/import", data=data,
                       content_type="multipart/form-data")


def confirm(client):
    return client.post("/admin/questions/import/confirm",
                       data={"csrf_token": token(client, "/admin/questions/import")})


# --- CSRF -----------------------------------------------------------------------------


def test_state_changing_post_without_csrf_token_is_refused(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        question = factories.make_question("a")
        area_id = question.content_area_id
        for url, data in [
            ("/admin/questions/new", question_form("", area_id)),
            (f"/admin/questions/{question.id}/deactivate", {}),
            (f"/admin/questions/{question.id}/delete", {}),
            ("/admin/contests/new", {"title": "X", "slug": "x"}),
        ]:
            data.pop("csrf_token", None)
            response = client.post(url, data=data)
            assert response.status_code == 400, url
            assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
        db.session.refresh(question)
        assert question.active and count(Question) == 1 and audit("question.create") == []


# --- list and search ------------------------------------------------------------------


def test_search_ignores_diacritics_and_case_and_filters_combine(app, client, login_as):
    login_as("viewer")
    with app.app_context():
        factories.make_question("a", text="Mục tiêu của CẢI CÁCH hành chính giai đoạn mới?",
                                difficulty=2)
        factories.make_question("b", text="Ai chủ trì cuộc thi tìm hiểu?")
        factories.make_question("b", text="Cải cách thủ tục hành chính ở phường gồm gì?",
                                active=False)

        page = client.get("/admin/questions/?q=cai+cach").get_data(as_text=True)
        assert "CẢI CÁCH hành chính giai đoạn mới" in page
        assert "Ai chủ trì" not in page
        assert "thủ tục hành chính ở phường" not in page  # inactive: hidden by default

        page = client.get("/admin/questions/?q=Cai%20Cach&status=all").get_data(as_text=True)
        assert "thủ tục hành chính ở phường" in page and "giai đoạn mới" in page
        page = client.get("/admin/questions/?q=cai+cach&status=inactive&area=b"
                          ).get_data(as_text=True)
        assert "thủ tục hành chính ở phường" in page and "giai đoạn mới" not in page
        page = client.get("/admin/questions/?difficulty=2").get_data(as_text=True)
        assert "giai đoạn mới" in page and "Ai chủ trì" not in page
        # Hostile or unknown filter values are ignored, never a 500.
        response = client.get("/admin/questions/?difficulty=9&area=zz&status=x&page=abc&q=%25")
        assert response.status_code == 200


def test_list_paginates_and_shows_counts_per_area(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        app.config["ADMIN_PAGE_SIZE"] = 2
        factories.make_bank(per_area=3, codes=["a"])
        factories.make_round(quota={"a": 4})
        page = client.get("/admin/questions/").get_data(as_text=True)
        assert "Trang 1/2" in page and "Thiếu 1 câu" in page
        assert "Trang 2/2" in client.get("/admin/questions/?page=2").get_data(as_text=True)


# --- one question ---------------------------------------------------------------------


def test_create_edit_deactivate_with_audit_and_versions(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        area_id = factories.area("b").id
        response = client.post("/admin/questions/new",
                               data=question_form(token(client, "/admin/questions/new"), area_id))
        assert response.status_code == 302
        question = db.session.scalar(sa.select(Question))
        assert question.options == ["Từ thứ Hai đến thứ Sáu", "Chỉ ngày thứ Bảy", "Chủ nhật"]
        assert audit("question.create")[0].after["difficulty"] == 2

        # Same text again (other case and spacing): refused as a duplicate.
        response = client.post("/admin/questions/new", data=question_form(
            token(client, "/admin/questions/new"), area_id,
            text="TRUNG TÂM Phục vụ hành chính công  phường tiếp nhận hồ sơ vào những ngày nào?"))
        assert response.status_code == 422
        assert "Ngân hàng đã có câu hỏi này" in response.get_data(as_text=True)

        edit_url = f"/admin/questions/{question.id}/edit"
        response = client.post(edit_url, data=question_form(
            token(client, edit_url), area_id, correct_option="1",
            **{"options-1": "Thứ Bảy và Chủ nhật"}))
        assert response.status_code == 302
        [update] = audit("question.update")
        assert update.before["correct_option"] == 0 and update.after["correct_option"] == 1
        assert [v.number for v in question.versions] == [1, 2]

        url = f"/admin/questions/{question.id}/deactivate"
        assert client.post(url, data={"csrf_token": token(client, edit_url)}).status_code == 302
        db.session.refresh(question)
        assert question.active is False
        assert audit("question.deactivate")[0].after == {"active": False}
        url = f"/admin/questions/{question.id}/reactivate"
        client.post(url, data={"csrf_token": token(client, edit_url)})
        db.session.refresh(question)
        assert question.active is True and len(audit("question.reactivate")) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"options-1": "", "options-2": ""}, "Cần ít nhất 2 phương án"),
    ({"options-1": "", "options-3": "Lẻ loi"}, "liền nhau từ A"),
    ({"correct_option": "4"}, "đáp án đúng phải là một phương án đã điền"),
    ({"correct_option": "9"}, "Vui lòng chọn một mục trong danh sách"),
    ({"text": ""}, "Vui lòng nhập nội dung câu hỏi"),
    ({"content_area_id": "abc"}, "Vui lòng chọn một mục trong danh sách"),
])
def test_bad_question_input_gets_a_vietnamese_message(app, client, login_as, overrides, message):
    login_as("organiser")
    with app.app_context():
        data = question_form(token(client, "/admin/questions/new"), factories.area("a").id,
                             **overrides)
        response = client.post("/admin/questions/new", data=data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert count(Question) == 0


def test_editing_never_changes_a_served_attempt_and_served_cannot_be_deleted(
        app, client, login_as):
    login_as("organiser")
    with app.app_context():
        question = factories.make_question("a", text="Câu hỏi gốc về một cửa?")
        item = factories.serve_question(question)
        served_version = item.question_version_id
        edit_url = f"/admin/questions/{question.id}/edit"
        page = client.get(edit_url).get_data(as_text=True)
        assert "các lượt thi đã làm giữ nguyên" in page
        response = client.post(edit_url, data=question_form(
            token(client, edit_url), question.content_area_id, text="Câu hỏi đã sửa về một cửa?"))
        assert response.status_code == 302

        db.session.expire_all()
        item = db.session.get(AttemptItem, item.id)
        assert item.question_version_id == served_version
        assert item.version.text == "Câu hỏi gốc về một cửa?"
        assert db.session.get(Question, question.id).text == "Câu hỏi đã sửa về một cửa?"

        response = client.post(f"/admin/questions/{question.id}/delete",
                               data={"csrf_token": token(client, edit_url)})
        assert response.status_code == 409
        assert "Không thể xóa câu hỏi này" in response.get_data(as_text=True)
        assert db.session.get(Question, question.id) is not None
        assert audit("question.delete") == []


def test_unserved_question_is_deleted_with_audit_and_preview_shows_it(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        question = factories.make_question("c", text="Chỉ số PAR INDEX đo điều gì?",
                                           options=["Cải cách hành chính", "Giá cả", "Dân số"])
        page = client.get(f"/admin/questions/{question.id}").get_data(as_text=True)
        assert "Người dự thi thấy như sau" in page and "Chỉ số PAR INDEX đo điều gì?" in page
        assert "Giá cả" in page and "Xóa câu hỏi" in page
        response = client.post(f"/admin/questions/{question.id}/delete",
                               data={"csrf_token": token(client, "/admin/questions/")})
        assert response.status_code == 302
        assert count(Question) == 0 and count(QuestionVersion) == 0
        [entry] = audit("question.delete")
        assert entry.before["text"] == "Chỉ số PAR INDEX đo điều gì?" and entry.after is None


# --- import ---------------------------------------------------------------------------


def test_import_preview_then_confirm(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_question("a", text="Câu hỏi nhập thử số 1 về cải cách hành chính?")
        before = count(Question)
        response = upload(client, [("ngan-hang.csv", csv_file([good_row(n) for n in (1, 2, 3)]))])
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<strong>2</strong> câu sẽ thêm" in page and "1 câu trùng bỏ qua" in page
        assert "Xác nhận nhập 2 câu hỏi" in page
        assert count(Question) == before  # the preview writes nothing
        pending = list((Path(app.instance_path) / "imports").iterdir())
        assert len(pending) == 1

        response = confirm(client)
        assert response.status_code == 302
        assert count(Question) == before + 2
        [entry] = audit("question.import")
        assert entry.after["added"] == 2 and entry.user_id is not None
        assert not pending[0].exists()  # the kept upload is cleaned up

        # Confirming again has nothing to confirm: no double import.
        response = confirm(client)
        assert response.status_code == 302 and count(Question) == before + 2


def test_a_confirm_refused_since_the_preview_shows_the_report_and_writes_nothing(
        app, client, login_as):
    login_as("organiser")
    with app.app_context():
        response = upload(client, [("ngan-hang.csv", csv_file([good_row(1), good_row(2)]))])
        assert response.status_code == 200
        # What the confirm checks again no longer holds (here: a lower size limit).
        app.config["MAX_IMPORT_BYTES"] = 10
        response = confirm(client)
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "vượt giới hạn" in page and "admin/questions/import/confirm" not in page
        assert count(Question) == 0 and audit("question.import") == []


def test_bad_file_leaves_the_bank_as_it_was_and_reports_every_error(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_question("a")
        before = count(Question)
        bad = good_row(3, area="z")
        bad[8] = "G"
        response = upload(client, [("tot.csv", csv_file([good_row(1), good_row(2)])),
                                   ("loi.csv", csv_file([good_row(4), bad]))])
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "không câu hỏi nào được ghi" in page
        # Each error names its file, row (the header is row 1) and column.
        cells = re.findall(
            r'<tr><td>(loi\.csv)</td><td class="num">(\d+)</td>\s*<td>([^<(]+)', page)
        assert {(f, row, col.strip()) for f, row, col in cells} >= {
            ("loi.csv", "3", "Lĩnh vực"), ("loi.csv", "3", "Đáp án đúng")}
        assert "admin/questions/import/confirm" not in page
        assert count(Question) == before
        # Nothing was kept to confirm.
        assert confirm(client).status_code == 302 and count(Question) == before


def test_oversize_and_wrong_type_uploads_are_refused(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        app.config["MAX_IMPORT_BYTES"] = 1000
        response = upload(client, [("lon.csv", csv_file([good_row(n) for n in range(40)]))])
        assert response.status_code == 413
        assert "lớn hơn" in response.get_data(as_text=True)

        response = upload(client, [("cau-hoi.pdf", b"%PDF-1.4 not a bank")])
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "không phải tệp Word (.docx), Excel (.xlsx, .xls) hoặc CSV (.csv)" in page

        response = upload(client, [("gia.xlsx", b"just text, not a workbook")])
        assert response.status_code == 400
        assert "không phải tệp Excel hợp lệ" in response.get_data(as_text=True)

        response = client.post("/admin/questions/import", data={
            "csrf_token": token(client, "/admin/questions/import")},
            content_type="multipart/form-data")
        assert response.status_code == 400
        assert "Vui lòng chọn tệp" in response.get_data(as_text=True)
        assert count(Question) == 0 and audit("question.import") == []


def test_export_all_or_filtered_and_template(app, client, login_as):
    login_as("viewer")
    with app.app_context():
        factories.make_question("a", text="Câu về một cửa liên thông?")
        factories.make_question("b", text="Câu về dịch vụ công trực tuyến?")

        def rows(response) -> list[str]:
            assert response.status_code == 200
            assert response.mimetype.endswith("spreadsheetml.sheet")
            sheet = load_workbook(io.BytesIO(response.data)).active
            return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]

        assert len(rows(client.get("/admin/questions/export.xlsx?all=1"))) == 2
        assert rows(client.get("/admin/questions/export.xlsx?q=mot+cua")) == [
            "Câu về một cửa liên thông?"]
        template = client.get("/admin/questions/template.xlsx")
        assert load_workbook(io.BytesIO(template.data)).active.cell(1, 1).value == "Lĩnh vực"


@pytest.mark.parametrize("round_state", ["open", "upcoming"])
def test_viewers_cannot_export_the_answer_key_while_a_round_is_open_or_upcoming(
        app, client, login_as, round_state):
    with app.app_context():
        factories.make_question("a", text="Câu về một cửa liên thông?")
        start = factories.now() + (timedelta(days=2) if round_state == "upcoming"
                                   else -timedelta(hours=1))
        factories.make_round(opens_at=start)
    login_as("viewer")
    for url in ("/admin/questions/export.xlsx?all=1", "/admin/questions/export.xlsx?q=cua"):
        response = client.get(url)
        assert response.status_code == 403
        assert "chỉ Ban tổ chức và quản trị hệ thống được xuất" in response.get_data(
            as_text=True)
    page = client.get("/admin/questions/").get_data(as_text=True)
    assert "export.xlsx" not in page and "chỉ Ban tổ chức xem và xuất được đáp án" in page
    assert "<th>Đáp án</th>" not in page
    with app.app_context():
        question_id = db.session.scalar(sa.select(Question.id))
    detail = client.get(f"/admin/questions/{question_id}").get_data(as_text=True)
    assert "Đáp án đúng" not in detail and "chỉ Ban tổ chức xem được đáp án" in detail
    for role in ("organiser", "admin"):
        client.post("/logout", data={"csrf_token": token(client, "/admin/questions/")})
        login_as(role)
        assert client.get("/admin/questions/export.xlsx?all=1").status_code == 200


def test_viewers_export_the_bank_once_every_round_has_closed(app, client, login_as):
    with app.app_context():
        factories.make_question("a")
        factories.make_round(opens_at=factories.now() - timedelta(days=9))
    login_as("viewer")
    assert client.get("/admin/questions/export.xlsx?all=1").status_code == 200
    assert "<th>Đáp án</th>" in client.get("/admin/questions/").get_data(as_text=True)


# --- viewers --------------------------------------------------------------------------


def test_viewer_reads_the_bank_without_buttons_and_cannot_change_it(app, client, login_as):
    login_as("viewer")
    with app.app_context():
        question = factories.make_question("a")
        for url in ["/admin/questions/", f"/admin/questions/{question.id}"]:
            response = client.get(url)
            page = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "Thêm câu hỏi" not in page and "Ngưng dùng</button>" not in page
            assert "Xóa câu hỏi" not in page and "/edit" not in page
        csrf = token(client, "/admin/questions/")  # the sign-out form carries one
        for url in [f"/admin/questions/{question.id}/deactivate",
                    f"/admin/questions/{question.id}/delete", "/admin/questions/import"]:
            assert client.post(url, data={"csrf_token": csrf}).status_code == 403, url
        db.session.refresh(question)
        changes = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            ~AuditEntry.action.startswith("auth.")))  # the sign-in itself is logged
        assert question.active and changes == 0


def test_options_equal_but_for_spacing_are_refused_as_duplicates(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        area_id = factories.area("b").id
        response = client.post("/admin/questions/new", data=question_form(
            token(client, "/admin/questions/new"), area_id,
            **{"options-0": "Cải  cách hành chính", "options-1": "cải cách hành chính"}))
        assert response.status_code in (400, 422)
        assert "Phương án B trùng với phương án A" in response.get_data(as_text=True)
        assert count(Question) == 0
