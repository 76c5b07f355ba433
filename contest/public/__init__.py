"""What residents see: QR entry, the contest page, registration, rounds and results."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from contest.public import practice, results, routes, sharing  # noqa: E402,F401
