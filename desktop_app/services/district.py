"""区教委督导: the district's view over all its schools.

Which school a case belongs to is the owner of the record (``sync_record_owners``, written when
the school's package is imported), not ``node_id`` (the installation that changed it last, which
is the district after it records an approval).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from database.models import Case, Student
from database.sync import Peer, RecordOwner
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.reports import supervision
from desktop_app.services import cases, semesters, settings, sync, todo
from desktop_app.services.store import Store

NO_FIGURE = "—"
#: Extra supervision figures other areas provide (census completion, home-teaching compliance …):
#: ``label -> fn(session, owner_node_or_None) -> str``; None asks for this installation's own figure.
FIGURES: dict[str, Callable[[Session, str | None], str]] = {}
FIGURE_LABELS = ("摸排完成率", "送教上门合规率")


def figure(label: str) -> Callable[[Callable[[Session, str | None], str]], Callable[[Session, str | None], str]]:
    """Decorator: register a supervision figure computed per school."""
    def register(fn: Callable[[Session, str | None], str]) -> Callable[[Session, str | None], str]:
        FIGURES[label] = fn
        return fn
    return register


def _month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


def _case_counts(session: Session, today: dt.date, owner: str | None) -> dict[str | None, dict[str, int]]:
    """Open, new this month and closed this month; per owner school (None: this installation's own)."""
    start = _month_start(today)
    open_values = CaseStatus.open_values()
    owner_col = RecordOwner.owner_node
    stmt = (
        select(owner_col,
               func.sum(case((Case.status.in_(open_values), 1), else_=0)),
               func.sum(case((Case.opened_on >= start, 1), else_=0)),
               func.sum(case((and_(Case.status == CaseStatus.CLOSED.value, Case.closed_on >= start), 1), else_=0)))
        .select_from(Case)
        .outerjoin(RecordOwner, and_(RecordOwner.table_name == "cases", RecordOwner.record_id == Case.id))
        .where(Case.voided.is_(False))
        .group_by(owner_col)
    )
    out: dict[str | None, dict[str, int]] = {}
    for node, open_n, new_n, closed_n in session.execute(stmt):
        out[node] = {"open": int(open_n or 0), "new": int(new_n or 0), "closed": int(closed_n or 0)}
    return out


@dataclass
class SchoolFigures:
    code: str
    name: str
    township: str
    open_cases: int = 0
    new_this_month: int = 0
    closed_this_month: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    last_package_at: dt.datetime | None = None
    days_since: int | None = None
    stale: bool = False


def own_figures(store: Store, today: dt.date | None = None) -> SchoolFigures:
    """A school's own figures, computed the way the district computes them."""
    today = today or dt.date.today()
    inst = store.installation()
    with store.read() as session:
        counts = _case_counts(session, today, None).get(None, {"open": 0, "new": 0, "closed": 0})
        extra = {label: FIGURES[label](session, None) if label in FIGURES else NO_FIGURE for label in FIGURE_LABELS}
    return SchoolFigures(inst.code if inst else "", inst.name if inst else "", inst.township_centre if inst else "",
                         counts["open"], counts["new"], counts["closed"], extra)


def school_figures(store: Store, today: dt.date | None = None) -> list[SchoolFigures]:
    """One row per registered school, with how long since its last package and the stale flag."""
    today = today or dt.date.today()
    threshold = int(settings.get(store, sync.STALE_DAYS.key))
    with store.read() as session:
        counts = _case_counts(session, today, None)
        out = []
        for peer in session.execute(select(Peer).where(Peer.kind == sync.SCHOOL).order_by(Peer.township, Peer.code)
                                    ).scalars():
            c = counts.get(peer.node_id, {"open": 0, "new": 0, "closed": 0}) if peer.node_id else \
                {"open": 0, "new": 0, "closed": 0}
            extra = {label: (FIGURES[label](session, peer.node_id) if label in FIGURES and peer.node_id
                             else NO_FIGURE) for label in FIGURE_LABELS}
            days = (today - peer.last_received_at.date()).days if peer.last_received_at else None
            out.append(SchoolFigures(peer.code, peer.name, peer.township, c["open"], c["new"], c["closed"], extra,
                                     peer.last_received_at, days, days is None or days > threshold))
    return out


@dataclass
class TownshipFigures:
    township: str
    schools: int = 0
    open_cases: int = 0
    new_this_month: int = 0
    closed_this_month: int = 0
    stale_schools: int = 0


def township_figures(rows: list[SchoolFigures]) -> list[TownshipFigures]:
    out: dict[str, TownshipFigures] = {}
    for r in rows:
        t = out.setdefault(r.township or "（未填乡镇）", TownshipFigures(r.township or "（未填乡镇）"))
        t.schools += 1
        t.open_cases += r.open_cases
        t.new_this_month += r.new_this_month
        t.closed_this_month += r.closed_this_month
        t.stale_schools += int(r.stale)
    return sorted(out.values(), key=lambda t: t.township)


SCHOOL_HEADERS = ("学校标识码", "学校", "乡镇(教管中心)", "未销号案件", "本月新增", "本月销号", *FIGURE_LABELS,
                  "最近报送", "距今天数", "是否逾期")
TOWNSHIP_HEADERS = ("乡镇(教管中心)", "学校数", "未销号案件", "本月新增", "本月销号", "逾期未报送学校")


def school_row(r: SchoolFigures) -> list[Any]:
    return [r.code, r.name, r.township, r.open_cases, r.new_this_month, r.closed_this_month,
            *[r.extra.get(label, NO_FIGURE) for label in FIGURE_LABELS],
            f"{r.last_package_at:%Y-%m-%d %H:%M}" if r.last_package_at else "从未报送",
            "" if r.days_since is None else r.days_since, "逾期" if r.stale else ""]


def export_report(store: Store, path: Path | str, today: dt.date | None = None) -> Path:
    """督导情况表 as Excel: schools (stale ones shaded) and townships."""
    today = today or dt.date.today()
    rows = school_figures(store, today)
    towns = township_figures(rows)
    inst = store.installation()
    title = f"{inst.name if inst else ''}控辍保学督导情况表（{today:%Y年%m月%d日}）"
    try:
        return supervision.write(
            Path(path), title, SCHOOL_HEADERS, [school_row(r) for r in rows], [r.stale for r in rows],
            TOWNSHIP_HEADERS,
            [[t.township, t.schools, t.open_cases, t.new_this_month, t.closed_this_month, t.stale_schools]
             for t in towns],
        )
    except OSError as exc:
        raise ValidationError(f"无法保存 {path}：{exc.strerror or exc}") from exc


# --- all schools' ledger -------------------------------------------------------------------

SCHOOL_COLUMN = ("school", "学校")


def _with_school(query: cases.LedgerQuery, columns: list[Any]) -> Select[Any]:
    stmt = (
        cases.ledger_select(query, columns)
        .outerjoin(RecordOwner, and_(RecordOwner.table_name == "cases", RecordOwner.record_id == Case.id))
        .outerjoin(Peer, Peer.node_id == RecordOwner.owner_node)
    )
    if code := query.extra.get("school"):
        stmt = stmt.where(Peer.code == code)
    if town := query.extra.get("school_township"):
        stmt = stmt.where(Peer.township == town)
    return stmt


def ledger_page(store: Store, query: cases.LedgerQuery, offset: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    """The ledger of every school (``query.extra``: ``school`` code, ``school_township``)."""
    columns = [Case.id.label("case_id"), func.coalesce(Peer.name, "本单位").label("school"), Student.name,
               Student.sex, Student.id_number, Case.grade, Student.hukou_township.label("township"),
               Student.village, Case.status, Case.dropout_reason, Case.attempt_count, Case.opened_on,
               Student.guardian1_phone]
    order = cases._SORT_COLUMNS.get(query.sort, Case.opened_on)  # noqa: SLF001 - same ordering as the ledger
    stmt = _with_school(query, columns).order_by(order.desc() if query.descending else order.asc(), Case.id)
    with store.read() as session:
        rows = [dict(r._mapping) for r in session.execute(stmt.offset(offset).limit(limit))]
    states = sync.record_states(store, "cases", [r["case_id"] for r in rows])
    for r in rows:
        r["sync_state"] = states.get(r["case_id"], "")
    return rows


def ledger_count(store: Store, query: cases.LedgerQuery) -> int:
    with store.read() as session:
        return session.execute(_with_school(query, [func.count()])).scalar_one()


# --- decisions sent back -------------------------------------------------------------------

def record_deferral_approval(store: Store, case_id: str, approved: bool, on: dt.date, document: str,
                             approver: str = "") -> str:
    """Record the district leading group's decision on the school's pending deferral application
    (缓学审批, N-11); it goes back to the school with the next package.

    Raises:
        ValidationError: the school has sent no application awaiting a decision, or a field is wrong.
    """
    from desktop_app.services import lifecycle

    pending = [a for a in lifecycle.state(store, case_id).applications if not a.decided]
    if not pending:
        raise ValidationError("学校尚未报来待审批的延缓入学/休学申请，不能审批此案件")
    inst = store.installation()
    return lifecycle.decide_deferral(
        store, pending[-1].id, approved, on, document, approver or (inst.name if inst else store.user),
    )


def publish_semester(store: Store, name: str, start: dt.date, end: dt.date) -> None:
    """Set a semester's dates at the district; it is sent to every school with the next packages."""
    semesters.set_dates(store, name, start, end)


@todo.provider
def stale_school_reminders(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """At the district: a reminder for each school whose last package is older than the threshold."""
    inst = store.installation()
    if inst is None or inst.kind != sync.DISTRICT:
        return []
    out = []
    for r in school_figures(store, today):
        if r.stale:
            since = "从未报送数据包" if r.days_since is None else f"已{r.days_since}天未报送数据包"
            out.append(todo.TodoItem(today, f"{r.name}{since}", f"{r.township} {r.code}", "督导", ("school", r.code)))
    return out
