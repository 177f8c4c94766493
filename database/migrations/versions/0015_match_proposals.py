"""match proposals (全区联查 answers sent to each school, accepted or rejected there)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('match_proposals',
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('found_school', sa.String(length=100), nullable=False),
    sa.Column('found_grade', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('matched_on', sa.Date(), nullable=False),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_match_proposals_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_proposals'))
    )
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_match_proposals_semester_kind', ['semester', 'kind', 'status'], unique=False)
        batch_op.create_index('ix_match_proposals_student', ['student_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_match_proposals_student')
        batch_op.drop_index('ix_match_proposals_semester_kind')
    op.drop_table('match_proposals')
