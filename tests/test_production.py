"""Running in production: configuration refusals, /healthz, request logs, proxies,
error pages, the SQLite backup command and the gunicorn settings."""

from __future__ import annotations

import json
import logging
import runpy
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from contest import create_app
from contest.extensions import db
from contest.models import User
from contest.observability import REQUEST_LOGGER_NAME
from tests import factories
from tests.helpers import make_test_config

REPO = Path(__file__).resolve().parent.parent
LONG_KEY = "k" * 64


def _env_app(tmp_path, monkeypatch, **env):
    """create_app() the way gunicorn builds it: from CONTEST_* environment variables."""
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "x.sqlite3"))
    for name in ("CONTEST_SECRET_KEY", "CONTEST_ENV_NAME", "CONTEST_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    return create_app()


# --- SECRET_KEY and configuration from the environment ---------------------------------


@pytest.mark.parametrize("key", [None, "dev", "change-me", "short-but-not-random"])
def test_production_refuses_missing_development_or_short_secret_key(tmp_path, monkeypatch, key):
    env = {"CONTEST_ENV_NAME": "production"}
    if key is not None:
        env["CONTEST_SECRET_KEY"] = key
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        _env_app(tmp_path, monkeypatch, **env)
    # No development key file was written behind the operator's back.
    assert not (tmp_path / "secret_key").exists()


def test_production_starts_with_a_real_secret_key_and_reads_the_environment(
    tmp_path, monkeypatch
):
    app = _env_app(
        tmp_path, monkeypatch,
        CONTEST_ENV_NAME="production", CONTEST_SECRET_KEY=LONG_KEY,
        CONTEST_REDIS_URL="redis://127.0.0.1:6379/15",
        CONTEST_SESSION_COOKIE_SECURE="true",
        CONTEST_PROXY_FIX_X_FOR="1",
    )
    assert app.config["SECRET_KEY"] == LONG_KEY
    # The CONTEST_ prefix is stripped: CONTEST_REDIS_URL is REDIS_URL, and the limiter uses it.
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/15"
    assert app.config["RATELIMIT_STORAGE_URI"] == "failover+redis://127.0.0.1:6379/15"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["PROXY_FIX_X_FOR"] == 1


def test_a_secret_key_of_digits_stays_text_and_forms_work(tmp_path, monkeypatch):
    digits = "1234567890" * 4
    app = _env_app(tmp_path, monkeypatch, CONTEST_ENV_NAME="production",
                   CONTEST_SECRET_KEY=digits, CONTEST_WARD_NAME="null",
                   CONTEST_LOGIN_SLOW_AFTER="7")
    assert app.config["SECRET_KEY"] == digits
    assert app.config["WARD_NAME"] == "null"
    assert app.config["LOGIN_SLOW_AFTER"] == 7  # numbers are still read as numbers
    with app.app_context():
        db.create_all()
    page = app.test_client().get("/login", base_url="https://localhost")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)


def test_limiter_storage_is_memory_without_redis(tmp_path, monkeypatch):
    app = _env_app(tmp_path, monkeypatch, CONTEST_SECRET_KEY=LONG_KEY)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


# --- /healthz ----------------------------------------------------------------------------


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path):
    # A SQLite file in a folder that does not exist cannot be opened.
    url = "sqlite:///" + str(tmp_path / "missing-folder" / "db.sqlite3")
    app = create_app(make_test_config(url, str(tmp_path)))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_healthz_is_not_rate_limited(app):
    limited = create_app(make_test_config(
        app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path,
        RATELIMIT_ENABLED=True, RATELIMIT_APPLICATION="2 per minute",
    ))
    client = limited.test_client()
    try:
        statuses = {client.get("/healthz").status_code for _ in range(6)}
        assert statuses == {200}
        # The application-wide limit is real: another page does hit it.
        assert 429 in {client.get("/").status_code for _ in range(4)}
    finally:
        # The limiter is one object for every app in the process: do not leak this limit.
        from contest.extensions import limiter

        limiter.limit_manager.set_application_limits([])


