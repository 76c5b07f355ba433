"""The documents made from a publication, each as PDF and as Word (.docx).

* the public results list (danh sách công bố), posted on notice boards: masked phones;
* the prize-handover list (danh sách nhận giải) with a "Ký nhận" column: full phones, for the
  organisers only;
* the decision recognising the round's winners (quyết định công nhận kết quả và khen thưởng),
  with the list of winners as its annex.

All read a publication snapshot only, so what is printed is what was published, and follow
the layout of Nghị định 30/2020/NĐ-CP (``contest.helpers.nd30``). Each is described once as
parts and drawn by both renderers, so the PDF and the Word file say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from contest.helpers import nd30, pdf_layout
from contest.helpers.docx_layout import OfficialDocument
from contest.helpers.formatting import format_phone
from contest.helpers.timeutil import format_date, format_duration
from contest.services.documents import signers
from contest.services.results import prizes
from contest.services.results.publication import prize_label

COMMITTEE = "BAN TỔ CHỨC CUỘC THI"


@dataclass(frozen=True)
class Office:
    """The ward's names as configured (ORGANISATION_NAME, ORGANISATION_FULL_NAME, WARD_NAME)."""

    #: "UBND phường Phù Vân"
    name: str
    #: "ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN"
    full_name: str
    #: "Phù Vân"
    ward: str

    @classmethod
    def from_config(cls, config: Mapping) -> Office:
        return cls(config["ORGANISATION_NAME"], config["ORGANISATION_FULL_NAME"],
                   config["WARD_NAME"])


@dataclass(frozen=True)
class Document:
    """One document as parts: what both renderers draw."""

    title: str
    letterhead: nd30.Letterhead
    kind: str
    summary: list[str]
    #: ("paragraph" | "italic" | "centred" | "heading", text) and
    #: ("table", headings, rows, widths in mm, first numeric column, min row height in mm).
    body: list[tuple]
    closing: nd30.Closing
    #: Parts after the signature, on a new page (the decision's annex).
    annex: list[tuple]
    file_stem: str


def _count_word(n: int) -> str:
    return f"{n:02d}"


def _prize_summary(winners: list[dict]) -> str:
    """"01 Giải Nhất, 02 Giải Nhì, 03 Giải Ba" in the order of the tiers."""
    counts: dict[str, int] = {}
    for w in sorted(winners, key=lambda w: w["tier"]):
        counts[w["prize"]] = counts.get(w["prize"], 0) + 1
    return ", ".join(f"{_count_word(n)} {name}" for name, n in counts.items())


def _committee_head(office: Office, number: str, day: date | None) -> nd30.Letterhead:
    return nd30.Letterhead(issuing_body=COMMITTEE, parent_body=office.name.upper(),
                           number=number, place_date=nd30.place_date_line(office.ward, day))


# --- the public results list -----------------------------------------------------------------

PUBLIC_HEADINGS = ["STT", "Họ và tên", "Điện thoại", "Đơn vị", "Giải", "Điểm",
                   "Thời gian làm bài"]
PUBLIC_WIDTHS = (11, 33, 24, 38, 25, 14, 20)


def public_list(snapshot: dict, *, office: Office, published_on: date,
                signing: signers.Signing) -> Document:
    """The winners' list residents see on the notice board: names, masked phones, units."""
    rows = [[str(i), w["full_name"], w["phone_masked"], w["unit"], prize_label(w),
             str(w["score"]), format_duration(w["duration_ms"])]
            for i, w in enumerate(snapshot["winners"], start=1)]
    body: list[tuple] = []
    if snapshot.get("has_prediction"):
        body.append(("paragraph", snapshot["actual_line"] + "."))
    body.append(("paragraph", f"Kết quả được công bố ngày {format_date(published_on)}."))
    body.append(("small", snapshot["rule"]))
    if rows:
        body.append(("table", PUBLIC_HEADINGS, rows, PUBLIC_WIDTHS, 5, None))
    else:
        body.append(("paragraph", prizes.NO_WINNERS_TEXT))
    return Document(
        title=f"Kết quả {snapshot['round_name']}",
        letterhead=_committee_head(office, signing.number, published_on),
        kind="DANH SÁCH",
        summary=[f"Người đạt giải {snapshot['round_name']}", snapshot["contest_title"]],
        body=body, closing=nd30.Closing(signing.signature), annex=[],
        file_stem="ket-qua-dot",
    )


