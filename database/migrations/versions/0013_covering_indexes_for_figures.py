"""covering indexes for the overview, the reminders and the district's figures (issue 17)

None on students: a roster import writes 100,000 of them, and an index keyed by the random id
costs about a third more time per row written (measured); the figures join students by their key.
The case indexes cost a bulk insert of cases time (measured: 100,000 cases 3.7-4.4 s without them,
5.5-6.2 s with them); one case saved at a time does not notice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_figures", "cases", ["status", "voided", "dropout_reason", "grade"])
    op.drop_index("ix_cases_opened_on", table_name="cases")
    op.create_index("ix_cases_opened_on", "cases", ["opened_on", "voided"])
    op.create_index("ix_cases_closed_on", "cases", ["closed_on", "voided"])
    op.create_index("ix_cases_reminders", "cases", ["status", "voided", "opened_on", "id", "student_id", "grade",
                                                    "contact_name", "contact_phone", "persuading_unit",
                                                    "responsible_person", "responsible_phone", "result"])
    op.drop_index("ix_persuasion_attempts_case_id", table_name="persuasion_attempts")
    op.create_index("ix_persuasion_attempts_case_id", "persuasion_attempts",
                    ["case_id", "voided", "attempt_date", "is_joint"])
    op.create_index("ix_roster_members_kind", "roster_members", ["kind", "voided", "student_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_roster_members_kind", table_name="roster_members")
    op.drop_index("ix_persuasion_attempts_case_id", table_name="persuasion_attempts")
    op.create_index("ix_persuasion_attempts_case_id", "persuasion_attempts", ["case_id"])
    op.drop_index("ix_cases_reminders", table_name="cases")
    op.drop_index("ix_cases_closed_on", table_name="cases")
    op.drop_index("ix_cases_opened_on", table_name="cases")
    op.create_index("ix_cases_opened_on", "cases", ["opened_on"])
    op.drop_index("ix_cases_figures", table_name="cases")
