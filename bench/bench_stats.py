"""Benchmark: the statistics dashboard and the full export at scale (``make bench-stats``).

Fills a database with BENCH_PARTICIPANTS participants (default 100,000),
BENCH_ATTEMPTS attempts (default 300,000) and BENCH_ITEMS answered items
(default 6,000,000: 20 per attempt), over 4 weekly rounds, 132 questions in the
11 content areas, 30 units and 12 QR entry points, on SQLite and PostgreSQL.
Rows are bulk loaded on the raw driver connection (``executemany`` on SQLite,
``COPY`` on PostgreSQL), then ANALYZEd as a live database would be.

Each measurement runs in a fresh child process (so its peak memory is its own)
that renders the real view through the Flask test client, signed in:

* ``dashboard``: GET /reports/ for the contest (aim: under 2 s);
* ``items_cold`` / ``items_warm``: the item analysis page with the cache
  emptied, then again (served from CachedResult);
* ``export``: GET /reports/export.xlsx as an organiser — the statistics workbook,
  every sheet — with the item analysis cache emptied (aim: under 10 s);
* ``participants``: GET /reports/export/danh-sach-thi-sinh.xlsx — the participant
  list (personal data, every participant: 100,000 rows) as its own workbook. Until
  2026-12-03 it was a sheet of the statistics workbook, so ``export`` then included it.

Printed per database: seconds and peak RSS in MB of the child process during the
request (Linux VmHWM, reset just before the request so sign-in and start-up do
not count; elsewhere ``resource.getrusage`` for the whole child), next to its
RSS before the request. For reading the seconds on a shared machine, each line
also gives the app process's CPU seconds during the request (on PostgreSQL the
server's share is not in it) and the 1-minute load average at the end. The last line is
``dashboard_s=<n> export_s=<n> participants_s=<n>``, the slower database's figures.

Environment: BENCH_PARTICIPANTS, BENCH_ATTEMPTS, BENCH_ITEMS, BENCH_PG_URL (a
PostgreSQL server URL; a scratch database ``bench_stats_<pid>`` is created on it
and dropped at the end; default postgresql+psycopg://postgres@127.0.0.1:5432/postgres),
BENCH_SKIP_PG=1, BENCH_SKIP_SQLITE=1.

BENCH_REUSE=1 keeps the filled databases between runs (filling 6,000,000 items
takes minutes): SQLite in ``$TMPDIR/bench_stats_<sizes>.sqlite3`` and a
PostgreSQL database ``bench_stats_keep_<sizes>``, both named after the sizes.
A later run with BENCH_REUSE=1 and the same sizes measures them again without
refilling, after creating any index the models have gained since (as the
migration would on a live database) and ANALYZE. Delete the file / drop the
database to start afresh.

A quick run: BENCH_SKIP_PG=1 BENCH_REUSE=1 BENCH_PARTICIPANTS=10000
BENCH_ATTEMPTS=30000 BENCH_ITEMS=600000 (about a minute with filling, then ~15 s).
There, on the 2-core machine at a 1-minute load average of 2.3–6.5, the export
(then with the participant list inside) took 1.77–1.94 s of app CPU (peak RSS
147 MB) with the workbook written by openpyxl, and 1.66–1.70 s (148 MB) with
XlsxWriter; the wall time (1.8–3.2 s) followed the load. The first run after
filling is slower (5.3 s: cold caches).
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contest import create_app  # noqa: E402
from contest.extensions import db  # noqa: E402
from contest.models import (  # noqa: E402
    CachedResult,
    ContentArea,
    Contest,
    EntryPoint,
    ParticipantCategory,
    Question,
    Round,
    Unit,
    User,
)
from contest.services.bank.questions import QuestionData, create_question  # noqa: E402
from contest.services.setup.seed import seed_reference_data  # noqa: E402

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "100000"))
ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "300000"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "6000000"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ROUNDS = 4
QUESTIONS_PER_AREA = 12
UNITS = 30
ENTRY_POINTS = 12
SCANS_PER_PARTICIPANT = 3
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway benchmark account
OPENS = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # Monday 2 March 2026, 00:00 in Vietnam
CHUNK = 50_000


def log(message: str) -> None:
    print(message, flush=True)


def app_for(url: str):
    return create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })


# --------------------------------------------------------------------------- loading


def setup_reference() -> dict:
    """Reference rows through the app's own services (small), returning their ids."""
    seed_reference_data()
    contest = Contest(title="Cuộc thi tìm hiểu CCHC (benchmark)", slug="bench", status="published")
    contest.categories = list(db.session.scalars(sa.select(ParticipantCategory)))
    db.session.add(contest)
    db.session.flush()
    rounds = [Round(contest_id=contest.id, name=f"Tuần {r + 1}",
                    opens_at=OPENS + timedelta(days=7 * r),
                    closes_at=OPENS + timedelta(days=7 * r + 7),
                    question_quota={"a": 20}) for r in range(ROUNDS)]
    units = [Unit(name=f"Tổ dân phố số {u + 1}", population=1000 + 37 * u, position=u)
             for u in range(UNITS)]
    entries = [EntryPoint(contest_id=contest.id, code=f"BENCH{e}", label=f"Pano số {e + 1}")
               for e in range(ENTRY_POINTS)]
    db.session.add_all(rounds + units + entries)
    for role in ("viewer", "organiser"):
        user = User(username=f"bench_{role}", role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.commit()
    for area in db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)):
        for n in range(QUESTIONS_PER_AREA):
            create_question(QuestionData(
                content_area_id=area.id,
                text=f"Câu hỏi {n + 1} về lĩnh vực {area.code}: nội dung nào đúng?",
                options=[f"Phương án {x}" for x in "ABCD"], correct_option=n % 4,
                explanation="", source="", difficulty=1, active=True))
    db.session.commit()
    questions = [(q.id, q.versions[-1].id, q.content_area_id, q.correct_option)
                 for q in db.session.scalars(sa.select(Question).order_by(Question.id))]
    return {
        "contest": contest.id, "rounds": [r.id for r in rounds], "units": [u.id for u in units],
        "entries": [e.id for e in entries], "questions": questions,
        "categories": [c.id for c in contest.categories],
    }


