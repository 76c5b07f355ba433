"""The resident's journey: QR entry → contest page → registration → round → result.

Views validate, call contest.services.taking.registration / attempts, flash and
redirect. Attempts and participants appear in URLs only by their random public
ids; an attempt that is not the browser's own is answered as not found.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy.orm import contains_eager
from wtforms.validators import ValidationError

from contest.downloads import send_made_file
from contest.errors import CSRF_MESSAGE
from contest.extensions import csrf, db, limiter
from contest.forms import choices, show_refusal
from contest.helpers import timeutil
from contest.helpers.text import is_digits
from contest.models import (
    Attempt,
    AttemptStatus,
    Contest,
    ContestStatus,
    FinishedBy,
    Participant,
    ResultPublication,
    Round,
    Unit,
)
from contest.models.contest import COUNTED_ATTEMPT_RULES, PREDICTION_TARGETS, PredictionTarget
from contest.public import bp, identity
from contest.public.forms import ActionForm, CodeForm, ConfirmForm, RegistrationForm
from contest.public.sharing import share_meta
from contest.services.contests import entry_points
from contest.services.documents import signers
from contest.services.people.units import in_natural_order
from contest.services.results import certificates
from contest.services.results.ranking import RULE_TEXT as RANKING_RULE_TEXT
from contest.services.results.ranking import counted_attempt
from contest.services.statistics import participation
from contest.services.taking import attempts as attempt_service
from contest.services.taking import phone_holds, registration
from contest.services.taking.registration import UNIT_OTHER, RegistrationInput

ENTRY_SESSION_KEY = "entry_point_id"

PREDICTION_QUESTIONS = {
    PredictionTarget.FULL_MARKS:
        "Theo bạn, có bao nhiêu người trả lời đúng tất cả các câu hỏi của {name}?",
    PredictionTarget.PARTICIPANTS: "Theo bạn, có bao nhiêu người tham gia dự thi {name}?",
}


#: The status each refusal of the attempt service answers with (any other: 409 Conflict).
REFUSAL_STATUSES = {
    attempt_service.BankTooSmall: 503,  # the organisers' configuration, not the resident
    attempt_service.NotAllowed: 403,
    attempt_service.InvalidAnswer: 400,
}


def _attempt_status(error: attempt_service.AttemptError) -> int:
    return next((status for kind, status in REFUSAL_STATUSES.items()
                 if isinstance(error, kind)), 409)


def _now() -> datetime:
    return timeutil.now_utc()


def _grace() -> int:
    return int(current_app.config["SUBMIT_GRACE_SECONDS"])


def notice(title: str, message: str, status: int = 200, contest: Contest | None = None,
           contests: list[Contest] | None = None):
    """A plain Vietnamese page for every refusal, with a way back."""
    return render_template("public/notice.html", title=title, message=message,
                           contest=contest, contests=contests or []), status


def _published_contests() -> list[Contest]:
    return list(db.session.scalars(
        sa.select(Contest).where(Contest.status == ContestStatus.PUBLISHED)
        .order_by(Contest.created_at.desc())
    ))


def _contest_or_notice(slug: str) -> tuple[Contest | None, tuple | None]:
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug))
    if contest is None or not contest.is_published:
        return None, notice(
            "Không tìm thấy cuộc thi",
            "Cuộc thi này không tồn tại hoặc chưa được công bố. "
            "Mời bạn xem các cuộc thi đang diễn ra dưới đây.",
            404, contests=_published_contests(),
        )
    return contest, None


def _attempt_not_found():
    return notice("Không tìm thấy bài thi",
                  "Bài thi này không tồn tại hoặc không phải của bạn trên thiết bị này. "
                  "Nếu bạn đổi điện thoại, hãy xác nhận thông tin đăng ký trước.",
                  404, contests=_published_contests())


def _own_attempt(public_id: str, grade_overdue: bool = True
                 ) -> tuple[Attempt | None, tuple | None]:
    """The attempt if this browser's participant owns it; graded on touch if overdue
    (except for a submit, which grades it itself and tells a late resident so).

    One query: the attempt with its round and contest (every page here shows them)
    and its owner's public id, checked against the signed cookie without loading
    the participant.
    """
    row = db.session.execute(
        sa.select(Attempt, Participant.public_id, Participant.contest_id)
        .join(Participant, Participant.id == Attempt.participant_id)
        .join(Attempt.round).join(Round.contest)
        .options(contains_eager(Attempt.round).contains_eager(Round.contest))
        .where(Attempt.public_id == public_id)
    ).one_or_none() if len(public_id) <= 32 else None
    if row is None or not identity.owns(row[2], row[1]):
        return None, _attempt_not_found()
    attempt = row[0]
    if grade_overdue:
        attempt_service.finish_if_overdue(attempt, _now(), _grace())
    return attempt, None


# --------------------------------------------------------------------------- entry


#: Said where a page needs the resident this browser remembers and there is none.
NOT_REGISTERED_HERE = "Bạn chưa đăng ký trên thiết bị này. Hãy đăng ký hoặc xác nhận thông tin."

@bp.route("/")
def index():
    return render_template("public/index.html", contests=_published_contests())


@bp.route("/q/<code>")
def entry(code: str):
    """A QR code scan: count it (no personal data), remember it, go to the contest."""
    entry_point = entry_points.record_scan(code, _now())
    if entry_point is None:
        return notice(
            "Mã QR không đúng",
            "Đường dẫn bạn vừa mở không thuộc cuộc thi nào đang diễn ra. "
            "Mời bạn chọn cuộc thi dưới đây.",
            404, contests=_published_contests(),
        )
    db.session.commit()
    session[ENTRY_SESSION_KEY] = entry_point.id
    contest = db.session.get(Contest, entry_point.contest_id)
    return redirect(url_for("public.contest", slug=contest.slug))


@bp.route("/c/<slug>")
def contest(slug: str):
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return refusal
    now = _now()
    open_round = contest.round_open_at(now)
    next_round = contest.next_round_after(now)
    participant = identity.current_participant(contest.id)
    in_progress = None
    attempts_left = None
    if participant is not None:
        # One query for both the attempt in progress and the attempts left.
        mine = attempt_service.attempts_of(participant.id)
        # Read before grading: its commit expires the loaded attempts.
        round_ids = [a.round_id for a in mine]
        in_progress = next((a for a in mine if a.status == AttemptStatus.IN_PROGRESS), None)
        if in_progress is not None and attempt_service.finish_if_overdue(in_progress, now,
                                                                         _grace()):
            in_progress = None
        if open_round is not None and participant.disqualified_at is None:
            used = round_ids.count(open_round.id)
            attempts_left = max(0, open_round.attempts_allowed - used)
    has_results = db.session.scalar(sa.select(sa.exists().where(
        ResultPublication.contest_id == contest.id, ResultPublication.is_current.is_(True))))
    return render_template(
        "public/contest.html", contest=contest, now=now, open_round=open_round,
        next_round=next_round, participant=participant, in_progress=in_progress,
        attempts_left=attempts_left, form=ActionForm(),
        registration_open=contest.takes_registrations(now), contest_ended=contest.has_ended(now),
        counted_rules=COUNTED_ATTEMPT_RULES, has_results=has_results,
        ranking_rule=RANKING_RULE_TEXT, share=share_meta(contest),
        entries=participation.entry_count(contest.id),
    )


# --------------------------------------------------------------------------- registration


def _fill_choices(form: RegistrationForm, contest: Contest) -> None:
    units = in_natural_order(db.session.scalars(sa.select(Unit).where(Unit.active)),
                             lambda u: u.kind, group_descending=True)
    form.unit.choices = choices(
        [(str(u.id), u.name) for u in units] + [(UNIT_OTHER, "Khác (ghi rõ bên dưới)")],
        first=("", "— Chọn —"),
    )
    form.category.choices = choices(
        [(str(c.id), c.name) for c in contest.categories if c.active], first=("", "— Chọn —")
    )


@bp.route("/c/<slug>/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register(slug: str):
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return refusal
    if identity.current_participant(contest.id) is not None:
        return redirect(url_for("public.contest", slug=slug))
    now = _now()
    if not contest.takes_registrations(now):
        # GET: the page says so; POST: refused, nothing stored.
        return notice(
            "Đã hết hạn đăng ký",
            "Cuộc thi đã kết thúc (hoặc chưa có đợt thi nào) nên không nhận đăng ký mới. "
            "Nếu bạn đã dự thi, hãy xác nhận thông tin để xem bài thi của mình.",
            403 if request.method == "POST" else 200, contest=contest,
        )
    form = RegistrationForm()
    _fill_choices(form, contest)
    if request.method == "POST":
        data = RegistrationInput(
            full_name=form.full_name.data or "", phone=form.phone.data or "",
            birth_year=form.birth_year.data, gender=form.gender.data,
            citizen_id=form.citizen_id.data, unit=form.unit.data,
            unit_other=form.unit_other.data, category=form.category.data,
            consent=bool(form.consent.data), entry_point_id=session.get(ENTRY_SESSION_KEY),
        )
        try:
            result = registration.register(contest, data, now)
        except phone_holds.PhoneHeld as held:
            return notice("Số điện thoại đang tạm khóa", held.message, 429, contest=contest)
        except registration.RegistrationRefused as refused:
            show_refusal(form, refused)
            status = 400
        else:
            participant = result.participant
            attempt_service.prepare_for_participant(participant, now)
            if result.resumed:
                flash(f"Chào {participant.full_name}! Bạn đã đăng ký trước đây với số điện "
                      "thoại này; bạn tiếp tục với thông tin đã đăng ký.", "success")
            else:
                flash("Đăng ký thành công. Mã dự thi của bạn là "
                      f"{participant.personal_code_display}: hãy ghi lại để tiếp tục trên "
                      "điện thoại khác. Chúc bạn làm bài tốt!", "success")
            response = make_response(redirect(url_for("public.contest", slug=slug)))
            identity.remember(response, participant)
            return response
    else:
        status = 200
    oldest, youngest = registration.birth_year_range(contest, now)
    return render_template("public/register.html", contest=contest, form=form,
                           oldest=oldest, youngest=youngest, unit_other=UNIT_OTHER), status


@bp.route("/c/<slug>/confirm", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def confirm(slug: str):
    """Continue on another phone: phone + name + birth year, or the personal code.

    What a mismatch or a hold says never depends on whether the phone is registered
    (see contest.services.taking.registration). A browser that already remembers its
    resident goes straight to the contest: no hold applies to it.
    """
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return refusal
    if identity.current_participant(contest.id) is not None:
        return redirect(url_for("public.contest", slug=slug))
    form, code_form = ConfirmForm(), CodeForm()
    status = 200
    if request.method == "POST":
        by_code = "personal_code" in request.form
        # Every refusal shows under the field used to identify: the code, or the phone
        # (a mismatch must not say which of phone, name and birth year was wrong).
        target = code_form.personal_code if by_code else form.phone
        try:
            if by_code:
                participant = registration.confirm_by_code(contest.id,
                                                           code_form.personal_code.data)
            else:
                participant = registration.confirm_identity(
                    contest.id, form.phone.data or "", full_name=form.full_name.data,
                    birth_year=form.birth_year.data, now=_now())
        except phone_holds.PhoneHeld as held:
            status, target.errors = 429, [held.message]
        except registration.RegistrationRefused as refused:
            status, target.errors = 400, [refused.message]
        else:
            flash(f"Chào {participant.full_name}! Bạn tiếp tục dự thi với thông tin "
                  "đã đăng ký.", "success")
            response = make_response(redirect(url_for("public.contest", slug=slug)))
            identity.remember(response, participant)
            return response
    return render_template("public/confirm.html", contest=contest, form=form,
                           code_form=code_form, now=_now()), status


@bp.route("/c/<slug>/me/code")
def personal_code(slug: str):
    """The resident's mã dự thi on a page of its own, to print or keep."""
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return refusal
    participant = identity.current_participant(contest.id)
    if participant is None:
        flash(NOT_REGISTERED_HERE, "info")
        return redirect(url_for("public.confirm", slug=slug))
    confirm_url = url_for("public.confirm", slug=slug, _external=True)
    return render_template("public/personal_code.html", contest=contest,
                           participant=participant, confirm_url=confirm_url)


