"""Placeholder: owned by the helper building this area."""

from flask import render_template

from contest.admin import bp


@bp.route("/questions/")
def questions():
    return render_template("admin/placeholder.html", title="questions")
