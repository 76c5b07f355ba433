"""Published results for residents: the winners' list, a printable PDF, and one's own rank.

Only the current publication is shown; nothing here reads the live ranking,
so the public list changes only when organisers (re-)publish. Phones are
masked at publication time; citizen IDs and birth dates never reach these pages.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template

from contest.downloads import send_made_file
from contest.errors import abort_vi
from contest.extensions import db
from contest.helpers.timeutil import to_local
from contest.models import Contest, ResultPublication, Round
from contest.public import bp
from contest.services.documents import signers
from contest.services.results import documents, publication


def _published_contest(slug: str) -> Contest:
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug))
    if contest is None or not contest.is_published:
        abort_vi(404, "Không tìm thấy cuộc thi này.")
    return contest


def _round_of(contest: Contest, round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.contest_id != contest.id:
        abort_vi(404, "Không tìm thấy đợt thi này.")
    return round_


def _own_standing(contest: Contest, snapshot: dict) -> dict | None:
    """This browser's participant in the published ranking, if any."""
    from contest.public import identity  # the resident journey's cookie helper

    participant = identity.current_participant(contest.id)
    if participant is None:
        return None
    standing = {"participant": participant, "row": None, "prize": None}
    for row in snapshot.get("ranking", []):
        if row[1] == participant.id:
            standing["row"] = dict(zip(snapshot.get("columns", publication.RANKING_COLUMNS), row,
                                       strict=False))
            break
    for winner in snapshot.get("winners", []):
        if winner["participant_id"] == participant.id:
            standing["prize"] = winner["prize"]
    return standing


@bp.route("/c/<slug>/results")
def results_index(slug: str):
    contest = _published_contest(slug)
    current = {
        pub.round_id: pub for pub in db.session.scalars(
            sa.select(ResultPublication).where(ResultPublication.contest_id == contest.id,
                                               ResultPublication.is_current.is_(True)))
    }
    return render_template("public/results_index.html", contest=contest, current=current)


@bp.route("/c/<slug>/rounds/<int:round_id>/results")
def round_results(slug: str, round_id: int):
    contest = _published_contest(slug)
    round_ = _round_of(contest, round_id)
    pub = publication.current_publication(round_.id)
    standing = _own_standing(contest, pub.snapshot) if pub is not None else None
    return render_template("public/results.html", contest=contest, round=round_, pub=pub,
                           standing=standing,
                           total=len(pub.snapshot.get("ranking", [])) if pub else 0)


@bp.route("/c/<slug>/rounds/<int:round_id>/results.pdf")
def round_results_pdf(slug: str, round_id: int):
    contest = _published_contest(slug)
    round_ = _round_of(contest, round_id)
    pub = publication.current_publication(round_.id)
    if pub is None:
        abort_vi(404, "Kết quả đợt thi này chưa được công bố.")
    document = documents.public_list(
        pub.snapshot, office=documents.Office.from_config(current_app.config),
        published_on=to_local(pub.published_at).date(), signing=signers.current("committee"))
    data = documents.render_pdf(document)
    return send_made_file(data, f"ket-qua-{contest.slug}-dot-{round_.id}.pdf", inline=True)
