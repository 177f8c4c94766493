"""case lifecycle and evidence

Joint-persuasion reports, court rulings, deferral applications and the district's decisions,
closings (销号) with their evidence fields and reopenings, evidence files and their bytes
(content-addressed by SHA-256). New tables only: existing cases keep their status.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:34:48.230530
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence_blobs'))
    )
    op.create_table('court_rulings',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('ruling_date', sa.Date(), nullable=False),
    sa.Column('court', sa.String(length=100), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=False),
    sa.Column('guardian_duty_fulfilled', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_court_rulings_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_court_rulings'))
    )
    with op.batch_alter_table('court_rulings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_court_rulings_case_id'), ['case_id'], unique=False)

    op.create_table('deferral_applications',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('application_date', sa.Date(), nullable=False),
    sa.Column('reported_by', sa.String(length=100), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_deferral_applications_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deferral_applications'))
    )
    with op.batch_alter_table('deferral_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deferral_applications_case_id'), ['case_id'], unique=False)

    op.create_table('evidence_files',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('owner_table', sa.String(length=50), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evidence_files_case_id_cases')),
    sa.ForeignKeyConstraint(['sha256'], ['evidence_blobs.sha256'], name=op.f('fk_evidence_files_sha256_evidence_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_evidence_files_owner', ['owner_table', 'owner_id'], unique=False)

    op.create_table('joint_reports',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('reported_to', sa.String(length=100), nullable=False),
    sa.Column('reported_by', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_joint_reports_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_reports'))
    )
    with op.batch_alter_table('joint_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_reports_case_id'), ['case_id'], unique=False)

    op.create_table('deferral_decisions',
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=False),
    sa.Column('approver', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['deferral_applications.id'], name=op.f('fk_deferral_decisions_application_id_deferral_applications')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_deferral_decisions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deferral_decisions'))
    )
    with op.batch_alter_table('deferral_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deferral_decisions_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deferral_decisions_case_id'), ['case_id'], unique=False)

    op.create_table('case_closings',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('class_name', sa.String(length=50), nullable=False),
    sa.Column('placement', sa.String(length=20), nullable=False),
    sa.Column('school', sa.String(length=100), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('registry_migrated', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('proof', sa.Text(), nullable=False),
    sa.Column('decision_id', sa.String(length=36), nullable=True),
    sa.Column('reopened_on', sa.Date(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_closings_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id'], ['deferral_decisions.id'], name=op.f('fk_case_closings_decision_id_deferral_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_closings'))
    )
    with op.batch_alter_table('case_closings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_closings_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_closings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_closings_case_id'))

    op.drop_table('case_closings')
    with op.batch_alter_table('deferral_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deferral_decisions_case_id'))
        batch_op.drop_index(batch_op.f('ix_deferral_decisions_application_id'))

    op.drop_table('deferral_decisions')
    with op.batch_alter_table('joint_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_reports_case_id'))

    op.drop_table('joint_reports')
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_files_owner')
        batch_op.drop_index(batch_op.f('ix_evidence_files_case_id'))

    op.drop_table('evidence_files')
    with op.batch_alter_table('deferral_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deferral_applications_case_id'))

    op.drop_table('deferral_applications')
    with op.batch_alter_table('court_rulings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_court_rulings_case_id'))

    op.drop_table('court_rulings')
    op.drop_table('evidence_blobs')
