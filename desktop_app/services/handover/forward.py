"""2. The district forwards a request (the case as it holds it, for the receiving school only) and records the
answer; 4. the sending school, hearing the answer, closes its case with 移交 or notes the rejection.

Both run inside a package's import transaction (``after_import``, called by the sync import)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.handover import CaseHandover, HandoverAnswer, HandoverItem, HandoverTransfer
from database.lifecycle import CaseClosing, CourtRuling, EvidenceFile, JointReport
from database.models import Case, Installation, LedgerMixin, PersuasionAttempt
from database.sync import Peer, RemoteAuditEntry
from desktop_app.domain import handover as rules
from desktop_app.domain import lifecycle as case_rules
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.lifecycle import Closing, ClosingReason
from desktop_app.services import audit
from desktop_app.services.handover.common import DISTRICT, HISTORY, SCHOOL, _today


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
        out.extend(cast("Iterable[LedgerMixin]", session.execute(
            select(model).where(model.case_id == case.id, ~model.voided).order_by(model.created_at)).scalars()))
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
    # an acceptance made before the withdrawal reached the receiving school stands (its new case exists)
    late_acceptance = transfer.state == rules.WITHDRAWN and answer.accepted
    if transfer.state != rules.WAITING and not late_acceptance:
        return  # answered before (a second answer changes nothing), or withdrawn
    transfer.state = rules.ACCEPTED if answer.accepted else rules.REJECTED
    transfer.answered_on = answer.answered_on
    transfer.answer_reason = answer.reason
    transfer.new_case_id = answer.new_case_id or ""


def _withdrawn(transfer: HandoverTransfer, req: CaseHandover, today: dt.date) -> None:
    """At the district: the sending school withdrew a forwarded handover; the receiving school has not answered
    (as far as the district knows), so it is 已撤回 for both. Answered already: too late, nothing changes."""
    if transfer.state == rules.WAITING:
        transfer.state, transfer.answered_on = rules.WITHDRAWN, today
        transfer.answer_reason = f"{transfer.from_name}撤回：{req.void_reason}"


# --- 4. the sending school hears back ----------------------------------------------------------------

def _answer_returned(session: Session, inst: Installation, transfer: HandoverTransfer, today: dt.date) -> None:
    """At the sending school: an accepted handover closes the case (移交); a rejected one is noted on it."""
    case = session.get(Case, transfer.case_id)
    if case is None:
        return
    session.flush()  # pending rows' history before an event's, or the chain forks
    req = session.get(CaseHandover, transfer.request_id)
    if req is not None and req.voided and transfer.state == rules.ACCEPTED:
        audit.record_event(session, "cases", case.id, "撤回移交未成功",
                           f"{transfer.to_name}在撤回送达之前已于{transfer.answered_on}接收，本校案件按移交销号")
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
            if req is None:
                continue
            done = session.execute(select(HandoverTransfer).where(HandoverTransfer.request_id == rid)
                                   ).scalar_one_or_none()
            if req.voided:  # withdrawn: never forwarded, or 已撤回 if still waiting
                if done is not None:
                    _withdrawn(done, req, today)
            elif done is None:
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


