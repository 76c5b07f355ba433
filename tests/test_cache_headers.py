"""Nothing personal is kept by a browser or a shared cache (ASVS 8.2.1): every response
behind sign-in and every resident page or file with personal data is ``no-store``; and
HSTS comes from the app itself in production over HTTPS."""

from __future__ import annotations

import pytest

from contest import create_app
from tests.helpers import (
    make_test_config,
    open_round_setup,
    publish,
    register,
    results_world,
    start,
)


@pytest.fixture
def world(app):
    return results_world(app)


def test_every_back_office_page_and_file_is_no_store(app, client, login_as, world):
    login_as("admin")
    round_id, contest_id = world["round_id"], world["contest_id"]
    assert publish(client, round_id).status_code == 302
    urls = [
        "/admin/", f"/admin/results/rounds/{round_id}",
        f"/admin/results/contests/{contest_id}/duplicates", "/admin/users/",
        "/admin/audit_log/", f"/admin/results/rounds/{round_id}/winners.xlsx",
        f"/admin/results/rounds/{round_id}/certificates.pdf",
        f"/admin/results/rounds/{round_id}/results.pdf", "/reports/", "/account/password",
        "/admin/no-such-page",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response.headers.get("Cache-Control") == "no-store", url


def test_the_residents_own_pages_and_the_published_results_are_no_store(
        app, client, login_as, world):
    officer = app.test_client()
    with app.app_context():
        from tests import factories

        factories.make_user("organiser", username="congbo")
    officer.post("/login", data={"username": "congbo", "password": factories.PASSWORD})
    assert publish(officer, world["round_id"]).status_code == 302
    slug, round_id, *_ = open_round_setup(app, slug="cuoc-thi-dang-mo")
    assert register(app, client, slug).status_code == 302
    attempt_id = start(client, slug, round_id)
    assert client.post(f"/a/{attempt_id}/submit", data={"confirm": "yes"}).status_code == 302
    urls = [
        f"/a/{attempt_id}", f"/a/{attempt_id}/result", f"/c/{slug}/me",
        f"/c/{world['slug']}/rounds/{world['round_id']}/results",
        f"/c/{world['slug']}/rounds/{world['round_id']}/results.pdf",
        f"/c/{slug}/register", "/login",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert response.headers.get("Cache-Control") == "no-store", url
    # A page with nothing personal may be cached as usual.
    assert "no-store" not in client.get(f"/c/{slug}").headers.get("Cache-Control", "")


SECRET = "a-production-secret-key-of-forty-characters"  # noqa: S105


def _app(tmp_path, **config):
    return create_app(make_test_config(f"sqlite:///{tmp_path}/h.sqlite3", str(tmp_path),
                                       SECRET_KEY=SECRET, **config))


def test_hsts_in_production_over_https_only(tmp_path):
    production = _app(tmp_path, ENV_NAME="production").test_client()
    over_https = production.get("/healthz", base_url="https://thi.example")
    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in production.get("/healthz").headers
    development = _app(tmp_path).test_client()
    assert "Strict-Transport-Security" not in development.get(
        "/healthz", base_url="https://thi.example").headers


@pytest.mark.parametrize(("config", "expected"), [
    ({"HSTS_MAX_AGE": 300}, "max-age=300"),
    ({"HSTS_MAX_AGE": 300, "HSTS_INCLUDE_SUBDOMAINS": True}, "max-age=300; includeSubDomains"),
    ({"HSTS_MAX_AGE": 0}, None),
])
def test_hsts_max_age_is_configurable(tmp_path, config, expected):
    client = _app(tmp_path, ENV_NAME="production", **config).test_client()
    response = client.get("/healthz", base_url="https://thi.example")
    assert response.headers.get("Strict-Transport-Security") == expected


def test_hsts_behind_nginx_follows_x_forwarded_proto(tmp_path):
    client = _app(tmp_path, ENV_NAME="production", PROXY_FIX_X_PROTO=1).test_client()
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
