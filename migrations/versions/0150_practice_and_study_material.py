"""practice pool (question.practice), study material and practice settings per contest,
anonymous practice tallies

Revision ID: 0150
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0150"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question") as batch_op:
        batch_op.add_column(sa.Column("practice", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_question_practice"), ["practice"], unique=False)
    with op.batch_alter_table("contest") as batch_op:
        batch_op.add_column(sa.Column("study_material", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("practice_enabled", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("practice_whole_bank", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "practice_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("content_area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.CheckConstraint("correct >= 0 AND correct <= answered",
                           name=op.f("ck_practice_tally_correct_within")),
        sa.ForeignKeyConstraint(["contest_id"], ["contest.id"], ondelete="CASCADE",
                                name=op.f("fk_practice_tally_contest_id_contest")),
        sa.ForeignKeyConstraint(["content_area_id"], ["content_area.id"],
                                name=op.f("fk_practice_tally_content_area_id_content_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_tally")),
        sa.UniqueConstraint("contest_id", "content_area_id", "day",
                            name=op.f("uq_practice_tally_contest_id_content_area_id_day")),
    )


def downgrade():
    op.drop_table("practice_tally")
    with op.batch_alter_table("contest") as batch_op:
        batch_op.drop_column("practice_whole_bank")
        batch_op.drop_column("practice_enabled")
        batch_op.drop_column("study_material")
    with op.batch_alter_table("question") as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_practice"))
        batch_op.drop_column("practice")