@bp.route("/c/<slug>/forget", methods=["POST"])
def forget(slug: str):
    """"Không phải bạn?": a shared phone lets the next person register."""
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return refusal
    response = make_response(redirect(url_for("public.contest", slug=slug)))
    identity.forget(response, contest.id)
    flash("Đã thoát. Người khác có thể đăng ký hoặc xác nhận trên máy này.", "info")
    return response


# --------------------------------------------------------------------------- rounds


@bp.route("/c/<slug>/rounds/<int:round_id>/start", methods=["POST"])
def start(slug: str, round_id: int):
    # Everyone presses "Bắt đầu" at once: the round, its contest and this browser's
    # participant in one query; the service adds its few (see start_attempt).
    remembered = identity.remembered_public_ids()
    row = db.session.execute(
        sa.select(Round, Contest, Participant)
        .join(Contest, Contest.id == Round.contest_id)
        .outerjoin(Participant, sa.and_(Participant.contest_id == Contest.id,
                                        Participant.public_id.in_(remembered or [""])))
        .where(Round.id == round_id, Contest.slug == slug)
    ).first()
    if row is None or not row[1].is_published:
        contest, refusal = _contest_or_notice(slug)
        if refusal:
            return refusal
        return notice("Không tìm thấy đợt thi", "Đợt thi này không thuộc cuộc thi.", 404,
                      contest=contest)
    round_, contest, participant = row
    if participant is None or not identity.owns(contest.id, participant.public_id):
        flash("Vui lòng đăng ký (hoặc xác nhận thông tin) trước khi làm bài.", "info")
        return redirect(url_for("public.register", slug=slug))
    try:
        attempt = attempt_service.start_attempt(participant.id, round_.id, _now(),
                                                grace_seconds=_grace(), round_=round_,
                                                participant=participant)
    except attempt_service.AttemptError as error:
        db.session.rollback()
        return notice(error.title, error.message, _attempt_status(error), contest=contest)
    return redirect(url_for("public.attempt", public_id=attempt.public_id))


