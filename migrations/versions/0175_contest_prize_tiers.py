"""contest.prize_tiers: the contest-wide prize structure copied into each new round

Revision ID: 0175
Revises: 0192
"""
from alembic import op
import sqlalchemy as sa

revision = "0175"
down_revision = "0192"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contest") as batch:
        batch.add_column(sa.Column("prize_tiers", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table("contest") as batch:
        batch.drop_column("prize_tiers")
