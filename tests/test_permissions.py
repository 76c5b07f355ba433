"""The permission matrix: every back-office route × every role, and anonymous.

Routes are read from ``app.url_map`` (every endpoint of the admin, reports and
activities blueprints), so a route added later is covered without touching
this file. What each role may do is the table ``MATRIX`` below, by area; the
few routes with a rule of their own are in ``EXCEPTIONS``. URL parameters are
filled with the ids of real rows from ``world``; a new parameter name makes
the test fail with a message saying where to add it.

Outcomes:
- ALLOW: the view itself answered (GET: 2xx/3xx, not to the sign-in page; POST:
  anything but 403, the sign-in redirect or a 5xx).
- FORBID: 403 with the Vietnamese error page, no redirect (so no redirect loop).
- LOGIN: a redirect to /login.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from contest import create_app
from contest.extensions import db
from contest.models import (
    Activity,
    ActivityAttachment,
    ActivityForm,
    Attempt,
    PhoneHold,
    ResultPublication,
)
from contest.services.results import prizes
from contest.services.results import publication as publication_service
from tests import factories
from tests.helpers import make_test_config

ALLOW, FORBID, LOGIN = "allow", "forbid", "login"
ROLES = ("admin", "organiser", "viewer", "unit_reporter", None)  # None: not signed in
PROTECTED_BLUEPRINTS = ("admin", "reports", "activities")
READ_METHODS = {"GET"}

ADMINS_ONLY = {
    "admin": (ALLOW, ALLOW), "organiser": (FORBID, FORBID), "viewer": (FORBID, FORBID),
    "unit_reporter": (FORBID, FORBID), None: (LOGIN, LOGIN),
}

#: area → role → (outcome for GET, outcome for state-changing methods).
MATRIX: dict[str, dict[str | None, tuple[str, str]]] = {
    "admin": {
        "admin": (ALLOW, ALLOW), "organiser": (ALLOW, ALLOW), "viewer": (ALLOW, FORBID),
        "unit_reporter": (FORBID, FORBID), None: (LOGIN, LOGIN),
    },
    # User management and the audit log: admins only.
    "admin.users": ADMINS_ONLY,
    "admin.audit_log": ADMINS_ONLY,
    "reports": {
        "admin": (ALLOW, ALLOW), "organiser": (ALLOW, ALLOW), "viewer": (ALLOW, FORBID),
        "unit_reporter": (FORBID, FORBID), None: (LOGIN, LOGIN),
    },
    # Unit reporters work on their own unit's log (the world gives them its activity).
    "activities": {
        "admin": (ALLOW, ALLOW), "organiser": (ALLOW, ALLOW), "viewer": (ALLOW, FORBID),
        "unit_reporter": (ALLOW, ALLOW), None: (LOGIN, LOGIN),
    },
}

#: (endpoint, role, method) → outcome, where one route has a stricter rule than its area.
EXCEPTIONS: dict[tuple[str, str | None, str], str] = {
    # The ward-wide coverage grid is for organisers and the office, not one unit.
    ("activities.coverage", "unit_reporter", "GET"): FORBID,
    # Viewers read the log; the forms to record or change an activity are not for them.
    ("activities.new", "viewer", "GET"): FORBID,
    ("activities.edit", "viewer", "GET"): FORBID,
    # The winners' workbook carries full phone numbers and citizen IDs.
    ("admin.results_winners_xlsx", "viewer", "GET"): FORBID,
    # So does the prize-handover list (full phone numbers).
    ("admin.results_handover", "viewer", "GET"): FORBID,
    # The participant list (names, phones, CCCD) is for the organisers, not the office's readers.
    ("reports.export_participants_xlsx", "viewer", "GET"): FORBID,
    # The world has a round open: the bank's answer key stays with the organisers.
    ("admin.questions_export", "viewer", "GET"): FORBID,
}

#: URL parameter → the world's value for it; per-endpoint entries win.
PARAM_VALUES = {
    "contest_id": "contest_id", "round_id": "round_id", "question_id": "question_id",
    "unit_id": "unit_id", "entry_point_id": "entry_point_id", "user_id": "target_user_id",
    "participant_id": "participant_id", "activity_id": "activity_id",
    "attempt_id": "attempt_id", "publication_id": "publication_id",
    "code": "entry_code", "public_id": "participant_public_id", "hold_id": "hold_id",
}
ENDPOINT_PARAM_VALUES = {
    "reports.export_csv": {"slug": "tong-hop"},
    "admin.document_settings_save": {"kind": "ward_report"},
    "admin.results_public_list": {"extension": "docx"},
    "admin.results_handover": {"extension": "docx"},
    "admin.results_decision": {"extension": "pdf"},
}


def area_of(endpoint: str) -> str:
    if endpoint.startswith("admin.users."):
        return "admin.users"
    if endpoint == "admin.audit_log" or endpoint.startswith("admin.audit_log."):
        return "admin.audit_log"
    return endpoint.split(".", 1)[0]


def expected(endpoint: str, role: str | None, method: str) -> str:
    if (endpoint, role, method) in EXCEPTIONS:
        return EXCEPTIONS[endpoint, role, method]
    on_read, on_write = MATRIX[area_of(endpoint)][role]
    return on_read if method in READ_METHODS else on_write


def _collect_routes() -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every protected route, read from a throwaway app."""
    instance = tempfile.mkdtemp(prefix="perm-routes-")
    app = create_app(make_test_config("sqlite://", instance))
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".", 1)[0] not in PROTECTED_BLUEPRINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, rule.rule, method))
    return sorted(found)


