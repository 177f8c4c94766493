"""a handover request can be withdrawn (撤回移交): case_handovers.voided and void_reason

Revision ID: 0022
Revises: 0018
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_handovers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('case_handovers', schema=None) as batch_op:
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided')
