"""Posters and QR codes: a local public address is called out; posters show rounds and prizes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from contest.services.contests.entry_points import local_address_warning
from tests import factories

WARNING = "điện thoại của người dân không mở được"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("base", [
    "http://127.0.0.1:5000", "http://localhost:8000", "http://192.168.1.20",
    "http://10.0.0.5:8080", "http://[::1]:5000", "http://may-chu", "http://thi.local",
])
def test_local_addresses_are_called_out(base):
    warning = local_address_warning(base)
    assert WARNING in warning and "CONTEST_PUBLIC_BASE_URL" in warning and base in warning


@pytest.mark.parametrize("base", ["https://thi.phuvan.gov.vn", "http://203.113.1.5"])
def test_public_addresses_are_not(base):
    assert local_address_warning(base) == ""


@pytest.fixture
def local_app(app):
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    return app


def _entry(app, **round_fields):
    with app.app_context():
        contest = factories.make_contest(title="Cuộc thi tìm hiểu CCHC 2027",
                                         prize_tiers=[{"name": "Giải Nhất", "count": 1,
                                                       "value": "1.000.000 đồng"},
                                                      {"name": "Giải Khuyến khích",
                                                       "count": 10}])
        opens = factories.now() + timedelta(days=1)
        for n in range(3):
            factories.make_round(contest, name=f"Tuần {n + 1}",
                                 opens_at=opens + timedelta(days=7 * n),
                                 closes_at=opens + timedelta(days=7 * n + 7))
        entry = factories.make_entry_point(contest, code="TDP7", label="Nhãn nội bộ TDP7")
        return entry.id, contest.id


def test_qr_pages_and_downloads_warn_on_a_local_address(local_app, client, login_as):
    login_as("organiser")
    entry_id, contest_id = _entry(local_app)
    listing = client.get("/admin/entry_points/").get_data(as_text=True)
    assert "Điện thoại không mở được địa chỉ này" in listing
    assert "CONTEST_PUBLIC_BASE_URL" in listing
    edit = client.get(f"/admin/entry_points/{entry_id}/edit").get_data(as_text=True)
    assert "CONTEST_PUBLIC_BASE_URL" in edit
    assert "CONTEST_PUBLIC_BASE_URL" in client.get("/admin/entry_points/new").get_data(
        as_text=True)
    poster = pdf_text(client.get(f"/admin/entry_points/{entry_id}/poster.pdf").data)
    assert "BẢN THỬ" in poster and "CONTEST_PUBLIC_BASE_URL" in poster
    stickers = pdf_text(client.get(f"/admin/entry_points/stickers/{contest_id}.pdf").data)
    assert "BẢN THỬ" in stickers and "Quét mã để dự thi" in stickers
    assert "Nhãn nội bộ TDP7" not in stickers


def test_a_public_address_prints_clean(app, client, login_as):
    login_as("organiser")
    entry_id, _ = _entry(app)
    assert "CONTEST_PUBLIC_BASE_URL" not in client.get("/admin/entry_points/").get_data(
        as_text=True)
    poster = pdf_text(client.get(f"/admin/entry_points/{entry_id}/poster.pdf").data)
    assert "BẢN THỬ" not in poster


def test_poster_shows_every_round_and_the_prizes(app, client, login_as):
    login_as("organiser")
    entry_id, _ = _entry(app)
    poster = pdf_text(client.get(f"/admin/entry_points/{entry_id}/poster.pdf").data)
    for n in (1, 2, 3):
        assert f"Tuần {n}: từ" in poster
    assert "Cơ cấu giải" in poster
    assert "Giải Nhất: 1 giải — 1.000.000 đồng" in poster
    assert "Giải Khuyến khích: 10 giải" in poster
    assert len(PdfReader(io.BytesIO(client.get(
        f"/admin/entry_points/{entry_id}/poster.pdf").data)).pages) == 1
