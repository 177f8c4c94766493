"""区教委督导: the district's view over all its schools.

Which school a case belongs to is the owner of the record (``sync_record_owners``, written when
the school's package is imported), not ``node_id`` (the installation that changed it last, which
is the district after it records an approval).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from database.census import ChildStatusRecord, RosterMember
from database.handover import handed_over_cases
from database.models import Case, Semester, Student
from database.sync import Peer, RecordOwner
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.lifecycle import LEADING_GROUP
from desktop_app.domain.roles import Purpose
from desktop_app.services import cases, compat, privacy, semesters, settings, sync, todo
from desktop_app.services.integrity import chain_guard
from desktop_app.services.store import Store

NO_FIGURE = "—"


@dataclass(frozen=True)
class Ratio:
    """A supervision rate: ``done`` of ``total`` (summed over schools for a township)."""

    done: int = 0
    total: int = 0

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.done + other.done, self.total + other.total)

    def __str__(self) -> str:
        if not self.total:
            return NO_FIGURE
        return f"{100 * self.done / self.total:.1f}%（{self.done}/{self.total}）"


#: ``fn(store, session, owners, today) -> {owner: Ratio}``. ``owners`` are the node ids of schools
#: whose records came in packages; None stands for this installation's own records.
FigureFn = Callable[[Store, Session, list[str | None], dt.date], dict[str | None, Ratio]]
#: Extra supervision figures other areas provide (census completion, home-teaching compliance …),
#: computed for all schools at once.
FIGURES: dict[str, FigureFn] = {}
FIGURE_LABELS = ("摸排完成率", "送教上门合规率")


def figure(label: str) -> Callable[[FigureFn], FigureFn]:
    """Decorator: register a supervision figure computed per school."""
    def register(fn: FigureFn) -> FigureFn:
        FIGURES[label] = fn
        return fn
    return register


def _owner_join(table: Any, name: str) -> Any:
    return and_(RecordOwner.table_name == name, RecordOwner.record_id == table.id)


def _owner_filter(owners: list[str | None]) -> Any:
    nodes = [o for o in owners if o is not None]
    conds = []
    if nodes:
        conds.append(RecordOwner.owner_node.in_(nodes))
    if None in owners:
        conds.append(RecordOwner.owner_node.is_(None))
    return or_(*conds) if conds else false()


def census_completion_select(semester: str, earliest: dt.date, latest: dt.date, owners: list[str | None],
                             ) -> Select[*tuple[Any, ...]]:
    """Per owner: school-age children on the census roster, and those with this semester's status.
    Read from covering indexes (``ix_roster_members_kind``, the status table's unique key) and the
    students by their key; public so the benchmark can run the same SQL bare."""
    from desktop_app.domain.census import RosterKind

    return (
        select(RecordOwner.owner_node, func.count(), func.count(ChildStatusRecord.student_id))
        .select_from(RosterMember)
        .join(Student, Student.id == RosterMember.student_id)
        .outerjoin(ChildStatusRecord, and_(ChildStatusRecord.student_id == Student.id,
                                           ChildStatusRecord.semester == semester))
        .outerjoin(RecordOwner, _owner_join(RosterMember, "roster_members"))
        .where(RosterMember.kind == RosterKind.CENSUS.value, RosterMember.voided.is_(False),
               Student.birth_date >= earliest, Student.birth_date <= latest, _owner_filter(owners))
        .group_by(RecordOwner.owner_node)
    )


def census_window(store: Store, today: dt.date) -> tuple[str, dt.date, dt.date]:
    """This semester's name and the birth dates of the school-age children it counts."""
    from desktop_app.domain.census import birth_window
    from desktop_app.services import census

    semester = semesters.current_name(store, today)
    low, high = census.age_bounds(store)
    earliest, latest = birth_window(semester, low, high)
    return semester, earliest, latest


@figure("摸排完成率")
def census_completion(store: Store, session: Session, owners: list[str | None], today: dt.date,
                      ) -> dict[str | None, Ratio]:
    """School-age children on each school's area roster who have this semester's status, of all of them
    (the census page's 各村进度, summed)."""
    stmt = census_completion_select(*census_window(store, today), owners)
    return {owner: Ratio(int(checked), int(total)) for owner, total, checked in session.execute(stmt)}


def home_teaching_selects(semester_id: str, owners: list[str | None]) -> dict[str, Select[*tuple[Any, ...]]]:
    """This semester's home-teaching plans of these owners, their sessions and their missed-week reasons:
    three queries whatever the number of plans. Public so the benchmark can run the same SQL bare."""
    from database.care import HomeTeachingPlan, HomeTeachingSession, MissedWeekReason

    plans = (HomeTeachingPlan.semester_id == semester_id, HomeTeachingPlan.voided.is_(False), _owner_filter(owners))
    owned = _owner_join(HomeTeachingPlan, "home_teaching_plans")
    return {
        "plans": select(HomeTeachingPlan.id, HomeTeachingPlan.weekday, HomeTeachingPlan.start_date,
                        HomeTeachingPlan.hours_per_visit, RecordOwner.owner_node)
        .outerjoin(RecordOwner, owned).where(*plans),
        "sessions": select(HomeTeachingSession.plan_id, HomeTeachingSession.session_date,
                           HomeTeachingSession.class_hours)
        .join(HomeTeachingPlan, HomeTeachingPlan.id == HomeTeachingSession.plan_id)
        .outerjoin(RecordOwner, owned).where(*plans, HomeTeachingSession.voided.is_(False)),
        "reasons": select(MissedWeekReason.plan_id, MissedWeekReason.week_monday, MissedWeekReason.reason)
        .join(HomeTeachingPlan, HomeTeachingPlan.id == MissedWeekReason.plan_id)
        .outerjoin(RecordOwner, owned).where(*plans),
    }


@figure("送教上门合规率")
def home_teaching_compliance(store: Store, session: Session, owners: list[str | None], today: dt.date,
                             ) -> dict[str | None, Ratio]:
    """Term weeks met of the weeks due so far, over each school's home-teaching plans of this semester,
    judged with this installation's calendar and minimum (the school's 送教上门 page, summed)."""
    from desktop_app.domain.home_teaching import Visit, compliance
    from desktop_app.services import home_teaching

    semester = semesters.current_name(store, today)
    sem_id = session.execute(select(Semester.id).where(Semester.name == semester)).scalar_one_or_none()
    if sem_id is None:
        return {}
    stmts = home_teaching_selects(sem_id, owners)
    plans = session.execute(stmts["plans"]).all()
    if not plans:
        return {}
    calendar = home_teaching.term_calendar(store, semester)
    need = home_teaching.minimum(store)
    visits: dict[str, list[Visit]] = {}
    reasons: dict[str, dict[dt.date, str]] = {}
    for pid, day, hours in session.execute(stmts["sessions"]):
        visits.setdefault(pid, []).append(Visit(day, hours))
    for pid, monday, reason in session.execute(stmts["reasons"]):
        reasons.setdefault(pid, {})[monday] = reason
    out: dict[str | None, Ratio] = {}
    for p in plans:
        c = compliance(calendar, p.weekday, visits.get(p.id, []), need, today, start=p.start_date,
                       reasons=reasons.get(p.id, {}), hours_per_visit=p.hours_per_visit)
        out[p.owner_node] = out.get(p.owner_node, Ratio()) + Ratio(c.met, len(c.due()))
    return out


def _extra_figures(store: Store, owners: list[str | None], today: dt.date) -> dict[str | None, dict[str, Ratio]]:
    """Every registered figure for every owner: ``{owner: {label: Ratio}}``."""
    out: dict[str | None, dict[str, Ratio]] = {o: {} for o in owners}
    with store.read() as session:
        for label in FIGURE_LABELS:
            fn = FIGURES.get(label)
            if fn is None or not owners:
                continue
            for owner, ratio in fn(store, session, owners, today).items():
                if owner in out:
                    out[owner][label] = ratio
    return out


def case_counts_select(today: dt.date) -> Select[*tuple[Any, ...]]:
    """Open, new this month and closed this month, per owner school (None: this installation's own).
    Public so the benchmark can run the same SQL bare."""
    start = today.replace(day=1)
    open_values = CaseStatus.open_values()
    owner_col = RecordOwner.owner_node
    return (
        select(owner_col,
               func.sum(case((Case.status.in_(open_values), 1), else_=0)),
               func.sum(case((Case.opened_on >= start, 1), else_=0)),
               func.sum(case((and_(Case.status == CaseStatus.CLOSED.value, Case.closed_on >= start), 1), else_=0)))
        .select_from(Case)
        .outerjoin(RecordOwner, and_(RecordOwner.table_name == "cases", RecordOwner.record_id == Case.id))
        .where(Case.voided.is_(False))
        .group_by(owner_col)
    )


def handed_over_select() -> Select[*tuple[Any, ...]]:
    """Per owner school, its open cases it handed over and the receiving school accepted (``handed_over_cases``):
    until its closing arrives the district holds the child's case at both schools, counted at the receiving one."""
    owner_col = RecordOwner.owner_node
    return (
        select(owner_col, func.count())
        .select_from(Case)
        .outerjoin(RecordOwner, and_(RecordOwner.table_name == "cases", RecordOwner.record_id == Case.id))
        .where(Case.voided.is_(False), Case.status.in_(CaseStatus.open_values()), Case.id.in_(handed_over_cases()))
        .group_by(owner_col)
    )


def _case_counts(session: Session, today: dt.date) -> dict[str | None, dict[str, int]]:
    out: dict[str | None, dict[str, int]] = {}
    rows = cast("Iterable[tuple[str | None, int | None, int | None, int | None]]",
                session.execute(case_counts_select(today)))  # sums
    for node, open_n, new_n, closed_n in rows:
        out[node] = {"open": int(open_n or 0), "new": int(new_n or 0), "closed": int(closed_n or 0)}
    for node, handed in cast("Iterable[tuple[str | None, int]]", session.execute(handed_over_select())):
        if node in out:
            out[node]["open"] -= int(handed)
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
    ratios: dict[str, Ratio] = field(default_factory=dict)
    last_package_at: dt.datetime | None = None
    days_since: int | None = None
    stale: bool = False
    program: str = ""  # the school's program version, from its last package
    upgrade: str = ""  # what it must upgrade for (compat.upgrade_note)
    history: str = ""  # 历史记录回退 / 曾从备份恢复 (issue 13), else ""


def own_figures(store: Store, today: dt.date | None = None) -> SchoolFigures:
    """A school's own figures, computed the way the district computes them."""
    today = today or dt.date.today()
    inst = store.installation()
    with store.read() as session:
        counts = _case_counts(session, today).get(None, {"open": 0, "new": 0, "closed": 0})
    ratios = _extra_figures(store, [None], today)[None]
    extra = {label: str(ratios.get(label, Ratio())) for label in FIGURE_LABELS}
    return SchoolFigures(inst.code if inst else "", inst.name if inst else "", inst.township_centre if inst else "",
                         counts["open"], counts["new"], counts["closed"], extra, ratios)


def _schools(session: Session) -> list[Peer]:
    """The registered schools, by township and code."""
    return list(session.execute(select(Peer).where(Peer.kind == sync.SCHOOL).order_by(Peer.township, Peer.code))
                .scalars())


def _since_last_package(peer: Peer, today: dt.date, threshold: int) -> tuple[int | None, bool]:
    """Days since the school's last package (None: never) and whether that is over the threshold."""
    days = (today - peer.last_received_at.date()).days if peer.last_received_at else None
    return days, days is None or days > threshold


def school_figures(store: Store, today: dt.date | None = None) -> list[SchoolFigures]:
    """One row per registered school, with how long since its last package and the stale flag."""
    today = today or dt.date.today()
    threshold = int(settings.get(store, sync.STALE_DAYS.key))
    with store.read() as session:
        counts = _case_counts(session, today)
        schools = _schools(session)
    extras = _extra_figures(store, [p.node_id for p in schools if p.node_id], today)
    chains = chain_guard.statuses(store)
    out = []
    for peer in schools:
        c = counts.get(peer.node_id, {"open": 0, "new": 0, "closed": 0}) if peer.node_id else \
            {"open": 0, "new": 0, "closed": 0}
        ratios = extras.get(peer.node_id, {}) if peer.node_id else {}
        extra = {label: str(ratios.get(label, Ratio())) for label in FIGURE_LABELS}
        days, stale = _since_last_package(peer, today, threshold)
        out.append(SchoolFigures(peer.code, peer.name, peer.township, c["open"], c["new"], c["closed"], extra,
                                 ratios, peer.last_received_at, days, stale, peer.program,
                                 compat.upgrade_note(peer.program),
                                 chains[peer.code].label if peer.code in chains else ""))
    return out


@dataclass
class TownshipFigures:
    township: str
    schools: int = 0
    open_cases: int = 0
    new_this_month: int = 0
    closed_this_month: int = 0
    stale_schools: int = 0
    ratios: dict[str, Ratio] = field(default_factory=dict)

    def row(self) -> list[Any]:
        return [self.township, self.schools, self.open_cases, self.new_this_month, self.closed_this_month,
                *[str(self.ratios.get(label, Ratio())) for label in FIGURE_LABELS], self.stale_schools]


def township_figures(rows: list[SchoolFigures]) -> list[TownshipFigures]:
    out: dict[str, TownshipFigures] = {}
    for r in rows:
        t = out.setdefault(r.township or "（未填乡镇）", TownshipFigures(r.township or "（未填乡镇）"))
        t.schools += 1
        t.open_cases += r.open_cases
        t.new_this_month += r.new_this_month
        t.closed_this_month += r.closed_this_month
        t.stale_schools += int(r.stale)
        for label, ratio in r.ratios.items():
            t.ratios[label] = t.ratios.get(label, Ratio()) + ratio
    return sorted(out.values(), key=lambda t: t.township)


SCHOOL_HEADERS = ("学校标识码", "学校", "乡镇(教管中心)", "未销号案件", "本月新增", "本月销号", *FIGURE_LABELS,
                  "最近报送", "距今天数", "是否逾期", "程序版本", "升级提示", "历史记录")
TOWNSHIP_HEADERS = ("乡镇(教管中心)", "学校数", "未销号案件", "本月新增", "本月销号", *FIGURE_LABELS,
                    "逾期未报送学校")


def school_row(r: SchoolFigures) -> list[Any]:
    return [r.code, r.name, r.township, r.open_cases, r.new_this_month, r.closed_this_month,
            *[r.extra.get(label, NO_FIGURE) for label in FIGURE_LABELS],
            f"{r.last_package_at:%Y-%m-%d %H:%M}" if r.last_package_at else "从未报送",
            "" if r.days_since is None else r.days_since, "逾期" if r.stale else "", r.program or "—", r.upgrade,
            r.history]


def export_report(store: Store, path: Path | str, today: dt.date | None = None) -> Path:
    """督导情况表 as Excel: schools (stale ones shaded) and townships."""
    today = today or dt.date.today()
    rows = school_figures(store, today)
    towns = township_figures(rows)
    inst = store.installation()
    title = f"{inst.name if inst else ''}控辍保学督导情况表（{today:%Y年%m月%d日}）"
    try:
        from desktop_app.reports import supervision  # openpyxl: imported when a report is written

        return supervision.write(
            Path(path), title, SCHOOL_HEADERS, [school_row(r) for r in rows], [r.stale for r in rows],
            TOWNSHIP_HEADERS,
            [t.row() for t in towns],
        )
    except OSError as exc:
        raise ValidationError(f"无法保存 {path}：{exc.strerror or exc}") from exc


# --- all schools' ledger -------------------------------------------------------------------
#
# A keystroke in the ledger's search box asks for the first page and the count. At a district both run
# over every school's cases (500,000 and more), so neither joins anything it does not need: the filters
# are conditions on the narrow ``cases`` table (a child's fields and the school through ``IN``
# sub-selects), the page's case ids are chosen there first, and only those rows are joined to their
# child and school. Ties in the order are broken by the case id in the same direction, so one index walk
# in either direction yields the page (``ix_cases_opened_on_id`` for the default order).

def _school_condition(query: cases.LedgerQuery) -> Any:
    """The cases of the school (``extra["school"]``, its code) or of the schools of a township
    (``extra["school_township"]``) the query asks for; None when it asks for none."""
    peers = []
    if code := query.extra.get("school"):
        peers.append(Peer.code == code)
    if town := query.extra.get("school_township"):
        peers.append(Peer.township == town)
    if not peers:
        return None
    owned = select(RecordOwner.record_id).where(
        RecordOwner.table_name == "cases",
        RecordOwner.owner_node.in_(select(Peer.node_id).where(*peers)),
    )
    return Case.id.in_(owned)


def _filtered(query: cases.LedgerQuery, columns: list[Any], *, join_students: bool) -> Select[Any]:
    stmt = cases.ledger_select(query, columns, join_students=join_students)
    condition = _school_condition(query)
    return stmt if condition is None else stmt.where(condition)


def _order(query: cases.LedgerQuery) -> tuple[Any, list[Any]]:
    column = cases._SORT_COLUMNS.get(query.sort, Case.opened_on)  # noqa: SLF001 - same columns as the ledger
    if query.descending:
        return column, [column.desc(), Case.id.desc()]
    return column, [column.asc(), Case.id.asc()]


class _StudentsFirst(Join):
    """``students JOIN cases`` that SQLite must walk in that order (``CROSS JOIN``): the ledger ordered by an
    indexed field of the child reads the children in that index's order and stops at the page's end,
    where SQLite's planner would read every case and sort them. Other databases get a plain join."""

    inherit_cache = True


@compiles(_StudentsFirst, "sqlite")
def _compile_students_first_sqlite(element: _StudentsFirst, compiler: SQLCompiler, **kw: Any) -> str:
    return cast("str", compiler.visit_join(element, **kw)).replace(" JOIN ", " CROSS JOIN ", 1)


@compiles(_StudentsFirst)
def _compile_students_first(element: _StudentsFirst, compiler: SQLCompiler, **kw: Any) -> str:
    return cast("str", compiler.visit_join(element, **kw))


#: The children's fields an index of ``students`` yields in order (the others are sorted; the name's order is
#: the pinyin's, which no index holds: roster imports keep the indexes on ``students`` few).
_STUDENT_ORDER_INDEXED = frozenset({"id_number", "township"})
#: From how many cases on a page ordered by an indexed field of the child reads the children in that
#: order (below it, joining and sorting the cases found is quicker than walking the children).
STUDENTS_FIRST_FROM = 20_000


def _students_first(session: Session, query: cases.LedgerQuery) -> bool:
    """Whether a page ordered by an indexed field of the child is best read by walking the children in
    that order: when no school is asked for (a school's cases are few: joined and sorted at once) and the
    children are filtered themselves (search, township, village) or the cases found are many."""
    if query.sort not in _STUDENT_ORDER_INDEXED or _school_condition(query) is not None:
        return False
    if cases._search_clause(query.search) is not None or query.township or query.village:  # noqa: SLF001
        return True
    return int(session.execute(ledger_count_select(query)).scalar_one()) >= STUDENTS_FIRST_FROM


def ledger_page_select(query: cases.LedgerQuery, offset: int = 0, limit: int | None = 200, *,
                       students_first: bool = False) -> Select[Any]:
    """One page of every school's ledger: the page's case ids chosen on ``cases`` alone (joined to the
    child only when ordered by a child's field: ``students_first`` walks the children in the order's
    index), then those rows joined to child and school."""
    column, order_by = _order(query)
    if column.class_ is not Student:
        page_ids = _filtered(query, [Case.id], join_students=False)
    elif students_first and query.sort in _STUDENT_ORDER_INDEXED:
        page_ids = _filtered(query, [Case.id], join_students=False).select_from(
            _StudentsFirst(Student.__table__, Case.__table__, Case.student_id == Student.id))
    else:
        page_ids = _filtered(query, [Case.id], join_students=True)
    page_ids = page_ids.order_by(*order_by).offset(offset).limit(limit)
    columns: list[Any] = [
        Case.id.label("case_id"), Student.id.label("student_id"), func.coalesce(Peer.name, "本单位").label("school"),
        Student.name, Student.sex, Student.id_number, Case.grade, Student.hukou_township.label("township"),
        Student.village, Case.status, Case.dropout_reason, Case.attempt_count, Case.opened_on, Student.guardian1_phone,
    ]
    return (
        select(*columns).select_from(Case).join(Student, Case.student_id == Student.id)
        .outerjoin(RecordOwner, and_(RecordOwner.table_name == "cases", RecordOwner.record_id == Case.id))
        .outerjoin(Peer, Peer.node_id == RecordOwner.owner_node)
        .where(Case.id.in_(page_ids)).order_by(*order_by)
    )


def ledger_count_select(query: cases.LedgerQuery) -> Select[Any]:
    """How many cases the query finds, counted on ``cases`` alone (no join)."""
    return _filtered(query, [func.count()], join_students=False)


def ledger_page(store: Store, query: cases.LedgerQuery, offset: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    """The ledger of every school (``query.extra``: ``school`` code, ``school_township``); ``sync_state`` is
    the exchange state of the case and its child together."""
    with store.read() as session:
        stmt = ledger_page_select(query, offset, limit, students_first=_students_first(session, query))
        rows = [dict(r._mapping) for r in session.execute(stmt)]
    privacy.mask_rows(store, rows, Purpose.LIST, phones=("guardian1_phone",))  # a list: masked, whoever looks
    sync.add_ledger_states(store, rows)  # as in the school's ledger
    return rows


def ledger_count(store: Store, query: cases.LedgerQuery) -> int:
    with store.read() as session:
        return int(session.execute(ledger_count_select(query)).scalar_one())


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
    return lifecycle.decide_deferral(store, pending[-1].id, approved, on, document, approver or LEADING_GROUP)


APPROVAL_DAYS = settings.declare(
    "district.approval_days", "缓学申请审批期限", 7, minimum=1, maximum=60, unit="天", scope="district")


def deferral_applications(store: Store, pending_only: bool = False) -> list[dict[str, Any]]:
    """The deferral applications (N-11) the schools have sent, with each one's school and decision:
    those awaiting a decision first, then the newest. Voided applications (and those of voided cases)
    are left out.

    Each row: application_id, case_id, school, school_code, township, name, grade, kind,
    application_date, reported_by, basis, note, decided, approved, decision_date, document_number,
    approver, decision_note.
    """
    from database.lifecycle import DeferralApplication, DeferralDecision

    stmt = (
        select(DeferralApplication.id.label("application_id"), DeferralApplication.case_id,
               func.coalesce(Peer.name, "本单位").label("school"), func.coalesce(Peer.code, "").label("school_code"),
               func.coalesce(Peer.township, "").label("township"), Student.name, Case.grade,
               DeferralApplication.kind, DeferralApplication.application_date, DeferralApplication.reported_by,
               DeferralApplication.basis, DeferralApplication.note, DeferralApplication.created_at)
        .join(Case, Case.id == DeferralApplication.case_id)
        .join(Student, Student.id == Case.student_id)
        .outerjoin(RecordOwner, and_(RecordOwner.table_name == "cases", RecordOwner.record_id == Case.id))
        .outerjoin(Peer, Peer.node_id == RecordOwner.owner_node)
        .where(DeferralApplication.voided.is_(False), Case.voided.is_(False))
    )
    with store.read() as session:
        rows = [dict(r._mapping) for r in session.execute(stmt)]
        decisions: dict[str, DeferralDecision] = {}
        ids = [r["application_id"] for r in rows]
        for start in range(0, len(ids), 500):
            for decision in session.execute(
                select(DeferralDecision).where(DeferralDecision.application_id.in_(ids[start:start + 500]))
                .order_by(DeferralDecision.created_at)
            ).scalars():
                decisions[decision.application_id] = decision  # the latest counts (as lifecycle reads it)
    out = []
    for r in rows:
        d = decisions.get(r["application_id"])
        if d is not None and pending_only:
            continue
        r.update(decided=d is not None, approved=bool(d and d.approved),
                 decision_date=d.decision_date if d else None, document_number=d.document_number if d else "",
                 approver=d.approver if d else "", decision_note=d.note if d else "")
        out.append(r)
    out.sort(key=lambda r: (not r["decided"], r["application_date"], r["created_at"]), reverse=True)
    for r in out:  # pending first, each part newest first
        del r["created_at"]
    return out


def decide_application(store: Store, application_id: str, approved: bool, on: dt.date | None, document: str,
                       note: str = "", *, today: dt.date | None = None) -> str:
    """The district leading group's decision on one application (缓学审批, N-11), recorded by this district
    office in the group's name (the history names the account); it goes back to the school with the next
    package. Returns the decision's id.

    Raises:
        PermissionDenied: the account may not approve.
        NotFoundError: the application does not exist or was voided.
        ValidationError: already decided, or a field is wrong (an approval needs its document number).
    """
    from desktop_app.services import lifecycle

    return lifecycle.decide_deferral(store, application_id, approved, on, document, LEADING_GROUP, note, today=today)


def publish_semester(store: Store, name: str, start: dt.date, end: dt.date) -> None:
    """Set a semester's dates at the district; it is sent to every school with the next packages."""
    semesters.set_dates(store, name, start, end)


@todo.provider
def stale_school_reminders(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """At the district: a reminder for each school whose last package is older than the threshold (read from
    the schools' rows alone: the supervision figures are not needed for it)."""
    inst = store.installation()
    if inst is None or inst.kind != sync.DISTRICT:
        return []
    threshold = int(settings.get(store, sync.STALE_DAYS.key))
    with store.read() as session:
        schools = _schools(session)
    out = []
    for peer in schools:
        days, stale = _since_last_package(peer, today, threshold)
        if stale:
            since = "从未报送数据包" if days is None else f"已{days}天未报送数据包"
            out.append(todo.TodoItem(today, f"{peer.name}{since}", f"{peer.township} {peer.code}", "督导",
                                     ("school", peer.code)))
    return out


@todo.provider
def approval_reminders(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """At the district: one reminder per deferral application awaiting the leading group's decision,
    due the set number of days after it was made."""
    inst = store.installation()
    if inst is None or inst.kind != sync.DISTRICT:
        return []
    days = int(settings.get(store, APPROVAL_DAYS.key))
    return [
        todo.TodoItem(a["application_date"] + dt.timedelta(days=days),
                      f"缓学申请待审批：{a['school']} {a['name']}（{a['kind']}）",
                      "；".join(filter(None, (f"{a['reported_by']}于{a['application_date']}申请", a["basis"]))),
                      "缓学审批", ("approval", a["application_id"]))
        for a in deferral_applications(store, pending_only=True)
    ]
