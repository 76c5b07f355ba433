"""Units in the back office: create, edit, deactivate, merge, import (through the UI)."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from contest.extensions import db
from contest.models import Activity, ActivityForm, AuditEntry, Participant, Unit, User
from contest.services.people import unit_import as units_io
from contest.services.people import units as unit_service
from contest.services.people.units import UnitData, UnitError
from tests import factories


@pytest.fixture
def app_config(request) -> dict:
    """Tests may pass a config override with indirect parametrisation."""
    return getattr(request, "param", {})


def unit_named(name: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.name == name))


def audit_entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def unit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Unit.id)))


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(rows: list[list[object]]) -> bytes:
    """A legacy Excel 97-2003 workbook, as old ward files are."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, filename: str, data: bytes):
    return client.post("/admin/units/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


# --- create / edit / deactivate --------------------------------------------------------------

def test_organiser_creates_a_unit_and_it_is_audited(app, client, login_as):
    login_as("organiser")
    response = client.post("/admin/units/new", data={
        "name": "  Tổ dân phố   số 5 ", "kind": "residential_group", "population": "1.250",
        "is_plan_responsible": "y", "active": "y",
    })
    assert response.status_code == 302
    page = client.get("/admin/units/").get_data(as_text=True)
    assert "Tổ dân phố số 5" in page
    with app.app_context():
        unit = unit_named("Tổ dân phố số 5")
        assert unit is not None and unit.population == 1250 and unit.is_plan_responsible
        [entry] = audit_entries("unit.create")
        assert entry.object_id == str(unit.id)
        assert entry.after["name"] == "Tổ dân phố số 5"
        assert entry.user.role == "organiser"


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Vui lòng nhập tên đơn vị."),
    ({"population": "nhiều"}, "Vui lòng nhập một số nguyên"),
    ({"population": "-3"}, "Nhập số từ 0 đến"),
    ({"kind": "village"}, "Vui lòng chọn một mục trong danh sách."),
    ({"name": "x" * 201}, "Tên đơn vị dài tối đa 200 ký tự."),
])
def test_bad_unit_input_is_refused_with_a_message(app, client, login_as, fields, message):
    login_as("organiser")
    with app.app_context():
        before = unit_count()
    data = {"name": "Tổ dân phố số 7", "kind": "residential_group", "population": "", **fields}
    response = client.post("/admin/units/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert unit_count() == before


def test_duplicate_name_ignoring_case_and_spaces_is_refused(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_unit("Tổ dân phố Đông Thành")
        before = unit_count()
    response = client.post("/admin/units/new", data={
        "name": "tổ dân phố  đông thành", "kind": "residential_group"})
    assert response.status_code == 422
    assert "Đã có đơn vị tên" in response.get_data(as_text=True)
    with app.app_context():
        assert unit_count() == before


def test_edit_records_before_and_after(app, client, login_as):
    login_as("admin")
    with app.app_context():
        unit_id = factories.make_unit("Tổ dân phố số 8", population=500).id
    response = client.post(f"/admin/units/{unit_id}/edit", data={
        "name": "Tổ dân phố số 8", "kind": "residential_group", "population": "620",
        "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit_id).population == 620
        [entry] = audit_entries("unit.update")
        assert entry.before == {"population": 500}
        assert entry.after == {"population": 620}


def test_deactivate_and_reactivate_are_audited(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        unit_id = factories.make_unit().id
    response = client.post(f"/admin/units/{unit_id}/deactivate", follow_redirects=True)
    assert "Đã ngừng sử dụng đơn vị" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Unit, unit_id).active is False
    # An inactive unit drops out of the default list but shows under "all".
    page = client.get("/admin/units/").get_data(as_text=True)
    with app.app_context():
        name = db.session.get(Unit, unit_id).name
    assert name not in page
    assert name in client.get("/admin/units/?status=all").get_data(as_text=True)
    assert client.post(f"/admin/units/{unit_id}/activate").status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit_id).active is True
        assert len(audit_entries("unit.deactivate")) == 1
        assert len(audit_entries("unit.activate")) == 1


def test_search_ignores_diacritics(app, client, login_as):
    login_as("viewer")
    with app.app_context():
        factories.make_unit("Tổ dân phố Bắc Sơn")
        factories.make_unit("Tổ dân phố Nam Hải")
    page = client.get("/admin/units/?q=bac+son").get_data(as_text=True)
    assert "Tổ dân phố Bắc Sơn" in page
    assert "Nam Hải" not in page


# --- merge ----------------------------------------------------------------------------------

def test_merge_moves_participants_users_and_activities(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        source = factories.make_unit("Tổ dân phố 3A")
        target = factories.make_unit("Tổ dân phố 3")
        contest = factories.make_contest()
        for _ in range(2):
            factories.make_participant(contest, unit_id=source.id)
        reporter = factories.make_user("unit_reporter", unit=source)
        form = db.session.scalar(sa.select(ActivityForm))
        db.session.add(Activity(unit_id=source.id, form_id=form.id, date_start=date(2026, 3, 2),
                                title="Họp tổ dân phố tuyên truyền CCHC"))
        db.session.commit()
        source_id, target_id, reporter_id = source.id, target.id, reporter.id
    page = client.get(f"/admin/units/{source_id}/merge").get_data(as_text=True)
    assert "2</strong>" in page and "Tổ dân phố 3" in page
    response = client.post(f"/admin/units/{source_id}/merge", data={"target_id": target_id})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Unit, source_id).active is False
        assert db.session.scalar(sa.select(sa.func.count(Participant.id))
                                 .where(Participant.unit_id == target_id)) == 2
        assert db.session.scalar(sa.select(sa.func.count(Participant.id))
                                 .where(Participant.unit_id == source_id)) == 0
        assert db.session.get(User, reporter_id).unit_id == target_id
        assert db.session.scalar(sa.select(Activity.unit_id)) == target_id
        [entry] = audit_entries("unit.merge")
        assert entry.object_id == str(source_id)
        assert entry.after["merged_into"] == target_id
        assert entry.after["participants"] == 2
        assert entry.after["users"] == 1 and entry.after["activities"] == 1


def test_merge_refuses_itself_and_an_inactive_target(app_ctx):
    source = factories.make_unit()
    inactive = factories.make_unit()
    inactive.active = False
    db.session.commit()
    with pytest.raises(UnitError, match="chính nó"):
        unit_service.merge_units(source, source, None)
    with pytest.raises(UnitError, match="ngừng sử dụng"):
        unit_service.merge_units(source, inactive, None)
    assert source.active is True


def test_merge_form_does_not_offer_the_unit_itself(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        unit_id = factories.make_unit().id
    response = client.post(f"/admin/units/{unit_id}/merge", data={"target_id": unit_id})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Unit, unit_id).active is True


# --- import ---------------------------------------------------------------------------------

GOOD_ROWS = [
    ["Tên đơn vị", "Loại", "Dân số / Số người"],
    ["Tổ dân phố số 1", "Tổ dân phố", 850],
    ["Tổ dân phố số 2", "tổ dân phố", "1.020"],
    ["Trường THCS Phù Vân", "Cơ quan, đơn vị", 48],
    ["Văn phòng HĐND&UBND", "Cơ quan, đơn vị", 25],  # seeded: updates the headcount
]


def test_import_preview_writes_nothing_then_confirm_writes_all(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        before = unit_count()
    preview = upload(client, "don-vi.xlsx", xlsx_bytes(GOOD_ROWS))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Thêm mới: <strong>3</strong>" in text
    assert "Cập nhật: <strong>1</strong>" in text
    with app.app_context():
        assert unit_count() == before  # a preview writes nothing
    response = client.post("/admin/units/import/confirm")
    assert response.status_code == 302
    with app.app_context():
        assert unit_count() == before + 3
        assert unit_named("Tổ dân phố số 2").population == 1020
        assert unit_named("Trường THCS Phù Vân").kind == "agency"
        assert unit_named("Văn phòng HĐND&UBND").population == 25
        assert len(audit_entries("unit.import")) == 1
        assert len(audit_entries("unit.create")) == 3
        assert len(audit_entries("unit.update")) == 1


def test_import_with_any_bad_row_writes_nothing_and_reports_each_row(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        before = unit_count()
    csv_text = (
        "Tên đơn vị;Loại;Dân số / Số người\n"
        "Tổ dân phố số 10;Tổ dân phố;700\n"
        "Tổ dân phố số 11;Thôn;300\n"
        "Tổ dân phố số 10;Tổ dân phố;700\n"
        ";Cơ quan;\n"
        "Tổ dân phố số 12;Tổ dân phố;khoảng 500\n"
    )
    response = upload(client, "don-vi.csv", csv_text.encode("utf-8-sig"))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "chưa nhập đơn vị nào" in text
    assert "“Thôn” không hợp lệ" in text
    assert "trùng với dòng 2 trong tệp" in text
    assert "Cột “Tên đơn vị”: bỏ trống." in text
    assert "“khoảng 500” phải là số nguyên" in text
    assert "/admin/units/import/confirm" not in text  # nothing to confirm
    with app.app_context():
        assert unit_count() == before
        assert unit_named("Tổ dân phố số 10") is None


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("don-vi.txt", b"Ten don vi\n", "Chỉ nhận tệp .xlsx, .xls hoặc .csv (UTF-8)."),
    ("don-vi.xlsx", b"this is not a zip",
     "Không đọc được tệp .xlsx (tệp hỏng hoặc không phải Excel)."),
    # "Tên đơn vị,Loại" as a Windows code page writes it: not UTF-8.
    ("don-vi.csv", b"T\xean \xf0\xf5n v\xf2,Lo\xe0i\n", "UTF-8"),
    ("don-vi.csv", b"Ten,So\nA,1\n", "không biết “A” là tổ dân phố hay cơ quan, đơn vị"),
    ("don-vi.csv", b"STT,So\n1,1\n", "Thiếu cột: Tên đơn vị"),
    ("don-vi.csv", "Tên đơn vị,Loại\n".encode(), "không có dòng đơn vị nào"),
])
def test_import_refuses_wrong_files(app, client, login_as, filename, data, message):
    login_as("organiser")
    response = upload(client, filename, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_oversize_import_is_refused(app, client, login_as):
    login_as("organiser")
    app.config["MAX_IMPORT_BYTES"] = 2000
    data = ("Tên đơn vị,Loại\n" + "".join(f"Tổ dân phố {n},Tổ dân phố\n" for n in range(200)))
    response = upload(client, "lon.csv", data.encode())
    assert response.status_code == 422
    assert "Tệp quá lớn" in response.get_data(as_text=True)
    with app.app_context():
        assert unit_named("Tổ dân phố 1") is None


def test_confirm_without_a_pending_upload_is_refused(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        before = unit_count()
    response = client.post("/admin/units/import/confirm",
                           data={"payload": "eyJuYW1lIjoiWCJ9.forged", "filename": "x.csv"})
    assert response.status_code == 302
    assert "Không tìm thấy tệp đang chờ nhập" in client.get(response.location).get_data(
        as_text=True)
    with app.app_context():
        assert unit_count() == before


def test_confirm_checks_again_against_the_current_list(app, client, login_as):
    login_as("organiser")
    preview = upload(client, "a.csv", "Tên đơn vị,Loại\nTổ 9,Tổ dân phố\n".encode())
    assert "Thêm mới: <strong>1</strong>" in preview.get_data(as_text=True)
    with app.app_context():
        # Someone adds the same unit between preview and confirm: no clash, no second unit.
        unit_service.create_unit(UnitData("Tổ 9", "residential_group", 10), None)
        db.session.commit()
    assert client.post("/admin/units/import/confirm").status_code == 302
    with app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count(Unit.id)).where(Unit.name == "Tổ 9")) == 1


def ward_list(*rows) -> bytes:
    """The ward's own list as it is kept: a title, STT, names, households, population."""
    return xlsx_bytes([["DANH SÁCH TỔ DÂN PHỐ PHƯỜNG PHÙ VÂN"], [],
                       ["STT", "Tên tổ dân phố", "Số hộ", "Số nhân khẩu"], *rows])


def test_the_wards_own_list_of_to_dan_pho_imports(app, client, login_as):
    login_as("organiser")
    preview = upload(client, "to-dan-pho.xlsx", ward_list(
        [1, "Tổ dân phố Mới 1", 212, 845], [2, "TDP Mới 2", "198", "1.002"]))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200, text
    assert "Bỏ qua các cột không dùng: “STT”." in text and "(theo tên)" in text
    assert client.post("/admin/units/import/confirm").status_code == 302
    with app.app_context():
        first, second = unit_named("Tổ dân phố Mới 1"), unit_named("TDP Mới 2")
        assert (first.kind, first.households, first.population) == (
            "residential_group", 212, 845)
        assert (second.kind, second.households, second.population) == (
            "residential_group", 198, 1002)


def test_kind_chosen_for_the_whole_file(app, client, login_as):
    login_as("organiser")
    data = "Tên đơn vị,Số người\nTrường Mầm non Hoa Sen,30\n".encode()
    refused = upload(client, "cq.csv", data)
    assert refused.status_code == 422
    response = client.post("/admin/units/import", data={
        "file": (io.BytesIO(data), "cq.csv"), "kind": "agency"},
        content_type="multipart/form-data")
    assert response.status_code == 200 and "(chọn cho cả tệp)" in response.get_data(as_text=True)
    assert client.post("/admin/units/import/confirm").status_code == 302
    with app.app_context():
        assert unit_named("Trường Mầm non Hoa Sen").kind == "agency"


def test_a_legacy_xls_list_imports(app_ctx):
    report = units_io.parse_units("ds.xls", xls_bytes(
        [["STT", "Tên tổ dân phố", "Số hộ", "Số nhân khẩu"], [1, "Tổ dân phố 21", 100, 400]]),
        10**6)
    assert report.ok, report.lines()
    [row] = report.rows
    assert (row.name, row.kind, row.households, row.population) == (
        "Tổ dân phố 21", "residential_group", 100, 400)


def test_writing_a_report_with_errors_is_refused_with_the_report(app_ctx):
    report = units_io.parse_units("ds.csv", "Tên đơn vị,Số hộ\nTổ dân phố 21,nhiều\n"
                                  .encode(), 10**6)
    assert not report.ok
    with pytest.raises(units_io.UnitImportRefused) as refused:
        units_io.apply_rows(report, None)
    assert refused.value.report is report and "không nhập đơn vị nào" in refused.value.message
    assert unit_named("Tổ dân phố 21") is None


def test_import_template_downloads_and_imports_cleanly(app, client, login_as):
    login_as("organiser")
    response = client.get("/admin/units/import/template.xlsx")
    assert response.status_code == 200
    with app.app_context():
        report = units_io.parse_units("mau.xlsx", response.data, 10**6)
    assert report.ok, report.lines()
    assert [r.kind for r in report.rows] == ["residential_group", "agency"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Danh sách đơn vị", "Hướng dẫn"]
    assert "Mẫu danh sách đơn vị.xlsx" in unquote(response.headers["Content-Disposition"])


# --- CSRF -----------------------------------------------------------------------------------

@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_state_changing_post_without_csrf_token_is_refused(app, client):
    with app.app_context():
        factories.make_user("organiser", username="bantochuc")
        unit_id = factories.make_unit().id
    # Sign in with a real token, as a browser would.
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post("/login", data={"username": "bantochuc",
                                            "password": factories.PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    response = client.post(f"/admin/units/{unit_id}/deactivate")
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    response = client.post("/admin/units/new", data={"name": "Tổ mới", "kind": "agency"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Unit, unit_id).active is True
        assert unit_named("Tổ mới") is None


def test_row_numbers_match_the_spreadsheet_even_below_blank_rows(app_ctx):
    data = xlsx_bytes([[None, None], ["Tên đơn vị", "Loại"], ["Tổ 1", "Tổ dân phố"],
                       [None, None], ["Tổ 2", "Xóm"]])
    report = units_io.parse_units("a.xlsx", data, 10**6)
    assert not report.ok
    [bad] = [row for row in report.rows if row.errors]
    assert bad.row == 5 and bad.name == "Tổ 2"
    assert "Dòng 5: Tổ 2" in "\n".join(report.lines())


def _damaged_xlsx() -> bytes:
    """A real workbook whose sheet XML is cut short: openpyxl only notices while reading rows."""
    import zipfile

    book = Workbook()
    book.active.append(["Tên đơn vị", "Loại"])
    good = io.BytesIO()
    book.save(good)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as src, \
            zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            dst.writestr(info, body)
    return out.getvalue()


@pytest.mark.parametrize(("filename", "data"), [
    ("hong.xlsx", _damaged_xlsx()),
    ("dai.csv", ("Tên đơn vị,Loại\n\"" + "x" * 200_000 + "\",Tổ dân phố\n").encode()),
])
def test_damaged_unit_files_get_a_message_not_a_500(app_ctx, filename, data):
    report = units_io.parse_units(filename, data, 10**7)
    assert not report.ok and report.file_errors
    assert all("field" not in e and "Error" not in e for e in report.file_errors)
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 6  # the seeded units only
