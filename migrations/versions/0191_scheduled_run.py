"""scheduled_run: one sweep a minute however many servers schedule it

Revision ID: 0191
Revises: 0190
"""
import sqlalchemy as sa
from alembic import op

revision = "0191"
down_revision = "0190"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduled_run",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("last_started_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_run")),
    )


def downgrade():
    op.drop_table("scheduled_run")
