"""The starter study material (Tài liệu tìm hiểu) of the demo contest, in study_material.txt.

A plain-language summary of the content areas of the ward's plan ("Kế hoạch thông tin,
tuyên truyền cải cách hành chính năm 2026 của UBND phường Phù Vân", section II.1) and
of the documents it names. Every number, date and document is taken from the plan;
nothing is added from elsewhere. Organisers edit it in the contest form; it is plain
text (headings "I.", "1." or ending with ":", lists with "-"), see
contest.services.practice.study.
"""

from pathlib import Path

STARTER_STUDY_MATERIAL = (Path(__file__).with_name("study_material.txt")
                          .read_text(encoding="utf-8"))
