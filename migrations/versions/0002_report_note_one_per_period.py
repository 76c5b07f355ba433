"""report notes: one per period, also for annual and ward notes

The UNIQUE (year, quarter, unit_id) constraint counts NULLs as all different, so it
never applied to annual notes (no quarter) or the ward's notes (no unit). Partial
unique indexes cover those; duplicates already saved are first reduced to the most
recently updated note of each period.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (index name, the period's columns, which rows it covers; {t} is a table prefix)
PERIODS = [
    ("uq_report_note_annual", ["year", "unit_id"],
     "{t}quarter IS NULL AND {t}unit_id IS NOT NULL"),
    ("uq_report_note_ward_quarter", ["year", "quarter"],
     "{t}unit_id IS NULL AND {t}quarter IS NOT NULL"),
    ("uq_report_note_ward_annual", ["year"],
     "{t}quarter IS NULL AND {t}unit_id IS NULL"),
]


def upgrade():
    for name, columns, rows in PERIODS:
        same_period = " AND ".join(f"o.{column} = report_note.{column}" for column in columns)
        # Keep the note written last (then the newest row); the audit log keeps what the
        # others said.
        op.execute(sa.text(
            f"DELETE FROM report_note WHERE {rows.format(t='')} AND EXISTS ("
            f"SELECT 1 FROM report_note o WHERE {rows.format(t='o.')} AND {same_period} "
            "AND (o.updated_at > report_note.updated_at "
            "OR (o.updated_at = report_note.updated_at AND o.id > report_note.id)))"
        ))
        op.create_index(name, "report_note", columns, unique=True,
                        sqlite_where=sa.text(rows.format(t="")),
                        postgresql_where=sa.text(rows.format(t="")))


def downgrade():
    for name, _columns, _rows in reversed(PERIODS):
        op.drop_index(name, table_name="report_note")
