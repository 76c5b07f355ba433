"""The round page over HTTP: a true clock, saving without JavaScript, a lost session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest.extensions import db
from contest.helpers.timeutil import format_local
from contest.services.taking import attempts as svc
from tests import factories
from tests.helpers import fresh_attempt_at as _attempt
from tests.helpers import remember as _remember


def _world():
    factories.make_bank(per_area=4, codes="ab")
    contest = factories.make_contest(slug="cchc")
    round_ = factories.make_round(contest, quota={"a": 3, "b": 2}, time_limit_minutes=15)
    participant = factories.make_participant(contest)
    return {"round_id": round_.id, "participant_id": participant.id}


@pytest.fixture
def world(app, client):
    # No app context held across requests: each request gets its own, as in production
    # (a shared one would also share flask.g, where Flask-WTF caches the CSRF token).
    with app.app_context():
        data = _world()
    _remember(app, client, data["participant_id"])
    return data


def _start(client, world) -> str:
    response = client.post(f"/c/cchc/rounds/{world['round_id']}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response.location


def _chosen(app, path: str) -> list[bool]:
    """Which questions have a saved answer, in order."""
    with app.app_context():
        return [i.chosen_option is not None for i in svc.load_items(_attempt(path))]


def _read(app, path: str, name: str):
    with app.app_context():
        return getattr(_attempt(path), name)


def test_question_page_is_never_cached_and_reads_plainly(client, world):
    path = _start(client, world)
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    deadline = _read(client.application, path, "deadline")
    # The deadline as a clock time at the top, the countdown in words in its own bar.
    assert f"Hạn nộp bài: <strong>{format_local(deadline, '%H:%M')}</strong>" in page
    assert page.index("Hạn nộp bài") < page.index('name="q1"')
    assert re.search(r'id="countdown"[^>]*>Còn 1[45] phút', page)
    bar_start = page.index('id="timer-bar"')
    timer_bar = page[bar_start:page.index("</div>", bar_start)]
    assert "Hạn nộp" not in timer_bar  # the deadline sentence is out of the sticky bar
    # Without JS: what keeps answers, said plainly, and a button that saves.
    assert "Câu trả lời được giữ lại khi bạn bấm" in page and "“Lưu bài”" in page
    assert f'formaction="{path}/save"' in page and ">Lưu bài</button>" in page
    assert page.index(">Lưu bài</button>") < page.index(">Nộp bài</button>")
    # The answered count and a jump to each question, at the top.
    assert "Đã trả lời 0/5 câu." in page
    for n in range(1, 6):
        assert f'href="#cau-{n}" id="nav-{n}"' in page and f'id="cau-{n}"' in page
    assert page.index('href="#cau-1"') < page.index('name="q1"')


def test_answered_questions_are_marked_in_the_grid(client, world):
    path = _start(client, world)
    assert client.post(path + "/answer", json={"position": 2, "choice": 1}).get_json()["ok"]
    page = client.get(path).get_data(as_text=True)
    assert 'id="nav-2" class="done">2<span class="visually-hidden"> (đã trả lời)' in page
    assert 'id="nav-1">1<span class="visually-hidden"> (chưa trả lời)' in page
    assert "Đã trả lời 1/5 câu." in page


def test_save_button_keeps_answers_without_submitting(client, world):
    path = _start(client, world)
    response = client.post(path + "/save", data={"q1": "2", "q3": "0", "prediction": "42"})
    assert response.status_code == 302 and response.location.endswith(path)
    page = client.get(path).get_data(as_text=True)
    assert "Đã lưu bài lúc" in page and "2 câu đã chọn" in page
    assert re.search(r'name="q1" value="2" checked', page)
    assert re.search(r'name="q3" value="0" checked', page) and 'value="42"' in page
    assert _read(client.application, path, "status") == "in_progress"
    assert _read(client.application, path, "prediction") == 42
    # A reload keeps them, and "Nộp bài" later grades them (blank answers keep the saved).
    response = client.post(path + "/submit", data={"confirm": "yes", "q2": "1"})
    assert response.location.endswith(path + "/result")
    assert _chosen(client.application, path) == [True, True, True, False, False]


def test_submit_without_javascript_asks_first_and_keeps_the_answers(client, world):
    path = _start(client, world)
    # "Nộp bài" pressed with JavaScript off: no "confirm" field comes with the form.
    response = client.post(path + "/submit", data={"q1": "2", "q4": "0", "prediction": "7"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Bạn còn 3 câu chưa trả lời. Vẫn nộp bài?" in page
    assert f'href="{path}#cau-2">câu 2</a>' in page and f'href="{path}#cau-5">câu 5</a>' in page
    # Nothing lost: what was just sent is saved, and the attempt is still open.
    assert _read(client.application, path, "status") == "in_progress"
    assert _chosen(client.application, path) == [True, False, False, True, False]
    assert _read(client.application, path, "prediction") == 7
    assert f'href="{path}">Quay lại làm tiếp</a>' in page
    assert re.search(r'name="confirm" value="yes"', page) and ">Vẫn nộp bài</button>" in page
    # "Quay lại làm tiếp": the question page with the answers ticked.
    back = client.get(path).get_data(as_text=True)
    assert re.search(r'name="q1" value="2" checked', back)
    assert re.search(r'name="q4" value="0" checked', back)
    # "Vẫn nộp bài": graded from the saved answers.
    response = client.post(path + "/submit", data={"confirm": "yes"})
    assert response.status_code == 302 and response.location.endswith(path + "/result")
    assert _read(client.application, path, "status") == "submitted"
    assert _chosen(client.application, path) == [True, False, False, True, False]
    assert _read(client.application, path, "prediction") == 7


def test_the_confirmation_page_submits_after_the_session_is_lost(app, client, world):
    path = _start(client, world)
    page = client.post(path + "/submit", data={"q1": "1"}).get_data(as_text=True)
    token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    response = client.post(path + "/submit", data={"confirm": "yes", "attempt_token": token})
    assert response.status_code == 302 and response.location.endswith(path + "/result")


def test_a_complete_submit_without_javascript_does_not_ask(client, world):
    path = _start(client, world)
    # Answers saved earlier count with those sent: nothing is blank, so nothing to ask.
    client.post(path + "/save", data={"q1": "0", "q2": "0", "q3": "0"})
    response = client.post(path + "/submit", data={"q4": "1", "q5": "1"})
    assert response.status_code == 302 and response.location.endswith(path + "/result")
    assert _read(client.application, path, "status") == "submitted"
    assert _chosen(client.application, path) == [True] * 5


def test_a_submit_past_the_deadline_is_graded_without_asking(app, client, world):
    path = _start(client, world)
    client.post(path + "/save", data={"q1": "0"})
    with app.app_context():
        attempt = _attempt(path)
        attempt.deadline = factories.now() - timedelta(minutes=5)
        db.session.commit()
    response = client.post(path + "/submit", data={"q2": "1"})
    assert response.status_code == 302 and response.location.endswith(path + "/result")
    assert _read(app, path, "status") == "submitted"
    assert _read(app, path, "finished_by") == "timeout"
    # Graded from what was saved in time; the late answer is not stored.
    assert _chosen(app, path) == [True, False, False, False, False]


def test_a_bad_prediction_in_an_unconfirmed_submit_keeps_the_ticks(client, world):
    path = _start(client, world)
    response = client.post(path + "/submit", data={"q1": "1", "prediction": "abc"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "số nguyên không âm" in page and re.search(r'name="q1" value="1" checked', page)
    assert _chosen(client.application, path)[0] is True
    assert _read(client.application, path, "status") == "in_progress"


def test_save_with_a_bad_prediction_keeps_the_ticks_and_says_why(client, world):
    path = _start(client, world)
    response = client.post(path + "/save", data={"q1": "1", "prediction": "12-"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "số nguyên không âm" in page and re.search(r'name="q1" value="1" checked', page)
    assert _read(client.application, path, "status") == "in_progress"


def test_save_after_the_deadline_leads_to_the_result(app, client, world):
    path = _start(client, world)
    client.post(path + "/save", data={"q1": "1"})
    with app.app_context():
        attempt = _attempt(path)
        attempt.deadline = factories.now() - timedelta(
            seconds=app.config["SUBMIT_GRACE_SECONDS"] + 5)
        db.session.commit()
    response = client.post(path + "/save", data={"q2": "1"})
    assert response.status_code == 302 and response.location.endswith(path + "/result")
    page = client.get(response.location).get_data(as_text=True)
    assert "không được ghi nhận" in page
    assert _chosen(app, path)[:2] == [True, False]


def test_clock_gives_the_server_time_and_deadline(app, client, world):
    path = _start(client, world)
    response = client.get(path + "/clock")
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["ok"] and data["submitted"] is False
    assert data["deadline_ms"] == int(_read(app, path, "deadline").timestamp() * 1000)
    assert abs(data["now_ms"] - factories.now().timestamp() * 1000) < 60_000
    client.post(path + "/submit", data={"confirm": "yes"})
    assert client.get(path + "/clock").get_json()["submitted"] is True
    stranger = app.test_client()
    assert stranger.get(path + "/clock").status_code == 404


class TestLostSession:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def _page(self, client, world):
        page = client.get("/c/cchc").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        path = client.post(f"/c/cchc/rounds/{world['round_id']}/start",
                           data={"csrf_token": token}).location
        page = client.get(path).get_data(as_text=True)
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        attempt_token = re.search(r'name="attempt_token" value="([^"]+)"', page).group(1)
        return path, csrf, attempt_token

    def test_autosave_and_submit_survive_a_lost_session(self, app, client, world):
        path, csrf, attempt_token = self._page(client, world)
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"])  # the session is gone
        # The page's session token no longer passes: refused, never acknowledged as saved,
        # and the page is told to reconnect rather than to drop the answer.
        refused = client.post(path + "/answer", json={"position": 1, "choice": 0},
                              headers={"X-CSRFToken": csrf})
        assert refused.status_code == 400
        assert refused.get_json() == {"ok": False, "retry": "session",
                                      "error": refused.get_json()["error"]}
        assert _chosen(app, path)[0] is False
        # Reconnecting by the remembered identity gives fresh tokens; the retry saves.
        fresh = client.get(path + "/clock").get_json()
        saved = client.post(path + "/answer", json={"position": 1, "choice": 0},
                            headers={"X-CSRFToken": fresh["csrf_token"]})
        assert saved.get_json()["ok"] is True, saved.get_json()
        # The page's own attempt token needs no session at all.
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
        saved = client.post(path + "/answer", json={"position": 2, "choice": 1},
                            headers={"X-CSRFToken": csrf, "X-Attempt-Token": attempt_token})
        assert saved.get_json()["ok"] is True
        # "Nộp bài" from the page still works: no 400 page.
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
        response = client.post(path + "/submit", data={"confirm": "yes",
            "csrf_token": csrf, "attempt_token": attempt_token, "q3": "1"})
        assert response.status_code == 302 and response.location.endswith(path + "/result")
        assert _chosen(app, path)[:4] == [True, True, True, False]

    def test_tokens_do_not_cross_attempts_or_browsers(self, app, client, world):
        path, csrf, attempt_token = self._page(client, world)
        other = re.sub(r"/a/[^/]+", "/a/someoneelse", path)
        assert client.post(other + "/answer", json={"position": 1, "choice": 0},
                           headers={"X-Attempt-Token": attempt_token}).status_code == 400
        # A stranger holding the token but not the resident's cookie finds nothing.
        stranger = app.test_client()
        response = stranger.post(path + "/submit",
                                 data={"confirm": "yes", "attempt_token": attempt_token})
        assert response.status_code == 404
        assert _read(app, path, "status") == "in_progress"
        forged = client.post(path + "/save", data={"attempt_token": "x" + attempt_token})
        assert forged.status_code == 400
