"""prepared_draw: each resident's next draw made ahead, so "Bắt đầu" only stamps the time

Revision ID: 0192
Revises: 0160
"""
import sqlalchemy as sa
from alembic import op

revision = "0192"
down_revision = "0160"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "prepared_draw",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("quota", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE",
                                name=op.f("fk_prepared_draw_participant_id_participant")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], ondelete="CASCADE",
                                name=op.f("fk_prepared_draw_round_id_round")),
        sa.PrimaryKeyConstraint("participant_id", "round_id", name=op.f("pk_prepared_draw")),
    )
    op.create_index(op.f("ix_prepared_draw_round_id"), "prepared_draw", ["round_id"])


def downgrade():
    op.drop_index(op.f("ix_prepared_draw_round_id"), table_name="prepared_draw")
    op.drop_table("prepared_draw")
