"""census rosters statuses return checks

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28 16:36:22.595458
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('census_sweeps',
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('completed_by', sa.String(length=50), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_sweeps')),
    sa.UniqueConstraint('semester', name=op.f('uq_census_sweeps_semester'))
    )
    op.create_table('roster_imports',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_imports'))
    )
    op.create_table('census_match_links',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('other_student_id', sa.String(length=36), nullable=False),
    sa.Column('confirmed_by', sa.String(length=50), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['other_student_id'], ['students.id'], name=op.f('fk_census_match_links_other_student_id_students')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_census_match_links_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_match_links'))
    )
    op.create_table('census_statuses',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('checked_by', sa.String(length=50), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('school', sa.String(length=100), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_census_statuses_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_statuses')),
    sa.UniqueConstraint('student_id', 'semester', name='uq_census_statuses_student_semester')
    )
    with op.batch_alter_table('census_statuses', schema=None) as batch_op:
        batch_op.create_index('ix_census_statuses_semester', ['semester'], unique=False)

    op.create_table('guardian_contacts',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('contacted_by', sa.String(length=50), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_guardian_contacts_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_contacts'))
    )
    with op.batch_alter_table('guardian_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_guardian_contacts_student_id', ['student_id'], unique=False)

    op.create_table('return_checks',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('migration_done', sa.Boolean(), nullable=False),
    sa.Column('destination', sa.String(length=100), nullable=False),
    sa.Column('checked_by', sa.String(length=50), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_return_checks_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_checks')),
    sa.UniqueConstraint('student_id', 'semester', name='uq_return_checks_student_semester')
    )
    op.create_table('roster_members',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('import_id', sa.String(length=36), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('class_name', sa.String(length=50), nullable=False),
    sa.Column('school', sa.String(length=100), nullable=False),
    sa.Column('household_type', sa.String(length=30), nullable=False),
    sa.Column('disability', sa.String(length=50), nullable=False),
    sa.Column('disability_grade', sa.String(length=20), nullable=False),
    sa.Column('certificate', sa.String(length=50), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_roster_members_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_members')),
    sa.UniqueConstraint('kind', 'semester', 'student_id', name='uq_roster_members_kind_semester_student')
    )
    with op.batch_alter_table('roster_members', schema=None) as batch_op:
        batch_op.create_index('ix_roster_members_student_id', ['student_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('roster_members', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_members_student_id')

    op.drop_table('roster_members')
    op.drop_table('return_checks')
    with op.batch_alter_table('guardian_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_guardian_contacts_student_id')

    op.drop_table('guardian_contacts')
    with op.batch_alter_table('census_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_census_statuses_semester')

    op.drop_table('census_statuses')
    op.drop_table('census_match_links')
    op.drop_table('roster_imports')
    op.drop_table('census_sweeps')

