"""The resident's pages over HTTP: QR entry, contest page, registration, round, result, refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.helpers.timeutil import format_local
from contest.models import Attempt, Contest, EntryPoint, Participant, Round, Scan
from contest.services.taking import attempts as svc
from tests import factories
from tests.helpers import attempt_at as _attempt
from tests.helpers import public_world as _world
from tests.helpers import register_resident as _register
from tests.helpers import start_round as _start
from tests.helpers import text_of as _text

STATIC = Path(__file__).resolve().parent.parent / "contest" / "static"


@pytest.fixture
def world(app_ctx):
    return _world()


# --------------------------------------------------------------------------- entry


def test_qr_link_counts_a_scan_and_leads_to_the_contest(client, world):
    response = client.get("/q/POSTER1")
    assert response.status_code == 302 and response.location.endswith("/c/cchc")
    # Typed by hand from the poster, in lower case: the same entry point.
    assert client.get("/q/poster1").status_code == 302
    entry = db.session.get(EntryPoint, world["entry_id"])
    db.session.refresh(entry)
    assert entry.scan_count == 2
    scans = db.session.scalars(sa.select(Scan)).all()
    assert len(scans) == 2 and {s.entry_point_id for s in scans} == {entry.id}
    # Scans hold time and entry point only: nothing personal.
    assert set(Scan.__table__.columns.keys()) == {"id", "entry_point_id", "scanned_at"}
    # The scan is remembered and attributed at registration.
    assert _register(client, world).status_code == 302
    participant = db.session.scalar(sa.select(Participant))
    assert participant.entry_point_id == entry.id


def test_unknown_qr_code_gets_a_friendly_page_with_the_contest_link(client, world):
    response = client.get("/q/KHONG-CO")
    assert response.status_code == 404
    page = _text(response)
    assert "Mã QR không đúng" in page and 'href="/c/cchc"' in page
    assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 0
    assert client.get("/q/" + "x" * 200).status_code == 404


def test_contest_page_shows_round_rules_prizes_and_one_button(client, world):
    contest = db.session.get(Contest, world["contest_id"])
    contest.rules = "## Thể lệ\n\n**Mỗi người 1 lượt.**\n\n<script>alert(1)</script>"
    db.session.commit()
    page = _text(client.get("/c/cchc"))
    assert contest.title in page
    assert "đang mở" in page
    assert "<strong>Mỗi người 1 lượt.</strong>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Giải Nhất" in page and "Giải Nhì" in page
    assert page.count('class="button primary big"') == 1
    assert "Tham gia dự thi" in page


def test_contest_page_says_when_the_next_round_opens_or_that_it_ended(client, app_ctx):
    now = factories.now()
    upcoming = factories.make_contest(slug="sap-mo")
    factories.make_round(upcoming, opens_at=now + timedelta(days=2))
    ended = factories.make_contest(slug="da-xong")
    factories.make_round(ended, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2))
    assert "sẽ mở lúc" in _text(client.get("/c/sap-mo"))
    page = _text(client.get("/c/da-xong"))
    assert "đã kết thúc" in page and "Tham gia dự thi" not in page


def test_ended_contest_has_no_registration_form_and_refuses_a_post(client, app_ctx):
    now = factories.now()
    ended = factories.make_contest(slug="da-xong")
    factories.make_round(ended, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2))
    unit = factories.make_unit()
    page = _text(client.get("/c/da-xong"))
    assert "Đã hết hạn đăng ký" in page and 'href="/c/da-xong/register"' not in page
    # The returning resident can still confirm, to see their attempts.
    assert 'href="/c/da-xong/confirm"' in page
    form_page = client.get("/c/da-xong/register")
    assert form_page.status_code == 200
    assert "Đã hết hạn đăng ký" in _text(form_page) and 'name="phone"' not in _text(form_page)
    refused = client.post("/c/da-xong/register", data={
        "full_name": "Trần Văn Bình", "phone": "0912 345 678", "unit": str(unit.id),
        "category": str(ended.categories[0].id), "consent": "y"})
    assert refused.status_code == 403 and "Đã hết hạn đăng ký" in _text(refused)
    assert "Đăng ký thành công" not in _text(refused)
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0


@pytest.mark.parametrize("slug", ["nhap", "khong-ton-tai"])
def test_draft_or_unknown_contest_is_a_vietnamese_404(client, app_ctx, slug):
    factories.make_contest(slug="nhap", status="draft")
    for path in (f"/c/{slug}", f"/c/{slug}/register", f"/c/{slug}/me"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Không tìm thấy cuộc thi" in _text(response)


def test_home_lists_published_contests(client, world):
    page = _text(client.get("/"))
    assert 'href="/c/cchc"' in page


# --------------------------------------------------------------------------- registration


def test_registration_remembers_the_resident_in_a_lasting_cookie(app, client, world):
    page = _text(client.get("/c/cchc/register"))
    for label in ("Họ và tên", "Số điện thoại", "Tổ dân phố", "Khác", "Đối tượng",
                  "13/2023/NĐ-CP"):
        assert label in page
    response = _register(client, world)
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith(app.config["PARTICIPANT_COOKIE_NAME"] + "="))
    assert "Max-Age=" in cookie and "HttpOnly" in cookie
    participant = db.session.scalar(sa.select(Participant))
    assert participant.phone == "+84912345678"
    page = _text(client.get("/c/cchc"))
    assert "Bắt đầu làm bài" in page and "Trần Văn Bình" in page
    # Registering again from the same browser goes back to the contest.
    assert client.get("/c/cchc/register").status_code == 302


def test_forged_cookie_is_ignored(app, client, world):
    _register(client, world)
    participant = db.session.scalar(sa.select(Participant))
    stranger = app.test_client()
    stranger.set_cookie(app.config["PARTICIPANT_COOKIE_NAME"],
                        f'{{"{world["contest_id"]}": "{participant.public_id}"}}')
    assert "Bắt đầu làm bài" not in _text(stranger.get("/c/cchc"))


def test_form_with_errors_keeps_what_was_typed(client, world):
    response = _register(client, world, phone="024 3825 3536", birth_year="2030",
                         full_name="Lê Thị Mai", consent="")
    assert response.status_code == 400
    page = _text(response)
    assert 'value="Lê Thị Mai"' in page and 'value="024 3825 3536"' in page
    assert "máy bàn" in page and "đồng ý" in page and "Năm sinh" in page
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0


def test_hostile_and_oversized_input_is_refused_cleanly(client, world):
    response = _register(client, world, full_name="<b>x</b>" * 100, unit="' OR 1=1 --",
                         category="9" * 40, birth_year="1" * 50)
    assert response.status_code == 400
    page = _text(response)
    assert "<b>x</b>" not in page
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0


def test_a_returning_resident_on_another_phone_confirms_and_continues(app, client, world):
    """Registering again with one's own phone, name and birth year resumes; so does
    confirming with all three. (Formerly any registration with a known phone was sent to
    the confirmation step, which told a stranger the phone was registered: see
    tests/test_identity.py.)"""
    _register(client, world)
    other_phone = app.test_client()
    again = _register(other_phone, world, phone="+84912345678", full_name="tran van BINH")
    assert again.status_code == 302 and again.location.endswith("/c/cchc")
    page = _text(other_phone.get("/c/cchc"))
    assert "đã đăng ký trước đây" in page and "Trần Văn Bình" in page
    third = app.test_client()
    wrong = third.post("/c/cchc/confirm", data={"phone": "0912345678",
                                                "full_name": "Trần Văn Bình",
                                                "birth_year": "1999"})
    assert wrong.status_code == 400 and "chưa khớp" in _text(wrong)
    right = third.post("/c/cchc/confirm", data={"phone": "0912 345 678",
                                                "full_name": "tran van binh",
                                                "birth_year": "1970"})
    assert right.status_code == 302
    assert "Trần Văn Bình" in _text(third.get("/c/cchc"))
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1


def test_forget_lets_the_next_person_register(client, world):
    _register(client, world)
    client.post("/c/cchc/forget")
    assert "Tham gia dự thi" in _text(client.get("/c/cchc"))


# --------------------------------------------------------------------------- round


def test_round_page_is_one_form_with_the_deadline_as_a_clock_time(client, world):
    _register(client, world)
    path = _start(client, world)
    page = _text(client.get(path))
    attempt = _attempt(path)
    assert page.count("<form") == 1
    assert f'action="{path}/submit"' in page
    for n in range(1, 6):
        assert f'name="q{n}"' in page
    assert 'name="prediction"' in page and 'min="0"' in page
    assert "Câu hỏi dự đoán" in page and "trả lời đúng tất cả" in page
    assert page.index('name="prediction"') > page.index('name="q5"')  # prediction last
    assert format_local(attempt.deadline, "%H:%M") in page and "giờ Việt Nam" in page
    assert f'data-deadline-ms="{int(attempt.deadline.timestamp() * 1000)}"' in page
    assert "data-server-now-ms=" in page and 'name="csrf-token"' in page
    # No inline script or style, nothing from another host.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " onclick=" not in page and ' style="' not in page
    assert not re.search(r'(src|href|action)="(https?:)?//', page)


def test_whole_round_without_javascript(client, world):
    _register(client, world)
    path = _start(client, world)
    items = svc.load_items(_attempt(path))
    form = {f"q{i.position}": str(i.option_order.index(i.version.correct_option))
            for i in items[:4]}
    form["prediction"] = "150"
    # Without JavaScript nothing asked before the post: the server asks, answers kept.
    asked = client.post(path + "/submit", data=form)
    assert asked.status_code == 200
    assert "Bạn còn 1 câu chưa trả lời. Vẫn nộp bài?" in _text(asked)
    assert _attempt(path).status == "in_progress"
    response = client.post(path + "/submit", data={"confirm": "yes"})
    assert response.status_code == 302 and response.location.endswith(path + "/result")
    page = _text(client.get(response.location))
    assert "4/5" in page and "Thời gian làm bài" in page and "150" in page
    assert "Lượt này được tính" in page
    attempt = _attempt(path)
    assert attempt.score == 4 and attempt.prediction == 150
    # The question page now leads to the result; a retried POST changes nothing.
    assert client.get(path).location.endswith("/result")
    client.post(path + "/submit", data={"confirm": "yes",
                                        **{f"q{i.position}": "0" for i in items}})
    db.session.refresh(attempt)
    assert attempt.score == 4


def test_bad_prediction_keeps_the_ticked_answers(client, world):
    _register(client, world)
    path = _start(client, world)
    response = client.post(path + "/submit", data={"confirm": "yes", "q1": "2", "prediction": "-5"})
    assert response.status_code == 400
    page = _text(response)
    assert "số nguyên không âm" in page and 'value="-5"' in page
    assert re.search(r'name="q1" value="2" checked', page)
    assert _attempt(path).status == "in_progress"


def test_autosave_json_and_reload_shows_saved_answers(client, world):
    _register(client, world)
    path = _start(client, world)
    response = client.post(path + "/answer", json={"position": 2, "choice": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and "saved_at" in body
    assert client.post(path + "/answer", json={"prediction": "88"}).get_json()["ok"]
    page = _text(client.get(path))
    assert re.search(r'name="q2" value="3" checked', page)
    assert 'value="88"' in page
    for bad in ({"position": 2, "choice": 9}, {"position": "x"}, [1, 2],
                {"prediction": "-1"}):
        response = client.post(path + "/answer", json=bad)
        assert response.status_code == 400 and response.get_json()["ok"] is False
    response = client.post(path + "/answer", data="not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_autosave_after_the_deadline_is_refused_politely(app, client, world):
    _register(client, world)
    path = _start(client, world)
    attempt = _attempt(path)
    attempt.deadline = factories.now() - timedelta(seconds=3)
    db.session.commit()
    # Inside the grace: still saved.
    assert client.post(path + "/answer", json={"position": 1, "choice": 0}).status_code == 200
    attempt.deadline = factories.now() - timedelta(seconds=app.config["SUBMIT_GRACE_SECONDS"] + 5)
    db.session.commit()
    response = client.post(path + "/answer", json={"position": 2, "choice": 0},
                           headers={"Accept": "application/json"})
    assert response.status_code in (404, 409)
    assert response.get_json()["ok"] is False
    db.session.expire_all()
    attempt = _attempt(path)
    # Touching it graded it from the saved answers, finished at the deadline.
    assert attempt.status == "submitted" and attempt.finished_by == "timeout"
    assert attempt.submitted_at == attempt.deadline
    assert [i.chosen_option is not None for i in svc.load_items(attempt)][:2] == [True, False]


def test_late_submit_without_javascript_is_not_stored(app, client, world):
    _register(client, world)
    path = _start(client, world)
    client.post(path + "/answer", json={"position": 1, "choice": 0})
    attempt = _attempt(path)
    attempt.deadline = factories.now() - timedelta(minutes=5)
    db.session.commit()
    response = client.post(path + "/submit", data={"confirm": "yes", "q2": "1", "q3": "1",
                                                     "prediction": "7"})
    assert response.status_code == 302
    db.session.expire_all()
    attempt = _attempt(path)
    assert attempt.finished_by == "timeout" and attempt.prediction is None
    answered = [i.chosen_option is not None for i in svc.load_items(attempt)]
    assert answered == [True, False, False, False, False]
    # The resident is told why the answers just sent did not count.
    assert "Bài gửi sau thời hạn" in _text(client.get(response.location))


def test_overdue_attempt_is_graded_when_opened(client, world):
    _register(client, world)
    path = _start(client, world)
    attempt = _attempt(path)
    attempt.deadline = factories.now() - timedelta(hours=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 302 and response.location.endswith("/result")
    page = _text(client.get(response.location))
    assert "hết giờ" in page


def test_returning_resident_resumes_the_same_attempt(client, world):
    _register(client, world)
    path = _start(client, world)
    page = _text(client.get("/c/cchc"))
    assert "Tiếp tục làm bài" in page and path in page
    assert _start(client, world) == path


def test_my_attempts_shows_which_one_counts(client, app_ctx):
    world = _world(attempts_allowed=2, counted_attempt="best")
    _register(client, world)
    first = _start(client, world)
    items = svc.load_items(_attempt(first))
    client.post(first + "/submit", data={"confirm": "yes", "q1": str(items[0].option_order.index(
        items[0].version.correct_option))})
    second = _start(client, world)
    client.post(second + "/submit", data={"confirm": "yes"})
    page = _text(client.get("/c/cchc/me"))
    assert "Lượt 1: 1/5" in page and "Lượt 2: 0/5" in page
    counted_line = next(line for line in page.splitlines() if "Được tính" in line)
    assert "Lượt 1" in page[: page.index(counted_line) + len(counted_line)]
    assert page.count("Được tính") == 1
    assert page.index("Được tính") < page.index("Lượt 2")


# --------------------------------------------------------------------------- refusals


def _notice_of(response) -> str:
    page = _text(response)
    assert '<html lang="vi">' in page and "Traceback" not in page
    return page


def test_start_without_registration_goes_to_the_form(client, world):
    response = client.post(f"/c/cchc/rounds/{world['round_id']}/start")
    assert response.status_code == 302 and response.location.endswith("/register")


def test_closed_and_upcoming_rounds_get_clear_pages(client, world):
    _register(client, world)
    now = factories.now()
    c = db.session.get(Contest, world["contest_id"])
    closed = factories.make_round(c, opens_at=now - timedelta(days=9),
                                  closes_at=now - timedelta(days=2))
    upcoming = factories.make_round(c, opens_at=now + timedelta(days=2))
    response = client.post(f"/c/cchc/rounds/{closed.id}/start")
    assert response.status_code == 409 and "Đợt thi đã kết thúc" in _notice_of(response)
    response = client.post(f"/c/cchc/rounds/{upcoming.id}/start")
    assert response.status_code == 409 and "mở lúc" in _notice_of(response)
    assert client.post("/c/cchc/rounds/99999/start").status_code == 404
    other = factories.make_round(factories.make_contest())
    assert client.post(f"/c/cchc/rounds/{other.id}/start").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
    assert isinstance(db.session.get(Round, closed.id), Round)


def test_round_the_bank_cannot_fill_gets_a_polite_page(client, app_ctx, caplog):
    world = _world(quota={"a": 50})
    _register(client, world)
    response = client.post(f"/c/cchc/rounds/{world['round_id']}/start")
    assert response.status_code == 503
    assert "chưa sẵn sàng" in _notice_of(response)
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0


def test_round_without_questions_gets_a_polite_page(client, app_ctx):
    world = _world(quota={"a": 0})
    _register(client, world)
    response = client.post(f"/c/cchc/rounds/{world['round_id']}/start")
    assert response.status_code == 503 and "chưa có câu hỏi" in _notice_of(response)


def test_attempt_limit_gets_a_clear_page(client, world):
    _register(client, world)
    path = _start(client, world)
    client.post(path + "/submit", data={"confirm": "yes"})
    assert "hết số lượt" in _text(client.get("/c/cchc"))
    response = client.post(f"/c/cchc/rounds/{world['round_id']}/start")
    assert response.status_code == 409 and "hết 1 lượt" in _notice_of(response)


def test_someone_elses_attempt_is_not_found(app, client, world):
    _register(client, world)
    path = _start(client, world)
    intruder = app.test_client()
    _register(intruder, world, phone="0987 654 321")
    for method, url, kwargs in [
        ("get", path, {}),
        ("get", path + "/result", {}),
        ("post", path + "/submit", {"data": {"q1": "0"}}),
        ("post", path + "/answer", {"json": {"position": 1, "choice": 0}}),
    ]:
        response = getattr(intruder, method)(url, **kwargs)
        assert response.status_code == 404, url
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/a/doesnotexist").status_code == 404
    assert "Không tìm thấy bài thi" in _text(anonymous.get(path))
    attempt = _attempt(path)
    assert attempt.status == "in_progress"
    assert all(i.chosen_option is None for i in svc.load_items(attempt))


# --------------------------------------------------------------------------- no answer leaks


MARK = "DUNGDAPAN"


def _bank_with_marked_answers(codes="ab", per_area=4):
    for code in codes:
        for n in range(per_area):
            factories.make_question(
                code, options=[f"{MARK} phương án {code}{n}", f"Sai một {code}{n}",
                               f"Sai hai {code}{n}", f"Sai ba {code}{n}"],
                correct=0,
            )


def test_no_correct_answer_reaches_the_browser_during_an_open_round(app, client, app_ctx):
    _bank_with_marked_answers()
    contest = factories.make_contest(slug="cchc")
    round_ = factories.make_round(contest, quota={"a": 3, "b": 2}, attempts_allowed=2)
    factories.make_entry_point(contest, code="POSTER1")
    unit = factories.make_unit()
    world = {"round_id": round_.id, "unit_id": unit.id,
             "category_id": contest.categories[0].id}
    responses = [client.get("/q/POSTER1", follow_redirects=True), client.get("/c/cchc/register"),
                 _register(client, world)]
    path = _start(client, world)
    page = _text(client.get(path))
    responses.append(client.get(path))
    # The marked option text is shown (as one option among others)...
    assert page.count(MARK) == 5
    items = svc.load_items(_attempt(path))
    for item in items:
        responses.append(client.post(path + "/answer", json={"position": item.position,
                                                             "choice": 1}))
    responses.append(client.post(path + "/answer", json={"prediction": 3}))
    responses.append(client.post(path + "/submit", data={"confirm": "yes", "q1": "0"},
                                 follow_redirects=True))
    responses.append(client.get(path + "/result"))
    responses.append(client.get("/c/cchc/me"))
    responses.append(client.get("/c/cchc"))
    second = _start(client, world)
    responses.append(client.get(second))
    for response in responses:
        body = _text(response)
        for item in items:
            assert item.version.explanation not in body
        assert "đáp án đúng" not in body
        assert '"correct' not in body and "data-correct" not in body
        assert "is_correct" not in body
    # ...but never marked as the right one: the attempt page treats it like any other option.
    assert not re.search(rf"(checked|correct|right)[^<]*{MARK}", page)
    # Per-question right/wrong is not shown before the close either.
    result_page = _text(client.get(path + "/result"))
    assert MARK not in result_page and "Đáp án sẽ được công bố" in result_page


def test_answers_appear_after_the_round_closes(client, app_ctx):
    _bank_with_marked_answers()
    contest = factories.make_contest(slug="cchc")
    round_ = factories.make_round(contest, quota={"a": 2})
    unit = factories.make_unit()
    world = {"round_id": round_.id, "unit_id": unit.id, "category_id": contest.categories[0].id}
    _register(client, world)
    path = _start(client, world)
    client.post(path + "/submit", data={"confirm": "yes"})
    round_.closes_at = factories.now() - timedelta(seconds=1)
    round_.opens_at = round_.closes_at - timedelta(days=1)
    db.session.commit()
    page = _text(client.get(path + "/result"))
    assert "đáp án đúng" in page and page.count(MARK) == 2 and "Giải thích câu" in page


def test_after_submit_reveal_shows_answers_at_once(client, app_ctx):
    world = _world(reveal_answers="after_submit")
    _register(client, world)
    path = _start(client, world)
    client.post(path + "/submit", data={"confirm": "yes"})
    assert "đáp án đúng" in _text(client.get(path + "/result"))


# --------------------------------------------------------------------------- weight


def test_question_page_weighs_under_60_kb(client, app_ctx):
    long_text = "Theo Kế hoạch thông tin, tuyên truyền cải cách hành chính năm 2026, " * 3
    codes = "abcdđefghik"
    for code in codes:
        for n in range(2):
            factories.make_question(code, text=f"{long_text} ({code}{n})?", options=[
                f"Phương án trả lời khá dài số {k} cho câu {code}{n}, đủ để đọc trên điện thoại"
                for k in range(4)])
    contest = factories.make_contest(slug="cchc")
    round_ = factories.make_round(contest, quota={code: 2 for code in codes[:10]})
    unit = factories.make_unit()
    world = {"round_id": round_.id, "unit_id": unit.id, "category_id": contest.categories[0].id}
    _register(client, world)
    path = _start(client, world)
    html = client.get(path).data
    assert _attempt(path).question_count == 20
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html.decode())
    assert "/static/css/app.css" in assets and "/static/js/round.js" in assets
    total = len(html) + sum(len(client.get(a).data) for a in assets)
    assert total < 60 * 1024, total


# --------------------------------------------------------------------------- CSRF on


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_autosave_needs_the_csrf_header(self, client, world):
        page = _text(client.get("/c/cchc/register"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {"csrf_token": token, "full_name": "Phạm Văn Đức", "phone": "0912345678",
                "unit": str(world["unit_id"]), "category": str(world["category_id"]),
                "consent": "y"}
        assert client.post("/c/cchc/register", data=data).status_code == 302
        page = _text(client.get("/c/cchc"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        path = client.post(f"/c/cchc/rounds/{world['round_id']}/start",
                           data={"csrf_token": token}).location
        page = _text(client.get(path))
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        refused = client.post(path + "/answer", json={"position": 1, "choice": 0})
        assert refused.status_code == 400 and refused.get_json()["ok"] is False
        saved = client.post(path + "/answer", json={"position": 1, "choice": 0},
                            headers={"X-CSRFToken": meta})
        assert saved.status_code == 200 and saved.get_json()["ok"] is True


# --------------------------------------------------------------------------- cost of the hot paths


class _Statements:
    """Counts the SQL statements sent while active (the resident's hot paths must stay cheap)."""

    def __init__(self):
        self.sql: list[str] = []

    def _count(self, conn, cursor, statement, *args):
        self.sql.append(statement)

    def __enter__(self):
        # The test shares the app context (and so the session) with the requests: start
        # each measured request with an empty session, as a real request does.
        db.session.remove()
        self.sql.clear()
        sa.event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._count)

    def __len__(self):
        return len(self.sql)


