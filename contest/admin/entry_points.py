"""Placeholder: owned by the helper building this area."""

from flask import render_template

from contest.admin import bp


@bp.route("/entry_points/")
def entry_points():
    return render_template("admin/placeholder.html", title="entry_points")
