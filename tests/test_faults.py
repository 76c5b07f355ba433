"""Faults survived while residents save answers: many at once on SQLite, database
connections killed on PostgreSQL, a gunicorn worker killed. Every acknowledged
answer must be in the database afterwards, and the app must recover by itself."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt, AttemptItem
from tests import factories
from tests.helpers import open_round_setup, register, start
from tests.servers import HttpClient, free_port, worker_pids

#: Real servers and injected faults: minutes, not seconds.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = 3  # open_round_setup's quota: {"a": 2, "b": 1}


def stored_answers(app, public_ids) -> dict[tuple[str, int], int | None]:
    """(attempt public id, position) → the choice as shown (what the resident clicked)."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Attempt.public_id, AttemptItem.position, AttemptItem.option_order,
                      AttemptItem.chosen_option)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.public_id.in_(public_ids))
        ).all()
        db.session.remove()
    return {(pid, pos): (order.index(chosen) if chosen is not None else None)
            for pid, pos, order, chosen in rows}


def residents(app, count: int):
    """``count`` registered residents, each with an attempt in progress (test clients)."""
    slug, round_id, _, _ = open_round_setup(app)
    people = []
    for _ in range(count):
        client = app.test_client()
        assert register(app, client, slug).status_code == 302
        people.append((client, start(client, slug, round_id)))
    return people


# --------------------------------------------------------------------------- concurrency


