"""A full rules text (thể lệ) written from the contest's own settings, for organisers to edit.

Plain values in, plain text out, in the form the rules field reads without markup:
"I." headings, "1." sub-headings, "-" list items, one paragraph a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contest.helpers.timeutil import format_period
from contest.models.contest import PREDICTION_TARGETS
from contest.services.results import prizes, ranking


@dataclass(frozen=True)
class RoundFacts:
    name: str
    opens_at: datetime
    closes_at: datetime
    question_count: int
    time_limit_minutes: int
    attempts_allowed: int
    counted_attempt: str
    has_prediction: bool
    prediction_target: str


def rules_text(*, title: str, organiser: str, purpose: str = "",
               categories: Sequence[str] = (), min_age: int | None = None,
               max_age: int | None = None, rounds: Sequence[RoundFacts] = (),
               prize_tiers: Sequence[dict] = (), one_prize_per_contest: bool = False,
               rank_by_category_group: bool = False, contact_phone: str = "",
               contact_address: str = "", address: str = "") -> str:
    """The rules, section by section: đối tượng, thời gian các đợt, hình thức, số câu và thời
    gian làm bài, cách tính điểm và xếp hạng, cơ cấu giải, quyền lợi và trách nhiệm, liên hệ."""
    organiser = organiser or "Ban tổ chức"
    lines = [f"THỂ LỆ {title.upper()}", ""]
    if purpose:
        lines += [f"Mục đích: {purpose}", ""]

    lines.append("I. ĐỐI TƯỢNG DỰ THI")
    if categories:
        lines += [f"- {name}" for name in categories]
    else:
        lines.append("- Mọi người dân, cán bộ, công chức, viên chức đang sinh sống, làm việc "
                     "trên địa bàn.")
    if min_age is not None or max_age is not None:
        ages = (f"từ {min_age} đến {max_age} tuổi" if min_age is not None and max_age is not None
                else f"từ {min_age} tuổi trở lên" if min_age is not None
                else f"không quá {max_age} tuổi")
        lines.append(f"- Người dự thi {ages} (tính theo năm sinh).")
    lines.append("- Thành viên Ban tổ chức, Tổ giúp việc không tham gia dự thi.")
    lines.append("")

    lines.append("II. THỜI GIAN CÁC ĐỢT THI")
    if rounds:
        lines += [f"- {r.name}: {format_period(r.opens_at, r.closes_at)}." for r in rounds]
    else:
        lines.append("- (Ban tổ chức bổ sung thời gian các đợt thi.)")
    lines.append("")

    lines.append("III. HÌNH THỨC DỰ THI")
    where = f" tại địa chỉ {address}" if address else ""
    lines += [
        f"- Thi trắc nghiệm trực tuyến trên điện thoại hoặc máy tính{where}, hoặc quét mã QR "
        "trên áp phích, pano của cuộc thi.",
        "- Người dự thi đăng ký bằng số điện thoại và khai đúng họ tên, đơn vị; mỗi số điện "
        "thoại là một người dự thi.",
        "",
    ]

    lines.append("IV. SỐ CÂU HỎI VÀ THỜI GIAN LÀM BÀI")
    for r in rounds:
        attempts = ("một lượt" if r.attempts_allowed == 1
                    else f"tối đa {r.attempts_allowed} lượt")
        line = (f"- {r.name}: {r.question_count} câu hỏi trắc nghiệm, làm trong "
                f"{r.time_limit_minutes} phút; mỗi người được thi {attempts}.")
        if r.has_prediction:
            target = PREDICTION_TARGETS.get(r.prediction_target, "").lower()
            line += f" Có thêm câu hỏi dự đoán: {target} của đợt thi."
        lines.append(line)
    if not rounds:
        lines.append("- (Ban tổ chức bổ sung số câu hỏi và thời gian làm bài.)")
    lines.append("- Các câu hỏi được rút ngẫu nhiên từ ngân hàng câu hỏi của cuộc thi.")
    lines.append("")

    lines.append("V. CÁCH TÍNH ĐIỂM VÀ XẾP HẠNG")
    lines.append("- Mỗi câu trả lời đúng được 1 điểm.")
    lines.append(f"- {ranking.RULE_TEXT}")
    counted = {r.counted_attempt for r in rounds if r.attempts_allowed > 1}
    lines += [f"- {ranking.COUNTED_RULE_TEXT[c]}" for c in sorted(counted)
              if c in ranking.COUNTED_RULE_TEXT]
    if rank_by_category_group:
        lines.append(f"- {prizes.GROUP_RULE_TEXT}")
    lines.append("")

    lines.append("VI. CƠ CẤU GIẢI THƯỞNG")
    lines.append("Mỗi đợt thi có các giải sau:" if prize_tiers else
                 "- (Ban tổ chức bổ sung cơ cấu giải.)")
    for tier in prize_tiers:
        line = f"- {tier.get('name', '')}: {tier.get('count', 0)} giải"
        if tier.get("value"):
            line += f", mỗi giải gồm {tier['value']}"
        if tier.get("min_score") is not None:
            line += f" (chỉ trao cho bài đạt từ {tier['min_score']} điểm trở lên)"
        lines.append(line + ".")
    if one_prize_per_contest:
        lines.append(f"- {prizes.ONE_PRIZE_RULE_TEXT}")
    lines.append("")

    lines.append("VII. QUYỀN LỢI VÀ TRÁCH NHIỆM CỦA NGƯỜI DỰ THI")
    lines += [
        "- Được tìm hiểu tài liệu, ôn tập và dự thi miễn phí; được xem kết quả của mình và "
        "danh sách đạt giải khi Ban tổ chức công bố.",
        "- Tự làm bài, không nhờ người khác làm thay; khai đúng thông tin cá nhân để nhận giải.",
        "- Người vi phạm thể lệ (đăng ký nhiều lần, khai sai thông tin, gian lận) bị loại khỏi "
        "cuộc thi.",
        f"- Quyết định của {organiser} về kết quả cuộc thi là quyết định cuối cùng.",
        "",
    ]

    lines.append("VIII. LIÊN HỆ")
    contact = [f"{organiser}."]
    if contact_address:
        contact.append(f"Địa chỉ: {contact_address}.")
    if contact_phone:
        contact.append(f"Điện thoại, Zalo: {contact_phone}.")
    lines.append(" ".join(contact))
    return "\n".join(lines).strip() + "\n"
