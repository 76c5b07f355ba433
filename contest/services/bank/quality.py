"""The bank check: what makes a question bank hard to learn from or easy to game.

Pure functions over plain question data (no database, no Flask), used by the
tests on the starter bank, by the bank import preview and by the question form.
Every finding is advice, never a refusal: the organisers decide.

What is checked, and why:

- **Section citations** ("Theo mục II.2.e…", "mục IV.2.b nêu…"): residents have
  never seen the plan and do not know its section numbers. At most
  :data:`MAX_SECTION_SHARE` of a bank should mention one.
- **The right answer is the longest option** in more than
  :data:`MAX_LONGEST_SHARE` of the questions: someone who always picks the
  longest option then scores far above chance.
- **Options of very unequal length** within one question: the odd one out gives
  the answer away (or is never chosen).
- **Near-duplicate questions**: the same question reworded, compared on the
  normalised words of the question text.
- **"Tất cả các ý trên"** and its kin used more than a few times: a pattern a
  guesser learns quickly.
- **Right-answer positions** not spread: one letter holding far more than its
  share of right answers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from contest.helpers.formatting import format_percent
from contest.helpers.text import clean, search_key
from contest.models.bank import OPTION_LETTERS

#: At most this share of a bank's questions may mention a section of the plan.
MAX_SECTION_SHARE = 0.05
#: At most this share of questions may have the right answer as their (strictly) longest option.
MAX_LONGEST_SHARE = 0.30
#: Bank-wide shares are judged from this many questions on (a share of 3 means nothing).
MIN_QUESTIONS_FOR_SHARES = 10
#: Options are "very unequal" when the longest is this many times the shortest…
UNEQUAL_RATIO = 2.5
#: …and at least this many characters longer (short options like "PCI"/"PAPI" are fine).
UNEQUAL_MIN_DIFFERENCE = 25
#: Two question texts this similar (0–1, on their normalised words) are near-duplicates.
NEAR_DUPLICATE_SIMILARITY = 0.85
#: "Tất cả các ý trên" and its kin: more than this many questions, or this share, is overuse.
MAX_ALL_OF_THE_ABOVE = 3
MAX_ALL_OF_THE_ABOVE_SHARE = 0.05
#: One answer letter holding more than this share of right answers (with 4 options, 25 % is even).
MAX_POSITION_SHARE = 0.40

#: "mục II.1.c", "Mục IV", "(mục I.2.a)", "tiểu mục 3", "Theo mục …", or a bare "II.1.c".
_SECTION = re.compile(
    r"\b(?:tiểu\s+)?mục\s+(?:[IVX]+\b|\d+\b)|\btheo\s+mục\b|\b[IVX]+\.\d+(?:\.[a-zđ])?\b",
    re.IGNORECASE,
)
#: Compared on search keys (no diacritics, lower case).
_ALL_OF_THE_ABOVE = re.compile(
    r"\b(?:tat ca|ca)\s+(?:cac|ba|bon|hai)?\s*(?:y|phuong an|dap an)\s+(?:tren|deu dung)\b"
    r"|\b(?:tat ca|ca)\s+(?:a|b|c)\s*,.*\b(?:deu dung)\b"
    r"|\bcac\s+(?:y|phuong an|dap an)\s+(?:tren|deu)\s+(?:deu\s+)?(?:dung|sai)\b"
    r"|\bkhong\s+(?:co\s+)?(?:y|phuong an|dap an)\s+nao\b"
)
_WORDS = re.compile(r"\w+")
#: Word-set overlap (Jaccard) below which two texts are not compared word by word.
_OVERLAP = NEAR_DUPLICATE_SIMILARITY - 0.2
#: The same for word pairs, only to find which texts to compare (kept low: never misses).
_SHINGLE_OVERLAP = 0.4


@dataclass(frozen=True)
class BankItem:
    """One question as the check sees it."""

    #: Where the question is, for people: "a.csv, dòng 3", "câu 12", "câu đang sửa".
    ref: str
    text: str
    options: Sequence[str]
    #: 0-based index of the right option (None when not known yet).
    correct: int | None
    explanation: str = ""
    source: str = ""


@dataclass(frozen=True)
class Finding:
    """One piece of advice; ``refs`` name the questions it is about (empty: the whole bank)."""

    kind: str
    message: str
    refs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sentence(self) -> str:
        """The message on its own, as a sentence (for a page about one question)."""
        return self.message[:1].upper() + self.message[1:]

    def __str__(self) -> str:
        if not self.refs:
            return self.message
        return f"{', '.join(self.refs)}: {self.message}"


# --------------------------------------------------------------------------- one question


def cites_section(item: BankItem) -> bool:
    """Does the question, an option, the explanation or the căn cứ name a section of the plan?"""
    return any(_SECTION.search(part or "") for part in
               (item.text, *item.options, item.explanation, item.source))


def correct_is_longest(item: BankItem) -> bool:
    """The right option is strictly longer than every other option."""
    if item.correct is None or not 0 <= item.correct < len(item.options):
        return False
    lengths = [len(clean(option)) for option in item.options]
    right = lengths[item.correct]
    return all(right > length for i, length in enumerate(lengths) if i != item.correct)


def unequal_options(item: BankItem) -> bool:
    lengths = [len(clean(option)) for option in item.options if clean(option)]
    if len(lengths) < 2:
        return False
    longest, shortest = max(lengths), min(lengths)
    return (longest >= UNEQUAL_RATIO * max(shortest, 1)
            and longest - shortest >= UNEQUAL_MIN_DIFFERENCE)


def uses_all_of_the_above(item: BankItem) -> bool:
    return any(_ALL_OF_THE_ABOVE.search(search_key(option)) for option in item.options)


def _percent(part: float, whole: float = 1) -> str:
    """'12 %' for part/whole."""
    return format_percent(part / whole if whole else 0, 0)


def check_question(item: BankItem) -> list[Finding]:
    """What can be said of one question on its own."""
    findings = []
    refs = (item.ref,)
    if cites_section(item):
        findings.append(Finding(
            "section", "nhắc đến mục của Kế hoạch (ví dụ «mục II.1.c»). Người dự thi chưa đọc "
            "Kế hoạch, không biết mục này là gì: hãy hỏi thẳng vào nội dung; ở «Căn cứ» ghi tên "
            "văn bản (số, ngày, cơ quan ban hành).", refs))
    if unequal_options(item):
        lengths = [len(clean(option)) for option in item.options if clean(option)]
        findings.append(Finding(
            "unequal", f"các phương án dài ngắn quá chênh lệch (từ {min(lengths)} đến "
            f"{max(lengths)} ký tự): phương án khác hẳn dễ lộ đáp án. Hãy viết các phương án "
            "dài gần bằng nhau.", refs))
    return findings


# --------------------------------------------------------------------------- the bank


def _words(text: str) -> list[str]:
    return _WORDS.findall(search_key(text))


#: The most pairs of texts one check compares (each a word-level diff, tens of µs).
MAX_COMPARED_PAIRS = 20_000


def near_duplicates(
    items: Sequence[BankItem], others: Sequence[BankItem] = ()
) -> list[tuple[BankItem, BankItem, float]]:
    """Pairs of questions whose texts are near-duplicates (exact repeats included).

    Pairs within ``items``, and between ``items`` and ``others`` (the rest of the bank);
    never pairs within ``others`` alone. Candidate pairs come from prefix filtering on
    word pairs (two sets with a Jaccard overlap of at least t share one of their rarest
    ``len - ceil(t * len) + 1`` members): texts 85 % alike on words share far more than
    :data:`_SHINGLE_OVERLAP` of their word pairs, and word pairs are rare enough (a bank's
    words, without diacritics, are few) that a 5,000-row import stays quick.
    """
    pool = [*items, *others]
    words = [_words(item.text) for item in pool]
    bags = [set(w) for w in words]
    shingles = [set(zip(w, w[1:], strict=False)) or {(word,) for word in w} for w in words]
    frequency = Counter(shingle for bag in shingles for shingle in bag)
    postings: dict[tuple[str, ...], list[int]] = {}
    for index, bag in enumerate(shingles):
        rarest = sorted(bag, key=lambda shingle: (frequency[shingle], shingle))
        keep = len(rarest) - math.ceil(_SHINGLE_OVERLAP * len(rarest)) + 1
        for shingle in rarest[:keep]:
            postings.setdefault(shingle, []).append(index)
    new = len(items)
    candidates: set[tuple[int, int]] = set()
    for indexes in postings.values():
        for position, first in enumerate(indexes):
            if first >= new:
                break  # postings are in pool order: only "others" from here on
            candidates.update((first, second) for second in indexes[position + 1:])
            if len(candidates) >= MAX_COMPARED_PAIRS:
                break
        if len(candidates) >= MAX_COMPARED_PAIRS:
            # A file of thousands of questions written from one template would otherwise
            # compare every pair (minutes of CPU in one import); the check only warns, so
            # it looks at a bounded number of pairs and the first duplicates speak for all.
            break
    found = []
    for first, second in sorted(candidates)[:MAX_COMPARED_PAIRS]:
        bag, other_bag = bags[first], bags[second]
        if len(bag & other_bag) / len(bag | other_bag) < _OVERLAP:
            continue
        ratio = SequenceMatcher(None, words[first], words[second], autojunk=False).ratio()
        if ratio >= NEAR_DUPLICATE_SIMILARITY:
            found.append((pool[first], pool[second], ratio))
    return found


def check_bank(items: Sequence[BankItem], others: Sequence[BankItem] = ()) -> list[Finding]:
    """Every finding on ``items`` as a bank (per question, then bank-wide).

    ``others`` are questions already in the bank: ``items`` are compared with them for
    near-duplicates, and the bank-wide shares count them too.
    """
    findings: list[Finding] = []
    for item in items:
        findings += check_question(item)
    for item, other, ratio in near_duplicates(items, others):
        findings.append(Finding(
            "duplicate", f"gần trùng với «{other.ref}» (giống {_percent(ratio)}"
            f"): «{_short(item.text)}» / «{_short(other.text)}». Hãy bỏ một câu hoặc hỏi khác đi.",
            (item.ref,)))
    everything = [*items, *others]
    findings += _shares(everything, items)
    return findings


def _short(text: str, limit: int = 80) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _refs(items: Iterable[BankItem], limit: int = 10) -> tuple[str, ...]:
    refs = [item.ref for item in items]
    if len(refs) > limit:
        return (*refs[:limit], f"và {len(refs) - limit} câu khác")
    return tuple(refs)


def _shares(everything: Sequence[BankItem], new: Sequence[BankItem]) -> list[Finding]:
    """Bank-wide findings; the questions named are the ones among ``new``."""
    total = len(everything)
    findings: list[Finding] = []
    if total < MIN_QUESTIONS_FOR_SHARES:
        return findings
    citing = [item for item in everything if cites_section(item)]
    if len(citing) > MAX_SECTION_SHARE * total:
        findings.append(Finding(
            "section_share", f"{len(citing)}/{total} câu ({_percent(len(citing), total)}) nhắc "
            f"đến mục của Kế hoạch; nên không quá {_percent(MAX_SECTION_SHARE)}."))
    longest = [item for item in everything if correct_is_longest(item)]
    if len(longest) > MAX_LONGEST_SHARE * total:
        named = [item for item in new if correct_is_longest(item)]
        findings.append(Finding(
            "longest_share", f"{len(longest)}/{total} câu ({_percent(len(longest), total)}) có "
            "đáp án đúng là phương án dài nhất; người chỉ chọn phương án dài nhất sẽ được điểm "
            f"cao hơn hẳn may rủi. Nên không quá {_percent(MAX_LONGEST_SHARE)}: hãy viết lại "
            "để một phương án sai dài hơn, hoặc các phương án dài bằng nhau. Các câu như vậy: "
            + ", ".join(_refs(named)) + "."))
    catch_all = [item for item in everything if uses_all_of_the_above(item)]
    if len(catch_all) > max(MAX_ALL_OF_THE_ABOVE, MAX_ALL_OF_THE_ABOVE_SHARE * total):
        named = [item for item in new if uses_all_of_the_above(item)]
        findings.append(Finding(
            "all_of_the_above", f"{len(catch_all)} câu dùng phương án kiểu «tất cả các ý trên» "
            f"(nên không quá {MAX_ALL_OF_THE_ABOVE} câu); người dự thi sẽ đoán theo mẫu này. "
            "Các câu: " + ", ".join(_refs(named)) + "."))
    letters = Counter(OPTION_LETTERS[item.correct] for item in everything
                      if item.correct is not None and item.correct < len(OPTION_LETTERS))
    if letters:
        letter, count = letters.most_common(1)[0]
        if count > MAX_POSITION_SHARE * total:
            findings.append(Finding(
                "position_share", f"{count}/{total} câu ({_percent(count, total)}) có đáp án "
                f"đúng là {letter}; hãy đổi chỗ các phương án để đáp án đúng rải đều A, B, C, D."))
    return findings


def check_in_bank(item: BankItem, bank: Sequence[BankItem]) -> list[Finding]:
    """Findings for one question being written, seen against the rest of the bank.

    Its own findings; near-duplicates in the bank; and, when this question adds to a
    bank-wide excess (its right answer is the longest while too many already are, or it
    uses «tất cả các ý trên» while too many already do), a word about that.
    """
    findings = check_question(item)
    for _, other, ratio in near_duplicates([item], bank):
        findings.append(Finding(
            "duplicate", f"gần trùng với {other.ref} (giống {_percent(ratio)}"
            f"): «{_short(other.text)}».", (item.ref,)))
    total = len(bank) + 1
    if total >= MIN_QUESTIONS_FOR_SHARES and correct_is_longest(item):
        longest = 1 + sum(1 for other in bank if correct_is_longest(other))
        if longest > MAX_LONGEST_SHARE * total:
            findings.append(Finding(
                "longest_share", "đáp án đúng là phương án dài nhất, trong khi ngân hàng đã có "
                f"{longest}/{total} câu như vậy ({_percent(longest, total)}, nên không quá "
                f"{_percent(MAX_LONGEST_SHARE)}). Hãy viết một phương án sai dài hơn.",
                (item.ref,)))
    if uses_all_of_the_above(item):
        catch_all = 1 + sum(1 for other in bank if uses_all_of_the_above(other))
        if catch_all > max(MAX_ALL_OF_THE_ABOVE, MAX_ALL_OF_THE_ABOVE_SHARE * total):
            findings.append(Finding(
                "all_of_the_above", f"ngân hàng đã có {catch_all} câu dùng phương án kiểu «tất "
                f"cả các ý trên» (nên không quá {MAX_ALL_OF_THE_ABOVE} câu).", (item.ref,)))
    return findings
