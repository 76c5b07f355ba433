"""Question banks from Word documents in the shapes organisers use: each shape imports
exactly the questions and answers it holds, and each hostile one is refused whole with
nothing written and a message naming the question. The documents are built here."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import RGBColor

from contest.extensions import db
from contest.models import Question
from contest.services.bank import import_export as bank_io


def docx(*items) -> bytes:
    """A document: a str is a paragraph; a list of (text, format) runs is one paragraph
    (format: "b" bold, "u" underline, "h" highlight, "r" red); ("table", rows) a table."""
    document = Document()
    for item in items:
        if isinstance(item, str):
            document.add_paragraph(item)
        elif isinstance(item, tuple) and item[0] == "table":
            rows = item[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = str(value)
        else:
            paragraph = document.add_paragraph()
            for text, fmt in item:
                run = paragraph.add_run(text)
                run.bold = "b" in fmt or None
                run.underline = "u" in fmt or None
                if "h" in fmt:
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                if "r" in fmt:
                    run.font.color.rgb = RGBColor(0xFF, 0, 0)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def bank() -> list[tuple]:
    return [(q.content_area.code, q.text, list(q.options), q.correct_option, q.explanation,
             q.source, q.difficulty)
            for q in db.session.scalars(sa.select(Question).order_by(Question.id))]


def answers() -> list[int]:
    return [row[3] for row in bank()]


def imported(data: bytes, name: str = "ngan-hang.docx", **options):
    report = bank_io.import_files([(name, data)], dry_run=False, actor_id=None, **options)
    assert report.ok, report.lines()
    return report


def refused(data: bytes, name: str = "ngan-hang.docx", **options):
    with pytest.raises(bank_io.ImportRefused) as refusal:
        bank_io.import_files([(name, data)], dry_run=False, actor_id=None, **options)
    assert bank() == []
    return refusal.value.report


def marked(letter_right: str, fmt: str, letters: str = "ABCD") -> list:
    return [[(f"{letter}. Phương án {letter}", fmt if letter == letter_right else "")]
            for letter in letters]


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(("fmt", "why"), [
    ("b", "in đậm"), ("u", "gạch chân"), ("h", "tô nền"), ("r", "màu chữ khác")])
def test_the_right_option_marked_by_its_formatting(app_ctx, fmt, why):
    report = imported(docx("Lĩnh vực a: Chủ trương", "Câu 1: Ai ký Kế hoạch?", *marked("C", fmt)))
    assert bank() == [("a", "Ai ký Kế hoạch?", [f"Phương án {x}" for x in "ABCD"], 2, "", "", 1)]
    assert report.to_add[0].how == why


@pytest.mark.parametrize("option_b", ["B. Hai *", "*B. Hai", "B. Hai (đúng)", "B. Hai (Đ)"])
def test_the_right_option_marked_beside_it(app_ctx, option_b):
    imported(docx("Câu 1. Chọn số hai?", "A. Một", option_b, "C. Ba"), area_code="b")
    assert bank() == [("b", "Chọn số hai?", ["Một", "Hai", "Ba"], 1, "", "", 1)]


@pytest.mark.parametrize("key", [
    ["Đáp án: 1B, 2C"],
    ["ĐÁP ÁN", "1-B; 2-C"],
    ["Đáp án", ("table", [["Câu", "Đáp án"], ["1", "B"], ["2", "C"]])],
])
def test_an_answer_key_at_the_end(app_ctx, key):
    report = imported(docx("Câu 1: Một?", "A. x", "B. y", "Câu 2: Hai?", "A. x", "B. y", "C. z",
                           *key), area_code="c")
    assert answers() == [1, 2]
    assert {q.how for q in report.to_add} == {"đáp án cuối tệp"}


@pytest.mark.parametrize(("first", "second"), [
    ("Câu 1.", "Câu 2."), ("Câu 1 (0,5 điểm):", "Câu 2 (0,5 điểm):"), ("1.", "2."),
    ("1)", "2)"), ("CÂU 1:", "CÂU 2:")])
def test_numbering_shapes(app_ctx, first, second):
    imported(docx(f"{first} Câu thứ nhất?", "A. x *", "B. y",
                  f"{second} Câu thứ hai?", "A. x", "B. y *"), area_code="a")
    assert [(text, correct) for _, text, _, correct, *_ in bank()] == [
        ("Câu thứ nhất?", 0), ("Câu thứ hai?", 1)]


@pytest.mark.parametrize("options", [
    ["A) Một", "B) Hai *", "C) Ba"], ["a. Một", "b. Hai *", "c. Ba"],
    ["A/ Một", "B/ Hai *", "C/ Ba"], ["A - Một", "B - Hai *", "C - Ba"],
    ["A. Một\tB. Hai *", "C. Ba"], ["A. Một     B. Hai *     C. Ba"],
])
def test_option_shapes(app_ctx, options):
    imported(docx("Câu 1: Số nào là hai?", *options), area_code="a")
    assert bank() == [("a", "Số nào là hai?", ["Một", "Hai", "Ba"], 1, "", "", 1)]


def test_question_and_options_over_several_paragraphs_and_lines(app_ctx):
    imported(docx("Câu 1: Theo Kế hoạch,", "nội dung nào được tuyên truyền\ntrước tiên?",
                  "A. Chủ trương của Đảng,", "chính sách pháp luật *", "B. Chỉ số PCI"),
             area_code="a")
    assert bank() == [("a", "Theo Kế hoạch, nội dung nào được tuyên truyền trước tiên?",
                       ["Chủ trương của Đảng, chính sách pháp luật", "Chỉ số PCI"], 0, "", "", 1)]


def test_explanation_source_and_level_lines(app_ctx):
    imported(docx("Câu 1: Hỏi?", "A. Có *", "B. Không", "Giải thích: Vì Kế hoạch ghi vậy.",
                  "Căn cứ: Kế hoạch, mục II.1", "Mức độ: 2"), area_code="a")
    assert bank() == [("a", "Hỏi?", ["Có", "Không"], 0, "Vì Kế hoạch ghi vậy.",
                       "Kế hoạch, mục II.1", 2)]


def test_a_table_with_one_question_per_row(app_ctx):
    imported(docx("Lĩnh vực b: …", ("table", [
        ["STT", "Câu hỏi", "A", "B", "C", "D", "Đáp án"],
        ["1", "Câu trong bảng một?", "x", "y", "z", "t", "D"],
        ["2", "Câu trong bảng hai?", "x", "y", "", "", "1"]])))
    assert [(code, text, correct) for code, text, _, correct, *_ in bank()] == [
        ("b", "Câu trong bảng một?", 3), ("b", "Câu trong bảng hai?", 0)]


def test_headings_name_the_content_areas(app_ctx):
    imported(docx("Lĩnh vực c: Chỉ số", "Câu 1: Một?", "A. x *", "B. y",
                  "Phần IV - tiêu đề không khớp tên", "Câu 1: Hai?", "A. x *", "B. y"))
    assert [code for code, *_ in bank()] == ["c", "d"]


def test_headings_numbered_in_roman_in_either_case(app_ctx):
    """The 11 areas of the plan: "Phần XI" is the eleventh (k), "phần ii" the second."""
    imported(docx("PHẦN XI. Nội dung khác", "Câu 1: Một?", "A. x *", "B. y",
                  "phần ii", "Câu 2: Hai?", "A. x *", "B. y"))
    assert [code for code, *_ in bank()] == ["k", "b"]


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize(("items", "message"), [
    (["Câu 1: Không có đáp án?", "A. x", "B. y"], "không tìm thấy đáp án đúng"),
    (["Câu 1: Hai phương án in đậm?", [("A. x", "b")], [("B. y", "b")], "C. z"],
     "có 2 phương án cùng in đậm (A, B)"),
    (["Câu 1: Hai dấu sao?", "A. x *", "B. y *"], "có 2 phương án cùng đánh dấu đúng"),
    (["Câu 1: Một phương án?", "A. x *"], "cần ít nhất 2 phương án"),
])
def test_a_question_that_cannot_be_read_with_certainty_refuses_the_file(app_ctx, items,
                                                                        message):
    good = ["Câu 2: Câu tốt đứng sau?", "A. x *", "B. y"]
    report = refused(docx(*items, *good), area_code="a")
    [error] = report.errors
    assert error.question.startswith("Câu 1 «") and message in error.message, report.lines()


def test_numbering_that_skips_is_refused(app_ctx):
    report = refused(docx("Câu 1: Một?", "A. x *", "B. y", "Câu 3: Ba?", "A. x *", "B. y"),
                     area_code="a")
    assert "đánh số nhảy từ Câu 1 sang Câu 3" in report.lines()[0]


def test_no_area_is_refused_with_what_to_do(app_ctx):
    report = refused(docx("Câu 1: Một?", "A. x *", "B. y"))
    assert "chưa rõ lĩnh vực" in report.errors[0].message


def test_an_old_binary_doc_says_save_as_docx(app_ctx):
    report = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, name="cu.doc")
    assert "Lưu thành (Save As) → Tài liệu Word (.docx)" in report.errors[0].message


def _with_parts(data: bytes, parts: dict[str, bytes], content_types=None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml" and content_types:
                body = content_types(body)
            dst.writestr(info.filename, parts.pop(info.filename, body))
        for name, body in parts.items():
            dst.writestr(name, body)
    return out.getvalue()


def test_a_docm_with_macros_is_read_as_text_only(app_ctx):
    data = _with_parts(
        docx("Câu 1: Có macro?", "A. x *", "B. y"), {"word/vbaProject.bin": b"\0macro" * 100},
        lambda body: body.replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml"))
    report = imported(data, name="macro.docm", area_code="a")
    assert any("macro không được chạy" in n.message for n in report.notes)
    assert answers() == [0]


@pytest.mark.parametrize(("part", "body", "message"), [
    ("word/document.xml", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>',
     "khai báo DTD/thực thể XML"),
    ("word/media/image1.png", b"\0" * 40_000_000, "bom nén"),
])
def test_hostile_documents_are_refused_whole(app_ctx, part, body, message):
    report = refused(_with_parts(docx("Câu 1: Một?", "A. x *", "B. y"), {part: body}),
                     area_code="a")
    assert message in report.errors[0].message


def test_a_damaged_docx_is_refused(app_ctx):
    assert "không đọc được tệp .docx" in refused(b"PK\x03\x04 broken").errors[0].message


# --------------------------------------------------------------------------- the page


def test_the_preview_says_what_was_understood_and_why(app, client, login_as):
    login_as("organiser")
    data = docx("Lĩnh vực a: …", "Câu 1: Câu in đậm?", *marked("B", "b", "AB"),
                "Câu 2: Câu theo đáp án cuối?", "A. x", "B. y", "Đáp án: 1B, 2A")
    response = client.post("/admin/questions/import", data={
        "files": [(io.BytesIO(data), "word.docx")]}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "đáp án cuối tệp" in page and "Câu 2" in page
    assert "<strong>B. Phương án B ✓</strong>" in page
    assert client.post("/admin/questions/import/confirm").status_code == 302
    with app.app_context():
        assert answers() == [1, 0]


def test_questions_numbered_automatically_by_word(app_ctx):
    """Word's own numbering (the "List Number" style: 1., 2., …) is not in the text."""
    document = Document()
    for text, options in (("Câu tự đánh số một?", ["A. Có *", "B. Không"]),
                          ("Câu tự đánh số hai?", ["A. Có", "B. Không *"])):
        document.add_paragraph(text, style="List Number")
        for option in options:
            document.add_paragraph(option)
    out = io.BytesIO()
    document.save(out)
    report = imported(out.getvalue(), area_code="a")
    assert [(q.place, q.content.text, q.correct_letter) for q in report.to_add] == [
        ("Câu 1", "Câu tự đánh số một?", "A"), ("Câu 2", "Câu tự đánh số hai?", "B")]


