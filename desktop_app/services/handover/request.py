"""1. The sending school asks: a request on its open case, which stays open (移交中) until the other school accepts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.handover import CaseHandover, HandoverTransfer
from database.models import Case
from desktop_app.domain import handover as rules
from desktop_app.domain import lifecycle as case_rules
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.services import audit
from desktop_app.services.access import Permission, require_case
from desktop_app.services.handover.common import SCHOOL, _inst, _today
from desktop_app.services.handover.schools import district_schools
from desktop_app.services.store import Store


def _pending_request(session: Session, case_id: str) -> CaseHandover | None:
    """The case's handover still in flight (no forward yet, or forwarded and not answered; not withdrawn)."""
    for req in session.execute(select(CaseHandover).where(CaseHandover.case_id == case_id, ~CaseHandover.voided)
                               .order_by(CaseHandover.created_at.desc())).scalars():
        transfer = session.execute(select(HandoverTransfer).where(HandoverTransfer.request_id == req.id)
                                   ).scalar_one_or_none()
        if transfer is None or transfer.state == rules.WAITING:
            return req
    return None


pending_request = _pending_request  # 销号 asks it too (lifecycle.close_case)


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




def withdraw_handover(store: Store, case_id: str, reason: str) -> str:
    """撤回移交: the sending school takes back its handover while the receiving school has not answered (as far
    as it knows). The request is voided with the reason; the case, which never left, stays open here.

    Its next package tells the district: a handover not yet forwarded is never forwarded; one waiting for the
    receiving school becomes 已撤回 there and at both schools (the receiving school can no longer accept it).
    An acceptance the receiving school made before the withdrawal reached it stands: the district then records
    the handover as 已接收 and this case closes with 移交 as usual (its history says the withdrawal came too late).

    Raises:
        ValidationError: no handover of this case is waiting, or the reason is empty; nothing is written.
    """
    require_case(store, Permission.CLOSE_CASES, case_id)
    inst = _inst(store)
    if inst.kind != SCHOOL:
        raise ValidationError("撤回移交由移出学校办理")
    text = " ".join(reason.split())
    if not text:
        raise ValidationError("请填写撤回移交的原因")
    with store.write() as session:
        req = _pending_request(session, case_id)
        if req is None:
            raise ValidationError("此案件没有等待对方接收的移交，无需撤回")
        req.voided = True
        req.void_reason = text
        session.flush()  # the request's history first: an event written over pending rows would fork the chain
        audit.record_event(session, "cases", case_id, "撤回移交", f"撤回{req.requested_on}向{req.to_name}的移交：{text}")
        return req.id
