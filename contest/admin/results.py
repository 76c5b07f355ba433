"""Results for organisers: rankings, the actual figure, winners, duplicates, publishing, files.

Viewers read every page and download every file; only organisers and admins
change anything (the blueprint guard refuses their POSTs).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Optional

from contest.admin import bp
from contest.admin.forms import BackOfficeForm
from contest.downloads import send_made_file
from contest.errors import abort_vi
from contest.extensions import db
from contest.forms import ActionForm, max_length, signing_from_query
from contest.helpers import audit
from contest.helpers.timeutil import now_utc, to_local
from contest.models import Contest, Participant, ResultPublication, Round
from contest.models.base import MAX_DB_INT, REASON_MAX_LENGTH
from contest.services.documents import signers
from contest.services.results import certificates, documents, prizes, publication, ranking
from contest.services.results import duplicates as integrity

RANKING_PAGE_SIZE = 100


class ReasonForm(BackOfficeForm):
    reason = TextAreaField(
        "Lý do",
        validators=[DataRequired("Vui lòng ghi lý do."),
                    max_length(REASON_MAX_LENGTH, "Lý do")],
    )


class PublishForm(BackOfficeForm):
    reason = TextAreaField(
        "Lý do công bố lại (bắt buộc nếu đã công bố trước đó)",
        validators=[Optional(), max_length(REASON_MAX_LENGTH, "Lý do")],
    )


def _round_or_404(round_id: int) -> Round:
    return db.get_or_404(Round, round_id, description="Không tìm thấy đợt thi.")


@bp.route("/results/")
def results():
    contests = db.session.scalars(sa.select(Contest).order_by(Contest.created_at.desc())).all()
    current = {
        pub.round_id: pub for pub in db.session.scalars(
            sa.select(ResultPublication).where(ResultPublication.is_current.is_(True)))
    }
    return render_template("admin/results/index.html", contests=contests, current=current,
                           now=now_utc())


@bp.route("/results/rounds/<int:round_id>")
def results_round(round_id: int):
    round_ = _round_or_404(round_id)
    results = prizes.round_results(round_)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, -(-len(results.ranked) // RANKING_PAGE_SIZE))
    page = min(page, pages)
    shown = results.ranked[(page - 1) * RANKING_PAGE_SIZE: page * RANKING_PAGE_SIZE]
    people = prizes.participants_by_id(
        [r.row.participant_id for r in shown] + [w.participant_id for w in results.winners])
    prize_of = {w.participant_id: w for w in results.winners}
    current = publication.current_publication(round_.id)
    return render_template(
        "admin/results/round.html", round=round_, contest=round_.contest, results=results,
        shown=shown, page=page, pages=pages, people=people, prize_of=prize_of,
        rank_of=results.rank_of, current=current,
        history=publication.publication_history(round_.id),
        stale=current is not None and publication.differs_from_publication(results, current),
        rule=publication.rule_text(round_), actual_line=publication.actual_line(
            round_, results.actual),
        duplicates=len(integrity.find_duplicates(round_.contest_id)),
        form=PublishForm(), fix_form=ActionForm(), now=now_utc(),
        committee_signing=signers.current("committee").form_values(),
        decision_signing=signers.current("decision").form_values(),
    )


@bp.route("/results/rounds/<int:round_id>/fix-actual", methods=["POST"])
def results_fix_actual(round_id: int):
    """Fix a closed round's prediction figure now (the sweep also does it every minute)."""
    round_ = _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.results_round", round_id=round_.id))
    now = now_utc()
    try:
        ranking.grade_overdue(now, current_app.config["SUBMIT_GRACE_SECONDS"])
        actual = ranking.fix_prediction_actual(round_, now, current_user.id)
        db.session.commit()
    except ranking.RankingError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        flash(f"Đã chốt số thực tế của {round_.name}: {actual}.", "success")
    return redirect(url_for("admin.results_round", round_id=round_.id))


