"""With Redis down, the limits are counted in the database that every worker shares:
a limit of 10 stays 10 across workers, and the log says why (once a minute at most)."""

from __future__ import annotations

import logging
import multiprocessing

import pytest

from contest import create_app, rate_limit_storage
from contest.extensions import db, limiter
from tests import factories
from tests.helpers import make_test_config

#: Nothing listens there: every Redis command fails at once.
DEAD_REDIS = "redis://127.0.0.1:9/0"
ADDRESS = "203.0.113.77"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "REDIS_URL": DEAD_REDIS, "LOGIN_LIMIT": "4 per hour"}


def _worker(database_url: str, instance_path: str, usernames: list[str]):
    """One gunicorn worker's share of the requests, in a process of its own (its own
    memory, as in production): the statuses it answered and what it logged."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    logging.getLogger(rate_limit_storage.__name__).addHandler(Collect())
    app = create_app(make_test_config(database_url, instance_path, RATELIMIT_ENABLED=True,
                                      REDIS_URL=DEAD_REDIS, LOGIN_LIMIT="4 per hour"))
    statuses = [_fail_sign_in(app, username).status_code for username in usernames]
    with app.app_context():
        db.engine.dispose()
    return statuses, messages


def _fail_sign_in(worker, username="ai-do"):
    return worker.test_client().post(
        "/login", data={"username": username, "password": "sai-mat-khau-roi"},
        environ_base={"REMOTE_ADDR": ADDRESS})


@pytest.mark.slow
def test_with_redis_down_a_limit_counts_across_all_workers(app, tmp_path):
    """Three worker processes take failures from one address in turn (limit 4)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")
    statuses, logs = [], []
    for n in range(3):
        with context.Pool(1) as pool:
            answered, messages = pool.apply(
                _worker, (url, str(tmp_path / f"w{n}"), [f"ten-{n}-{k}" for k in range(2)]))
        statuses += answered
        logs.append([m for m in messages if "Redis cannot be reached" in m])
    # 4 failures in all, whichever worker took them; then 429 (it was 4 per worker).
    assert statuses == [422] * 4 + [429] * 2
    # Each worker says why, once, not once per request.
    assert [len(worker_logs) for worker_logs in logs] == [1, 1, 1]
    assert "ConnectionError" in logs[0][0]


def test_the_redis_error_is_logged_at_most_once_a_minute(app, monkeypatch, caplog):
    caplog.set_level(logging.ERROR, logger=rate_limit_storage.__name__)
    clock = {"now": 1000.0}
    monkeypatch.setattr(rate_limit_storage.time, "monotonic", lambda: clock["now"])

    def logged() -> int:
        return sum("Redis cannot be reached" in r.getMessage() for r in caplog.records)

    storage = limiter.storage
    with app.app_context():
        for _ in range(5):
            storage.incr("k", 60)
            clock["now"] += 6  # past the retry delay: Redis is tried (and fails) each time
        assert logged() == 1
        clock["now"] += 60
        storage.incr("k", 60)
        assert logged() == 2
        assert storage.get("k") == 6


def test_the_database_counters_keep_a_fixed_window(app):
    counters = rate_limit_storage.DatabaseCounters()
    with app.app_context():
        assert counters.get("w") == 0
        assert [counters.incr("w", 60) for _ in range(3)] == [1, 2, 3]
        assert counters.incr("w", 60, amount=2) == 5
        assert counters.get("w") == 5 and counters.get_expiry("w") > 0
        assert counters.incr("gone", -1) == 1  # already expired
        assert counters.get("gone") == 0
        assert counters.incr("gone", 60) == 1  # a new window starts from scratch
        long_key = "x" * 400
        assert counters.incr(long_key, 60) == 1 and counters.get(long_key) == 1
        counters.clear("w")
        assert counters.get("w") == 0
        assert counters.check()


def test_sign_in_still_works_with_redis_down(app, client):
    with app.app_context():
        factories.make_user("organiser", username="van-vao-duoc")
    response = client.post("/login", data={"username": "van-vao-duoc",
                                           "password": factories.PASSWORD})
    assert response.status_code == 302
