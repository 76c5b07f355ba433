"""The parts of an administrative document in the layout of Nghị định 30/2020/NĐ-CP.

Plain values shared by the Word (``docx_layout``) and PDF (``pdf_layout``) renderings, so a
report or a decision is described once and comes out the same in both:

* quốc hiệu and tiêu ngữ (top right), tên cơ quan and số, ký hiệu (top left);
* địa danh and ngày tháng (right, italic);
* tên loại and trích yếu (centred, bold);
* nội dung;
* nơi nhận (bottom left) and the signature: quyền hạn (TM., KT.…), chức vụ, họ tên.

Page: A4 portrait, margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman
13–14 pt (the PDFs embed DejaVu Serif, which carries the same Vietnamese letters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
#: The gap a clerk fills with the number by hand when the document is issued ("Số:   /BC-UBND").
NUMBER_GAP = " " * 8


def number_line(number: str) -> str:
    """"Số: 15/BC-UBND"; a number given as its symbol only ("/BC-UBND") keeps the gap for it."""
    number = (number or "").strip()
    if not number:
        return ""
    return f"Số: {NUMBER_GAP}{number}" if number.startswith("/") else f"Số: {number}"


def place_date_line(place: str, day: date | None) -> str:
    """"Phù Vân, ngày 03 tháng 04 năm 2026" (day and month below 10 with a leading zero, as the
    decree writes them); without a day, the blanks the signer dates by hand."""
    if day is None:
        return f"{place}, ngày      tháng      năm"
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


@dataclass(frozen=True)
class Letterhead:
    """The top of the first page."""

    #: Tên cơ quan, tổ chức ban hành, in capitals ("ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN").
    issuing_body: str
    #: Số, ký hiệu: "15/BC-UBND", or "/BC-UBND" for a number given at issue; "" for none.
    number: str
    #: Địa danh và ngày tháng, as ``place_date_line`` writes it.
    place_date: str
    #: Tên cơ quan chủ quản, above the issuing body (a unit's report names the ward's UBND).
    parent_body: str | None = None

    @property
    def issuing_lines(self) -> list[str]:
        """The issuing body on two lines when it is a People's Committee, as offices write it."""
        prefix = "ỦY BAN NHÂN DÂN "
        if self.parent_body is None and self.issuing_body.startswith(prefix):
            return ["ỦY BAN NHÂN DÂN", self.issuing_body.removeprefix(prefix)]
        return [self.issuing_body]

    @property
    def number_line(self) -> str:
        return number_line(self.number)


@dataclass(frozen=True)
class Signature:
    """Quyền hạn, chức vụ and họ tên of the signer."""

    #: Quyền hạn, one line each ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"); may be empty.
    authority: tuple[str, ...] = ()
    #: Chức vụ ("PHÓ CHỦ TỊCH", "TRƯỞNG BAN").
    position: str = ""
    #: Họ tên người ký; empty leaves the space for the name written by hand.
    name: str = ""

    @property
    def heading_lines(self) -> list[str]:
        """The bold lines above the space for the signature."""
        return [line for line in (*self.authority, self.position) if line]


@dataclass(frozen=True)
class Closing:
    """The bottom of the document: nơi nhận on the left, the signature on the right."""

    signature: Signature
    recipients: list[str] = field(default_factory=list)
