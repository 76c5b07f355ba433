"""Security: headers on every kind of response, cookie flags, CSRF on every POST,
safe ``next`` redirects, hostile text escaped on every page that shows it back,
and another participant's attempt answered as not found."""

from __future__ import annotations

import re
import uuid
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.extensions import db
from contest.helpers.pdf import undrawable_characters
from contest.models import Activity, ActivityForm, Attempt, Participant
from contest.security import CONTENT_SECURITY_POLICY
from tests import factories
from tests.helpers import open_round_setup, register, start

# --------------------------------------------------------------------------- headers


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "http:" not in csp and "https:" not in csp and "*" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer",
                                                       "strict-origin-when-cross-origin")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
OTHER_HOST = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def assert_csp_clean_html(response) -> None:
    """What the CSP would block must not be in the page at all (it would silently break)."""
    page = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page).group(0)
    assert not EVENT_HANDLER.search(page), EVENT_HANDLER.search(page).group(0)
    assert not STYLE_ATTRIBUTE.search(page), STYLE_ATTRIBUTE.search(page).group(0)
    assert not OTHER_HOST.search(page), OTHER_HOST.search(page).group(0)


def test_security_headers_on_every_kind_of_response(app, client, login_as):
    slug, round_id, code, _ = open_round_setup(app)
    responses = {
        "home": client.get("/"),
        "qr redirect": client.get(f"/q/{code}"),
        "contest page": client.get(f"/c/{slug}"),
        "registration form": client.get(f"/c/{slug}/register"),
        "login": client.get("/login"),
        "not found": client.get("/khong-co-trang-nay"),
        "json health": client.get("/healthz"),
        "static file": client.get("/static/css/app.css"),
        "json error": client.get("/khong-co", headers={"Accept": "application/json"}),
    }
    assert register(app, client, slug).status_code == 302
    public_id = start(client, slug, round_id)
    responses["attempt page"] = client.get(f"/a/{public_id}")
    responses["answer json"] = client.post(f"/a/{public_id}/answer",
                                           json={"position": 1, "choice": 0})
    admin = app.test_client()
    login_as("admin", client=admin)
    responses["back office"] = admin.get("/admin/")
    responses["activities"] = admin.get("/activities/")
    responses["reports"] = admin.get("/reports/")
    for name, response in responses.items():
        assert response.status_code < 500, name
        assert_security_headers(response)
        if response.mimetype == "text/html":
            assert_csp_clean_html(response)