def generate(ref: dict):
    """Rows for participant, attempt, attempt_item and scan, as plain tuples."""
    rng = random.Random(20260302)
    created = OPENS - timedelta(days=1)
    participants = []
    ability = []
    for i in range(PARTICIPANTS):
        unit = ref["units"][i % UNITS] if i % 20 else None
        participants.append((
            i + 1, f"bench{i:010d}", ref["contest"], f"Nguyễn Thị Bench {i}", f"+849{i:08d}",
            1940 + i % 70, ("male", "female", None)[i % 3], f"{i:012d}", unit,
            None if unit else "Khác", ref["categories"][i % len(ref["categories"])],
            created, ref["entries"][i % ENTRY_POINTS] if i % 10 else None,
            created + timedelta(seconds=i), False, f"{i:08d}",
        ))
        ability.append(0.35 + 0.6 * rng.random())
    per_attempt = max(1, ITEMS // max(ATTEMPTS, 1))
    questions = ref["questions"]
    per_attempt = min(per_attempt, len(questions))
    attempts, items = [], []
    for j in range(ATTEMPTS):
        pid = j % PARTICIPANTS
        layer = j // PARTICIPANTS
        round_index = layer % ROUNDS
        number = layer // ROUNDS + 1
        started = OPENS + timedelta(days=7 * round_index, seconds=rng.randrange(7 * 86400 - 900))
        in_progress = j >= ATTEMPTS - PARTICIPANTS and pid % 50 == 0
        right = 0
        for position, q in enumerate(rng.sample(questions, per_attempt), start=1):
            qid, vid, area, key = q
            correct = rng.random() < ability[pid] - 0.04 * (area % 7)
            chosen = key if correct else (key + 1 + rng.randrange(3)) % 4
            right += correct
            items.append((j + 1, qid, vid, area, position, "[0, 1, 2, 3]", chosen, None,
                          None if in_progress else correct))
        submitted = None if in_progress else started + timedelta(seconds=240 + rng.randrange(600))
        attempts.append((
            j + 1, f"att{j:012d}", pid + 1, ref["rounds"][round_index], number, started,
            started + timedelta(minutes=15), submitted,
            "in_progress" if in_progress else "submitted",
            None if in_progress else "resident", per_attempt,
            None if in_progress else right, None if in_progress else right,
            None if in_progress else 300_000, None,
        ))
    scans = [(ref["entries"][k % ENTRY_POINTS],
              OPENS + timedelta(seconds=rng.randrange(28 * 86400)))
             for k in range(PARTICIPANTS * SCANS_PER_PARTICIPANT)]
    return participants, attempts, items, scans


P_COLS = ("id", "public_id", "contest_id", "full_name", "phone", "birth_year", "gender",
          "citizen_id", "unit_id", "unit_other", "category_id", "consented_at", "entry_point_id",
          "created_at", "duplicate_cleared", "personal_code")
A_COLS = ("id", "public_id", "participant_id", "round_id", "number", "started_at", "deadline",
          "submitted_at", "status", "finished_by", "question_count", "score", "correct_count",
          "duration_ms", "prediction")
I_COLS = ("attempt_id", "question_id", "question_version_id", "content_area_id", "position",
          "option_order", "chosen_option", "answered_at", "is_correct")
S_COLS = ("entry_point_id", "scanned_at")


def _naive(value):
    # Both backends store naive UTC (see UTCDateTime).
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def load_sqlite(tables: list[tuple[str, tuple, list]]) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        for name, cols, rows in tables:
            sql = f'INSERT INTO "{name}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(sql, [
                    tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                          for v in map(_naive, row))
                    for row in rows[start:start + CHUNK]
                ])
            raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return _naive(value).isoformat(sep=" ")
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load_postgres(tables: list[tuple[str, tuple, list]]) -> None:
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cursor:
            # Skip per-row foreign-key triggers while bulk loading rows that are
            # consistent by construction (the scratch database is ours; superuser).
            cursor.execute("SET session_replication_role = replica")
            for name, cols, rows in tables:
                with cursor.copy(f'COPY "{name}" ({", ".join(cols)}) FROM STDIN') as copy:
                    for start in range(0, len(rows), CHUNK):
                        buffer = io.StringIO()
                        for row in rows[start:start + CHUNK]:
                            buffer.write("\t".join(_copy_text(v) for v in row))
                            buffer.write("\n")
                        copy.write(buffer.getvalue())
            for name in ("participant", "attempt"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                               f"(SELECT max(id) FROM \"{name}\"))")
            cursor.execute("SET session_replication_role = DEFAULT")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.autocommit = False
    finally:
        raw.close()