def play_all(people, play, *, alongside=None, stop: threading.Event | None = None) -> None:
    """Each (resident, public id) plays in a thread of its own, all at once; a fault
    injector runs ``alongside`` (target, args) until they finish, then ``stop`` ends it.
    A player that dies of an exception fails the test: its last answers would otherwise
    go unchecked."""
    crashed: list[BaseException] = []

    def guarded(*args):
        try:
            play(*args)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            crashed.append(error)

    injector = threading.Thread(target=alongside[0], args=alongside[1]) if alongside else None
    if injector:
        injector.start()
    threads = [threading.Thread(target=guarded, args=(resident, public_id, seed))
               for seed, (resident, public_id) in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    if injector:
        stop.set()
        injector.join(timeout=30)
    if crashed:
        raise crashed[0]


def test_fifty_residents_saving_at_once_lose_nothing(app):
    """50 residents saving concurrently: no "database is locked", nothing lost (SQLite:
    WAL, busy timeout and one short transaction per save; PostgreSQL: row locks)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    people = residents(app, 50)
    acked: dict[tuple[str, int], int] = {}
    failures: list[str] = []
    barrier = threading.Barrier(len(people))

    def play(client, public_id, seed):
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(3):
            for position in range(1, QUESTIONS + 1):
                choice = rng.randrange(4)
                response = client.post(f"/a/{public_id}/answer",
                                       json={"position": position, "choice": choice})
                if response.status_code == 200 and response.get_json()["ok"]:
                    acked[(public_id, position)] = choice
                else:
                    failures.append(f"{response.status_code} {response.get_data(as_text=True)}")

    play_all(people, play)
    assert not failures, failures[:5]
    assert len(acked) == 50 * QUESTIONS
    stored = stored_answers(app, [p for _, p in people])
    assert {key: stored[key] for key in acked} == acked


# --------------------------------------------------------------------------- PostgreSQL


def _kill_backends(url: str, stop: threading.Event, kills: list[int]) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        while not stop.is_set():
            killed = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalar()
            kills.append(killed or 0)
            time.sleep(0.05)
    engine.dispose()


@pytest.mark.postgres_only
def test_connections_killed_while_saving(app):
    """pg_terminate_backend on every connection, over and over, while residents save.
    Saves caught mid-flight fail with a 503 (never acknowledged, never a 500); the
    autosave retries; pool pre-ping replaces dead connections; nothing acknowledged
    is lost, and once the killing stops every save succeeds again."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    people = residents(app, 8)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    acked: dict[tuple[str, int], int] = {}
    statuses: list[int] = []
    stop, kills = threading.Event(), []

    def play(client, public_id, seed):
        rng = random.Random(seed)
        for _ in range(6):
            for position in range(1, QUESTIONS + 1):
                choice = rng.randrange(4)
                for _attempt in range(30):  # the page's autosave retries the same payload
                    response = client.post(f"/a/{public_id}/answer",
                                           json={"position": position, "choice": choice})
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        acked[(public_id, position)] = choice
                        break
                    time.sleep(0.02)

    play_all(people, play, alongside=(_kill_backends, (url, stop, kills)), stop=stop)
    # pg_terminate_backend only signals: let the last round of terminations land.
    time.sleep(1)

    assert sum(kills) > 0, "the killer did terminate connections"
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert len(acked) == len(people) * QUESTIONS
    # Recovered on its own: with nobody killing, every save succeeds first time.
    for client, public_id in people:
        response = client.post(f"/a/{public_id}/answer", json={"position": 1, "choice": 2})
        assert response.status_code == 200
        acked[(public_id, 1)] = 2
    stored = stored_answers(app, [p for _, p in people])
    assert {key: stored[key] for key in acked} == acked


# --------------------------------------------------------------------------- gunicorn


@pytest.mark.postgres_only
def test_gunicorn_worker_killed_while_saving(app, tmp_path):
    with app.app_context():
        factories.make_bank(per_area=3, codes="ab")
        contest = factories.make_contest()
        round_ = factories.make_round(contest, quota={"a": 2, "b": 1})
        unit_id = factories.make_unit().id
        category_id = contest.categories[0].id
        slug, round_id = contest.slug, round_.id
        db.session.remove()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CONTEST_SECRET_KEY": "f" * 64,
        "CONTEST_WTF_CSRF_ENABLED": "false",  # this test is about faults, not forms
        "CONTEST_RATELIMIT_ENABLED": "false",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESSLOG": "/dev/null",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(REPO / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while HttpClient(base).request("/healthz")[0] != 200:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)

        people = []
        for n in range(6):
            resident = HttpClient(base)
            status, _, _ = resident.request(f"/c/{slug}/register", form={
                "full_name": f"Người thử {n}", "phone": f"0912{n:06d}", "consent": "y",
                "unit": str(unit_id), "category": str(category_id)})
            assert status == 200  # followed the redirect to the contest page
            status, _, url = resident.request(f"/c/{slug}/rounds/{round_id}/start", form={})
            assert status == 200 and "/a/" in url, url
            people.append((resident, urllib.parse.urlsplit(url).path.split("/")[2]))

        acked: dict[tuple[str, int], int] = {}
        statuses: list[int] = []
        stop = threading.Event()

        def play(resident, public_id, seed):
            rng = random.Random(seed)
            for _ in range(8):
                for position in range(1, QUESTIONS + 1):
                    choice = rng.randrange(4)
                    for _attempt in range(100):
                        status, body, _ = resident.request(
                            f"/a/{public_id}/answer",
                            payload={"position": position, "choice": choice})
                        statuses.append(status)
                        if status == 200 and json.loads(body)["ok"]:
                            acked[(public_id, position)] = choice
                            break
                        time.sleep(0.05)

        def killer():
            while not stop.is_set():
                time.sleep(0.4)
                workers = worker_pids(server.pid)
                if workers:
                    os.kill(random.choice(workers), signal.SIGKILL)
                    kills.append(1)

        kills: list[int] = []
        play_all(people, play, alongside=(killer, ()), stop=stop)

        assert kills, "workers were killed"
        assert 500 not in statuses
        assert len(acked) == len(people) * QUESTIONS
        # The master replaced the killed workers: the site answers again.
        deadline = time.monotonic() + 30
        while HttpClient(base).request("/healthz")[0] != 200:
            assert time.monotonic() < deadline, "gunicorn did not recover"
            time.sleep(0.3)
        stored = stored_answers(app, [p for _, p in people])
        assert {key: stored[key] for key in acked} == acked
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
