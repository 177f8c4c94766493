"""sync id aliases (records merged by natural key: references rewritten on import)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 17:25:37.968177
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_id_aliases',
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('table_name', sa.String(length=50), nullable=False),
    sa.Column('remote_id', sa.String(length=36), nullable=False),
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('origin_node', 'table_name', 'remote_id', name=op.f('pk_sync_id_aliases'))
    )


def downgrade() -> None:
    op.drop_table('sync_id_aliases')
