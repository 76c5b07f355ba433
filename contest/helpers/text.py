"""Vietnamese text normalisation shared by import, search and duplicate checks."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from contest.helpers.formatting import format_number

_SPACES = re.compile(r"\s+")
#: Control characters no one types (tab and line breaks aside): PostgreSQL refuses NUL in
#: text, and the spreadsheets and PDFs built from saved text refuse or garble the others.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str | None) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip()


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def without_control_characters(text: str | None) -> str:
    return CONTROL_CHARACTERS.sub("", text or "")


def control_characters_message(what: str) -> str:
    """What a typed field holding a control character is told ("Họ và tên có ký tự…")."""
    return (f"{what} có ký tự không hợp lệ (ký tự điều khiển, thường do dán từ nơi khác). "
            "Vui lòng xóa và gõ lại.")


def too_long_message(what: str, limit: int) -> str:
    """What a text over its length limit is told ("Lý do dài tối đa 500 ký tự.")."""
    return f"{what} dài tối đa {format_number(limit)} ký tự."


def strip_diacritics(text: str) -> str:
    """'Cải cách Đổi mới' → 'Cai cach Doi moi' (đ/Đ are letters of their own in Unicode)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return bare.replace("đ", "d").replace("Đ", "D")


def search_key(text: str | None) -> str:
    """Lower-case, diacritic-free, space-folded: what searches compare."""
    return strip_diacritics(clean(text)).casefold()


def fingerprint(text: str | None) -> str:
    """Identity of a question's text for duplicate detection (NFC, case and spaces ignored)."""
    normal = clean(text).casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def is_digits(text: str) -> bool:
    """Only the ASCII digits 0–9. ``str.isdigit`` also accepts "²" or "١٢", which ``int``
    then refuses (or reads as another script's digits): never a number a form should take."""
    return text.isascii() and text.isdigit()


_NUMBER_RUNS = re.compile(r"(\d+)")


def natural_key(text: str | None) -> tuple:
    """Order names as people read them: "Tổ dân phố 2" before "Tổ dân phố 10".

    Digit runs compare as numbers, letters without diacritics and case first (so "Đ"
    sits with "D"), then the exact text breaks what is left equal.
    """
    plain = search_key(text)
    parts = tuple(int(p) if i % 2 else p for i, p in enumerate(_NUMBER_RUNS.split(plain)))
    return (parts, clean(text))
