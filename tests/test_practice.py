"""Practice (Ôn tập) and study material (Tài liệu tìm hiểu): what residents learn from.

The rule under test above all: practice never shows a question that a round can draw
while the contest runs.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from contest.extensions import db
from contest.models import AuditEntry, ContentArea, Contest, PracticeTally, Question, Round
from contest.services.contests.rounds import active_question_counts
from contest.services.practice import pool, study
from contest.services.taking import attempts as attempt_service
from contest.services.taking.attempts import draw_questions
from tests import factories

STUDY_TEXT = """I. Cải cách hành chính là gì
Cải cách hành chính giúp người dân làm thủ tục thuận tiện hơn.

Những văn bản cần biết:
- Nghị định số 118/2025/NĐ-CP về cơ chế một cửa, một cửa liên thông
- Quyết định số 1588/QĐ-TTg ngày 17/12/2024
1. Chỉ số đánh giá
Chỉ số cải cách hành chính (PAR INDEX).
- <script>alert(1)</script> & các chỉ số khác
"""


def _text(response) -> str:
    return response.get_data(as_text=True)


def _world(**contest_fields):
    """Areas a and b: 4 contest questions and 3 practice questions each; a round open now."""
    contest_q = [factories.make_question(code) for code in "ab" for _ in range(4)]
    practice_q = [factories.make_question(code, practice=True) for code in "ab" for _ in range(3)]
    fields = {"practice_enabled": True, "study_material": STUDY_TEXT, **contest_fields}
    contest = factories.make_contest(slug="cchc", **fields)
    round_ = factories.make_round(contest, quota={"a": 2, "b": 2})
    return {"contest_id": contest.id, "round_id": round_.id,
            "contest_q": {q.id: q.text for q in contest_q},
            "practice_q": {q.id: q.text for q in practice_q}}


@pytest.fixture
def world(app_ctx):
    return _world()


def _practise_one_set(client, answer=0) -> list[str]:
    """Start a set and answer every question (always option ``answer``); the pages seen."""
    started = client.post("/c/cchc/on-tap")
    assert started.status_code == 302, _text(started)[:300]
    pages = []
    number = 1
    path = started.location
    while "/ket-qua" not in path:
        pages.append(_text(client.get(path)))
        answered = client.post(path, data={"choice": str(answer)})
        assert answered.status_code == 302
        feedback = client.get(answered.location)
        pages.append(_text(feedback))
        number += 1
        path = (f"/c/cchc/on-tap/{number}" if f"/on-tap/{number}\"" in _text(feedback)
                else "/c/cchc/on-tap/ket-qua")
    pages.append(_text(client.get(path)))
    return pages


# --------------------------------------------------------------------------- the pool


def test_a_round_never_draws_a_practice_question(world):
    round_ = db.session.get(Round, world["round_id"])
    rng = random.Random(7)
    for _ in range(30):
        drawn = {row[0] for row in draw_questions(round_, rng)}
        assert drawn <= set(world["contest_q"])
    # The quota check counts only what a round can draw.
    assert active_question_counts()["a"] == 4


def test_practice_never_reaches_a_question_a_round_can_draw(client, world):
    """Even with the whole bank opened by hand while the round runs, many sets never show
    a question the open round may draw, and they reach every practice question."""
    contest = db.session.get(Contest, world["contest_id"])
    contest.practice_whole_bank = True  # forced: the organisers' action refuses this now
    db.session.commit()
    drawable = {q.text for q in db.session.scalars(
        sa.select(Question).where(Question.in_round_pool))}
    assert drawable == set(world["contest_q"].values())
    seen = set()
    for _ in range(12):
        for page in _practise_one_set(client):
            assert not [text for text in drawable if text in page]
            seen |= {text for text in world["practice_q"].values() if text in page}
    assert seen == set(world["practice_q"].values())


def test_question_served_in_a_running_round_stays_out_of_practice(client, world):
    """Marked for practice after a resident was served it in a round still open: hidden."""
    participant = factories.make_participant(db.session.get(Contest, world["contest_id"]))
    attempt = attempt_service.start_attempt(participant.id, world["round_id"], factories.now())
    served = {item.question_id for item in attempt_service.load_items(attempt)}
    for question_id in served:
        db.session.get(Question, question_id).practice = True
    db.session.commit()
    contest = db.session.get(Contest, world["contest_id"])
    ids = {q for _ in range(20) for q in pool.draw_set(contest, factories.now())}
    assert ids == set(world["practice_q"])
    # Once the round has closed they may be practised.
    later = db.session.get(Round, world["round_id"]).closes_at + timedelta(minutes=1)
    assert served <= {q for _ in range(30) for q in pool.draw_set(contest, later)}


def test_whole_bank_after_the_contest_keeps_out_areas_another_round_draws(app_ctx):
    world = _world()
    round_ = db.session.get(Round, world["round_id"])
    contest = db.session.get(Contest, world["contest_id"])
    # Another contest's round, still to come, draws from area a.
    other = factories.make_contest(slug="khac")
    factories.make_round(other, quota={"a": 1}, opens_at=round_.closes_at + timedelta(days=1))
    during = factories.now()
    with pytest.raises(pool.PracticeRefused):
        pool.open_whole_bank(contest, None, during)
    after = round_.closes_at + timedelta(hours=1)
    pool.open_whole_bank(contest, None, after)
    db.session.commit()
    assert contest.practice_whole_bank and contest.practice_enabled
    ids = set(db.session.scalars(sa.select(Question.id).where(
        pool.pool_condition(contest, after))))
    area_b_contest = {q.id for q in db.session.scalars(sa.select(Question))
                      if q.content_area.code == "b" and not q.practice}
    area_a_contest = {q.id for q in db.session.scalars(sa.select(Question))
                      if q.content_area.code == "a" and not q.practice}
    assert area_b_contest <= ids
    assert not area_a_contest & ids
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "contest.practice_whole_bank")) is not None


# --------------------------------------------------------------------------- the pages


def test_practice_without_javascript_says_right_or_wrong_with_explanation(client, world):
    page = _text(client.get("/c/cchc/on-tap"))
    assert "Bắt đầu ôn tập" in page and "Không cần đăng ký" in page
    started = client.post("/c/cchc/on-tap")
    question_page = _text(client.get(started.location))
    assert 'type="radio" name="choice"' in question_page and "<script" not in question_page
    with client.session_transaction() as session:
        first_id = session["practice"]["ids"][0]
    question = db.session.get(Question, first_id)
    wrong = (question.correct_option + 1) % len(question.options)
    answered = client.post(started.location, data={"choice": str(wrong)})
    assert answered.status_code == 302 and answered.location.endswith("/on-tap/1")
    feedback = _text(client.get(answered.location))
    assert "Sai." in feedback and question.explanation in feedback
    assert "Căn cứ:" in feedback and question.source in feedback
    assert "(đáp án đúng)" in feedback and "Câu tiếp theo" in feedback
    # Answering again (a double tap, a reload) changes nothing and counts nothing more.
    client.post(started.location, data={"choice": str(question.correct_option)})
    assert "Sai." in _text(client.get(started.location))
    tally = db.session.scalars(sa.select(PracticeTally)).all()
    assert [(t.content_area_id, t.answered, t.correct) for t in tally] == [
        (question.content_area_id, 1, 0)]
    with client.session_transaction() as session:
        second_id = session["practice"]["ids"][1]
    second = db.session.get(Question, second_id)
    client.post("/c/cchc/on-tap/2", data={"choice": str(second.correct_option)})
    assert "Đúng." in _text(client.get("/c/cchc/on-tap/2"))


def test_practice_counts_nothing_in_the_contest(client, world):
    from contest.models import Attempt, Participant

    _practise_one_set(client)
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0
    counted = db.session.scalar(sa.select(sa.func.sum(PracticeTally.answered)))
    assert counted == 6  # the whole practice pool, as one set


def test_practice_bad_input_is_a_clear_4xx(client, world):
    assert client.get("/c/cchc/on-tap/1").status_code == 404  # no set on this browser
    client.post("/c/cchc/on-tap")
    for bad in ("9", "abc", "", "-1", "٣"):
        response = client.post("/c/cchc/on-tap/1", data={"choice": bad})
        assert response.status_code == 400
        assert "Vui lòng chọn một phương án" in _text(response)
    assert client.get("/c/cchc/on-tap/99").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(PracticeTally.id))) == 0


def test_practice_closed_unless_the_organisers_allow_it(client, app_ctx):
    _world(practice_enabled=False)
    response = client.get("/c/cchc/on-tap")
    assert response.status_code == 403 and "chưa mở phần ôn tập" in _text(response)
    assert client.post("/c/cchc/on-tap").status_code == 403
    assert "/on-tap" not in _text(client.get("/c/cchc"))


def test_practice_without_questions_says_so_and_promises_no_set(client, app_ctx):
    factories.make_question("a")
    contest = factories.make_contest(slug="cchc", practice_enabled=True)
    factories.make_round(contest, quota={"a": 1})
    page = _text(client.get("/c/cchc/on-tap"))
    assert "chưa chuẩn bị câu hỏi ôn tập" in page
    assert "một bộ 0 câu" not in page


def test_practice_page_fits_a_phone(client, world):
    page = _text(client.get(client.post("/c/cchc/on-tap").location))
    assert 'name="viewport"' in page and 'class="option"' in page


# --------------------------------------------------------------------------- study material


def test_study_text_becomes_headings_lists_and_paragraphs():
    blocks = study.parse(STUDY_TEXT)
    assert [b.kind for b in blocks] == ["h2", "p", "h3", "ul", "h3", "p", "ul"]
    assert blocks[3].items[0].startswith("Nghị định số 118/2025/NĐ-CP")
    long_numbered = "1. " + "chữ " * 60
    assert study.parse(long_numbered)[0].kind == "p"


def test_study_page_is_linked_from_contest_page_and_escapes_the_text(client, world):
    contest_page = _text(client.get("/c/cchc"))
    assert "/c/cchc/tai-lieu" in contest_page and "/c/cchc/on-tap" in contest_page
    page = _text(client.get("/c/cchc/tai-lieu"))
    assert "<h2>I. Cải cách hành chính là gì</h2>" in page
    assert "<li>Nghị định số 118/2025/NĐ-CP" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_study_page_linked_after_registration_and_from_the_result(client, world):
    unit = factories.make_unit()
    contest = db.session.get(Contest, world["contest_id"])
    registered = client.post("/c/cchc/register", data={
        "full_name": "Trần Văn Bình", "phone": "0912 345 678", "birth_year": "1970",
        "unit": str(unit.id), "category": str(contest.categories[0].id), "consent": "y"})
    assert registered.status_code == 302
    welcome = _text(client.get(registered.location))
    assert "Đăng ký thành công" in welcome and "mời bạn đọc" in welcome
    assert "/c/cchc/tai-lieu" in welcome
    started = client.post(f"/c/cchc/rounds/{world['round_id']}/start")
    submitted = client.post(started.location + "/submit", data={"confirm": "yes"})
    result = _text(client.get(submitted.location))
    assert "Kết quả lượt thi" in result and "/c/cchc/tai-lieu" in result
    assert "/c/cchc/on-tap" in result


def test_study_pdf_downloads_as_a4_with_diacritics(client, world):
    response = client.get("/c/cchc/tai-lieu.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "TÀI LIỆU TÌM HIỂU" in text and "Nghị định số 118/2025/NĐ-CP" in text


def test_no_study_material_is_a_friendly_404(client, app_ctx):
    _world(study_material="")
    response = client.get("/c/cchc/tai-lieu")
    assert response.status_code == 404 and "Chưa có tài liệu tìm hiểu" in _text(response)
    assert client.get("/c/cchc/tai-lieu.pdf").status_code == 404
    assert "/c/cchc/tai-lieu" not in _text(client.get("/c/cchc"))


# --------------------------------------------------------------------------- back office


def test_organiser_writes_study_material_and_opens_practice(client, login_as, app_ctx):
    from tests.helpers import contest_form

    login_as("organiser")
    response = client.post("/admin/contests/new", data=contest_form(
        status="published", study_material=STUDY_TEXT, practice_enabled="y"))
    assert response.status_code == 302
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "cchc-2026"))
    assert contest.study_material.startswith("I. Cải cách") and contest.practice_enabled
    detail = _text(client.get(response.location))
    assert "Tìm hiểu và ôn tập" in detail and "/c/cchc-2026/tai-lieu.pdf" in detail
    too_long = client.post(f"/admin/contests/{contest.id}/edit",
                           data=contest_form(study_material="x" * 50_001))
    assert too_long.status_code == 422 and "Tài liệu tìm hiểu" in _text(too_long)


def test_whole_bank_button_refused_while_the_contest_runs(client, login_as, world):
    login_as("organiser")
    url = f"/admin/contests/{world['contest_id']}/practice-whole-bank"
    assert "Mở toàn bộ ngân hàng" not in _text(client.get(f"/admin/contests/"
                                                           f"{world['contest_id']}"))
    response = client.post(url)
    assert response.status_code == 409 and "sau khi tất cả các" in _text(response)
    round_ = db.session.get(Round, world["round_id"])
    round_.opens_at = factories.now() - timedelta(days=9)
    round_.closes_at = factories.now() - timedelta(days=2)
    db.session.commit()
    assert "Mở toàn bộ ngân hàng" in _text(client.get(f"/admin/contests/"
                                                      f"{world['contest_id']}"))
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Contest, world["contest_id"]).practice_whole_bank


def test_viewer_cannot_open_the_whole_bank(client, login_as, world):
    login_as("viewer")
    response = client.post(f"/admin/contests/{world['contest_id']}/practice-whole-bank")
    assert response.status_code == 403


def test_question_form_marks_a_question_for_practice(client, login_as, world):
    login_as("organiser")
    question_id = next(iter(world["contest_q"]))
    question = db.session.get(Question, question_id)
    data = {"content_area_id": str(question.content_area_id), "text": question.text,
            "correct_option": "0", "explanation": "", "source": "", "difficulty": "1",
            "active": "y", "practice": "y",
            **{f"options-{i}": opt for i, opt in enumerate(question.options)}}
    assert client.post(f"/admin/questions/{question_id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question_id).practice


# --------------------------------------------------------------------------- statistics


def test_practice_counts_appear_in_statistics_beside_the_contest(client, login_as, world):
    import re

    _practise_one_set(client, answer=0)
    answered = db.session.execute(sa.select(
        PracticeTally.content_area_id, PracticeTally.answered, PracticeTally.correct)).all()
    assert sum(row[1] for row in answered) == 6
    login_as("viewer")
    dashboard = _text(client.get(f"/reports/?contest={world['contest_id']}"))
    total = dashboard[dashboard.index('id="practice-total"'):]
    assert "<strong>6</strong> lượt trả lời" in total[:200] and "#practice" in total
    page = _text(client.get(f"/reports/items?contest={world['contest_id']}"))
    assert "Dự thi và ôn tập theo lĩnh vực" in page
    table = page[page.index('id="practice-areas"'):]
    table = table[:table.index("</table>")]
    row_a = re.search(r"<tr><td>a\) .*?</tr>", table).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row_a)
    # Contest: nothing answered yet; practice: area a's three questions.
    assert cells[0] == "0" and cells[1] == "–" and cells[2] == "3"
    right_a = next(right for area_id, _, right in answered
                   if db.session.get(ContentArea, area_id).code == "a")
    assert cells[3] == str(right_a)
    # The statistics workbook and the CSV carry the same row.
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(
        f"/reports/export.xlsx?contest={world['contest_id']}").data))
    sheet_row = next(row for row in book["Dự thi và ôn tập"].iter_rows(min_row=2,
                                                                    values_only=True)
                     if row[0] == "a")
    assert sheet_row[2:6] == (0, None, 3, right_a)
    csv_text = client.get(f"/reports/export/on-tap.csv?contest={world['contest_id']}").data
    csv_row = next(row for row in csv.reader(io.StringIO(csv_text.decode("utf-8-sig")))
                   if row[0] == "a")
    assert csv_row[1:6] == [sheet_row[1], "0", "", "3", str(right_a)]
    # Another contest's figures do not include these practice answers.
    other = factories.make_contest(slug="khac")
    factories.make_round(other)
    page = _text(client.get(f"/reports/items?contest={other.id}"))
    table = page[page.index('id="practice-areas"'):]
    assert re.findall(r'<td class="num">([^<]*)</td>', table)[2] == "0"


# --------------------------------------------------------------------------- bank files

HEADER = ("Lĩnh vực,Câu hỏi,Phương án A,Phương án B,Đáp án đúng,Giải thích,Căn cứ,"
          "Mức độ,Ôn tập\n")


def test_import_marks_questions_for_practice_by_column(app_ctx):
    from contest.services.bank import import_export as bank_io

    data = (HEADER
            + "a,Câu ôn tập thứ nhất?,Có,Không,A,Vì thế.,Kế hoạch,1,Có\n"
            + "a,Câu dự thi thứ hai?,Có,Không,A,Vì thế.,Kế hoạch,1,\n"
            + "a,Câu sai cột ôn tập?,Có,Không,A,Vì thế.,Kế hoạch,1,Hình như\n")
    with pytest.raises(bank_io.ImportRefused) as refused:
        bank_io.import_files([("bank.csv", data.encode())])
    report = refused.value.report
    assert any("Ôn tập" in str(e) or "câu hỏi ôn tập" in str(e) for e in report.errors)
    report = bank_io.import_files([("bank.csv", data.rsplit("a,Câu sai", 1)[0].encode())])
    assert report.ok and report.added == 2
    practice = dict(db.session.execute(sa.select(Question.text, Question.practice)).all())
    assert practice == {"Câu ôn tập thứ nhất?": True, "Câu dự thi thứ hai?": False}
    # The export writes the column back, so a round trip keeps the practice pool.
    exported, _ = bank_io.export_bank()
    import openpyxl
    ws = openpyxl.load_workbook(io.BytesIO(exported)).active
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "Ôn tập"
    assert {row[1]: row[-1] for row in ws.iter_rows(min_row=2, values_only=True)} == {
        "Câu ôn tập thứ nhất?": "Có", "Câu dự thi thứ hai?": "Không"}


def test_cli_imports_a_folder_into_the_practice_pool(app, runner, tmp_path):
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "a.csv").write_text(
        HEADER.replace(",Ôn tập", "")
        + "a,Câu ôn tập qua dòng lệnh?,Có,Không,A,Vì thế.,Kế hoạch,1\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(folder), "--practice"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        question = db.session.scalar(sa.select(Question))
        assert question.practice and not question.in_round_pool


def test_demo_contest_ships_the_starter_study_material_and_practice(app, runner):
    from contest.services.setup.study_material import STARTER_STUDY_MATERIAL

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        contest = db.session.scalar(sa.select(Contest))
        assert contest.study_material == STARTER_STUDY_MATERIAL and contest.practice_enabled
    blocks = study.parse(STARTER_STUDY_MATERIAL)
    headings = [b.text for b in blocks if b.kind == "h2"]
    assert len(headings) == 4 and headings[1] == "II. Mười một nội dung tuyên truyền"
    assert len([b for b in blocks if b.kind == "h3" and b.text[0].isdigit()]) == 11
    client = app.test_client()
    assert "Nghị định số 118/2025/NĐ-CP" in _text(client.get(f"/c/{contest.slug}/tai-lieu"))
    pdf = client.get(f"/c/{contest.slug}/tai-lieu.pdf")
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.data)).pages) >= 2


def test_a_practice_set_spreads_over_the_areas(app_ctx):
    practice = [factories.make_question(code, practice=True) for code in "abcde"
                for _ in range(3)]
    contest = factories.make_contest(practice_enabled=True)
    areas = {q.id: q.content_area_id for q in practice}
    for seed in range(5):
        ids = pool.draw_set(contest, factories.now(), random.Random(seed), size=5)
        assert len(set(ids)) == 5 and len({areas[i] for i in ids}) == 5
    assert len(pool.draw_set(contest, factories.now(), size=50)) == 15


def test_bank_list_filters_the_practice_pool(client, login_as, world):
    login_as("viewer")
    practice = _text(client.get("/admin/questions/?status=practice"))
    rounds = _text(client.get("/admin/questions/?status=round_pool"))
    for text in world["practice_q"].values():
        assert text in practice and text not in rounds
    for text in world["contest_q"].values():
        assert text in rounds and text not in practice


def test_contest_form_previews_the_study_material(client, login_as, app_ctx):
    from tests.helpers import contest_form

    login_as("organiser")
    response = client.post("/admin/contests/new", data=contest_form(
        study_material=STUDY_TEXT, action="preview_study"))
    page = _text(response)
    assert response.status_code == 200 and "Xem trước tài liệu tìm hiểu" in page
    assert "<h2>I. Cải cách hành chính là gì</h2>" in page and "&lt;script&gt;" in page
    assert db.session.scalar(sa.select(sa.func.count(Contest.id))) == 0
