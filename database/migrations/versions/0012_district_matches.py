"""district matches (全区联查): each match across schools with how it was made

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('district_matches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('school_node', sa.String(length=36), nullable=False),
    sa.Column('other_student_id', sa.String(length=36), nullable=False),
    sa.Column('other_node', sa.String(length=36), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('first_found_at', sa.DateTime(), nullable=False),
    sa.Column('last_found_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_matches')),
    sa.UniqueConstraint('semester', 'kind', 'student_id', 'other_student_id',
                        name='uq_district_matches_semester_kind_student_other')
    )
    with op.batch_alter_table('district_matches') as batch:
        batch.create_index('ix_district_matches_figures',
                           ['semester', 'status', 'kind', 'result', 'school_node'], unique=False)
        batch.create_index('ix_district_matches_other', ['semester', 'other_node'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('district_matches') as batch:
        batch.drop_index('ix_district_matches_other')
        batch.drop_index('ix_district_matches_figures')
    op.drop_table('district_matches')
