"""Activity attachments: only real images and PDFs, within the size limit, kept in the database."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Activity, ActivityAttachment, ActivityForm, ContentArea, Unit
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


def _stored_files() -> list[ActivityAttachment]:
    return list(db.session.scalars(sa.select(ActivityAttachment)))


def _nothing_stored(uploads: Path) -> bool:
    return (db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0
            and not _stored_files() and not _files(uploads))


@pytest.mark.parametrize("data,name,ctype", [
    (PNG, "pano.png", "image/png"),
    (JPEG, "IMG_0001.JPG", "image/jpeg"),
    (WEBP, "anh.webp", "image/webp"),
    (PDF, "Biên bản hội nghị.pdf", "application/pdf"),
])
def test_real_images_and_pdfs_are_kept_in_the_database(client, organiser, uploads,
                                                       data, name, ctype):
    response = _post(client, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    activity = db.session.scalar(sa.select(Activity))
    assert activity.attachment_type == ctype
    assert activity.attachment_name.rsplit(".", 1)[0] == name.rsplit(".", 1)[0]
    assert [(f.activity_id, f.data, f.size) for f in _stored_files()] == [
        (activity.id, data, len(data))]
    assert _files(uploads) == []  # nothing on this server's disk
    download = client.get(f"/activities/{activity.id}/attachment")
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == ctype
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in download.headers["Content-Security-Policy"]


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
    with pytest.raises(svc.ActivityInvalid) as error:
        svc.create_activity(
            svc.Actor(None, "admin"),
            svc.ActivityData(date_start=date(2026, 1, 5),
                             unit_id=unit.id, form_id=form.id, content_area_ids=[area.id],
                             title="Thử"),
            max_bytes=LIMIT, upload=svc.Upload(name, PDF),
        )
    assert "attachment" in error.value.errors
    assert not _stored_files()
    assert not (tmp_path / "etc").exists()
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_display_names_are_sanitised():
    assert svc.check_upload_name("Ảnh hội nghị <b>1<b>.png") == "Ảnh hội nghị _b_1_b_.png"
    assert svc.check_upload_name("  .hidden.png") == "hidden.png"
    # Nothing that could break out of a Content-Disposition header survives.
    assert svc.check_upload_name('x"; filename=evil.exe') == "x__ filename_evil.exe"
    _, shown = svc.check_upload(svc.Upload("tai-lieu.png", PDF), LIMIT)
    assert shown == "tai-lieu.pdf"  # the extension follows the real content


def _file_of(activity_id: int) -> bytes | None:
    db.session.expire_all()
    stored = db.session.get(ActivityAttachment, activity_id)
    return None if stored is None else stored.data


def test_replacing_and_removing_an_attachment_keeps_only_the_current_file(client, organiser):
    assert _post(client, PNG, "a.png").status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    response = client.post(f"/activities/{activity.id}/edit",
                           data={**_fields(), "attachment": (io.BytesIO(PDF), "b.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert _file_of(activity.id) == PDF
    assert len(_stored_files()) == 1
    assert db.session.get(Activity, activity.id).attachment_name == "b.pdf"
    response = client.post(f"/activities/{activity.id}/edit",
                           data={**_fields(), "remove_attachment": "y"})
    assert response.status_code == 302
    assert _file_of(activity.id) is None
    assert db.session.get(Activity, activity.id).attachment_name is None
    assert _stored_files() == []
    assert client.get(f"/activities/{activity.id}/attachment").status_code == 404


def test_a_refused_replacement_keeps_the_old_file(client, organiser):
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
    assert _file_of(kept.id) == PNG


def test_deleting_an_activity_removes_its_file(client, organiser):
    assert _post(client, PNG, "a.png").status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert client.post(f"/activities/{activity.id}/delete").status_code == 302
    db.session.expire_all()
    assert _stored_files() == []


def test_the_migration_moves_files_from_the_upload_folder_into_the_database(app, uploads):
    """Files uploaded before 0190 lived in instance/uploads: the upgrade copies them into
    the database and leaves the originals for the operator to remove."""
    from flask_migrate import upgrade

    kept_name = "0123456789abcdef0123456789abcdef.png"
    lost_name = "fedcba9876543210fedcba9876543210.pdf"
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="0003")
        # Rows as the schema of that day holds them (today's models have more columns).
        unit, form = 1, 1
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO unit (id, name, kind, is_plan_responsible, active, position)"
                " VALUES (1, 'Tổ dân phố 1', 'to_dan_pho', false, true, 1)"))
            conn.execute(sa.text(
                "INSERT INTO activity_form (id, code, title, position)"
                " VALUES (1, 'b', 'Treo pano, áp phích', 1)"))
        uploads.mkdir(parents=True, exist_ok=True)
        (uploads / kept_name).write_bytes(PNG)
        with db.engine.begin() as conn:
            for activity_id, stored, shown, ctype in [
                (1, kept_name, "pano.png", "image/png"),
                (2, lost_name, "bien-ban.pdf", "application/pdf"),  # its file is gone
            ]:
                conn.execute(sa.text(
                    "INSERT INTO activity (id, unit_id, form_id, date_start, title, description,"
                    " place, quantity_unit, evidence_url, attachment_path, attachment_name,"
                    " attachment_type, created_at, updated_at) VALUES (:id, :unit, :form,"
                    " '2026-04-02', 'Treo pano', '', '', '', '', :stored, :shown, :ctype,"
                    " '2026-04-02 08:00:00', '2026-04-02 08:00:00')"),
                    {"id": activity_id, "unit": unit, "form": form, "stored": stored,
                     "shown": shown, "ctype": ctype})
        upgrade()
        assert _file_of(1) == PNG
        assert db.session.get(Activity, 1).attachment_name == "pano.png"
        assert _file_of(2) is None
        assert db.session.get(Activity, 2).attachment_name is None
        assert (uploads / kept_name).read_bytes() == PNG  # the original stays
