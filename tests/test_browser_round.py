"""The round page in headless Chromium at 360×740: JS on and off, 200 % text.

Each test gets its own resident, remembered by the browser as registration leaves
it (the identity cookie), so these tests do not depend on the registration form.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt
from contest.services.taking.attempts import load_items
from tests import factories
from tests.browser import SCREEN_HEIGHT, phone, remember_new_resident, serve
from tests.browser import click_centred as _click
from tests.browser import tick as _tick
from tests.browser import wait as _wait

pytestmark = pytest.mark.browser


def _one_round() -> dict:
    factories.make_bank(per_area=4, codes="ab")
    contest = factories.make_contest(slug="vong-thi", title="Cuộc thi thử vòng thi")
    round_ = factories.make_round(contest, quota={"a": 3, "b": 2}, time_limit_minutes=15,
                                  attempts_allowed=3)
    return {"contest_id": contest.id, "round_id": round_.id}


@pytest.fixture(scope="module")
def server():
    with serve(_one_round) as live:
        yield live


@pytest.fixture
def make_driver():
    with ExitStack() as drivers:
        yield lambda **kwargs: drivers.enter_context(phone(**kwargs))


def _start_round(server, driver) -> str:
    """A new resident, remembered by this browser, presses "Bắt đầu làm bài"."""
    from selenium.webdriver.common.by import By

    driver.get(server["url"] + "/favicon.ico")
    remember_new_resident(server, driver)
    driver.get(server["url"] + "/c/vong-thi")
    driver.find_element(By.XPATH, "//button[contains(., 'Bắt đầu làm bài')]").click()
    _wait(driver, lambda d: d.find_elements(By.ID, "attempt-form"), "the round did not start")
    return driver.current_url


def _attempt(server, url: str) -> Attempt:
    public_id = url.split("/a/")[1].split("/")[0]
    with server["app"].app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.public_id == public_id))
        attempt.chosen = [i.chosen_option is not None for i in load_items(attempt)]
        db.session.expunge(attempt)
        return attempt


def _saved(driver):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "save-status").text == "Đã lưu"


def test_timer_is_one_short_line_even_at_200_percent_text(server, make_driver):
    from selenium.webdriver.common.by import By

    for percent in (100, 200):
        driver = make_driver(text_percent=percent)
        _start_round(server, driver)
        root_font = driver.execute_script(
            "return parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert root_font == 16 * percent / 100
        countdown = driver.find_element(By.ID, "countdown")
        _wait(driver, lambda d, c=countdown: "phút" in c.text, "no countdown")
        assert countdown.text.startswith("Còn 1") and ":" not in countdown.text
        bar = driver.find_element(By.ID, "timer-bar")
        assert bar.size["height"] <= 0.12 * SCREEN_HEIGHT, (percent, bar.size)
        line = driver.execute_script(
            "return parseFloat(getComputedStyle(arguments[0]).lineHeight)", countdown)
        assert countdown.size["height"] < 2 * line  # one line
        assert "Hạn nộp" not in bar.text
        # Still on screen when scrolled to the last question.
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        assert driver.execute_script("return arguments[0].getBoundingClientRect().top", bar) \
            <= 1
        # Main buttons: full width and at least 48 px high.
        for button_id in ("save-button", "submit-button"):
            button = driver.find_element(By.ID, button_id)
            form_width = driver.find_element(By.ID, "attempt-form").size["width"]
            assert button.size["height"] >= 48 and button.size["width"] >= form_width - 2
        width = driver.execute_script("return document.documentElement.clientWidth")
        scroll = driver.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, (percent, width, scroll)


def test_countdown_is_true_after_going_back(server, make_driver):
    from selenium.webdriver.common.by import By

    driver = make_driver()
    url = _start_round(server, driver)
    countdown = driver.find_element(By.ID, "countdown")
    _wait(driver, lambda d: countdown.text.startswith("Còn 1"), "no countdown")
    driver.get(server["url"] + "/c/vong-thi")
    # While the resident is away, time passes: the server's deadline is what counts.
    with server["app"].app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(
            Attempt.public_id == url.split("/a/")[1]))
        attempt.deadline = factories.now() + timedelta(minutes=6, seconds=30)
        db.session.commit()
    driver.back()
    _wait(driver, lambda d: "/a/" in d.current_url, "Back did not return to the round")
    _wait(driver, lambda d: d.find_element(By.ID, "countdown").text.startswith("Còn 6 phút"),
          "the countdown kept the old clock after Back")


def test_countdown_resyncs_with_the_server_when_the_tab_is_shown_again(server, make_driver):
    from selenium.webdriver.common.by import By

    driver = make_driver()
    _start_round(server, driver)
    countdown = driver.find_element(By.ID, "countdown")
    _wait(driver, lambda d: countdown.text.startswith("Còn 14 phút"), "no countdown")
    # While the tab was in the background the phone's clock jumped 5 minutes ahead
    # (a sleeping phone, a clock set by hand): the countdown believes it.
    driver.execute_script("var real = Date.now.bind(Date);"
                          "Date.now = function () { return real() + 5 * 60 * 1000; };")
    _wait(driver, lambda d: countdown.text.startswith("Còn 9 phút"),
          "the faked clock skew did not reach the countdown")
    # The tab is shown again: the page asks the server for its time and is right again.
    driver.execute_script("document.dispatchEvent(new Event('visibilitychange'))")
    _wait(driver, lambda d: countdown.text.startswith("Còn 14 phút"),
          "the countdown kept the skewed clock after the tab was shown again")


def test_submit_asks_first_when_questions_are_unanswered(server, make_driver):
    from selenium.webdriver.common.by import By

    driver = make_driver()
    url = _start_round(server, driver)
    _tick(driver, 1)
    _tick(driver, 2)
    _wait(driver, _saved, "answers not saved")
    assert "Đã trả lời 2/5 câu." in driver.find_element(By.CSS_SELECTOR, ".question-nav").text
    assert "done" in driver.find_element(By.ID, "nav-1").get_attribute("class")
    _click(driver, "submit-button")
    alert = driver.switch_to.alert
    assert alert.text == "Bạn còn 3 câu chưa trả lời. Vẫn nộp bài?"
    alert.dismiss()
    assert driver.current_url == url and _attempt(server, url).status == "in_progress"
    # The grid jumps to a question left unanswered.
    _click(driver, "nav-4")
    assert driver.current_url.endswith("#cau-4")
    _click(driver, "submit-button")
    driver.switch_to.alert.accept()
    _wait(driver, lambda d: "/result" in d.current_url, "no result page")
    assert _attempt(server, url).chosen == [True, True, False, False, False]


def test_without_javascript_nộp_bài_asks_on_a_page_and_keeps_the_answers(server, make_driver):
    from selenium.webdriver.common.by import By

    driver = make_driver(javascript=False)
    url = _start_round(server, driver)
    _tick(driver, 1, 2)
    _tick(driver, 3, 1)
    _click(driver, "submit-button")
    _wait(driver, lambda d: "Vẫn nộp bài?" in d.page_source, "no confirmation page")
    assert driver.find_element(By.TAG_NAME, "h1").text == \
        "Bạn còn 3 câu chưa trả lời. Vẫn nộp bài?"
    assert _attempt(server, url).chosen == [True, False, True, False, False]
    for button_id in ("continue-button", "confirm-submit-button"):
        assert driver.find_element(By.ID, button_id).size["height"] >= 48
    # "Quay lại làm tiếp": the answers are still ticked; one more, then "Nộp bài" again.
    _click(driver, "continue-button")
    _wait(driver, lambda d: d.find_elements(By.ID, "attempt-form"), "not back at the round")
    assert driver.find_element(By.CSS_SELECTOR, 'input[name="q1"][value="2"]').is_selected()
    assert driver.find_element(By.CSS_SELECTOR, 'input[name="q3"][value="1"]').is_selected()
    _tick(driver, 5, 0)
    _click(driver, "submit-button")
    _wait(driver, lambda d: "Bạn còn 2 câu chưa trả lời" in d.page_source,
          "no confirmation page the second time")
    _click(driver, "confirm-submit-button")
    _wait(driver, lambda d: "/result" in d.current_url, "no result page")
    attempt = _attempt(server, url)
    assert attempt.status == "submitted"
    assert attempt.chosen == [True, False, True, False, True]


def test_a_complete_submit_does_not_ask(server, make_driver):

    driver = make_driver()
    _start_round(server, driver)
    for position in range(1, 6):
        _tick(driver, position, 1)
    _wait(driver, _saved, "answers not saved")
    _click(driver, "submit-button")
    _wait(driver, lambda d: "/result" in d.current_url, "asked although all were answered")


def test_without_javascript_lưu_bài_saves_and_the_deadline_is_a_clock_time(server, make_driver):
    from selenium.webdriver.common.by import By

    driver = make_driver(javascript=False)
    url = _start_round(server, driver)
    assert not driver.find_element(By.ID, "timer-bar").is_displayed()
    top = driver.find_element(By.CSS_SELECTOR, "p.deadline").text
    assert top.startswith("Hạn nộp bài: ") and "giờ Việt Nam" in top
    note = driver.find_element(By.ID, "save-note").text
    assert "Câu trả lời được giữ lại khi bạn bấm “Lưu bài” hoặc “Nộp bài”" in note
    _tick(driver, 1, 2)
    _tick(driver, 3, 1)
    _click(driver, "save-button")
    _wait(driver, lambda d: "Đã lưu bài lúc" in d.page_source, "Lưu bài did not save")
    assert _attempt(server, url).status == "in_progress"
    driver.refresh()
    assert driver.find_element(
        By.CSS_SELECTOR, 'input[name="q1"][value="2"]').is_selected()
    assert _attempt(server, url).chosen == [True, False, True, False, False]


def test_answers_keep_saving_when_the_session_is_lost(server, make_driver):

    driver = make_driver()
    url = _start_round(server, driver)
    _tick(driver, 1)
    _wait(driver, _saved, "first answer not saved")
    driver.delete_cookie("session")  # the session cookie is gone; the resident is remembered
    _tick(driver, 2)
    _wait(driver, _saved, "answer after the session was lost not saved")
    assert _attempt(server, url).chosen[:2] == [True, True]
    driver.delete_cookie("session")
    for position in (3, 4, 5):
        _tick(driver, position)
    _click(driver, "submit-button")
    _wait(driver, lambda d: "/result" in d.current_url, "submit after a lost session failed")
    assert "Kết quả lượt thi" in driver.page_source
    assert _attempt(server, url).status == "submitted"


def test_share_button_copies_or_opens_the_share_page(server, make_driver):
    from selenium.webdriver.common.by import By

    # Without JS it is a plain link to the page with the link and the QR code.
    driver = make_driver(javascript=False)
    driver.get(server["url"] + "/c/vong-thi")
    _click(driver, "share-button")
    _wait(driver, lambda d: d.current_url.endswith("/c/vong-thi/share"), "no share page")
    assert driver.find_element(By.ID, "share-url").get_attribute("value").endswith(
        "/c/vong-thi")
    assert driver.find_element(By.CSS_SELECTOR, "img.share-qr").size["width"] > 100
    # With JS, a phone without a share sheet copies the link (or, if the clipboard is
    # refused, opens the same page): either way the resident gets the link.
    driver = make_driver(text_percent=200)
    driver.get(server["url"] + "/c/vong-thi")
    width = driver.execute_script("return document.documentElement.clientWidth")
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    button = driver.find_element(By.ID, "share-button")
    assert button.size["height"] >= 48
    _click(driver, "share-button")
    _wait(driver, lambda d: d.current_url.endswith("/share") or "Đã chép đường dẫn" in
          d.find_element(By.ID, "share-status").text, "sharing did nothing")
