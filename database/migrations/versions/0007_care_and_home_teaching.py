"""special-student care, disabled children, school calendar and home teaching

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 16:36:07.049244
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aid_records',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_aid_records_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aid_records'))
    )
    with op.batch_alter_table('aid_records', schema=None) as batch_op:
        batch_op.create_index('ix_aid_records_student_id', ['student_id'], unique=False)

    op.create_table('break_contacts',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('break_kind', sa.String(length=4), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('people', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_break_contacts_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_break_contacts'))
    )
    with op.batch_alter_table('break_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_break_contacts_student_id', ['student_id'], unique=False)

    op.create_table('calendar_days',
    sa.Column('semester_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['semester_id'], ['semesters.id'], name=op.f('fk_calendar_days_semester_id_semesters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days'))
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_days_semester_id', ['semester_id', 'day'], unique=False)

    op.create_table('care_helpers',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('teacher_name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_care_helpers_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_helpers'))
    )
    with op.batch_alter_table('care_helpers', schema=None) as batch_op:
        batch_op.create_index('ix_care_helpers_student_id', ['student_id'], unique=False)

    op.create_table('care_records',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('record_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('people', sa.String(length=200), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_care_records_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_records'))
    )
    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.create_index('ix_care_records_student_id', ['student_id'], unique=False)

    op.create_table('disability_files',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('certificate_number', sa.String(length=30), nullable=False),
    sa.Column('placement', sa.String(length=20), nullable=False),
    sa.Column('placement_start', sa.Date(), nullable=True),
    sa.Column('registry_confirmed', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_disability_files_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disability_files')),
    sa.UniqueConstraint('student_id', name=op.f('uq_disability_files_student_id'))
    )
    op.create_table('home_teaching_plans',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('semester_id', sa.String(length=36), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('teachers', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('hours_per_visit', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['semester_id'], ['semesters.id'], name=op.f('fk_home_teaching_plans_semester_id_semesters')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_home_teaching_plans_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_teaching_plans'))
    )
    with op.batch_alter_table('home_teaching_plans', schema=None) as batch_op:
        batch_op.create_index('ix_home_teaching_plans_semester_id', ['semester_id', 'student_id'], unique=False)

    op.create_table('individual_plans',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('semester', sa.String(length=20), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('teachers', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_individual_plans_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_individual_plans'))
    )
    with op.batch_alter_table('individual_plans', schema=None) as batch_op:
        batch_op.create_index('ix_individual_plans_student_id', ['student_id', 'semester'], unique=True)

    op.create_table('student_tags',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('tag', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=20), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_student_tags_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_tags'))
    )
    with op.batch_alter_table('student_tags', schema=None) as batch_op:
        batch_op.create_index('ix_student_tags_student_id', ['student_id'], unique=False)

    op.create_table('home_teaching_sessions',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('class_hours', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=10), nullable=False),
    sa.Column('teachers', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('guardian_confirmed', sa.Boolean(), nullable=False),
    sa.Column('guardian_name', sa.String(length=50), nullable=False),
    sa.Column('photos', sa.Text(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['home_teaching_plans.id'], name=op.f('fk_home_teaching_sessions_plan_id_home_teaching_plans')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_home_teaching_sessions_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_teaching_sessions'))
    )
    with op.batch_alter_table('home_teaching_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_home_teaching_sessions_plan_id', ['plan_id', 'session_date'], unique=False)

    op.create_table('missed_week_reasons',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('week_monday', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['home_teaching_plans.id'], name=op.f('fk_missed_week_reasons_plan_id_home_teaching_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_week_reasons'))
    )
    with op.batch_alter_table('missed_week_reasons', schema=None) as batch_op:
        batch_op.create_index('ix_missed_week_reasons_plan_id', ['plan_id', 'week_monday'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('missed_week_reasons', schema=None) as batch_op:
        batch_op.drop_index('ix_missed_week_reasons_plan_id')

    op.drop_table('missed_week_reasons')
    with op.batch_alter_table('home_teaching_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_home_teaching_sessions_plan_id')

    op.drop_table('home_teaching_sessions')
    with op.batch_alter_table('student_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_student_tags_student_id')

    op.drop_table('student_tags')
    with op.batch_alter_table('individual_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_individual_plans_student_id')

    op.drop_table('individual_plans')
    with op.batch_alter_table('home_teaching_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_home_teaching_plans_semester_id')

    op.drop_table('home_teaching_plans')
    op.drop_table('disability_files')
    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.drop_index('ix_care_records_student_id')

    op.drop_table('care_records')
    with op.batch_alter_table('care_helpers', schema=None) as batch_op:
        batch_op.drop_index('ix_care_helpers_student_id')

    op.drop_table('care_helpers')
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_days_semester_id')

    op.drop_table('calendar_days')
    with op.batch_alter_table('break_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_break_contacts_student_id')

    op.drop_table('break_contacts')
    with op.batch_alter_table('aid_records', schema=None) as batch_op:
        batch_op.drop_index('ix_aid_records_student_id')

    op.drop_table('aid_records')
