"""Placeholder: owned by the helper building this area."""

from flask import render_template

from contest.admin import bp


@bp.route("/contests/")
def contests():
    return render_template("admin/placeholder.html", title="contests")
