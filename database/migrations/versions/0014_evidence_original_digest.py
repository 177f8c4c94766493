"""evidence blobs keep the original's SHA-256 and size (photos are reduced on attach)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 10:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evidence_blobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('original_size', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence_blobs', schema=None) as batch_op:
        batch_op.drop_column('original_size')
        batch_op.drop_column('original_sha256')
