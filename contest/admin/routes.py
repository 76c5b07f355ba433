from __future__ import annotations

from flask import render_template

from contest.admin import bp


@bp.route("/")
def index():
    return render_template("admin/index.html")
