"""Benchmark: what one answer save costs, layer by layer (``make bench-save-cost``).

``make bench-load`` gives the save's throughput against a one-line app's; this
script says where the difference comes from. In one process, with Flask's test
client (no network, no gunicorn), it measures the CPU time per request of

1. a one-line Flask app answering a JSON POST (bench/hello_app.py's app, with a POST route);
2. the contest app answering the same POST with a view that does nothing, behind
   what every answer save passes through: the signed session, CSRF, the
   per-attempt limit (Redis when it answers), the request log and the headers;
3. the real answer save (one guarded UPDATE on PostgreSQL) for a registered
   resident with a round in progress.

Each figure is the best of BENCH_REPEAT runs of BENCH_REQUESTS requests. The last
line is ``save_cpu_ms=<3> stack_cpu_ms=<2> hello_cpu_ms=<1>``.

Environment: BENCH_REQUESTS (default 3000), BENCH_REPEAT (default 3),
BENCH_DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped),
BENCH_REDIS_URL.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, request
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import CSRF_META_RE, CSRF_RE, ENTRY_CODE, redis_available, run_flask  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
START_RE = re.compile(r'action="(/c/[^"/]+/rounds/\d+/start)"')


def cpu_ms_per_request(send) -> float:
    """Best of REPEAT runs: process CPU time per request, in milliseconds."""
    for _ in range(200):
        send(0)
    best = float("inf")
    for _ in range(REPEAT):
        started = time.process_time()
        for i in range(REQUESTS):
            send(i)
        best = min(best, (time.process_time() - started) / REQUESTS * 1000)
    return best


def resident_with_a_round_in_progress(client, unit_id: int, category_id: int
                                      ) -> tuple[str, str]:
    """Register and start through the real pages; the attempt's path and its CSRF token."""
    contest_url = client.get(f"/q/{ENTRY_CODE}").headers["Location"]
    token = CSRF_RE.search(client.get(f"{contest_url}/register").get_data(as_text=True))[1]
    registered = client.post(f"{contest_url}/register", data={
        "csrf_token": token, "full_name": "Người dân thử", "phone": "0912345678",
        "birth_year": "1970", "unit": str(unit_id), "category": str(category_id), "consent": "y"})
    assert registered.status_code == 302, registered.status_code
    start = START_RE.search(client.get(contest_url).get_data(as_text=True))[1]
    attempt_path = client.post(start, data={"csrf_token": token}).headers["Location"]
    page = client.get(attempt_path).get_data(as_text=True)
    return attempt_path, CSRF_META_RE.search(page)[1]


def measure(db_url: str, redis: str | None) -> tuple[float, float, float]:
    env = {**os.environ, "DATABASE_URL": db_url, "CONTEST_ENV_NAME": "production",
           "CONTEST_SECRET_KEY": secrets.token_hex(32),
           "CONTEST_ANSWER_SAVE_LIMIT": "1000000 per minute",
           "CONTEST_RATELIMIT_KEY_PREFIX": f"benchcost{os.getpid()}"}
    if redis:
        env["CONTEST_REDIS_URL"] = redis
    for args in (("db", "upgrade"), ("seed",), ("bank", "import", "questions/"), ("demo",)):
        run_flask(env, *args)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("CONTEST_", "DATABASE_"))})

    from contest import create_app
    from contest.extensions import db, limiter

    app = create_app()
    # The request log would print 3 × REPEAT × REQUESTS lines: keep the line being
    # formatted and written (it is part of every request's cost), to /dev/null.
    request_log = logging.getLogger("contest.requests")
    quiet = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as the process
    quiet.setFormatter(request_log.handlers[0].formatter)
    request_log.handlers = [quiet]

    @app.post("/bench/no-op/<public_id>")
    @limiter.limit(lambda: current_app.config["ANSWER_SAVE_LIMIT"],
                   key_func=lambda: "attempt:" + (request.view_args or {})["public_id"])
    def no_op(public_id: str):
        return jsonify({"ok": True})

    with app.app_context():
        unit_id = db.session.scalar(sa.text("SELECT id FROM unit WHERE active ORDER BY id"))
        category_id = db.session.scalar(sa.text("SELECT category_id FROM contest_category"))
    client = app.test_client()
    attempt_path, token = resident_with_a_round_in_progress(client, unit_id, category_id)
    public_id = attempt_path.rstrip("/").rsplit("/", 1)[-1]
    headers = {"X-CSRFToken": token}

    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello", methods=["POST"])
    hello_client = hello.test_client()

    def send_hello(i: int) -> None:
        hello_client.post("/", json={"position": i % 20 + 1, "choice": i % 4})

    def send_no_op(i: int) -> None:
        response = client.post(f"/bench/no-op/{public_id}", headers=headers,
                               json={"position": i % 20 + 1, "choice": i % 4})
        assert response.status_code == 200, response.status_code

    def send_save(i: int) -> None:
        response = client.post(f"{attempt_path}/answer", headers=headers,
                               json={"position": i % 20 + 1, "choice": i % 4})
        assert response.status_code == 200, response.get_data()

    figures = (cpu_ms_per_request(send_hello), cpu_ms_per_request(send_no_op),
               cpu_ms_per_request(send_save))
    with app.app_context():
        db.engine.dispose()
    return figures


def main() -> int:
    server = make_url(PG_URL)
    name = f"bench_save_cost_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        redis = REDIS_URL if redis_available(REDIS_URL) else None
        hello, stack, save = measure(
            server.set(database=name).render_as_string(hide_password=False), redis)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"CPU per request, in process, best of {REPEAT} × {REQUESTS} "
          f"(limit storage: {'Redis' if redis else 'memory'}):")
    print(f"  one-line Flask app, JSON POST                  {hello:6.3f} ms   1.0×")
    print(f"  contest app, no-op view behind session, CSRF,  {stack:6.3f} ms "
          f"{stack / hello:5.1f}×\n    per-attempt limit, request log and headers")
    print(f"  contest app, the real answer save              {save:6.3f} ms "
          f"{save / hello:5.1f}×")
    print(f"save_cpu_ms={save:.3f} stack_cpu_ms={stack:.3f} hello_cpu_ms={hello:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
