"""the ledger's search answered from an index: the search index carries the student id

At 500,000 cases a search in the district's ledger read the wide ``students`` table for a name (the
search index lacked the id the ledger's ``student_id IN (…)`` needs); it now reads the index alone. The
index keeps its columns in their order (the name first: it serves every lookup by name since 0019), so a
roster import writes no more indexes than it did. (The record-owner index stays as it is: with the record
id in it, SQLite's planner used it for the supervision figures' owner lookups, one probe per school per
row: 1.6 s became 50 s at 300 schools.)

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None

SEARCH_BEFORE = ['name', 'name_initials', 'name_pinyin', 'id_number', 'student_number']
SEARCH_AFTER = ['name', 'name_initials', 'name_pinyin', 'id_number', 'student_number', 'id']


def upgrade() -> None:
    op.drop_index('ix_students_search', table_name='students')
    op.create_index('ix_students_search', 'students', SEARCH_AFTER, unique=False)


def downgrade() -> None:
    op.drop_index('ix_students_search', table_name='students')
    op.create_index('ix_students_search', 'students', SEARCH_BEFORE, unique=False)
