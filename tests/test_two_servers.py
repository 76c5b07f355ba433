"""Two app servers behind nginx, one PostgreSQL and one Redis (docs/deploy.md §6).

Two gunicorn instances of the app on different ports, nginx from Debian's package in
front of them (round-robin, no sticky sessions). A resident registers on one server
and answers through both; an organiser signs in through one and is recognised by the
other; evidence uploaded through one downloads through the other; the sign-in limit
counts failures made on both; one server is killed mid-round and the resident
finishes through nginx with every acknowledged answer kept.
"""

from __future__ import annotations

import json
import os
import re
import signal
import urllib.parse

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Activity, ActivityForm, ContentArea, ParticipantCategory
from tests import factories
from tests.servers import NGINX, HttpClient, free_port, gunicorn, nginx_round_robin

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None and not os.environ.get("CI"),
                       reason="nginx is not installed (.ci/run installs it)"),
]

CSRF_META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01\x02" * 300


def _world(app) -> dict:
    with app.app_context():
        factories.make_bank(per_area=4, codes="ab")
        contest = factories.make_contest()
        round_ = factories.make_round(contest, quota={"a": 2, "b": 2})
        organiser = factories.make_user("organiser", username="bantochuc")
        world = {
            "slug": contest.slug, "round_id": round_.id, "unit_id": factories.make_unit().id,
            "category_id": db.session.scalar(sa.select(ParticipantCategory.id).limit(1)),
            "organiser": organiser.username,
            "form_id": db.session.scalar(sa.select(ActivityForm.id).limit(1)),
            "area_id": db.session.scalar(sa.select(ContentArea.id).limit(1)),
        }
        db.session.remove()
        return world


def _env(app, redis_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        # The same key on every server (deploy guide §6).
        "CONTEST_SECRET_KEY": "hai-may-chu-" + "f" * 52,
        "CONTEST_REDIS_URL": redis_url,
        "CONTEST_PUBLIC_BASE_URL": "http://127.0.0.1",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESSLOG": "/dev/null",
    }


def _register(resident: HttpClient, world: dict) -> None:
    path = f"/c/{world['slug']}/register"
    status, body, url = resident.request(path, form={
        "csrf_token": resident.csrf(path), "full_name": "Nguyễn Thị Hai Máy",
        "phone": "0912 777 001", "birth_year": "1966", "consent": "y",
        "unit": str(world["unit_id"]), "category": str(world["category_id"])})
    assert status == 200 and f"/c/{world['slug']}" in url, (status, url, body[:300])


def _start(resident: HttpClient, world: dict) -> tuple[str, str]:
    contest_page = f"/c/{world['slug']}"
    status, body, url = resident.request(
        f"{contest_page}/rounds/{world['round_id']}/start",
        form={"csrf_token": resident.csrf(contest_page)})
    assert status == 200 and "/a/" in url, (status, url, body[:300])
    token = CSRF_META_RE.search(body.decode()).group(1)
    return urllib.parse.urlsplit(url).path.split("/")[2], token


def _save(resident: HttpClient, attempt: str, token: str, position: int, choice: int) -> bool:
    status, body, _ = resident.request(
        f"/a/{attempt}/answer", payload={"position": position, "choice": choice},
        headers={"X-CSRFToken": token})
    return status == 200 and json.loads(body).get("ok") is True


def _stored(app, attempt: str) -> dict[int, int | None]:
    from contest.models import Attempt, AttemptItem

    with app.app_context():
        rows = db.session.execute(
            sa.select(AttemptItem.position, AttemptItem.option_order, AttemptItem.chosen_option)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.public_id == attempt)).all()
        db.session.remove()
    return {pos: (order.index(chosen) if chosen is not None else None)
            for pos, order, chosen in rows}


def _sign_in(client: HttpClient, username: str, password: str) -> int:
    status, _, _ = client.request("/login", follow=False, form={
        "csrf_token": client.csrf("/login"), "username": username, "password": password})
    return status


def test_two_servers_behind_nginx_serve_one_contest(app, tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: set TEST_REDIS_URL (.ci/run does)")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # a clean slate for the shared limits
    world = _world(app)
    env = _env(app, redis_url)
    port_a, port_b, port_lb = free_port(), free_port(), free_port()
    a_base, b_base = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    lb_base = f"http://127.0.0.1:{port_lb}"
    with gunicorn(env, port_a, tmp_path / "a.log") as server_a, \
            gunicorn(env, port_b, tmp_path / "b.log"), \
            nginx_round_robin([port_a, port_b], port_lb, tmp_path / "nginx"):
        # A resident registers on A, starts on B, and answers on both in turn.
        on_a = HttpClient(a_base)
        on_b = on_a.on(b_base)
        through_lb = on_a.on(lb_base)
        _register(on_a, world)
        attempt, token = _start(on_b, world)
        acked: dict[int, int] = {}
        for position, server in [(1, on_a), (2, on_b)]:
            assert _save(server, attempt, token, position, position % 4)
            acked[position] = position % 4
        assert _stored(app, attempt) == {1: 1, 2: 2, 3: None, 4: None}

        # An organiser signs in through A and is recognised by B (same secret, no
        # server-side session); evidence uploaded through A downloads through B.
        organiser_a = HttpClient(a_base)
        assert _sign_in(organiser_a, world["organiser"], factories.PASSWORD) == 302
        organiser_b = organiser_a.on(b_base)
        status, body, url = organiser_b.request("/admin/")
        assert status == 200 and "/login" not in url
        status, _, _ = organiser_a.request(
            "/activities/new", follow=False,
            form={"csrf_token": organiser_a.csrf("/activities/new"),
                  "date_start": "2026-04-02", "unit_id": str(world["unit_id"]),
                  "form_id": str(world["form_id"]),
                  "content_area_ids": [str(world["area_id"])],
                  "title": "Treo pano tuyên truyền", "quantity": "2",
                  "quantity_unit": "pano"},
            files={"attachment": ("pano.png", PNG, "image/png")})
        assert status == 302
        with app.app_context():
            activity_id = db.session.scalar(sa.select(Activity.id))
            db.session.remove()
        status, data, _ = organiser_b.request(f"/activities/{activity_id}/attachment")
        assert status == 200 and data == PNG

        # Failed sign-ins from one address count on both servers: the limit of 10 is
        # reached after 10 failures, whichever server saw them.
        statuses = []
        for n in range(12):
            stranger = HttpClient(a_base if n % 2 == 0 else b_base)
            statuses.append(_sign_in(stranger, world["organiser"], "sai-mat-khau-0000"))
        assert 429 not in statuses[:10], statuses
        assert statuses[10:] == [429, 429], statuses

        # Server A dies mid-round; the resident carries on through nginx, which sends
        # everything to B. Every acknowledged answer is kept; the submit is graded.
        os.killpg(server_a.pid, signal.SIGKILL)
        server_a.wait()
        for position in (3, 4):
            for _try in range(5):
                if _save(through_lb, attempt, token, position, 3):
                    acked[position] = 3
                    break
        assert set(acked) == {1, 2, 3, 4}
        status, body, url = through_lb.request(
            f"/a/{attempt}/submit",
            form={"csrf_token": token, "confirm": "yes",
                  **{f"q{p}": str(c) for p, c in acked.items()}})
        assert status == 200 and f"/a/{attempt}/result" in url, (status, url, body[:300])
        assert _stored(app, attempt) == acked
