"""Helpers shared by test modules (no test module imports another).

Sign-in: :func:`sign_in` posts the real form; the ``login_as`` fixture in conftest.py
creates a user of a role and signs a client in with it. The rest builds the
resident's journey (a contest with an open round, registering, starting) and reads
back what pages and documents contain.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from docx import Document
from flask import make_response
from pypdf import PdfReader

from contest.extensions import db
from contest.models import Attempt, ParticipantCategory
from contest.public import identity
from tests import factories
from tests.ranking_factories import add_attempt

#: The citizen id of the first resident of :func:`results_world`.
CCCD_A = "001203004005"

#: Under CI a missing PostgreSQL or browser fails the run instead of skipping.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def make_test_config(database_url: str, instance_path: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_BASE_URL": "https://thi.phuvan.example",
        "INSTANCE_PATH": instance_path,
    }
    config.update(overrides)
    return config


# --------------------------------------------------------------------------- signing in


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on ``url`` (as a browser would send it)."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def sign_in(client, username: str, password: str = factories.PASSWORD, *,
            next_url: str | None = None):
    """Post the sign-in form as a browser does (with its CSRF token when CSRF is on)."""
    url = "/login" if next_url is None else "/login?" + urlencode({"next": next_url})
    data = {"username": username, "password": password}
    if client.application.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=data)


# --------------------------------------------------------------------------- the resident


def publish(client, round_id, reason=None):
    data = {"reason": reason, "confirm": "yes"} if reason else {"confirm": "yes"}
    return client.post(f"/admin/results/rounds/{round_id}/publish", data=data)


def contest_form(**overrides) -> dict:
    ids = [c.id for c in db.session.scalars(sa.select(ParticipantCategory))]
    data = {
        "title": "Cuộc thi tìm hiểu về cải cách hành chính năm 2026",
        "slug": "cchc-2026",
        "organiser": "UBND phường Phù Vân",
        "rules": "## Thể lệ\n\nMỗi đợt **20 câu**.",
        "status": "draft",
        "birth_year_mode": "optional",
        "gender_mode": "hidden",
        "citizen_id_mode": "optional",
        "category_ids": [str(i) for i in ids[:2]],
        "min_age": "",
        "max_age": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def round_form(round_name: str = "Đợt 1", opens: str = "2026-03-02T00:00",
               closes: str = "2026-03-09T00:00", quota: dict[str, int] | None = None,
               **overrides) -> dict:
    from contest.models import ContentArea

    quota = {"a": 2, "b": 1} if quota is None else quota
    data = {
        "name": round_name, "opens_at": opens, "closes_at": closes,
        "time_limit_minutes": "15", "attempts_allowed": "2", "counted_attempt": "best",
        "has_prediction": "y", "prediction_target": "full_marks",
        "reveal_answers": "after_close",
        "prize_tiers-0-name": "Giải Nhất", "prize_tiers-0-count": "1",
        "prize_tiers-1-name": "Giải Nhì", "prize_tiers-1-count": "2",
        "prize_tiers-2-name": "Giải Ba", "prize_tiers-2-count": "3",
        "prize_tiers-3-name": "Giải Khuyến khích", "prize_tiers-3-count": "10",
    }
    for area in db.session.scalars(sa.select(ContentArea)):
        data[f"quota_{area.id}"] = str(quota.get(area.code, 0))
    data.update(overrides)
    return data


def docx_text(data: bytes) -> tuple[Document, str]:
    """The document and all its text: paragraphs, then every table cell (nested ones too)."""
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return document, "\n".join(parts)


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def remember(app, client, participant_id: int) -> None:
    """The resident's browser, as registration leaves it: the remembered-identity cookie."""
    from contest.models import Participant

    with app.test_request_context():
        response = make_response("")
        identity.remember(response, db.session.get(Participant, participant_id))
    for header in response.headers.getlist("Set-Cookie"):
        name, value = header.split(";", 1)[0].split("=", 1)
        client.set_cookie(name, value)


def fresh_attempt_at(path: str) -> Attempt:
    public_id = path.rstrip("/").split("/")[2]
    db.session.expire_all()
    return db.session.scalar(sa.select(Attempt).where(Attempt.public_id == public_id))


