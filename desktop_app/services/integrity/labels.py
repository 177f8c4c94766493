"""Names of tables and fields as the user knows them (the forms' and pages' words)."""

from __future__ import annotations

from desktop_app.services.case_history import FIELD_LABELS, TABLE_LABELS

_MORE_TABLES = {
    "semesters": "学期", "calendar_days": "校历", "roster_imports": "花名册导入", "roster_members": "花名册名单",
    "census_statuses": "摸排核查情况", "census_sweeps": "摸排完成记录", "census_match_links": "全区联查关联",
    "return_checks": "返校核查", "guardian_contacts": "监护人联系记录", "student_tags": "特殊学生标记",
    "aid_records": "资助记录", "care_records": "关爱帮扶记录", "care_helpers": "结对帮扶教师",
    "individual_plans": "个别化教育计划", "disability_files": "残疾学生档案", "home_teaching_plans": "送教上门计划",
    "home_teaching_sessions": "送教上门记录", "missed_week_reasons": "送教缺周原因", "break_contacts": "假期联系记录",
}
_MORE_FIELDS = {
    "semester": "学期", "semester_id": "学期", "start_date": "开始日期", "end_date": "结束日期", "day": "日期",
    "checked_by": "核查人", "checked_on": "核查日期", "completed_on": "完成日期", "completed_by": "完成人",
    "children": "儿童数", "accepted": "接收条数", "rejected": "拒收条数", "duplicates": "重复条数",
    "file_sha256": "文件校验值", "import_id": "导入批次", "household_type": "户口类型", "disability": "残疾类别",
    "disability_grade": "残疾等级", "certificate": "残疾证号", "certificate_number": "残疾证号",
    "other_student_id": "关联学生", "confirmed_by": "确认人", "destination": "去向", "migration_done": "已办理学籍迁移",
    "contact_date": "联系日期", "contacted_by": "联系人", "tag": "标记", "since": "开始日期", "amount_fen": "金额(分)",
    "notes": "说明", "record_date": "日期", "teacher_name": "帮扶教师", "phone": "电话", "goals": "目标",
    "content": "内容", "teachers": "送教教师", "mode": "方式", "weekday": "星期", "hours_per_visit": "每次课时",
    "session_date": "送教日期", "class_hours": "课时", "form": "形式", "guardian_confirmed": "家长已确认",
    "guardian_name": "家长姓名", "photos": "照片", "plan_id": "送教计划", "week_monday": "周一日期",
    "break_kind": "假期", "placement_start": "安置开始日期", "registry_confirmed": "学籍已确认", "source": "来源",
}


def table_label(name: str) -> str:
    return TABLE_LABELS.get(name) or _MORE_TABLES.get(name) or name


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or _MORE_FIELDS.get(name) or name
