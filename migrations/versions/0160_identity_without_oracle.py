"""participant: phone and CCCD no longer unique (a second registration with someone
else's details is its own participant, so registering reveals nothing); a personal code
(mã dự thi) unique per contest; an identity key (name + birth year) unique per phone;
identity_try and phone_hold: wrong tries counted per phone, and held phones

Revision ID: 0160
Revises: 0140
"""
import secrets

import sqlalchemy as sa
from alembic import op

from contest.helpers.text import search_key

revision = "0160"
down_revision = "0140"
branch_labels = None
depends_on = None

# Frozen copies of the model's rules (contest.models.people), as of this revision.
_ALPHABET = "23456789ACDEHKMNPRTUVXY"


def _identity_key(full_name, birth_year):
    if birth_year is None or not search_key(full_name):
        return None
    return f"{search_key(full_name)[:180]}|{birth_year}"


def upgrade():
    with op.batch_alter_table("participant") as batch_op:
        batch_op.drop_constraint("uq_participant_contest_id_phone", type_="unique")
        batch_op.drop_constraint("uq_participant_contest_id_citizen_id", type_="unique")
        batch_op.add_column(sa.Column("personal_code", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("identity_key", sa.String(length=200), nullable=True))

    conn = op.get_bind()
    participant = sa.table("participant", sa.column("id"), sa.column("contest_id"),
                           sa.column("full_name"), sa.column("birth_year"),
                           sa.column("personal_code"), sa.column("identity_key"))
    used: set[tuple[int, str]] = set()
    rows = conn.execute(sa.select(participant.c.id, participant.c.contest_id,
                                  participant.c.full_name, participant.c.birth_year)).all()
    for pid, contest_id, full_name, birth_year in rows:
        while True:
            code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
            if (contest_id, code) not in used:
                used.add((contest_id, code))
                break
        conn.execute(sa.update(participant).where(participant.c.id == pid).values(
            personal_code=code, identity_key=_identity_key(full_name, birth_year)))

    with op.batch_alter_table("participant") as batch_op:
        batch_op.alter_column("personal_code", existing_type=sa.String(length=8),
                              nullable=False)
        batch_op.create_unique_constraint("uq_participant_contest_id_phone_identity_key",
                                          ["contest_id", "phone", "identity_key"])
        batch_op.create_unique_constraint("uq_participant_contest_id_personal_code",
                                          ["contest_id", "personal_code"])

    op.create_table(
        "identity_try",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contest.id"],
                                name=op.f("fk_identity_try_contest_id_contest"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_try")),
    )
    op.create_index("ix_identity_try_phone_at", "identity_try", ["contest_id", "phone", "at"],
                    unique=False)
    op.create_table(
        "phone_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contest_id"], ["contest.id"],
                                name=op.f("fk_phone_hold_contest_id_contest"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["released_by_id"], ["user.id"],
                                name=op.f("fk_phone_hold_released_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_hold")),
        sa.UniqueConstraint("contest_id", "phone", name=op.f("uq_phone_hold_contest_id_phone")),
    )
    op.create_index(op.f("ix_phone_hold_contest_id"), "phone_hold", ["contest_id"],
                    unique=False)


def downgrade():
    """Fails if two participants of a contest now share a phone or a CCCD: resolve those
    (the duplicates review) before going back."""
    op.drop_index(op.f("ix_phone_hold_contest_id"), table_name="phone_hold")
    op.drop_table("phone_hold")
    op.drop_index("ix_identity_try_phone_at", table_name="identity_try")
    op.drop_table("identity_try")
    with op.batch_alter_table("participant") as batch_op:
        batch_op.drop_constraint("uq_participant_contest_id_personal_code", type_="unique")
        batch_op.drop_constraint("uq_participant_contest_id_phone_identity_key", type_="unique")
        batch_op.drop_column("identity_key")
        batch_op.drop_column("personal_code")
        batch_op.create_unique_constraint("uq_participant_contest_id_citizen_id",
                                          ["contest_id", "citizen_id"])
        batch_op.create_unique_constraint("uq_participant_contest_id_phone",
                                          ["contest_id", "phone"])
