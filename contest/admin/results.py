"""Placeholder: owned by the helper building this area."""

from flask import render_template

from contest.admin import bp


@bp.route("/results/")
def results():
    return render_template("admin/placeholder.html", title="results")
