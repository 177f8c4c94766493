"""What each earlier release can read in a package: its ledger tables and their columns.

A package to a unit whose program did not say what it reads (releases before 0.2.0 did not) is written
down to the schema of that unit's release here. Add a release only when its readers need it: from 0.2.0
on, every package says what its sender reads (``reads`` in the manifest).
"""

from __future__ import annotations

#: release -> {table: [columns]}, as that release's ``sync.ledger_tables()`` had them.
RELEASE_SCHEMAS: dict[str, dict[str, list[str]]] = {
    "0.1.0": {
        "aid_records": [
            "student_id", "semester", "kind", "amount_fen", "notes", "voided", "void_reason", "id", "created_at",
            "updated_at", "updated_by", "node_id", "version",
        ],
        "break_contacts": [
            "student_id", "semester", "break_kind", "contact_date", "method", "people", "notes", "voided", "void_reason",
            "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "calendar_days": [
            "semester_id", "day", "kind", "name", "source", "voided", "void_reason", "id", "created_at", "updated_at",
            "updated_by", "node_id", "version",
        ],
        "care_helpers": [
            "student_id", "teacher_name", "phone", "start_date", "end_date", "id", "created_at", "updated_at", "updated_by",
            "node_id", "version",
        ],
        "care_records": [
            "student_id", "record_date", "kind", "notes", "people", "voided", "void_reason", "id", "created_at",
            "updated_at", "updated_by", "node_id", "version",
        ],
        "case_closings": [
            "case_id", "reason", "closed_on", "event_date", "grade", "class_name", "placement", "school", "place",
            "registry_migrated", "detail", "proof", "decision_id", "reopened_on", "reopen_reason", "id", "created_at",
            "updated_at", "updated_by", "node_id", "version",
        ],
        "cases": [
            "student_id", "status", "grade", "fill_date", "opened_on", "closed_on", "contact_name", "contact_phone",
            "dropout_reason", "reason_detail", "result", "not_returned_reason", "persuading_unit", "responsible_person",
            "responsible_phone", "deferral_approved", "deferral_approval_date", "deferral_document", "attempt_count",
            "voided", "void_reason", "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "census_match_links": [
            "student_id", "other_student_id", "confirmed_by", "note", "id", "created_at", "updated_at", "updated_by",
            "node_id", "version",
        ],
        "census_statuses": [
            "student_id", "semester", "status", "method", "checked_by", "checked_on", "school", "place", "note", "id",
            "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "census_sweeps": [
            "semester", "completed_on", "completed_by", "children", "id", "created_at", "updated_at", "updated_by",
            "node_id", "version",
        ],
        "court_rulings": [
            "case_id", "ruling_date", "court", "document_number", "guardian_duty_fulfilled", "note", "voided", "void_reason",
            "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "deferral_applications": [
            "case_id", "kind", "application_date", "reported_by", "basis", "note", "voided", "void_reason", "id",
            "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "deferral_decisions": [
            "application_id", "case_id", "approved", "decision_date", "document_number", "approver", "note", "id",
            "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "disability_files": [
            "student_id", "kind", "grade", "certificate_number", "placement", "placement_start", "registry_confirmed",
            "notes", "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "evidence_files": [
            "case_id", "owner_table", "owner_id", "file_name", "media_type", "size", "sha256", "caption", "voided",
            "void_reason", "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "guardian_contacts": [
            "student_id", "contact_date", "method", "contacted_by", "note", "voided", "void_reason", "id", "created_at",
            "updated_at", "updated_by", "node_id", "version",
        ],
        "home_teaching_plans": [
            "student_id", "semester_id", "mode", "teachers", "content", "weekday", "hours_per_visit", "start_date", "voided",
            "void_reason", "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "home_teaching_sessions": [
            "plan_id", "student_id", "session_date", "class_hours", "form", "teachers", "content", "guardian_confirmed",
            "guardian_name", "photos", "voided", "void_reason", "id", "created_at", "updated_at", "updated_by", "node_id",
            "version",
        ],
        "individual_plans": [
            "student_id", "semester", "goals", "content", "teachers", "id", "created_at", "updated_at", "updated_by",
            "node_id", "version",
        ],
        "joint_reports": [
            "case_id", "report_date", "reported_to", "reported_by", "note", "voided", "void_reason", "id", "created_at",
            "updated_at", "updated_by", "node_id", "version",
        ],
        "missed_week_reasons": [
            "plan_id", "week_monday", "reason", "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "persuasion_attempts": [
            "case_id", "attempt_date", "people", "place", "method", "result", "is_joint", "voided", "void_reason", "id",
            "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "return_checks": [
            "student_id", "semester", "result", "migration_done", "destination", "checked_by", "checked_on", "note",
            "case_id", "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "roster_imports": [
            "kind", "semester", "file_name", "file_sha256", "accepted", "rejected", "duplicates", "voided", "void_reason",
            "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
        "roster_members": [
            "student_id", "kind", "semester", "import_id", "grade", "class_name", "school", "household_type", "disability",
            "disability_grade", "certificate", "voided", "void_reason", "id", "created_at", "updated_at", "updated_by",
            "node_id", "version",
        ],
        "semesters": ["name", "start_date", "end_date", "id", "created_at", "updated_at", "updated_by", "node_id", "version"],
        "student_tags": [
            "student_id", "tag", "detail", "since", "voided", "void_reason", "id", "created_at", "updated_at", "updated_by",
            "node_id", "version",
        ],
        "students": [
            "name", "name_initials", "name_pinyin", "id_number", "birth_date", "sex", "ethnic_group", "health",
            "student_number", "guardian1_name", "guardian1_relation", "guardian1_phone", "guardian2_name",
            "guardian2_relation", "guardian2_phone", "hukou_province", "hukou_city", "hukou_county", "hukou_township",
            "hukou_detail", "registry_province", "registry_city", "registry_county", "registry_township", "registry_detail",
            "residence_province", "residence_city", "residence_county", "residence_township", "residence_detail", "village",
            "family_situation", "id", "created_at", "updated_at", "updated_by", "node_id", "version",
        ],
    },
}

#: The oldest release a package can still be written for.
OLDEST = "0.1.0"
