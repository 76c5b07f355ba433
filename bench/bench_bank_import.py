"""Benchmark: importing 5,000 questions with ``flask bank import`` (``make bench-bank-import``).

Builds, in a scratch folder, a 5,000-question bank as an .xlsx (the template's columns
plus STT, answers as letters) and as a Word .docx ("Câu N: …", options A.–D., the right
one in bold), then times the whole command — Python start, app start, reading, checking
and writing — on a fresh SQLite database each time (``flask db upgrade`` and ``flask seed``
are done first and not timed). Also times the refusal of three hostile files (a row of
two million empty cells, a deflate bomb, an entity-expansion document) and prints the
peak memory (max RSS) of each command.

Wall time and CPU time (user + system of the command) are both printed: on a busy
shared machine the wall time includes waiting for a core.

Last line: ``xlsx_s=<wall> xlsx_cpu_s=<cpu> docx_s=… docx_cpu_s=… bombs_max_s=…
bombs_max_cpu_s=… max_rss_mb=<mb>``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: BENCH_QUESTIONS=500 for a quick run.
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "5000"))


def build_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Câu hỏi"
    sheet.append(["STT", "Lĩnh vực", "Câu hỏi", "Phương án A", "Phương án B", "Phương án C",
                  "Phương án D", "Đáp án đúng", "Giải thích", "Căn cứ", "Mức độ"])
    for n in range(1, QUESTIONS + 1):
        sheet.append([n, "abcdđefghik"[n % 11], f"Câu hỏi số {n} về cải cách hành chính "
                      "của phường Phù Vân theo Kế hoạch năm 2026?",
                      f"Phương án thứ nhất {n}", f"Phương án thứ hai {n}",
                      f"Phương án thứ ba {n}", f"Phương án thứ tư {n}", "ABCD"[n % 4],
                      "Vì Kế hoạch ghi như vậy.", "Kế hoạch, mục II.1", 1 + n % 3])
    book.save(path)


def build_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("NGÂN HÀNG CÂU HỎI CUỘC THI TÌM HIỂU CẢI CÁCH HÀNH CHÍNH")
    for n in range(1, QUESTIONS + 1):
        document.add_paragraph(f"Câu {n}: Câu hỏi số {n} về cải cách hành chính của phường "
                               "Phù Vân theo Kế hoạch năm 2026?")
        right = n % 4
        for i, letter in enumerate("ABCD"):
            run = document.add_paragraph().add_run(f"{letter}. Phương án {letter} của câu {n}")
            run.bold = i == right or None
        document.add_paragraph("Căn cứ: Kế hoạch, mục II.1")
    document.save(path)


def _replace(data: bytes, name: str, body: bytes, extra: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, body if info.filename == name else src.read(info))
        for extra_name, extra_body in extra.items():
            dst.writestr(extra_name, extra_body)
    return out.getvalue()


def build_bombs(folder: Path) -> list[Path]:
    from docx import Document
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Câu hỏi", "A", "B", "Đáp án"])
    buffer = io.BytesIO()
    book.save(buffer)
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    cells = _replace(buffer.getvalue(), "xl/worksheets/sheet1.xml",
                     head + b'<row r="1">' + b'<c s="0"/>' * 2_000_000
                     + b"</row></sheetData></worksheet>", {})
    deflate = _replace(buffer.getvalue(), "xl/worksheets/sheet1.xml", head,
                       {"xl/media/pad.bin": b"\0" * 90_000_000})
    document = io.BytesIO()
    Document().save(document)
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "a">' + b"".join(
        f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">'.encode()
        for i in range(9)) + b"]><d>&a8;</d>"
    entities = _replace(document.getvalue(), "word/document.xml", laughs, {})
    paths = []
    for name, data in (("cells.xlsx", cells), ("deflate.xlsx", deflate),
                       ("laughs.docx", entities)):
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, str, float, float]:
    """Wall seconds, exit status, output, max RSS (MB) and CPU seconds of one command."""
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    output = done.stdout + done.stderr
    last = dict(part.split("=") for part in output.strip().splitlines()[-1].split())
    return elapsed, done.returncode, output, float(last["max_rss_mb"]), float(last["cpu_s"])


def flask_env(folder: Path, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{folder / name}.db"
    env.setdefault("SECRET_KEY", "bench")
    return env


def main() -> None:
    flask = [sys.executable, "-m", "flask", "--app", "contest"]
    measure = [sys.executable, str(Path(__file__).resolve().parent / "_max_rss.py")]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        build_xlsx(folder / "ngan-hang.xlsx")
        build_docx(folder / "ngan-hang.docx")
        bombs = build_bombs(folder)
        print(f"files: xlsx {os.path.getsize(folder / 'ngan-hang.xlsx') // 1024} KB, "
              f"docx {os.path.getsize(folder / 'ngan-hang.docx') // 1024} KB")
        figures: dict[str, float] = {}
        max_rss = 0.0
        for kind in ("xlsx", "docx"):
            env = flask_env(folder, kind)
            for setup in (["db", "upgrade"], ["seed"]):
                subprocess.run([*flask, *setup], env=env, check=True, capture_output=True,
                               cwd=ROOT)
            seconds, status, output, rss, cpu = run(
                [*measure, *flask, "bank", "import", str(folder / f"ngan-hang.{kind}"),
                 "--area", "a"], env)
            max_rss = max(max_rss, rss)
            summary = [line for line in output.splitlines() if line.startswith("Đã thêm")]
            print(f"{kind}: {seconds:.2f} s wall, {cpu:.2f} s CPU, exit {status}, max RSS "
                  f"{rss:.0f} MB, {summary[0] if summary else output[-300:]}")
            figures[kind], figures[f"{kind}_cpu"] = seconds, cpu
        env = flask_env(folder, "xlsx")
        worst = worst_cpu = 0.0
        for path in bombs:
            seconds, status, output, rss, cpu = run(
                [*measure, *flask, "bank", "import", str(path), "--area", "a"], env)
            max_rss = max(max_rss, rss)
            first = next((line for line in output.splitlines() if line.startswith("Lỗi")), "")
            print(f"{path.name} ({path.stat().st_size // 1024} KB): {seconds:.2f} s wall, "
                  f"{cpu:.2f} s CPU, exit {status}, max RSS {rss:.0f} MB — {first[:100]}")
            worst, worst_cpu = max(worst, seconds), max(worst_cpu, cpu)
        print(f"xlsx_s={figures['xlsx']:.2f} xlsx_cpu_s={figures['xlsx_cpu']:.2f} "
              f"docx_s={figures['docx']:.2f} docx_cpu_s={figures['docx_cpu']:.2f} "
              f"bombs_max_s={worst:.2f} bombs_max_cpu_s={worst_cpu:.2f} "
              f"max_rss_mb={max_rss:.0f}")


if __name__ == "__main__":
    main()
