"""contest page: purpose, organisers' contact, participation certificates setting

Revision ID: 0161
Revises: 0191
"""
from alembic import op
import sqlalchemy as sa

revision = "0161"
down_revision = "0191"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contest") as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=300), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=30), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("contact_address", sa.String(length=300), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("participation_certificates", sa.Boolean(),
                                      nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("contest") as batch_op:
        batch_op.drop_column("participation_certificates")
        batch_op.drop_column("contact_address")
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("purpose")
