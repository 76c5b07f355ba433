"""User management: admins only (a nested blueprint with its own guard)."""

from flask import Blueprint, render_template

from contest.auth.guards import guard_blueprint

bp = Blueprint("users", __name__)
guard_blueprint(bp, "admin")


@bp.route("/")
def index():
    return render_template("admin/placeholder.html", title="users")
