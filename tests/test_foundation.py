"""The app factory, configuration layers, seed data and the migration."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contest import create_app
from contest.extensions import db
from contest.models import ActivityForm, ContentArea, ParticipantCategory, Unit
from contest.services.setup.seed import seed_reference_data


def test_test_config_overrides_defaults(app):
    assert app.testing
    assert app.config["PUBLIC_BASE_URL"] == "https://thi.phuvan.example"
    assert app.config["SUBMIT_GRACE_SECONDS"] == 10  # a default survives


def test_instance_config_then_env_layering(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        'PUBLIC_BASE_URL = "https://from-instance.example"\nSUBMIT_GRACE_SECONDS = 3\n'
    )
    monkeypatch.setenv("CONTEST_SUBMIT_GRACE_SECONDS", "7")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "x.sqlite3"))
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    app = create_app()
    assert app.config["PUBLIC_BASE_URL"] == "https://from-instance.example"
    assert app.config["SUBMIT_GRACE_SECONDS"] == 7  # environment wins over instance/
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite3")


def test_secret_key_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "x.sqlite3"))
    monkeypatch.delenv("CONTEST_SECRET_KEY", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert len(first) >= 32 and first == second
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_production_refuses_missing_secret_key(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "x.sqlite3"))
    monkeypatch.setenv("CONTEST_ENV_NAME", "production")
    monkeypatch.delenv("CONTEST_SECRET_KEY", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_postgres_url_forms_are_normalised(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/contest")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/contest"


def test_sqlite_runs_with_foreign_keys_and_wal(app_ctx):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_seed_loads_plan_reference_data_once(app_ctx):
    codes = db.session.scalars(sa.select(ContentArea.code).order_by(ContentArea.position)).all()
    assert codes == ["a", "b", "c", "d", "đ", "e", "f", "g", "h", "i", "k"]
    assert db.session.scalar(sa.select(sa.func.count(ActivityForm.id))) == 7
    assert db.session.scalar(sa.select(sa.func.count(ParticipantCategory.id))) == 4
    assert "Phòng Văn hóa – Xã hội" in db.session.scalars(sa.select(Unit.name)).all()
    again = seed_reference_data()  # the fixture already seeded once
    assert again == {"content_areas": 0, "activity_forms": 0, "units": 0, "categories": 0}


def test_migrations_from_empty_match_the_models(app):
    """`db upgrade` on an empty database gives exactly the schema the models describe."""
    from flask_migrate import upgrade

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        # leave the schema as the fixture expects it
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        seed_reference_data()
