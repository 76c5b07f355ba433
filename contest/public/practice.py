"""Practice (Ôn tập) and study material (Tài liệu tìm hiểu) pages.

Practice: anyone, without registering, one question per page.

The set in progress lives in the signed session cookie (question ids, the answers
given): no table, nothing personal. Every page checks again that the question is
still in the practice pool, so a question a round can draw is never shown.
Each answer is a plain form POST followed by a redirect to the same page, which then
shows "Đúng" or "Sai", the explanation and the căn cứ; reloading counts nothing twice.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for

from contest.downloads import send_made_file
from contest.extensions import limiter
from contest.helpers.timeutil import now_utc
from contest.models import OPTION_LETTERS, Contest
from contest.public import bp
from contest.public.forms import ActionForm
from contest.public.routes import _contest_or_notice, notice
from contest.services.practice import pool
from contest.services.practice import study as study_service

SESSION_KEY = "practice"


def _practice_contest(slug: str) -> tuple[Contest | None, tuple | None]:
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return None, refusal
    if not pool.is_open(contest):
        return None, notice("Chưa mở phần ôn tập",
                            "Ban tổ chức chưa mở phần ôn tập của cuộc thi này. Mời bạn đọc "
                            "tài liệu tìm hiểu trên trang cuộc thi.", 403, contest=contest)
    return contest, None


def _current_set(contest: Contest) -> dict | None:
    """The browser's practice set of this contest, if any and well formed."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("contest") != contest.id:
        return None
    ids, answers = data.get("ids"), data.get("answers")
    if (not isinstance(ids, list) or not isinstance(answers, list) or len(ids) != len(answers)
            or not all(isinstance(i, int) for i in ids)):
        return None
    return data


def _practice_limit() -> str:
    return current_app.config["PRACTICE_LIMIT"]


@bp.route("/c/<slug>/on-tap", methods=["GET", "POST"])
@limiter.limit(_practice_limit, methods=["POST"])
def practice(slug: str):
    """The start page; POST starts a new set."""
    contest, refusal = _practice_contest(slug)
    if refusal:
        return refusal
    now = now_utc()
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return notice("Phiên làm việc đã hết hạn",
                          "Vui lòng tải lại trang ôn tập rồi bấm “Bắt đầu ôn tập” lần nữa.",
                          400, contest=contest)
        ids = pool.draw_set(contest, now)
        if not ids:
            return notice("Chưa có câu hỏi ôn tập",
                          "Ban tổ chức chưa chuẩn bị câu hỏi ôn tập. Mời bạn quay lại sau.",
                          404, contest=contest)
        session[SESSION_KEY] = {"contest": contest.id, "ids": ids, "answers": [None] * len(ids)}
        return redirect(url_for("public.practice_question", slug=slug, number=1))
    current = _current_set(contest)
    resume = None
    if current is not None and None in current["answers"]:
        resume = current["answers"].index(None) + 1
    return render_template("public/practice_start.html", contest=contest, form=form,
                           available=pool.pool_size(contest, now), set_size=pool.SET_SIZE,
                           resume=resume)


def _choice(raw) -> int | None:
    if raw is None or not str(raw).isascii() or not str(raw).isdigit() or len(str(raw)) > 1:
        return None
    return int(raw)


@bp.route("/c/<slug>/on-tap/<int(max=99):number>", methods=["GET", "POST"])
@limiter.limit(_practice_limit, methods=["POST"])
def practice_question(slug: str, number: int):
    contest, refusal = _practice_contest(slug)
    if refusal:
        return refusal
    current = _current_set(contest)
    if current is None or not 1 <= number <= len(current["ids"]):
        return notice("Không tìm thấy câu hỏi ôn tập",
                      "Bộ câu hỏi ôn tập này không còn trên máy của bạn. Mời bạn bắt đầu "
                      "một bộ câu hỏi mới.", 404, contest=contest)
    now = now_utc()
    total = len(current["ids"])
    question = pool.question_in_pool(contest, current["ids"][number - 1], now)
    next_url = (url_for("public.practice_question", slug=slug, number=number + 1)
                if number < total else url_for("public.practice_done", slug=slug))
    if question is None:
        # Taken out of practice since the set was drawn (or its round has not closed).
        return render_template("public/practice_question.html", contest=contest,
                               question=None, number=number, total=total, next_url=next_url,
                               form=ActionForm()), 410
    answered = current["answers"][number - 1]
    error = None
    status = 200
    if request.method == "POST" and answered is None:
        form = ActionForm()
        chosen = _choice(request.form.get("choice"))
        if not form.validate_on_submit():
            error, status = "Phiên làm việc đã hết hạn. Vui lòng chọn lại và bấm “Trả lời”.", 400
        elif chosen is None or chosen >= len(question.options):
            error, status = "Vui lòng chọn một phương án rồi bấm “Trả lời”.", 400
        else:
            feedback = pool.grade(question, chosen)
            current["answers"][number - 1] = [chosen, feedback.is_correct]
            session[SESSION_KEY] = current
            pool.record_answer(contest, question, feedback.is_correct, now)
            return redirect(url_for("public.practice_question", slug=slug, number=number))
    elif request.method == "POST":
        return redirect(url_for("public.practice_question", slug=slug, number=number))
    feedback = pool.grade(question, answered[0]) if answered else None
    return render_template(
        "public/practice_question.html", contest=contest, question=question, number=number,
        total=total, feedback=feedback, next_url=next_url, error=error, form=ActionForm(),
        letters=OPTION_LETTERS,
    ), status


@bp.route("/c/<slug>/on-tap/ket-qua")
def practice_done(slug: str):
    contest, refusal = _practice_contest(slug)
    if refusal:
        return refusal
    current = _current_set(contest)
    if current is None:
        return redirect(url_for("public.practice", slug=slug))
    answers = current["answers"]
    done = [a for a in answers if a]
    return render_template("public/practice_done.html", contest=contest, total=len(answers),
                           answered=len(done), right=sum(1 for a in done if a[1]),
                           form=ActionForm())


# --------------------------------------------------------------------------- study material


def _study_contest(slug: str) -> tuple[Contest | None, tuple | None]:
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return None, refusal
    if not (contest.study_material or "").strip():
        return None, notice("Chưa có tài liệu tìm hiểu",
                            "Ban tổ chức chưa đăng tài liệu tìm hiểu cho cuộc thi này.",
                            404, contest=contest)
    return contest, None


@bp.route("/c/<slug>/tai-lieu")
def study(slug: str):
    contest, refusal = _study_contest(slug)
    if refusal:
        return refusal
    return render_template("public/study.html", contest=contest,
                           blocks=study_service.parse(contest.study_material),
                           practice_open=pool.is_open(contest))


@bp.route("/c/<slug>/tai-lieu.pdf")
def study_pdf(slug: str):
    contest, refusal = _study_contest(slug)
    if refusal:
        return refusal
    data = study_service.study_pdf(contest.title, contest.organiser, contest.study_material)
    return send_made_file(data, f"tai-lieu-tim-hieu-{contest.slug}.pdf", inline=True)
