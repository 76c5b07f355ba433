"""Security headers on every response, and which responses no cache may keep."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user

from contest.auth.guards import SIGNED_IN_BLUEPRINTS

# No inline script, no other host: every script and style is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


#: Residents' pages and files with personal data (their attempt, result and history,
#: registration, their certificate, and the published results that name the winners): never
#: stored by the browser or a shared cache (ASVS 8.2.1). Every page behind sign-in is added
#: by blueprint.
PERSONAL_PUBLIC_ENDPOINTS = frozenset({
    "public.register", "public.confirm", "public.start",
    "public.attempt", "public.clock", "public.save_answer", "public.save_form",
    "public.submit", "public.result", "public.my_attempts",
    "public.round_results", "public.round_results_pdf", "public.certificate",
})
NO_STORE_BLUEPRINTS = SIGNED_IN_BLUEPRINTS | {"auth"}


def never_stored() -> bool:
    """Whether the response to this request may hold personal data or a signed-in page."""
    if request.endpoint in PERSONAL_PUBLIC_ENDPOINTS:
        return True
    if (request.blueprint or "").split(".")[0] in NO_STORE_BLUEPRINTS:
        return True
    # Anything else a signed-in user gets (an error page naming them...), static files aside.
    return request.endpoint != "static" and current_user.is_authenticated


def strict_transport_security() -> str | None:
    """HSTS in production for a request that came over HTTPS (behind nginx that needs
    PROXY_FIX_X_PROTO); ``HSTS_MAX_AGE`` 0 turns it off."""
    config = current_app.config
    max_age = int(config.get("HSTS_MAX_AGE") or 0)
    if config.get("ENV_NAME") != "production" or not request.is_secure or max_age <= 0:
        return None
    value = f"max-age={max_age}"
    if config.get("HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    return value


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
        if never_stored() and "no-store" not in response.headers.get("Cache-Control", ""):
            # Replaces send_file's "no-cache" (which a browser still stores on disk).
            response.headers["Cache-Control"] = "no-store"
        hsts = strict_transport_security()
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response