ROUTES = _collect_routes()


def test_the_matrix_sees_the_routes_of_every_area():
    areas = {area_of(endpoint) for endpoint, _rule, _method in ROUTES}
    assert areas == set(MATRIX), "a protected area has no expectation row (or no routes)"
    assert ("admin.units", "/admin/units/", "GET") in ROUTES
    assert any(method == "POST" for _e, _r, method in ROUTES)


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"ACTIVITY_UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def world(app, tmp_path) -> dict:
    """One row of each kind the routes point at, with ids for URL parameters."""
    with app.app_context():
        contest = factories.make_contest()
        now = datetime.now(UTC)
        round_ = factories.make_round(contest, opens_at=now - timedelta(days=1),
                                      closes_at=now + timedelta(days=6))
        question = factories.make_question("a")
        unit = factories.make_unit()
        entry = factories.make_entry_point(contest)
        participant = factories.make_participant(contest, unit_id=unit.id,
                                                 entry_point_id=entry.id)
        attempt = Attempt(participant_id=participant.id, round_id=round_.id, number=1,
                          deadline=now + timedelta(minutes=15))
        db.session.add(attempt)
        db.session.flush()
        # A real snapshot, so the print and download routes of a published round work.
        snapshot = publication_service.build_snapshot(prizes.round_results(round_))
        publication = ResultPublication(contest_id=contest.id, round_id=round_.id,
                                        snapshot=snapshot)
        db.session.add(publication)
        form = db.session.scalars(sa.select(ActivityForm)).first()
        activity = Activity(unit_id=unit.id, form_id=form.id, date_start=date.today(),
                            title="Tuyên truyền CCHC tại tổ dân phố",
                            attachment_name="bien-ban.pdf", attachment_type="application/pdf")
        pdf = b"%PDF-1.4\n%%EOF\n"
        activity.attachment_file = ActivityAttachment(data=pdf, size=len(pdf))
        db.session.add(activity)
        hold = PhoneHold(contest_id=contest.id, phone="+84912000111", held_at=factories.now())
        db.session.add(hold)
        db.session.commit()
        target = factories.make_user("viewer", username="nguoi-duoc-sua")
        return {
            "contest_id": contest.id, "round_id": round_.id, "question_id": question.id,
            "unit_id": unit.id, "entry_point_id": entry.id, "entry_code": entry.code,
            "target_user_id": target.id, "participant_id": participant.id,
            "participant_public_id": participant.public_id, "activity_id": activity.id,
            "attempt_id": attempt.id, "publication_id": publication.id,
            "hold_id": hold.id,
        }


def build_url(app, endpoint: str, rule_text: str, world: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules()
                if r.endpoint == endpoint and r.rule == rule_text)
    values = {}
    for name in rule.arguments:
        per_endpoint = ENDPOINT_PARAM_VALUES.get(endpoint, {})
        if name in per_endpoint:
            values[name] = per_endpoint[name]
        elif name in PARAM_VALUES:
            values[name] = world[PARAM_VALUES[name]]
        else:
            pytest.fail(f"{endpoint}: URL parameter <{name}> has no value; add it to "
                        "PARAM_VALUES or ENDPOINT_PARAM_VALUES in tests/test_permissions.py")
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule_text} with {values}"
    return built[1]


def role_id(role: str | None) -> str:
    return role or "anonymous"


@pytest.mark.parametrize("role", ROLES, ids=role_id)
@pytest.mark.parametrize(("endpoint", "rule", "method"), ROUTES,
                         ids=[f"{m} {r}" for _e, r, m in ROUTES])
def test_permission_matrix(app, client, login_as, world, role, endpoint, rule, method):
    if role is not None:  # the matrix tests the guards, not the sign-in form
        login_as(role, through_form=False,
                 unit_id=world["unit_id"] if role == "unit_reporter" else None)
    url = build_url(app, endpoint, rule, world)
    response = client.open(url, method=method, data={} if method != "GET" else None)
    outcome = expected(endpoint, role, method)
    status = response.status_code
    location = urlsplit(response.headers.get("Location", "")).path
    where = f"{method} {url} as {role_id(role)}"
    if outcome == LOGIN:
        assert status == 302 and location == "/login", f"{where}: {status} → {location}"
    elif outcome == FORBID:
        assert status == 403, f"{where}: expected 403, got {status} → {location}"
        page = response.get_data(as_text=True)
        assert "Không có quyền truy cập" in page, f"{where}: 403 without the Vietnamese page"
    else:
        assert status < 500, f"{where}: server error {status}"
        assert status != 403, f"{where}: refused, but this role may use it"
        assert not (status == 302 and location == "/login"), f"{where}: sent to sign in"
        if method == "GET":
            assert status < 400, f"{where}: {status}"
