"""Question banks as organisers keep them in spreadsheets: STT columns, A–D headers, answers
as 1–4 or as the option's text, one area for the whole file, legacy .xls, columns mapped by
hand and remembered; and the one rule for a valid question behind form, import and service."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from contest.extensions import db
from contest.models import ColumnMapping, Question
from contest.services.bank import import_export as bank_io
from contest.services.bank.questions import (
    QuestionData,
    QuestionInvalid,
    create_question,
    question_problems,
)
from tests import factories


def xlsx_bytes(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(*rows) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Câu hỏi")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bank() -> list[tuple]:
    return [(q.content_area.code, q.text, list(q.options), q.correct_option)
            for q in db.session.scalars(sa.select(Question).order_by(Question.id))]


def imported(files, **options):
    report = bank_io.import_files(files, dry_run=False, actor_id=None, **options)
    assert report.ok, report.lines()
    return report


def refused(files, **options):
    """The report of an import refused whole; nothing written."""
    with pytest.raises(bank_io.ImportRefused) as refusal:
        bank_io.import_files(files, dry_run=False, actor_id=None, **options)
    assert bank() == []
    return refusal.value.report


# --------------------------------------------------------------------------- shapes


def test_stt_and_notes_are_ignored_and_listed_answers_as_numbers(app_ctx):
    data = xlsx_bytes(
        ["STT", "Lĩnh vực", "Câu hỏi", "A", "B", "C", "D", "Đáp án", "Ghi chú"],
        [1, "a", "Câu một?", "Một", "Hai", "Ba", "Bốn", 2, "đã duyệt"],
        [2, "b", "Câu hai?", "Một", "Hai", "Ba", "Bốn", "4", ""],
    )
    report = imported([("ngan-hang.xlsx", data)])
    assert any("bỏ qua các cột không thuộc mẫu: «STT» (A), «Ghi chú» (I)" in n.message
               for n in report.notes), report.lines()
    assert bank() == [("a", "Câu một?", ["Một", "Hai", "Ba", "Bốn"], 1),
                      ("b", "Câu hai?", ["Một", "Hai", "Ba", "Bốn"], 3)]


@pytest.mark.parametrize("headers", [
    ["Phương án 1", "Phương án 2", "Phương án 3"],
    ["PA A", "PA B", "PA C"],
    ["Đáp án A", "Đáp án B", "Đáp án C"],
    ["a", "b", "c"],
])
def test_option_header_synonyms_and_the_answer_as_the_options_text(app_ctx, headers):
    data = xlsx_bytes(["Nội dung câu hỏi", *headers, "Đáp án đúng"],
                      ["Ai tiếp nhận hồ sơ?", "Bộ phận một cửa", "Tổ dân phố", "Công an",
                       "bộ phận MỘT CỬA"])
    imported([("a.xlsx", data)], area_code="c")
    assert bank() == [("c", "Ai tiếp nhận hồ sơ?", ["Bộ phận một cửa", "Tổ dân phố", "Công an"],
                       0)]


def test_area_column_wins_over_the_area_chosen_for_the_file(app_ctx):
    data = xlsx_bytes(["Lĩnh vực", "Câu hỏi", "A", "B", "Đáp án"],
                      ["", "Câu theo lựa chọn?", "Có", "Không", "A"],
                      ["đ", "Câu theo cột?", "Có", "Không", "B"])
    imported([("a.xlsx", data)], area_code="a")
    assert [(code, correct) for code, _, _, correct in bank()] == [("a", 0), ("đ", 1)]


def test_without_an_area_column_or_a_chosen_area_the_file_says_what_to_do(app_ctx):
    data = xlsx_bytes(["Câu hỏi", "A", "B", "Đáp án"], ["Câu?", "Có", "Không", "A"])
    report = refused([("a.xlsx", data)])
    assert "thiếu cột «Lĩnh vực». Hãy thêm cột này vào dòng tiêu đề hoặc chọn một lĩnh vực " \
           "cho cả tệp." in report.lines()[0]
    report = refused([("a.xlsx", data)], area_code="zz")
    assert "không có lĩnh vực «zz»" in report.lines()[0]


def test_a_legacy_xls_bank_imports(app_ctx):
    data = xls_bytes(["STT", "Câu hỏi", "Phương án 1", "Phương án 2", "Đáp án"],
                     [1, "Câu trong tệp .xls?", "Đúng", "Sai", 1])
    imported([("cu.xls", data)], area_code="a")
    assert bank() == [("a", "Câu trong tệp .xls?", ["Đúng", "Sai"], 0)]


@pytest.mark.parametrize(("answer", "message"), [
    ("7", "đáp án đúng «7» không hợp lệ"),
    ("Không có phương án này", "đáp án đúng «Không có phương án này» không hợp lệ"),
    ("3", "đáp án đúng là C nhưng phương án C để trống"),
])
def test_an_answer_that_names_no_option_is_refused_on_its_row(app_ctx, answer, message):
    data = xlsx_bytes(["Câu hỏi", "A", "B", "Đáp án"], ["Câu?", "Có", "Không", answer])
    report = refused([("a.xlsx", data)], area_code="a")
    assert [(e.row, e.column) for e in report.errors] == [(2, "Đáp án đúng")]
    assert message in report.errors[0].message


# --------------------------------------------------------------------------- column mapping


UNKNOWN = xlsx_bytes(["Nội dung hỏi", "Lựa chọn thứ nhất", "Lựa chọn thứ hai", "Kết quả"],
                     ["Câu ghép cột?", "Đúng", "Sai", "A"])


def test_unknown_headers_ask_for_a_mapping_which_is_remembered(app_ctx):
    report = refused([("la.xlsx", UNKNOWN)], area_code="a")
    assert "không nhận ra dòng tiêu đề" in report.errors[0].message
    [wanted] = report.unmapped_sheets
    assert [written for _, _, written in wanted.columns] == [
        "Nội dung hỏi", "Lựa chọn thứ nhất", "Lựa chọn thứ hai", "Kết quả"]
    mapping = {0: "text", 1: "option_A", 2: "option_B", 3: "answer"}
    imported([("la.xlsx", UNKNOWN)], area_code="a", mappings={wanted.signature: mapping})
    assert db.session.scalar(sa.select(sa.func.count(ColumnMapping.id))) == 1
    # The next file with the same headers needs no mapping.
    again = xlsx_bytes(["Nội dung hỏi", "Lựa chọn thứ nhất", "Lựa chọn thứ hai", "Kết quả"],
                       ["Câu thứ hai?", "Đúng", "Sai", "B"])
    report = imported([("lb.xlsx", again)], area_code="a")
    assert any("cách ghép cột đã lưu" in n.message for n in report.notes)
    assert [correct for *_, correct in bank()] == [0, 1]


def test_the_mapping_is_chosen_on_the_import_page(app, client, login_as):
    login_as("organiser")
    page = client.post("/admin/questions/import", data={
        "files": [(io.BytesIO(UNKNOWN), "la.xlsx")], "area": "a"},
        content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "Ghép cột" in text
    assert re.search(r'name="map-0-3"', text)
    response = client.post("/admin/questions/import/mapping", data={
        "map-0-0": "text", "map-0-1": "option_A", "map-0-2": "option_B", "map-0-3": "answer"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "Xác nhận nhập 1 câu hỏi" in text
    assert client.post("/admin/questions/import/confirm").status_code == 302
    with app.app_context():
        assert bank() == [("a", "Câu ghép cột?", ["Đúng", "Sai"], 0)]


def test_the_template_has_vietnamese_names(app, client, login_as):
    login_as("organiser")
    response = client.get("/admin/questions/template.xlsx")
    assert "Mẫu nhập câu hỏi.xlsx" in response.headers["Content-Disposition"].encode(
        "latin-1").decode("utf-8", "replace") or "M%E1%BA%AB" in response.headers[
        "Content-Disposition"]


# --------------------------------------------------------------------------- one rule


def test_one_rule_for_a_valid_question(app_ctx):
    assert question_problems("Câu?", ["Có", "Không"], 0) == []
    fields = {p.field for p in question_problems("", ["Có", "", "Ba", "có"], 5, difficulty=4)}
    assert fields == {"text", "option_B", "option_D", "answer", "difficulty"}
    area = factories.area("a")
    with pytest.raises(QuestionInvalid) as refused:
        create_question(QuestionData(area.id, "Câu một phương án?", ["Chỉ một"], 0))
    assert refused.value.field == "option_B"
    assert refused.value.message.startswith("Cần ít nhất 2 phương án")
    assert bank() == []


def test_a_mapping_of_partly_known_headers_is_remembered_too(app_ctx):
    partly = xlsx_bytes(["Câu hỏi", "Lựa chọn thứ nhất", "Lựa chọn thứ hai", "Đáp án"],
                        ["Câu một phần?", "Đúng", "Sai", "B"])
    report = refused([("p.xlsx", partly)], area_code="a")
    [wanted] = report.unmapped_sheets
    assert wanted.guess == {0: "text", 3: "answer"}
    imported([("p.xlsx", partly)], area_code="a",
             mappings={wanted.signature: {0: "text", 1: "option_A", 2: "option_B", 3: "answer"}})
    again = xlsx_bytes(["Câu hỏi", "Lựa chọn thứ nhất", "Lựa chọn thứ hai", "Đáp án"],
                       ["Câu một phần nữa?", "Đúng", "Sai", "A"])
    report = imported([("q.xlsx", again)], area_code="a")
    assert [n.message for n in report.notes] == [
        "dùng cách ghép cột đã lưu cho tệp có cùng dòng tiêu đề."]
    assert [correct for *_, correct in bank()] == [1, 0]
