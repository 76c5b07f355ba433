"""Cuộc thi tìm hiểu về cải cách hành chính — the contest platform.

``create_app`` is the application factory; see README.md for the layout.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from contest.config import DefaultConfig

__all__ = ["create_app"]

DEV_SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then CONTEST_* env, then test_config."""
    # Tests pass their own instance folder so uploads and keys never touch the real one.
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(DefaultConfig)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("CONTEST")
        _keep_text_settings_as_text(app)
    else:
        app.config.from_mapping(test_config)

    _configure_database_url(app)
    _configure_secret_key(app)
    _configure_cookies_and_proxy(app)
    _configure_url_converters(app)

    from contest import cli, errors, extensions, observability, security, templating
    from contest.models import User

    # First, so its timer and request id wrap everything else (CSRF, limits, guards).
    observability.init_app(app)
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).parent.parent / "migrations"),
        render_as_batch=True,
    )
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.login_manager.login_view = "auth.login"
    extensions.login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    extensions.login_manager.login_message_category = "warning"

    @extensions.login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "<user id>.<session version>" (User.get_id): a session from before a logout,
        # a password change, a reset or a deactivation carries an old version and is over.
        user_id, _, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()) or len(session_id) > 40:
            return None
        user = extensions.db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version):
            return None
        return user

    _configure_limiter(app)
    with app.app_context():
        _configure_sqlite(extensions.db.engine)

    from contest.activities import bp as activities_bp
    from contest.admin import bp as admin_bp
    from contest.auth import bp as auth_bp
    from contest.health import bp as health_bp
    from contest.public import bp as public_bp
    from contest.reports import bp as reports_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(activities_bp, url_prefix="/activities")

    templating.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    return app


def _configure_database_url(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = os.environ.get("DATABASE_URL")
        if not url:
            url = "sqlite:///" + str(Path(app.instance_path) / "contest.sqlite3")
        elif url.startswith("postgres://"):  # the form many hosts hand out
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    # The same engine options however the URL was given (tests give it directly).
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # A connection killed under us (restart, failover) is replaced before use.
    options.setdefault("pool_pre_ping", True)
    if url.startswith("sqlite"):
        # Residents save answers concurrently; wait for the writer instead of failing.
        options.setdefault("connect_args", {"timeout": 30})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _keep_text_settings_as_text(app: Flask) -> None:
    """SECRET_KEY and every setting whose default is text stay text, whatever they look like.

    ``from_prefixed_env`` reads each value as JSON: a key of digits only would become a
    number (and signing cookies and forms with it fails on every request), a ward named
    "null" would become None.
    """
    text_settings = {"SECRET_KEY"} | {
        name for name, value in vars(DefaultConfig).items()
        if name.isupper() and isinstance(value, str)}
    for name in text_settings:
        raw = os.environ.get(f"CONTEST_{name}")
        if raw is not None:
            app.config[name] = raw


def _configure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        if app.config.get("ENV_NAME") == "production" and app.config["SECRET_KEY"] in (
            "dev", "change-me",
        ):
            raise RuntimeError("SECRET_KEY is a development value; set CONTEST_SECRET_KEY.")
        if app.config.get("ENV_NAME") == "production" and len(str(app.config["SECRET_KEY"])) < 32:
            raise RuntimeError(
                "SECRET_KEY is too short for production: use at least 32 random characters, "
                "e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'."
            )
        return
    if app.config.get("ENV_NAME") == "production":
        raise RuntimeError(
            "No SECRET_KEY in production: set CONTEST_SECRET_KEY to the same random value "
            "on every app server."
        )
    key_file = Path(app.instance_path) / DEV_SECRET_KEY_FILE
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _configure_cookies_and_proxy(app: Flask) -> None:
    """HTTPS cookies when configured; trust X-Forwarded-* only from as many proxies as set."""
    if app.config.get("SESSION_COOKIE_SECURE"):
        # Behind HTTPS every cookie we set is HTTPS-only, not just the session one.
        app.config["REMEMBER_COOKIE_SECURE"] = True
    hops = {
        name: int(app.config.get(f"PROXY_FIX_{name.upper()}") or 0)
        for name in ("x_for", "x_proto", "x_host", "x_port", "x_prefix")
    }
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def _configure_url_converters(app: Flask) -> None:
    """``<int:...>`` stops at the database's integer range and ``<name>`` takes no control
    characters: /rounds/99999999999999999999 or /q/%00 is a 404, not a driver error (500)."""
    from werkzeug.routing import IntegerConverter, UnicodeConverter

    from contest.models.base import MAX_DB_INT

    class DatabaseIntConverter(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", MAX_DB_INT)
            super().__init__(url_map, *args, **kwargs)

    class PrintableConverter(UnicodeConverter):
        def __init__(self, url_map, *args, **kwargs):
            super().__init__(url_map, *args, **kwargs)
            self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)

    app.url_map.converters["int"] = DatabaseIntConverter
    app.url_map.converters["default"] = PrintableConverter
    app.url_map.converters["string"] = PrintableConverter


def _configure_limiter(app: Flask) -> None:
    from contest import rate_limit_storage
    from contest.extensions import limiter

    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if redis_url:
        # Redis, and the database (shared by every worker) while Redis cannot be reached.
        app.config["RATELIMIT_STORAGE_URI"] = rate_limit_storage.SCHEME_PREFIX + redis_url
    limiter.init_app(app)


def _configure_sqlite(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Big sorts (the item analysis groups millions of answered items) may use two
        # helper threads: 7.2 s → 4.8 s at 6 million items (README, Benchmarks).
        cursor.execute("PRAGMA threads=2")
        cursor.close()
