"""``/healthz`` for load balancers and monitoring: 200 when the database answers, 503 if not."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from contest.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure to reach the database means "take me out of rotation"
        current_app.logger.warning("Health check: the database does not answer", exc_info=True)
        return jsonify({"status": "unavailable", "database": "error"}), 503
    finally:
        # Do not hold a pooled connection between probes.
        db.session.remove()
    return jsonify({"status": "ok"})
