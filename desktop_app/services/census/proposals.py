"""联查建议 at a school: the district's answers about the school's own children, accepted or rejected.

The district's package brings them (``match_proposals``, made by ``services.matching.proposals``). They
show on 摸排核查 (census children studying at another school; 重复立案), 衔接 (leavers found, or found
nowhere) and 返校核查 (transfers confirmed, not-returned students found). Accepting one writes what the
teacher would have written, with 来源：区教委联查 and the day of the district's run:

- 摸排, 小升初, 幼升小 found at another school: the child's status of the semester, 区内他校在读 at that school;
- 返校 转学已确认: the receiving school becomes the return check's destination;
- 返校 未返校已找到: the return check becomes 转学 to that school.

Accepting several, or all, is one transaction. A rejection needs a reason. Either decision travels back to
the district with the school's next package. 衔接未找到 and 重复立案 are notices: nothing to accept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database.census import ChildStatusRecord, ReturnCheck
from database.matching import MatchProposal
from database.models import Student
from desktop_app.domain import proposals as P
from desktop_app.domain.census import ChildStatus, ReturnResult
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.services import todo
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store


@dataclass
class ProposalRow:
    """One proposal as a school's screens list it."""

    id: str
    student_id: str
    name: str
    kind: str
    result: str
    answer: str  # the answer in a sentence (在米心镇中学七年级就读 …)
    found_school: str
    found_grade: str
    method: str
    matched_on: dt.date
    status: str  # 待确认 | 已接受 | 已拒绝 | 通知 | 已撤回 (withdrawn by a later run)
    decided_on: dt.date | None
    decided_by: str
    reason: str

    @property
    def open(self) -> bool:
        return self.status == P.PENDING

    @property
    def source(self) -> str:
        return P.source_note(self.matched_on.isoformat())


WITHDRAWN = "已撤回"
HEADERS = (("name", "姓名"), ("kind", "类别"), ("answer", "区教委联查结果"), ("method", "比对方式"),
           ("matched_on", "联查日期"), ("status", "处理"), ("reason", "拒绝原因"))


def _row(p: MatchProposal, name: str) -> ProposalRow:
    status = p.status
    if status == P.PENDING and p.result not in P.ACTIONABLE:  # found before, found nowhere since: a notice
        status = P.NOTICE
    if p.withdrawn and status in (P.PENDING, P.NOTICE):
        status = WITHDRAWN
    return ProposalRow(p.id, p.student_id, name, p.kind, p.result, P.found_text(p.result, p.found_school, p.found_grade),
                       p.found_school, p.found_grade, p.method, p.matched_on, status, p.decided_on, p.decided_by,
                       p.reason)


def proposal_rows(store: Store, semester: str, kinds: Iterable[str] = P.KINDS, *,
                  open_only: bool = False) -> list[ProposalRow]:
    """The proposals of ``semester`` of these kinds (open ones first)."""
    mp = MatchProposal
    stmt = (select(mp, Student.name).join(Student, Student.id == mp.student_id)
            .where(mp.semester == semester, mp.kind.in_(list(kinds))))
    if open_only:
        stmt = stmt.where(mp.status == P.PENDING, mp.withdrawn.is_(False), mp.result.in_(P.ACTIONABLE))
    with store.read() as session:
        rows = [_row(p, name) for p, name in session.execute(stmt.order_by(Student.name_pinyin, mp.kind))]
    rows.sort(key=lambda r: (not r.open, r.status == WITHDRAWN))
    return rows


def open_count(store: Store, semester: str | None = None, kinds: Iterable[str] = P.KINDS) -> int:
    """Proposals waiting for the school's decision (every semester when ``semester`` is None)."""
    mp = MatchProposal
    stmt = select(func.count()).select_from(mp).where(
        mp.status == P.PENDING, mp.withdrawn.is_(False), mp.kind.in_(list(kinds)), mp.result.in_(P.ACTIONABLE))
    if semester:
        stmt = stmt.where(mp.semester == semester)
    with store.read() as session:
        return int(session.execute(stmt).scalar_one())


def by_student(store: Store, semester: str, kinds: Iterable[str]) -> dict[str, ProposalRow]:
    """One proposal per child, an open one before a decided or withdrawn one (for a column on the lists)."""
    return {r.student_id: r for r in reversed(proposal_rows(store, semester, kinds))}


@dataclass
class AcceptResult:
    accepted: int
    skipped: list[str]  # one line per proposal left open, naming the child and why

    def line(self) -> str:
        text = f"已接受区教委联查建议 {self.accepted} 条"
        if self.skipped:
            text += f"；{len(self.skipped)} 条未接受：" + "；".join(self.skipped[:3]) + ("等" if len(self.skipped) > 3 else "")
        return text