def test_session_cookie_is_httponly_and_lax(app, client):
    with app.app_context():
        factories.make_user(role="organiser", username="cookie-user")
    response = client.post("/login", data={"username": "cookie-user",
                                           "password": factories.PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain-HTTP trial: not configured for HTTPS


def test_cookies_are_secure_when_configured_for_https(app):
    app.config["SESSION_COOKIE_SECURE"] = True  # read per response, as CONTEST_... sets it
    client = app.test_client()
    slug, _, _, _ = open_round_setup(app)
    response = register(app, client, slug)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies, "registration sets the participant and session cookies"
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert app.config["PARTICIPANT_COOKIE_NAME"] in names


# --------------------------------------------------------------------------- CSRF


def _placeholder_url(app, rule) -> str:
    from werkzeug.routing.converters import NumberConverter

    values = {}
    for name in rule.arguments:
        numeric = isinstance(rule._converters[name], NumberConverter)
        values[name] = 1 if numeric else "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_post_without_a_csrf_token_is_refused(app, login_as):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production (tests turn it off by default)
    post_rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert len(post_rules) >= 5
    anonymous = app.test_client()
    admin = app.test_client()
    login_as("admin", client=admin)
    for rule in post_rules:
        url = _placeholder_url(app, rule)
        for who, client in (("anonymous", anonymous), ("admin", admin)):
            for kind, kwargs in (("form", {"data": {"x": "1"}}),
                                 ("json", {"json": {"position": 1, "choice": 0}})):
                response = client.post(url, **kwargs)
                assert response.status_code == 400, (rule.endpoint, who, kind,
                                                     response.status_code)
                body = (response.get_json()["error"] if response.is_json
                        else response.get_data(as_text=True))
                assert "tải lại trang" in body, (rule.endpoint, who, kind)


def test_a_post_with_the_token_passes_csrf(app, client):
    """The refusal above is the CSRF check, not a broken route: with the token it passes."""
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert token, "the login form carries a CSRF token"
    response = client.post("/login", data={"csrf_token": token.group(1), "username": "x",
                                           "password": "y"})
    assert response.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- next


HOSTILE_NEXTS = [
    "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "https:evil.example", "javascript:alert(1)",
    " //evil.example", "\t//evil.example", "/%2F%2Fevil.example", "//evil.example/%2F..",
    "data:text/html,<script>alert(1)</script>", "evil.example", "?next=//evil.example",
]


def _login_with_next(app, next_value: str) -> str:
    client = app.test_client()
    with app.app_context():
        username = factories.make_user(role="organiser").username
    response = client.post("/login", query_string={"next": next_value},
                           data={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def _is_on_site(location: str) -> bool:
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return parts.netloc == "localhost" and parts.scheme in ("http", "https")
    return location.startswith("/") and not location.startswith("//") and "\\" not in location


@pytest.mark.parametrize("next_value", HOSTILE_NEXTS)
def test_next_cannot_redirect_off_site(app, next_value):
    location = _login_with_next(app, next_value)
    assert _is_on_site(location), location


def test_next_on_site_is_followed(app):
    assert _login_with_next(app, "/admin/questions/?page=2") == "/admin/questions/?page=2"


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(next_value=st.text(alphabet=st.sampled_from(list("/\\:.@ %2Fevilhtps\t?#")), max_size=20))
def test_no_generated_next_leaves_the_site(app, next_value):
    assert _is_on_site(_login_with_next(app, next_value))


# --------------------------------------------------------------------------- another's attempt


def test_another_participants_attempt_is_not_found(app):
    slug, round_id, _, _ = open_round_setup(app)
    owner, stranger = app.test_client(), app.test_client()
    assert register(app, owner, slug).status_code == 302
    assert register(app, stranger, slug).status_code == 302
    public_id = start(owner, slug, round_id)
    assert owner.get(f"/a/{public_id}").status_code == 200
    refusals = [
        stranger.get(f"/a/{public_id}"),
        stranger.get(f"/a/{public_id}/result"),
        stranger.post(f"/a/{public_id}/answer", json={"position": 1, "choice": 0}),
        stranger.post(f"/a/{public_id}/submit", data={"q1": "0"}),
        app.test_client().get(f"/a/{public_id}"),  # no cookie at all
    ]
    assert [r.status_code for r in refusals] == [404] * len(refusals)
    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.public_id == public_id))
        assert attempt.status == "in_progress"
        assert all(item.chosen_option is None for item in attempt.items)
        # Ids in URLs are random, not sequential.
        assert len(public_id) >= 16 and not public_id.isdigit()
        participant_ids = list(db.session.scalars(sa.select(Participant.public_id)))
        assert all(len(p) >= 16 and not p.isdigit() for p in participant_ids)


# --------------------------------------------------------------------------- hostile text

MARK = "xsS"  # a tag name the page can only contain if our text came back unescaped


def hostile(text: str) -> str:
    """Generated text wrapped around markup that must come back as text."""
    return f'<{MARK} id="a">{text}</{MARK}><script>alert(1)</script><img src=x onerror=alert(1)>'


def assert_escaped(page: str, where: str) -> None:
    assert f"<{MARK}" not in page, f"raw markup in {where}"
    assert "<script>alert(1)" not in page, f"raw script in {where}"
    assert "<img src=x" not in page, f"raw img in {where}"
    assert f"&lt;{MARK}" in page, f"the hostile text is not shown back in {where}"


PLAIN_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).map(str.strip).filter(bool)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=PLAIN_TEXT)
def test_hostile_text_is_escaped_on_resident_pages(app, text):
    """Contest title, rules (Markdown, HTML off), unit names, question text, participant name."""
    payload = hostile(text)
    with app.app_context():
        for code in "ab":
            for _ in range(3):
                factories.make_question(code, text=f"{payload} câu {uuid.uuid4().hex}?",
                                        options=[f"{payload} A", "B", "C", "D"])
        contest = factories.make_contest(title=payload, rules=f"## {payload}\n\n{payload}")
        round_ = factories.make_round(contest, quota={"a": 2, "b": 1})
        # Hypothesis may draw the same text twice in one database: names stay unique.
        factories.make_unit(name=f"{payload[:180]} {uuid.uuid4().hex[:8]}")
        slug, round_id = contest.slug, round_.id
    client = app.test_client()
    assert_escaped(client.get("/").get_data(as_text=True), "home")
    assert_escaped(client.get(f"/c/{slug}").get_data(as_text=True), "contest page")
    assert_escaped(client.get(f"/c/{slug}/register").get_data(as_text=True), "registration")
    # Registration refuses characters the PDF fonts cannot draw; the rest stays hostile.
    printable = "".join(ch for ch in payload if ch not in undrawable_characters(payload))
    response = register(app, client, slug, full_name=printable[:120],
                        unit_other=printable[:200])
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert_escaped(client.get(f"/c/{slug}", follow_redirects=True).get_data(as_text=True),
                   "contest page after registering (name)")
    public_id = start(client, slug, round_id)
    assert_escaped(client.get(f"/a/{public_id}").get_data(as_text=True), "question page")


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=PLAIN_TEXT)
def test_hostile_text_is_escaped_in_the_back_office(app, login_as, text):
    payload = hostile(text)
    with app.app_context():
        factories.make_question("a", text=f"{payload} câu {uuid.uuid4().hex}?")
        unit = factories.make_unit(name=f"{payload[:180]} {uuid.uuid4().hex[:8]}")
        factories.make_contest(title=payload)
        form = db.session.scalar(sa.select(ActivityForm).where(ActivityForm.code == "b"))
        activity = Activity(unit_id=unit.id, form_id=form.id, date_start=date.today(),
                            title=payload[:300], description=payload, place=payload[:300],
                            quantity_unit=payload[:60])
        db.session.add(activity)
        db.session.commit()
        activity_url = f"/activities/{activity.id}"
    client = app.test_client()
    login_as("admin", client=client)
    for url in ("/admin/questions/", "/admin/units/", "/admin/contests/", "/activities/",
                activity_url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.get_data(as_text=True), url)
