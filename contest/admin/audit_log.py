"""Placeholder: owned by the helper building this area."""

from flask import render_template

from contest.admin import bp


@bp.route("/audit_log/")
def audit_log():
    return render_template("admin/placeholder.html", title="audit_log")