# --- the prize-handover list -----------------------------------------------------------------

HANDOVER_HEADINGS = ["STT", "Họ và tên", "Đơn vị", "Số điện thoại", "Giải", "Ký nhận"]
HANDOVER_WIDTHS = (11, 35, 37, 27, 25, 30)


def handover_list(snapshot: dict, *, office: Office, day: date,
                  signing: signers.Signing) -> Document:
    """The list the winners sign when they receive their prize (full phone numbers)."""
    people = prizes.participants_by_id(w["participant_id"] for w in snapshot["winners"])
    rows = []
    for i, w in enumerate(snapshot["winners"], start=1):
        person = people.get(w["participant_id"])
        rows.append([str(i), w["full_name"], w["unit"],
                     format_phone(person.phone) if person else "", prize_label(w), ""])
    body: list[tuple] = [("paragraph", f"Tổng số: {len(rows)} người đạt giải.")]
    if rows:
        body.append(("table", HANDOVER_HEADINGS, rows, HANDOVER_WIDTHS, None, 12))
    return Document(
        title=f"Danh sách nhận giải {snapshot['round_name']}",
        letterhead=_committee_head(office, signing.number, day),
        kind="DANH SÁCH NHẬN GIẢI THƯỞNG",
        summary=[f"{snapshot['round_name']} — {snapshot['contest_title']}"],
        body=body, closing=nd30.Closing(signing.signature), annex=[],
        file_stem="danh-sach-nhan-giai-dot",
    )


# --- the decision ----------------------------------------------------------------------------

ANNEX_HEADINGS = ["STT", "Họ và tên", "Đơn vị", "Giải", "Điểm", "Thời gian làm bài"]
ANNEX_WIDTHS = (11, 40, 46, 27, 16, 25)
DECISION_RECIPIENTS = ["- Như Điều 3;", "- TT Đảng ủy, HĐND phường;",
                       "- Chủ tịch, các PCT UBND phường;", "- Lưu: VT, VH-XH."]


