"""The contest page and sharing: purpose, contact, prizes, entry count, link previews,
the "Chia sẻ" button, icons."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from contest.extensions import db
from contest.helpers.formatting import format_number
from contest.models import Attempt, Contest
from contest.services.statistics import participation
from tests import factories


def test_favicon_and_touch_icon_are_served_and_linked(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"
    assert "max-age" in icon.headers["Cache-Control"]
    touch = client.get("/apple-touch-icon.png")
    assert touch.status_code == 200 and touch.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/apple-touch-icon-precomposed.png").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in home
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in home


# --------------------------------------------------------------------------- contest page


@pytest.fixture
def contest_world(app):
    with app.app_context():
        factories.make_bank(per_area=3, codes="ab")
        contest = factories.make_contest(
            slug="cchc", title="Cuộc thi tìm hiểu CCHC 2026",
            purpose="Giúp người dân hiểu và dùng thuận tiện dịch vụ công trực tuyến.",
            contact_phone="0229 3871 234", contact_address="Phòng Văn hóa – Xã hội, UBND phường")
        round_ = factories.make_round(contest, quota={"a": 1, "b": 1}, prize_tiers=[
            {"name": "Giải Nhất", "count": 1, "value": "Giấy khen và 1.000.000 đồng"},
            {"name": "Giải Khuyến khích", "count": 10}])
        for _ in range(3):
            participant = factories.make_participant(contest)
            db.session.add(Attempt(
                round_id=round_.id, participant_id=participant.id, number=1,
                status="submitted", started_at=factories.now(), deadline=factories.now(),
                submitted_at=factories.now(), question_count=2, score=1, correct_count=1))
        db.session.commit()
        return {"round_id": round_.id}


def test_contest_page_says_why_who_to_call_what_the_prizes_are_and_how_many_took_part(
        client, contest_world):
    page = client.get("/c/cchc").get_data(as_text=True)
    assert '<p class="purpose">Giúp người dân hiểu và dùng thuận tiện dịch vụ công' in page
    assert "Liên hệ Ban tổ chức" in page and 'href="tel:02293871234"' in page
    assert "0229 3871 234" in page and "Phòng Văn hóa – Xã hội, UBND phường" in page
    assert "<strong>Giải Nhất</strong> (1 giải): Giấy khen và 1.000.000 đồng" in page
    assert "<strong>Giải Khuyến khích</strong> (10 giải)</li>" in page
    assert "Đã có <strong>3</strong> lượt dự thi" in page


def test_entry_count_counts_submitted_attempts_only(app, client, contest_world):
    with app.app_context():
        contest_id = db.session.scalar(sa.select(Contest.id))
        assert participation.entry_count(contest_id) == 3
        db.session.execute(sa.update(Attempt).where(Attempt.id == 1)
                           .values(status="in_progress"))
        db.session.commit()
        assert participation.entry_count(contest_id) == 2
    assert format_number(1234) == "1.234"  # as the page writes it: "Đã có 1.234 lượt"


def test_contest_and_registration_pages_carry_a_link_preview(client, contest_world):
    for path in ("/c/cchc", "/c/cchc/register"):
        page = client.get(path).get_data(as_text=True)
        assert '<meta property="og:title" content="Cuộc thi tìm hiểu CCHC 2026">' in page, path
        assert '<meta property="og:description" content="Giúp người dân hiểu' in page
        assert ('<meta property="og:url" content="https://thi.phuvan.example/c/cchc">'
                in page)
        assert ('<meta property="og:image" content="https://thi.phuvan.example/c/cchc/'
                'preview.png">' in page)
        assert '<meta name="twitter:card" content="summary_large_image">' in page
    image = client.get("/c/cchc/preview.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    picture = Image.open(BytesIO(image.data))
    assert picture.size == (1200, 630) and len(image.data) < 100 * 1024
    assert client.get("/c/khong-co/preview.png").status_code == 404


def test_share_button_is_a_plain_link_to_a_page_with_the_link_and_a_qr_code(
        client, contest_world):
    page = client.get("/c/cchc").get_data(as_text=True)
    button = re.search(r'<a class="button big" id="share-button" href="([^"]+)"', page)
    assert button and button.group(1) == "/c/cchc/share" and ">Chia sẻ</a>" in page
    assert 'data-url="https://thi.phuvan.example/c/cchc"' in page
    assert '/static/js/share.js' in page
    # No third-party script: every script is the app's own.
    assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]+)"', page))
    share = client.get("/c/cchc/share").get_data(as_text=True)
    assert 'value="https://thi.phuvan.example/c/cchc"' in share and "Sao chép" in share
    qr = client.get("/c/cchc/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_robots_txt_keeps_search_engines_out_of_the_back_office(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Disallow: /admin/" in text and "Disallow: /c/" not in text


def test_refusal_pages_say_how_to_reach_the_organisers(app, contest_world):
    """Notices for a contest (no attempts left, a round the bank cannot fill…) tell
    residents who to call, where they say "liên hệ Ban tổ chức"."""
    from contest.public.routes import notice

    with app.test_request_context():
        body, status = notice("Đã hết lượt", "Vui lòng liên hệ Ban tổ chức.",
                              409, contest=db.session.scalar(sa.select(Contest)))
    assert status == 409
    assert 'Liên hệ Ban tổ chức: <a href="tel:02293871234">0229 3871 234</a>' in body
    assert "Phòng Văn hóa – Xã hội, UBND phường" in body
