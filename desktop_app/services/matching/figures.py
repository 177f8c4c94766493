"""全区联查's figures per school and township, the list behind each figure, and its Excel export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union_all

from database.matching import DistrictMatch
from database.models import Student
from database.sync import Peer
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.roles import Purpose
from desktop_app.services import privacy, semesters
from desktop_app.services.access import Permission, require
from desktop_app.services.matching import awaiting, kinds
from desktop_app.services.matching.storage import CURRENT
from desktop_app.services.store import Store

OTHER_SCHOOL = "他校找到"
NOT_FOUND = "未找到"
DUPLICATES = "重复立案"
COMPARED = "数据比对"
PENDING_PROPOSALS = "待确认建议"
IN_FLIGHT = "移交在途"
MATCH_FIGURES = (OTHER_SCHOOL, NOT_FOUND, DUPLICATES, COMPARED)  # the matches of the semester's run
FIGURES = (*MATCH_FIGURES, PENDING_PROPOSALS, IN_FLIGHT)
FIGURE_HELP = {
    OTHER_SCHOOL: "本校的儿童在区内其他学校找到（摸排儿童在他校在读、毕业生在他校入学、转学或未返校学生在他校在籍）",
    NOT_FOUND: "小升初、幼升小毕业生在全区任何学校都没有找到（衔接未找到）",
    DUPLICATES: "同一儿童在两所学校都有未销号案件",
    COMPARED: "区教委导入的户籍、监测户、残疾儿童名单中，在全区任何学校都没有学籍或就读状态的儿童（按乡镇、村分到学校）",
    PENDING_PROPOSALS: "联查结果已作为建议发给本校，学校尚未接受或拒绝",
    IN_FLIGHT: "本校移出或待本校接收的案件，区教委已转交、接收学校尚未接收或退回（不分学期）",
}
SCHOOL_HEADERS = ("学校标识码", "学校", "乡镇", *FIGURES)
TOWNSHIP_HEADERS = ("乡镇", "学校数", *FIGURES)
LIST_HEADERS = ("学校", "乡镇", "类别", "姓名", "身份证号码", "出生日期", "联查结果", "找到的学校", "年级",
                "情况", "比对方式", "首次找到")
_WIDTHS = {LIST_HEADERS: (22, 12, 8, 10, 20, 12, 12, 22, 8, 20, 16, 12),
           awaiting.PENDING_HEADERS: (22, 12, 8, 10, 20, 12, 12, 22, 8, 16, 12),
           awaiting.IN_FLIGHT_HEADERS: (22, 10, 22, 10, 10, 20, 12, 12, 28, 14, 8)}


def list_headers(figure: str) -> tuple[str, ...]:
    """The columns of the list behind ``figure``."""
    if figure == PENDING_PROPOSALS:
        return awaiting.PENDING_HEADERS
    if figure == IN_FLIGHT:
        return awaiting.IN_FLIGHT_HEADERS
    return LIST_HEADERS


@dataclass
class MatchFigures:
    """One row of the figures: a school (``code``) or a township (``code`` empty)."""

    code: str
    name: str
    township: str
    node: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    schools: int = 1

    def row(self) -> list[Any]:
        figures = [self.counts.get(f, 0) for f in FIGURES]
        if self.code:
            return [self.code, self.name, self.township, *figures]
        return [self.township, self.schools, *figures]


def _current(semester: str) -> Any:
    return and_(DistrictMatch.semester == semester, DistrictMatch.status == CURRENT)


def has_run(store: Store, semester: str) -> bool:
    with store.read() as session:
        return session.execute(select(DistrictMatch.id).where(DistrictMatch.semester == semester).limit(1)) \
            .first() is not None


def not_found_count(store: Store, semester: str | None = None) -> int | None:
    """Leavers found at no school of the district (the district's "no child missed" figure); None when the
    matching has not been run for the semester."""
    semester = semester or semesters.current_name(store)
    if not has_run(store, semester):
        return None
    with store.read() as session:
        return int(session.execute(select(func.count(func.distinct(DistrictMatch.student_id))).where(
            _current(semester), DistrictMatch.result == kinds.NOT_FOUND)).scalar_one())


def _schools(store: Store) -> list[Peer]:
    from desktop_app.services import sync

    with store.read() as session:
        return list(session.execute(select(Peer).where(Peer.kind == sync.SCHOOL)
                                    .order_by(Peer.township, Peer.code)).scalars())


def school_figures(store: Store, semester: str) -> list[MatchFigures]:
    """One row per registered school: its children found at another school, not found, duplicate cases."""
    dm = DistrictMatch
    found = func.count(func.distinct(
        case((and_(dm.result.in_(kinds.FOUND_RESULTS), dm.other_node != dm.school_node), dm.student_id))))
    lost = func.count(func.distinct(case((dm.result == kinds.NOT_FOUND, dm.student_id))))
    compared = func.count(func.distinct(case((dm.kind == kinds.COMPARE, dm.student_id))))
    dup_nodes = union_all(
        select(dm.school_node.label("node")).where(_current(semester), dm.kind == kinds.DUPLICATE),
        select(dm.other_node.label("node")).where(_current(semester), dm.kind == kinds.DUPLICATE),
    ).subquery()
    with store.read() as session:
        counts = {node: (int(f), int(n), int(c)) for node, f, n, c in session.execute(
            select(dm.school_node, found, lost, compared).where(_current(semester)).group_by(dm.school_node))}
        dups = {node: int(n) for node, n in session.execute(
            select(dup_nodes.c.node, func.count()).group_by(dup_nodes.c.node))}
    pending = awaiting.pending_by_node(store, semester)
    in_flight = awaiting.in_flight_by_code(store)
    out = []
    for peer in _schools(store):
        node = peer.node_id or "?"
        f, n, c = counts.get(node, (0, 0, 0))
        out.append(MatchFigures(peer.code, peer.name, peer.township, peer.node_id,
                                {OTHER_SCHOOL: f, NOT_FOUND: n, DUPLICATES: dups.get(node, 0), COMPARED: c,
                                 PENDING_PROPOSALS: pending.get(node, 0), IN_FLIGHT: in_flight.get(peer.code, 0)}))
    return out


def district_totals(store: Store, semester: str) -> dict[str, int]:
    """The whole district's figures: children (each once), and pairs of duplicate cases."""
    dm = DistrictMatch
    with store.read() as session:
        found, lost, dups, compared = session.execute(select(
            func.count(func.distinct(case((and_(dm.result.in_(kinds.FOUND_RESULTS),
                                                dm.other_node != dm.school_node), dm.student_id)))),
            func.count(func.distinct(case((dm.result == kinds.NOT_FOUND, dm.student_id)))),
            func.count(case((dm.kind == kinds.DUPLICATE, dm.id))),
            func.count(func.distinct(case((dm.kind == kinds.COMPARE, dm.student_id)))),
        ).where(_current(semester))).one()
    return {OTHER_SCHOOL: int(found), NOT_FOUND: int(lost), DUPLICATES: int(dups), COMPARED: int(compared),
            PENDING_PROPOSALS: awaiting.pending_count(store, semester), IN_FLIGHT: awaiting.in_flight_count(store)}


def township_duplicates(store: Store, semester: str) -> dict[str, int]:
    """Pairs of duplicate cases per township, each pair once (both schools may lie in one township)."""
    dm = DistrictMatch
    with store.read() as session:
        return {town: int(n) for town, n in session.execute(
            select(Peer.township, func.count(func.distinct(dm.id)))
            .join(Peer, or_(Peer.node_id == dm.school_node, Peer.node_id == dm.other_node))
            .where(_current(semester), dm.kind == kinds.DUPLICATE, Peer.node_id != "")
            .group_by(Peer.township))}


def township_figures(rows: list[MatchFigures], duplicates: dict[str, int] | None = None,
                     in_flight: dict[str, int] | None = None) -> list[MatchFigures]:
    """The schools' figures summed per township; ``duplicates`` (``township_duplicates``) counts each pair of
    duplicate cases once where both schools are in the township, ``in_flight``
    (``awaiting.in_flight_by_township``) each handover once."""
    towns: dict[str, MatchFigures] = {}
    for r in rows:
        town = towns.setdefault(r.township, MatchFigures("", r.township or "（未填乡镇）", r.township,
                                                         counts=dict.fromkeys(FIGURES, 0), schools=0))
        town.schools += 1
        for f in FIGURES:
            town.counts[f] += r.counts.get(f, 0)
    if duplicates is not None:
        for name, town in towns.items():
            town.counts[DUPLICATES] = duplicates.get(name, 0)
    if in_flight is not None:
        for name, town in towns.items():
            town.counts[IN_FLIGHT] = in_flight.get(name, 0)
    return [towns[t] for t in sorted(towns)]


def _nodes(store: Store, school_code: str = "", township: str = "") -> list[str] | None:
    """The school nodes a list is limited to (None: every school)."""
    if not school_code and not township:
        return None
    return [p.node_id for p in _schools(store)
            if p.node_id and (not school_code or p.code == school_code) and (not township or p.township == township)]


def _figure_filter(figure: str, nodes: list[str] | None) -> Any:
    dm = DistrictMatch
    if figure == OTHER_SCHOOL:
        cond = and_(dm.result.in_(kinds.FOUND_RESULTS), dm.other_node != dm.school_node)
        return cond if nodes is None else and_(cond, dm.school_node.in_(nodes))
    if figure == NOT_FOUND:
        cond = dm.result == kinds.NOT_FOUND
        return cond if nodes is None else and_(cond, dm.school_node.in_(nodes))
    if figure == COMPARED:
        cond = dm.kind == kinds.COMPARE
        return cond if nodes is None else and_(cond, dm.school_node.in_(nodes))
    if figure == DUPLICATES:
        cond = dm.kind == kinds.DUPLICATE
        return cond if nodes is None else and_(cond, or_(dm.school_node.in_(nodes), dm.other_node.in_(nodes)))
    raise ValidationError(f"未知的联查数字“{figure}”")


def match_rows(store: Store, semester: str, figure: str, *, school_code: str = "", township: str = "",
               full_numbers: bool = False, purpose: str = Purpose.LIST, limit: int | None = None) -> list[list[Any]]:
    """The children behind one figure (of one school or township, or of the whole district), as
    ``list_headers(figure)`` rows (the first ``limit``); identity numbers masked unless ``full_numbers`` and
    the account may."""
    if figure == PENDING_PROPOSALS:
        return awaiting.pending_rows(store, semester, school_code=school_code, township=township,
                                     full_numbers=full_numbers, purpose=purpose, limit=limit)
    if figure == IN_FLIGHT:
        return awaiting.in_flight_rows(store, school_code=school_code, township=township,
                                       full_numbers=full_numbers, purpose=purpose, limit=limit)
    dm = DistrictMatch
    schools = {p.node_id: p for p in _schools(store) if p.node_id}
    inst = store.installation()
    own = inst.name if inst else ""
    stmt = (select(dm.school_node, dm.kind, Student.name, Student.id_number, Student.birth_date, dm.result,
                   dm.other_node, dm.grade, dm.place, dm.method, dm.first_found_at)
            .join(Student, Student.id == dm.student_id)
            .where(_current(semester), _figure_filter(figure, _nodes(store, school_code, township)))
            .order_by(dm.school_node, dm.kind, Student.name_pinyin, dm.id).limit(limit))
    out = []
    with store.read() as session:
        for node, kind, name, number, birth, result, other, grade, place, method, first in session.execute(stmt):
            school = schools.get(node)
            found_at = "" if result in (kinds.NOT_FOUND, *kinds.COMPARE_RESULTS) else (
                schools[other].name if other in schools else own)
            out.append([school.name if school else own, school.township if school else "", kind, name,
                        privacy.shown_id_number(store, number, purpose, full=full_numbers),
                        birth.isoformat() if isinstance(birth, dt.date) else "", result, found_at, grade, place,
                        method, f"{first:%Y-%m-%d}" if first else ""])
    return out


def match_count(store: Store, semester: str, figure: str, *, school_code: str = "", township: str = "") -> int:
    """How many rows ``match_rows`` gives for the figure."""
    if figure == PENDING_PROPOSALS:
        return awaiting.pending_count(store, semester, school_code=school_code, township=township)
    if figure == IN_FLIGHT:
        return awaiting.in_flight_count(store, school_code=school_code, township=township)
    with store.read() as session:
        return int(session.execute(select(func.count()).select_from(DistrictMatch).where(
            _current(semester), _figure_filter(figure, _nodes(store, school_code, township)))).scalar_one())


def export_list(store: Store, path: Path | str, semester: str, figure: str, *, school_code: str = "",
                township: str = "", reason: str = "", full_numbers: bool = False) -> int:
    """The list behind a figure as Excel. With ``reason`` (the screen always asks for one) the export is
    checked and recorded by ``privacy.record_export``, as ``exports.export_ledger`` does. Returns how many rows."""
    require(store, Permission.EXPORT)
    rows = match_rows(store, semester, figure, school_code=school_code, township=township,
                      full_numbers=full_numbers, purpose=Purpose.EXPORT)
    if reason or full_numbers:
        privacy.record_export(store, f"全区联查：{figure}", rows=len(rows), reason=reason,
                              full_numbers=full_numbers, target=str(path))
    from desktop_app.reports import excel  # openpyxl: imported when a list is exported, not with the overview

    where = school_code or township or "全区"
    if figure != IN_FLIGHT:  # handovers in flight are of no semester
        where = f"{semester}　{where}"
    headers = list_headers(figure)
    excel.write_table(Path(path), f"全区联查：{figure}", f"{where}　导出日期 {dt.date.today():%Y-%m-%d}",
                      list(zip(headers, _WIDTHS[headers], strict=True)), rows,
                      text_columns={headers.index("身份证号码")})
    return len(rows)


__all__ = ["COMPARED", "DUPLICATES", "district_totals", "FIGURES", "IN_FLIGHT", "LIST_HEADERS", "MATCH_FIGURES",
           "NOT_FOUND", "OTHER_SCHOOL", "PENDING_PROPOSALS", "SCHOOL_HEADERS", "TOWNSHIP_HEADERS", "list_headers",
           "MatchFigures", "export_list", "has_run", "match_count", "match_rows", "not_found_count", "school_figures",
           "township_duplicates", "township_figures"]
