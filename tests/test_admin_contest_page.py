"""What organisers set for the contest page: purpose, contact, prize values, certificates."""

from __future__ import annotations

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Contest, Round
from tests import factories
from tests.helpers import contest_form, round_form


def test_organisers_set_purpose_contact_and_certificates(app_ctx, client, login_as):
    login_as("organiser")
    response = client.post("/admin/contests/new", data=contest_form(
        purpose="Giúp người dân hiểu các thủ tục hành chính.",
        contact_phone="0912 345 678", contact_address="Bộ phận một cửa, UBND phường Phù Vân",
        participation_certificates="y"))
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    contest = db.session.scalar(sa.select(Contest))
    assert contest.purpose == "Giúp người dân hiểu các thủ tục hành chính."
    assert contest.contact_phone == "0912 345 678"
    assert contest.contact_address == "Bộ phận một cửa, UBND phường Phù Vân"
    assert contest.participation_certificates is True
    page = client.get(f"/admin/contests/{contest.id}").get_data(as_text=True)
    assert "Liên hệ Ban tổ chức: 0912 345 678 · Bộ phận một cửa" in page
    assert "người đã nộp bài được tải" in page


def test_a_contact_number_with_letters_is_refused_in_vietnamese(app_ctx, client, login_as):
    login_as("organiser")
    response = client.post("/admin/contests/new", data=contest_form(contact_phone="gọi tôi"))
    assert response.status_code == 422
    assert "Số điện thoại liên hệ chỉ gồm chữ số" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Contest)) is None


def test_prize_tiers_say_what_each_prize_is(app_ctx, client, login_as):
    login_as("organiser")
    factories.make_bank(per_area=2, codes=["a", "b"])
    contest = factories.make_contest(slug="cchc")
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(**{
        "prize_tiers-0-value": "Giấy khen và 1.000.000 đồng"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    round_ = db.session.scalar(sa.select(Round))
    assert round_.prize_tiers[0] == {"name": "Giải Nhất", "count": 1,
                                     "value": "Giấy khen và 1.000.000 đồng"}
    assert round_.prize_tiers[1] == {"name": "Giải Nhì", "count": 2}
    too_long = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
        "Đợt 2", opens="2026-03-09T00:00", closes="2026-03-16T00:00",
        **{"prize_tiers-0-value": "x" * 201}))
    assert too_long.status_code == 422


def test_a_rounds_state_is_named_alike_on_every_back_office_page(app_ctx, client, login_as):
    """Overview, contest page and results list once said "Đang mở" / "Đang diễn ra"."""
    from datetime import timedelta

    contest = factories.make_contest()
    now = factories.now()
    factories.make_round(contest, name="Đợt đang mở", opens_at=now - timedelta(hours=1))
    factories.make_round(contest, name="Đợt sắp tới", opens_at=now + timedelta(days=10))
    db.session.commit()
    login_as("organiser")
    for url in ("/admin/", f"/admin/contests/{contest.id}", "/admin/results/"):
        page = client.get(url).get_data(as_text=True)
        assert '<span class="badge ok">Đang mở</span>' in page, url
        assert '<span class="badge warn">Sắp mở</span>' in page, url
        assert "diễn ra</span>" not in page, url