def test_options_lettered_automatically_by_word(app_ctx):
    """A list whose labels are "A.", "B."… and questions numbered "Câu 1:", "Câu 2:"."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = Document()
    numbering = document.part.numbering_part.element
    for abstract_id, fmt, text in (("90", "decimal", "Câu %1:"), ("91", "upperLetter", "%1.")):
        numbering.insert(0, parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}"><w:lvl w:ilvl="0">'
            f'<w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            "</w:lvl></w:abstractNum>"))
    for num_id, abstract_id in (("90", "90"), ("91", "91"), ("92", "91")):
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                                   f'<w:abstractNumId w:val="{abstract_id}"/></w:num>'))

    def numbered(text: str, num_id: str, bold: bool = False) -> None:
        paragraph = document.add_paragraph()
        paragraph.add_run(text).bold = bold or None
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))

    numbered("Câu hỏi một?", "90")
    numbered("Có", "91")
    numbered("Không", "91", bold=True)
    numbered("Câu hỏi hai?", "90")
    numbered("Đúng", "92", bold=True)  # a new list: lettered from A again
    numbered("Sai", "92")
    out = io.BytesIO()
    document.save(out)
    report = imported(out.getvalue(), area_code="a")
    assert [(q.place, q.content.options, q.correct_letter, q.how) for q in report.to_add] == [
        ("Câu 1", ["Có", "Không"], "B", "in đậm"), ("Câu 2", ["Đúng", "Sai"], "A", "in đậm")]
