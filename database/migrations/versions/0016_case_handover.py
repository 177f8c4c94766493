"""case handover (移交): the district's list of schools, requests, the district's forwards, items, answers

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-30 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('district_schools',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('township', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_schools')),
    sa.UniqueConstraint('code', name=op.f('uq_district_schools_code'))
    )
    op.create_table('handover_transfers',
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('from_code', sa.String(length=20), nullable=False),
    sa.Column('from_name', sa.String(length=100), nullable=False),
    sa.Column('to_code', sa.String(length=20), nullable=False),
    sa.Column('to_name', sa.String(length=100), nullable=False),
    sa.Column('student_name', sa.String(length=50), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('forwarded_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answer_reason', sa.Text(), nullable=False),
    sa.Column('new_case_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_transfers'))
    )
    op.create_index(op.f('ix_handover_transfers_case_id'), 'handover_transfers', ['case_id'], unique=False)
    op.create_index(op.f('ix_handover_transfers_request_id'), 'handover_transfers', ['request_id'], unique=False)
    op.create_index('ix_handover_transfers_state', 'handover_transfers', ['state', 'to_code', 'from_code'], unique=False)
    op.create_table('handover_items',
    sa.Column('transfer_id', sa.String(length=36), nullable=False),
    sa.Column('to_code', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['transfer_id'], ['handover_transfers.id'], name=op.f('fk_handover_items_transfer_id_handover_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_items'))
    )
    op.create_index(op.f('ix_handover_items_transfer_id'), 'handover_items', ['transfer_id'], unique=False)
    op.create_table('case_handovers',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('to_code', sa.String(length=20), nullable=False),
    sa.Column('to_name', sa.String(length=100), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_handovers_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_handovers'))
    )
    op.create_index(op.f('ix_case_handovers_case_id'), 'case_handovers', ['case_id'], unique=False)
    op.create_table('handover_answers',
    sa.Column('transfer_id', sa.String(length=36), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('new_case_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['new_case_id'], ['cases.id'], name=op.f('fk_handover_answers_new_case_id_cases')),
    sa.ForeignKeyConstraint(['transfer_id'], ['handover_transfers.id'], name=op.f('fk_handover_answers_transfer_id_handover_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_answers'))
    )
    op.create_index(op.f('ix_handover_answers_new_case_id'), 'handover_answers', ['new_case_id'], unique=False)
    op.create_index(op.f('ix_handover_answers_transfer_id'), 'handover_answers', ['transfer_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_handover_answers_transfer_id'), table_name='handover_answers')
    op.drop_index(op.f('ix_handover_answers_new_case_id'), table_name='handover_answers')
    op.drop_table('handover_answers')
    op.drop_index(op.f('ix_case_handovers_case_id'), table_name='case_handovers')
    op.drop_table('case_handovers')
    op.drop_index(op.f('ix_handover_items_transfer_id'), table_name='handover_items')
    op.drop_table('handover_items')
    op.drop_index('ix_handover_transfers_state', table_name='handover_transfers')
    op.drop_index(op.f('ix_handover_transfers_request_id'), table_name='handover_transfers')
    op.drop_index(op.f('ix_handover_transfers_case_id'), table_name='handover_transfers')
    op.drop_table('handover_transfers')
    op.drop_table('district_schools')
