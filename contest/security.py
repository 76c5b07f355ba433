"""Security headers on every response."""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

# No inline script, no other host: every script and style is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


class BoundedJSONProvider(DefaultJSONProvider):
    """A body nested thousands deep makes json.loads raise RecursionError, which Flask's
    get_json(silent=True) does not catch (a 500); turn it into the ValueError of bad JSON."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
