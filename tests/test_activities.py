"""The activity log: who may record, read, edit and delete what, through the real routes."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.helpers.timeutil import now_utc, to_local
from contest.models import Activity, ActivityForm, AuditEntry, ContentArea, ReportNote, Unit
from contest.services.activity_log import activities as svc

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def app_config(tmp_path):
    return {"ACTIVITY_UPLOAD_DIR": str(tmp_path / "instance" / "uploads")}


def _units() -> tuple[Unit, Unit]:
    units = list(db.session.scalars(
        sa.select(Unit).where(Unit.is_plan_responsible).order_by(Unit.position)
    ))
    return units[0], units[1]


def _form(code: str = "b") -> ActivityForm:
    return db.session.scalar(sa.select(ActivityForm).where(ActivityForm.code == code))


def _area(code: str = "a") -> ContentArea:
    return db.session.scalar(sa.select(ContentArea).where(ContentArea.code == code))


def make_activity(unit: Unit, *, day: date = date(2026, 2, 10), form: str = "b",
                  areas: str = "a", title: str = "Treo pano tuyên truyền",
                  attachment: bytes | None = None) -> Activity:
    upload = svc.Upload("anh.png", attachment) if attachment else None
    return svc.create_activity(
        svc.Actor(None, "admin"),
        svc.ActivityData(date_start=day, unit_id=unit.id, form_id=_form(form).id,
                         content_area_ids=[_area(c).id for c in areas], title=title,
                         people_reached=50, quantity=2, quantity_unit="pano"),
        max_bytes=5 * 1024 * 1024, upload=upload,
    )


def payload(unit_id=None, **overrides) -> dict:
    data = {
        "date_start": "2026-02-15", "form_id": str(_form("c").id),
        "content_area_ids": [str(_area("a").id), str(_area("đ").id)],
        "title": "Họp tổ dân phố tuyên truyền dịch vụ công trực tuyến",
        "place": "Nhà văn hóa tổ 3", "people_reached": "120", "quantity": "1",
        "quantity_unit": "hội nghị", "evidence_url": "https://phuvan.example.vn/tin/1",
    }
    if unit_id is not None:
        data["unit_id"] = str(unit_id)
    data.update(overrides)
    return data


@pytest.fixture
def two_units(app_ctx):
    own, other = _units()
    return own, other


@pytest.fixture
def reporter_units(app, login_as):
    """Signs in a reporter of the first unit; yields (own, other) in a fresh app context.

    The login runs in its own app context (its own session), so the Unit handed to
    it must come from a context that is already closed.
    """
    with app.app_context():
        own, other = _units()
        ids = own.id, other.id
    login_as(role="unit_reporter", unit=own)
    with app.app_context():
        yield db.session.get(Unit, ids[0]), db.session.get(Unit, ids[1])


def _count(**where) -> int:
    query = sa.select(sa.func.count(Activity.id))
    for name, value in where.items():
        query = query.where(getattr(Activity, name) == value)
    return db.session.scalar(query)


# --- unit reporters ------------------------------------------------------------------------


def test_reporter_form_is_preset_to_own_unit_and_today(client, reporter_units):
    reporter, other = reporter_units
    page = client.get("/activities/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="{reporter.id}" selected' in html or f'selected value="{reporter.id}"' in html
    assert other.name not in html  # the only unit offered is their own
    assert to_local(now_utc()).date().isoformat() in html


def test_reporter_records_for_own_unit_with_audit(client, reporter_units):
    reporter, _ = reporter_units
    response = client.post("/activities/new", data=payload(reporter.id))
    assert response.status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert activity.unit_id == reporter.id
    assert [a.code for a in activity.content_areas] == ["a", "đ"]
    assert activity.people_reached == 120 and activity.quantity_unit == "hội nghị"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "activity.create"))
    assert entry is not None and entry.object_id == str(activity.id)


def _submission_id(client) -> str:
    page = client.get("/activities/new").get_data(as_text=True)
    match = re.search(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"', page) \
        or re.search(r'id="submission_id" name="submission_id" type="hidden" '
                     r'value="([0-9a-f]{32})"', page)
    assert match, "the entry form carries a one-time submission id"
    return match.group(1)


def test_save_pressed_twice_records_the_activity_once(client, reporter_units):
    reporter, _ = reporter_units
    form = payload(reporter.id, submission_id=_submission_id(client))
    first = client.post("/activities/new", data=form)
    again = client.post("/activities/new", data=form)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]  # the same activity
    assert _count() == 1
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "đã được ghi nhận rồi (biểu mẫu được gửi hai lần)" in page
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "activity.create")) == 1
    # A new form (a new id) records a new activity, even with the same content.
    assert client.post("/activities/new", data=payload(
        reporter.id, submission_id=_submission_id(client))).status_code == 302
    assert _count() == 2


def test_a_tampered_submission_id_is_ignored_not_an_error(client, reporter_units):
    reporter, _ = reporter_units
    for _ in range(2):
        response = client.post("/activities/new", data=payload(
            reporter.id, submission_id="<script>x</script>"))
        assert response.status_code == 302
    assert _count() == 2 and _count(submission_id=None) == 2


def test_two_presses_racing_past_the_check_record_once(app_ctx, monkeypatch, tmp_path):
    """Both requests checked "not recorded yet" before either committed: the database
    keeps the id unique, and the loser answers with the winner's activity."""
    unit, _ = _units()
    data = svc.ActivityData(date_start=date(2026, 2, 10), unit_id=unit.id,
                            form_id=_form("b").id, content_area_ids=[_area("a").id],
                            title="Treo pano", submission_id="ab" * 16)
    actor = svc.Actor(None, "admin")
    first = svc.create_activity(actor, data, max_bytes=1024)
    real_lookup, calls = svc._recorded_submission, []

    def missed_then_found(submission_id):
        # Only the check before the insert misses it; the lookup after the refusal finds it.
        calls.append(submission_id)
        return None if len(calls) == 1 else real_lookup(submission_id)

    monkeypatch.setattr(svc, "_recorded_submission", missed_then_found)
    with pytest.raises(svc.AlreadyRecorded) as repeat:
        svc.create_activity(actor, data, max_bytes=1024)
    assert repeat.value.activity.id == first.id
    assert _count() == 1


