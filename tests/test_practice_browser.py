"""Practice (Ôn tập) in headless Chromium at 360×740: with JavaScript off and on."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import assert_fits_the_phone as _assert_fits_the_phone
from tests.browser import phone, serve
from tests.browser import wait as _wait

pytestmark = pytest.mark.browser


def _practice_questions() -> dict:
    factories.make_bank(per_area=3, codes="ab")
    for code in "ab":
        for n in range(2):
            factories.make_question(
                code, practice=True,
                text=f"Câu hỏi ôn tập {n + 1} của lĩnh vực {code}: người dân có thể nộp "
                     "hồ sơ thủ tục hành chính ở đâu?",
                options=["Tại Bộ phận Một cửa hoặc trên Cổng Dịch vụ công quốc gia",
                         "Chỉ tại trụ sở Ủy ban nhân dân tỉnh",
                         "Chỉ qua đường bưu điện", "Chỉ tại nhà tổ trưởng tổ dân phố"])
    contest = factories.make_contest(slug="on-tap-trinh-duyet", practice_enabled=True,
                                     study_material="I. Tìm hiểu\n- Một cửa\n- Dịch vụ công")
    factories.make_round(contest, quota={"a": 2, "b": 2})
    return {}


@pytest.fixture(scope="module")
def practice_server():
    with serve(_practice_questions) as live:
        yield live


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_practice_set_on_a_phone(practice_server, javascript):
    from selenium.webdriver.common.by import By

    with phone(javascript=javascript) as driver:
        driver.get(practice_server["url"] + "/c/on-tap-trinh-duyet")
        driver.find_element(By.LINK_TEXT, "Ôn tập").click()
        _assert_fits_the_phone(driver)
        driver.find_element(By.XPATH, "//button[contains(., 'Bắt đầu ôn tập')]").click()
        for number in range(1, 5):
            _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "label.option"),
                  f"question {number} not shown")
            assert f"Câu {number}/4" in driver.page_source
            _assert_fits_the_phone(driver)
            heights = [el.size["height"]
                       for el in driver.find_elements(By.CSS_SELECTOR, "label.option")]
            assert min(heights) >= 44, heights
            # Options keep their authored order here: A is right for every practice question.
            driver.find_elements(By.CSS_SELECTOR, "label.option")[number % 2].click()
            driver.find_element(By.XPATH, "//button[contains(., 'Trả lời')]").click()
            verdict = "Đúng." if number % 2 == 0 else "Sai."
            _wait(driver, lambda d, v=verdict: v in d.page_source, f"no verdict for {number}")
            assert "Căn cứ:" in driver.page_source and "Giải thích:" in driver.page_source
            _assert_fits_the_phone(driver)
            driver.find_element(By.CSS_SELECTOR, "a.button.primary.big").click()
        _wait(driver, lambda d: "Kết quả ôn tập" in d.page_source, "no summary")
        assert "2/4" in driver.page_source
        _assert_fits_the_phone(driver)
