"""The whole resident journey in headless Debian Chromium at 360×740, with and without JS.

Runs the real app with werkzeug in a thread, on a temporary SQLite file, CSRF on.
Skipped when Chromium or chromedriver is missing, except under CI where that fails.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt
from tests.browser import assert_fits_the_phone, wait

pytestmark = pytest.mark.browser


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
    wait(driver, lambda d: "Đăng ký thành công" in d.page_source, "registration failed")
    driver.find_element(By.XPATH, "//button[contains(., 'Bắt đầu làm bài')]").click()
    wait(driver, lambda d: "/a/" in d.current_url and d.find_elements(By.ID, "attempt-form"),
          "the round did not start")
    assert_fits_the_phone(driver)


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
    wait(driver, lambda d: countdown.text.startswith("Còn "), "no countdown")
    # Big tap targets: every option label is at least 44 px tall.
    heights = [el.size["height"] for el in driver.find_elements(By.CSS_SELECTOR, "label.option")]
    assert heights and min(heights) >= 44, heights
    status = driver.find_element(By.ID, "save-status")

    for position in (1, 2, 3):
        _, label = _option(driver, position, position % 4)
        label.click()
        wait(driver, lambda d: status.text == "Đã lưu", f"answer {position} not saved")

    driver.refresh()  # mid-way: the saved answers are still there
    for position in (1, 2, 3):
        radio, _ = _option(driver, position, position % 4)
        assert radio.is_selected(), f"answer {position} lost on reload"

    status = driver.find_element(By.ID, "save-status")
    for position in (4, 5):
        _option(driver, position, 0)[1].click()
        wait(driver, lambda d: status.text == "Đã lưu", f"answer {position} not saved")
    prediction = driver.find_element(By.ID, "prediction")
    prediction.send_keys("321", Keys.TAB)  # leaving the field fires change: it is saved
    wait(driver, lambda d: status.text == "Đã lưu", "prediction not saved")
    driver.find_element(By.ID, "submit-button").click()
    wait(driver, lambda d: "/result" in d.current_url, "no result page")
    page = driver.page_source
    assert "Kết quả lượt thi 1" in page and "câu đúng" in page and "Thời gian làm bài" in page
    assert_fits_the_phone(driver)
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
    wait(driver, lambda d: "Kết quả lượt thi 1" in d.page_source, "no result page")
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
    wait(driver, lambda d: status.text == "Đã lưu", "prediction not saved")
    assert _result_of(live_server, driver).prediction == 321
    prediction.send_keys("-", Keys.TAB)  # "321-": the browser's value is now ""
    assert driver.execute_script("return arguments[0].validity.badInput", prediction)
    time.sleep(2.5)  # past the script's 1.2 s typing pause, and a save's round trip
    assert _result_of(live_server, driver).prediction == 321
