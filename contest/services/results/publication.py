"""Publishing a round's results: a frozen snapshot, re-publication, and the winners' list.

A publication freezes the ranking, the actual figure and the winners with
the time and the publisher. Nothing computed later changes what the public
sees until an organiser re-publishes, which needs a reason and is audited;
earlier snapshots stay for organisers (``is_current`` is False on them).
"""

from __future__ import annotations

import io
from datetime import datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.formatting import format_phone, mask_phone
from contest.helpers.timeutil import to_local
from contest.helpers.xlsx import cell_text, duration_cell, keep_as_text
from contest.models import ResultPublication, Round, RoundState
from contest.services.errors import DomainError
from contest.services.reasons import checked_reason
from contest.services.results import prizes, ranking

RANKING_COLUMNS = [
    "rank", "participant_id", "score", "correct_count", "prediction", "prediction_error",
    "duration_ms", "submitted_at", "group", "group_rank",
]


class PublicationError(DomainError):
    """Publishing refused, with a Vietnamese message."""


def rule_text(round_: Round) -> str:
    contest = round_.contest
    parts = [ranking.RULE_TEXT, ranking.COUNTED_RULE_TEXT.get(round_.counted_attempt, "")]
    if not round_.has_prediction:
        parts.append("Đợt thi này không có câu hỏi dự đoán.")
    if contest.rank_by_category_group:
        parts.append(prizes.GROUP_RULE_TEXT)
    if contest.one_prize_per_contest:
        parts.append(prizes.ONE_PRIZE_RULE_TEXT)
    minimums = [f"{t.get('name', '')} từ {t['min_score']} điểm"
                for t in round_.prize_tiers or [] if t.get("min_score") is not None]
    if minimums:
        parts.append("Điểm tối thiểu để nhận giải: " + "; ".join(minimums) + ".")
    return " ".join(p for p in parts if p)


def actual_line(round_: Round, actual: int | None) -> str:
    """'Số người trả lời đúng tất cả các câu hỏi: N' — the header line of every list."""
    value = "chưa chốt" if actual is None else str(actual)
    return f"{ranking.actual_label(round_)}: {value}"


def build_snapshot(results: prizes.RoundResults) -> dict:
    """Plain rows of the ranking and the winners, as frozen by a publication."""
    round_ = results.round
    group_rank: dict[int, tuple[str, int]] = {
        r.row.participant_id: (name, r.rank)
        for name, rows in results.groups.items() for r in rows
    }
    ranking_rows = []
    for r in results.ranked:
        group, in_group = group_rank.get(r.row.participant_id, ("", None))
        ranking_rows.append([
            r.rank, r.row.participant_id, r.row.score, r.row.correct_count, r.row.prediction,
            r.prediction_error, r.row.duration_ms, r.row.submitted_at.isoformat(), group,
            in_group,
        ])
    by_id = {r.row.participant_id: r for r in results.ranked}
    people = prizes.participants_by_id(w.participant_id for w in results.winners)
    winners = []
    for w in results.winners:
        row = by_id[w.participant_id]
        person = people[w.participant_id]
        winners.append({
            "participant_id": w.participant_id,
            "prize": w.prize,
            "tier": w.tier,
            "rank": w.rank,
            "overall_rank": row.rank,
            "group": w.group,
            "full_name": person.full_name,
            "unit": person.unit_name,
            "category": person.category.name if person.category else "",
            "phone_masked": mask_phone(person.phone),
            "score": row.row.score,
            "correct_count": row.row.correct_count,
            "question_count": row.row.question_count,
            "prediction": row.row.prediction,
            "prediction_error": row.prediction_error,
            "duration_ms": row.row.duration_ms,
            "submitted_at": row.row.submitted_at.isoformat(),
        })
    return {
        "round_name": round_.name,
        "contest_title": round_.contest.title,
        "rule": rule_text(round_),
        "has_prediction": round_.has_prediction,
        "actual": results.actual,
        "actual_line": actual_line(round_, results.actual),
        "columns": RANKING_COLUMNS,
        "ranking": ranking_rows,
        "winners": winners,
    }


def _comparable(snapshot: dict) -> tuple:
    return (
        snapshot.get("actual"),
        [row[:8] for row in snapshot.get("ranking", [])],
        [(w["participant_id"], w["prize"]) for w in snapshot.get("winners", [])],
    )


def current_publication(round_id: int) -> ResultPublication | None:
    return db.session.scalar(
        sa.select(ResultPublication).where(
            ResultPublication.round_id == round_id, ResultPublication.is_current.is_(True)
        ).order_by(ResultPublication.version.desc()).limit(1)
    )


def publication_history(round_id: int) -> list[ResultPublication]:
    return list(db.session.scalars(
        sa.select(ResultPublication).where(ResultPublication.round_id == round_id)
        .order_by(ResultPublication.version.desc())
    ))


def differs_from_publication(results: prizes.RoundResults, publication: ResultPublication) -> bool:
    """True when the live ranking or winners no longer match what was published."""
    return _comparable(build_snapshot(results)) != _comparable(publication.snapshot)


