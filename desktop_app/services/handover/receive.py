"""3. The receiving school answers: it takes the forwarded case over as its own open case, or sends it back
with a reason."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from sqlalchemy import Boolean, Date, DateTime, Integer, Table, func, select
from sqlalchemy.orm import Session

from database.handover import HandoverAnswer, HandoverItem, HandoverTransfer
from database.lifecycle import CourtRuling, EvidenceBlob, EvidenceFile, JointReport
from database.models import Case, Installation, LedgerMixin, PersuasionAttempt, Student
from desktop_app.domain import handover as rules
from desktop_app.domain import lifecycle as case_rules
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.services import audit
from desktop_app.services.access import Permission, require
from desktop_app.services.accounts import assign_new_student
from desktop_app.services.handover.common import (
    HISTORY,
    SCHOOL,
    HandoverView,
    _answered,
    _inst,
    _item_counts,
    _today,
    _view,
)
from desktop_app.services.store import Store

#: Tables of a case the receiving school takes over, in the order they are written there.
CASE_TABLES: tuple[type[LedgerMixin], ...] = (Student, Case, PersuasionAttempt, JointReport, CourtRuling, EvidenceFile)
_META = {"id", "created_at", "updated_at", "updated_by", "node_id", "version"}
#: Fields of the case that belong to the school working on it; the receiving school fills its own.
_SCHOOL_FIELDS = {"contact_name": "", "contact_phone": "", "persuading_unit": "", "responsible_person": "",
                  "responsible_phone": "", "deferral_approved": False, "deferral_approval_date": None,
                  "deferral_document": "", "closed_on": None, "voided": False, "void_reason": ""}


def incoming(store: Store) -> list[HandoverView]:
    """Handovers the district forwarded to this school that it has not answered yet, oldest first."""
    inst = _inst(store)
    with store.read() as session:
        answered = _answered(session)
        rows = session.execute(select(HandoverTransfer).where(
            HandoverTransfer.to_code == inst.code, HandoverTransfer.state == rules.WAITING)
            .order_by(HandoverTransfer.forwarded_on, HandoverTransfer.created_at)).scalars()
        return [_view(t, _item_counts(session, t.id)) for t in rows if t.id not in answered]


def incoming_count(store: Store) -> int:
    inst = store.installation()
    if inst is None or inst.kind != SCHOOL:
        return 0
    with store.read() as session:
        return int(session.execute(select(func.count()).select_from(HandoverTransfer).where(
            HandoverTransfer.to_code == inst.code, HandoverTransfer.state == rules.WAITING,
            ~HandoverTransfer.id.in_(select(HandoverAnswer.transfer_id)))).scalar_one())


def _waiting(session: Session, inst: Installation, transfer_id: str) -> HandoverTransfer:
    transfer = session.get(HandoverTransfer, transfer_id)
    if transfer is None or transfer.to_code != inst.code:
        raise NotFoundError("没有这件移交给本校的案件")
    if transfer.state == rules.WITHDRAWN:
        raise ValidationError(f"{transfer.from_name}已撤回{transfer.student_name}的移交（{transfer.answer_reason}），"
                              "无需接收或退回")
    if transfer.state != rules.WAITING or transfer.id in _answered(session):
        raise ValidationError(f"{transfer.student_name}的移交已答复过，不能再接收或退回")
    return transfer


def _load(table: Table, data: Any, what: str) -> dict[str, Any]:
    """A record of a forward, every value checked as a package's value is, then typed for the ORM.

    Raises:
        ValidationError: a value is missing or not acceptable (the forward is not taken over at all).
    """
    from desktop_app.services.sync import validate  # the package checks (sync imports this module)

    if not isinstance(data, dict):
        raise ValidationError(f"移交内容中的{what}格式不对，无法接收，请联系区教委")
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name in _META:
            continue
        if column.name not in data:
            raise ValidationError(f"移交内容中的{what}缺少“{column.name}”，无法接收，请联系区教委")
        value = data[column.name]
        problem = validate._column_check(table, column.name)(value)
        if problem is not None:
            raise ValidationError(f"移交内容中{what}的“{column.name}”{problem}，无法接收，请联系区教委")
        kind = column.type
        if value is not None and isinstance(kind, DateTime):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, Date):
            value = dt.date.fromisoformat(value)
        elif value is not None and isinstance(kind, Boolean):
            value = bool(value)
        elif value is not None and isinstance(kind, Integer):
            value = int(value)
        out[column.name] = value
    return out


def _items(session: Session, transfer_id: str) -> list[HandoverItem]:
    return list(session.execute(select(HandoverItem).where(HandoverItem.transfer_id == transfer_id)
                                .order_by(HandoverItem.position)).scalars())


def accept(store: Store, transfer_id: str, *, answered_on: dt.date | None = None, today: dt.date | None = None) -> str:
    """Take a forwarded case over as this school's own open case; returns the new case's id.

    The child (an existing student with the same identity number is used), the case, its persuasion log, joint
    reports, court rulings and evidence are written as new records of this school in one transaction; the
    sender's history stays with the forward and is shown as 移交前 in the case's history.

    Raises:
        ValidationError: answered before, the child already has an open case here, the forward is incomplete.
    """
    require(store, Permission.EDIT_RECORDS)
    inst = _inst(store)
    today = _today(today)
    answered_on = answered_on or today
    with store.write() as session:
        transfer = _waiting(session, inst, transfer_id)
        errors = rules.answer_date_errors(answered_on, requested_on=transfer.requested_on, today=today)
        if errors:
            raise ValidationError(errors)
        tables = {m.__tablename__: m for m in CASE_TABLES}
        records: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
        originals: dict[str, list[str]] = {name: [] for name in tables}
        for item in _items(session, transfer.id):
            if item.kind == HISTORY:
                continue
            if item.kind not in tables:
                raise ValidationError(f"移交内容中有不认识的记录（{item.kind[:20]}），无法接收，请先升级本程序")
            try:
                data = json.loads(item.data)
            except ValueError as exc:
                raise ValidationError("移交内容无法解读，无法接收，请联系区教委") from exc
            model = tables[item.kind]
            records[item.kind].append(_load(cast(Table, model.__table__), data, case_history_label(item.kind)))
            originals[item.kind].append(str(data.get("id", "")))
        if len(records["students"]) != 1 or len(records["cases"]) != 1:
            raise ValidationError("移交内容不完整（缺少学生或案件），无法接收，请联系区教委")
        student_values, case_values = records["students"][0], records["cases"][0]
        student = None
        if student_values.get("id_number"):
            student = session.execute(select(Student).where(Student.id_number == student_values["id_number"])
                                      .limit(1)).scalar_one_or_none()
        if student is not None:
            open_case = session.execute(select(Case).where(
                Case.student_id == student.id, ~Case.voided,
                Case.status.in_((*CaseStatus.open_values(), CaseStatus.DEFERRED.value)))).scalars().first()
            if open_case is not None:
                raise ValidationError(f"本校已有{student.name}未销号的案件（{open_case.opened_on}立案，{open_case.status}），"
                                      "不能再接收；请退回并说明，或在本校案件中继续劝返")
        else:
            student = Student(**student_values)
            session.add(student)
            session.flush()
            assign_new_student(session, store.account, student.id)
        case_values.pop("student_id", None)
        case_values.update(_SCHOOL_FIELDS)
        active = sum(1 for v in records["persuasion_attempts"] if not v.get("voided"))
        case_values["status"] = case_rules.status_after_reopen(bool(records["joint_reports"]), active)
        case = Case(student_id=student.id, **case_values)
        session.add(case)
        session.flush()
        new_ids: dict[tuple[str, str], str] = {("cases", originals["cases"][0]): case.id}
        for name in ("persuasion_attempts", "joint_reports", "court_rulings"):
            for old_id, values in zip(originals[name], records[name], strict=True):
                values["case_id"] = case.id
                obj = tables[name](**values)
                session.add(obj)
                session.flush()
                new_ids[(name, old_id)] = obj.id
        for values in records["evidence_files"]:
            if session.get(EvidenceBlob, values["sha256"]) is None:
                raise ValidationError(f"移交的佐证材料“{values['file_name']}”的文件尚未收到，"
                                      "请先导入区教委的全部数据包后再接收")
            owner = new_ids.get((values["owner_table"], values["owner_id"]))
            values["case_id"] = case.id
            values["owner_table"], values["owner_id"] = ("persuasion_attempts", owner) if owner and \
                values["owner_table"] == "persuasion_attempts" else ("cases", case.id)
            session.add(EvidenceFile(**values))
        session.add(HandoverAnswer(transfer_id=transfer.id, accepted=True, answered_on=answered_on,
                                   new_case_id=case.id))
        session.flush()  # the rows' history first: an event written over pending rows would fork the chain
        audit.record_event(session, "cases", case.id, "接收移交",
                           f"{transfer.from_name}于{transfer.requested_on}移交（{transfer.reason}），"
                           f"区教委{transfer.forwarded_on}转交")
        session.flush()
        return case.id


def reject(store: Store, transfer_id: str, reason: str, *, answered_on: dt.date | None = None,
           today: dt.date | None = None) -> str:
    """Send a forwarded handover back with a reason; the sending school's case stays its own."""
    require(store, Permission.EDIT_RECORDS)
    inst = _inst(store)
    today = _today(today)
    answered_on = answered_on or today
    with store.write() as session:
        transfer = _waiting(session, inst, transfer_id)
        errors = rules.rejection_errors(reason, answered_on, requested_on=transfer.requested_on, today=today)
        if errors:
            raise ValidationError(errors)
        answer = HandoverAnswer(transfer_id=transfer.id, accepted=False, answered_on=answered_on,
                                reason=" ".join(reason.split()))
        session.add(answer)
        session.flush()
        return answer.id


def case_history_label(table: str) -> str:
    from desktop_app.services.case_history import TABLE_LABELS

    return TABLE_LABELS.get(table, table)


