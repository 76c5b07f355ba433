"""Every resident page, with what it loads, stays under 60 KB on the wire (slow mobile data).

The question page has its own test in test_public.py; here the others, each at its
heaviest: a contest with long rules and prizes, and a result with the answer key of
twenty long questions.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest.extensions import db
from contest.models import Round
from tests import factories
from tests.helpers import remember as _remember

LIMIT = 60 * 1024
LONG = "Theo Kế hoạch thông tin, tuyên truyền cải cách hành chính năm 2026, " * 3


@pytest.fixture
def world(app, client):
    with app.app_context():
        codes = "abcdđefghik"
        for code in codes:
            for n in range(2):
                factories.make_question(code, text=f"{LONG} ({code}{n})?", options=[
                    f"Phương án trả lời khá dài số {k} cho câu {code}{n}, đủ để đọc trên "
                    "điện thoại" for k in range(4)])
        contest = factories.make_contest(
            slug="cchc", rules="## Thể lệ\n\n" + "- Một điều của thể lệ cuộc thi.\n" * 80,
            purpose="Giúp người dân hiểu và dùng thuận tiện các thủ tục hành chính.",
            contact_phone="0229 3871 234", contact_address="Bộ phận Một cửa, UBND phường",
            participation_certificates=True)
        round_ = factories.make_round(contest, quota={code: 2 for code in codes[:10]})
        participant = factories.make_participant(contest)
        ids = {"round_id": round_.id, "participant_id": participant.id}
    _remember(app, client, ids["participant_id"])
    return ids


def _weight(client, path: str) -> int:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+|/favicon.ico)"', html))
    return len(response.data) + sum(len(client.get(a).data) for a in assets)


def test_each_resident_page_weighs_under_60_kb(app, client, world):
    visitor = app.test_client()
    for page in ("/", "/c/cchc", "/c/cchc/register", "/c/cchc/share"):
        assert _weight(visitor, page) < LIMIT, page
    path = client.post(f"/c/cchc/rounds/{world['round_id']}/start").location
    client.post(path + "/submit", data={"confirm": "yes", "q1": "0", "q2": "1"})
    with app.app_context():
        round_ = db.session.get(Round, world["round_id"])
        round_.closes_at = factories.now() - timedelta(seconds=1)
        round_.opens_at = round_.closes_at - timedelta(days=1)
        db.session.commit()
    assert "Giải thích" in client.get(path + "/result").get_data(as_text=True)
    for page in ("/c/cchc", "/c/cchc/me", path + "/result"):
        assert _weight(client, page) < LIMIT, page
