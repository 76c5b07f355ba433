"""Load benchmark: RESIDENTS residents against gunicorn + PostgreSQL on this machine.

    make bench-load                 # RESIDENTS=1000 by default
    RESIDENTS=200 make bench-load   # a quicker run

What it does, all on 127.0.0.1:
1. Creates a scratch PostgreSQL database (dropped at the end; KEEP_DB=1 keeps it),
   migrates it, loads the reference data, the starter bank and the demo contest
   (a round of 20 questions, open now).
2. Starts gunicorn with the repo's gunicorn.conf.py against it (production settings:
   CSRF on, limits on, Redis storage when Redis answers).
3. Plays each resident with its own cookie jar: open the QR link, see the contest,
   open the registration form, register. Then all residents wait at a barrier and
   press "Bắt đầu" at the same moment (the round opening), open the question page,
   answer 20 questions with a think time (THINK_MIN..THINK_MAX seconds). Every
   acknowledged answer is then checked in the database, and everyone submits.
4. Throughput, against the ceiling: the one-line Flask app bench/hello_app.py runs
   under the same gunicorn settings beside the contest app. WINDOWS times in turn,
   for WINDOW_SECONDS each, the residents re-save answers with no think time (the
   answer-saving endpoint's capacity), then as many connections from the same
   client hammer the one-line app (the ceiling of this machine for "a request
   through gunicorn + Flask"). Alternating short windows, rather than one long run
   of each, keeps the ratio fair on a shared machine whose speed drifts by a
   quarter from minute to minute. For each kind of window it also reads from /proc
   the CPU time per request spent by the app server, PostgreSQL, Redis and the client.

It also sends RESIDENTS requests at once to the one-line app, the same burst as the
round opening: its p95 is the floor for p95_start_ms on this machine.

Prints per endpoint: requests/s, p50/p95/p99 latency, errors; then the save/ceiling
ratio; and as the last line:
save_ratio_to_ceiling=<x> p95_start_ms=<x> p95_start_hello_ms=<x> start_burst_ratio=<x>
starts_per_s=<x> p95_save_ms=<x> errors=<n> lost=<n>
(start_burst_ratio: the burst of RESIDENTS "Bắt đầu" against the app over the same burst
against the one-line app, both in this run).

The client runs on the same 2 cores as the server; both measurements share that
handicap, so the ratio is fair even though the absolute figures are pessimistic.
Rate limits: registration is raised for this run (1000 residents share one address,
like a ward hall behind one router, only more so) and answer saving too (the
saturation phase re-saves far faster than a person can; 20 answers in 15 minutes
never approach the default ANSWER_SAVE_LIMIT).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
RESIDENTS = int(os.environ.get("RESIDENTS", "1000"))
THINK_MIN = float(os.environ.get("THINK_MIN", "2.0"))
THINK_MAX = float(os.environ.get("THINK_MAX", "6.0"))
WINDOWS = int(os.environ.get("WINDOWS", "4"))
WINDOW_SECONDS = float(os.environ.get("WINDOW_SECONDS", "4"))
PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ENTRY_CODE = "PHUVAN"
QUESTIONS = 20
TIMEOUT = aiohttp.ClientTimeout(total=120)
# Below gunicorn's keepalive (5 s): never reuse a connection the server is closing,
# as browsers and nginx do; otherwise idle residents see "connection reset" races.
KEEPALIVE = 3.0


# --------------------------------------------------------------------------- stats


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    #: Seconds of the throughput windows an endpoint ran in, when it ran in windows.
    window_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def record(self, name: str, started: float, ended: float, ok: bool, detail: str = ""):
        self.latencies[name].append((ended - started) * 1000)
        self.first[name] = min(self.first.get(name, started), started)
        self.last[name] = max(self.last.get(name, ended), ended)
        if not ok:
            self.errors[name] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{name}: {detail}")

    def rps(self, name: str) -> float:
        span = self.window_seconds.get(name) or self.last[name] - self.first[name]
        return len(self.latencies[name]) / span if span > 0 else 0.0

    def add_window(self, window: Stats) -> None:
        """Count a throughput window's requests, over the window's own duration only."""
        for name, latencies in window.latencies.items():
            self.latencies[name].extend(latencies)
            self.window_seconds[name] += window.last[name] - window.first[name]
            self.first[name] = min(self.first.get(name, window.first[name]), window.first[name])
            self.last[name] = max(self.last.get(name, window.last[name]), window.last[name])
        for name, count in window.errors.items():
            self.errors[name] += count
        self.error_samples.extend(window.error_samples[:10 - len(self.error_samples)])

    def percentile(self, name: str, q: float) -> float:
        values = sorted(self.latencies[name])
        if not values:
            return 0.0
        index = min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))
        return values[index]

    def total_errors(self) -> int:
        return sum(self.errors.values())


async def timed(stats: Stats, name: str, coro_factory, expect: tuple[int, ...]):
    """Run one request; record latency and whether the status was the expected one."""
    started = time.perf_counter()
    try:
        async with coro_factory() as response:
            body = await response.read()
            ended = time.perf_counter()
            ok = response.status in expect
            stats.record(name, started, ended, ok, f"HTTP {response.status} {body[:160]!r}")
            return response, body if ok else None
    except (TimeoutError, aiohttp.ClientError) as error:
        stats.record(name, started, time.perf_counter(), False, repr(error))
        return None, None


# --------------------------------------------------------------------------- set-up


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_role(app_group: int) -> dict[str, float]:
    """CPU seconds used so far by the app server, PostgreSQL, Redis and this client.

    From /proc (Linux): the app is every process in gunicorn's process group, the
    database every process named postgres (backends and background writers alike).
    Differences between two readings say where a phase's CPU went.
    """
    used = defaultdict(float)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended between listing and reading
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        group, ticks = int(fields[2]), int(fields[11]) + int(fields[12])
        if group == app_group:
            used["app"] += ticks / _TICK
        elif name.startswith("postgres"):
            used["postgres"] += ticks / _TICK
        elif name.startswith("redis-server"):
            used["redis"] += ticks / _TICK
    own = resource.getrusage(resource.RUSAGE_SELF)
    used["client"] = own.ru_utime + own.ru_stime
    return used


ROLES = ("app", "postgres", "redis", "client")
SAVE, HELLO = "POST answer (saturation)", "GET hello (ceiling)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def run_flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "contest", *args], cwd=REPO,
                   env=env, check=True, stdout=subprocess.DEVNULL)


def start_gunicorn(env: dict, port: int, target: str, log_path: Path,
                   extra: tuple[str, ...] = ()) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(REPO / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", *extra, target],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    path = "/healthz" if target == "wsgi:app" else "/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
                if b" 200 " in sock.recv(64):
                    return process
        except OSError:
            pass
        time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn did not answer on port {port}; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --------------------------------------------------------------------------- residents

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSRF_META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
START_RE = re.compile(r'action="(/c/[^"/]+/rounds/(\d+)/start)"')


@dataclass
class Resident:
    index: int
    session: aiohttp.ClientSession
    csrf: str = ""
    start_url: str = ""
    attempt: str = ""
    acked: dict[int, int] = field(default_factory=dict)
    failed: bool = False


async def arrive(resident: Resident, base: str, stats: Stats, unit_id: int, category_id: int):
    s = resident.session
    response, _ = await timed(stats, "GET /q/<code>", lambda: s.get(
        f"{base}/q/{ENTRY_CODE}", allow_redirects=False), (302,))
    if response is None:
        resident.failed = True
        return
    contest_url = base + response.headers["Location"] if response.headers.get(
        "Location", "").startswith("/") else response.headers.get("Location", "")
    await timed(stats, "GET /c/<slug>", lambda: s.get(contest_url), (200,))
    _, body = await timed(stats, "GET register form", lambda: s.get(
        f"{contest_url}/register"), (200,))
    match = CSRF_RE.search(body.decode()) if body else None
    if not match:
        resident.failed = True
        return
    resident.csrf = match.group(1)
    form = {"csrf_token": resident.csrf, "full_name": f"Người dân thử {resident.index}",
            "phone": f"091{resident.index:07d}", "birth_year": str(1950 + resident.index % 50),
            "unit": str(unit_id),
            "category": str(category_id), "consent": "y"}
    response, _ = await timed(stats, "POST register", lambda: s.post(
        f"{contest_url}/register", data=form, allow_redirects=False), (302,))
    if response is None:
        resident.failed = True
        return
    _, body = await timed(stats, "GET /c/<slug>", lambda: s.get(contest_url), (200,))
    match = START_RE.search(body.decode()) if body else None
    if not match:
        resident.failed = True
        return
    resident.start_url = base + match.group(1)


async def start_round(resident: Resident, base: str, stats: Stats):
    s = resident.session
    response, _ = await timed(stats, "POST start", lambda: s.post(
        resident.start_url, data={"csrf_token": resident.csrf}, allow_redirects=False), (302,))
    if response is None:
        resident.failed = True
        return
    location = response.headers["Location"]
    resident.attempt = location.rstrip("/").split("/")[-1]
    _, body = await timed(stats, "GET /a/<id>", lambda: s.get(base + location), (200,))
    match = CSRF_META_RE.search(body.decode()) if body else None
    if not match:
        resident.failed = True
        return
    resident.csrf = match.group(1)


async def save(resident: Resident, base: str, stats: Stats, name: str, position: int,
               choice: int) -> None:
    s = resident.session
    response, body = await timed(stats, name, lambda: s.post(
        f"{base}/a/{resident.attempt}/answer", json={"position": position, "choice": choice},
        headers={"X-CSRFToken": resident.csrf, "Accept": "application/json"}), (200,))
    if body is not None and b'"ok":true' in body.replace(b" ", b""):
        resident.acked[position] = choice


async def answer_all(resident: Resident, base: str, stats: Stats, rng: random.Random):
    for position in range(1, QUESTIONS + 1):
        await asyncio.sleep(rng.uniform(THINK_MIN, THINK_MAX))
        await save(resident, base, stats, "POST answer (think time)", position,
                   rng.randrange(4))


async def saturate(resident: Resident, base: str, stats: Stats, rng: random.Random,
                   until: float):
    while time.perf_counter() < until:
        await save(resident, base, stats, "POST answer (saturation)",
                   rng.randrange(1, QUESTIONS + 1), rng.randrange(4))


async def submit(resident: Resident, base: str, stats: Stats, rng: random.Random):
    s = resident.session
    # "confirm": round.js asks before an incomplete submit and says so.
    form = {"csrf_token": resident.csrf, "prediction": str(rng.randrange(500)),
            "confirm": "yes"}
    form.update({f"q{p}": str(c) for p, c in resident.acked.items()})
    response, _ = await timed(stats, "POST submit", lambda: s.post(
        f"{base}/a/{resident.attempt}/submit", data=form, allow_redirects=False), (302,))
    if response is not None:
        await timed(stats, "GET result", lambda: s.get(
            base + response.headers["Location"]), (200,))


async def hammer_hello(session: aiohttp.ClientSession, base: str, stats: Stats, until: float):
    while time.perf_counter() < until:
        await timed(stats, "GET hello (ceiling)", lambda: session.get(f"{base}/"), (200,))


async def run_residents(base: str, hello_base: str, unit_id: int, category_id: int,
                        engine: sa.Engine, app_group: int, hello_group: int) -> Journey:
    """The whole journey and the throughput windows, in one event loop."""
    journey = Journey(stats=Stats())
    stats = journey.stats
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE)
    residents = [
        Resident(i, aiohttp.ClientSession(connector=connector, connector_owner=False,
                                          cookie_jar=aiohttp.CookieJar(unsafe=True),
                                          timeout=TIMEOUT))
        for i in range(RESIDENTS)
    ]
    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(arrive(r, base, stats, unit_id, category_id)
                               for r in residents))
        ready = [r for r in residents if not r.failed]
        print(f"  {len(ready)}/{RESIDENTS} registered in {time.perf_counter() - t0:.1f} s; "
              "everyone presses Bắt đầu at once…", flush=True)
        t0 = time.perf_counter()
        await asyncio.gather(*(start_round(r, base, stats) for r in ready))
        ready = [r for r in ready if not r.failed]
        journey.start_seconds = time.perf_counter() - t0
        print(f"  {len(ready)} attempts started in {journey.start_seconds:.1f} s; "
              f"answering with {THINK_MIN:g}–{THINK_MAX:g} s think time…", flush=True)
        t0 = time.perf_counter()
        await asyncio.gather(*(answer_all(r, base, stats, random.Random(r.index))  # noqa: S311
                               for r in ready))
        print(f"  answered in {time.perf_counter() - t0:.1f} s; {WINDOWS} × "
              f"({WINDOW_SECONDS:g} s saving flat out, {WINDOW_SECONDS:g} s one-line app)…",
              flush=True)
        await throughput_windows(journey, ready, base, hello_base, app_group, hello_group)
        # Check before submitting: the submit form would carry the answers again.
        journey.lost = lost_answers(engine, ready)
        journey.acked = sum(len(r.acked) for r in ready)
        print("  checked; everyone submits…", flush=True)
        await asyncio.gather(*(submit(r, base, stats, random.Random(r.index))  # noqa: S311
                               for r in ready))
        journey.ready = ready
        return journey
    finally:
        for resident in residents:
            await resident.session.close()
        await connector.close()


@dataclass
class Journey:
    stats: Stats
    ready: list[Resident] = field(default_factory=list)
    acked: int = 0
    lost: int = 0
    #: Wall time from the burst of "Bắt đầu" to the last attempt started.
    start_seconds: float = 0.0
    #: (saves/s, one-line requests/s) of each pair of adjacent windows.
    pairs: list[tuple[float, float]] = field(default_factory=list)
    #: CPU seconds by kind of window, then by process (cpu_by_role).
    cpu: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))

    def ratio(self) -> float:
        ceiling = self.stats.rps(HELLO)
        return self.stats.rps(SAVE) / ceiling if ceiling else 0.0

    def cpu_ms_per_request(self, kind: str) -> dict[str, float]:
        requests = len(self.stats.latencies[kind])
        return {role: self.cpu[kind][role] * 1000 / requests for role in ROLES} \
            if requests else {}


async def throughput_windows(journey: Journey, ready: list[Resident], base: str,
                             hello_base: str, app_group: int, hello_group: int) -> None:
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE)
    sessions = [aiohttp.ClientSession(connector=connector, connector_owner=False,
                                      timeout=TIMEOUT) for _ in ready]

    def saving(window: Stats, until: float, turn: int):
        return (saturate(r, base, window, random.Random(turn * RESIDENTS + r.index), until)  # noqa: S311
                for r in ready)

    def hello(window: Stats, until: float, turn: int):
        return (hammer_hello(session, hello_base, window, until) for session in sessions)

    try:
        for turn in range(WINDOWS):
            rates = []
            for kind, group, players in ((SAVE, app_group, saving), (HELLO, hello_group, hello)):
                window = Stats()
                until = time.perf_counter() + WINDOW_SECONDS
                before = cpu_by_role(group)
                await asyncio.gather(*players(window, until, turn))
                after = cpu_by_role(group)
                for role in ROLES:
                    journey.cpu[kind][role] += after[role] - before[role]
                journey.stats.add_window(window)
                rates.append(window.rps(kind))
            journey.pairs.append((rates[0], rates[1]))
    finally:
        for session in sessions:
            await session.close()
        await connector.close()


async def run_hello_burst(base: str) -> Stats:
    """The same burst as "everyone presses Bắt đầu at once", against the one-line app:
    the floor for p95_start_ms on this machine, whatever the start endpoint does."""
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE)
    sessions = [aiohttp.ClientSession(connector=connector, connector_owner=False,
                                      timeout=TIMEOUT) for _ in range(RESIDENTS)]
    try:
        await asyncio.gather(*(timed(stats, "GET hello (all at once)",
                                     lambda s=s: s.get(f"{base}/"), (200,))
                               for s in sessions))
    finally:
        for session in sessions:
            await session.close()
        await connector.close()
    return stats


# --------------------------------------------------------------------------- checks


def lost_answers(engine: sa.Engine, ready: list[Resident]) -> int:
    """Acknowledged answers (the last one per question) missing from the database."""
    expected = {(r.attempt, p): c for r in ready for p, c in r.acked.items()}
    rows = {}
    with engine.connect() as conn:
        for public_id, position, order, chosen in conn.execute(sa.text(
            "SELECT a.public_id, i.position, i.option_order, i.chosen_option "
            "FROM attempt_item i JOIN attempt a ON a.id = i.attempt_id"
        )):
            shown = order.index(chosen) if chosen is not None else None
            rows[(public_id, position)] = shown
    return sum(1 for key, choice in expected.items() if rows.get(key) != choice)


def print_table(stats: Stats, header: bool = True) -> None:
    if header:
        print(f"{'endpoint':<28}{'n':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
              f"{'errors':>8}")
    for name in stats.latencies:
        print(f"{name:<28}{len(stats.latencies[name]):>8}{stats.rps(name):>9.1f}"
              f"{stats.percentile(name, 50):>9.1f}{stats.percentile(name, 95):>9.1f}"
              f"{stats.percentile(name, 99):>9.1f}{stats.errors.get(name, 0):>8}")


def main() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    admin_url = make_url(PG_URL)
    db_name = f"contest_bench_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    db_url = admin_url.set(database=db_name).render_as_string(hide_password=False)
    engine = sa.create_engine(db_url)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CONTEST_ENV_NAME": "production",
        "CONTEST_SECRET_KEY": secrets.token_hex(32),
        "CONTEST_REGISTER_LIMIT": "1000000 per hour",
        "CONTEST_ANSWER_SAVE_LIMIT": "1000000 per minute",
        "CONTEST_RATELIMIT_KEY_PREFIX": f"bench{os.getpid()}",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    using_redis = redis_available(REDIS_URL)
    if using_redis:
        env["CONTEST_REDIS_URL"] = REDIS_URL
    processes: list[subprocess.Popen] = []
    try:
        print(f"Scratch database {db_name}; migrating and loading the bank and demo round…",
              flush=True)
        run_flask(env, "db", "upgrade")
        run_flask(env, "seed")
        run_flask(env, "bank", "import", "questions/")
        run_flask(env, "demo")
        with engine.connect() as conn:
            unit_id = conn.execute(sa.text(
                "SELECT id FROM unit WHERE active ORDER BY id LIMIT 1")).scalar_one()
            category_id = conn.execute(sa.text(
                "SELECT category_id FROM contest_category LIMIT 1")).scalar_one()

        import runpy

        settings = runpy.run_path(str(REPO / "gunicorn.conf.py"))
        port = free_port()
        app_server = start_gunicorn(env, port, "wsgi:app", workdir / "app.log")
        processes.append(app_server)
        print(f"gunicorn wsgi:app on :{port} — {settings['workers']} workers × "
              f"{settings['threads']} threads ({settings['worker_class']}); "
              f"PostgreSQL; limiter storage {'Redis' if using_redis else 'memory'}; "
              f"{RESIDENTS} residents", flush=True)
        hello_port = free_port()
        hello_server = start_gunicorn(env, hello_port, "hello_app:app", workdir / "hello.log",
                                      ("--pythonpath", str(REPO / "bench")))
        processes.append(hello_server)
        hello_base = f"http://127.0.0.1:{hello_port}"
        journey = asyncio.run(run_residents(
            f"http://127.0.0.1:{port}", hello_base, unit_id, category_id, engine,
            app_server.pid, hello_server.pid))
        stats, ready = journey.stats, journey.ready
        with engine.connect() as conn:
            submitted = conn.execute(sa.text(
                "SELECT count(*) FROM attempt WHERE status = 'submitted'")).scalar_one()
        stop(app_server)
        burst = asyncio.run(run_hello_burst(hello_base))
        stop(hello_server)

        print()
        print_table(stats)
        print_table(burst, header=False)
        errors = stats.total_errors() + burst.total_errors()
        if stats.error_samples or burst.error_samples:
            print("error samples:", *(stats.error_samples + burst.error_samples), sep="\n  ")
        ratio = journey.ratio()
        print(f"\nacknowledged answers: {journey.acked} (last per question checked); "
              f"lost: {journey.lost}; attempts submitted: {submitted}/{len(ready)} of "
              f"{RESIDENTS} residents")
        print(f"answer saving {stats.rps(SAVE):.0f} req/s vs one-line app {stats.rps(HELLO):.0f} "
              f"req/s = {ratio:.1%} of the ceiling; window by window: " + ", ".join(
                  f"{save / hello:.1%}" for save, hello in journey.pairs if hello))
        for label, kind in (("answer save", SAVE), ("one-line request", HELLO)):
            cpu = journey.cpu_ms_per_request(kind)
            print(f"CPU per {label}: " + ", ".join(f"{role} {ms:.2f} ms"
                                                   for role, ms in cpu.items())
                  + f"; total {sum(cpu.values()):.2f} ms")
        print(f"{RESIDENTS} starts at once: p95 {stats.percentile('POST start', 95):.0f} ms; "
              f"{RESIDENTS} one-line requests at once: p95 "
              f"{burst.percentile('GET hello (all at once)', 95):.0f} ms")
        missing = RESIDENTS - len(ready)
        lost = journey.lost
        p95_start = stats.percentile("POST start", 95)
        p95_hello = burst.percentile("GET hello (all at once)", 95)
        starts_per_s = len(ready) / journey.start_seconds if journey.start_seconds else 0.0
        print(f"save_ratio_to_ceiling={ratio:.3f} "
              f"p95_start_ms={p95_start:.0f} p95_start_hello_ms={p95_hello:.0f} "
              f"start_burst_ratio={p95_start / p95_hello if p95_hello else 0:.2f} "
              f"starts_per_s={starts_per_s:.0f} "
              f"p95_save_ms={stats.percentile('POST answer (think time)', 95):.0f} "
              f"errors={errors + missing} lost={lost}")
        return 0 if errors + missing + lost == 0 else 1
    finally:
        for process in processes:
            stop(process)
        engine.dispose()
        if not os.environ.get("KEEP_DB"):
            with admin.connect() as conn:
                conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": db_name})
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}"'))
        admin.dispose()
        if os.environ.get("KEEP_LOGS"):
            print(f"gunicorn logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
