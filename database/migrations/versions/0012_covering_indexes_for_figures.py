"""covering indexes for the overview, the reminders and the district's figures (issue 17)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_figures", "cases", ["status", "voided", "dropout_reason", "grade", "student_id"])
    op.drop_index("ix_cases_opened_on", table_name="cases")
    op.create_index("ix_cases_opened_on", "cases", ["opened_on", "voided"])
    op.create_index("ix_cases_closed_on", "cases", ["closed_on", "voided"])
    op.create_index("ix_cases_reminders", "cases", ["status", "voided", "id", "opened_on", "student_id", "grade",
                                                    "contact_name", "contact_phone", "persuading_unit",
                                                    "responsible_person", "responsible_phone", "result"])
    op.drop_index("ix_persuasion_attempts_case_id", table_name="persuasion_attempts")
    op.create_index("ix_persuasion_attempts_case_id", "persuasion_attempts",
                    ["case_id", "voided", "attempt_date", "is_joint"])
    op.create_index("ix_students_id_township", "students", ["id", "hukou_township"])
    op.create_index("ix_students_id_birth_date", "students", ["id", "birth_date"])
    op.create_index("ix_roster_members_kind", "roster_members", ["kind", "voided", "student_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_roster_members_kind", table_name="roster_members")
    op.drop_index("ix_students_id_birth_date", table_name="students")
    op.drop_index("ix_students_id_township", table_name="students")
    op.drop_index("ix_persuasion_attempts_case_id", table_name="persuasion_attempts")
    op.create_index("ix_persuasion_attempts_case_id", "persuasion_attempts", ["case_id"])
    op.drop_index("ix_cases_reminders", table_name="cases")
    op.drop_index("ix_cases_closed_on", table_name="cases")
    op.drop_index("ix_cases_opened_on", table_name="cases")
    op.create_index("ix_cases_opened_on", "cases", ["opened_on"])
    op.drop_index("ix_cases_figures", table_name="cases")
