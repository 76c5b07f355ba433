"""column_mapping (a sheet's column mapping chosen by an organiser, kept per header row);
unit.households (số hộ, from the ward's own list of tổ dân phố)

Revision ID: 0140
Revises: 0161
"""
from alembic import op
import sqlalchemy as sa

import contest.models.base

revision = "0140"
down_revision = "0161"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "column_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature_hash", sa.String(length=64), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("updated_at", contest.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_mapping")),
        sa.UniqueConstraint("signature_hash", name=op.f("uq_column_mapping_signature_hash")),
    )

    op.add_column("unit", sa.Column("households", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("unit") as batch_op:
        batch_op.drop_column("households")
    op.drop_table("column_mapping")