def _prediction_question(round_: Round) -> str:
    template = PREDICTION_QUESTIONS.get(round_.prediction_target,
                                        PREDICTION_QUESTIONS[PredictionTarget.FULL_MARKS])
    return template.format(name=round_.name.lower() if round_.name else "đợt thi")


@bp.route("/a/<public_id>")
def attempt(public_id: str):
    attempt, refusal = _own_attempt(public_id)
    if refusal:
        return refusal
    if attempt.is_submitted:
        return redirect(url_for("public.result", public_id=public_id))
    return _render_attempt(attempt)


def _render_attempt(attempt: Attempt, prediction_error: str | None = None,
                    prediction_value: str | None = None, status: int = 200):
    now = _now()
    items = attempt_service.load_items(attempt)
    questions = []
    for item in items:
        options = item.version.options
        # Only the shown position goes to the page; the stored index never does.
        shown_choice = item.option_order.index(item.chosen_option) \
            if item.chosen_option is not None else None
        questions.append({
            "position": item.position,
            "text": item.version.text,
            "options": [options[i] for i in item.option_order],
            "chosen": shown_choice,
        })
    round_ = attempt.round
    if prediction_value is None:
        prediction_value = "" if attempt.prediction is None else str(attempt.prediction)
    left_ms = max(0, int((attempt.deadline - now).total_seconds() * 1000))
    response = make_response(render_template(
        "public/attempt.html", attempt=attempt, round=round_, contest=round_.contest,
        questions=questions, answered=sum(q["chosen"] is not None for q in questions),
        deadline_ms=int(attempt.deadline.timestamp() * 1000),
        server_now_ms=int(now.timestamp() * 1000),
        # Whole seconds rounded up, as round.js counts down.
        time_left=timeutil.format_duration(-(-left_ms // 1000) * 1000, tenths=False),
        attempt_token=identity.attempt_token(attempt.public_id),
        prediction_question=_prediction_question(round_),
        prediction_target=PREDICTION_TARGETS.get(round_.prediction_target, ""),
        prediction_error=prediction_error, prediction_value=prediction_value,
        grace_seconds=_grace(),
    ), status)
    # Never from a cache: a page kept from earlier carries an old clock and old answers.
    response.headers["Cache-Control"] = "no-store"
    return response


def _round_post_trusted(public_id: str) -> bool:
    """The CSRF check of the round page's posts, which survives a lost session.

    Either the attempt's own token (identity.attempt_token, in the page) or the
    session's CSRF token will do; the views check ownership by the remembered
    participant as for every other attempt page.
    """
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    token = request.headers.get("X-Attempt-Token") or request.form.get("attempt_token")
    if identity.attempt_token_valid(token, public_id):
        return True
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


@bp.route("/a/<public_id>/clock")
def clock(public_id: str):
    """The server's time and the deadline, for the countdown to resync (Back, tab switch,
    wake) — and fresh tokens for a page whose session was lost, by the remembered identity."""
    attempt, refusal = _own_attempt(public_id)
    if refusal:
        return _json_error("Không tìm thấy bài thi của bạn.", 404)
    response = jsonify({
        "ok": True, "now_ms": int(_now().timestamp() * 1000),
        "deadline_ms": int(attempt.deadline.timestamp() * 1000),
        "submitted": attempt.is_submitted,
        "result_url": url_for("public.result", public_id=public_id),
        "csrf_token": generate_csrf(), "attempt_token": identity.attempt_token(public_id),
    })
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_error(message: str, status: int):
    return jsonify({"ok": False, "error": message}), status


def _attempt_key() -> str:
    """Rate-limit key for answer saving: the attempt, never the address (a hall shares one)."""
    return "attempt:" + ((request.view_args or {}).get("public_id") or "")


@bp.route("/a/<public_id>/answer", methods=["POST"])
@limiter.limit(lambda: current_app.config["ANSWER_SAVE_LIMIT"], key_func=_attempt_key)
@csrf.exempt  # checked by _round_post_trusted, which survives a lost session
def save_answer(public_id: str):
    """Autosave one answer (or the prediction). JSON in, {"ok": true, "saved_at": ...} out.

    The hot path of a round: one guarded UPDATE (quick_save_answer) when all is in
    order; otherwise the attempt is read to give the right refusal. A refusal for want
    of a token says ``"retry": "session"``: the page fetches fresh ones (``clock``)
    and sends the answer again.
    """
    if not _round_post_trusted(public_id):
        return jsonify({"ok": False, "error": CSRF_MESSAGE, "retry": "session"}), 400
    payload = request.get_json(silent=True)
    if isinstance(payload, dict) and "prediction" not in payload:
        ack = attempt_service.quick_save_answer(
            public_id, identity.remembered_public_ids(), payload.get("position"),
            payload.get("choice"), _now(), _grace())
        if ack is not None:
            return jsonify(ack.as_json())
    position = payload.get("position") if isinstance(payload, dict) else None
    target = attempt_service.answer_target(public_id, position)
    if target is None or not identity.owns(target.contest_id, target.participant_public_id):
        return _json_error("Không tìm thấy bài thi của bạn.", 404)
    now = _now()
    if target.overdue(now, _grace()):
        # Grade-on-touch, as every other page does; the answer itself is too late.
        _own_attempt(public_id)
        db.session.rollback()
        error = attempt_service.TooLate(attempt_service.TOO_LATE_MESSAGE)
        return _json_error(error.message, _attempt_status(error))
    if not isinstance(payload, dict):
        return _json_error("Dữ liệu gửi lên không đúng.", 400)
    try:
        if "prediction" in payload:
            ack = attempt_service.save_prediction(target, payload["prediction"], now, _grace())
        else:
            ack = attempt_service.save_answer(target, position, payload.get("choice"), now,
                                              _grace())
    except attempt_service.AttemptError as error:
        db.session.rollback()
        return _json_error(error.message, _attempt_status(error))
    return jsonify(ack.as_json())


LATE_SUBMIT_MESSAGE = ("Bài gửi sau thời hạn nên các câu trả lời vừa gửi không được ghi nhận; "
                       "bài được chấm theo các câu đã lưu trước hạn.")


def _sent_answers() -> bool:
    """Whether the submitted form carries an answer or a prediction (not just its token)."""
    return any(value.strip() for key, value in request.form.items()
               if key == "prediction" or (key.startswith("q") and key[1:].isdigit()))


def _answers_from_form(attempt: Attempt) -> dict[int, int | None]:
    answers: dict[int, int | None] = {}
    for position in range(1, attempt.question_count + 1):
        raw = request.form.get(f"q{position}", "")
        answers[position] = int(raw) if is_digits(raw) and len(raw) < 3 else None
    return answers


@bp.route("/a/<public_id>/save", methods=["POST"])
@csrf.exempt  # checked by _round_post_trusted, which survives a lost session
def save_form(public_id: str):
    """"Lưu bài": the whole form saved without submitting (the way to save without JS)."""
    if not _round_post_trusted(public_id):
        return notice("Phiên làm việc đã hết hạn", CSRF_MESSAGE, 400)
    attempt, refusal = _own_attempt(public_id)
    if refusal:
        return refusal
    if attempt.is_submitted:
        # Graded just now as overdue, or submitted in another tab.
        if attempt.finished_by == FinishedBy.TIMEOUT and _sent_answers():
            flash(LATE_SUBMIT_MESSAGE, "warning")
        else:
            flash("Bài thi đã được nộp; kết quả dưới đây là kết quả duy nhất.", "info")
        return redirect(url_for("public.result", public_id=public_id))
    now = _now()
    answers = _answers_from_form(attempt)
    prediction_raw = request.form.get("prediction", "")
    try:
        attempt_service.save_form(attempt, answers, prediction_raw, now, _grace())
    except attempt_service.InvalidAnswer as error:
        db.session.rollback()
        try:
            attempt_service.save_answers(attempt, answers, now, _grace())
        except attempt_service.AttemptError:
            db.session.rollback()
        return _render_attempt(attempt, prediction_error=error.message,
                               prediction_value=prediction_raw, status=400)
    except attempt_service.AttemptError:
        # Past the deadline (+ grace) or submitted in another tab: the result says which.
        db.session.rollback()
        flash(LATE_SUBMIT_MESSAGE, "warning")
        return redirect(url_for("public.result", public_id=public_id))
    saved = sum(1 for value in answers.values() if value is not None)
    at = timeutil.format_local(now, timeutil.CLOCK_SECONDS_FORMAT)
    flash(f"Đã lưu bài lúc {at} ({saved} câu đã chọn). "
          "Bạn làm tiếp, rồi bấm “Nộp bài” trước khi hết giờ.", "success")
    return redirect(url_for("public.attempt", public_id=public_id))


@bp.route("/a/<public_id>/submit", methods=["POST"])
@csrf.exempt  # checked by _round_post_trusted, which survives a lost session
def submit(public_id: str):
    if not _round_post_trusted(public_id):
        return notice("Phiên làm việc đã hết hạn", CSRF_MESSAGE, 400)
    attempt, refusal = _own_attempt(public_id, grade_overdue=False)
    if refusal:
        return refusal
    if attempt.is_submitted:
        # A retried POST or a second tab: the one result stands. A form arriving after the
        # attempt was graded as a timeout (by the sweep, a ranking, another page) was late.
        if attempt.finished_by == FinishedBy.TIMEOUT and _sent_answers():
            flash(LATE_SUBMIT_MESSAGE, "warning")
        elif request.form:
            flash("Bài thi đã được nộp trước đó; kết quả dưới đây là kết quả duy nhất.", "info")
        return redirect(url_for("public.result", public_id=public_id))
    now = _now()
    answers = _answers_from_form(attempt)
    prediction_raw = request.form.get("prediction", "")
    if request.form.get("confirm") != "yes" and attempt_service.in_time(attempt, now, _grace()):
        # Without JavaScript nothing asked before this post: save what was sent, then ask
        # if questions are left unanswered. (round.js asks itself and sends "confirm".)
        try:
            unanswered = attempt_service.save_before_submit(attempt, answers, prediction_raw,
                                                            now, _grace())
        except attempt_service.InvalidAnswer as error:
            return _refuse_prediction(attempt, answers, error, prediction_raw, now)
        except attempt_service.AttemptError:
            db.session.rollback()  # too late or submitted elsewhere: the submit below says
        else:
            if unanswered:
                return _ask_before_submit(attempt, unanswered)
    try:
        outcome = attempt_service.submit(attempt, answers if _sent_answers() else {},
                                         prediction_raw, now, _grace())
    except attempt_service.InvalidAnswer as error:
        return _refuse_prediction(attempt, answers, error, prediction_raw, now)
    if outcome.late:
        flash(LATE_SUBMIT_MESSAGE, "warning")
    elif outcome.graded_now:
        flash("Đã nộp bài. Cảm ơn bạn đã tham gia!", "success")
    return redirect(url_for("public.result", public_id=public_id))


def _refuse_prediction(attempt: Attempt, answers, error, prediction_raw: str, now):
    """Keep the answers ticked; ask only for the prediction to be fixed."""
    db.session.rollback()
    try:
        attempt_service.save_answers(attempt, answers, now, _grace())
    except attempt_service.AttemptError:
        db.session.rollback()
    return _render_attempt(attempt, prediction_error=error.message,
                           prediction_value=prediction_raw, status=400)


def _ask_before_submit(attempt: Attempt, unanswered: list[int]):
    """"Bạn còn N câu chưa trả lời. Vẫn nộp bài?" as a page (the answers are saved)."""
    response = make_response(render_template(
        "public/submit_confirm.html", attempt=attempt, round=attempt.round,
        contest=attempt.round.contest, unanswered=unanswered,
        attempt_token=identity.attempt_token(attempt.public_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/a/<public_id>/result")
def result(public_id: str):
    attempt, refusal = _own_attempt(public_id)
    if refusal:
        return refusal
    if not attempt.is_submitted:
        return redirect(url_for("public.attempt", public_id=public_id))
    now = _now()
    round_ = attempt.round
    show_answers = round_.answers_visible(now, submitted=True)
    review = []
    if show_answers:
        for item in attempt_service.load_items(attempt):
            options = item.version.options
            review.append({
                "position": item.position, "text": item.version.text,
                "options": [options[i] for i in item.option_order],
                "chosen": item.option_order.index(item.chosen_option)
                if item.chosen_option is not None else None,
                "correct": item.option_order.index(item.version.correct_option),
                "explanation": item.version.explanation, "source": item.version.source,
                "is_correct": item.is_correct,
            })
    mine = attempt_service.attempts_of(attempt.participant_id, round_.id)
    counted = counted_attempt(
        mine, round_.counted_attempt, actual=round_.prediction_actual,
        has_prediction=round_.has_prediction)
    left = max(0, round_.attempts_allowed - len(mine))
    participant = db.session.get(Participant, attempt.participant_id)
    if participant.disqualified_at is not None:
        left = 0  # no "next attempt" button for someone the organisers left out
    return render_template(
        "public/result.html", attempt=attempt, round=round_, contest=round_.contest,
        participant=participant,
        show_answers=show_answers, review=review, counted=counted, now=now,
        attempts_left=left if round_.is_open(now) else 0, form=ActionForm(),
        counted_rule=COUNTED_ATTEMPT_RULES.get(round_.counted_attempt, ""),
    )


@bp.route("/a/<public_id>/certificate.pdf")
def certificate(public_id: str):
    """Giấy chứng nhận tham gia for a submitted attempt, when the organisers give them."""
    attempt, refusal = _own_attempt(public_id)
    if refusal:
        return refusal
    round_ = attempt.round
    if not round_.contest.participation_certificates:
        return notice("Không có giấy chứng nhận",
                      "Ban tổ chức không cấp giấy chứng nhận tham gia cho cuộc thi này.", 404,
                      contest=round_.contest)
    if not attempt.is_submitted:
        return notice("Chưa nộp bài",
                      "Giấy chứng nhận tham gia được cấp sau khi bạn nộp bài.", 409,
                      contest=round_.contest)
    participant = db.session.get(Participant, attempt.participant_id)
    config = current_app.config
    data = certificates.participation_certificate_pdf(
        full_name=participant.full_name, unit=participant.unit_name,
        contest_title=round_.contest.title, round_name=round_.name,
        correct=attempt.correct_count or 0, total=attempt.question_count,
        organisation=config["ORGANISATION_NAME"],
        organisation_full=config["ORGANISATION_FULL_NAME"], ward=config["WARD_NAME"],
        submitted_at=attempt.submitted_at, signature=signers.current("committee").signature)
    return send_made_file(data, f"giay-chung-nhan-tham-gia-{public_id}.pdf", inline=True)


@bp.route("/c/<slug>/me")
def my_attempts(slug: str):
    contest, refusal = _contest_or_notice(slug)
    if refusal:
        return refusal
    participant = identity.current_participant(contest.id)
    if participant is None:
        flash(NOT_REGISTERED_HERE, "info")
        return redirect(url_for("public.register", slug=slug))
    now = _now()
    in_progress = attempt_service.in_progress_attempt(participant.id)
    if in_progress is not None:
        attempt_service.finish_if_overdue(in_progress, now, _grace())
    mine = attempt_service.attempts_of(participant.id)
    rounds = []
    for round_ in contest.rounds:
        these = [a for a in mine if a.round_id == round_.id]
        if not these:
            continue
        rounds.append({
            "round": round_, "attempts": these,
            "counted": counted_attempt(
                these, round_.counted_attempt, actual=round_.prediction_actual,
                has_prediction=round_.has_prediction),
            "rule": COUNTED_ATTEMPT_RULES.get(round_.counted_attempt, ""),
        })
    published = set(db.session.scalars(sa.select(ResultPublication.round_id).where(
        ResultPublication.contest_id == contest.id, ResultPublication.is_current.is_(True))))
    return render_template("public/my_attempts.html", contest=contest, participant=participant,
                           rounds=rounds, now=now, form=ActionForm(), published=published)
