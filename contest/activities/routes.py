from __future__ import annotations

from flask import render_template

from contest.activities import bp


@bp.route("/")
def index():
    return render_template("activities/index.html")
