"""pinyin search columns: find 张三 by typing zs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_initials", sa.String(length=50), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("name_pinyin", sa.String(length=200), nullable=False, server_default=""))

    # Fill the new columns for the students already in the store.
    from desktop_app.domain.names import name_initials, name_pinyin

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM students")).all()
    if rows:
        conn.execute(
            sa.text("UPDATE students SET name_initials = :i, name_pinyin = :p WHERE id = :id"),
            [{"id": r.id, "i": name_initials(r.name), "p": name_pinyin(r.name)} for r in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_column("name_pinyin")
        batch_op.drop_column("name_initials")
