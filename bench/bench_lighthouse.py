"""Benchmark: Lighthouse's mobile audit of the resident pages (``make bench-lighthouse``).

Installs Lighthouse from the npm registry into bench/lighthouse/node_modules (not
committed; ``npm install`` with bench/lighthouse/package.json, skipped when present),
serves the app on a scratch SQLite database holding the starter bank and the demo
contest, with one resident who has a round in progress and one submitted, and runs
Lighthouse (mobile form factor, simulated slow 4G, Debian's /usr/bin/chromium,
headless) on four pages a resident sees:

* the contest page (``/c/<slug>``), the registration page, the question page and the
  result page (the last two as that resident, by the remembered-identity cookie).

For each it prints the four category scores (performance, accessibility, best
practices, SEO) and the bytes transferred, then a last line
``min_performance=<n> min_accessibility=<n> max_transfer_kb=<n>``.

Environment: CHROME_PATH (default /usr/bin/chromium), BENCH_LIGHTHOUSE_RUNS (default
1; the median score of the runs is printed).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIGHTHOUSE_DIR = Path(__file__).resolve().parent / "lighthouse"
LIGHTHOUSE_BIN = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def install_lighthouse() -> None:
    if LIGHTHOUSE_BIN.exists():
        return
    if shutil.which("npm") is None:
        sys.exit("npm is needed: apt-get install npm (Node.js 18.16 or later)")
    print("Installing Lighthouse from the npm registry into bench/lighthouse/ …", flush=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-package-lock"],
                   cwd=LIGHTHOUSE_DIR, check=True)


def build_site(tmp: Path, base_url_holder: dict):
    """The app on a scratch database: bank, demo contest, one resident mid-round, one done."""
    from flask import make_response

    from contest import create_app
    from contest.extensions import db
    from contest.helpers.timeutil import now_utc
    from contest.models import Contest, Participant
    from contest.public import identity
    from contest.services.bank import import_export as bank_io
    from contest.services.setup.demo import create_demo
    from contest.services.setup.seed import seed_reference_data
    from contest.services.taking import attempts

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp / "lighthouse.sqlite3"),
        "INSTANCE_PATH": str(tmp), "SECRET_KEY": secrets.token_hex(32),
        "PUBLIC_BASE_URL": base_url_holder["url"],
    })
    with app.app_context():
        db.create_all()
        seed_reference_data()
        files = sorted((ROOT / "questions").glob("*.csv"))
        report = bank_io.import_files([(p.name, p.read_bytes()) for p in files],
                                      dry_run=False, actor_id=None)
        assert report.ok, "\n".join(report.lines())
        demo = create_demo(now_utc())
        contest = db.session.scalar(db.select(Contest).where(Contest.slug == demo.contest_slug))
        contest.purpose = ("Giúp người dân hiểu và dùng thuận tiện các thủ tục hành chính, "
                           "dịch vụ công trực tuyến.")
        contest.contact_phone = "0229 3871 234"
        contest.contact_address = "Bộ phận Một cửa, UBND phường Phù Vân"
        contest.participation_certificates = True
        round_ = contest.round_open_at(now_utc())
        residents = []
        for n, name in enumerate(("Nguyễn Thị Lan", "Trần Văn Bình")):
            participant = Participant(contest_id=contest.id, full_name=name,
                                      phone=f"+8491234567{n}", birth_year=1965,
                                      consented_at=now_utc())
            db.session.add(participant)
            db.session.commit()
            residents.append(participant.id)
        in_progress = attempts.start_attempt(residents[0], round_.id, now_utc())
        done = attempts.start_attempt(residents[1], round_.id, now_utc())
        attempts.submit(done, {1: 0, 2: 1, 3: 2}, "120", now_utc())
        cookies = []
        for participant_id in residents:
            with app.test_request_context():
                response = make_response("")
                identity.remember(response, db.session.get(Participant, participant_id))
                cookies.append(response.headers["Set-Cookie"].split(";", 1)[0])
        pages = [
            ("contest", f"/c/{demo.contest_slug}", None),
            ("registration", f"/c/{demo.contest_slug}/register", None),
            ("question", f"/a/{in_progress.public_id}", cookies[0]),
            ("result", f"/a/{done.public_id}/result", cookies[1]),
        ]
    return app, pages


def lighthouse(url: str, cookie: str | None, chrome: str) -> dict:
    command = [
        str(LIGHTHOUSE_BIN), url, "--output=json", "--output-path=stdout", "--quiet",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env={**os.environ, "CHROME_PATH": chrome}, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    scores = {name: round(100 * (report["categories"][name]["score"] or 0))
              for name in CATEGORIES}
    scores["transfer_kb"] = report["audits"]["total-byte-weight"]["numericValue"] / 1024
    scores["failed"] = sorted(
        audit_id for name in CATEGORIES
        for ref in report["categories"][name]["auditRefs"]
        if ref["weight"] and (audit_id := ref["id"])
        and report["audits"][audit_id]["score"] is not None
        and report["audits"][audit_id]["score"] < 0.9)
    return scores


def main() -> None:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("contest.requests").setLevel(logging.ERROR)

    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        sys.exit(f"{chrome} not found: apt-get install chromium")
    runs = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "1"))
    install_lighthouse()
    tmp = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    holder = {"url": "http://127.0.0.1"}
    server = make_server("127.0.0.1", 0, None, threaded=True)
    holder["url"] = f"http://127.0.0.1:{server.server_port}"
    app, pages = build_site(tmp, holder)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rows = []
    try:
        print(f"{'page':<14}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}{'KB':>8}")
        for name, path, cookie in pages:
            results = [lighthouse(holder["url"] + path, cookie, chrome) for _ in range(runs)]
            row = {key: statistics.median(r[key] for r in results)
                   for key in (*CATEGORIES, "transfer_kb")}
            rows.append(row)
            print(f"{name:<14}{row['performance']:>6.0f}{row['accessibility']:>6.0f}"
                  f"{row['best-practices']:>6.0f}{row['seo']:>6.0f}{row['transfer_kb']:>8.1f}"
                  + (f"   below 90: {', '.join(results[-1]['failed'])}"
                     if results[-1]["failed"] else ""), flush=True)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"min_performance={min(r['performance'] for r in rows):.0f} "
          f"min_accessibility={min(r['accessibility'] for r in rows):.0f} "
          f"max_transfer_kb={max(r['transfer_kb'] for r in rows):.1f}")


if __name__ == "__main__":
    main()