def check_can_publish(round_: Round, *, now: datetime, reason: str = "",
                      lock: bool = False) -> str:
    """Refuse what cannot be published (as the confirmation step and the publishing both ask);
    return the cleaned reason. ``lock`` serialises concurrent publishers of one round."""
    reason = checked_reason(reason, PublicationError)
    if round_.state(now) != RoundState.CLOSED:
        raise PublicationError("Đợt thi chưa kết thúc, chưa thể công bố kết quả.")
    if lock:
        # PostgreSQL row lock; SQLite locks the whole file anyway.
        db.session.execute(sa.select(Round.id).where(Round.id == round_.id).with_for_update())
    if current_publication(round_.id) is not None and not reason:
        raise PublicationError(
            "Kết quả đợt này đã được công bố. Muốn công bố lại, vui lòng ghi rõ lý do."
        )
    return reason


def publish_round(round_: Round, *, actor_id: int | None, now: datetime,
                  reason: str = "") -> ResultPublication:
    """Freeze and publish the round's results. The caller commits.

    The first publication needs no reason; any later one is a re-publication
    and does. The actual figure is fixed first (idempotent).
    """
    reason = check_can_publish(round_, now=now, reason=reason, lock=True)
    current = current_publication(round_.id)
    ranking.fix_prediction_actual(round_, now, actor_id)
    results = prizes.round_results(round_)
    snapshot = build_snapshot(results)
    version = 1
    if current is not None:
        current.is_current = False
        version = current.version + 1
    last = db.session.scalar(
        sa.select(sa.func.max(ResultPublication.version))
        .where(ResultPublication.round_id == round_.id)
    )
    version = max(version, (last or 0) + 1)
    publication = ResultPublication(
        contest_id=round_.contest_id, round_id=round_.id, version=version, is_current=True,
        published_at=now, published_by_id=actor_id, reason=reason,
        prediction_actual=results.actual, snapshot=snapshot,
    )
    db.session.add(publication)
    db.session.flush()
    action = "results.republish" if version > 1 else "results.publish"
    verb = "Công bố lại" if version > 1 else "Công bố"
    audit.record(
        actor_id, action, object_type="round", object_id=round_.id,
        summary=f"{verb} kết quả {round_.name} (lần {version})"
        + (f": {reason}" if reason else ""),
        after={"publication_id": publication.id, "version": version,
               "winners": [w["participant_id"] for w in snapshot["winners"]],
               "prediction_actual": results.actual},
    )
    return publication


# --- organisers' winner list -----------------------------------------------------------------

WINNER_HEADERS = [
    "STT", "Họ tên", "Số điện thoại", "CCCD", "Đơn vị", "Đối tượng", "Giải", "Điểm",
    "Số câu đúng", "Dự đoán", "Sai số", "Thời gian làm bài", "Thời điểm nộp bài", "Ký nhận",
]
WINNER_WIDTHS = (6, 28, 15, 15, 26, 24, 18, 8, 10, 10, 8, 14, 20, 22)


def prize_label(winner: dict) -> str:
    """"Giải Nhất", or "Giải Nhất (Cán bộ, công chức)" when each group has its own prizes."""
    return winner["prize"] + (f" ({winner['group']})" if winner.get("group") else "")


def winners_xlsx(round_: Round, snapshot: dict, *, provisional: bool) -> bytes:
    """The organisers' list of winners, with full contact details (not for the public), in the
    office's habits: phones as written (0912 345 678), time taken as a duration number, the
    submission time as a date and time, and a "Ký nhận" column for the prize handover."""
    people = prizes.participants_by_id(w["participant_id"] for w in snapshot["winners"])
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách đạt giải"
    bold = Font(bold=True)
    title = f"DANH SÁCH ĐẠT GIẢI — {snapshot['round_name']} — {snapshot['contest_title']}"
    if provisional:
        title += " (TẠM TÍNH, CHƯA CÔNG BỐ)"
    header_lines = [title, snapshot["rule"], snapshot["actual_line"]]
    for line_no, text in enumerate(header_lines, start=1):
        sheet.cell(row=line_no, column=1, value=cell_text(text)).font = \
            bold if line_no != 2 else Font()
        sheet.merge_cells(start_row=line_no, start_column=1, end_row=line_no,
                          end_column=len(WINNER_HEADERS))
        sheet.cell(row=line_no, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[2].height = 90
    table_row = len(header_lines) + 2
    for col, name in enumerate(WINNER_HEADERS, start=1):
        sheet.cell(row=table_row, column=col, value=name).font = bold
    for index, w in enumerate(snapshot["winners"], start=1):
        person = people.get(w["participant_id"])
        submitted = to_local(datetime.fromisoformat(w["submitted_at"])).replace(tzinfo=None)
        values = [
            index, w["full_name"], format_phone(person.phone) if person else "",
            (person.citizen_id or "") if person else "", w["unit"], w["category"],
            prize_label(w), w["score"], w["correct_count"], w["prediction"],
            w["prediction_error"], None, submitted, None,
        ]
        row = table_row + index
        for col, value in enumerate(values, start=1):
            keep_as_text(sheet.cell(row=row, column=col, value=cell_text(value)))
        duration_cell(sheet.cell(row=row, column=12), w["duration_ms"])
        sheet.cell(row=row, column=13).number_format = "HH:MM:SS DD/MM/YYYY"
        # Room for a signature when the prizes are handed over.
        sheet.row_dimensions[row].height = 30
    for col, width in enumerate(WINNER_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.print_title_rows = f"{table_row}:{table_row}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