def decision(snapshot: dict, *, office: Office, day: date, year: int,
             signing: signers.Signing) -> Document:
    """Quyết định công nhận kết quả và khen thưởng, with the winners as its annex.

    Issued by the Chairman of the ward's People's Committee on the organisers' proposal; the
    office edits the grounds or the prizes in the Word file when theirs differ.
    """
    winners = snapshot["winners"]
    round_name, contest_title = snapshot["round_name"], snapshot["contest_title"]
    head = nd30.Letterhead(issuing_body=office.full_name, number=signing.number,
                           place_date=nd30.place_date_line(office.ward, day))
    number_text = nd30.number_line(signing.number).removeprefix("Số: ").strip() or "…"
    body: list[tuple] = [
        ("centred", f"CHỦ TỊCH {office.full_name}"),
        ("italic", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"),
        ("italic", "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;"),
        ("italic", f"Căn cứ Kế hoạch thông tin, tuyên truyền cải cách hành chính năm {year} "
                   f"của Ủy ban nhân dân phường {office.ward};"),
        ("italic", f"Căn cứ Thể lệ {contest_title};"),
        ("italic", "Theo đề nghị của Trưởng Ban tổ chức Cuộc thi."),
        ("centred", "QUYẾT ĐỊNH:"),
    ]
    if winners:
        body.append(("paragraph",
                     f"Điều 1. Công nhận kết quả {round_name} {contest_title} và khen thưởng "
                     f"{_count_word(len(winners))} cá nhân đạt giải (có danh sách kèm theo), "
                     f"gồm: {_prize_summary(winners)}."))
    else:
        body.append(("paragraph", f"Điều 1. Công nhận kết quả {round_name} {contest_title}: "
                                  "đợt thi không có cá nhân đạt giải."))
    body.append(("paragraph",
                 "Điều 2. Các cá nhân có tên tại Điều 1 được Ban tổ chức Cuộc thi tặng Giấy "
                 "chứng nhận và phần thưởng theo cơ cấu giải quy định tại Thể lệ Cuộc thi."))
    body.append(("paragraph",
                 "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng HĐND và "
                 "UBND phường, Trưởng phòng Văn hóa – Xã hội, Ban tổ chức Cuộc thi và các cá "
                 "nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./."))
    annex: list[tuple] = []
    if winners:
        rows = [[str(i), w["full_name"], w["unit"], prize_label(w), str(w["score"]),
                 format_duration(w["duration_ms"])] for i, w in enumerate(winners, start=1)]
        annex = [
            ("centred", "DANH SÁCH"),
            ("centred", f"Cá nhân đạt giải {round_name} — {contest_title}"),
            ("italic_centred",
             f"(Kèm theo Quyết định số {number_text} ngày "
             f"{nd30.place_date_line('', day).removeprefix(', ngày ')} "
             f"của Chủ tịch Ủy ban nhân dân phường {office.ward})"),
            ("table", ANNEX_HEADINGS, rows, ANNEX_WIDTHS, 4, None),
        ]
    return Document(
        title=f"Quyết định công nhận kết quả {round_name}",
        letterhead=head, kind="QUYẾT ĐỊNH",
        summary=[f"Về việc công nhận kết quả và khen thưởng các cá nhân đạt giải {round_name}",
                 contest_title],
        body=body,
        closing=nd30.Closing(signing.signature, DECISION_RECIPIENTS),
        annex=annex, file_stem="quyet-dinh-khen-thuong-dot",
    )


# --- rendering -------------------------------------------------------------------------------

#: Lists have more columns than the report's tables: a size at which a phone number or
#: "Giải Khuyến khích" fits its column whole (the cells still wrap longer text).
TABLE_SIZE_PDF = 10
TABLE_SIZE_DOCX = 11

def _draw_pdf(pdf, parts: list[tuple]) -> None:
    for part in parts:
        kind = part[0]
        if kind == "table":
            _kind, headings, rows, widths, numeric_from, min_height = part
            pdf_layout.table(pdf, headings, rows, widths, numeric_from=numeric_from,
                             min_row_height=min_height, size=TABLE_SIZE_PDF)
        elif kind == "centred":
            pdf_layout.centred(pdf, part[1])
        elif kind == "italic_centred":
            pdf_layout.centred(pdf, part[1], bold=False)
        elif kind == "small":
            pdf_layout.paragraph(pdf, part[1], size=10)
        else:
            pdf_layout.paragraph(pdf, part[1])


def render_pdf(document: Document) -> bytes:
    pdf = pdf_layout.new_document(title=document.title,
                                  author=document.letterhead.issuing_body)
    pdf_layout.letterhead(pdf, document.letterhead)
    pdf_layout.title(pdf, document.kind, document.summary)
    body = list(document.body)
    last = body.pop() if body else None
    _draw_pdf(pdf, body)
    if last is not None and last[0] == "table":
        _kind, headings, rows, widths, numeric_from, min_height = last
        pdf_layout.table_then_closing(pdf, headings, rows, widths, document.closing,
                                      numeric_from=numeric_from, min_row_height=min_height,
                                      size=TABLE_SIZE_PDF)
    else:
        pdf_layout.closing_with(pdf, document.closing,
                                before=(lambda target: _draw_pdf(target, [last]))
                                if last is not None else None)
    if document.annex:
        pdf.add_page()
        _draw_pdf(pdf, document.annex)
    return bytes(pdf.output())


def _draw_docx(out: OfficialDocument, parts: list[tuple]) -> None:
    for part in parts:
        kind = part[0]
        if kind == "table":
            _kind, headings, rows, widths, numeric_from, min_height = part
            out.table(headings, rows, widths, numeric_from=numeric_from,
                      min_row_height_mm=min_height, size=TABLE_SIZE_DOCX)
        elif kind == "centred":
            out.centred(part[1])
        elif kind == "italic_centred":
            out.centred(part[1], bold=False, italic=True, size=13, space_before=0)
        elif kind == "italic":
            out.paragraph(part[1], italic=True)
        elif kind == "small":
            out.paragraph(part[1], size=11)
        else:
            out.paragraph(part[1])


def render_docx(document: Document) -> bytes:
    out = OfficialDocument(title=document.title, author=document.letterhead.issuing_body)
    out.letterhead(document.letterhead)
    out.title(document.kind, document.summary)
    _draw_docx(out, document.body)
    out.closing(document.closing)
    if document.annex:
        out.page_break()
        _draw_docx(out, document.annex)
    return out.to_bytes()
