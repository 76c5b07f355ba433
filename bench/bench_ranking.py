"""Benchmark: ranking a large round on SQLite and PostgreSQL (``make bench-ranking``).

Generates one closed round with BENCH_PARTICIPANTS participants (default
100,000) and BENCH_ATTEMPTS submitted attempts (default 300,000), then times

* the ranking as the app computes it: the counted-attempt query (each
  participant's best attempt: DISTINCT ON on PostgreSQL, first appearance in
  the sorted top-score attempts on SQLite) plus the pure ``rank()`` over the rows;
* a plain ``SELECT ... ORDER BY`` of the same counted rows, stored in a table
  of their own in the same database (the floor any ranking must pay).

Each is the best of BENCH_REPEAT runs (default 5), the two interleaved so that a
busy machine slows both alike, each from a collected heap and each paying for
collecting what it leaves (see best_of_interleaved). The last line is
``ranking_ratio_to_plain_sort=<the larger ratio of the two databases>``.

Environment: BENCH_PARTICIPANTS, BENCH_ATTEMPTS, BENCH_REPEAT, BENCH_PG_URL (a
PostgreSQL server URL; a scratch database is created on it and dropped at the
end; default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), BENCH_SKIP_PG=1.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contest import create_app  # noqa: E402
from contest.extensions import db  # noqa: E402
from contest.models import Attempt, Contest, Participant, Round  # noqa: E402
from contest.models.base import UTCDateTime  # noqa: E402
from contest.services.results import ranking  # noqa: E402

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "100000"))
ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "300000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CHUNK = 20_000

plain_table = sa.Table(
    "bench_counted", sa.MetaData(),
    sa.Column("participant_id", sa.Integer, primary_key=True),
    sa.Column("score", sa.Integer),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("submitted_at", UTCDateTime),
    sa.Column("prediction", sa.BigInteger),
    sa.Column("attempt_id", sa.Integer),
    sa.Column("correct_count", sa.Integer),
    sa.Column("question_count", sa.Integer),
)


def log(message: str) -> None:
    print(message, flush=True)


def generate(round_: Round, contest_id: int) -> None:
    """Bulk insert participants and submitted attempts (Core executemany, in chunks)."""
    rng = random.Random(20260302)
    now = datetime.now(UTC)
    opens = round_.opens_at
    p_rows = [
        {"public_id": f"bench{i:08d}", "contest_id": contest_id, "full_name": f"Thí sinh {i}",
         "phone": f"+849{i:08d}", "consented_at": now, "created_at": now,
         "duplicate_cleared": False}
        for i in range(PARTICIPANTS)
    ]
    for start in range(0, len(p_rows), CHUNK):
        db.session.execute(sa.insert(Participant), p_rows[start:start + CHUNK])
    first_id = db.session.scalar(sa.select(sa.func.min(Participant.id)).where(
        Participant.contest_id == contest_id))
    # Every participant gets at least one attempt; the rest are spread at random.
    per_person = [1] * PARTICIPANTS
    for _ in range(max(0, ATTEMPTS - PARTICIPANTS)):
        per_person[rng.randrange(PARTICIPANTS)] += 1
    batch: list[dict] = []
    for index, count in enumerate(per_person):
        for number in range(1, count + 1):
            duration = rng.randint(20_000, 900_000)
            submitted = opens + timedelta(seconds=rng.randint(600, 6 * 86400))
            score = rng.choice((10, 10, 9, 9, 9, 8, 8, 7, 6, 5))
            batch.append({
                "public_id": uuid.uuid4().hex[:24], "participant_id": first_id + index,
                "round_id": round_.id, "number": number,
                "started_at": submitted - timedelta(milliseconds=duration),
                "deadline": submitted + timedelta(minutes=1), "submitted_at": submitted,
                "status": "submitted", "finished_by": "resident", "question_count": 10,
                "score": score, "correct_count": score, "duration_ms": duration,
                "prediction": None if rng.random() < 0.1 else rng.randint(0, 40_000),
            })
            if len(batch) >= CHUNK:
                db.session.execute(sa.insert(Attempt), batch)
                batch = []
    if batch:
        db.session.execute(sa.insert(Attempt), batch)
    db.session.commit()


def best_of_interleaved(*fns) -> list[tuple[float, int]]:
    """Run the functions in turn, REPEAT rounds; the best time (and row count) of each.

    Each run starts from a collected heap, with no earlier result alive, and its
    time includes collecting the young objects it leaves behind: the ranking
    pauses the garbage collector while it builds its rows, and the collection it
    put off must count against it, not against whichever run comes next.
    """
    best = [float("inf")] * len(fns)
    counts = [0] * len(fns)
    for _ in range(REPEAT):
        for index, fn in enumerate(fns):
            db.session.expire_all()
            gc.collect()
            start = time.perf_counter()
            result = fn()
            gc.collect(1)
            best[index] = min(best[index], time.perf_counter() - start)
            counts[index] = len(result)
            del result
    return list(zip(best, counts, strict=True))


def run(label: str, url: str, instance: str) -> float:
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only", "TESTING": False,
        "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH_FOR_TESTS": instance,
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        contest = Contest(title="Benchmark", slug=f"bench-{uuid.uuid4().hex[:8]}")
        db.session.add(contest)
        db.session.flush()
        opens = datetime.now(UTC) - timedelta(days=10)
        round_ = Round(contest_id=contest.id, name="Đợt benchmark", opens_at=opens,
                       closes_at=opens + timedelta(days=7), prize_tiers=[])
        db.session.add(round_)
        db.session.commit()
        start = time.perf_counter()
        generate(round_, contest.id)
        log(f"[{label}] generated {PARTICIPANTS:,} participants, {ATTEMPTS:,} attempts "
            f"in {time.perf_counter() - start:.1f}s")
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        actual = ranking.fix_prediction_actual(round_, datetime.now(UTC))
        db.session.commit()

        ranked = ranking.rank_round(round_, actual)
        # The same counted rows in a table of their own, for the plain sort.
        plain_table.create(db.engine)
        rows = [
            {"participant_id": r.row.participant_id, "score": r.row.score,
             "duration_ms": r.row.duration_ms, "submitted_at": r.row.submitted_at,
             "prediction": r.row.prediction, "attempt_id": r.row.attempt_id,
             "correct_count": r.row.correct_count, "question_count": r.row.question_count}
            for r in ranked
        ]
        for start_at in range(0, len(rows), CHUNK):
            db.session.execute(sa.insert(plain_table), rows[start_at:start_at + CHUNK])
        db.session.commit()
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        t = plain_table.c
        plain_query = sa.select(*t).order_by(t.score.desc(), t.duration_ms, t.submitted_at,
                                             t.participant_id)
        del ranked, rows
        (rank_time, ranked), (plain_time, plain_rows), (sql_time, _) = best_of_interleaved(
            lambda: ranking.rank_round(round_, actual),
            lambda: db.session.execute(plain_query).all(),
            lambda: ranking.sql_ranking(round_, actual),
        )
        assert plain_rows == ranked == PARTICIPANTS
        ratio = rank_time / plain_time
        log(f"[{label}] ranking (counted-attempt query + rank()): {rank_time:.3f}s for {ranked:,} "
            f"rows; plain SELECT ... ORDER BY of the counted rows: {plain_time:.3f}s; "
            f"ratio {ratio:.2f}")
        log(f"[{label}] (for reference) ranking wholly in SQL: {sql_time:.3f}s, actual = {actual}")
        db.session.remove()
        db.engine.dispose()
    return ratio


def main() -> int:
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        ratios.append(run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp))
        if os.environ.get("BENCH_SKIP_PG") != "1":
            server = make_url(PG_URL)
            name = f"bench_ranking_{os.getpid()}"
            admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            except sa.exc.OperationalError as error:
                log(f"[postgresql] skipped: cannot reach the server ({error.orig})")
            else:
                try:
                    url = server.set(database=name).render_as_string(hide_password=False)
                    ratios.append(run("postgresql", url, tmp))
                finally:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(f"ranking_ratio_to_plain_sort={max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
