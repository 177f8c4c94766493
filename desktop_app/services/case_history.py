"""The history of one case in plain Chinese: who changed what and when, old and new values.

Reads the audit rows of the case, its student, its attempts and every lifecycle record of it, and
names tables and fields as the registration form and the lifecycle dialogs name them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select

from database.lifecycle import (
    CaseClosing,
    CourtRuling,
    DeferralApplication,
    DeferralDecision,
    EvidenceFile,
    JointReport,
)
from database.models import AuditEntry, Case, PersuasionAttempt
from desktop_app.domain import form_fields
from desktop_app.domain.errors import NotFoundError
from desktop_app.domain.roles import Purpose
from desktop_app.services import privacy
from desktop_app.services.store import Store

TABLE_LABELS = {
    "students": "学生基本信息",
    "cases": "案件（核查劝返情况）",
    "persuasion_attempts": "劝返记录",
    "joint_reports": "联合劝返报告",
    "court_rulings": "法院判决",
    "deferral_applications": "延缓入学/休学申请",
    "deferral_decisions": "区领导小组审批",
    "case_closings": "销号",
    "evidence_files": "佐证材料",
    "print": "打印",
    "export": "导出",
    "reports": "报表",
}


FIELD_LABELS: dict[str, str] = {
    **form_fields.history_labels(),  # the registration form's fields, as declared once
    "village": "村(社区)", "name_initials": "姓名拼音首字母", "name_pinyin": "姓名拼音",
    "status": "状态", "opened_on": "立案日期", "closed_on": "销号日期", "voided": "已作废", "void_reason": "作废原因",
    "student_id": "学生", "case_id": "案件",
    "attempt_date": "劝返日期", "people": "劝返人员", "place": "地点", "method": "方式", "is_joint": "联合劝返",
    "report_date": "书面报告日期", "reported_to": "报告对象", "reported_by": "报告/上报单位", "note": "说明",
    "ruling_date": "判决日期", "court": "法院", "document_number": "文号", "guardian_duty_fulfilled": "监护人已履行法定义务",
    "kind": "申请事项", "application_date": "申请日期", "basis": "申请依据", "application_id": "申请",
    "approved": "同意", "decision_date": "审批日期", "approver": "审批人",
    "reason": "原因", "event_date": "复学/死亡/出国日期", "class_name": "班级", "placement": "安置方式",
    "school": "学校", "registry_migrated": "已办理学籍迁移", "detail": "说明", "proof": "证明材料",
    "decision_id": "审批", "reopened_on": "重新立案日期", "reopen_reason": "重新立案原因",
    "owner_table": "附加于", "owner_id": "附加对象", "file_name": "文件名", "media_type": "类型", "size": "大小(字节)",
    "sha256": "SHA-256校验值", "caption": "说明",
}
# Internal keys not worth showing in an insert's summary.
_HIDDEN = {"name_initials", "name_pinyin", "student_id", "case_id", "application_id", "decision_id", "owner_id",
           "voided", "void_reason", "id"}


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime  # UTC as stored
    user: str
    record: str  # 学生基本信息, 劝返记录 …
    what: str  # 新建 / the field's label / the event
    old: str
    new: str


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def _insert_summary(new_value: str | None) -> str:
    try:
        values = json.loads(new_value or "{}")
    except ValueError:
        return new_value or ""
    order = {k: i for i, k in enumerate(FIELD_LABELS)}
    keys = sorted(values, key=lambda k: order.get(k, len(order)))
    parts = [f"{field_label(k)}：{values[k]}" for k in keys if k not in _HIDDEN and values[k] not in (None, "", "否")]
    return "；".join(parts)


def _file(name: object) -> str:
    return f"“{name}”" if name else ""


def describe_event(what: str, detail: str | None) -> str:
    """An event's detail in words: which form, to which file or printer, with which verification code.

    Prints and exports are stored with their details as JSON (the print check reads them back);
    a teacher reads a sentence instead.
    """
    text = detail or ""
    try:
        values = json.loads(text) if text.startswith("{") else None
    except ValueError:
        values = None
    if not isinstance(values, dict):
        if what == "导出一生一表Excel" and text:
            return f"一生一表导出到Excel文件{_file(text)}"
        return text
    if "code" in values:  # a registration form printed or saved as PDF (services/printing.py)
        content = values.get("content") if isinstance(values.get("content"), dict) else {}
        name = content.get("姓名", "") if isinstance(content, dict) else ""
        form = f"{name}的一生一表" if name else "一生一表"
        version = f"（第{values['version']}版）" if values.get("version") else ""
        code = f"，核验码 {values['code']}{version}"
        note = str(values.get("note") or "")
        if values.get("file"):
            return f"{form}保存为PDF文件{_file(values['file'])}{code}"
        if note.startswith("PDF文件："):
            return f"{form}打印到PDF文件{_file(note.removeprefix('PDF文件：'))}{code}"
        printer = note.removeprefix("打印机：")
        where = f"在打印机“{printer}”上" if printer else ""
        return f"{form}{where}打印{code}"
    if "内容" in values:  # privacy.record_export / record_print
        numbers = "号码完整" if values.get("完整号码") else "号码部分隐藏"
        if "页数" in values:
            return f"打印{values['内容']}，{values['页数']}页，{numbers}"
        parts = [f"导出{values['内容']}，{values.get('条数', 0)}条"]
        if values.get("位置"):
            parts.append(f"到文件{_file(values['位置'])}")
        if values.get("原因"):
            parts.append(f"原因：{values['原因']}")
        parts.append(numbers)
        return "，".join(parts)
    return "；".join(f"{field_label(str(k))}：{v}" for k, v in values.items()
                     if not isinstance(v, dict | list) and v not in (None, ""))


def _prior(store: Store, case_id: str) -> list[HistoryLine]:
    """The history a case handed over from another school brought with it (移交前), in the same words."""
    from desktop_app.services import handover

    out = []
    for h in handover.prior_history(store, case_id):
        record = f"（移交前·{h.school}）{TABLE_LABELS.get(h.table, h.table)}"
        if h.action == "insert":
            out.append(HistoryLine(h.at, h.user, record, "新建", "", _insert_summary(h.new)))
        else:
            out.append(HistoryLine(h.at, h.user, record, field_label(h.field), h.old or "", h.new or ""))
    return out


def case_history(store: Store, case_id: str) -> list[HistoryLine]:
    """Every history row of the case and what belongs to it, oldest first; a case handed over from
    another school starts with the history it brought (移交前)."""
    prior = _prior(store, case_id)
    with store.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError("案件不存在")
        ids = {case.id, case.student_id}
        for model in (PersuasionAttempt, JointReport, CourtRuling, DeferralApplication, DeferralDecision,
                      CaseClosing, EvidenceFile):
            ids.update(session.execute(select(model.id).where(model.case_id == case_id)).scalars())
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.record_id.in_(ids)).order_by(AuditEntry.id)
        ).scalars()
        out = prior
        for r in rows:
            record = TABLE_LABELS.get(r.table_name, r.table_name)
            if r.action == "insert":
                out.append(HistoryLine(r.at, r.user, record, "新建", "", _insert_summary(r.new_value)))
            elif r.action == "update":
                out.append(HistoryLine(r.at, r.user, record, field_label(r.field), r.old_value or "",
                                       r.new_value or ""))
            else:
                out.append(HistoryLine(r.at, r.user, record, r.field, "", describe_event(r.field, r.new_value)))
    if privacy.full_allowed(store, Purpose.FORM):
        return out
    # an account that sees the form masked sees the numbers in its history masked too
    return [HistoryLine(h.at, h.user, h.record, h.what, privacy.mask_text(h.old), privacy.mask_text(h.new))
            for h in out]
