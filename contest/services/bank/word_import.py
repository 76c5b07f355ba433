"""Question banks from Word (.docx), in the shapes organisers draft and approve them.

Read with python-docx (paragraphs, runs with their formatting, tables) after the file
has been measured (:func:`contest.helpers.packages.inspect_package`); nothing in a
document runs: a .docm or a document with macros or embedded objects is read as text.

Shapes understood, in any mix:

- numbering "Câu 1:", "Câu 1.", "Câu 1 (…)", "1.", "1)"; a question and its options over
  several paragraphs or lines; options "A.", "A)", "a.", "A/", "A -", several on one line;
- the right option marked by bold, underline, highlight or a font colour only it has, by
  "*", "(đúng)" or "(Đ)" beside it, by a line "Đáp án: B" under the question, or in an
  answer key at the end ("Đáp án: 1B, 2C, 3A", "1-B; 2-C", or a table "Câu | Đáp án");
- a table with one question per row (the spreadsheet's headers: STT, Câu hỏi, A…D, Đáp án);
- lines "Giải thích:", "Căn cứ:", "Mức độ:" after a question;
- headings naming a content area ("Lĩnh vực a: …", "Phần I – …"), or one area chosen
  for the whole file.

Every question either is understood with certainty, with the reason its answer was taken
("in đậm", "đáp án cuối tệp"), or gets a message naming its number and first words and
saying what to fix; the import is all or nothing like the spreadsheet one.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from docx import Document
from docx.oxml.ns import qn

from contest.helpers.formatting import from_roman, to_roman
from contest.helpers.packages import PackageRefused, inspect_package
from contest.helpers.tables import OLE2_MAGIC, is_empty
from contest.helpers.text import clean, search_key
from contest.models import ContentArea
from contest.models.bank import OPTION_LETTERS
from contest.services.bank.import_export import (
    HEADER_SEARCH_ROWS,
    ImportIssue,
    PlannedQuestion,
    _check_repeat,
    _Context,
    _header,
    _parse_area,
    _parse_difficulty,
    _too_many,
    _validate_row,
)
from contest.services.bank.questions import QuestionData, question_problems
from contest.services.errors import DomainError

#: A document unzipping past these is not a question bank (images included). A part is
#: parsed whole by python-docx (lxml), so the part cap bounds the memory: a plain
#: 5,000-question bank's word/document.xml is 2.6 MB, so 12 MB leaves room for Word's
#: verbose formatting without letting a 5 MB upload grow into gigabytes.
MAX_DOCX_UNZIPPED_BYTES = 60 * 1024 * 1024
MAX_DOCX_PART_BYTES = 12 * 1024 * 1024

_QUESTION = re.compile(
    r"^\s*(?:câu|cau)\s*(\d{1,4})\s*(?:\([^)]*\))?\s*[:.)\-–]?\s*(.*)$|"
    r"^\s*(\d{1,4})\s*[.)]\s+(.*)$", re.IGNORECASE | re.DOTALL)
#: An option marker at a line start: "A.", "A)", "a.", "A/", "A -", "A:" (after a "*").
_OPTION = re.compile(r"^\s*(\*?)\s*([A-Fa-f])\s*(?:[.):/]|\s[-–])\s*(.*)$", re.DOTALL)
#: Further option markers inside a line: "A. Một   B. Hai" (after spaces or a tab).
_INLINE_OPTION = re.compile(r"(?:\t|\s{2,}|\s(?=\*?[B-F][.)/]\s))\*?\s*([A-Fa-f])\s*[.)/]\s+")
_EXTRA = re.compile(r"^\s*(giải thích|căn cứ|mức độ|độ khó)\s*[:.\-–]\s*(.*)$",
                    re.IGNORECASE | re.DOTALL)
_INLINE_ANSWER = re.compile(
    r"^\s*(?:đáp án(?: đúng)?|chọn|trả lời)\s*[:.\-–]?\s*([A-Fa-f])\s*[.)]?\s*$", re.IGNORECASE)
_KEY_HEADING = re.compile(r"^\s*(?:bảng\s+)?đáp án(?:\s+đúng)?\s*[:.]?\s*(.*)$", re.IGNORECASE)
_KEY_PAIR = re.compile(r"(?:câu\s*)?(\d{1,4})\s*[-.:)–/]?\s*([A-Fa-f])\b", re.IGNORECASE)
_AREA_HEADING = re.compile(
    r"^\s*(lĩnh vực|phần|chủ đề|nhóm)\s+([0-9IVXLivxlA-Za-zđĐ]{1,6})\s*(?:[:.\-–)]\s*(.*))?$",
    re.IGNORECASE | re.DOTALL)
_RIGHT_MARKS = re.compile(r"\s*(?:\((?:đúng|đ|dung)\)|\*)\s*$|^\s*\*\s*", re.IGNORECASE)
_MARK_LABELS = {"bold": "in đậm", "underline": "gạch chân", "highlight": "tô nền",
                "color": "màu chữ khác"}
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


class WordRefused(DomainError):
    """The whole document cannot be read; the message says why and what to do."""


# --------------------------------------------------------------------------- runs


@dataclass
class _Line:
    """One line of text with, per character, the marks it carries (bold, underline…)."""

    text: str
    marks: list[frozenset[str]]


def _on(element, tag: str) -> bool | None:
    child = element.find(qn(tag)) if element is not None else None
    if child is None:
        return None
    value = child.get(qn("w:val"))
    return value not in ("0", "false", "none", "off")


def _run_marks(rpr, inherited: frozenset[str]) -> frozenset[str]:
    marks = set(inherited)
    for tag, mark in (("w:b", "bold"), ("w:u", "underline")):
        value = _on(rpr, tag)
        if value is True:
            marks.add(mark)
        elif value is False:
            marks.discard(mark)
    if rpr is not None:
        highlight = rpr.find(qn("w:highlight"))
        shade = rpr.find(qn("w:shd"))
        if (highlight is not None and highlight.get(qn("w:val")) not in (None, "none")) or (
                shade is not None and shade.get(qn("w:fill")) not in (None, "auto", "FFFFFF")):
            marks.add("highlight")
        color = rpr.find(qn("w:color"))
        if color is not None and color.get(qn("w:val")) not in (None, "auto", "000000"):
            marks.add("color")
    return frozenset(marks)


class _Styles:
    """Bold/underline a paragraph or character style gives its text, and the automatic
    numbering a paragraph style carries, looked up once each."""

    def __init__(self, document) -> None:
        self.document = document
        self.cache: dict[str, frozenset[str]] = {}
        self.numbering_cache: dict[str, tuple[str, int] | None] = {}

    def numbering(self, style_id: str | None) -> tuple[str, int] | None:
        """(numId, level) of the list a paragraph style numbers, if any."""
        if not style_id:
            return None
        if style_id not in self.numbering_cache:
            found = None
            try:
                style = self.document.styles.element.get_by_id(style_id)
            except Exception:  # a damaged styles part: no numbering
                style = None
            if style is not None:
                found = _num_pr(style.find(qn("w:pPr")))
            self.numbering_cache[style_id] = found
        return self.numbering_cache[style_id]

    def marks(self, style_id: str | None) -> frozenset[str]:
        if not style_id:
            return frozenset()
        if style_id not in self.cache:
            found: set[str] = set()
            try:
                style = self.document.styles.element.get_by_id(style_id)
            except Exception:  # a damaged styles part: no inherited marks
                style = None
            if style is not None:
                rpr = style.find(qn("w:rPr"))
                if _on(rpr, "w:b"):
                    found.add("bold")
                if _on(rpr, "w:u"):
                    found.add("underline")
            self.cache[style_id] = frozenset(found)
        return self.cache[style_id]


def _style_id(props, tag: str) -> str | None:
    if props is None:
        return None
    element = props.find(qn(tag))
    return element.get(qn("w:val")) if element is not None else None


_T, _TAB, _BR, _CR, _R = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:r")


def _run_text(run) -> str:
    """A run's text as Word shows it: tabs as "\t", line breaks as "\n" (not page breaks)."""
    parts = []
    for child in run:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif tag == _CR or (tag == _BR and child.get(qn("w:type")) in (None, "textWrapping")):
            parts.append("\n")
    return "".join(parts)


