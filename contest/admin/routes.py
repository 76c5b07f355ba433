"""The back-office home: who is signed in, the contests and their rounds, the bank at a glance."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from contest.admin import NAV_LINKS, bp
from contest.extensions import db
from contest.helpers.timeutil import now_utc
from contest.models import Attempt, AttemptStatus, Contest, Round
from contest.services.bank.listing import area_overview


@bp.app_context_processor
def _admin_nav() -> dict:
    """The menu shows only what the signed-in role may open (no link that ends in a 403)."""
    if not current_user.is_authenticated:
        return {"admin_nav_links": []}
    return {"admin_nav_links": [(endpoint, label) for endpoint, label, roles in NAV_LINKS
                                if current_user.role in roles]}


@bp.context_processor
def _admin_permissions() -> dict:
    """``can_change``: show buttons and forms that change data (the guard refuses the rest)."""
    return {
        "can_change": current_user.is_authenticated and current_user.may_change,
    }


@bp.route("/")
def index():
    now = now_utc()
    contests = list(db.session.scalars(
        sa.select(Contest).options(selectinload(Contest.rounds))
        .order_by(Contest.created_at.desc())
    ))
    submitted = dict(db.session.execute(
        sa.select(Attempt.round_id, sa.func.count(Attempt.id))
        .where(Attempt.status == AttemptStatus.SUBMITTED).group_by(Attempt.round_id)
    ).all())
    in_progress = dict(db.session.execute(
        sa.select(Attempt.round_id, sa.func.count(Attempt.id))
        .join(Round, Round.id == Attempt.round_id)
        .where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline > now,
               Round.closes_at > now)
        .group_by(Attempt.round_id)
    ).all())
    return render_template(
        "admin/index.html", now=now, contests=contests, areas=area_overview(now),
        submitted=submitted, in_progress=in_progress,
    )
