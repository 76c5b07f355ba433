"""Activity attachments: only real images and PDFs, within the size limit, inside uploads/."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Activity, ActivityForm, ContentArea, Unit
from contest.services.activity_log import activities as svc

LIMIT = 4096
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"0" * 200
EXE = b"MZ\x90\x00\x03" + b"\x00" * 200
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


@pytest.fixture
def app_config(tmp_path):
    return {"ACTIVITY_UPLOAD_DIR": str(tmp_path / "instance" / "uploads"),
            "MAX_ATTACHMENT_BYTES": LIMIT}


@pytest.fixture
def uploads(app) -> Path:
    return Path(app.config["ACTIVITY_UPLOAD_DIR"])


@pytest.fixture
def organiser(login_as, app_ctx):
    login_as(role="organiser")


def _fields() -> dict:
    unit = db.session.scalar(sa.select(Unit).order_by(Unit.id))
    form = db.session.scalar(sa.select(ActivityForm).where(ActivityForm.code == "b"))
    area = db.session.scalar(sa.select(ContentArea).where(ContentArea.code == "a"))
    return {"date_start": "2026-04-02", "unit_id": str(unit.id), "form_id": str(form.id),
            "content_area_ids": [str(area.id)], "title": "Treo băng rôn tuyên truyền",
            "quantity": "4", "quantity_unit": "băng rôn"}


def _post(client, data: bytes, name: str):
    return client.post("/activities/new",
                       data={**_fields(), "attachment": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _non_db_files(root: Path) -> set[Path]:
    return {p for p in _files(root) if ".sqlite3" not in p.name}


def _nothing_stored(uploads: Path) -> bool:
    return db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0 and not _files(uploads)


@pytest.mark.parametrize("data,name,ctype", [
    (PNG, "pano.png", "image/png"),
    (JPEG, "IMG_0001.JPG", "image/jpeg"),
    (WEBP, "anh.webp", "image/webp"),
    (PDF, "Biên bản hội nghị.pdf", "application/pdf"),
])
def test_real_images_and_pdfs_are_kept_under_a_random_name(client, organiser, uploads,
                                                            data, name, ctype):
    response = _post(client, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    activity = db.session.scalar(sa.select(Activity))
    assert activity.attachment_type == ctype
    assert activity.attachment_name.rsplit(".", 1)[0] == name.rsplit(".", 1)[0]
    stored = _files(uploads)
    assert [p.name for p in stored] == [activity.attachment_path]
    assert name not in activity.attachment_path
    assert stored[0].read_bytes() == data


@pytest.mark.parametrize("data,name", [
    (EXE, "setup.exe"),
    (EXE, "pano.png"),          # a program renamed as a picture
    (HTML, "pano.png"),         # a web page renamed as a picture
    (HTML, "trang.html"),
    (SVG, "logo.svg"),          # SVG can carry script
    (b"GIF89a" + b"\x00" * 50, "anh.gif"),
    (b"", "rong.png"),
])
def test_wrong_types_are_refused_by_content(client, organiser, uploads, data, name):
    response = _post(client, data, name)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tệp đính kèm" in html or "Chỉ nhận" in html
    assert _nothing_stored(uploads)


def test_oversize_is_refused_with_the_limit_named(client, organiser, uploads):
    response = _post(client, PNG + b"\x00" * LIMIT, "pano-lon.png")
    assert response.status_code == 400
    assert "quá lớn" in response.get_data(as_text=True)
    assert _nothing_stored(uploads)


def test_body_over_the_request_limit_gets_413_not_500(client, organiser, uploads, app):
    app.config["MAX_CONTENT_LENGTH"] = 2 * LIMIT
    response = _post(client, PNG + b"\x00" * (3 * LIMIT), "pano.png")
    assert response.status_code == 413
    assert _nothing_stored(uploads)


@pytest.mark.parametrize("name", [
    "../../etc/passwd.png",
    "..\\..\\windows\\win.png",
    "/etc/passwd.png",
    "C:\\Users\\x\\anh.png",
    "anh\x00.png",
])
def test_names_that_try_to_escape_the_folder_are_refused(client, organiser, uploads, tmp_path,
                                                         name):
    before = _non_db_files(tmp_path)
    response = _post(client, PNG, name)
    assert response.status_code == 400
    assert _nothing_stored(uploads)
    # Nothing was written next to or above the upload folder either.
    assert not (tmp_path / "etc").exists()
    assert _non_db_files(tmp_path) == before


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "/etc/passwd.png", "a\x00b.png",
                                  "a\nb.png", "..", "x/../../y.pdf"])
def test_service_refuses_path_like_names_without_writing(app_ctx, tmp_path, name):
    unit = db.session.scalar(sa.select(Unit).order_by(Unit.id))
    form = db.session.scalar(sa.select(ActivityForm))
    area = db.session.scalar(sa.select(ContentArea))
    target = tmp_path / "deep" / "uploads"
    with pytest.raises(svc.ActivityInvalid) as error:
        svc.create_activity(
            svc.Actor(None, "admin"),
            svc.ActivityData(date_start=date(2026, 1, 5),
                             unit_id=unit.id, form_id=form.id, content_area_ids=[area.id],
                             title="Thử"),
            directory=target, max_bytes=LIMIT, upload=svc.Upload(name, PDF),
        )
    assert "attachment" in error.value.errors
    assert not target.exists() or not _files(target)
    assert not (tmp_path / "etc").exists()
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_stored_path_accepts_only_generated_names(tmp_path):
    good = "0123456789abcdef0123456789abcdef.png"
    assert svc.stored_path(tmp_path, good) == (tmp_path / good).resolve()
    for bad in ["../x.png", "/etc/passwd", "0123456789abcdef0123456789abcdef.html",
                "..%2f..%2fetc.png", ""]:
        with pytest.raises(ValueError):
            svc.stored_path(tmp_path, bad)


def test_display_names_are_sanitised():
    assert svc.check_upload_name("Ảnh hội nghị <b>1<b>.png") == "Ảnh hội nghị _b_1_b_.png"
    assert svc.check_upload_name("  .hidden.png") == "hidden.png"
    # Nothing that could break out of a Content-Disposition header survives.
    assert svc.check_upload_name('x"; filename=evil.exe') == "x__ filename_evil.exe"
    _, shown = svc.check_upload(svc.Upload("tai-lieu.png", PDF), LIMIT)
    assert shown == "tai-lieu.pdf"  # the extension follows the real content


def test_replacing_and_removing_an_attachment_cleans_the_folder(client, organiser, uploads):
    assert _post(client, PNG, "a.png").status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    first = activity.attachment_path
    response = client.post(f"/activities/{activity.id}/edit",
                           data={**_fields(), "attachment": (io.BytesIO(PDF), "b.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert activity.attachment_path != first
    assert [p.name for p in _files(uploads)] == [activity.attachment_path]
    response = client.post(f"/activities/{activity.id}/edit",
                           data={**_fields(), "remove_attachment": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).attachment_path is None
    assert _files(uploads) == []


def test_a_refused_replacement_keeps_the_old_file(client, organiser, uploads):
    assert _post(client, PNG, "a.png").status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    response = client.post(f"/activities/{activity.id}/edit",
                           data={**_fields(), "title": "Đổi tên",
                                 "attachment": (io.BytesIO(HTML), "b.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    db.session.expire_all()
    kept = db.session.get(Activity, activity.id)
    assert kept.title == "Treo băng rôn tuyên truyền"
    assert [p.name for p in _files(uploads)] == [kept.attachment_path]


def test_deleting_an_activity_removes_its_file(client, organiser, uploads):
    assert _post(client, PNG, "a.png").status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert client.post(f"/activities/{activity.id}/delete").status_code == 302
    assert _files(uploads) == []
