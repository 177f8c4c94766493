"""Accounts (Argon2 password hashes, roles, sign-in throttling) and teachers' assigned students.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 16:35:01.112707
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_name', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('all_students', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_sign_in', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('user_name', name=op.f('uq_accounts_user_name'))
    )
    op.create_table('student_assignments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_student_assignments_account_id_accounts')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_student_assignments_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_assignments')),
    sa.UniqueConstraint('account_id', 'student_id', name=op.f('uq_student_assignments_account_id'))
    )
    with op.batch_alter_table('student_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_student_assignments_student_id', ['student_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('student_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_student_assignments_student_id')

    op.drop_table('student_assignments')
    op.drop_table('accounts')
