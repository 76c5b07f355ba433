"""axe-core (WCAG 2.1 A and AA) on every page a resident sees, in Chromium at 360×740.

axe-core comes from the npm registry into tests/.axe/ (``npm install --prefix tests/.axe``
with tests/.axe/package.json; not committed). ``.ci/run`` installs it when missing; run
locally without it, this test is skipped with the command to run, but under CI it fails.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from contest.extensions import db
from contest.models import Round
from contest.services.results import publication
from tests import factories
from tests.browser import click_centred as _click
from tests.browser import phone, remember_new_resident, serve
from tests.browser import tick as _tick
from tests.browser import wait as _wait
from tests.helpers import IN_CI
from tests.ranking_factories import add_attempt

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_JS = Path(__file__).resolve().parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SLUG = "axe-cchc"


def _require_axe() -> str:
    if not AXE_JS.exists():
        reason = (f"axe-core is missing ({AXE_JS}): npm install --prefix tests/.axe "
                  "(.ci/run does this)")
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe_source():
    return _require_axe()


def _two_rounds() -> dict:
    factories.make_bank(per_area=4, codes="ab")
    for code in "ab":
        factories.make_question(code, practice=True)
    contest = factories.make_contest(
        slug=SLUG, title="Cuộc thi thử khả năng tiếp cận", practice_enabled=True,
        study_material="I. Tìm hiểu\n- Bộ phận Một cửa\n- Dịch vụ công trực tuyến")
    factories.make_entry_point(contest, code="AXE")
    # A closed round with published results, and an open round to take.
    opens = factories.now() - timedelta(days=8)
    closed = factories.make_round(contest, name="Đợt 1", opens_at=opens,
                                  closes_at=opens + timedelta(days=7))
    for name in ("Trần Thị Ánh", "Lê Văn Bình"):
        add_attempt(closed, factories.make_participant(contest, full_name=name), score=8)
    publication.publish_round(db.session.get(Round, closed.id), actor_id=None,
                              now=factories.now())
    db.session.commit()
    # The answer key right after submitting, so the result page shows it.
    open_round = factories.make_round(contest, name="Đợt 2", quota={"a": 3, "b": 2},
                                      time_limit_minutes=15, attempts_allowed=3,
                                      reveal_answers="after_submit")
    return {"contest_id": contest.id, "closed_id": closed.id, "open_id": open_round.id}


@pytest.fixture(scope="module")
def server(axe_source):
    with serve(_two_rounds) as live:
        yield live


@pytest.fixture(scope="module")
def driver(server):
    with phone() as driver:
        yield driver


def _violations(driver, axe_source: str) -> list[str]:
    """Run axe on the page shown; one readable line per violation (id, impact, nodes)."""
    driver.execute_script(axe_source)
    driver.set_script_timeout(30)
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        "  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        "     help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ' : '"
        "       + (n.failureSummary || '').replace(/\\s+/g, ' '))}))))"
        "  .catch(e => done([{id: 'axe-error', impact: 'error', help: String(e), nodes: []}]));",
        TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
            for v in results]


def _check(driver, axe_source, page: str, found: dict) -> None:
    found[page + " " + driver.current_url.split("/", 3)[-1]] = _violations(driver, axe_source)


def test_every_resident_page_passes_axe(server, driver, axe_source):
    from selenium.webdriver.common.by import By

    url = server["url"]
    found: dict[str, list[str]] = {}
    # A newcomer: QR entry, contest page, registration (empty, then refused), the
    # "continue on another phone" confirmation, study material, a practice set.
    driver.get(url + "/")
    _check(driver, axe_source, "home", found)
    driver.get(url + "/c/khong-co-cuoc-thi-nay")
    _check(driver, axe_source, "notice (no such contest)", found)
    driver.get(url + "/q/AXE")
    _wait(driver, lambda d: f"/c/{SLUG}" in d.current_url, "the QR entry did not lead on")
    _check(driver, axe_source, "contest page (from the QR entry)", found)
    driver.get(url + f"/c/{SLUG}/share")
    _check(driver, axe_source, "share page", found)
    driver.get(url + f"/c/{SLUG}/register")
    _check(driver, axe_source, "registration", found)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".error, [aria-invalid=true]"),
          "the empty registration was not refused")
    _check(driver, axe_source, "registration with errors", found)
    driver.get(url + f"/c/{SLUG}/confirm")
    _check(driver, axe_source, "confirmation", found)
    driver.get(url + f"/c/{SLUG}/tai-lieu")
    _check(driver, axe_source, "study material", found)
    driver.get(url + f"/c/{SLUG}/on-tap")
    _check(driver, axe_source, "practice start", found)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    _wait(driver, lambda d: "/on-tap/" in d.current_url, "practice did not start")
    _check(driver, axe_source, "practice question", found)
    for number in range(1, 11):
        driver.find_element(By.CSS_SELECTOR, "label.option").click()
        driver.find_element(By.XPATH, "//button[contains(., 'Trả lời')]").click()
        _wait(driver, lambda d: "Đúng." in d.page_source or "Sai." in d.page_source,
              "no verdict in practice")
        if number == 1:
            _check(driver, axe_source, "practice verdict", found)
        driver.find_element(By.CSS_SELECTOR, "a.button.primary.big").click()
        if "Kết quả ôn tập" in driver.page_source:
            break
    assert "Kết quả ôn tập" in driver.page_source
    _check(driver, axe_source, "practice summary", found)
    driver.get(url + f"/c/{SLUG}/results")
    _check(driver, axe_source, "public results", found)
    driver.get(url + f"/c/{SLUG}/rounds/{server['closed_id']}/results")
    _check(driver, axe_source, "public results of a round", found)
    # A registered resident: contest page, question page, result page, "Bài thi của tôi".
    remember_new_resident(server, driver)
    driver.get(url + f"/c/{SLUG}")
    _check(driver, axe_source, "contest page (registered)", found)
    driver.find_element(By.XPATH, "//button[contains(., 'Bắt đầu làm bài')]").click()
    _wait(driver, lambda d: d.find_elements(By.ID, "attempt-form"), "the round did not start")
    _tick(driver, 1)
    _check(driver, axe_source, "question page", found)
    # "Vẫn nộp bài?" as the server asks it when JavaScript is off (no confirm field).
    driver.execute_script("var f = document.getElementById('attempt-form');"
                          "f.querySelector('input[name=confirm]').remove(); f.submit();")
    _wait(driver, lambda d: d.find_elements(By.ID, "confirm-submit-button"),
          "no confirmation page")
    _check(driver, axe_source, "submit confirmation", found)
    _click(driver, "continue-button")
    _wait(driver, lambda d: d.find_elements(By.ID, "attempt-form"), "not back at the round")
    for position in range(2, 6):
        _tick(driver, position)
    _click(driver, "submit-button")
    _wait(driver, lambda d: "/result" in d.current_url, "no result page")
    # The answer key marks every question in words (which word depends on the draw).
    verdicts = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "p.verdict .badge")]
    assert len(verdicts) == 5 and set(verdicts) <= {"Đúng", "Sai"}, verdicts
    _check(driver, axe_source, "result page with the answer key", found)
    driver.get(url + f"/c/{SLUG}/me")
    _check(driver, axe_source, "Bài thi của tôi", found)
    driver.get(url + f"/c/{SLUG}/me/code")
    _check(driver, axe_source, "personal code", found)

    report = "\n".join(f"{page}:\n  " + "\n  ".join(lines)
                       for page, lines in found.items() if lines)
    assert not report, "axe-core (WCAG 2.1 A/AA) violations:\n" + report
