"""activity: the entry form's one-time id, so a double "Lưu" records one activity

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("activity", sa.Column("submission_id", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_activity_submission_id"), "activity", ["submission_id"],
                    unique=True)


def downgrade():
    op.drop_index(op.f("ix_activity_submission_id"), table_name="activity")
    with op.batch_alter_table("activity") as batch_op:
        batch_op.drop_column("submission_id")
