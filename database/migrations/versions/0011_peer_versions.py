"""peer program versions and what they read; records held back from older peers

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sync_peers') as batch:
        batch.add_column(sa.Column('program', sa.String(length=32), nullable=False, server_default=''))
        batch.add_column(sa.Column('reads', sa.Text(), nullable=False, server_default=''))
    op.create_table('sync_held_back',
    sa.Column('peer_code', sa.String(length=20), nullable=False),
    sa.Column('table_name', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('columns', sa.Text(), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('peer_code', 'table_name', 'record_id', name=op.f('pk_sync_held_back'))
    )


def downgrade() -> None:
    op.drop_table('sync_held_back')
    with op.batch_alter_table('sync_peers') as batch:
        batch.drop_column('reads')
        batch.drop_column('program')
