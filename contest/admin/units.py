"""Placeholder: owned by the helper building this area."""

from flask import render_template

from contest.admin import bp


@bp.route("/units/")
def units():
    return render_template("admin/placeholder.html", title="units")
