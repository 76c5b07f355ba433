"""Contests and their rounds, and the live view of a round."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from contest.admin import bp
from contest.admin.forms import (
    LOCAL_INPUT_FORMAT,
    PRIZE_ROWS,
    ContestForm,
    ReopenRoundForm,
    prize_tier_values,
    round_form_class,
    to_local_input,
)
from contest.extensions import db
from contest.forms import ActionForm, choices, show_refusal
from contest.helpers.timeutil import LOCAL_TZ, local_to_utc, now_utc
from contest.models import Attempt, AttemptStatus, ContentArea, Contest, ParticipantCategory, Round
from contest.models.contest import (
    COUNTED_ATTEMPT_RULES,
    FIELD_MODE_LABELS,
    PREDICTION_TARGETS,
    REVEAL_POLICIES,
)
from contest.services.contests import rounds as rounds_service
from contest.services.contests import rules_template
from contest.services.practice import pool as practice_pool
from contest.services.practice import study as study_service

DEFAULT_PRIZES = [
    {"name": "Giải Nhất", "count": 1},
    {"name": "Giải Nhì", "count": 2},
    {"name": "Giải Ba", "count": 3},
    {"name": "Giải Khuyến khích", "count": 10},
]


def _areas() -> list[ContentArea]:
    return list(db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)))


# --- contests -------------------------------------------------------------------------


@bp.route("/contests/")
def contests():
    items = list(db.session.scalars(sa.select(Contest).order_by(Contest.created_at.desc())))
    counts = dict(db.session.execute(
        sa.select(Round.contest_id, sa.func.count(Attempt.id))
        .join(Attempt, Attempt.round_id == Round.id)
        .where(Attempt.status == AttemptStatus.SUBMITTED)
        .group_by(Round.contest_id)
    ).all())
    return render_template("admin/contests/list.html", contests=items, now=now_utc(),
                           submitted=counts)


@bp.route("/contests/<int:contest_id>")
def contest_detail(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    now = now_utc()
    counts = dict(db.session.execute(
        sa.select(Attempt.round_id, sa.func.count(Attempt.id))
        .join(Round, Round.id == Attempt.round_id)
        .where(Round.contest_id == contest.id, Attempt.status == AttemptStatus.SUBMITTED)
        .group_by(Attempt.round_id)
    ).all())
    return render_template(
        "admin/contests/detail.html", contest=contest, now=now, submitted=counts,
        field_modes=FIELD_MODE_LABELS, counted_rules=COUNTED_ATTEMPT_RULES,
        prediction_targets=PREDICTION_TARGETS, reveal_policies=REVEAL_POLICIES,
        practice_pool=practice_pool.pool_size(contest, now), action_form=ActionForm(),
        frozen={r.id for r in contest.rounds if rounds_service.is_frozen(r)},
    )


@bp.route("/contests/<int:contest_id>/practice-whole-bank", methods=["POST"])
def contest_practice_whole_bank(contest_id: int):
    """After the contest: practice may draw from the whole bank (and practice is opened)."""
    contest = db.get_or_404(Contest, contest_id)
    try:
        practice_pool.open_whole_bank(contest, current_user.id, now_utc())
    except practice_pool.PracticeRefused as refused:
        flash(str(refused), "error")
        return contest_detail(contest.id), 409
    db.session.commit()
    flash("Đã mở toàn bộ ngân hàng câu hỏi cho ôn tập.", "success")
    return redirect(url_for("admin.contest_detail", contest_id=contest.id))


def _contest_form(contest: Contest | None) -> ContestForm:
    categories = list(db.session.scalars(
        sa.select(ParticipantCategory).order_by(ParticipantCategory.position)))
    if request.method == "POST":
        form = ContestForm()
    elif contest is not None:
        form = ContestForm(obj=contest, data={"category_ids": [c.id for c in contest.categories]})
    else:
        form = ContestForm(data={"category_ids": [c.id for c in categories if c.active],
                                 "prize_tiers": list(DEFAULT_PRIZES)})
    form.category_ids.choices = choices((c.id, c.name) for c in categories)
    return form


def _contest_values(form: ContestForm) -> rounds_service.ContestValues:
    return rounds_service.ContestValues(
        title=form.title.data or "", slug=(form.slug.data or "").strip().lower(),
        rules=form.rules.data or "", status=form.status.data,
        organiser=(form.organiser.data or "").strip(),
        birth_year_mode=form.birth_year_mode.data, gender_mode=form.gender_mode.data,
        citizen_id_mode=form.citizen_id_mode.data, min_age=form.min_age.data,
        max_age=form.max_age.data, one_prize_per_contest=form.one_prize_per_contest.data,
        rank_by_category_group=form.rank_by_category_group.data,
        study_material=form.study_material.data or "",
        practice_enabled=form.practice_enabled.data,
        purpose=(form.purpose.data or "").strip(),
        contact_phone=(form.contact_phone.data or "").strip(),
        contact_address=(form.contact_address.data or "").strip(),
        participation_certificates=form.participation_certificates.data,
        prize_tiers=prize_tier_values(form.prize_tiers),
        category_ids=list(form.category_ids.data or []),
    )


def _rules_from_settings(contest: Contest | None, form: ContestForm) -> str:
    """The rules template filled from the form as it stands and the contest's rounds."""
    values = _contest_values(form)
    names = {choice.value: choice.label for choice in form.category_ids.choices or []}
    rounds = [
        rules_template.RoundFacts(
            r.name, r.opens_at, r.closes_at, r.question_count, r.time_limit_minutes,
            r.attempts_allowed, r.counted_attempt, r.has_prediction, r.prediction_target)
        for r in (contest.rounds if contest is not None else [])
    ]
    tiers = values.prize_tiers or next(
        (r.prize_tiers for r in (contest.rounds if contest else []) if r.prize_tiers), [])
    slug = values.slug if rounds_service.SLUG_RE.match(values.slug or "") else ""
    address = (current_app.config["PUBLIC_BASE_URL"].rstrip("/")
               + url_for("public.contest", slug=slug)) if slug else ""
    return rules_template.rules_text(
        title=values.title or "Cuộc thi", organiser=values.organiser, purpose=values.purpose,
        categories=[names.get(i, "") for i in values.category_ids if i in names],
        min_age=values.min_age, max_age=values.max_age, rounds=rounds, prize_tiers=tiers,
        one_prize_per_contest=values.one_prize_per_contest,
        rank_by_category_group=values.rank_by_category_group,
        contact_phone=values.contact_phone, contact_address=values.contact_address,
        address=address)


