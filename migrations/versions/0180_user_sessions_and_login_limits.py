"""user: session version (sessions can be revoked) and a forced password change;
rate_limit_counter: the limits' shared store when Redis cannot be reached

Revision ID: 0180
Revises: 0150
"""
from alembic import op
import sqlalchemy as sa

revision = "0180"
down_revision = "0150"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
    )
    op.create_index(op.f("ix_rate_limit_counter_expires_at"), "rate_limit_counter",
                    ["expires_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_rate_limit_counter_expires_at"), table_name="rate_limit_counter")
    op.drop_table("rate_limit_counter")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("session_version")