def _num_pr(ppr) -> tuple[str, int] | None:
    num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
    if num_pr is None:
        return None
    num_id = num_pr.find(qn("w:numId"))
    level = num_pr.find(qn("w:ilvl"))
    if num_id is None or num_id.get(qn("w:val")) in (None, "0"):
        return None
    try:
        return num_id.get(qn("w:val")), int(level.get(qn("w:val")) if level is not None else 0)
    except ValueError:
        return None


def _letters(number: int) -> str:
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)


_FORMATS = {"decimal": str, "upperLetter": lambda n: _letters(n).upper(),
            "lowerLetter": _letters, "upperRoman": to_roman,
            "lowerRoman": lambda n: to_roman(n).lower()}


class _Numbering:
    """Word's automatic numbering ("1.", "Câu 1:", "A."), as the reader sees it printed."""

    def __init__(self, document) -> None:
        #: numId → level → (format, text such as "Câu %1:", start).
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except Exception:  # no numbering part: nothing is numbered automatically
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in node.findall(qn("w:lvl")):
                fmt, text, start = lvl.find(qn("w:numFmt")), lvl.find(qn("w:lvlText")), \
                    lvl.find(qn("w:start"))
                try:
                    levels[int(lvl.get(qn("w:ilvl")))] = (
                        fmt.get(qn("w:val")) if fmt is not None else "decimal",
                        text.get(qn("w:val")) if text is not None else "",
                        int(start.get(qn("w:val"))) if start is not None else 1)
                except (TypeError, ValueError):
                    continue
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                self.levels[num.get(qn("w:numId"))] = abstract.get(ref.get(qn("w:val")), {})

    def label(self, num_id: str, level: int) -> str:
        """The next label of this list at this level ("Câu 3:", "B."); "" for bullets."""
        levels = self.levels.get(num_id, {})
        if level not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[level] = counters.get(level, levels[level][2] - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        fmt, text, _ = levels[level]
        if fmt not in _FORMATS:
            return ""

        def number(match: re.Match) -> str:
            at = int(match.group(1)) - 1
            at_fmt = levels.get(at, (fmt, "", 1))[0]
            value = counters.get(at, levels.get(at, ("", "", 1))[2])
            return _FORMATS.get(at_fmt, str)(value)

        return re.sub(r"%(\d)", number, text)


def _paragraph_lines(p, styles: _Styles, numbering: _Numbering | None = None) -> list[_Line]:
    """The paragraph split at its line breaks, each character with its marks; a number
    Word puts in front of it automatically is put back as text."""
    ppr = p.find(qn("w:pPr"))
    style_id = _style_id(ppr, "w:pStyle")
    base = styles.marks(style_id)
    lines = [_Line("", [])]
    numbered = _num_pr(ppr) or styles.numbering(style_id)
    label = ""
    if numbering is not None and numbered is not None:
        label = numbering.label(*numbered)
        if label:
            lines[0].text = label + " "
            lines[0].marks = [frozenset()] * len(lines[0].text)
    for run in p.iter(_R):
        text = _run_text(run)
        if not text:
            continue
        rpr = run.find(qn("w:rPr"))
        marks = _run_marks(rpr, base | styles.marks(_style_id(rpr, "w:rStyle")))
        for index, piece in enumerate(text.split("\n")):
            if index:
                lines.append(_Line("", []))
            lines[-1].text += piece
            lines[-1].marks += [marks] * len(piece)
    return [line for line in lines if line.text.strip()
            and not (line is lines[0] and line.text.strip() == label.strip())]


# --------------------------------------------------------------------------- parsing


@dataclass
class _Option:
    letter: str
    text: str = ""
    marks: list[frozenset[str]] = field(default_factory=list)
    starred: bool = False


@dataclass
class _Question:
    number: int
    text: str
    area: ContentArea | None
    options: list[_Option] = field(default_factory=list)
    answer: int | None = None
    how: str = ""
    explanation: str = ""
    source: str = ""
    difficulty_text: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        words = clean(self.text).split()
        first = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        return f"Câu {self.number} «{first}»" if first else f"Câu {self.number}"


def _split_options(line: _Line) -> list[tuple[str, bool, str, list[frozenset[str]]]]:
    """An option line as (letter, starred, text, marks) per option; several on one line."""
    match = _OPTION.match(line.text)
    if not match:
        return []
    pieces = []
    starts = [(match.start(2), match.group(2), bool(match.group(1)), match.start(3))]
    expected = chr(ord(match.group(2).upper()) + 1)
    for inline in _INLINE_OPTION.finditer(line.text, match.start(3)):
        if inline.group(1).upper() != expected:
            continue
        starred = "*" in line.text[inline.start():inline.start(1)]
        starts.append((inline.start(), inline.group(1), starred, inline.end()))
        expected = chr(ord(expected) + 1)
    for index, (_, letter, starred, text_at) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(line.text)
        pieces.append((letter.upper(), starred, line.text[text_at:end],
                       line.marks[text_at:end]))
    return pieces


def _strip_right_mark(text: str) -> tuple[str, bool]:
    stripped = _RIGHT_MARKS.sub("", text)
    return stripped, stripped != text


def _common_marks(text: str, marks: list[frozenset[str]]) -> frozenset[str]:
    """Marks every visible character of the option carries."""
    visible = [m for char, m in zip(text, marks, strict=False) if not char.isspace()]
    if not visible:
        return frozenset()
    return frozenset.intersection(*visible)


def _decide(question: _Question) -> None:
    """Which option is right, and why, from what the option lines carry."""
    options = question.options
    starred = [i for i, o in enumerate(options) if o.starred]
    if len(starred) > 1:
        letters = ", ".join(options[i].letter for i in starred)
        question.problems.append(f"có {len(starred)} phương án cùng đánh dấu đúng ({letters}); "
                                 "chỉ để dấu ở một phương án.")
        return
    if starred:
        question.answer, question.how = starred[0], "đánh dấu * hoặc «(đúng)»"
        return
    if question.answer is not None:
        return
    common = [_common_marks(o.text, o.marks) for o in options]
    singled: dict[int, list[str]] = {}
    shared: list[tuple[str, list[int]]] = []
    for mark, label in _MARK_LABELS.items():
        having = [i for i, marks in enumerate(common) if mark in marks]
        if len(having) == 1 and len(options) > 1:
            singled.setdefault(having[0], []).append(label)
        elif 1 < len(having) < len(options):
            shared.append((label, having))
    if len(singled) == 1:
        [(index, labels)] = singled.items()
        question.answer, question.how = index, ", ".join(labels)
    elif len(singled) > 1:
        letters = ", ".join(f"{options[i].letter} ({', '.join(labels)})"
                            for i, labels in singled.items())
        question.problems.append(f"nhiều phương án được làm nổi bật khác nhau: {letters}. Hãy "
                                 "chỉ in đậm (hoặc gạch chân, tô màu) phương án đúng.")
    elif shared:
        label, having = shared[0]
        letters = ", ".join(options[i].letter for i in having)
        question.problems.append(f"có {len(having)} phương án cùng {label} ({letters}); chỉ "
                                 f"để {label} ở phương án đúng.")


@dataclass
class _Parsed:
    questions: list[_Question] = field(default_factory=list)
    #: Question number → (letter, where) from an answer key.
    key: dict[int, str] = field(default_factory=dict)
    #: (rows, the area of the heading above it) per question table.
    tables: list[tuple[list[list[str]], ContentArea | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.parsed = _Parsed()
        self.current: _Question | None = None
        self.area: ContentArea | None = ctx.chosen_area
        self.in_key = False
        self.last: str = ""  # "question", "option", "extra"
        self.extra_key = ""

    # --- areas

    def _area_from_heading(self, word: str, label: str, title: str) -> ContentArea | None:
        areas = list(self.ctx.by_code.values())
        if search_key(word) == "linh vuc" or label.lower() in self.ctx.by_code:
            area = _parse_area(label, self.ctx.by_code, self.ctx.by_title)
            if area is not None:
                return area
        if title:
            wanted = search_key(title)
            for area in areas:
                if search_key(area.title) == wanted or (
                        len(wanted) > 10 and wanted in search_key(area.title)):
                    return area
        number = int(label) if label.isdigit() else from_roman(label)
        if number and 1 <= number <= len(areas):
            return areas[number - 1]
        return None

    # --- lines

    def line(self, line: _Line) -> None:
        text = line.text.strip()
        if self.in_key:
            self._key_line(text)
            return
        key = _KEY_HEADING.match(text)
        inline = _INLINE_ANSWER.match(text)
        if inline and self.current is not None and self.current.options:
            letter = inline.group(1).upper()
            self._set_answer(self.current, letter, "dòng «Đáp án» dưới câu hỏi")
            return
        if key and not inline:
            pairs = _KEY_PAIR.findall(key.group(1))
            if len(pairs) >= 2 or not key.group(1).strip():
                # "Đáp án: 1B, 2C…" or a heading "ĐÁP ÁN" above the key.
                self._close()
                self.in_key = True
                self._key_line(key.group(1))
                return
        heading = _AREA_HEADING.match(text)
        if heading and not _OPTION.match(text):
            area = self._area_from_heading(heading.group(1), heading.group(2),
                                           clean(heading.group(3) or ""))
            if area is not None or self.current is None or self.current.options:
                self._close()
                if area is None and self.ctx.chosen_area is None:
                    self.parsed.errors.append(
                        f"tiêu đề «{text[:60]}» không khớp lĩnh vực nào của ngân hàng. Hãy ghi "
                        "«Lĩnh vực a: …» (mã theo Kế hoạch) hoặc chọn lĩnh vực cho cả tệp.")
                self.area = area or self.ctx.chosen_area
                return
        question = _QUESTION.match(text)
        if question:
            number = int(question.group(1) or question.group(3))
            self._close()
            rest = question.group(2) if question.group(1) else question.group(4)
            self.current = _Question(number=number, text=clean(rest or ""), area=self.area)
            self.last = "question"
            return
        if self.current is None:
            return  # a title or preamble before the first question
        extra = _EXTRA.match(text)
        if extra:
            kind = search_key(extra.group(1))
            value = clean(extra.group(2))
            if kind == "giai thich":
                self.current.explanation = value
            elif kind == "can cu":
                self.current.source = value
            else:
                self.current.difficulty_text = value
            self.last, self.extra_key = "extra", kind
            return
        pieces = _split_options(line)
        if pieces and (pieces[0][0] == self._next_letter() or (
                pieces[0][0] == "A" and not self.current.options)):
            for letter, starred, option_text, marks in pieces:
                cleaned, marked = _strip_right_mark(option_text)
                self.current.options.append(_Option(
                    letter=letter, text=clean(cleaned), marks=marks[:len(cleaned)],
                    starred=starred or marked))
            self.last = "option"
            return
        # A line that continues what came before it.
        if self.last == "option":
            option = self.current.options[-1]
            cleaned, marked = _strip_right_mark(text)
            option.text = clean(option.text + " " + cleaned)
            option.marks += [frozenset()] + line.marks[:len(cleaned)]
            option.starred = option.starred or marked
        elif self.last == "extra":
            if self.extra_key == "giai thich":
                self.current.explanation = clean(self.current.explanation + " " + text)
            elif self.extra_key == "can cu":
                self.current.source = clean(self.current.source + " " + text)
        else:
            self.current.text = clean(self.current.text + " " + text)

    def _next_letter(self) -> str:
        if self.current is None or not self.current.options:
            return "A"
        last = self.current.options[-1].letter
        return chr(ord(last) + 1)

    def _set_answer(self, question: _Question, letter: str, how: str) -> None:
        index = OPTION_LETTERS.find(letter)
        question.answer, question.how = index, how

    def _key_line(self, text: str) -> None:
        for number, letter in _KEY_PAIR.findall(text):
            self.parsed.key[int(number)] = letter.upper()

    def _close(self) -> None:
        if self.current is not None:
            self.parsed.questions.append(self.current)
        self.current = None
        self.last = ""

    def table(self, rows: list[list[str]]) -> None:
        self._close()
        header = [search_key(c) for c in rows[0]] if rows else []
        if len(header) == 2 and "dap an" in header[1] and (
                "cau" in header[0] or "stt" in header[0]):
            for cells in rows[1:]:
                self._key_line(" ".join(cells))
            return
        self.parsed.tables.append((rows, self.area))


def _document_bytes(data: bytes) -> bytes:
    """A .docm's package with its main part declared as a .docx one (macros never run)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.lower().endswith("vbaproject.bin"):
                continue
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(_DOCM_MAIN.encode(), _DOCX_MAIN.encode())
            dst.writestr(info.filename, body)
    return out.getvalue()


def _read(ctx: _Context, name: str, data: bytes) -> tuple[_Parsed, list[str]]:
    """The document's questions as read, and notes; raises WordRefused."""
    lower = name.lower()
    if data[:4] == OLE2_MAGIC or lower.endswith((".doc", ".dot")):
        raise WordRefused(
            "tệp Word 97-2003 (.doc) không đọc được trực tiếp. Hãy mở bằng Word, chọn Lưu thành "
            "(Save As) → Tài liệu Word (.docx), rồi nhập tệp .docx.")
    if lower.endswith((".rtf", ".odt")):
        raise WordRefused("chỉ nhận tài liệu Word dạng .docx. Hãy mở bằng Word (hoặc "
                          "LibreOffice) và lưu lại dạng .docx.")
    try:
        package = inspect_package(data, kind=".docx", max_total_bytes=MAX_DOCX_UNZIPPED_BYTES,
                                  max_part_bytes=MAX_DOCX_PART_BYTES)
    except PackageRefused as refused:
        raise WordRefused(refused.message) from None
    notes = []
    if package.has_macros:
        notes.append("tệp có macro: chỉ đọc chữ, macro không được chạy.")
        data = _document_bytes(data)
    if package.has_embedded_objects:
        notes.append("tệp có đối tượng nhúng: bỏ qua, chỉ đọc chữ.")
    if package.has_external_links:
        notes.append("tệp có liên kết ra ngoài: bỏ qua, không mở liên kết nào.")
    try:
        document = Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds on a damaged or foreign package
        raise WordRefused("không đọc được tệp .docx (tệp hỏng hoặc không phải tài liệu Word). "
                          "Hãy mở bằng Word và lưu lại dạng .docx.") from None
    styles = _Styles(document)
    numbering = _Numbering(document)
    reader = _Reader(ctx)
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            for line in _paragraph_lines(child, styles, numbering):
                reader.line(line)
        elif child.tag == qn("w:tbl"):
            rows = []
            for tr in child.iter(qn("w:tr")):
                rows.append([clean("\n".join(
                    "".join(_run_text(r) for r in p.iter(_R)) for p in tc.iter(qn("w:p"))))
                    for tc in tr.iter(qn("w:tc"))])
            if rows:
                reader.table(rows)
    reader._close()
    return reader.parsed, notes


# --------------------------------------------------------------------------- checking


def check_document(ctx: _Context, name: str, data: bytes, max_rows: int) -> list[PlannedQuestion]:
    """The questions of the Word document ``name``; problems go into ``ctx.report``."""
    report = ctx.report
    try:
        parsed, notes = _read(ctx, name, data)
    except WordRefused as refused:
        report.errors.append(ImportIssue(name, str(refused)))
        return []
    report.notes += [ImportIssue(name, note) for note in notes]
    report.errors += [ImportIssue(name, message) for message in parsed.errors]
    planned: list[PlannedQuestion] = []
    chosen = ctx.chosen_area
    for number, (rows, area) in enumerate(parsed.tables, start=1):
        ctx.chosen_area = area or chosen
        try:
            planned += _check_table(ctx, name, number, rows, max_rows)
        finally:
            ctx.chosen_area = chosen
    questions = parsed.questions
    if not questions and not parsed.tables:
        report.errors.append(ImportIssue(
            name, "không tìm thấy câu hỏi nào. Mỗi câu bắt đầu bằng «Câu 1:» (hoặc «1.»), các "
                  "phương án bằng «A.», «B.»…; hoặc một bảng có cột Câu hỏi, A, B, Đáp án."))
        return planned
    previous: int | None = None
    for question in questions:
        if previous is not None and question.number not in (previous + 1, 1):
            report.errors.append(ImportIssue(
                name, f"đánh số nhảy từ Câu {previous} sang Câu {question.number}: có thể thiếu "
                      "một câu hoặc gõ nhầm số. Hãy đánh số liền nhau.",
                question=question.label))
        previous = question.number
        report.rows_read += 1
        if report.rows_read > max_rows:
            report.rows_read -= 1
            report.errors.append(_too_many(name, max_rows))
            break
        result = _check_question(ctx, name, question, parsed.key)
        if result is not None:
            planned.append(result)
    return planned


def _check_question(ctx: _Context, name: str, question: _Question,
                    key: dict[int, str]) -> PlannedQuestion | None:
    errors: list[str] = list(question.problems)
    if not question.problems:
        _decide(question)
        errors = list(question.problems)
    in_key = key.get(question.number)
    if in_key is not None:
        index = OPTION_LETTERS.find(in_key)
        if question.answer is not None and question.answer != index and question.how:
            errors.append(f"đáp án cuối tệp là {in_key} nhưng trong câu lại đánh dấu "
                          f"{OPTION_LETTERS[question.answer]} ({question.how}). Hãy sửa cho khớp.")
        else:
            question.answer, question.how = index, "đáp án cuối tệp"
    letters = [o.letter for o in question.options]
    expected = list(OPTION_LETTERS[:len(letters)])
    if letters != expected and not errors:
        errors.append(f"các phương án ghi {', '.join(letters)}; cần ghi liền nhau từ A "
                      f"({', '.join(expected)}).")
    options = [o.text for o in question.options]
    difficulty = 1
    if question.difficulty_text:
        parsed = _parse_difficulty(None, question.difficulty_text)
        if parsed is None:
            errors.append(f"mức độ «{question.difficulty_text[:20]}» không hợp lệ. Hãy ghi 1 "
                          "(dễ), 2 (trung bình) hoặc 3 (khó).")
        else:
            difficulty = parsed
    if question.answer is None and not errors and len([o for o in options if o]) >= 2:
        errors.append("không tìm thấy đáp án đúng. Hãy in đậm (hoặc gạch chân, tô màu) đúng một "
                      "phương án, đánh dấu * bên cạnh, ghi «Đáp án: B» dưới câu, hoặc thêm "
                      "bảng đáp án cuối tệp («Đáp án: 1B, 2C…»).")
    for problem in question_problems(
        question.text, options, question.answer if question.answer is not None else 0,
        explanation=question.explanation, source=question.source, difficulty=difficulty,
    ):
        if problem.field == "answer" and question.answer is None:
            continue
        errors.append(problem.message)
    area = question.area or ctx.chosen_area
    if area is None:
        errors.append("chưa rõ lĩnh vực. Hãy thêm tiêu đề «Lĩnh vực a: …» trước các câu hỏi "
                      "hoặc chọn một lĩnh vực cho cả tệp.")
    if question.text and not errors:
        _check_repeat(ctx, name, f"Câu {question.number}", question.text, errors.append)
    ctx.report.errors += [ImportIssue(name, message, question=question.label)
                          for message in errors]
    if errors or area is None or question.answer is None:
        return None
    return PlannedQuestion(
        file=name, row=question.number, area_code=area.code, how=question.how,
        place=f"Câu {question.number}",
        content=QuestionData(
            content_area_id=area.id, text=question.text, options=options,
            correct_option=question.answer, explanation=question.explanation,
            source=question.source, difficulty=difficulty, practice=ctx.practice))


def _check_table(ctx: _Context, name: str, number: int, rows: list[list[str]],
                 max_rows: int) -> list[PlannedQuestion]:
    """A Word table with one question per row, read like a sheet with the same headers."""
    report = ctx.report
    table_rows = [(index, list(cells)) for index, cells in enumerate(rows, start=1)]
    errors_before = len(report.errors)
    header = _header(ctx, f"{name}, bảng {number}", table_rows[:HEADER_SEARCH_ROWS])
    if header is None:
        # Not a question table (a layout table, a signature block): say so, not an error.
        del report.errors[errors_before:]
        report.unmapped_sheets[:] = [m for m in report.unmapped_sheets
                                      if not m.file.startswith(f"{name}, bảng")]
        report.notes.append(ImportIssue(name, f"bỏ qua bảng {number}: không phải bảng câu hỏi "
                                              "(không có cột Câu hỏi, A, B, Đáp án)."))
        return []
    planned = []
    for row_number, cells in table_rows[header.at + 1:]:
        if all(is_empty(c) for c in cells):
            continue
        report.rows_read += 1
        if report.rows_read > max_rows:
            report.rows_read -= 1
            report.errors.append(_too_many(name, max_rows))
            break
        question = _validate_row(ctx, f"{name}, bảng {number}", row_number, cells, header)
        if question is not None:
            question.how = "cột «Đáp án» của bảng"
            planned.append(question)
    return planned
