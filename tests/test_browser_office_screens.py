"""Office screens: the back office fills a 1366 px screen; wide tables scroll inside their box
on a phone instead of pushing the page sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.extensions import db
from tests import factories
from tests.ranking_factories import add_attempt

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def office(live_server):
    with live_server["app"].app_context():
        contest = factories.make_contest(title="Cuộc thi màn hình văn phòng")
        opens = factories.now() - timedelta(days=8)
        round_ = factories.make_round(
            contest, opens_at=opens, closes_at=opens + timedelta(days=7),
            prize_tiers=[{"name": "Giải Khuyến khích đặc biệt của Ban tổ chức", "count": 3}])
        unit = factories.make_unit("Trung tâm Phục vụ hành chính công phường Phù Vân",
                                   kind="agency")
        for n in range(4):
            person = factories.make_participant(
                contest, full_name=f"Nguyễn Thị Phương Thảo Số {n}", unit_id=unit.id)
            add_attempt(round_, person, score=9 - n, prediction=3)
        factories.make_user(role="organiser", username="vanphong")
        db.session.commit()
        return {**live_server, "round_id": round_.id}


def _sign_in(driver, base):
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "username").send_keys("vanphong")
    driver.find_element(By.NAME, "password").send_keys(factories.PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def test_the_ranking_fits_a_1366_px_office_screen(office, browser):
    driver = browser
    driver.set_window_size(1366, 768)
    _sign_in(driver, office["url"])
    driver.get(f"{office['url']}/admin/results/rounds/{office['round_id']}")
    overflow = driver.execute_script("""
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('main table')].map(t => {
          const last = t.querySelector('tr th:last-child');
          return last ? last.getBoundingClientRect().right - width : 0;
        }).filter(d => d > 0);
    """)
    assert overflow == []
    main_width = driver.execute_script(
        "return document.querySelector('main').getBoundingClientRect().width")
    assert main_width > 1200


def test_wide_tables_scroll_inside_their_box_on_a_phone(office, browser):
    driver = browser
    _sign_in(driver, office["url"])
    for path in (f"/admin/results/rounds/{office['round_id']}", "/admin/audit_log/"):
        driver.get(office["url"] + path)
        width = driver.execute_script("return document.documentElement.clientWidth")
        scroll = driver.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, (path, width, scroll)
