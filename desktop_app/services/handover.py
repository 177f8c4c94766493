"""Case handover (移交): a school hands a case to another school of the district, through the district.

1. The sending school asks (``request_handover``): a ``case_handovers`` row on its open case, which
   stays open (shown 移交中) until the receiving school accepts. It travels in its next package.
2. The district, importing it (``after_import``), writes a forward (``handover_transfers``) and, for
   the receiving school only, the case as it holds it: the child, the case, the persuasion log, joint
   reports, court rulings, evidence (the bytes travel with the package) and the history lines
   (``handover_items``). The forward goes to both schools, the items to the receiving school only.
3. The receiving school accepts (``accept``: the case becomes its own open case, with new records and
   the history shown as 移交前) or rejects with a reason (``reject``); its ``handover_answers`` row
   travels to the district, which sets the forward's state; the forward travels back to the sender.
4. The sending school, importing an accepted forward, closes its case with the reason 移交 and the
   receiving school's name (the acceptance is the evidence). A rejected one leaves the case open,
   as it always was, and says why in the case's records and in 待办.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Table, func, select
from sqlalchemy.orm import Session

from database.handover import CaseHandover, DistrictSchool, HandoverAnswer, HandoverItem, HandoverTransfer
from database.lifecycle import CaseClosing, CourtRuling, EvidenceBlob, EvidenceFile, JointReport
from database.models import Case, Installation, LedgerMixin, PersuasionAttempt, Student
from database.sync import Peer, RecordOwner, RemoteAuditEntry
from desktop_app.domain import handover as rules
from desktop_app.domain import lifecycle as case_rules
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.domain.lifecycle import Closing, ClosingReason
from desktop_app.services import audit, todo
from desktop_app.services.access import Permission, require, require_case
from desktop_app.services.accounts import assign_new_student
from desktop_app.services.store import Store

SCHOOL, DISTRICT = "school", "district"
#: Tables of a case the receiving school takes over, in the order they are written there.
CASE_TABLES: tuple[type[LedgerMixin], ...] = (Student, Case, PersuasionAttempt, JointReport, CourtRuling, EvidenceFile)
HISTORY = "history"
_META = {"id", "created_at", "updated_at", "updated_by", "node_id", "version"}
#: Fields of the case that belong to the school working on it; the receiving school fills its own.
_SCHOOL_FIELDS = {"contact_name": "", "contact_phone": "", "persuading_unit": "", "responsible_person": "",
                  "responsible_phone": "", "deferral_approved": False, "deferral_approval_date": None,
                  "deferral_document": "", "closed_on": None, "voided": False, "void_reason": ""}
REJECTED_SHOWN_DAYS = 30  # 待办 shows a rejected handover this long


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _inst(store: Store) -> Installation:
    inst = store.installation()
    if inst is None:
        raise ValidationError("本机尚未设置单位信息，请先完成设置")
    return inst


# --- the district's list of schools ------------------------------------------------------------

@dataclass(frozen=True)
class SchoolChoice:
    code: str
    name: str
    township: str

    def label(self) -> str:
        return f"{self.name}（{self.township}，{self.code}）" if self.township else f"{self.name}（{self.code}）"


def publish_schools(session: Session) -> int:
    """At the district, inside a write: the school list that travels to every school follows the registered
    schools (new ones added, renamed ones updated). Returns how many rows changed."""
    rows = {s.code: s for s in session.execute(select(DistrictSchool)).scalars()}
    changed = 0
    for peer in session.execute(select(Peer).where(Peer.kind == SCHOOL).order_by(Peer.code)).scalars():
        row = rows.get(peer.code)
        if row is None:
            session.add(DistrictSchool(code=peer.code, name=peer.name, township=peer.township or ""))
            changed += 1
        elif (row.name, row.township) != (peer.name, peer.township or ""):
            row.name, row.township = peer.name, peer.township or ""
            changed += 1
    session.flush()
    return changed


def district_schools(store: Store) -> list[SchoolChoice]:
    """The schools a case can be handed to: the district's list (as its last package said), without this one.

    Raises:
        ValidationError: this school has not received the list yet (say so: it comes with the district's package).
    """
    inst = _inst(store)
    with store.read() as session:
        rows = list(session.execute(select(DistrictSchool).order_by(DistrictSchool.township, DistrictSchool.code))
                    .scalars())
    if not rows:
        raise ValidationError("本校还没有区教委的学校名单：名单随区教委发来的数据包一起到达，"
                              "请先向区教委报送数据包，再导入区教委发回的数据包")
    return [SchoolChoice(r.code, r.name, r.township) for r in rows if r.code != inst.code]


# --- what a handover looks like ------------------------------------------------------------------

@dataclass
class HandoverView:
    """One handover as a screen lists it (``id``: the district's forward, or the request while none came back)."""

    id: str
    case_id: str
    student_name: str
    birth_date: dt.date | None
    from_code: str
    from_name: str
    to_code: str
    to_name: str
    requested_on: dt.date
    reason: str
    detail: str
    state: str
    forwarded_on: dt.date | None = None
    answered_on: dt.date | None = None
    answer_reason: str = ""
    attempts: int = 0
    evidence: int = 0

    def row(self) -> list[Any]:
        return [self.student_name, self.from_name, self.to_name, self.requested_on.isoformat(),
                self.reason + (f"：{self.detail}" if self.detail else ""), self.state,
                self.answered_on.isoformat() if self.answered_on else "", self.answer_reason]


LIST_HEADERS = ("学生", "移出学校", "接收学校", "移交日期", "移交原因", "状态", "答复日期", "退回原因")


def _view(t: HandoverTransfer, counts: dict[str, int] | None = None) -> HandoverView:
    counts = counts or {}
    return HandoverView(t.id, t.case_id, t.student_name, t.birth_date, t.from_code, t.from_name, t.to_code,
                        t.to_name, t.requested_on, t.reason, t.detail, t.state, t.forwarded_on, t.answered_on,
                        t.answer_reason, counts.get("persuasion_attempts", 0), counts.get("evidence_files", 0))


def _item_counts(session: Session, transfer_id: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in session.execute(
        select(HandoverItem.kind, func.count()).where(HandoverItem.transfer_id == transfer_id)
        .group_by(HandoverItem.kind))}


def _answered(session: Session) -> set[str]:
    return set(session.execute(select(HandoverAnswer.transfer_id)).scalars())


# --- 1. the sending school asks ------------------------------------------------------------------

def _pending_request(session: Session, case_id: str) -> CaseHandover | None:
    """The case's handover still in flight (no forward yet, or forwarded and not answered)."""
    for req in session.execute(select(CaseHandover).where(CaseHandover.case_id == case_id)
                               .order_by(CaseHandover.created_at.desc())).scalars():
        transfer = session.execute(select(HandoverTransfer).where(HandoverTransfer.request_id == req.id)
                                   ).scalar_one_or_none()
        if transfer is None or transfer.state == rules.WAITING:
            return req
    return None


def request_handover(store: Store, case_id: str, request: rules.Request, *, today: dt.date | None = None) -> str:
    """移交: ask the district to forward this open case to another school. The case stays open until accepted.

    Raises:
        ValidationError: the school is not in the district's list, a handover is already in flight, the case is
            not open …; nothing is written.
    """
    require_case(store, Permission.CLOSE_CASES, case_id)
    inst = _inst(store)
    if inst.kind != SCHOOL:
        raise ValidationError("移交由学校办理：区教委转交学校发来的移交")
    schools = {s.code: s.name for s in district_schools(store)}
    with store.write() as session:
        case = session.get(Case, case_id)
        if case is None or case.voided:
            raise NotFoundError("案件不存在或已作废")
        if case.status not in case_rules.OPEN:
            raise ValidationError(f"案件当前为“{case.status}”，只有未销号的案件可以移交")
        if (pending := _pending_request(session, case_id)) is not None:
            raise ValidationError(f"此案件已于{pending.requested_on}移交{pending.to_name}，正在等待对方接收")
        errors = rules.request_errors(request, own_code=inst.code, schools=schools,
                                      opened_on=min(case.opened_on, case.fill_date), today=_today(today))
        if errors:
            raise ValidationError(errors)
        assert request.requested_on is not None
        row = CaseHandover(case_id=case.id, to_code=request.to_code, to_name=schools[request.to_code],
                           requested_on=request.requested_on, reason=request.reason, detail=request.detail)
        session.add(row)
        session.flush()
        return row.id


# --- 2. the district forwards ----------------------------------------------------------------------

def _raw(value: Any) -> Any:
    """A value as SQLite stores it and packages carry it (ISO dates, 0/1)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _row_data(obj: LedgerMixin) -> dict[str, Any]:
    return {c.name: _raw(getattr(obj, c.name)) for c in obj.__table__.columns}


def _case_records(session: Session, case: Case) -> list[LedgerMixin]:
    """The case's records the receiving school takes over, in ``CASE_TABLES`` order (voided ones left out)."""
    out: list[LedgerMixin] = [case.student, case]
    for model in (PersuasionAttempt, JointReport, CourtRuling, EvidenceFile):
        out.extend(session.execute(select(model).where(model.case_id == case.id, ~model.voided)
                                   .order_by(model.created_at)).scalars())
    return out


def _forward(session: Session, req: CaseHandover, sender: Peer, today: dt.date) -> HandoverTransfer:
    """At the district: the forward of one request, with the items for the receiving school."""
    case = session.get(Case, req.case_id)
    to = session.execute(select(Peer).where(Peer.kind == SCHOOL, Peer.code == req.to_code)).scalar_one_or_none()
    transfer = HandoverTransfer(
        request_id=req.id, case_id=req.case_id, from_code=sender.code, from_name=sender.name, to_code=req.to_code,
        to_name=to.name if to else req.to_name, student_name=case.student.name if case else "",
        birth_date=case.student.birth_date if case else None, requested_on=req.requested_on, reason=req.reason,
        detail=req.detail, forwarded_on=today, state=rules.WAITING)
    if to is None or to.code == sender.code or case is None:
        transfer.state, transfer.answered_on = rules.REJECTED, today
        transfer.answer_reason = rules.UNKNOWN_SCHOOL if case is not None else "区教委没有收到这个案件，无法转交"
    session.add(transfer)
    session.flush()
    if transfer.state != rules.WAITING or case is None:
        return transfer
    records = _case_records(session, case)
    position = 0
    for obj in records:
        sha = getattr(obj, "sha256", "") if isinstance(obj, EvidenceFile) else ""
        session.add(HandoverItem(transfer_id=transfer.id, to_code=req.to_code, position=position,
                                 kind=obj.__tablename__, sha256=sha,
                                 data=json.dumps(_row_data(obj), ensure_ascii=False, sort_keys=True)))
        position += 1
    ids = [o.id for o in records] + list(session.execute(
        select(CaseClosing.id).where(CaseClosing.case_id == case.id)).scalars())
    history = session.execute(
        select(RemoteAuditEntry).where(RemoteAuditEntry.origin_node == sender.node_id,
                                       RemoteAuditEntry.record_id.in_(ids))
        .order_by(RemoteAuditEntry.origin_id)).scalars()
    for h in history:
        session.add(HandoverItem(transfer_id=transfer.id, to_code=req.to_code, position=position, kind=HISTORY,
                                 data=json.dumps({"at": h.at.isoformat(sep=" "), "user": h.user, "action": h.action,
                                                  "table": h.table_name, "field": h.field, "old": h.old_value,
                                                  "new": h.new_value}, ensure_ascii=False)))
        position += 1
    session.flush()
    return transfer


def _answer_arrived(session: Session, answer: HandoverAnswer, sender: Peer) -> None:
    """At the district: the receiving school's answer sets the forward's state (it travels back to both)."""
    transfer = session.get(HandoverTransfer, answer.transfer_id)
    if transfer is None or transfer.to_code != sender.code:
        raise ValidationError(f"{sender.name}的数据包答复了一件不是移交给该校的案件，未导入")
    if transfer.state != rules.WAITING:
        return  # answered before (a second answer changes nothing)
    transfer.state = rules.ACCEPTED if answer.accepted else rules.REJECTED
    transfer.answered_on = answer.answered_on
    transfer.answer_reason = answer.reason
    transfer.new_case_id = answer.new_case_id or ""


# --- 4. the sending school hears back ----------------------------------------------------------------

def _answer_returned(session: Session, inst: Installation, transfer: HandoverTransfer, today: dt.date) -> None:
    """At the sending school: an accepted handover closes the case (移交); a rejected one is noted on it."""
    case = session.get(Case, transfer.case_id)
    if case is None:
        return
    session.flush()  # pending rows' history before an event's, or the chain forks
    if transfer.state == rules.REJECTED:
        audit.record_event(session, "cases", case.id, "移交被退回",
                           f"{transfer.to_name}于{transfer.answered_on}退回：{transfer.answer_reason}")
        return
    if transfer.state != rules.ACCEPTED:
        return
    if case.status not in case_rules.OPEN:
        audit.record_event(session, "cases", case.id, "移交已被接收",
                           f"{transfer.to_name}于{transfer.answered_on}接收；本校案件此前已是“{case.status}”，未改动")
        return
    answered = transfer.answered_on or today
    closed_on = max(min(answered, today), case.opened_on)
    closing = Closing(reason=ClosingReason.HANDOVER.value, closed_on=closed_on, school=transfer.to_name,
                      detail=f"{transfer.requested_on}移交，区教委{transfer.forwarded_on}转交，对方{answered}接收")
    errors = case_rules.closing_errors(closing, opened_on=min(case.opened_on, case.fill_date), today=today,
                                       birth_date=case.student.birth_date, deferral_approved=False,
                                       handover_accepted_by=transfer.to_name)
    if errors:
        raise ValidationError(errors)
    session.add(CaseClosing(case_id=case.id, reason=closing.reason, closed_on=closing.closed_on,
                            school=closing.school, detail=closing.detail))
    case.status = case_rules.status_after_closing(closing.reason)
    case.closed_on = closing.closed_on
    case.result = "其他"
    case.not_returned_reason = ""


def after_import(session: Session, inst: Installation, peer: Peer,
                 changed: Iterable[tuple[str, str]], today: dt.date | None = None) -> None:
    """Inside a package's import transaction, after its rows were applied: the district forwards new requests
    and records answers; a sending school closes or keeps its case. ``changed``: (table, id) the package carried."""
    today = _today(today)
    wanted: dict[str, list[str]] = {}
    for table, rid in changed:
        if table in ("case_handovers", "handover_answers", "handover_transfers"):
            wanted.setdefault(table, []).append(rid)
    if not wanted:
        return
    if inst.kind == DISTRICT and peer.kind == SCHOOL:
        for rid in wanted.get("case_handovers", []):
            req = session.get(CaseHandover, rid)
            done = session.execute(select(HandoverTransfer.id).where(HandoverTransfer.request_id == rid)).first()
            if req is not None and done is None:
                _forward(session, req, peer, today)
        for rid in wanted.get("handover_answers", []):
            answer = session.get(HandoverAnswer, rid)
            if answer is not None:
                _answer_arrived(session, answer, peer)
    elif inst.kind == SCHOOL:
        for rid in wanted.get("handover_transfers", []):
            transfer = session.get(HandoverTransfer, rid)
            if transfer is not None and transfer.from_code == inst.code:
                _answer_returned(session, inst, transfer, today)
    session.flush()


# --- 3. the receiving school answers -----------------------------------------------------------------

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
            records[item.kind].append(_load(model.__table__, data, case_history_label(item.kind)))
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
        case = Case(student_id=student.id, **{k: v for k, v in case_values.items() if k != "status"},
                    status=CaseStatus.SUSPECTED.value)
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
        attempts = [v for v in records["persuasion_attempts"] if not v.get("voided")]
        case.status = case_rules.status_after_reopen(bool(records["joint_reports"]), len(attempts))
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


# --- the chain, as each side sees it -------------------------------------------------------------------

def _state_text(t: HandoverTransfer | None) -> str:
    if t is None:
        return "待区教委转交"
    if t.state == rules.WAITING:
        return f"区教委{t.forwarded_on}已转交，待对方接收"
    if t.state == rules.ACCEPTED:
        return f"对方{t.answered_on}已接收"
    return f"{t.answered_on}被退回：{t.answer_reason}"


@dataclass
class ChainLink:
    direction: str  # 移交至 | 移交自
    school: str
    requested_on: dt.date
    state: str
    text: str


def chain(store: Store, case_id: str) -> list[ChainLink]:
    """The case's handovers: 移交至 (this case was handed on) and 移交自 (it came from another school)."""
    out: list[ChainLink] = []
    with store.read() as session:
        for req in session.execute(select(CaseHandover).where(CaseHandover.case_id == case_id)
                                   .order_by(CaseHandover.created_at)).scalars():
            t = session.execute(select(HandoverTransfer).where(HandoverTransfer.request_id == req.id)
                                ).scalar_one_or_none()
            state = t.state if t else rules.REQUESTED
            out.append(ChainLink("移交至", req.to_name, req.requested_on, state,
                                 f"移交至：{req.to_name}（{req.requested_on}移交，{req.reason}；{_state_text(t)}）"))
        # At the district the forward names the sending school's case even where no request row arrived.
        known = {link.requested_on for link in out}
        for t in session.execute(select(HandoverTransfer).where(HandoverTransfer.case_id == case_id)).scalars():
            if t.requested_on not in known:
                out.append(ChainLink("移交至", t.to_name, t.requested_on, t.state,
                                     f"移交至：{t.to_name}（{t.requested_on}移交，{t.reason}；{_state_text(t)}）"))
        for t in session.execute(select(HandoverTransfer).join(
                HandoverAnswer, HandoverAnswer.transfer_id == HandoverTransfer.id).where(
                HandoverAnswer.new_case_id == case_id)).scalars():
            answer = session.execute(select(HandoverAnswer).where(HandoverAnswer.transfer_id == t.id,
                                                                  HandoverAnswer.new_case_id == case_id)).scalars().first()
            on = answer.answered_on if answer else t.answered_on
            out.append(ChainLink("移交自", t.from_name, t.requested_on, rules.ACCEPTED,
                                 f"移交自：{t.from_name}（{t.requested_on}移交，{t.reason}；{on}本校接收）"))
    return out


def chain_lines(store: Store, case_id: str) -> list[str]:
    return [link.text for link in chain(store, case_id)]


def in_flight_request(store: Store, case_id: str) -> str:
    """A line for a case whose handover is waiting ("" when none): the ledger and the form say 移交中."""
    with store.read() as session:
        req = _pending_request(session, case_id)
        return f"移交中：已于{req.requested_on}移交{req.to_name}，待对方接收" if req else ""


@dataclass(frozen=True)
class PriorHistory:
    at: dt.datetime
    user: str
    table: str
    action: str
    field: str
    old: str | None
    new: str | None
    school: str


def prior_history(store: Store, case_id: str) -> list[PriorHistory]:
    """The history a case brought with it from the school that handed it over (oldest first)."""
    with store.read() as session:
        transfers = list(session.execute(select(HandoverTransfer).join(
            HandoverAnswer, HandoverAnswer.transfer_id == HandoverTransfer.id).where(
            HandoverAnswer.new_case_id == case_id, HandoverAnswer.accepted)).scalars())
        out: list[PriorHistory] = []
        for t in transfers:
            for item in session.execute(select(HandoverItem).where(
                    HandoverItem.transfer_id == t.id, HandoverItem.kind == HISTORY)
                    .order_by(HandoverItem.position)).scalars():
                try:
                    h = json.loads(item.data)
                    out.append(PriorHistory(dt.datetime.fromisoformat(str(h["at"])), str(h["user"]), str(h["table"]),
                                            str(h["action"]), str(h["field"]), h.get("old"), h.get("new"),
                                            t.from_name))
                except (ValueError, KeyError, TypeError):
                    continue  # a history line the district wrote badly is left out of the view, not the case
        return out


# --- the district's view -----------------------------------------------------------------------------

def handovers(store: Store, *, in_flight_only: bool = False, limit: int | None = 2000) -> list[HandoverView]:
    """Every forward this installation holds (the district: all; a school: its own both ways), newest first."""
    with store.read() as session:
        stmt = select(HandoverTransfer).order_by(HandoverTransfer.requested_on.desc(), HandoverTransfer.id)
        if in_flight_only:
            stmt = stmt.where(HandoverTransfer.state == rules.WAITING)
        return [_view(t) for t in session.execute(stmt.limit(limit)).scalars()]


def in_flight_count(store: Store) -> int:
    with store.read() as session:
        return int(session.execute(select(func.count()).select_from(HandoverTransfer).where(
            HandoverTransfer.state == rules.WAITING)).scalar_one())


def in_flight_by_school(store: Store) -> dict[str, int]:
    """Handovers waiting for an answer, per school code (counted at the sending and at the receiving school)."""
    out: dict[str, int] = {}
    with store.read() as session:
        for from_code, to_code in session.execute(select(HandoverTransfer.from_code, HandoverTransfer.to_code)
                                                  .where(HandoverTransfer.state == rules.WAITING)):
            out[from_code] = out.get(from_code, 0) + 1
            out[to_code] = out.get(to_code, 0) + 1
    return out


def owner_of_case(session: Session, case_id: str) -> str:
    """At the district: the node of the school a case belongs to ("" for the district's own)."""
    return session.execute(select(RecordOwner.owner_node).where(
        RecordOwner.table_name == "cases", RecordOwner.record_id == case_id)).scalar_one_or_none() or ""


# --- 待办 ---------------------------------------------------------------------------------------------

@todo.provider
def handover_reminders(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """At a school: handovers waiting for it to answer, and its own handovers sent back lately."""
    inst = store.installation()
    if inst is None or inst.kind != SCHOOL:
        return []
    items: list[todo.TodoItem] = []
    with store.read() as session:
        answered = _answered(session)
        for t in session.execute(select(HandoverTransfer).where(
                HandoverTransfer.state.in_((rules.WAITING, rules.REJECTED)),
                (HandoverTransfer.to_code == inst.code) | (HandoverTransfer.from_code == inst.code))).scalars():
            if t.to_code == inst.code and t.state == rules.WAITING and t.id not in answered:
                items.append(todo.TodoItem(t.forwarded_on, f"收到移交：{t.student_name}（{t.from_name}），待接收或退回",
                                           f"{t.requested_on}移交，原因：{t.reason}", "移交", ("handover", t.id)))
            elif t.from_code == inst.code and t.state == rules.REJECTED and t.answered_on and \
                    (today - t.answered_on).days <= REJECTED_SHOWN_DAYS:
                items.append(todo.TodoItem(t.answered_on, f"移交被退回：{t.student_name}（{t.to_name}）",
                                           f"退回原因：{t.answer_reason}；案件仍由本校继续劝返", "移交",
                                           ("case", t.case_id)))
    return items

