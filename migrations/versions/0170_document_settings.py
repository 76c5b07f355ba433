"""document_setting: number, signer and title of the documents the office signs

Revision ID: 0170
Revises: 0180
"""
from alembic import op
import sqlalchemy as sa

from contest.models.base import UTCDateTime

revision = "0170"
down_revision = "0180"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_document_setting_updated_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_setting")),
        sa.UniqueConstraint("kind", name=op.f("uq_document_setting_kind")),
    )


def downgrade():
    op.drop_table("document_setting")
