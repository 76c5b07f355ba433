"""Results pages: organisers' ranking, review and files; the public list; one's own rank."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from contest.extensions import db
from contest.models import AuditEntry, Participant, ResultPublication, Round
from tests import factories as f
from tests.helpers import CCCD_A, publish, results_world


@pytest.fixture
def world(app):
    return results_world(app)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_index_lists_contests_and_rounds(client, login_as, world):
    login_as("viewer")
    page = client.get("/admin/results/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Đợt 1" in text and "Chưa công bố" in text


def test_opening_a_closed_round_writes_nothing_the_organiser_fixes_the_figure(
        app, client, login_as, world):
    login_as("organiser")
    page = client.get(f"/admin/results/rounds/{world['round_id']}")
    text = page.get_data(as_text=True)
    # A GET never writes: the figure shown is provisional until fixed.
    assert "Số người trả lời đúng tất cả các câu hỏi: 2" in text and "chưa chốt" in text
    assert "Chốt số thực tế ngay" in text
    with app.app_context():
        assert db.session.get(Round, world["round_id"]).prediction_actual is None
    response = client.post(f"/admin/results/rounds/{world['round_id']}/fix-actual")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã chốt số thực tế của Đợt 1: 2." in page and "Chốt số thực tế ngay" not in page
    with app.app_context():
        assert db.session.get(Round, world["round_id"]).prediction_actual == 2
        assert db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.action == "round.fix_prediction_actual")).user_id is not None


def test_the_sweep_fixes_the_figure_of_closed_rounds(app, runner, world):
    with app.app_context():
        open_round = f.make_round(f.make_contest())  # still open: left alone
        open_id = open_round.id
    result = runner.invoke(args=["attempts", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Đợt 1: đã chốt số thực tế = 2" in result.output
    with app.app_context():
        assert db.session.get(Round, world["round_id"]).prediction_actual == 2
        assert db.session.get(Round, open_id).prediction_actual_fixed_at is None
    # Forced past the one-a-minute claim, so the second sweep really looks again.
    assert "đã chốt" not in runner.invoke(args=["attempts", "sweep", "--force"]).output


def test_round_page_shows_rule_actual_ranking_and_winners(app, client, login_as, world):
    login_as("organiser")
    assert client.post(f"/admin/results/rounds/{world['round_id']}/fix-actual").status_code == 302
    page = client.get(f"/admin/results/rounds/{world['round_id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Thứ tự xếp hạng" in text and "sai số |số dự đoán − số thực tế|" in text
    assert "Số người trả lời đúng tất cả các câu hỏi: 2" in text and "Đã chốt" in text
    # Both on 10 points; actual 2: Ánh predicted 1 (error 1), Bình 5 (error 3).
    assert text.index("Trần Thị Ánh") < text.index("Lê Văn Bình") < text.index("Phạm Đức Cường")
    assert "Giải Nhất" in text
    with app.app_context():
        assert db.session.get(Round, world["round_id"]).prediction_actual == 2


def test_viewer_reads_but_cannot_publish_or_disqualify(app, client, login_as, world):
    login_as("viewer")
    assert client.get(f"/admin/results/rounds/{world['round_id']}").status_code == 200
    assert publish(client, world["round_id"]).status_code == 403
    response = client.post(f"/admin/results/participants/{world['a']}/disqualify",
                           data={"reason": "thử"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResultPublication.id))) == 0
        # A viewer opening the page does not fix the figure either.
        assert db.session.get(Round, world["round_id"]).prediction_actual is None


def test_publish_then_public_page_masks_phone_and_hides_citizen_id(client, login_as, world):
    login_as("organiser")
    assert publish(client, world["round_id"]).status_code == 302
    page = client.get(f"/c/{world['slug']}/rounds/{world['round_id']}/results")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Trần Thị Ánh" in text and "Tổ dân phố Phúc Lộc" in text and "Giải Nhất" in text
    assert "091****678" in text
    assert "0912345678" not in text and "+84912345678" not in text
    assert CCCD_A not in text and "1985" not in text
    assert "Số người trả lời đúng tất cả các câu hỏi: 2" in text
    assert "2 phút 5,4 giây" in text


def test_public_page_before_publication_says_not_yet(client, world):
    page = client.get(f"/c/{world['slug']}/rounds/{world['round_id']}/results")
    assert page.status_code == 200
    assert "chưa được công bố" in page.get_data(as_text=True)
    assert client.get(f"/c/{world['slug']}/rounds/{world['round_id']}/results.pdf"
                      ).status_code == 404


def test_public_pdf_prints_the_list_with_diacritics_and_masked_phone(client, login_as, world):
    login_as("organiser")
    publish(client, world["round_id"])
    response = client.get(f"/c/{world['slug']}/rounds/{world['round_id']}/results.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Trần Thị Ánh" in text and "Giải Nhất" in text and "091****678" in text
    assert CCCD_A not in text and "0912345678" not in text


def test_certificates_one_page_per_winner(client, login_as, world):
    login_as("organiser")
    assert client.get(f"/admin/results/rounds/{world['round_id']}/certificates.pdf"
                      ).status_code == 409
    publish(client, world["round_id"])
    response = client.get(f"/admin/results/rounds/{world['round_id']}/certificates.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "GIẤY CHỨNG NHẬN" in first and "Trần Thị Ánh" in first and "GIẢI NHẤT" in first
    assert "Lê Văn Bình" in reader.pages[1].extract_text()


def test_winners_xlsx_is_personal_data_viewers_cannot_download(app, client, login_as, world):
    login_as("viewer")
    response = client.get(f"/admin/results/rounds/{world['round_id']}/winners.xlsx")
    assert response.status_code == 403
    assert "dữ liệu cá nhân" in response.get_data(as_text=True)


def test_winners_xlsx_keeps_a_formula_looking_name_as_text(app, client, login_as, world):
    with app.app_context():
        person = db.session.get(Participant, world["a"])
        person.full_name = '=HYPERLINK("http://evil.example","Bấm")'
        db.session.commit()
    login_as("organiser")
    response = client.get(f"/admin/results/rounds/{world['round_id']}/winners.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    name_cell = sheet.cell(row=6, column=2)
    assert name_cell.value.startswith("=HYPERLINK") and name_cell.data_type == "s"


def test_winners_xlsx_with_control_characters_saved_before_they_were_refused(
        app, client, login_as, world):
    # Forms refuse them now, but older rows may hold one; openpyxl would refuse the workbook.
    with app.app_context():
        db.session.get(Participant, world["a"]).full_name = "Trần Thị\x01 Ánh"
        db.session.get(Round, world["round_id"]).name = "Đợt\x02 1"
        db.session.commit()
    login_as("organiser")
    response = client.get(f"/admin/results/rounds/{world['round_id']}/winners.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert "Đợt 1" in sheet["A1"].value
    assert "Trần Thị Ánh" in [sheet.cell(row=row, column=2).value for row in range(6, 9)]


def test_winners_xlsx_has_header_rule_actual_and_full_details(app, client, login_as, world):
    login_as("organiser")
    response = client.get(f"/admin/results/rounds/{world['round_id']}/winners.xlsx")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "report.export_personal")) == 1
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert "TẠM TÍNH" in sheet["A1"].value and "Đợt 1" in sheet["A1"].value
    assert "Thứ tự xếp hạng" in sheet["A2"].value
    assert sheet["A3"].value == "Số người trả lời đúng tất cả các câu hỏi: 2"
    header = [c.value for c in sheet[5]]
    assert header == ["STT", "Họ tên", "Số điện thoại", "CCCD", "Đơn vị", "Đối tượng", "Giải",
                      "Điểm", "Số câu đúng", "Dự đoán", "Sai số", "Thời gian làm bài",
                      "Thời điểm nộp bài", "Ký nhận"]
    first = [c.value for c in sheet[6]]
    # The phone as the office writes it; the CCCD as text.
    assert first[:5] == [1, "Trần Thị Ánh", "0912 345 678", CCCD_A, "Tổ dân phố Phúc Lộc"]
    assert first[6:11] == ["Giải Nhất", 10, 10, 1, 1]
    # Time taken is a number (a duration Excel can sort and add up), not text: openpyxl reads
    # a number in a duration format back as a timedelta.
    duration = sheet.cell(row=6, column=12)
    assert duration.value == timedelta(milliseconds=125_400)
    assert duration.number_format == "[m]:ss.0"
    submitted = sheet.cell(row=6, column=13)
    assert isinstance(submitted.value, datetime) and submitted.number_format.startswith("HH:MM")
    assert sheet.cell(row=6, column=14).value is None  # left for the winner's signature
    assert sheet.max_row == 7


def test_own_rank_after_publication(app, client, login_as, world):
    login_as("organiser")
    publish(client, world["round_id"])
    from contest.public import identity

    with app.test_request_context():
        from flask import make_response

        with app.app_context():
            person = db.session.get(Participant, world["b"])
            response = make_response("")
            identity.remember(response, person)
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    name, value = cookie.split("=", 1)
    client.set_cookie(name, value)
    text = client.get(f"/c/{world['slug']}/rounds/{world['round_id']}/results"
                      ).get_data(as_text=True)
    assert "Kết quả của bạn" in text and "hạng 2" in text and "Bạn đạt Giải Nhì" in text
    # The resident finds the results from the contest page and from their own attempts.
    round_url = f"/c/{world['slug']}/rounds/{world['round_id']}/results"
    assert f'href="/c/{world["slug"]}/results"' in client.get(f"/c/{world['slug']}").get_data(
        as_text=True)
    assert f'href="{round_url}"' in client.get(f"/c/{world['slug']}/me").get_data(as_text=True)


def test_results_links_hidden_before_publication(client, world):
    page = client.get(f"/c/{world['slug']}").get_data(as_text=True)
    assert "/results" not in page
    assert "Cách xếp hạng" in page and "sai số |số dự đoán − số thực tế|" in page


def test_duplicate_review_disqualify_with_reason_then_republish(app, client, login_as, world):
    with app.app_context():
        contest_id = world["contest_id"]
        f.make_participant(db.session.get(f.Contest, contest_id), full_name="Trần Thị Ánh",
                           phone="0912.345.679", birth_year=1985,
                           unit_id=db.session.get(Participant, world["a"]).unit_id)
    login_as("organiser")
    publish(client, world["round_id"])
    page = client.get(f"/admin/results/contests/{contest_id}/duplicates")
    assert "Trùng họ tên, năm sinh và đơn vị" in page.get_data(as_text=True)
    # Missing reason: refused with a message, nothing changes.
    response = client.post(f"/admin/results/participants/{world['a']}/disqualify",
                           data={"reason": ""}, follow_redirects=True)
    assert "Vui lòng ghi lý do" in response.get_data(as_text=True)
    response = client.post(f"/admin/results/participants/{world['a']}/disqualify",
                           data={"reason": "Đăng ký hai lần"}, follow_redirects=True)
    assert "Đã loại thí sinh Trần Thị Ánh" in response.get_data(as_text=True)
    # The public still sees the published list until a re-publish.
    public = f"/c/{world['slug']}/rounds/{world['round_id']}/results"
    assert "Trần Thị Ánh" in client.get(public).get_data(as_text=True)
    round_page = client.get(f"/admin/results/rounds/{world['round_id']}").get_data(as_text=True)
    assert "khác với bản đã công bố" in round_page
    response = publish(client, world["round_id"])
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResultPublication.id))) == 1
    publish(client, world["round_id"], reason="Loại thí sinh đăng ký hai lần")
    text = client.get(public).get_data(as_text=True)
    assert "Trần Thị Ánh" not in text and "công bố lại lần 2" in text
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
        assert {"participant.disqualify", "results.publish", "results.republish"} <= actions
    history = client.get(f"/admin/results/rounds/{world['round_id']}").get_data(as_text=True)
    assert "Lần 1" in history and "Lần 2" in history and "Loại thí sinh đăng ký hai lần" in history


def test_old_publication_visible_to_organisers(app, client, login_as, world):
    login_as("organiser")
    publish(client, world["round_id"])
    publish(client, world["round_id"], reason="Kiểm tra lại")
    with app.app_context():
        old = db.session.scalar(sa.select(ResultPublication).where(
            ResultPublication.version == 1))
        old_id = old.id
    page = client.get(f"/admin/results/rounds/{world['round_id']}/publications/{old_id}")
    assert page.status_code == 200 and "đã được thay thế" in page.get_data(as_text=True)
    assert client.get(f"/admin/results/rounds/{world['round_id']}/publications/99999"
                      ).status_code == 404


def test_collective_and_overall_pages(client, login_as, world):
    login_as("viewer")
    page = client.get(f"/admin/results/contests/{world['contest_id']}/collective")
    assert page.status_code == 200 and "Tổ dân phố Phúc Lộc" in page.get_data(as_text=True)
    page = client.get(f"/admin/results/contests/{world['contest_id']}/overall")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Trần Thị Ánh" in text and "Tổng điểm" in text


@pytest.mark.parametrize("url", [
    "/admin/results/rounds/99999", "/admin/results/contests/99999/duplicates",
    "/admin/results/contests/99999/overall", "/c/khong-co/rounds/1/results",
])
def test_missing_things_are_404(client, login_as, world, url):
    login_as("organiser")
    assert client.get(url).status_code == 404


def test_publishing_an_open_round_is_refused_with_a_message(app, client, login_as):
    with app.app_context():
        round_id = f.make_round().id
    login_as("organiser")
    response = publish(client, round_id)
    assert response.status_code == 302
    text = client.get(f"/admin/results/rounds/{round_id}").get_data(as_text=True)
    assert "Chỉ công bố được sau khi đợt thi kết thúc" in text
