"""QR entry points: codes, numbers per code, and the printable downloads (decoded for real)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from contest.extensions import db
from contest.helpers.timeutil import LOCAL_TZ
from contest.models import Attempt, AuditEntry, EntryPoint, Scan
from contest.services.contests import entry_points as qr
from contest.services.contests import posters
from contest.services.contests.entry_points import EntryPointData, EntryPointError
from tests import factories

BASE = "https://thi.phuvan.example"  # PUBLIC_BASE_URL in the test config
SLOGAN_START = "Cải cách hành chính phải xuất phát từ lợi ích của người dân"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # Lines wrap wherever the layout breaks them: compare with white space folded.
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def decode_png(data: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


# --- codes ----------------------------------------------------------------------------------

def test_generated_codes_avoid_ambiguous_characters(app_ctx):
    codes = {qr.generate_code() for _ in range(300)}
    assert all(len(code) == 6 for code in codes)
    assert not set("".join(codes)) & set("01OIL")


@pytest.mark.parametrize(("code", "message"), [
    ("AB", "từ 4 đến 20 ký tự"),
    ("X" * 21, "từ 4 đến 20 ký tự"),
    ("PHÙVÂN", "không dấu"),
    ("PHU VAN", "không có khoảng trắng"),
    ("<script>", "chữ cái không dấu"),
])
def test_chosen_code_is_validated(app_ctx, code, message):
    with pytest.raises(EntryPointError, match=message):
        qr.check_code(code)


def test_chosen_code_must_be_unique_ignoring_case(app_ctx):
    contest = factories.make_contest()
    factories.make_entry_point(contest, code="PHUVAN")
    with pytest.raises(EntryPointError, match="đã được dùng"):
        qr.create_entry_point(EntryPointData(contest.id, "Pano", code="phuvan"), None)


def test_organiser_creates_entry_points_generated_and_chosen(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        contest_id = factories.make_contest(title="Cuộc thi CCHC 2026").id
    response = client.post("/admin/entry_points/new", data={
        "contest_id": contest_id, "label": "Pano ngã tư Phù Vân", "place": "Ngã tư Lê Lợi",
        "kind": "pano", "code": "", "active": "y"})
    assert response.status_code == 302
    response = client.post("/admin/entry_points/new", data={
        "contest_id": contest_id, "label": "Bảng tin tổ dân phố 5", "kind": "ap_phich",
        "code": " tdp5 ", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        entries = db.session.scalars(sa.select(EntryPoint).order_by(EntryPoint.id)).all()
        assert len(entries[0].code) == 6
        assert entries[1].code == "TDP5"
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert actions.count("entry_point.create") == 2
    page = client.get(f"/admin/entry_points/?contest_id={contest_id}").get_data(as_text=True)
    assert f"{BASE}/q/TDP5" in page and "Pano ngã tư Phù Vân" in page


def test_duplicate_or_bad_code_in_the_form_is_refused(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        contest = factories.make_contest()
        factories.make_entry_point(contest, code="PHUVAN")
        contest_id = contest.id
    for code, message in (("PHUVAN", "đã được dùng"), ("Ô!", "chữ cái không dấu")):
        response = client.post("/admin/entry_points/new", data={
            "contest_id": contest_id, "label": "Tờ rơi", "kind": "to_roi", "code": code})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    response = client.post("/admin/entry_points/new", data={
        "contest_id": "", "label": "", "kind": "pano"})
    assert response.status_code == 422
    assert "Vui lòng chọn cuộc thi." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(EntryPoint.id))) == 1


def test_the_form_offers_the_limits_the_service_checks(client, login_as):
    login_as("organiser")
    page = client.get("/admin/entry_points/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*maxlength="200"[^>]*name="label"', page)
    assert re.search(r'<input[^>]*maxlength="300"[^>]*name="place"', page)
    assert re.search(r'<input[^>]*maxlength="20"[^>]*name="code"', page)
    assert "4–20 chữ cái không dấu hoặc chữ số. Mã tự tạo gồm 6 ký tự" in page


def test_edit_keeps_code_when_left_empty_and_audits_changes(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        contest = factories.make_contest()
        entry_id = factories.make_entry_point(contest, code="KEEP42", label="Cũ").id
        contest_id = contest.id
    response = client.post(f"/admin/entry_points/{entry_id}/edit", data={
        "contest_id": contest_id, "label": "Mới", "kind": "bang_ron", "code": "", "active": "y"})
    assert response.status_code == 302
    assert client.post(f"/admin/entry_points/{entry_id}/deactivate").status_code == 302
    with app.app_context():
        entry = db.session.get(EntryPoint, entry_id)
        assert (entry.code, entry.label, entry.kind, entry.active) == (
            "KEEP42", "Mới", "bang_ron", False)
        update = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "entry_point.update"))
        assert update.before == {"kind": "ap_phich", "label": "Cũ"}
        assert update.after == {"kind": "bang_ron", "label": "Mới"}
        assert db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "entry_point.deactivate"))


# --- numbers per code -----------------------------------------------------------------------

def test_stats_count_scans_registrations_and_submitted_attempts(app, client, login_as):
    with app.app_context():
        contest = factories.make_contest()
        round_ = factories.make_round(contest)
        poster = factories.make_entry_point(contest, code="POSTER", scan_count=7)
        leaflet = factories.make_entry_point(contest, code="LEAFLET", scan_count=2)
        factories.make_entry_point(contest, code="UNUSED")
        now = datetime.now(UTC)
        for n in range(3):
            person = factories.make_participant(contest, entry_point_id=poster.id)
            if n < 2:  # two submitted (one of them twice), one never finished
                db.session.add(Attempt(participant_id=person.id, round_id=round_.id, number=1,
                                       deadline=now + timedelta(minutes=15),
                                       status="submitted", submitted_at=now))
            if n == 0:
                db.session.add(Attempt(participant_id=person.id, round_id=round_.id, number=2,
                                       deadline=now + timedelta(minutes=15),
                                       status="submitted", submitted_at=now))
            if n == 2:
                db.session.add(Attempt(participant_id=person.id, round_id=round_.id, number=1,
                                       deadline=now + timedelta(minutes=15)))
        factories.make_participant(contest, entry_point_id=leaflet.id)
        factories.make_participant(contest)  # came without a QR code
        db.session.commit()
        stats = qr.entry_point_stats()
        assert stats[poster.id] == qr.EntryStats(scans=7, registrations=3, completed=3)
        assert stats[leaflet.id] == qr.EntryStats(scans=2, registrations=1, completed=0)
        assert len(stats) == 3
        contest_id = contest.id
    login_as("viewer")
    page = client.get(f"/admin/entry_points/?contest_id={contest_id}").get_data(as_text=True)
    row = page.split("POSTER</strong>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["7", "3", "3"]


# --- downloads ------------------------------------------------------------------------------

def test_png_round_trip_gives_back_the_exact_url(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        entry_id = factories.make_entry_point(factories.make_contest(), code="PHUVAN").id
    response = client.get(f"/admin/entry_points/{entry_id}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode_png(response.data) == [f"{BASE}/q/PHUVAN"]
    image = Image.open(io.BytesIO(response.data))
    # Print resolution: at least 10 cm wide at 300 dpi.
    assert image.width >= 1200
    assert round(image.info["dpi"][0]) == 300


def test_svg_download_encodes_the_url(app, client, login_as):
    login_as("viewer")
    with app.app_context():
        entry_id = factories.make_entry_point(factories.make_contest(), code="SVG123").id
    response = client.get(f"/admin/entry_points/{entry_id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<?xml") and b"<svg" in response.data
    # The SVG and the PNG come from the same code matrix; the PNG decodes to the URL.
    assert decode_png(qr.qr_png(f"{BASE}/q/SVG123")) == [f"{BASE}/q/SVG123"]


def test_poster_has_title_dates_url_slogan_and_organiser(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        contest = factories.make_contest(title="Cuộc thi tìm hiểu về cải cách hành chính năm 2026",
                                         organiser="Ủy ban nhân dân phường Phù Vân")
        # A week from 00:00 Vietnam time (17:00 UTC the day before), starting in 3 days.
        opens_local = (datetime.now(LOCAL_TZ) + timedelta(days=3)).replace(
            hour=0, minute=0, second=0, microsecond=0)
        closes_local = opens_local + timedelta(days=7)
        factories.make_round(contest, name="Tuần thứ nhất", opens_at=opens_local.astimezone(UTC),
                             closes_at=closes_local.astimezone(UTC))
        entry_id = factories.make_entry_point(contest, code="DTP5",
                                              place="Bảng tin tổ dân phố 5").id
    response = client.get(f"/admin/entry_points/{entry_id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Cuộc thi tìm hiểu về cải cách hành chính năm 2026" in text
    assert f"{BASE}/q/DTP5" in text
    assert SLOGAN_START in text and "lấy người dân, doanh nghiệp làm trung tâm" in text
    assert "Ban tổ chức: Ủy ban nhân dân phường Phù Vân" in text
    last_day = (closes_local - timedelta(days=1)).strftime("%d/%m/%Y")
    assert (f"Tuần thứ nhất: từ 00:00 ngày {opens_local:%d/%m/%Y} đến 24:00 ngày {last_day}"
            in text)


def test_poster_shows_every_round_in_order(app_ctx):
    contest = factories.make_contest()
    now = datetime.now(UTC)
    factories.make_round(contest, name="Đợt sắp tới", opens_at=now + timedelta(days=3),
                         closes_at=now + timedelta(days=10))
    factories.make_round(contest, name="Đợt đã qua", opens_at=now - timedelta(days=20),
                         closes_at=now - timedelta(days=13))
    from contest.admin.entry_points import _poster_rounds

    db.session.refresh(contest)
    assert [r.name for r in _poster_rounds(contest)] == ["Đợt đã qua", "Đợt sắp tới"]


def test_poster_qr_code_decodes_from_the_service(app_ctx):
    url = f"{BASE}/q/ABC234"
    data = posters.poster_pdf(title="Cuộc thi", url=url, organiser="UBND phường Phù Vân")
    reader = PdfReader(io.BytesIO(data))
    [image] = reader.pages[0].images
    assert [r.text for r in zxingcpp.read_barcodes(image.image)] == [url]


def test_sticker_sheet_lists_every_active_code_calling_residents_to_scan(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        contest = factories.make_contest(title="Cuộc thi tìm hiểu CCHC phường Phù Vân")
        for n in range(14):
            factories.make_entry_point(contest, code=f"TDP{n:02d}",
                                       label=f"Bảng tin tổ dân phố số {n}")
        factories.make_entry_point(contest, code="OFF01", label="Pano đã gỡ", active=False)
        other = factories.make_entry_point(factories.make_contest(), code="OTHER1")
        contest_id, other_code = contest.id, other.code
    response = client.get(f"/admin/entry_points/stickers/{contest_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2  # 12 stickers per A4 page
    text = pdf_text(response.data)
    assert "Cuộc thi tìm hiểu CCHC phường Phù Vân" in text
    assert text.count("Quét mã để dự thi") == 14
    for n in range(14):
        # The label is the organisers' name for the code; the sticker does not print it.
        assert f"Bảng tin tổ dân phố số {n}" not in text
        assert f"{BASE}/q/TDP{n:02d}" in text and f"Mã TDP{n:02d}" in text
    assert "Pano đã gỡ" not in text and other_code not in text
    first = reader.pages[0].images[0].image
    assert [r.text for r in zxingcpp.read_barcodes(first)] == [f"{BASE}/q/TDP00"]


def test_downloads_of_unknown_entry_points_are_404(app, client, login_as):
    login_as("organiser")
    assert client.get("/admin/entry_points/999/poster.pdf").status_code == 404
    assert client.get("/admin/entry_points/stickers/999.pdf").status_code == 404


# --- scans ----------------------------------------------------------------------------------

def test_a_scan_is_counted_by_the_service_whatever_the_case_of_the_code(app_ctx):
    contest = factories.make_contest()
    poster = factories.make_entry_point(contest, code="POSTER9")
    now = factories.now()
    assert qr.record_scan(" poster9 ", now).id == poster.id
    assert qr.record_scan("POSTER9", now).id == poster.id
    db.session.commit()
    assert db.session.get(EntryPoint, poster.id).scan_count == 2
    assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 2


@pytest.mark.parametrize("code", ["NOSUCH", "P" * 33])
def test_an_unknown_or_overlong_code_counts_nothing(app_ctx, code):
    factories.make_entry_point(factories.make_contest(), code="POSTER9")
    assert qr.record_scan(code, factories.now()) is None
    assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 0