def _edit_contest(contest: Contest | None):
    form = _contest_form(contest)
    preview = None
    study_preview = None
    general: list[str] = []
    action = request.form.get("action")
    if request.method == "POST" and action == "rules_template":
        form.rules.data = _rules_from_settings(contest, form)
        preview = form.rules.data
        flash("Đã điền mẫu thể lệ từ các thiết lập của cuộc thi. Hãy đọc lại, sửa cho phù hợp "
              "rồi bấm “Lưu cuộc thi”.", "info")
    elif request.method == "POST" and action == "preview_study":
        study_preview = study_service.parse(form.study_material.data or "")
    elif form.validate_on_submit():
        if action == "preview":
            preview = form.rules.data or ""
        else:
            try:
                saved = rounds_service.save_contest(
                    contest, _contest_values(form), current_user.id)
            except rounds_service.ContestRefused as refused:
                general = show_refusal(form, refused, flash_rest=False)
            else:
                db.session.commit()
                flash(f"Đã lưu cuộc thi “{saved.title}”.", "success")
                return redirect(url_for("admin.contest_detail", contest_id=saved.id))
    elif request.method == "POST" and request.form.get("action") == "preview":
        preview = form.rules.data or ""
    previewing = preview is not None or study_preview is not None
    status = 422 if request.method == "POST" and not previewing else 200
    return render_template("admin/contests/form.html", form=form, contest=contest,
                           preview=preview, study_preview=study_preview,
                           general_errors=general), status


@bp.route("/contests/new", methods=["GET", "POST"])
def contest_new():
    return _edit_contest(None)


@bp.route("/contests/<int:contest_id>/edit", methods=["GET", "POST"])
def contest_edit(contest_id: int):
    return _edit_contest(db.get_or_404(Contest, contest_id))


# --- rounds ---------------------------------------------------------------------------


def _next_monday_local(now) -> object:
    local = now.astimezone(LOCAL_TZ)
    days = (7 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)


def _initial_round_data(contest: Contest, round_: Round | None, areas) -> dict:
    if round_ is not None:
        data = {name: getattr(round_, name) for name in rounds_service.ROUND_FIELDS}
        data["opens_at"] = to_local_input(round_.opens_at)
        data["closes_at"] = to_local_input(round_.closes_at)
        quota, tiers = round_.question_quota or {}, list(round_.prize_tiers or [])
    else:
        # A new round follows the last one for a week, with the same quota and prizes:
        # contests here run weekly rounds (00:00 Monday to 24:00 Sunday).
        last = contest.rounds[-1] if contest.rounds else None
        opens = last.closes_at if last else _next_monday_local(now_utc())
        data = {
            "name": f"Đợt {len(contest.rounds) + 1}",
            "opens_at": to_local_input(opens),
            "closes_at": to_local_input(opens + timedelta(days=7)),
        }
        if last is not None:
            for name in ("time_limit_minutes", "attempts_allowed", "counted_attempt",
                         "has_prediction", "prediction_target", "reveal_answers"):
                data[name] = getattr(last, name)
        quota = last.question_quota if last else {}
        # The contest's prize structure when it has one; otherwise the last round's.
        tiers = list(contest.prize_tiers or (last.prize_tiers if last else DEFAULT_PRIZES))
    for area in areas:
        data[f"quota_{area.id}"] = quota.get(area.code, 0)
    data["prize_tiers"] = (tiers + [{"name": "", "count": None}] * PRIZE_ROWS)[:PRIZE_ROWS]
    return data


