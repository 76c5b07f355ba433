"""Rate limits: sign-in failures per (username, address) and per address (and slowing
per username), registration per address,
answer saving per attempt — on in-memory storage and on Redis (what production uses)."""

from __future__ import annotations

import os
import uuid

import pytest

from contest.extensions import limiter
from tests import factories
from tests.helpers import IN_CI

REDIS_URL_ENV = "TEST_REDIS_URL"
# Keys of this run only, so parallel runs on one Redis do not count each other's hits.
RUN_PREFIX = f"test-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    if request.param == "memory":
        return "memory://"
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        reason = f"Redis limit tests need {REDIS_URL_ENV}=redis://127.0.0.1:6379/15"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {error}", pytrace=False)
        pytest.skip(f"Redis unreachable at {url}: {error}")
    return url


@pytest.fixture
def app_config(storage):
    return {
        "RATELIMIT_ENABLED": True,
        "REDIS_URL": None if storage == "memory://" else storage,
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": RUN_PREFIX,
        "LOGIN_LIMIT": "3 per 15 minutes",
    }


@pytest.fixture(autouse=True)
def _fresh_counters(app):
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        limiter.reset()


def _login(client, username, password="sai-mat-khau", addr="203.0.113.1"):  # noqa: S107
    return client.post(
        "/login", data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_storage_is_the_configured_one(app, storage):
    from contest.rate_limit_storage import RedisWithDatabaseFallback

    if storage == "memory://":
        assert type(limiter.storage).__name__ == "MemoryStorage"
    else:  # Redis, with the database behind it
        assert app.config["RATELIMIT_STORAGE_URI"] == "failover+" + storage
        assert isinstance(limiter.storage, RedisWithDatabaseFallback)
        assert limiter.storage.redis.check()


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    """The sign-in slow-downs, recorded instead of waited out."""
    from contest.auth import throttle

    recorded: list[float] = []
    monkeypatch.setattr(throttle, "pause", recorded.append)
    return recorded


def test_failures_for_one_username_and_address_are_limited(app, client):
    with app.app_context():
        factories.make_user(role="organiser", username="mot-noi")
    for _ in range(3):
        assert _login(client, "mot-noi", addr="198.51.100.1").status_code == 422
    blocked = _login(client, "mot-noi", password=factories.PASSWORD, addr="198.51.100.1")
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Quá nhiều yêu cầu" in page and '<html lang="vi">' in page


def test_failures_from_one_address_cannot_stop_the_owner_from_another(app, client, pauses):
    """The default limit: ten failures by an attacker, then the owner at home signs in."""
    from contest.config import DefaultConfig

    app.config["LOGIN_LIMIT"] = DefaultConfig.LOGIN_LIMIT
    with app.app_context():
        factories.make_user(role="admin", username="chu-tai-khoan")
    statuses = [_login(client, "chu-tai-khoan", addr="203.0.113.66").status_code
                for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    owner = app.test_client()
    ok = _login(owner, "chu-tai-khoan", password=factories.PASSWORD, addr="198.51.100.20")
    assert ok.status_code == 302
    assert owner.get("/admin/").status_code == 200


def test_failures_from_many_addresses_slow_the_username_down_but_never_lock_it(
        app, pauses):
    app.config.update(LOGIN_SLOW_AFTER=3, LOGIN_SLOW_SECONDS=0.5, LOGIN_SLOW_MAX_SECONDS=2)
    with app.app_context():
        factories.make_user(role="organiser", username="bi-do")
    for n in range(6):
        assert _login(app.test_client(), "bi-do", addr=f"198.51.100.{n}").status_code == 422
    # No pause for the first three; then 0.5 s doubling per failure, capped at 2 s.
    assert pauses == [0.5, 1.0, 2.0]
    # The right password from a fresh address passes, after the same pause as a guess.
    ok = _login(app.test_client(), "bi-do", password=factories.PASSWORD, addr="198.51.100.200")
    assert ok.status_code == 302
    assert pauses[-1] == 2.0
    # A username nobody has is slowed the same way: the pause tells nothing.
    for n in range(4):
        _login(app.test_client(), "khong-co-ai", addr=f"198.51.100.{50 + n}")
    assert pauses[-1] == 0.5
    # Another account is not slowed.
    with app.app_context():
        factories.make_user(role="organiser", username="nguoi-khac")
    before = len(pauses)
    ok = _login(app.test_client(), "nguoi-khac", password=factories.PASSWORD,
                addr="198.51.100.201")
    assert ok.status_code == 302 and len(pauses) == before


def test_failures_from_one_address_are_limited_across_usernames(app, client):
    for n in range(3):
        assert _login(client, f"doan-ten-{n}", addr="203.0.113.9").status_code == 422
    assert _login(client, "doan-ten-moi", addr="203.0.113.9").status_code == 429
    # A colleague at another address signs in normally.
    with app.app_context():
        factories.make_user(role="organiser", username="dong-nghiep")
    ok = _login(client, "dong-nghiep", password=factories.PASSWORD, addr="203.0.113.10")
    assert ok.status_code == 302


def test_successful_sign_ins_do_not_count(app):
    with app.app_context():
        factories.make_user(role="organiser", username="dung-mat-khau")
    for _ in range(6):
        fresh = app.test_client()
        assert _login(fresh, "dung-mat-khau", password=factories.PASSWORD).status_code == 302
    # Still two failures allowed, then the limit.
    client = app.test_client()
    assert _login(client, "dung-mat-khau").status_code == 422
    assert _login(client, "dung-mat-khau").status_code == 422
    assert _login(client, "dung-mat-khau").status_code == 422
    assert _login(client, "dung-mat-khau").status_code == 429


def test_showing_the_sign_in_page_is_never_limited(client):
    for _ in range(6):
        _login(client, "ai-do")
    assert client.get("/login").status_code == 200


def test_json_clients_get_a_json_429(client):
    for _ in range(3):
        _login(client, "json-user")
    response = client.post(
        "/login", data={"username": "json-user", "password": "x"},
        headers={"Accept": "application/json"}, environ_base={"REMOTE_ADDR": "203.0.113.1"},
    )
    assert response.status_code == 429
    assert response.get_json()["ok"] is False


def test_default_login_limit_is_ten_in_fifteen_minutes(app, client):
    from contest.config import DefaultConfig

    assert DefaultConfig.LOGIN_LIMIT == "10 per 15 minutes"
    app.config["LOGIN_LIMIT"] = DefaultConfig.LOGIN_LIMIT  # read per request: configurable live
    statuses = [_login(client, "mac-dinh").status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]


# --------------------------------------------------------------------------- residents

HALL = "198.51.100.7"  # one ward hall: many residents behind one address


def _register_from(app, client, slug: str, addr: str):
    from tests.helpers import register

    client.environ_base["REMOTE_ADDR"] = addr
    return register(app, client, slug)


def test_registration_is_limited_per_address(app):
    from tests.helpers import open_round_setup

    app.config["REGISTER_LIMIT"] = "3 per hour"
    slug, *_ = open_round_setup(app)
    statuses = [_register_from(app, app.test_client(), slug, HALL).status_code
                for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    refused = _register_from(app, app.test_client(), slug, HALL)
    assert "Quá nhiều yêu cầu" in refused.get_data(as_text=True)
    # Another address is not affected.
    assert _register_from(app, app.test_client(), slug, "198.51.100.8").status_code == 302


def test_answer_saving_is_limited_per_attempt_not_per_address(app):
    from tests.helpers import open_round_setup, start

    app.config["ANSWER_SAVE_LIMIT"] = "5 per minute"
    slug, round_id, *_ = open_round_setup(app)
    residents = []
    for _ in range(2):
        client = app.test_client()
        assert _register_from(app, client, slug, HALL).status_code == 302
        residents.append((client, start(client, slug, round_id)))

    def save(client, public_id, choice=0):
        return client.post(f"/a/{public_id}/answer", json={"position": 1, "choice": choice})

    first, second = residents
    assert [save(*first).status_code for _ in range(5)] == [200] * 5
    assert save(*first).status_code == 429
    # The neighbour in the same hall, same address, saves freely: the key is the attempt.
    assert [save(*second).status_code for _ in range(5)] == [200] * 5