# --- structured request logs -------------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def request_lines():
    from contest.observability import JsonLineFormatter

    handler = _Lines()
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger(REQUEST_LOGGER_NAME)
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_one_json_line_per_request_without_personal_data(client, request_lines):
    response = client.post(
        "/login?next=/admin&phone=0912345678",
        data={"username": "nguyen.van.a", "password": "mat-khau-bi-mat"},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    assert response.status_code == 422  # an unknown user: the form comes back refused
    assert len(request_lines) == 1
    line = request_lines[0]
    entry = json.loads(line)
    assert entry["method"] == "POST"
    assert entry["path"] == "/login"
    assert entry["endpoint"] == "auth.login"
    assert entry["status"] == 422
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["request_id"] == response.headers["X-Request-ID"]
    for secret in ("0912345678", "nguyen.van.a", "mat-khau-bi-mat", "203.0.113.77", "next="):
        assert secret not in line


def test_request_id_is_taken_when_sane_and_replaced_when_not(client, request_lines):
    sane = "req-0123456789abcdef"
    assert client.get("/", headers={"X-Request-ID": sane}).headers["X-Request-ID"] == sane
    forged = 'x" status=200 <script>'
    replaced = client.get("/", headers={"X-Request-ID": forged}).headers["X-Request-ID"]
    assert replaced != forged and len(replaced) == 32 and replaced.isalnum()
    assert [json.loads(line)["request_id"] for line in request_lines] == [sane, replaced]


def test_error_responses_are_logged_with_their_status(client, request_lines):
    client.get("/khong-co-trang-nay?q=1")
    entry = json.loads(request_lines[-1])
    assert entry["status"] == 404 and entry["path"] == "/khong-co-trang-nay"
    assert entry["endpoint"] is None


# --- reverse proxy -----------------------------------------------------------------------


def _proxy_app(tmp_path, **overrides):
    app = create_app(make_test_config(
        "sqlite:///" + str(tmp_path / "p.sqlite3"), str(tmp_path), **overrides
    ))

    @app.route("/_test/whoami")
    def _whoami():
        from flask import request

        return {"addr": request.remote_addr, "scheme": request.scheme}

    return app


def test_proxy_headers_are_ignored_unless_configured(tmp_path):
    client = _proxy_app(tmp_path).test_client()
    data = client.get(
        "/_test/whoami", headers={"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"}
    ).get_json()
    assert data == {"addr": "127.0.0.1", "scheme": "http"}


def test_proxy_fix_trusts_the_configured_number_of_proxies(tmp_path):
    client = _proxy_app(tmp_path, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1).test_client()
    data = client.get(
        "/_test/whoami",
        headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.9", "X-Forwarded-Proto": "https"},
    ).get_json()
    # One proxy: only the address nginx itself appended is believed, not a client's forgery.
    assert data == {"addr": "198.51.100.9", "scheme": "https"}


# --- error pages -------------------------------------------------------------------------

ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    405: "Thao tác không được hỗ trợ",
    413: "Tệp quá lớn",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
}


@pytest.fixture
def error_app(app):
    from flask import abort

    app.config["PROPAGATE_EXCEPTIONS"] = False  # behave as in production, not as a test

    @app.route("/_test/abort/<int:code>", methods=["GET", "POST"])
    def _abort(code):
        abort(code)

    @app.route("/_test/boom")
    def _boom():
        raise RuntimeError("secret-internal-detail in /srv/contest/app.py line 42")

    @app.route("/_test/upload", methods=["POST"])
    def _upload():
        from flask import request

        return str(len(request.files))

    return app


@pytest.mark.parametrize("code", [400, 403, 404, 429])
def test_error_pages_are_vietnamese(error_app, code):
    response = error_app.test_client().get(f"/_test/abort/{code}")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert ERROR_TITLES[code] in page and '<html lang="vi">' in page