def _locked_formdata(round_: Round, areas) -> MultiDict:
    """The posted form, with the saved value of every locked field the browser did not send.

    Locked inputs are disabled, and browsers do not send disabled inputs; a value
    that *is* sent for a locked field is kept, so the service can refuse the change.
    """
    formdata = MultiDict(request.form)
    saved = {
        "time_limit_minutes": str(round_.time_limit_minutes),
        "counted_attempt": round_.counted_attempt,
        "prediction_target": round_.prediction_target,
    }
    for name, value in saved.items():
        if name not in formdata:
            formdata[name] = value
    if "has_prediction" not in formdata and round_.has_prediction:
        formdata["has_prediction"] = "y"
    quota_names = [f"quota_{a.id}" for a in areas]
    if not any(name in formdata for name in quota_names):
        for area in areas:
            formdata[f"quota_{area.id}"] = str((round_.question_quota or {}).get(area.code, 0))
    return formdata


def _edit_round(contest: Contest, round_: Round | None):
    areas = _areas()
    form_class = round_form_class(areas)
    locked = rounds_service.round_has_attempts(round_.id if round_ else None)
    if request.method == "POST":
        formdata = _locked_formdata(round_, areas) if locked else request.form
        form = form_class(formdata=formdata)
    else:
        form = form_class(formdata=None, data=_initial_round_data(contest, round_, areas))
    general: list[str] = []
    if form.validate_on_submit():
        values = rounds_service.RoundValues(
            name=form.name.data,
            opens_at=local_to_utc(form.opens_at.data),
            closes_at=local_to_utc(form.closes_at.data),
            time_limit_minutes=form.time_limit_minutes.data,
            question_quota={a.code: form.quota_field(a).data or 0 for a in areas},
            attempts_allowed=form.attempts_allowed.data,
            counted_attempt=form.counted_attempt.data,
            has_prediction=form.has_prediction.data,
            prediction_target=form.prediction_target.data,
            reveal_answers=form.reveal_answers.data,
            prize_tiers=form.prize_tier_values(),
        )
        try:
            saved = rounds_service.save_round(contest, round_, values, current_user.id)
        except rounds_service.RoundRefused as refused:
            aliases = {f"quota_{a.code}": f"quota_{a.id}" for a in areas}
            general = show_refusal(form, refused, aliases=aliases, flash_rest=False)
        else:
            db.session.commit()
            flash(f"Đã lưu {saved.name}.", "success")
            return redirect(url_for("admin.contest_detail", contest_id=contest.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/contests/round_form.html", form=form, contest=contest, round=round_,
        areas=areas, available=rounds_service.active_question_counts(), locked=locked,
        locked_fields=rounds_service.LOCKED_FIELDS, general_errors=general,
        input_format=LOCAL_INPUT_FORMAT, frozen=rounds_service.is_frozen(round_),
    ), status


@bp.route("/contests/<int:contest_id>/rounds/new", methods=["GET", "POST"])
def round_new(contest_id: int):
    return _edit_round(db.get_or_404(Contest, contest_id), None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def round_edit(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    return _edit_round(round_.contest, round_)


@bp.route("/rounds/<int:round_id>/reopen", methods=["GET", "POST"])
def round_reopen(round_id: int):
    """Reopen a closed round whose results are published: its own action, with a reason."""
    round_ = db.get_or_404(Round, round_id)
    now = now_utc()
    if not rounds_service.can_reopen(round_, now):
        flash(rounds_service.REOPEN_REFUSED, "error")
        return redirect(url_for("admin.contest_detail", contest_id=round_.contest_id))
    form = ReopenRoundForm()
    if request.method == "GET":
        form.closes_at.data = to_local_input(now + timedelta(days=1)).replace(
            second=0, microsecond=0)
    status = 200
    if form.validate_on_submit():
        try:
            rounds_service.reopen_round(
                round_, closes_at=local_to_utc(form.closes_at.data),
                reason=form.reason.data or "", actor_id=current_user.id, now=now)
        except rounds_service.RoundRefused as refused:
            db.session.rollback()
            show_refusal(form, refused)
        else:
            db.session.commit()
            flash(f"Đã mở lại {round_.name}. Trang kết quả ghi rõ kết quả đã công bố chưa "
                  "cập nhật; hãy công bố lại sau khi đợt thi kết thúc.", "success")
            return redirect(url_for("admin.contest_detail", contest_id=round_.contest_id))
    if request.method == "POST":
        status = 422
    return render_template("admin/contests/reopen.html", form=form, round=round_,
                           contest=round_.contest), status


# --- live view ------------------------------------------------------------------------


def _live(round_: Round) -> dict:
    return rounds_service.live_summary(
        round_, now_utc(), grace_seconds=current_app.config["SUBMIT_GRACE_SECONDS"])


@bp.route("/rounds/<int:round_id>/live")
def round_live(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    return render_template("admin/contests/live.html", round=round_, contest=round_.contest,
                           live=_live(round_))


@bp.route("/rounds/<int:round_id>/live.json")
def round_live_json(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    response = jsonify({"ok": True, **_live(round_)})
    response.headers["Cache-Control"] = "no-store"
    return response