def public_world(quota=None, per_area=4, codes="ab", contest_fields=None, **round_fields):
    factories.make_bank(per_area=per_area, codes=codes)
    contest = factories.make_contest(slug="cchc", **(contest_fields or {}))
    round_ = factories.make_round(contest, quota=quota or {"a": 3, "b": 2}, **round_fields)
    entry = factories.make_entry_point(contest, code="POSTER1")
    unit = factories.make_unit(name="Tổ dân phố số 7")
    return {"contest_id": contest.id, "round_id": round_.id, "entry_id": entry.id,
            "unit_id": unit.id, "category_id": contest.categories[0].id}


def register_resident(client, world, phone="0912 345 678", **extra):
    data = {"full_name": "Trần Văn Bình", "phone": phone, "birth_year": "1970",
            "unit": str(world["unit_id"]), "category": str(world["category_id"]),
            "consent": "y"}
    data.update(extra)
    return client.post("/c/cchc/register", data=data)


def start_round(client, world):
    response = client.post(f"/c/cchc/rounds/{world['round_id']}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response.location


def attempt_at(path: str) -> Attempt:
    public_id = path.rstrip("/").split("/")[2]
    return db.session.scalar(sa.select(Attempt).where(Attempt.public_id == public_id))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def open_round_setup(app, **contest_fields):
    """A published contest, an open round with a bank that fills it, an entry point."""
    with app.app_context():
        factories.make_bank(per_area=3, codes="ab")
        contest = factories.make_contest(**contest_fields)
        round_ = factories.make_round(contest, quota={"a": 2, "b": 1})
        entry = factories.make_entry_point(contest)
        return contest.slug, round_.id, entry.code, contest.id


def register(app, client, slug: str, full_name: str = "Trần Thị Kiểm Thử", phone=None,
             unit_other: str | None = None):
    phone = phone or f"091{uuid.uuid4().int % 10**7:07d}"  # 091: always a valid mobile prefix
    data = {"full_name": full_name, "phone": phone, "consent": "y"}
    with app.app_context():
        data["category"] = str(db.session.scalar(
            sa.select(ParticipantCategory.id).order_by(ParticipantCategory.position).limit(1)
        ))
        if unit_other is not None:
            data.update(unit="other", unit_other=unit_other)
        else:
            data["unit"] = str(factories.make_unit().id)
    return client.post(f"/c/{slug}/register", data=data)


def start(client, slug: str, round_id: int) -> str:
    response = client.post(f"/c/{slug}/rounds/{round_id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return urlsplit(response.headers["Location"]).path.split("/")[2]


def results_world(app) -> dict:
    """A published contest with a closed round and three participants who submitted."""
    with app.app_context():
        contest = factories.make_contest(slug="cuoc-thi-cchc")
        opens = factories.now() - timedelta(days=8)
        round_ = factories.make_round(contest, name="Đợt 1", opens_at=opens,
                              closes_at=opens + timedelta(days=7),
                              prize_tiers=[{"name": "Giải Nhất", "count": 1},
                                           {"name": "Giải Nhì", "count": 1}])
        unit = factories.make_unit("Tổ dân phố Phúc Lộc")
        a = factories.make_participant(contest, full_name="Trần Thị Ánh", phone="+84912345678",
                               citizen_id=CCCD_A, birth_year=1985, unit_id=unit.id)
        b = factories.make_participant(contest, full_name="Lê Văn Bình", phone="+84987000111",
                               unit_id=unit.id)
        c = factories.make_participant(contest, full_name="Phạm Đức Cường", phone="+84977000222")
        add_attempt(round_, a, score=10, correct_count=10, question_count=10, prediction=1,
                    duration_ms=125_400)
        add_attempt(round_, b, score=10, correct_count=10, question_count=10, prediction=5,
                    duration_ms=90_000)
        add_attempt(round_, c, score=6, prediction=2)
        return {"round_id": round_.id, "slug": contest.slug, "contest_id": contest.id,
                "a": a.id, "b": b.id, "c": c.id, "a_public": a.public_id}
