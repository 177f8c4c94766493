"""the district's all-schools ledger answered from indexes: the search index carries the student id and
leads with the pinyin (the ledger's name order), the record-owner index carries the record id

At 500,000 cases a keystroke in the district's ledger searched the wide ``students`` table for a name
(the search index lacked the id the ledger's ``student_id IN (…)`` needs) and looked up every owner row of
a township's schools; both now read an index alone. The search index keeps its columns (one index on
``students`` as before, so a roster import writes no more indexes than it did).

Revision ID: 0021
Revises: 0018
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0021'
down_revision = '0018'
branch_labels = None
depends_on = None

SEARCH_BEFORE = ['name', 'name_initials', 'name_pinyin', 'id_number', 'student_number']
SEARCH_AFTER = ['name_pinyin', 'name', 'name_initials', 'id_number', 'student_number', 'id']
OWNERS_BEFORE = ['owner_node', 'table_name']
OWNERS_AFTER = ['owner_node', 'table_name', 'record_id']


def upgrade() -> None:
    op.drop_index('ix_students_search', table_name='students')
    op.create_index('ix_students_search', 'students', SEARCH_AFTER, unique=False)
    op.drop_index('ix_sync_record_owners_owner_node', table_name='sync_record_owners')
    op.create_index('ix_sync_record_owners_owner_node', 'sync_record_owners', OWNERS_AFTER, unique=False)


def downgrade() -> None:
    op.drop_index('ix_sync_record_owners_owner_node', table_name='sync_record_owners')
    op.create_index('ix_sync_record_owners_owner_node', 'sync_record_owners', OWNERS_BEFORE, unique=False)
    op.drop_index('ix_students_search', table_name='students')
    op.create_index('ix_students_search', 'students', SEARCH_BEFORE, unique=False)
