from __future__ import annotations

from flask import render_template

from contest.admin import NAV_LINKS, bp


@bp.app_context_processor
def _admin_nav() -> dict:
    return {"admin_nav_links": NAV_LINKS}


@bp.route("/")
def index():
    return render_template("admin/index.html")
