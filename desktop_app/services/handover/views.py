"""What each side sees: the chain on a case (移交至 / 移交自), the history a case brought with it, the
district's list of handovers in flight, and the schools' 待办."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select

from database.handover import CaseHandover, HandoverAnswer, HandoverItem, HandoverTransfer
from database.sync import Peer
from desktop_app.domain import handover as rules
from desktop_app.services import compat, todo
from desktop_app.services.handover.common import HISTORY, SCHOOL, HandoverView, _answered, _view
from desktop_app.services.handover.request import _pending_request
from desktop_app.services.store import Store

REJECTED_SHOWN_DAYS = 30  # 待办 shows a rejected handover this long


def _state_text(t: HandoverTransfer | None) -> str:
    if t is None:
        return "待区教委转交"
    if t.state == rules.WAITING:
        return f"区教委{t.forwarded_on}已转交，待对方接收"
    if t.state == rules.ACCEPTED:
        return f"对方{t.answered_on}已接收"
    if t.state == rules.WITHDRAWN:
        return f"{t.answered_on}已撤回"
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
        forwards = {t.request_id: t for t in session.execute(
            select(HandoverTransfer).where(HandoverTransfer.case_id == case_id)).scalars()}
        for req in session.execute(select(CaseHandover).where(CaseHandover.case_id == case_id)
                                   .order_by(CaseHandover.created_at)).scalars():
            t = forwards.pop(req.id, None)
            state, said = (t.state if t else rules.REQUESTED), _state_text(t)
            if req.voided and state in rules.IN_FLIGHT:  # withdrawn here; the district has not heard yet
                state, said = rules.WITHDRAWN, f"已撤回：{req.void_reason}"
            out.append(ChainLink("移交至", req.to_name, req.requested_on, state,
                                 f"移交至：{req.to_name}（{req.requested_on}移交，{req.reason}；{said}）"))
        for t in forwards.values():  # a forward whose request row is not here
            out.append(ChainLink("移交至", t.to_name, t.requested_on, t.state,
                                 f"移交至：{t.to_name}（{t.requested_on}移交，{t.reason}；{_state_text(t)}）"))
        for t, on in session.execute(select(HandoverTransfer, HandoverAnswer.answered_on).join(
                HandoverAnswer, HandoverAnswer.transfer_id == HandoverTransfer.id).where(
                HandoverAnswer.new_case_id == case_id, HandoverAnswer.accepted)):
            out.append(ChainLink("移交自", t.from_name, t.requested_on, rules.ACCEPTED,
                                 f"移交自：{t.from_name}（{t.requested_on}移交，{t.reason}；{on}由{t.to_name}接收）"))
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
    """Every forward this installation holds (the district: all; a school: its own both ways), newest first.

    At the district a handover waiting for a school whose program cannot read handovers yet (an earlier
    release) says so: the forward is held back for that school until it upgrades (compat)."""
    with store.read() as session:
        stmt = select(HandoverTransfer).order_by(HandoverTransfer.requested_on.desc(), HandoverTransfer.id)
        if in_flight_only:
            stmt = stmt.where(HandoverTransfer.state == rules.WAITING)
        out = [_view(t) for t in session.execute(stmt.limit(limit)).scalars()]
        old = {p.code for p in session.execute(select(Peer).where(Peer.kind == SCHOOL)).scalars()
               if "handover_items" not in compat.peer_reads(p)}
    for view in out:
        if view.state == rules.WAITING and view.to_code in old:
            view.note = "（对方程序版本过旧，升级后才能收到）"
    return out


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

