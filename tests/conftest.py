"""Shared fixtures: an app on a fresh database per test, on SQLite and on PostgreSQL.

Every test that takes ``app`` (or ``client``, ``db_session``...) runs once per
backend. PostgreSQL runs when ``TEST_DATABASE_URL`` is set; each pytest run
works in its own throwaway database created from that URL, so parallel runs do
not collide. Under CI (``CI=true``) a missing or unreachable PostgreSQL fails
the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from contest import create_app
from contest.extensions import db
from tests import factories, helpers
from tests.helpers import IN_CI, make_test_config

# The browser fixtures (live_server, browser, browser_without_js) for every module.
pytest_plugins = ["tests.browser"]

PG_URL_ENV = "TEST_DATABASE_URL"


def _pg_skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this pytest run, dropped at the end."""
    base_url = os.environ.get(PG_URL_ENV)
    if not base_url:
        _pg_skip_or_fail(f"set {PG_URL_ENV}=postgresql+psycopg://user@host:5432/db to run them")
    url = make_url(base_url)
    name = f"{url.database or 'test'}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        _pg_skip_or_fail(f"cannot reach {url.render_as_string(hide_password=True)}: {error}")
    test_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        yield test_url
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


_pg_schema_ready: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_config(request) -> dict:
    """Config overrides: redefine this fixture in a module, or parametrize it indirectly."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def app(backend, request, tmp_path, app_config):
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = "sqlite:///" + str(tmp_path / "test.sqlite3")
    application = create_app(make_test_config(url, str(tmp_path), **app_config))
    application.config["TEST_BACKEND"] = backend
    with application.app_context():
        if backend == "postgresql":
            if url not in _pg_schema_ready:
                db.drop_all()
                db.create_all()
                _pg_schema_ready.add(url)
        else:
            db.create_all()
        factories.seed()
    yield application
    with application.app_context():
        db.session.remove()
        if backend == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app, client):
    """``login_as("organiser")``: a new user of that role, signed in; returns the username.

    The one way tests sign in. It posts the real form (with its CSRF token when CSRF is
    on) for ``client``, or another test client given as ``client=``. ``through_form=False``
    puts the user in the session directly, for tests of the guards that would otherwise
    spend their time checking passwords (the permission matrix).
    """

    def _login(role: str = "admin", *, client=client, through_form: bool = True,
               **user_fields) -> str:
        with app.app_context():
            user = factories.make_user(role=role, **user_fields)
            username, session_id = user.username, user.get_id()
        if not through_form:
            with client.session_transaction() as session:
                session["_user_id"] = session_id
                session["_fresh"] = True
            return username
        response = helpers.sign_in(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return username

    return _login


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres_only`` run on the PostgreSQL backend alone; browser tests are
    slow too (``pytest -m "not slow"`` leaves them out)."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        backend_param = callspec.params.get("backend")
        if item.get_closest_marker("postgres_only") and backend_param == "sqlite":
            item.add_marker(pytest.mark.skip(reason="PostgreSQL-only behaviour"))
        if item.get_closest_marker("sqlite_only") and backend_param == "postgresql":
            item.add_marker(pytest.mark.skip(reason="SQLite-only behaviour"))