def test_reporter_without_unit_field_gets_own_unit(client, reporter_units):
    reporter, _ = reporter_units
    response = client.post("/activities/new", data=payload())
    assert response.status_code == 302
    assert _count(unit_id=reporter.id) == 1


def test_reporter_posting_another_units_id_is_refused(client, reporter_units):
    reporter, other = reporter_units
    response = client.post("/activities/new", data=payload(other.id))
    assert response.status_code == 403
    assert "đơn vị của mình" in response.get_data(as_text=True)
    assert _count() == 0


@pytest.mark.parametrize("method,path", [
    ("get", "/activities/{id}"),
    ("get", "/activities/{id}/edit"),
    ("post", "/activities/{id}/edit"),
    ("post", "/activities/{id}/delete"),
    ("get", "/activities/{id}/attachment"),
])
def test_reporter_cannot_reach_another_units_record(client, reporter_units, app, method, path):
    reporter, other = reporter_units
    foreign = make_activity(other, attachment=PNG)
    before = svc.audit.snapshot(foreign, ["title", "unit_id", "attachment_name"])
    url = path.format(id=foreign.id)
    response = getattr(client, method)(url, data=payload(reporter.id, title="Đã bị sửa"))
    assert response.status_code in (403, 404)
    db.session.expire_all()
    still = db.session.get(Activity, foreign.id)
    assert still is not None
    assert svc.audit.snapshot(still, ["title", "unit_id", "attachment_name"]) == before
    assert still.attachment_file.data == PNG


