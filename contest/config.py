"""Default configuration.

Layers, later ones win: these defaults, ``instance/config.py``, environment
variables prefixed ``CONTEST_`` (Flask's ``from_prefixed_env``), then the
``test_config`` mapping given to :func:`contest.create_app`.
"""

from datetime import timedelta


class DefaultConfig:
    #: Set to "production" to refuse a missing or development SECRET_KEY.
    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = None  # filled in from DATABASE_URL or instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: Address printed on QR codes and posters, without a trailing slash.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    #: Ward shown on posters and reports.
    ORGANISATION_NAME = "UBND phường Phù Vân"
    ORGANISATION_FULL_NAME = "ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN"
    WARD_NAME = "Phù Vân"
    DISPLAY_TIMEZONE = "Asia/Ho_Chi_Minh"
    REDIS_URL = None

    #: Seconds after the deadline within which a submit still counts (network slack).
    SUBMIT_GRACE_SECONDS = 10
    #: Uploads (question banks, unit lists, activity evidence).
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    MAX_IMPORT_BYTES = 5 * 1024 * 1024
    MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

    PARTICIPANT_COOKIE_NAME = "cchc_participant"
    PARTICIPANT_COOKIE_MAX_AGE = int(timedelta(days=400).total_seconds())

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: True when the site is served over HTTPS (CONTEST_SESSION_COOKIE_SECURE=true): every
    #: cookie then carries Secure. Leave False only for plain-HTTP trials on a LAN.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # a resident may keep a form open for a whole round

    #: Flask-Limiter limits; strings as its docs describe.
    RATELIMIT_ENABLED = True
    # Limit headers cost extra storage round trips on every answer save; nobody reads them.
    RATELIMIT_HEADERS_ENABLED = False
    #: Failed sign-ins per address and per (username, address), then 429.
    LOGIN_LIMIT = "10 per 15 minutes"
    #: Failed sign-ins on one username from all addresses together only slow it down:
    #: from the LOGIN_SLOW_AFTER-th failure within the window, each attempt waits
    #: LOGIN_SLOW_SECONDS, doubling per further failure, at most LOGIN_SLOW_MAX_SECONDS.
    LOGIN_SLOW_AFTER = 5
    LOGIN_SLOW_SECONDS = 0.25
    LOGIN_SLOW_MAX_SECONDS = 3.0
    LOGIN_SLOW_WINDOW_SECONDS = 15 * 60
    REGISTER_LIMIT = "300 per hour"
    ANSWER_SAVE_LIMIT = "120 per minute"
    #: Practice answers and new sets, per address (a hall practising together shares one).
    PRACTICE_LIMIT = "600 per minute"

    #: A Redis outage must not stop residents saving answers: the limits are then counted
    #: in the database (contest/rate_limit_storage.py), and the error is logged once a
    #: minute. Only if the database fails too do they fall back to per-process memory.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    #: Strict-Transport-Security max-age (seconds), sent in production on requests that came
    #: over HTTPS; 0 sends none. Start lower (e.g. 300) the first time HTTPS is turned on.
    HSTS_MAX_AGE = 31536000
    HSTS_INCLUDE_SUBDOMAINS = False

    #: werkzeug ProxyFix: how many proxies in front set each X-Forwarded-* header.
    #: 0 = do not trust the header. Behind one nginx: X_FOR=1, X_PROTO=1 (see docs/deploy.md).
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0

    ADMIN_PAGE_SIZE = 50