REUSE = os.environ.get("BENCH_REUSE") == "1"
SIZES = f"{PARTICIPANTS}_{ATTEMPTS}_{ITEMS}"


def _filled() -> bool:
    """A kept database already holds the benchmark's rows (the last table loaded is scan)."""
    inspector = sa.inspect(db.engine)
    if not inspector.has_table("scan"):
        return False
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("scan"))))


def _bring_up_to_date(backend: str) -> None:
    """Create the indexes the models gained since the kept database was filled."""
    created = []
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            existing = {ix["name"] for ix in sa.inspect(conn).get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in existing:
                    index.create(conn)
                    created.append(index.name)
    raw = db.engine.raw_connection()
    try:
        if backend == "sqlite":
            raw.cursor().execute("ANALYZE")
            raw.commit()
        else:
            conn = raw.driver_connection
            conn.autocommit = True
            conn.execute("ANALYZE")
            conn.autocommit = False
    finally:
        raw.close()
    log(f"  reusing the kept database; new indexes: {', '.join(created) or 'none'}")


def fill(url: str, backend: str) -> None:
    app = app_for(url)
    with app.app_context():
        if REUSE and _filled():
            _bring_up_to_date(backend)
            db.session.remove()
            db.engine.dispose()
            return
        db.create_all()
        t0 = time.perf_counter()
        ref = setup_reference()
        participants, attempts, items, scans = generate(ref)
        log(f"  generated {len(participants):,} participants, {len(attempts):,} attempts, "
            f"{len(items):,} items, {len(scans):,} scans in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        tables = [("participant", P_COLS, participants), ("attempt", A_COLS, attempts),
                  ("attempt_item", I_COLS, items), ("scan", S_COLS, scans)]
        (load_sqlite if backend == "sqlite" else load_postgres)(tables)
        log(f"  loaded in {time.perf_counter() - t0:.1f} s")
        db.session.remove()
        db.engine.dispose()


# --------------------------------------------------------------------------- measuring


def measure(url: str, what: str) -> dict:
    """Run in a child process: sign in, time one real request, report peak memory."""
    app = app_for(url)
    with app.app_context():
        contest_id = db.session.scalar(sa.select(Contest.id))
        if what in ("items_cold", "export", "participants"):
            db.session.execute(sa.delete(CachedResult))
            db.session.commit()
    role = "organiser" if what in ("export", "participants") else "viewer"
    client = app.test_client()
    response = client.post("/login", data={"username": f"bench_{role}", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    path = {"dashboard": "/reports/", "items_cold": "/reports/items",
            "items_warm": "/reports/items", "export": "/reports/export.xlsx",
            "participants": "/reports/export/danh-sach-thi-sinh.xlsx"}[what]
    rss_before = _current_rss_mb()
    _reset_peak_rss()  # sign-in (scrypt) and app start-up are not what we measure
    t0, cpu0 = time.perf_counter(), time.process_time()
    response = client.get(f"{path}?contest={contest_id}")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return {"seconds": seconds, "cpu_s": cpu, "bytes": len(response.data),
            "rss_before_mb": rss_before, "peak_rss_mb": _peak_rss_mb(),
            "load_avg": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _current_rss_mb() -> float:
    return _status_mb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) of this process."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(url: str, what: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "measure", url, what], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(url: str, backend: str) -> dict:
    log(f"{backend}: filling {url.split('@')[-1]}")
    fill(url, backend)
    results = {}
    for what in ("dashboard", "items_cold", "items_warm", "export", "participants"):
        r = run_child(url, what)
        results[what] = r
        load = f"{r['load_avg']:.1f}" if r.get("load_avg") is not None else "?"
        log(f"  {what:<11} {r['seconds']:7.2f} s   peak RSS {r['peak_rss_mb']:7.1f} MB "
            f"(before request {r['rss_before_mb']:.1f} MB)   {r['bytes']:,} bytes   "
            f"[app process CPU {r['cpu_s']:.2f} s; 1-min load average {load}]")
    return results


def main() -> None:
    log(f"bench-stats: {PARTICIPANTS:,} participants, {ATTEMPTS:,} attempts, "
        f"{ITEMS:,} items")
    results = {}
    if not os.environ.get("BENCH_SKIP_SQLITE"):
        if REUSE:
            path = Path(tempfile.gettempdir()) / f"bench_stats_{SIZES}.sqlite3"
            results["sqlite"] = bench(f"sqlite:///{path}", "sqlite")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                results["sqlite"] = bench("sqlite:///" + str(Path(tmp) / "bench.sqlite3"),
                                          "sqlite")
    if not os.environ.get("BENCH_SKIP_PG"):
        base = make_url(PG_URL)
        name = f"bench_stats_keep_{SIZES}" if REUSE else f"bench_stats_{os.getpid()}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            results["postgresql"] = bench(
                base.set(database=name).render_as_string(hide_password=False), "postgresql")
        finally:
            if not REUSE:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    if not results:
        sys.exit("nothing measured (both BENCH_SKIP_SQLITE and BENCH_SKIP_PG set)")
    dashboard_s = max(r["dashboard"]["seconds"] for r in results.values())
    export_s = max(r["export"]["seconds"] for r in results.values())
    participants_s = max(r["participants"]["seconds"] for r in results.values())
    log(f"dashboard_s={dashboard_s:.2f} export_s={export_s:.2f} "
        f"participants_s={participants_s:.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
    else:
        main()
