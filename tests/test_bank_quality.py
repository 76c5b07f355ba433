"""The bank check (contest/services/bank/quality.py) and the starter bank that must pass it."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest

from contest.helpers.text import fingerprint
from contest.services.bank import import_export as bank_io
from contest.services.bank import quality
from contest.services.bank.quality import BankItem
from contest.services.setup.seed import CONTENT_AREAS
from tests import factories

QUESTIONS_DIR = Path(__file__).resolve().parent.parent / "questions"
PRACTICE_DIR = QUESTIONS_DIR / "practice"
PLAN_NAME = ("Kế hoạch thông tin, tuyên truyền cải cách hành chính năm 2026 của UBND "
             "phường Phù Vân")
AREA_CODES = [code for code, _ in CONTENT_AREAS]


def read_rows(folder: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                rows.append({**row, "ref": f"{path.name}, dòng {number}"})
    return rows


def as_item(row: dict[str, str]) -> BankItem:
    options = [row[f"Phương án {letter}"] for letter in "ABCDEF" if row[f"Phương án {letter}"]]
    return BankItem(ref=row["ref"], text=row["Câu hỏi"], options=options,
                    correct="ABCDEF".index(row["Đáp án đúng"]),
                    explanation=row["Giải thích"], source=row["Căn cứ"])


BANK = read_rows(QUESTIONS_DIR)
PRACTICE = read_rows(PRACTICE_DIR)


def item(ref="câu 1", text="Ai chủ trì tổ chức Cuộc thi tìm hiểu về cải cách hành chính?",
         options=("Phòng Văn hóa – Xã hội", "Văn phòng HĐND&UBND", "Trung tâm sự nghiệp công",
                  "Mặt trận Tổ quốc phường"), correct=0, explanation="", source="") -> BankItem:
    return BankItem(ref, text, list(options), correct, explanation, source)


def distinct_bank(count: int, correct_longest: int = 0) -> list[BankItem]:
    """``count`` unrelated, clean questions; the first ``correct_longest`` have the longest
    right answer, the others a right answer of the same length as a wrong one."""
    topics = ["thủ tục", "chỉ số", "kinh phí", "báo cáo", "pano", "tổ dân phố", "chuyển đổi số",
              "khẩu hiệu", "đạo đức", "phân cấp", "cộng tác viên", "thi đua", "dịch vụ công",
              "dữ liệu dân cư", "giao ban", "tọa đàm", "biểu dương", "biên chế", "một cửa",
              "nhân tài", "báo chí", "kiến nghị", "pháp luật", "giám sát"]
    items = []
    for index in range(count):
        letter_count = index % 4
        right = "Phương án đúng dài hơn" if index < correct_longest else "Phương án đúng"
        options = ["Phương án sai một", "Phương án sai hai", "Phương án sai ba"]
        options.insert(letter_count, right)
        items.append(BankItem(
            f"câu {index + 1}", f"Câu hỏi số {index + 1} nói về {topics[index % len(topics)]} "
            f"và việc {index * 7} của đợt {index}?", options, letter_count))
    return items


def kinds(findings) -> Counter:
    return Counter(finding.kind for finding in findings)


# --------------------------------------------------------------------------- the starter bank


def test_starter_bank_passes_the_bank_check():
    findings = quality.check_bank([as_item(row) for row in BANK])
    assert findings == [], "\n".join(str(f) for f in findings)


def test_practice_pool_passes_the_check_and_repeats_no_bank_question():
    practice = [as_item(row) for row in PRACTICE]
    findings = quality.check_bank(practice, others=[as_item(row) for row in BANK])
    assert findings == [], "\n".join(str(f) for f in findings)
    bank_texts = {fingerprint(row["Câu hỏi"]) for row in BANK}
    assert not bank_texts & {fingerprint(row["Câu hỏi"]) for row in PRACTICE}


def test_starter_bank_size_areas_and_levels():
    assert len(BANK) >= 110
    per_area = Counter(row["Lĩnh vực"] for row in BANK)
    assert set(per_area) == set(AREA_CODES)
    assert min(per_area.values()) >= 10
    levels = Counter(row["Mức độ"] for row in BANK)
    assert set(levels) == {"1", "2", "3"}
    assert all(count >= 0.2 * len(BANK) for count in levels.values()), levels
    practice_areas = Counter(row["Lĩnh vực"] for row in PRACTICE)
    assert set(practice_areas) == set(AREA_CODES)
    assert min(practice_areas.values()) >= 2


def test_starter_bank_is_written_for_residents():
    items = [as_item(row) for row in BANK + PRACTICE]
    # Nobody is asked about "mục II.1.c"; every căn cứ names the plan in full.
    assert sum(quality.cites_section(i) for i in items) <= 0.05 * len(items)
    assert all(PLAN_NAME in i.source for i in items)
    assert not any("TTCCHC" in f"{i.text} {i.explanation} {i.source}" for i in items)
    # The right answer is not the longest option more often than allowed, in either pool.
    for pool in (BANK, PRACTICE):
        longest = sum(quality.correct_is_longest(as_item(row)) for row in pool)
        assert longest <= 0.3 * len(pool)
    # Right answers spread over A–D; four options each; an explanation each.
    letters = Counter(row["Đáp án đúng"] for row in BANK)
    assert set(letters) == set("ABCD") and max(letters.values()) <= 0.3 * len(BANK)
    assert all(len(i.options) == 4 and i.explanation for i in items)


#: Every number the plan holds (document numbers, dates, shares, counts), copied from it:
#: the tests may not read the plan itself.
PLAN_NUMBERS = {
    "02", "03/12/2025", "03/5/2025", "05/6/2025", "06", "1", "100%", "11/02/2026",
    "11/KH-UBND", "118/2025/NĐ-CP", "14/01/2026", "148/KH-UBND", "1588/QĐ-TTg", "17/12/2024",
    "18-NQ/TW", "2", "2025", "2026", "2030", "3", "4", "48/CV-BCĐTKNQ18", "49/KH-UBND", "5",
    "539/QĐ-UBND",
}


def test_every_number_a_resident_is_taught_comes_from_the_plan():
    # Question, right answer, explanation and căn cứ: what a resident takes away as fact.
    numbers = re.compile(r"[\w/.%-]*\d[\w/.%-]*")
    for row in BANK + PRACTICE:
        right = row[f"Phương án {row['Đáp án đúng']}"]
        for part in (row["Câu hỏi"], right, row["Giải thích"], row["Căn cứ"]):
            found = {token.strip(".-,;") for token in numbers.findall(part)}
            assert found <= PLAN_NUMBERS, (row["ref"], found - PLAN_NUMBERS)


def test_practice_files_import_cleanly(app_ctx):
    files = [(p.name, p.read_bytes()) for p in sorted(PRACTICE_DIR.glob("*.csv"))]
    report = bank_io.import_files(files, dry_run=True, actor_id=None)
    assert report.ok, report.lines()
    assert len(report.to_add) == len(PRACTICE)


# --------------------------------------------------------------------------- crafted bad banks


@pytest.mark.parametrize("text", [
    "Theo mục II.2.e, hình thức nào được dùng?",
    "Mục IV.2.b nêu đơn vị nào chủ trì cuộc thi?",
    "Nội dung đầu tiên (II.1.a) là gì?",
    "Theo mục này, ai báo cáo?",
])
def test_section_citation_in_the_question_is_found(text):
    findings = quality.check_question(item(text=text))
    assert kinds(findings) == {"section": 1}
    assert "mục" in findings[0].message and findings[0].refs == ("câu 1",)


def test_section_citation_in_explanation_or_source_is_found():
    assert quality.cites_section(item(explanation="Mục II.1.đ nêu như vậy."))
    assert quality.cites_section(item(source="Kế hoạch TTCCHC 2026 phường Phù Vân, mục II.1.c"))
    assert not quality.cites_section(item(source=PLAN_NAME))
    # Document numbers are not sections.
    assert not quality.cites_section(item(source="Nghị quyết số 18-NQ/TW; Quyết định số "
                                                 "1588/QĐ-TTg ngày 17/12/2024"))


def test_a_bank_citing_sections_too_often_gets_a_bank_finding():
    bank = distinct_bank(20)
    bank[0] = item(ref="câu 1", text="Theo mục II.2.e, hình thức nào được dùng?")
    assert "section_share" not in kinds(quality.check_bank(bank))  # 1/20 = 5 %: allowed
    bank[1] = item(ref="câu 2", text="Mục IV.2.b nêu đơn vị nào chủ trì cuộc thi?")
    findings = quality.check_bank(bank)
    assert kinds(findings)["section"] == 2
    share = next(f for f in findings if f.kind == "section_share")
    assert share.message.startswith("2/20 câu (10 %)")


def test_longest_option_ratio_over_the_bank():
    assert "longest_share" not in kinds(quality.check_bank(distinct_bank(20, correct_longest=6)))
    findings = quality.check_bank(distinct_bank(20, correct_longest=7))
    share = next(f for f in findings if f.kind == "longest_share")
    assert share.message.startswith("7/20 câu (35 %)")
    assert "câu 1" in share.message and "câu 8" not in share.message


def test_longest_means_strictly_longest():
    assert quality.correct_is_longest(item(options=("Dài nhất ở đây", "Ngắn", "Ngắn hơn"),
                                           correct=0))
    assert not quality.correct_is_longest(item(options=("Bằng nhau", "Bằng nhau!"), correct=0))
    assert not quality.correct_is_longest(item(options=("Bằng", "Bằng"), correct=0))


def test_small_banks_get_no_share_findings():
    assert quality.check_bank(distinct_bank(5, correct_longest=5)) == []


def test_options_of_very_unequal_length_are_found():
    bad = item(options=("Có", "Không", "Phòng Văn hóa – Xã hội chủ trì, phối hợp các đơn vị",
                        "Tùy"))
    findings = quality.check_question(bad)
    assert kinds(findings) == {"unequal": 1}
    assert "từ 2 đến 51 ký tự" in findings[0].message
    # Short options of different lengths ("PCI", "PAR INDEX") are fine.
    assert quality.check_question(item(options=("PCI", "PAPI", "SIPAS", "PAR INDEX"))) == []


def test_near_duplicate_questions_are_found():
    bank = distinct_bank(12)
    bank.append(item(ref="câu 13", text="Đơn vị nào chủ trì tổ chức Cuộc thi tìm hiểu về cải "
                                        "cách hành chính của phường?"))
    bank.append(item(ref="câu 14", text="Đơn vị nào chủ trì việc tổ chức Cuộc thi tìm hiểu về "
                                        "cải cách hành chính của phường?"))
    findings = [f for f in quality.check_bank(bank) if f.kind == "duplicate"]
    assert len(findings) == 1 and findings[0].refs == ("câu 13",)
    assert "câu 14" in findings[0].message
    # Case, diacritics-free spelling and spacing do not hide a duplicate either.
    pair = quality.near_duplicates([item(text="AI CHỦ TRÌ   cuộc thi?")],
                                   [item(ref="x", text="ai chủ trì cuộc thi?")])
    assert len(pair) == 1 and pair[0][2] == 1.0


def test_questions_on_the_same_topic_are_not_near_duplicates():
    first = item(text="Quyết định số 1588/QĐ-TTg phê duyệt Đề án về nội dung gì?")
    second = item(ref="câu 2", text="Quyết định số 1588/QĐ-TTg được ban hành ngày nào?")
    assert quality.near_duplicates([first, second]) == []


def test_all_of_the_above_overuse_is_found():
    def catch_all(index: int, wording: str) -> BankItem:
        return BankItem(f"câu {index}", f"Câu hỏi riêng số {index} về việc {index * 13}?",
                        ["Một ý", "Ý khác", "Ý nữa", wording], 3)
    wordings = ["Tất cả các ý trên", "Cả A, B và C đều đúng", "Các phương án trên đều đúng",
                "Không có phương án nào đúng"]
    assert all(quality.uses_all_of_the_above(catch_all(1, w)) for w in wordings)
    assert not quality.uses_all_of_the_above(item(options=("Trên Trang Thông tin điện tử",
                                                            "Tất cả các cơ quan, đơn vị")))
    bank = distinct_bank(16) + [catch_all(100 + i, w) for i, w in enumerate(wordings[:3])]
    assert "all_of_the_above" not in kinds(quality.check_bank(bank))  # three times: a few
    bank.append(catch_all(200, wordings[3]))
    finding = next(f for f in quality.check_bank(bank) if f.kind == "all_of_the_above")
    assert finding.message.startswith("4 câu") and "câu 200" in finding.message


def test_right_answers_on_one_letter_are_found():
    options = ["Một", "Hai", "Ba", "Bốn"]
    bank = [BankItem(f"câu {i}", f"Câu hỏi thứ {i} về việc {i * 11}?", options,
                     0 if i < 9 else 1 + i % 3) for i in range(20)]
    finding = next(f for f in quality.check_bank(bank) if f.kind == "position_share")
    assert finding.message.startswith("9/20 câu (45 %) có đáp án đúng là A")


def test_one_question_seen_against_the_bank():
    bank = distinct_bank(20, correct_longest=6)
    longest = BankItem("câu đang sửa", "Một câu hỏi mới hoàn toàn khác về giao ban hằng tuần?",
                       ["Phương án đúng dài nhất", "Sai", "Sai nữa", "Sai lần ba"], 0)
    findings = quality.check_in_bank(longest, bank)
    assert kinds(findings) == {"longest_share": 1}
    assert "7/21 câu" in findings[0].message
    # The same question in a bank with few such questions draws no comment.
    assert quality.check_in_bank(longest, distinct_bank(20)) == []
    copy = BankItem("câu đang sửa", bank[3].text, ["A1", "B1"], 0)
    assert kinds(quality.check_in_bank(copy, bank)) == {"duplicate": 1}


# --------------------------------------------------------------------------- in the back office


def crafted_csv(count: int, longest: int, cite: int = 0) -> bytes:
    """``count`` distinct questions for area a; the first ``longest`` have the longest right
    answer, the first ``cite`` name a section of the plan."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(bank_io.TEMPLATE_HEADERS)
    topics = ["thủ tục", "chỉ số", "kinh phí", "báo cáo", "pano", "tổ dân phố", "chuyển đổi số",
              "khẩu hiệu", "đạo đức", "phân cấp", "cộng tác viên", "thi đua"]
    for index in range(count):
        right = "Phương án đúng dài hơn hẳn" if index < longest else "Phương án đúng"
        prefix = "Theo mục II.1.a, " if index < cite else ""
        options = ["Phương án sai một", "Phương án sai hai", "Phương án sai ba"]
        options.insert(index % 4, right)
        writer.writerow(["a", f"{prefix}câu hỏi thử số {index} về {topics[index % 12]} "
                              f"và việc {index * 7}?", *options, "", "", "ABCD"[index % 4],
                         "Giải thích.", PLAN_NAME, "1"])
    return out.getvalue().encode("utf-8")