def test_reporter_cannot_move_own_record_to_another_unit(client, reporter_units):
    reporter, other = reporter_units
    mine = make_activity(reporter)
    response = client.post(f"/activities/{mine.id}/edit", data=payload(other.id, title="Chuyển"))
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Activity, mine.id).unit_id == reporter.id
    assert db.session.get(Activity, mine.id).title == "Treo pano tuyên truyền"


def test_reporter_edits_and_deletes_own_record(client, reporter_units):
    reporter, _ = reporter_units
    mine = make_activity(reporter)
    response = client.post(f"/activities/{mine.id}/edit",
                           data=payload(reporter.id, title="Tên mới của hoạt động"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, mine.id).title == "Tên mới của hoạt động"
    update = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "activity.update"))
    assert update.after["title"] == "Tên mới của hoạt động"
    assert client.post(f"/activities/{mine.id}/delete").status_code == 302
    assert db.session.get(Activity, mine.id) is None
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "activity.delete")
    ) is not None


def test_reporter_list_shows_only_own_unit_even_when_asked_for_another(client, reporter_units):
    reporter, other = reporter_units
    make_activity(reporter, title="Hoạt động của đơn vị mình")
    make_activity(other, title="Hoạt động của đơn vị khác")
    html = client.get(f"/activities/?unit={other.id}").get_data(as_text=True)
    assert "Hoạt động của đơn vị mình" in html
    assert "Hoạt động của đơn vị khác" not in html


def test_reporter_reports_are_scoped_to_own_unit(client, reporter_units):
    reporter, other = reporter_units
    assert client.get(f"/activities/report?year=2026&quarter=1&unit={reporter.id}").status_code \
        == 200
    assert client.get(f"/activities/report?year=2026&quarter=1&unit={other.id}").status_code \
        == 403
    assert client.get(f"/activities/report.pdf?year=2026&quarter=1&unit={other.id}") \
        .status_code == 403
    assert client.get("/activities/coverage").status_code == 403
    # Without a unit the reporter gets their own unit's report, never the ward's.
    own = client.get("/activities/report?year=2026&quarter=1")
    assert own.status_code == 200 and reporter.name in own.get_data(as_text=True)
    response = client.post(f"/activities/report?year=2026&quarter=1&unit={other.id}",
                           data={"strengths": "Ghi đè"})
    assert response.status_code == 403
    response = client.post("/activities/report?year=2026&quarter=1",
                           data={"strengths": "Đơn vị tích cực tuyên truyền"})
    assert response.status_code == 302
    note = db.session.scalar(sa.select(ReportNote))
    assert (note.unit_id, note.quarter, note.strengths) == (
        reporter.id, 1, "Đơn vị tích cực tuyên truyền")


# --- viewers, organisers -------------------------------------------------------------------


def test_viewer_reads_everything_but_writes_nothing(client, login_as, two_units):
    own, other = two_units
    a = make_activity(own, title="Hoạt động A")
    make_activity(other, title="Hoạt động B")
    login_as(role="viewer")
    html = client.get("/activities/").get_data(as_text=True)
    assert "Hoạt động A" in html and "Hoạt động B" in html
    assert client.get(f"/activities/{a.id}").status_code == 200
    assert client.get("/activities/coverage?year=2026").status_code == 200
    assert client.get("/activities/new").status_code == 403
    assert client.post("/activities/new", data=payload(own.id)).status_code == 403
    assert client.post(f"/activities/{a.id}/edit", data=payload(own.id)).status_code == 403
    assert client.post(f"/activities/{a.id}/delete").status_code == 403
    assert client.post("/activities/report?year=2026&quarter=1",
                       data={"strengths": "x"}).status_code == 403
    assert _count() == 2 and db.session.scalar(sa.select(ReportNote)) is None


def test_organiser_records_for_any_unit_and_sees_edit_links(client, login_as, two_units):
    _, other = two_units
    login_as(role="organiser")
    response = client.post("/activities/new", data=payload(other.id))
    assert response.status_code == 302
    assert _count(unit_id=other.id) == 1
    activity = db.session.scalar(sa.select(Activity))
    html = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert f"/activities/{activity.id}/edit" in html


