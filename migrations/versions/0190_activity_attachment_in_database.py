"""activity evidence files move from instance/uploads into the database

Every server behind a load balancer must serve the same files, and a database
backup must hold them. The files already on this server's disk are copied into
the new table; the originals are left where they are until an operator removes
them (docs/deploy.md §6). A stored name whose file is gone loses its attachment
(it could not be downloaded before either).

Revision ID: 0190
Revises: 0170
"""
import re
import secrets
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0190"
down_revision = "0170"
branch_labels = None
depends_on = None

_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf)$")


def _upload_dir() -> Path:
    configured = current_app.config.get("ACTIVITY_UPLOAD_DIR")
    return Path(configured or Path(current_app.instance_path) / "uploads").resolve()


def upgrade():
    conn = op.get_bind()
    stored = conn.execute(sa.text(
        "SELECT id, attachment_path FROM activity WHERE attachment_path IS NOT NULL")).all()
    # Drop the column before the new table exists: SQLite's batch mode rebuilds the
    # activity table, and dropping the old copy would cascade to the attachments.
    with op.batch_alter_table("activity") as batch_op:
        batch_op.drop_column("attachment_path")
    op.create_table(
        "activity_attachment",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"], ondelete="CASCADE",
                                name=op.f("fk_activity_attachment_activity_id_activity")),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_activity_attachment")),
    )
    directory = _upload_dir()
    for activity_id, name in stored:
        path = directory / name if _STORED_NAME.match(name or "") else None
        if path is not None and path.is_file():
            data = path.read_bytes()
            conn.execute(sa.text(
                "INSERT INTO activity_attachment (activity_id, data, size) "
                "VALUES (:id, :data, :size)"), {"id": activity_id, "data": data, "size": len(data)})
        else:
            conn.execute(sa.text(
                "UPDATE activity SET attachment_name = NULL, attachment_type = NULL "
                "WHERE id = :id"), {"id": activity_id})


def downgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT a.id, a.attachment_type, f.data FROM activity a "
        "JOIN activity_attachment f ON f.activity_id = a.id")).all()
    op.drop_table("activity_attachment")
    with op.batch_alter_table("activity") as batch_op:
        batch_op.add_column(sa.Column("attachment_path", sa.String(length=200), nullable=True))
    directory = _upload_dir()
    extensions = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
                  "application/pdf": ".pdf"}
    if rows:
        directory.mkdir(parents=True, exist_ok=True)
    for activity_id, content_type, data in rows:
        name = secrets.token_hex(16) + extensions.get(content_type, ".pdf")
        (directory / name).write_bytes(data)
        conn.execute(sa.text("UPDATE activity SET attachment_path = :name WHERE id = :id"),
                     {"name": name, "id": activity_id})