def test_the_resident_hot_paths_cost_a_bounded_few_statements(client, app_ctx):
    """Everyone presses Bắt đầu at once and saves 20 answers: each request is a few statements,
    the same for 5 or 20 questions, never one per question."""
    world = _world(quota={"a": 10, "b": 10}, per_area=10)
    _register(client, world)
    db.session.expire_all()
    with _Statements() as start:
        path = _start(client, world)
    with _Statements() as page:
        assert client.get(path).status_code == 200
    with _Statements() as save:
        assert client.post(path + "/answer", json={"position": 3, "choice": 1}).status_code == 200
    with _Statements() as prediction:
        assert client.post(path + "/answer", json={"prediction": "12"}).status_code == 200
    form = {f"q{p}": "0" for p in range(1, 21)} | {"confirm": "yes"}
    with _Statements() as submit:
        assert client.post(path + "/submit", data=form).status_code == 302
    with _Statements() as result:
        assert client.get(path + "/result").status_code == 200
    counts = {"start": len(start), "page": len(page), "save": len(save),
              "prediction": len(prediction), "submit": len(submit), "result": len(result)}
    assert counts["save"] == 1, save.sql  # the one guarded UPDATE
    assert counts["prediction"] <= 2, prediction.sql
    # The round, the participant's attempts, the draw prepared at registration (taken, then
    # checked still current), the attempt and its items.
    assert counts["start"] <= 6, start.sql
    assert counts["page"] <= 2, page.sql
    assert counts["submit"] <= 6, submit.sql
    assert counts["result"] <= 4, result.sql
    attempt = _attempt(path)
    assert attempt.status == "submitted" and attempt.prediction == 12


def test_a_disqualified_resident_is_told_and_offered_no_start_button(client, world):
    db.session.get(Round, world["round_id"]).attempts_allowed = 3  # attempts would be left
    db.session.commit()
    _register(client, world)
    path = _start(client, world)
    client.post(path + "/submit", data={"confirm": "yes"})
    participant = db.session.scalar(sa.select(Participant))
    participant.disqualified_at = factories.now()
    participant.disqualified_reason = "Trùng CCCD"
    db.session.commit()
    contest_page = _text(client.get("/c/cchc"))
    assert "Ban tổ chức đã loại kết quả dự thi của bạn" in contest_page
    assert "Bắt đầu làm bài" not in contest_page
    assert "Thi lượt tiếp theo" not in _text(client.get(path + "/result"))