def test_organiser_must_choose_a_unit(client, login_as, app_ctx):
    login_as(role="organiser")
    response = client.post("/activities/new", data=payload())
    assert response.status_code == 400
    assert "Vui lòng chọn đơn vị thực hiện." in response.get_data(as_text=True)
    assert _count() == 0


# --- input --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
    "vbscript:msgbox", "ftp://example.vn/x", "//evil.example/x", "https:///nohost",
    "https://phuvan.vn/a b",
])
def test_evidence_link_must_be_http_or_https(client, reporter_units, url):
    reporter, _ = reporter_units
    response = client.post("/activities/new", data=payload(reporter.id, evidence_url=url))
    assert response.status_code == 400
    assert _count() == 0


def test_missing_and_wrong_fields_get_vietnamese_messages(client, reporter_units):
    reporter, _ = reporter_units
    response = client.post("/activities/new", data={
        "date_start": "31/02/2026", "title": "", "people_reached": "nhiều", "quantity": "-3",
        "date_end": "",
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Ngày không hợp lệ" in html
    assert "Vui lòng nhập một số nguyên không âm" in html
    assert _count() == 0


def test_end_date_before_start_is_refused(client, reporter_units):
    reporter, _ = reporter_units
    response = client.post("/activities/new",
                           data=payload(reporter.id, date_start="2026-03-10",
                                        date_end="2026-03-01"))
    assert response.status_code == 400
    assert "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu." in response.get_data(as_text=True)


def test_quantity_needs_a_unit_of_measure(client, reporter_units):
    reporter, _ = reporter_units
    response = client.post("/activities/new", data=payload(reporter.id, quantity_unit=""))
    assert response.status_code == 400
    assert "đơn vị tính" in response.get_data(as_text=True)


def test_list_filters_by_quarter_form_and_area(client, login_as, two_units):
    own, other = two_units
    make_activity(own, day=date(2026, 2, 1), form="b", areas="a", title="Quý một pano")
    make_activity(own, day=date(2026, 5, 1), form="c", areas="đ", title="Quý hai họp dân")
    make_activity(other, day=date(2026, 5, 2), form="e", areas="f", title="Quý hai cuộc thi")
    login_as(role="organiser")

    def titles(query: str) -> set[str]:
        html = client.get("/activities/?" + query).get_data(as_text=True)
        return {t for t in ("Quý một pano", "Quý hai họp dân", "Quý hai cuộc thi") if t in html}

    assert titles("year=2026&quarter=1") == {"Quý một pano"}
    assert titles("year=2026&quarter=2") == {"Quý hai họp dân", "Quý hai cuộc thi"}
    assert titles(f"form={_form('e').id}") == {"Quý hai cuộc thi"}
    assert titles(f"area={_area('đ').id}") == {"Quý hai họp dân"}
    assert titles(f"unit={other.id}") == {"Quý hai cuộc thi"}
    assert client.get("/activities/?year=abc&page=-1&quarter=9").status_code == 200


def test_own_attachment_downloads_with_safe_headers(client, reporter_units):
    reporter, _ = reporter_units
    response = client.post("/activities/new", data={
        **payload(reporter.id),
        "attachment": (io.BytesIO(PNG), "Ảnh hội nghị.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    download = client.get(f"/activities/{activity.id}/attachment")
    assert download.status_code == 200
    assert download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == PNG


def test_save_and_continue_keeps_form_and_date(client, reporter_units):
    reporter, _ = reporter_units
    response = client.post("/activities/new", data={**payload(reporter.id), "again": "1"})
    assert response.status_code == 302
    assert "/activities/new" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2026-02-15"' in html
    assert f'selected value="{_form("c").id}"' in html or f'value="{_form("c").id}" selected' \
        in html


# --- report notes: one per period -------------------------------------------------------------

NOTE_PERIODS = [(2026, 1, "unit"), (2026, None, "unit"), (2026, 1, None), (2026, None, None)]


@pytest.mark.parametrize(("year", "quarter", "unit"), NOTE_PERIODS)
def test_the_database_keeps_one_note_per_period_quarter_or_unit_empty_or_not(
        app_ctx, year, quarter, unit):
    unit_id = _units()[0].id if unit else None
    for _ in range(2):
        db.session.add(ReportNote(year=year, quarter=quarter, unit_id=unit_id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Another period of the same kind is not a duplicate.
    db.session.add(ReportNote(year=year + 1, quarter=quarter, unit_id=unit_id))
    db.session.commit()


def test_two_first_saves_of_a_note_at_once_leave_one_note(app_ctx, monkeypatch):
    """The second save read "no note yet" before the first one inserted: it updates it."""
    admin = svc.Actor(None, "admin")
    svc.save_note(admin, 2026, None, None, strengths="Bản thứ nhất", limitations="",
                  proposals="")
    real_get_note = svc.get_note
    reads = []

    def read_before_the_other_insert(*args):
        reads.append(args)
        return None if len(reads) == 1 else real_get_note(*args)

    monkeypatch.setattr(svc, "get_note", read_before_the_other_insert)
    svc.save_note(admin, 2026, None, None, strengths="Bản thứ hai", limitations="",
                  proposals="Đề xuất")
    notes = db.session.scalars(sa.select(ReportNote)).all()
    assert [(n.strengths, n.proposals) for n in notes] == [("Bản thứ hai", "Đề xuất")]
    assert len(reads) == 2


def test_the_migration_keeps_the_latest_of_duplicate_notes(app):
    from flask_migrate import upgrade

    from contest.services.setup.seed import seed_reference_data

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="0001")
        rows = [  # (id, quarter, strengths, updated_at): ward notes of 2026
            (1, None, "cũ", "2026-03-01 08:00:00"), (2, None, "mới nhất", "2026-03-02 08:00:00"),
            (3, None, "giữa", "2026-03-01 09:00:00"),
            (4, 2, "quý 2 cũ", "2026-06-01 08:00:00"), (5, 2, "quý 2 mới", "2026-06-01 08:00:00"),
            (6, 3, "quý 3, chỉ một", "2026-09-01 08:00:00"),
        ]
        with db.engine.begin() as conn:
            for note_id, quarter, strengths, updated_at in rows:
                conn.execute(sa.text(
                    "INSERT INTO report_note (id, year, quarter, unit_id, strengths, limitations,"
                    " proposals, updated_at) VALUES (:id, 2026, :quarter, NULL, :strengths, '',"
                    " '', :updated_at)"),
                    {"id": note_id, "quarter": quarter, "strengths": strengths,
                     "updated_at": updated_at})
        upgrade()
        with db.engine.connect() as conn:
            kept = conn.execute(sa.text(
                "SELECT id, strengths FROM report_note ORDER BY id")).all()
        # The latest per period; on a tie in time, the newer row.
        assert [tuple(row) for row in kept] == [(2, "mới nhất"), (5, "quý 2 mới"),
                                               (6, "quý 3, chỉ một")]
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.remove()
        seed_reference_data()


@pytest.mark.parametrize(("role", "own", "asked", "expected"), [
    ("viewer", None, None, None),  # the office: the ward's report
    ("viewer", None, 7, 7),
    ("organiser", None, 7, 7),
    ("unit_reporter", 3, None, 3),  # a reporter asking for none gets their own unit's
    ("unit_reporter", 3, 3, 3),
    ("unit_reporter", 3, 7, "Bạn chỉ được xem báo cáo của đơn vị mình."),
    ("unit_reporter", None, None, "Tài khoản của bạn chưa được gắn với đơn vị nào."),
])
def test_report_scope_is_decided_by_the_service(role, own, asked, expected):
    actor = svc.Actor(id=1, role=role, unit_id=own)
    if isinstance(expected, str):
        with pytest.raises(svc.PermissionDenied) as refused:
            svc.report_unit(actor, asked)
        assert refused.value.message == expected
    else:
        assert svc.report_unit(actor, asked) == expected
