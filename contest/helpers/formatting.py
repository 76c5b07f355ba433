"""Vietnamese formats for numbers and for personal data shown in public.

One definition each, used by templates (as Jinja filters), PDFs, workbooks and
messages alike.
"""

from __future__ import annotations

_ROMAN_STEPS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def to_roman(number: int) -> str:
    """4 → "IV": quarters in report titles ("quý IV"), Word's Roman list numbers."""
    letters = ""
    for value, symbol in _ROMAN_STEPS:
        count, number = divmod(number, value)
        letters += symbol * count
    return letters


def from_roman(text: str) -> int | None:
    """ "iv" or "IV" → 4; None unless ``text`` is a Roman numeral written the usual way."""
    letters = text.strip().upper()
    value, rest = 0, letters
    for step, symbol in _ROMAN_STEPS:
        while rest.startswith(symbol):
            value, rest = value + step, rest[len(symbol):]
    return value if letters and not rest and to_roman(value) == letters else None


def format_number(value: int | float | None, decimals: int = 0) -> str:
    """Vietnamese number format: 1.234.567,8."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(share: float | None, decimals: int = 1) -> str:
    """0.125 → "12,5 %": a share (0–1) as a percentage; "–" when there is none."""
    if share is None:
        return "–"
    return f"{format_number(share * 100, decimals)} %"


def format_phone(phone: str | None) -> str:
    """+84912345678 → "0912 345 678": the national number in the groups the office writes
    (4-3-3 for the ten digits of a mobile number); other forms as they are."""
    if not phone:
        return ""
    national = "0" + phone[3:] if phone.startswith("+84") else phone
    if len(national) == 10 and national.isdigit():
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    return national


def mask_phone(phone: str | None) -> str:
    """+84912345678 → 091****678: enough to recognise oneself, not to call."""
    if not phone:
        return ""
    national = "0" + phone[3:] if phone.startswith("+84") else phone
    if len(national) < 7:
        return "*" * len(national)
    return national[:3] + "*" * (len(national) - 6) + national[-3:]


def mask_citizen_id(value: str | None) -> str:
    if not value:
        return ""
    return "*" * (len(value) - 4) + value[-4:]
