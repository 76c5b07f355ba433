from __future__ import annotations

from flask import render_template

from contest.reports import bp


@bp.route("/")
def index():
    return render_template("reports/index.html")
