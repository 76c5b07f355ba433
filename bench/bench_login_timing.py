"""Benchmark: does a wrong sign-in take as long for an unknown username as for a known one?

(``make bench-login``.) On a scratch SQLite database, with Flask's test client, it times
BENCH_REQUESTS (default 40) wrong sign-ins for an existing username and as many for one
that does not exist, alternating, each from its own address so no limit is reached, and
prints the medians. The aim (issue #18): the medians differ by less than 20 %.
Last line: ``login_median_known_ms=<a> login_median_unknown_ms=<b> ratio=<b/a>``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contest import create_app  # noqa: E402
from contest.extensions import db  # noqa: E402
from contest.models import User  # noqa: E402


def main() -> None:
    requests = int(os.environ.get("BENCH_REQUESTS", "40"))
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "SECRET_KEY": "bench-login-timing", "INSTANCE_PATH": folder,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
        })
        with app.app_context():
            db.create_all()
            user = User(username="co-that", full_name="Có thật", role="organiser")
            user.set_password("mot-mat-khau-that-dai")
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        times: dict[str, list[float]] = {"co-that": [], "khong-co-that": []}
        for n in range(requests):
            for username, spent in times.items():
                started = time.perf_counter()
                response = client.post(
                    "/login", data={"username": username, "password": "sai-mat-khau-roi"},
                    environ_base={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.1"})
                spent.append(time.perf_counter() - started)
                assert response.status_code == 422, response.status_code
    known = statistics.median(times["co-that"]) * 1000
    unknown = statistics.median(times["khong-co-that"]) * 1000
    print(f"known username:   median {known:.1f} ms over {requests} wrong sign-ins")
    print(f"unknown username: median {unknown:.1f} ms over {requests} wrong sign-ins")
    print(f"login_median_known_ms={known:.1f} login_median_unknown_ms={unknown:.1f} "
          f"ratio={unknown / known:.3f}")


if __name__ == "__main__":
    main()
