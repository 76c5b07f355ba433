"""In Chromium at 360×740: twenty wrong confirmations for one phone end in the hold, and
the personal code still resumes. Marked ``browser``; skipped without Chromium."""

from __future__ import annotations

import pytest

from contest.extensions import db
from tests import factories
from tests.browser import assert_fits_the_phone as _assert_fits_the_phone
from tests.browser import wait as _wait

pytestmark = pytest.mark.browser


def test_twenty_wrong_confirmations_hold_the_phone(live_server, browser):
    from selenium.webdriver.common.by import By

    with live_server["app"].app_context():
        contest = db.session.scalar(
            db.select(factories.Contest).where(factories.Contest.slug == "cchc-trinh-duyet"))
        resident = factories.make_participant(contest, phone="+84912777888",
                                              full_name="Phạm Thị Hằng", birth_year=1961)
        code = resident.personal_code_display
    driver = browser
    url = live_server["url"] + "/c/cchc-trinh-duyet/confirm"
    messages = []
    for i in range(20):
        driver.get(url)
        driver.find_element(By.ID, "phone").send_keys("0912 777 888")
        driver.find_element(By.ID, "full_name").send_keys("Phạm Thị Hằng")
        driver.find_element(By.ID, "birth_year").send_keys(str(1990 + i))
        driver.find_element(By.XPATH, "//button[contains(., 'bằng số điện thoại')]").click()
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "p.error"), "no answer")
        messages.append(driver.find_element(By.CSS_SELECTOR, "p.error").text)
    assert all("chưa khớp" in m for m in messages[:4]), messages[:5]
    assert all("tạm khóa" in m and "liên hệ Ban tổ chức" in m for m in messages[4:])
    _assert_fits_the_phone(driver)
    # The right details are refused too now; the personal code still resumes.
    driver.get(url)
    driver.find_element(By.ID, "personal_code").send_keys(code.lower())
    driver.find_element(By.XPATH, "//button[contains(., 'bằng mã dự thi')]").click()
    _wait(driver, lambda d: "Phạm Thị Hằng" in d.page_source and "/confirm" not in d.current_url,
          "the personal code did not resume")
    assert code in driver.page_source
    _assert_fits_the_phone(driver)
