"""USB exchange: node keys, peers, received history, record owners, conflicts, packages

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 16:37:47.202043
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('node_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('box_secret', sa.String(length=64), nullable=False),
    sa.Column('box_public', sa.String(length=64), nullable=False),
    sa.Column('sign_secret', sa.String(length=64), nullable=False),
    sa.Column('sign_public', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_node_keys'))
    )
    op.create_table('remote_audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('origin_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('table_name', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_audit_log')),
    sa.UniqueConstraint('origin_node', 'origin_id', name=op.f('uq_remote_audit_log_origin_node'))
    )
    with op.batch_alter_table('remote_audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_remote_audit_log_record_id', ['record_id'], unique=False)

    op.create_table('sync_conflicts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('table_name', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('peer_code', sa.String(length=20), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('local_values', sa.Text(), nullable=False),
    sa.Column('remote_values', sa.Text(), nullable=False),
    sa.Column('live', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflicts'))
    )
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.create_index('ix_sync_conflicts_record', ['table_name', 'record_id'], unique=False)

    op.create_table('sync_packages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('peer_code', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('seq_from', sa.Integer(), nullable=False),
    sa.Column('seq_to', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('ack_seq', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_packages'))
    )
    with op.batch_alter_table('sync_packages', schema=None) as batch_op:
        batch_op.create_index('ix_sync_packages_peer', ['peer_code', 'direction', 'number'], unique=False)

    op.create_table('sync_peers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('township', sa.String(length=100), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('box_public', sa.String(length=64), nullable=False),
    sa.Column('sign_public', sa.String(length=64), nullable=False),
    sa.Column('keys_accepted_at', sa.DateTime(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('their_seq', sa.Integer(), nullable=False),
    sa.Column('their_package', sa.Integer(), nullable=False),
    sa.Column('last_received_at', sa.DateTime(), nullable=True),
    sa.Column('acked_seq', sa.Integer(), nullable=False),
    sa.Column('acked_package', sa.Integer(), nullable=False),
    sa.Column('sent_package', sa.Integer(), nullable=False),
    sa.Column('sent_seq', sa.Integer(), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_peers')),
    sa.UniqueConstraint('code', name=op.f('uq_sync_peers_code'))
    )
    op.create_table('sync_record_owners',
    sa.Column('table_name', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('owner_node', sa.String(length=36), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'record_id', name=op.f('pk_sync_record_owners'))
    )
    with op.batch_alter_table('sync_record_owners', schema=None) as batch_op:
        batch_op.create_index('ix_sync_record_owners_owner_node', ['owner_node', 'table_name'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sync_record_owners', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_record_owners_owner_node')

    op.drop_table('sync_record_owners')
    op.drop_table('sync_peers')
    with op.batch_alter_table('sync_packages', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_packages_peer')

    op.drop_table('sync_packages')
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_conflicts_record')

    op.drop_table('sync_conflicts')
    with op.batch_alter_table('remote_audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_remote_audit_log_record_id')

    op.drop_table('remote_audit_log')
    op.drop_table('node_keys')
