from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from contest.extensions import db
from contest.models import Contest
from contest.public import bp


@bp.route("/")
def index():
    contests = db.session.scalars(
        sa.select(Contest).where(Contest.status == "published").order_by(Contest.created_at.desc())
    ).all()
    return render_template("public/index.html", contests=contests)