def test_import_shows_bank_check_warnings_but_still_imports(app, client, login_as):
    login_as("organiser")
    response = client.post("/admin/questions/import", data={
        "files": (io.BytesIO(crafted_csv(12, longest=6, cite=2)), "moi.csv")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Cảnh báo về chất lượng câu hỏi" in page
    assert "moi.csv, dòng 2: nhắc đến mục của Kế hoạch" in page
    assert "6/12 câu (50 %) có đáp án đúng là phương án dài nhất" in page
    assert "Xác nhận nhập 12 câu hỏi" in page  # a warning, not a refusal
    assert client.post("/admin/questions/import/confirm").status_code == 302
    with app.app_context():
        assert len(quality_bank()) == 12


def quality_bank():
    from contest.services.bank.questions import bank_items
    return bank_items()


def test_import_report_lines_carry_the_warnings_and_compare_with_the_bank(app_ctx):
    first = bank_io.import_files([("a.csv", crafted_csv(12, longest=0))], actor_id=None)
    assert first.ok and first.warnings == [] and first.added == 12
    # The same questions reworded a little: near-duplicates of what the bank holds.
    reworded = crafted_csv(12, longest=0).replace("câu hỏi thử số".encode(),
                                                  "một câu hỏi thử số".encode())
    report = bank_io.import_files([("b.csv", reworded)], dry_run=True, actor_id=None)
    assert report.ok and len(report.to_add) == 12
    duplicates = [w for w in report.warnings if w.kind == "duplicate"]
    assert len(duplicates) == 12 and "câu số 1" in duplicates[0].message
    assert any(line.startswith("Cảnh báo – b.csv, dòng 2: gần trùng với «câu số 1»")
               for line in report.lines())


def test_starter_bank_import_has_no_warnings(app_ctx):
    files = [(p.name, p.read_bytes()) for p in sorted(QUESTIONS_DIR.glob("*.csv"))]
    report = bank_io.import_files(files, dry_run=True, actor_id=None)
    assert report.ok and report.warnings == []
    assert not any(line.startswith("Cảnh báo") for line in report.lines())


def test_question_form_warns_after_saving_and_when_editing(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        area_id = factories.area("a").id
    data = {
        "content_area_id": str(area_id),
        "text": "Theo mục II.1.đ, người dân nộp hồ sơ một cửa ở đâu?",
        "options-0": "Có", "options-1": "Bộ phận Một cửa và Cổng Dịch vụ công quốc gia",
        "options-2": "Không", "options-3": "", "options-4": "", "options-5": "",
        "correct_option": "1", "explanation": "", "source": PLAN_NAME,
        "difficulty": "1", "active": "y",
    }
    response = client.post("/admin/questions/new", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Đã lưu câu hỏi số" in page  # saved all the same
    assert "Lưu ý về chất lượng câu hỏi: Nhắc đến mục của Kế hoạch" in page
    assert "Lưu ý về chất lượng câu hỏi: Các phương án dài ngắn quá chênh lệch" in page
    with app.app_context():
        question_id = quality_bank()[0].ref.removeprefix("câu số ")
    edit = client.get(f"/admin/questions/{question_id}/edit").get_data(as_text=True)
    assert "chỉ là gợi ý, vẫn lưu được" in edit and "Nhắc đến mục của Kế hoạch" in edit
    # A clean question saves without a word of advice.
    clean = {**data, "text": "Người dân nộp hồ sơ theo cơ chế một cửa ở đâu?",
             "options-0": "Bộ phận Một cửa", "options-1": "Tổ dân phố", "options-2": "Nhà văn hóa",
             "correct_option": "0"}
    page = client.post("/admin/questions/new", data=clean,
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu câu hỏi số" in page and "Lưu ý về chất lượng" not in page


def test_a_file_built_from_one_template_is_checked_within_bounds():
    """5,000 questions that differ by a number are all near-duplicates of each other:
    the check compares a bounded number of pairs instead of all 12 million."""
    items = [quality.BankItem(f"Dòng {n}", f"Câu hỏi số {n} về cải cách hành chính của "
                              "phường Phù Vân theo Kế hoạch năm 2026?",
                              [f"Phương án {letter} {n}" for letter in "ABCD"], n % 4)
             for n in range(5000)]
    pairs = quality.near_duplicates(items)
    assert 0 < len(pairs) <= quality.MAX_COMPARED_PAIRS


def test_the_report_lists_the_first_warnings_and_counts_the_rest():
    report = bank_io.ImportReport()
    report.warnings = [f"Dòng {n}: gần trùng" for n in range(bank_io.MAX_SHOWN_WARNINGS + 7)]
    lines = report.lines()
    assert sum(line.startswith("Cảnh báo") for line in lines) == bank_io.MAX_SHOWN_WARNINGS + 1
    assert "… và 7 cảnh báo khác cùng loại." in lines[bank_io.MAX_SHOWN_WARNINGS]