@bp.route("/results/rounds/<int:round_id>/publish", methods=["POST"])
def results_publish(round_id: int):
    round_ = _round_or_404(round_id)
    form = PublishForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("admin.results_round", round_id=round_.id))
    now = now_utc()
    if request.form.get("confirm") != "yes":
        # The confirmation step (no JavaScript needed): what residents will see, then publish.
        try:
            publication.check_can_publish(round_, now=now, reason=form.reason.data or "")
        except publication.PublicationError as error:
            flash(str(error), "error")
            return redirect(url_for("admin.results_round", round_id=round_.id))
        preview = publication.build_snapshot(prizes.round_results(round_))
        return render_template(
            "admin/results/confirm_publish.html", round=round_, contest=round_.contest,
            form=form, preview=preview, current=publication.current_publication(round_.id),
            public_url=url_for("public.round_results", slug=round_.contest.slug,
                               round_id=round_.id, _external=True))
    try:
        ranking.grade_overdue(now, current_app.config["SUBMIT_GRACE_SECONDS"])
        pub = publication.publish_round(round_, actor_id=current_user.id, now=now,
                                        reason=form.reason.data or "")
        db.session.commit()
    except (publication.PublicationError, ranking.RankingError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.results_round", round_id=round_.id))
    flash(f"Đã công bố kết quả {round_.name} (lần {pub.version}).", "success")
    return redirect(url_for("admin.results_round", round_id=round_.id))


def _publication_or_404(round_: Round, publication_id: int) -> ResultPublication:
    pub = db.session.get(ResultPublication, publication_id)
    if pub is None or pub.round_id != round_.id:
        abort_vi(404, "Không tìm thấy bản công bố này.")
    return pub


@bp.route("/results/rounds/<int:round_id>/publications/<int:publication_id>")
def results_publication(round_id: int, publication_id: int):
    round_ = _round_or_404(round_id)
    pub = _publication_or_404(round_, publication_id)
    rows = pub.snapshot.get("ranking", [])[:RANKING_PAGE_SIZE]
    people = prizes.participants_by_id(r[1] for r in rows)
    return render_template("admin/results/publication.html", round=round_, pub=pub, rows=rows,
                           people=people, total=len(pub.snapshot.get("ranking", [])))


def _current_or_refuse(round_: Round) -> ResultPublication:
    pub = publication.current_publication(round_.id)
    if pub is None:
        abort_vi(409, "Kết quả đợt này chưa được công bố; hãy công bố trước khi in.")
    return pub


@bp.route("/results/rounds/<int:round_id>/winners.xlsx")
def results_winners_xlsx(round_id: int):
    """The published winners; before publication, the provisional ones, marked as such.

    Full phone numbers and citizen IDs: organisers and admins only, and every download is
    audited, as for the statistics' personal-data export.
    """
    if not current_user.may_change:
        abort_vi(403, "Chỉ Quản trị hệ thống và Ban tổ chức được tải danh sách đạt giải "
                      "(có dữ liệu cá nhân).")
    round_ = _round_or_404(round_id)
    pub = publication.current_publication(round_.id)
    if pub is not None:
        snapshot, provisional = pub.snapshot, False
    else:
        snapshot = publication.build_snapshot(prizes.round_results(round_))
        provisional = True
    data = publication.winners_xlsx(round_, snapshot, provisional=provisional)
    audit.record(current_user.id, "report.export_personal", object_type="round",
                 object_id=round_.id,
                 summary=f"Tải danh sách đạt giải (dữ liệu cá nhân) — {round_.name}",
                 after={"round_id": round_.id, "provisional": provisional})
    db.session.commit()
    return send_made_file(data, f"danh-sach-dat-giai-dot-{round_.id}.xlsx")


@bp.route("/results/rounds/<int:round_id>/certificates.pdf")
def results_certificates(round_id: int):
    round_ = _round_or_404(round_id)
    pub = _current_or_refuse(round_)
    config = current_app.config
    signing = signing_from_query(signers.current("committee"))
    data = certificates.certificates_pdf(
        pub.snapshot, organisation=config["ORGANISATION_NAME"],
        organisation_full=config["ORGANISATION_FULL_NAME"], ward=config["WARD_NAME"],
        published_at=pub.published_at, signature=signing.signature)
    return send_made_file(data, f"giay-chung-nhan-dot-{round_.id}.pdf", inline=True)


def _send_document(document: documents.Document, round_: Round, extension: str):
    name = f"{document.file_stem}-{round_.id}.{extension}"
    if extension == "pdf":
        return send_made_file(documents.render_pdf(document), name, inline=True)
    return send_made_file(documents.render_docx(document), name)


@bp.route("/results/rounds/<int:round_id>/results.<any(pdf, docx):extension>")
def results_public_list(round_id: int, extension: str):
    """The public list (masked phones), signed for the organising committee."""
    round_ = _round_or_404(round_id)
    pub = _current_or_refuse(round_)
    document = documents.public_list(
        pub.snapshot, office=documents.Office.from_config(current_app.config),
        published_on=to_local(pub.published_at).date(),
        signing=signing_from_query(signers.current("committee")))
    return _send_document(document, round_, extension)


@bp.route("/results/rounds/<int:round_id>/handover.<any(pdf, docx):extension>")
def results_handover(round_id: int, extension: str):
    """The list the winners sign when they receive their prize: full phone numbers, so
    organisers and admins only, and every download is audited."""
    if not current_user.may_change:
        abort_vi(403, "Chỉ Quản trị hệ thống và Ban tổ chức được tải danh sách nhận giải "
                      "(có dữ liệu cá nhân).")
    round_ = _round_or_404(round_id)
    pub = _current_or_refuse(round_)
    now = now_utc()
    document = documents.handover_list(
        pub.snapshot, office=documents.Office.from_config(current_app.config),
        day=to_local(now).date(), signing=signing_from_query(signers.current("committee")))
    audit.record(current_user.id, "report.export_personal", object_type="round",
                 object_id=round_.id,
                 summary=f"Tải danh sách nhận giải (dữ liệu cá nhân) — {round_.name}",
                 after={"round_id": round_.id, "format": extension})
    db.session.commit()
    return _send_document(document, round_, extension)


@bp.route("/results/rounds/<int:round_id>/decision.<any(pdf, docx):extension>")
def results_decision(round_id: int, extension: str):
    """The decision recognising the published winners, with their list as its annex."""
    round_ = _round_or_404(round_id)
    pub = _current_or_refuse(round_)
    today = to_local(now_utc()).date()
    document = documents.decision(
        pub.snapshot, office=documents.Office.from_config(current_app.config), day=today,
        year=to_local(round_.opens_at).year,
        signing=signing_from_query(signers.current("decision")))
    return _send_document(document, round_, extension)


# --- integrity -------------------------------------------------------------------------

@bp.route("/results/contests/<int:contest_id>/duplicates")
def results_duplicates(contest_id: int):
    contest = db.get_or_404(Contest, contest_id, description="Không tìm thấy cuộc thi.")
    show_all = request.args.get("all") == "1"
    groups = integrity.find_duplicates(contest.id, include_resolved=show_all)
    people = prizes.participants_by_id(pid for g in groups for pid in g.participant_ids)
    disqualified = db.session.scalars(
        sa.select(Participant).where(Participant.contest_id == contest.id,
                                     Participant.disqualified_at.is_not(None))
        .order_by(Participant.disqualified_at.desc())
    ).all()
    return render_template(
        "admin/results/duplicates.html", contest=contest, groups=groups, people=people,
        show_all=show_all, disqualified=disqualified, reason_form=ReasonForm(),
        clear_form=ActionForm(),
    )


def _participant_or_404(participant_id: int) -> Participant:
    return db.get_or_404(Participant, participant_id, description="Không tìm thấy thí sinh.")


def _decide(participant_id: int, action: str):
    participant = _participant_or_404(participant_id)
    back = url_for("admin.results_duplicates", contest_id=participant.contest_id)
    form = ReasonForm() if action != "clear" else ActionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(back)
    try:
        if action == "disqualify":
            integrity.disqualify(participant, form.reason.data, actor_id=current_user.id,
                                 now=now_utc())
            message = f"Đã loại thí sinh {participant.full_name}."
        elif action == "reinstate":
            integrity.reinstate(participant, form.reason.data, actor_id=current_user.id)
            message = f"Đã khôi phục thí sinh {participant.full_name}."
        else:
            integrity.clear_duplicate(participant, actor_id=current_user.id)
            message = f"Đã xác nhận {participant.full_name} không trùng."
        db.session.commit()
    except integrity.DecisionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    flash(message + " Bảng xếp hạng đã cập nhật; kết quả đã công bố chỉ đổi khi công bố lại.",
          "success")
    return redirect(back)


@bp.route("/results/participants/<int:participant_id>/disqualify", methods=["POST"])
def results_disqualify(participant_id: int):
    return _decide(participant_id, "disqualify")


@bp.route("/results/participants/<int:participant_id>/reinstate", methods=["POST"])
def results_reinstate(participant_id: int):
    return _decide(participant_id, "reinstate")


@bp.route("/results/participants/<int:participant_id>/clear", methods=["POST"])
def results_clear(participant_id: int):
    return _decide(participant_id, "clear")


# --- contest-wide ----------------------------------------------------------------------

@bp.route("/results/contests/<int:contest_id>/collective")
def results_collective(contest_id: int):
    contest = db.get_or_404(Contest, contest_id, description="Không tìm thấy cuộc thi.")
    round_id = request.args.get("round", type=int)
    round_ = None
    if round_id is not None:
        round_ = db.session.get(Round, round_id) if 1 <= round_id <= MAX_DB_INT else None
        if round_ is None or round_.contest_id != contest.id:
            abort_vi(404, "Không tìm thấy đợt thi này trong cuộc thi.")
    units = prizes.unit_participation(contest.id, round_.id if round_ else None)
    return render_template(
        "admin/results/collective.html", contest=contest, round=round_,
        by_count=prizes.ranked_units_by_count(units), by_rate=prizes.ranked_units_by_rate(units),
    )


@bp.route("/results/contests/<int:contest_id>/overall")
def results_overall(contest_id: int):
    contest = db.get_or_404(Contest, contest_id, description="Không tìm thấy cuộc thi.")
    ranked = prizes.rank_overall(prizes.overall_rows(contest))
    shown = ranked[:200]
    people = prizes.participants_by_id(r.participant_id for _, r in shown)
    return render_template("admin/results/overall.html", contest=contest, shown=shown,
                           total=len(ranked), people=people,
                           rule=prizes.OVERALL_RULE_TEXT)
