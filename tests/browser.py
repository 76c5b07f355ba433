"""Helpers for the browser tests: Debian's headless Chromium at phone size, a live server.

Browser tests are marked ``browser`` (and so ``slow``); without Chromium they are
skipped, and under CI that fails the run.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import make_response

from contest import create_app
from contest.extensions import db
from contest.models import Contest, Participant
from contest.public import identity
from tests import factories
from tests.helpers import IN_CI, make_test_config

CHROMIUM = "/usr/bin/chromium"


CHROMEDRIVER = "/usr/bin/chromedriver"


WAIT_SECONDS = 15


def require_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        reason = f"browser tests need Debian's chromium and chromedriver ({', '.join(missing)} " \
                 "missing: apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    pytest.importorskip("selenium")


@contextmanager
def serve(seed: Callable[[], dict]) -> Iterator[dict]:
    """The app on a temporary SQLite file, CSRF on, served by werkzeug in a thread.

    ``seed`` runs in the app context after the schema and the reference data and returns
    what the tests need to know besides ``url`` and ``app`` (ids and such).
    """
    require_browser()
    from werkzeug.serving import make_server

    tmp = Path(tempfile.mkdtemp(prefix="browser-"))
    app = create_app(make_test_config(
        "sqlite:///" + str(tmp / "browser.sqlite3"), str(tmp), WTF_CSRF_ENABLED=True,
    ))
    with app.app_context():
        db.create_all()
        factories.seed()
        info = seed()
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


def _resident_journey() -> dict:
    factories.make_bank(per_area=4, codes="ab")
    contest = factories.make_contest(slug="cchc-trinh-duyet", min_age=14,
                                     title="Cuộc thi thử trên trình duyệt")
    factories.make_round(contest, quota={"a": 3, "b": 2}, time_limit_minutes=15,
                         attempts_allowed=1)
    factories.make_entry_point(contest, code="BANGTIN")
    unit = factories.make_unit(name="Tổ dân phố số 3")
    return {"unit_id": unit.id, "category_id": contest.categories[0].id}


@pytest.fixture(scope="module")
def live_server():
    with serve(_resident_journey) as server:
        yield server


def remember_new_resident(server: dict, driver) -> None:
    """A new resident of contest ``server["contest_id"]``, remembered by this browser as
    registration leaves it (the identity cookie). The browser must be on the server's site."""
    app = server["app"]
    with app.app_context():
        contest = db.session.get(Contest, server["contest_id"])
        participant = factories.make_participant(contest)
        with app.test_request_context():
            response = make_response("")
            identity.remember(response, db.session.get(Participant, participant.id))
    name, value = response.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)
    driver.add_cookie({"name": name, "value": value, "path": "/"})


def wait(driver, condition, message=""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message)


def assert_fits_the_phone(driver):
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


SCREEN_HEIGHT = 740


@contextmanager
def phone(javascript: bool = True, text_percent: int = 100) -> Iterator:
    """Chromium at 360×740, quit and its profile removed when the block ends."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", f"--window-size=360,{SCREEN_HEIGHT}"):
        options.add_argument(arg)
    prefs = {
        # The phone's text size setting: 200 % makes the default 16 px font 32 px.
        "webkit.webprefs.default_font_size": 16 * text_percent // 100,
    }
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(360, SCREEN_HEIGHT)
    driver.implicitly_wait(2)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser():
    with phone() as driver:
        yield driver


@pytest.fixture
def browser_without_js():
    with phone(javascript=False) as driver:
        yield driver


def tick(driver, position: int, shown: int = 0):
    from selenium.webdriver.common.by import By

    radio = driver.find_element(By.CSS_SELECTOR, f'input[name="q{position}"][value="{shown}"]')
    label = radio.find_element(By.XPATH, "..")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    label.click()


def click_centred(driver, element_id: str):
    """Scrolled to the middle first: at the top edge the sticky timer would take the tap."""
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