def test_404_405_413_from_real_requests_are_vietnamese(error_app):
    client = error_app.test_client()
    not_found = client.get("/khong-co")
    assert not_found.status_code == 404 and ERROR_TITLES[404] in not_found.get_data(as_text=True)
    wrong_method = client.delete("/login")
    assert wrong_method.status_code == 405
    assert ERROR_TITLES[405] in wrong_method.get_data(as_text=True)
    too_big = b"x" * (error_app.config["MAX_CONTENT_LENGTH"] + 1)
    big = client.post("/_test/upload", data=too_big, content_type="application/octet-stream")
    assert big.status_code == 413 and ERROR_TITLES[413] in big.get_data(as_text=True)
    # It says how large is allowed, so the organiser knows what to fix.
    assert "vượt quá 6 MB cho phép" in big.get_data(as_text=True)


def test_json_clients_get_json_errors(error_app):
    response = error_app.test_client().get(
        "/khong-co", headers={"Accept": "application/json"}
    )
    assert response.status_code == 404
    assert response.get_json() == {
        "ok": False, "error": "Đường dẫn không đúng hoặc trang đã bị gỡ bỏ.",
    }


def test_500_logs_the_trace_and_never_shows_it(error_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = error_app.test_client().get("/_test/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert ERROR_TITLES[500] in page
    assert "secret-internal-detail" not in page and "Traceback" not in page
    logged = "\n".join(r.getMessage() + str(r.exc_info) for r in caplog.records)
    assert "secret-internal-detail" in logged
    assert any(r.exc_info for r in caplog.records)


def test_500_after_a_failed_write_still_shows_the_vietnamese_page_when_signed_in(
        error_app, client, login_as):
    from contest.models import Unit

    @error_app.route("/_test/failed-write")
    def _failed_write():
        db.session.add(Unit(name="Đơn vị trùng tên"))
        db.session.add(Unit(name="Đơn vị trùng tên"))
        db.session.flush()  # the unique name is refused: the session now needs a rollback
        return "unreachable"

    login_as("organiser")
    response = client.get("/_test/failed-write")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    # The back-office page, rendered for the signed-in organiser, not Werkzeug's own.
    assert ERROR_TITLES[500] in page and '<html lang="vi">' in page


# --- backup ------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_backup_copies_a_live_sqlite_database_that_restores(app, runner, tmp_path):
    with app.app_context():
        factories.make_user(role="organiser", username="nguoi-duoc-sao-luu")
        # A second connection holds an open read transaction: the backup must still work.
        reader = db.engine.connect()
        reader.execute(sa.text("BEGIN"))
        reader.execute(sa.text("SELECT count(*) FROM user")).scalar()
    target = tmp_path / "backup" / "contest-backup.sqlite3"
    target.parent.mkdir()
    try:
        result = runner.invoke(args=["backup", str(target)])
    finally:
        reader.close()
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.output

    # Restore: open the copy as the app's database and find the data.
    restored = create_app(make_test_config("sqlite:///" + str(target), str(tmp_path)))
    with restored.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "nguoi-duoc-sao-luu"))
        assert user is not None and user.role == "organiser"
        db.engine.dispose()
    with sqlite3.connect(target) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.sqlite_only
def test_backup_never_overwrites(app, runner, tmp_path):
    target = tmp_path / "existing.sqlite3"
    target.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "đã có" in result.output
    assert target.read_bytes() == b"keep me"


@pytest.mark.postgres_only
def test_backup_refuses_postgresql_and_points_to_the_guide(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "x.sqlite3")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output and "docs/deploy.md" in result.output
    assert not (tmp_path / "x.sqlite3").exists()


# --- gunicorn ----------------------------------------------------------------------------


def test_gunicorn_settings(monkeypatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    assert 2 <= settings["workers"] <= 12
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    assert settings["preload_app"] is False
    assert settings["accesslog"] == "-"
    assert settings["timeout"] > 0 and settings["graceful_timeout"] > 0
    # No client address, no query string in the access log.
    assert "%(h)s" not in settings["access_log_format"]
    assert "%(r)s" not in settings["access_log_format"]
    assert "%(q)s" not in settings["access_log_format"]
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    assert runpy.run_path(str(REPO / "gunicorn.conf.py"))["workers"] == 3