def _apply(session: Session, p: MatchProposal, name: str, by: str, today: dt.date) -> str | None:
    """Write what accepting ``p`` means; returns why it cannot be accepted (nothing written then)."""
    if p.withdrawn:
        return f"{name}：区教委后来的联查已不再得出这个结果（已撤回）"
    if p.status == P.NOTICE or p.result not in P.ACTIONABLE:
        return f"{name}：这是一条通知（{p.result}），无需接受"
    if p.status != P.PENDING:
        return f"{name}：这条建议已{p.status.removeprefix('已')}"
    note = f"{P.found_text(p.result, p.found_school, p.found_grade)}；{P.source_note(p.matched_on.isoformat())}"
    if p.kind in (P.CENSUS, *P.LEAVER_KINDS):
        current = session.execute(select(ChildStatusRecord).where(
            ChildStatusRecord.student_id == p.student_id, ChildStatusRecord.semester == p.semester)).scalar_one_or_none()
        if current is not None:
            return f"{name}：{p.semester}学期已有就读状态“{current.status}”，未按建议修改"
        session.add(ChildStatusRecord(
            student_id=p.student_id, semester=p.semester, status=ChildStatus.OTHER_SCHOOL.value, method="",
            checked_by=by, checked_on=today, school=p.found_school, place="", note=note))
    elif p.kind == P.RETURNS:
        check = session.execute(select(ReturnCheck).where(
            ReturnCheck.student_id == p.student_id, ReturnCheck.semester == p.semester)).scalar_one_or_none()
        wanted = ReturnResult.TRANSFERRED.value if p.result == P.TRANSFER_CONFIRMED else ReturnResult.NOT_RETURNED.value
        if check is None or check.result != wanted:
            now = check.result if check is not None and check.result else "未核查"
            return f"{name}：返校核查现为“{now}”，与联查时的“{wanted}”不同，未按建议修改"
        check.result = ReturnResult.TRANSFERRED.value
        check.destination = f"{p.found_school}{p.found_grade}"
        check.note = f"{check.note}；{note}" if check.note else note
        check.checked_by, check.checked_on = by, today
    else:
        return f"{name}：这类建议（{p.kind}）无需接受"
    p.status, p.decided_on, p.decided_by, p.reason = P.ACCEPTED, today, by, ""
    return None


def _load(session: Session, ids: Iterable[str]) -> list[tuple[MatchProposal, str]]:
    wanted = list(dict.fromkeys(ids))
    rows = {p.id: (p, name) for p, name in session.execute(
        select(MatchProposal, Student.name).join(Student, Student.id == MatchProposal.student_id)
        .where(MatchProposal.id.in_(wanted)))}
    missing = [i for i in wanted if i not in rows]
    if missing:
        raise NotFoundError("所选的联查建议不存在（可能已被撤回或数据已更新，请刷新后重试）")
    return [rows[i] for i in wanted]


def _who(store: Store) -> str:
    return (store.account.display_name or store.user or "").strip()[:50]


def accept(store: Store, proposal_ids: Iterable[str], today: dt.date | None = None) -> int:
    """Accept the chosen proposals, all of them or (on any that cannot be) none: one transaction.

    Raises:
        ValidationError: naming the first child whose proposal cannot be accepted, and why.
    """
    require(store, Permission.EDIT_RECORDS)
    today = today or dt.date.today()
    by = _who(store)
    with store.write() as session:
        chosen = _load(session, proposal_ids)
        if not chosen:
            raise ValidationError("请先选择要接受的联查建议")
        for p, name in chosen:
            if (why := _apply(session, p, name, by, today)) is not None:
                raise ValidationError(why)
    return len(chosen)


def accept_all(store: Store, semester: str | None = None, kinds: Iterable[str] = P.KINDS,
               today: dt.date | None = None) -> AcceptResult:
    """Accept every open proposal (of ``semester``, or of every semester), in one transaction; the ones that
    cannot be accepted (the child's status was recorded since …) stay open and are named."""
    require(store, Permission.EDIT_RECORDS)
    today = today or dt.date.today()
    by = _who(store)
    mp = MatchProposal
    stmt = (select(mp, Student.name).join(Student, Student.id == mp.student_id)
            .where(mp.status == P.PENDING, mp.withdrawn.is_(False), mp.kind.in_(list(kinds)),
                   mp.result.in_(P.ACTIONABLE))
            .order_by(mp.semester, mp.kind, Student.name_pinyin))
    if semester:
        stmt = stmt.where(mp.semester == semester)
    result = AcceptResult(0, [])
    with store.write() as session:
        for p, name in session.execute(stmt).all():
            why = _apply(session, p, name, by, today)  # checks before it writes: a refusal leaves nothing
            if why is None:
                result.accepted += 1
            else:
                result.skipped.append(why)
    return result


def reject(store: Store, proposal_id: str, reason: str, today: dt.date | None = None) -> None:
    """Reject a proposal with the school's reason (it goes back to the district with the next package)."""
    require(store, Permission.EDIT_RECORDS)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(FieldError("reason", "请填写拒绝的原因（区教委会看到）"))
    if len(reason) > 200:
        raise ValidationError(FieldError("reason", "拒绝原因不能超过200个字"))
    with store.write() as session:
        ((p, name),) = _load(session, [proposal_id])
        if p.withdrawn:
            raise ValidationError(f"{name}：区教委后来的联查已不再得出这个结果（已撤回），无需拒绝")
        if p.status != P.PENDING or p.result not in P.ACTIONABLE:
            shown = P.NOTICE if p.result not in P.ACTIONABLE else p.status
            raise ValidationError(f"{name}：这条建议的处理为“{shown}”，不能拒绝")
        p.status, p.decided_on, p.decided_by, p.reason = P.REJECTED, today or dt.date.today(), _who(store), reason


@todo.provider
def pending_proposals(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """待办 at a school: the district's proposals waiting for a decision, per page that shows them."""
    inst = store.installation()
    if inst is None or inst.kind != "school":
        return []
    items = []
    for page, kinds in (("摸排核查", P.PAGE_KINDS["摸排核查"]), ("返校核查", (*P.PAGE_KINDS["返校核查"], *P.PAGE_KINDS["衔接"]))):
        if waiting := open_count(store, None, kinds):
            items.append(todo.TodoItem(
                due=today, title=f"确认区教委联查建议 {waiting} 条（{page}）",
                detail="区教委在全区各校数据中查到的本校儿童情况，接受或说明原因拒绝", kind="联查建议",
                target=("proposals", page)))
    return items
