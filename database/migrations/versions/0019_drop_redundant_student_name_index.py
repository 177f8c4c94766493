"""students: drop ix_students_name, which ix_students_search (name first) already serves

Every lookup by name (equality, IN, a prefix) can use ix_students_search, whose first column is the
name; the narrower index only made every new child cost one more index insert (a 100,000-row roster
import spent about a sixth of its SQLite insert time keeping it).

Revision ID: 0019
Revises: 0022
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_students_name', table_name='students')


def downgrade() -> None:
    op.create_index('ix_students_name', 'students', ['name'], unique=False)
