"""Question bank import/export: the starter bank, every kind of bad file, round trips."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from contest.extensions import db
from contest.models import AuditEntry, ContentArea, Question, QuestionVersion
from contest.models.bank import QUESTION_MAX_LENGTH
from contest.services.bank import import_export as bank_io
from tests import factories

QUESTIONS_DIR = Path(__file__).resolve().parent.parent / "questions"
HEADER = list(bank_io.TEMPLATE_HEADERS)


def starter_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(QUESTIONS_DIR.glob("*.csv"))]


def row(area="a", text="Câu hỏi thử về cải cách hành chính?", options=("Một", "Hai", "Ba", "Bốn"),
        answer="A", explanation="Vì Kế hoạch ghi như vậy.", source="Kế hoạch, mục II.1",
        difficulty="1") -> list[str]:
    opts = list(options) + [""] * (6 - len(options))
    return [area, text, *opts, answer, explanation, source, difficulty]


GOOD = row(text="Một câu hỏi hợp lệ đứng trước dòng lỗi?")


def csv_bytes(*rows, header=HEADER, bom=False, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(*rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for values in rows:
        ws.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def question_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Question.id)))


def bank_snapshot() -> list[tuple]:
    questions = db.session.scalars(sa.select(Question).order_by(Question.text)).all()
    return [(q.content_area.code, q.text, list(q.options), q.correct_option, q.explanation,
             q.source, q.difficulty, q.active) for q in questions]


def refused(files, **options) -> bank_io.ImportReport:
    """The report of an import refused whole."""
    with pytest.raises(bank_io.ImportRefused) as refusal:
        bank_io.import_files(files, dry_run=False, actor_id=None, **options)
    assert refusal.value.report.errors
    return refusal.value.report


def find(report, row=None, column=None, contains=""):
    return [e for e in report.errors
            if (row is None or e.row == row) and (column is None or e.column == column)
            and contains in e.message]


# --------------------------------------------------------------------------- the starter bank


def test_starter_bank_imports_with_zero_errors(app_ctx):
    report = bank_io.import_files(starter_files(), dry_run=False, actor_id=None)
    assert report.errors == [], report.lines()
    assert report.ok and report.added == 112 and question_count() == 112
    # Every question got its first frozen version.
    assert db.session.scalar(sa.select(sa.func.count(QuestionVersion.id))) == 112
    per_area = dict(db.session.execute(
        sa.select(ContentArea.code, sa.func.count(Question.id))
        .join(Question).group_by(ContentArea.code)
    ).all())
    assert set(per_area) == {"a", "b", "c", "d", "đ", "e", "f", "g", "h", "i", "k"}
    assert min(per_area.values()) >= 10
    # dd.csv holds area đ, d.csv area d: the two letters never mix.
    dd_texts = {r[1] for r in csv.reader(io.StringIO((QUESTIONS_DIR / "dd.csv").read_text()))}
    for q in db.session.scalars(sa.select(Question)):
        assert len(q.options) == 4
        assert (q.content_area.code == "đ") == (q.text in dd_texts)
    assert report.lines()[-1].startswith("Đã thêm 112 câu hỏi")


def test_reimport_adds_nothing_and_is_ok(app_ctx):
    bank_io.import_files(starter_files(), dry_run=False, actor_id=None)
    again = bank_io.import_files(starter_files(), dry_run=False, actor_id=None)
    assert again.ok and again.added == 0 and len(again.skipped) == 112
    assert not any(s.differs for s in again.skipped)
    assert question_count() == 112
    assert "bỏ qua 112 câu" in again.lines()[-1]


def test_dry_run_writes_nothing(app_ctx):
    report = bank_io.import_files(starter_files(), dry_run=True, actor_id=None)
    assert report.ok and report.dry_run and len(report.to_add) == 112
    assert report.added == 0 and question_count() == 0
    assert "Chạy thử" in report.lines()[-1] and "sẽ thêm 112" in report.lines()[-1]


def test_import_by_an_organiser_writes_one_audit_entry(app_ctx):
    user = factories.make_user("organiser")
    report = bank_io.import_files(
        [("a.csv", csv_bytes(row(text="Câu một?"), row(text="Câu hai?")))],
        dry_run=False, actor_id=user.id,
    )
    assert report.added == 2
    entries = db.session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.user_id) for e in entries] == [("question.import", user.id)]
    assert entries[0].after["added"] == 2
    assert sorted(entries[0].after["question_ids"]) == sorted(report.added_ids)


def test_existing_question_with_other_content_is_skipped_and_noted(app_ctx):
    factories.make_question("a", text="Câu đã có trong ngân hàng?")
    report = bank_io.import_files(
        [("x.csv", csv_bytes(row(text="  câu ĐÃ có   trong ngân hàng? ", answer="B")))],
        dry_run=False, actor_id=None,
    )
    assert report.ok and report.added == 0 and len(report.skipped) == 1
    assert report.skipped[0].differs and report.skipped[0].row == 2
    assert any("nội dung khác" in line for line in report.lines())


# --------------------------------------------------------------------------- tolerant reading


def test_headers_any_case_diacritics_and_order_bom_and_semicolons(app_ctx):
    header = ["muc do", "CAU HOI", "phuong an b", "Phương Án A", "dap an dung", "LĨNH VỰC",
              "Phương án C"]
    rows = [
        ["2", "Câu thứ nhất?", "Sai", "Đúng", "a", "đ) Thủ tục hành chính", "Khác"],
        ["", "Câu thứ hai?", "Hai", "Một", "B", "dd", ""],
        ["3", "Câu thứ ba?", "Hai", "Một", "b)", "D", ""],
        ["1", "Câu thứ tư?", "Hai", "Một", "A", "Đ", ""],
    ]
    data = csv_bytes(*rows, header=header, bom=True, delimiter=";")
    report = bank_io.import_files([("excel-vi.csv", data)], dry_run=False, actor_id=None)
    assert report.ok, report.lines()
    got = {q.text: (q.content_area.code, q.options, q.correct_option, q.difficulty)
           for q in db.session.scalars(sa.select(Question))}
    assert got == {
        "Câu thứ nhất?": ("đ", ["Đúng", "Sai", "Khác"], 0, 2),
        "Câu thứ hai?": ("đ", ["Một", "Hai"], 1, 1),  # empty Mức độ → 1
        "Câu thứ ba?": ("d", ["Một", "Hai"], 1, 3),  # "D" is d, never đ
        "Câu thứ tư?": ("đ", ["Một", "Hai"], 0, 1),
    }


def test_multiline_cells_keep_excel_row_numbers(app_ctx):
    data = csv_bytes(
        row(text="Câu hỏi\ncó xuống dòng?", explanation="Dòng một\nDòng hai\nDòng ba"),
        row(area="zz", text="Câu sau?"),
    )
    report = bank_io.import_files([("n.csv", data)], dry_run=True, actor_id=None)
    # The quoted cells span several lines, yet Excel shows them as row 2 and row 3.
    assert find(report, row=3, column="Lĩnh vực", contains="không có lĩnh vực «zz»")


def test_empty_rows_are_noted_not_errors_and_title_row_above_header(app_ctx):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["NGÂN HÀNG CÂU HỎI CẢI CÁCH HÀNH CHÍNH"])
    writer.writerow(HEADER)
    writer.writerow(row(text="Câu A?"))
    writer.writerow([""] * 12)
    writer.writerow(row(text="Câu B?"))
    writer.writerow([""] * 12)  # trailing: Excel noise, not mentioned
    report = bank_io.import_files([("t.csv", out.getvalue().encode())], dry_run=False,
                                  actor_id=None)
    assert report.ok and report.added == 2
    assert [n.message for n in report.notes] == ["bỏ qua 1 dòng trống (4)."]


def test_xlsx_negative_number_is_a_bad_value_not_a_formula(app_ctx):
    data = xlsx_bytes(["a", "Câu hỏi?", "Một", "Hai", None, None, None, None, "A", None, None, -1])
    report = bank_io.import_files([("n.xlsx", data)], dry_run=True, actor_id=None)
    assert [(e.row, e.column) for e in report.errors] == [(2, "Mức độ")]
    assert "mức độ «-1» không hợp lệ" in report.errors[0].message


def test_xlsx_dates_and_numbers_read_as_the_organiser_typed_them(app_ctx):
    data = xlsx_bytes(
        ["a", "Quyết định được ký ngày nào?", datetime(2024, 12, 17), datetime(2025, 6, 5),
         None, None, None, None, "a", None, None, 2.0],
        ["k", "Bao nhiêu chỉ số?", 5, 4, None, None, None, None, "B", None, None, None],
    )
    report = bank_io.import_files([("d.xlsx", data)], dry_run=False, actor_id=None)
    assert report.ok, report.lines()
    got = {q.text: (q.options, q.difficulty) for q in db.session.scalars(sa.select(Question))}
    assert got["Quyết định được ký ngày nào?"] == (["17/12/2024", "05/06/2025"], 2)
    assert got["Bao nhiêu chỉ số?"] == (["5", "4"], 1)


# --------------------------------------------------------------------------- bad files


def _long(n: int) -> str:
    return ("Câu hỏi rất dài " * (n // 10 + 2))[:n - 1] + "?"


def _xlsx_with_formula() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(GOOD)
    ws.append(row(text="Câu có công thức?"))
    ws["C3"] = "=A2&B2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


BAD_FILES = {
    # id: (files, row, column, expected message part)
    "unknown-area": ([("a.csv", csv_bytes(GOOD, row(area="m")))], 3, "Lĩnh vực",
                     "không có lĩnh vực «m»"),
    "missing-area": ([("a.csv", csv_bytes(GOOD, row(area="")))], 3, "Lĩnh vực",
                     "thiếu lĩnh vực"),
    "missing-question": ([("a.csv", csv_bytes(GOOD, row(text="")))], 3, "Câu hỏi",
                         "thiếu nội dung câu hỏi"),
    "one-option": ([("a.csv", csv_bytes(GOOD, row(options=("Chỉ một",))))], 3, "Phương án B",
                   "cần ít nhất 2 phương án trả lời (đang có 1)"),
    "gap-in-options": ([("a.csv", csv_bytes(GOOD, row(options=("Một", "Hai", "", "Bốn"))))], 3,
                       "Phương án C", "phương án C để trống nhưng phương án D có nội dung"),
    "answer-names-empty-option": (
        [("a.csv", csv_bytes(GOOD, row(options=("Một", "Hai", "Ba"), answer="d")))], 3,
        "Đáp án đúng", "đáp án đúng là D nhưng phương án D để trống"),
    "answer-not-a-letter": ([("a.csv", csv_bytes(GOOD, row(answer="G")))], 3, "Đáp án đúng",
                            "đáp án đúng «G» không hợp lệ"),
    "missing-answer": ([("a.csv", csv_bytes(GOOD, row(answer="")))], 3, "Đáp án đúng",
                       "thiếu đáp án đúng"),
    "duplicate-row-in-file": (
        [("a.csv", csv_bytes(GOOD, row(text=unicodedata.normalize(
            "NFD", "  MỘT câu hỏi   hợp lệ đứng trước dòng lỗi? "))))],
        3, "Câu hỏi", "câu hỏi trùng với dòng 2."),
    "duplicate-row-across-files": (
        [("a.csv", csv_bytes(GOOD)), ("b.csv", csv_bytes(row(text="Khác?"), GOOD))],
        3, "Câu hỏi", "câu hỏi trùng với dòng 2 của tệp a.csv"),
    "duplicate-options": ([("a.csv", csv_bytes(GOOD, row(options=("Một", "Hai", "một"))))], 3,
                          "Phương án C", "phương án C trùng với phương án A"),
    "question-too-long": (
        [("a.csv", csv_bytes(GOOD, row(text=_long(QUESTION_MAX_LENGTH + 1))))], 3, "Câu hỏi",
        f"dài {QUESTION_MAX_LENGTH + 1} ký tự, vượt giới hạn {QUESTION_MAX_LENGTH}"),
    "option-too-long": ([("a.csv", csv_bytes(GOOD, row(options=("Một", "x" * 501))))], 3,
                        "Phương án B", "vượt giới hạn 500"),
    "bad-difficulty": ([("a.csv", csv_bytes(GOOD, row(difficulty="5")))], 3, "Mức độ",
                       "mức độ «5» không hợp lệ"),
    "csv-formula-equals": (
        [("a.csv", csv_bytes(GOOD, row(text='=HYPERLINK("http://evil.example","Bấm")')))],
        3, "Câu hỏi", "bắt đầu bằng «=»"),
    "csv-formula-plus": ([("a.csv", csv_bytes(GOOD, row(options=("+1+cmd", "Hai"))))], 3,
                         "Phương án A", "bắt đầu bằng «+»"),
    "csv-formula-minus": ([("a.csv", csv_bytes(GOOD, row(explanation="-2+3")))], 3,
                          "Giải thích", "bắt đầu bằng «-»"),
    "csv-formula-at": ([("a.csv", csv_bytes(GOOD, row(source="@SUM(A1)")))], 3, "Căn cứ",
                       "bắt đầu bằng «@»"),
    "xlsx-formula-cell": ([("a.xlsx", _xlsx_with_formula())], 3, "Phương án A",
                          "ô chứa công thức (=A2&B2)"),
    "partial-row": ([("a.csv", csv_bytes(GOOD, ["", "", "", "", "", "", "", "", "", "", "",
                                                 "2"]))], 3, "Câu hỏi", "thiếu nội dung"),
    "missing-required-column": (
        [("a.csv", csv_bytes([c for i, c in enumerate(GOOD) if i != 8],
                             header=[h for h in HEADER if h != "Đáp án đúng"]))],
        1, "Đáp án đúng", "thiếu cột «Đáp án đúng»"),
    "duplicate-column": ([("a.csv", csv_bytes(GOOD + ["x"], header=HEADER + ["CÂU HỎI"]))], 1,
                         "Câu hỏi", "xuất hiện hai lần"),
    "data-without-header": ([("a.csv", csv_bytes(GOOD + ["lạc chỗ"]))], 2, None,
                            "có dữ liệu ở cột không có tiêu đề"),
    "no-header": ([("a.csv", "\n".join(",".join(GOOD) for _ in range(3)).encode())], None, None,
                  "không nhận ra dòng tiêu đề"),
    "not-utf8": ([("a.csv", csv_bytes(GOOD).decode().encode("cp1258", errors="replace"))], None,
                 None, "không phải mã UTF-8"),
    "utf16": ([("a.csv", b"\xff\xfe" + "Lĩnh vực".encode("utf-16-le"))], None, None,
              "UTF-16"),
    "xls-file": ([("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)], None, None,
                 "không đọc được tệp .xls"),
    "other-type": ([("a.ods", b"PK\x03\x04whatever")], None, None,
                   "chỉ nhận tệp .xlsx, .xls hoặc .csv"),
    "damaged-xlsx": ([("a.xlsx", b"PK\x03\x04 not really a workbook")], None, None,
                     "không đọc được tệp .xlsx"),
    "xlsx-renamed-csv": ([("a.csv", xlsx_bytes(GOOD))], None, None,
                         "thực chất là tệp Excel"),
    "empty-file": ([("a.csv", b"")], None, None, "tệp rỗng"),
    "header-only": ([("a.csv", csv_bytes(GOOD)), ("b.csv", csv_bytes())], None, None,
                    "tệp không có dòng câu hỏi nào"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES), ids=str)
def test_bad_file_is_refused_with_its_row_message_and_nothing_written(app_ctx, case):
    files, row_number, column, message = BAD_FILES[case]
    factories.make_question("b", text="Câu có sẵn trước khi nhập?")
    before = bank_snapshot()
    report = refused(files)
    assert find(report, row=row_number, column=column, contains=message), report.lines()
    assert report.added == 0 and report.added_ids == []
    assert bank_snapshot() == before  # all or nothing: the valid row was not written either
    lines = report.lines()
    assert any(message in line and line.startswith("Lỗi – ") for line in lines)
    assert lines[-1].startswith(f"Có {len(report.errors)} lỗi; không ghi câu hỏi nào")


def test_error_line_names_file_row_and_column(app_ctx):
    report = bank_io.import_files([("tdp1.csv", csv_bytes(GOOD, row(area="z")))],
                                  dry_run=True, actor_id=None)
    assert report.lines()[0].startswith("Lỗi – tdp1.csv, dòng 3, cột «Lĩnh vực» (A): ")


def test_every_problem_is_reported_not_just_the_first(app_ctx):
    data = csv_bytes(
        row(area="q", text="Câu một?"),
        row(text="Câu hai?", options=("Một",), answer="C", difficulty="x"),
        row(text="", answer="Z"),
    )
    report = refused([("nhieu-loi.csv", data)])
    where = {(e.row, e.column) for e in report.errors}
    assert {(2, "Lĩnh vực"), (3, "Phương án B"), (3, "Đáp án đúng"), (3, "Mức độ"),
            (4, "Câu hỏi"), (4, "Đáp án đúng")} <= where
    assert question_count() == 0


def test_file_over_the_size_limit(app_ctx):
    data = csv_bytes(GOOD)
    report = refused([("a.csv", data)], max_bytes=len(data) - 1)
    assert "vượt giới hạn" in report.errors[0].message and question_count() == 0
    default = bank_io.import_files([("big.csv", b"x" * (app_ctx.config["MAX_IMPORT_BYTES"] + 1))],
                                   dry_run=True, actor_id=None)
    assert "vượt giới hạn 5.0 MB" in default.errors[0].message


def test_too_many_rows(app_ctx):
    rows = [row(text=f"Câu số {n}?") for n in range(6)]
    files = [("a.csv", csv_bytes(*rows[:3])), ("b.csv", csv_bytes(*rows[3:]))]
    report = refused(files, max_rows=4)
    assert [e.file for e in report.errors] == ["b.csv"]
    assert "quá nhiều dòng: mỗi lần chỉ nhập tối đa 4 câu hỏi" in report.errors[0].message
    assert question_count() == 0
    assert bank_io.MAX_IMPORT_ROWS == 5000


def test_no_files(app_ctx):
    assert "chưa chọn tệp" in refused([]).errors[0].message


# --------------------------------------------------------------------------- export, template


def test_export_then_import_into_an_empty_bank_gives_the_same_bank(app_ctx):
    bank_io.import_files(starter_files(), dry_run=False, actor_id=None)
    factories.make_question("k", text="Hai phương án thôi?", options=["Có", "Không"], correct=1,
                            difficulty=3)
    factories.make_question("đ", text="Sáu phương án?", options=list("123456"), correct=5)
    factories.make_question("d", text="Câu đã ngừng dùng?", active=False, difficulty=2)
    before = bank_snapshot()
    data, count = bank_io.export_bank()
    assert count == 115

    db.session.execute(sa.delete(QuestionVersion))
    db.session.execute(sa.delete(Question))
    db.session.commit()
    assert question_count() == 0

    report = bank_io.import_files([("xuat.xlsx", data)], dry_run=False, actor_id=None)
    assert report.ok and report.added == 115, report.lines()
    assert bank_snapshot() == before


def test_export_layout(app_ctx):
    factories.make_question("đ", text="Thứ tự phương án giữ nguyên?",
                            options=["Thứ ba", "Thứ nhất", "Thứ hai"], correct=2)
    data, count = bank_io.export_bank()
    ws = load_workbook(io.BytesIO(data)).active
    assert count == 1
    assert [c.value for c in ws[1]] == bank_io.EXPORT_HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= 50
    values = [c.value for c in ws[2]]
    assert values[:5] == ["đ", "Thứ tự phương án giữ nguyên?", "Thứ ba", "Thứ nhất", "Thứ hai"]
    assert values[8] == "C" and values[12] == "Có"


def test_export_keeps_formula_like_text_as_text(app_ctx):
    # The admin form may accept it; the export must never hand Excel a live formula.
    factories.make_question("a", options=["=1+1", "Hai"])
    data, _ = bank_io.export_bank()
    cell = load_workbook(io.BytesIO(data)).active["C2"]
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_template_has_headers_one_example_and_reimports(app_ctx):
    data = bank_io.template_xlsx()
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.max_row == 2
    assert "Hướng dẫn" in wb.sheetnames
    first = bank_io.import_files([("mau.xlsx", data)], dry_run=False, actor_id=None)
    assert first.ok and first.added == 1, first.lines()
    second = bank_io.import_files([("mau.xlsx", data)], dry_run=False, actor_id=None)
    assert second.ok and second.added == 0 and len(second.skipped) == 1
    # The example is the starter bank's first question: leaving it in adds nothing.
    bank = bank_io.import_files(starter_files(), dry_run=False, actor_id=None)
    assert bank.added == 111 and not any(s.differs for s in bank.skipped)
