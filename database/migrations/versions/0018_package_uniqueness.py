"""a package is recorded once: unique (direction, unit, number, digest) in sync_packages

Two PCs of a district on one PostgreSQL server may import the same package at once; the import locks
the unit's row, and this index is the store's own guarantee that one package is never recorded twice.
(A unit that went back to a backup sends its numbers again, with other contents: the digest tells them
apart.)

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-30 13:10:00
"""

from __future__ import annotations

from alembic import op

revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('uq_sync_packages_number', 'sync_packages', ['direction', 'peer_code', 'number', 'sha256'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('uq_sync_packages_number', table_name='sync_packages')
