"""The whole resident journey in headless Debian Chromium at 360×740, with and without JS.

Runs the real app with werkzeug in a thread, on a temporary SQLite file, CSRF on.
Skipped when Chromium or chromedriver is missing, except under CI where that fails.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from contest import create_app
from contest.extensions import db
from contest.models import Attempt
from tests import factories
from tests.conftest import IN_CI, make_test_config

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 15


def _require_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        reason = f"browser tests need Debian's chromium and chromedriver ({', '.join(missing)} " \
                 "missing: apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    pytest.importorskip("selenium")


@pytest.fixture(scope="module")
def live_server():
    _require_browser()
    from werkzeug.serving import make_server

    tmp = Path(tempfile.mkdtemp(prefix="browser-"))
    app = create_app(make_test_config(
        "sqlite:///" + str(tmp / "browser.sqlite3"), str(tmp), WTF_CSRF_ENABLED=True,
    ))
    with app.app_context():
        db.create_all()
        factories.seed()
        factories.make_bank(per_area=4, codes="ab")
        contest = factories.make_contest(slug="cchc-trinh-duyet", min_age=14,
                                         title="Cuộc thi thử trên trình duyệt")
        factories.make_round(contest, quota={"a": 3, "b": 2}, time_limit_minutes=15,
                             attempts_allowed=1)
        factories.make_entry_point(contest, code="BANGTIN")
        unit = factories.make_unit(name="Tổ dân phố số 3")
        info = {"unit_id": unit.id, "category_id": contest.categories[0].id}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, **info}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


def _driver(javascript: bool):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=360,740"):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(360, 740)
    driver.implicitly_wait(2)
    return driver, profile


@pytest.fixture
def browser():
    _require_browser()
    driver, profile = _driver(javascript=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser_without_js():
    _require_browser()
    driver, profile = _driver(javascript=False)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition, message=""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message)


def _register_and_start(driver, server, phone: str, name: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(server["url"] + "/q/BANGTIN")
    assert "/c/cchc-trinh-duyet" in driver.current_url
    assert "Cuộc thi thử trên trình duyệt" in driver.page_source
    driver.find_element(By.LINK_TEXT, "Tham gia dự thi").click()
    driver.find_element(By.ID, "full_name").send_keys(name)
    driver.find_element(By.ID, "phone").send_keys(phone)
    driver.find_element(By.ID, "birth_year").send_keys("1968")
    Select(driver.find_element(By.ID, "unit")).select_by_value(str(server["unit_id"]))
    Select(driver.find_element(By.ID, "category")).select_by_value(str(server["category_id"]))
    driver.find_element(By.CSS_SELECTOR, "label.check").click()  # the consent label is tappable
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    _wait(driver, lambda d: "Đăng ký thành công" in d.page_source, "registration failed")
    driver.find_element(By.XPATH, "//button[contains(., 'Bắt đầu làm bài')]").click()
    _wait(driver, lambda d: "/a/" in d.current_url and d.find_elements(By.ID, "attempt-form"),
          "the round did not start")
    _assert_fits_the_phone(driver)


def _assert_fits_the_phone(driver):
    width = driver.execute_script("return document.documentElement.clientWidth")
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 360 and scroll <= width, (width, scroll)
    # No text squeezed into a sliver (a two-column layout that leaves values a few
    # characters wide reads one syllable per line on a phone). The round page's grid of
    # question numbers is compact by design.
    squeezed = driver.execute_script("""
        return [...document.querySelectorAll(
                  'main dd, main p, main label, main li:not(.qgrid li), main h1')]
          .filter(el => el.offsetParent !== null && el.textContent.trim().length > 6
                        && el.getBoundingClientRect().width < 80)
          .map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 40));
    """)
    assert squeezed == [], squeezed


def _option(driver, position: int, shown: int):
    from selenium.webdriver.common.by import By

    radio = driver.find_element(By.CSS_SELECTOR, f'input[name="q{position}"][value="{shown}"]')
    return radio, radio.find_element(By.XPATH, "..")


def _result_of(server, driver) -> Attempt:
    public_id = driver.current_url.split("/a/")[1].split("/")[0]
    with server["app"].app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.public_id == public_id))
        db.session.expunge(attempt)
        return attempt


def test_resident_journey_with_javascript(live_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    _register_and_start(driver, live_server, "0912 000 111", "Nguyễn Thị Lan")
    countdown = driver.find_element(By.ID, "countdown")
    _wait(driver, lambda d: countdown.text.startswith("Còn "), "no countdown")
    # Big tap targets: every option label is at least 44 px tall.
    heights = [el.size["height"] for el in driver.find_elements(By.CSS_SELECTOR, "label.option")]
    assert heights and min(heights) >= 44, heights
    status = driver.find_element(By.ID, "save-status")

    for position in (1, 2, 3):
        _, label = _option(driver, position, position % 4)
        label.click()
        _wait(driver, lambda d: status.text == "Đã lưu", f"answer {position} not saved")

    driver.refresh()  # mid-way: the saved answers are still there
    for position in (1, 2, 3):
        radio, _ = _option(driver, position, position % 4)
        assert radio.is_selected(), f"answer {position} lost on reload"

    status = driver.find_element(By.ID, "save-status")
    for position in (4, 5):
        _option(driver, position, 0)[1].click()
        _wait(driver, lambda d: status.text == "Đã lưu", f"answer {position} not saved")
    prediction = driver.find_element(By.ID, "prediction")
    prediction.send_keys("321", Keys.TAB)  # leaving the field fires change: it is saved
    _wait(driver, lambda d: status.text == "Đã lưu", "prediction not saved")
    driver.find_element(By.ID, "submit-button").click()
    _wait(driver, lambda d: "/result" in d.current_url, "no result page")
    page = driver.page_source
    assert "Kết quả lượt thi 1" in page and "câu đúng" in page and "Thời gian làm bài" in page
    _assert_fits_the_phone(driver)
    attempt = _result_of(live_server, driver)
    assert attempt.status == "submitted" and attempt.finished_by == "resident"
    assert attempt.prediction == 321 and attempt.score is not None
    with live_server["app"].app_context():
        from contest.services.taking.attempts import load_items

        items = load_items(db.session.get(Attempt, attempt.id))
        assert all(item.chosen_option is not None for item in items)


def test_resident_journey_without_javascript(live_server, browser_without_js):
    from selenium.webdriver.common.by import By

    driver = browser_without_js
    _register_and_start(driver, live_server, "0987 000 222", "Trần Văn Hùng")
    # No script ran: no countdown, but the deadline is shown as a clock time.
    assert not driver.find_element(By.ID, "countdown").is_displayed()
    assert "Hạn nộp" in driver.page_source and "giờ Việt Nam" in driver.page_source
    for position in range(1, 6):
        _option(driver, position, 1)[1].click()
    driver.find_element(By.ID, "prediction").send_keys("45")
    driver.find_element(By.ID, "submit-button").click()
    _wait(driver, lambda d: "Kết quả lượt thi 1" in d.page_source, "no result page")
    assert "/result" in driver.current_url
    attempt = _result_of(live_server, driver)
    assert attempt.status == "submitted" and attempt.prediction == 45
    with live_server["app"].app_context():
        from contest.services.taking.attempts import load_items

        items = load_items(db.session.get(Attempt, attempt.id))
        assert [item.option_order.index(item.chosen_option) for item in items] == [1] * 5


@pytest.mark.browser
def test_prediction_field_holding_unreadable_text_keeps_the_saved_prediction(
        live_server, browser):
    """A number field with text it cannot read (``321-``) reports an empty value: the
    script must not save that as "no prediction" over the one already saved."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    _register_and_start(driver, live_server, "0912 000 999", "Đỗ Văn Dự")
    status = driver.find_element(By.ID, "save-status")
    prediction = driver.find_element(By.ID, "prediction")
    prediction.send_keys("321", Keys.TAB)
    _wait(driver, lambda d: status.text == "Đã lưu", "prediction not saved")
    assert _result_of(live_server, driver).prediction == 321
    prediction.send_keys("-", Keys.TAB)  # "321-": the browser's value is now ""
    assert driver.execute_script("return arguments[0].validity.badInput", prediction)
    time.sleep(2.5)  # past the script's 1.2 s typing pause, and a save's round trip
    assert _result_of(live_server, driver).prediction == 321
