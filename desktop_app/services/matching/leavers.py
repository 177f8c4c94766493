"""衔接 (小升初、幼升小) across the district, or at a school over its own data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.domain.errors import ValidationError
from desktop_app.domain.roles import Purpose
from desktop_app.services import privacy
from desktop_app.services.access import Permission, require
from desktop_app.services.matching import kinds
from desktop_app.services.matching.storage import AFTER_RUN, is_district, run_plan, window
from desktop_app.services.store import Store

HEADERS = (("学校", 22), ("姓名", 10), ("身份证号码", 20), ("来自", 22), ("是否找到", 8), ("在何处", 28),
           ("比对方式", 16))


@dataclass(frozen=True)
class Leaver:
    school: str
    student_id: str
    name: str
    id_number: str
    came_from: str
    found: bool
    where: str
    method: str = ""


@dataclass(frozen=True)
class TransitionReport:
    semester: str
    kind: str
    leavers: list[Leaver]

    @property
    def found(self) -> int:
        return sum(r.found for r in self.leavers)

    @property
    def not_found(self) -> int:
        return len(self.leavers) - self.found

    def line(self) -> str:
        return f"已找到 {self.found} 人，未找到 {self.not_found} 人"


_ROWS = """
    SELECT f.node, f.student_id, s.name, s.id_number, src.detail, f.result, f.other_node, f.grade, f.place, f.method
    FROM mt_found f JOIN students s ON s.id = f.student_id
    JOIN (SELECT student_id, max(detail) AS detail FROM mt_src WHERE kind = :kind GROUP BY student_id) src
      ON src.student_id = f.student_id
    WHERE f.kind = :kind
    ORDER BY f.node, s.name_pinyin, f.student_id, f.method = '' , f.method"""


def _district(store: Store, semester: str, kind: str) -> list[Leaver]:
    from database.sync import Peer

    earliest, latest = window(store, semester)
    plan = kinds.plan(semester, earliest, latest, kinds=(kind,))
    inst = store.installation()
    own = inst.name if inst else ""
    came = f"{kinds.spring_of(semester)}六年级" if kind == kinds.JUNIOR else "幼儿园"
    with store.read() as session:
        names = {p.node_id: p.name for p in session.query(Peer).all() if p.node_id}
        conn = session.connection()
        run_plan(lambda sql, params: conn.exec_driver_sql(sql, params), plan)
        rows = conn.exec_driver_sql(_ROWS, {"kind": kind}).all()
        for sql in (*plan.drop, *AFTER_RUN):
            conn.exec_driver_sql(sql)
    out: list[Leaver] = []
    seen: set[str] = set()
    for node, sid, name, number, detail, result, other, grade, place, method in rows:
        if sid in seen:  # found at more than one place: the first (strongest rule) is shown
            continue
        seen.add(sid)
        found = result != kinds.NOT_FOUND
        where = f"{names.get(other, own)}{grade or ''}{'（' + place + '）' if place and place != kinds.ON_ROSTER else ''}"
        out.append(Leaver(names.get(node, own), sid, name, number, f"{came}{(' ' + detail) if detail else ''}",
                          found, where if found else "", method))
    return out


def _school(store: Store, semester: str, kind: str) -> list[Leaver]:
    from desktop_app.services import census

    inst = store.installation()
    own = inst.name if inst else ""
    return [Leaver(own, r.student_id, r.name, r.id_number, r.came_from, r.found, r.where)
            for r in census.transition_rows(store, semester, kind)]


def transitions(store: Store, semester: str, kind: str) -> TransitionReport:
    """Every leaver of ``kind`` and where each was found in ``semester``: at the district across all its
    schools, at a school over its own data (``census.transition_rows``)."""
    require(store, Permission.VIEW)
    if kind not in kinds.LEAVER_KINDS:
        raise ValidationError(f"衔接类型应为“小升初”或“幼升小”，不是“{kind}”")
    leavers = _district(store, semester, kind) if is_district(store) else _school(store, semester, kind)
    return TransitionReport(semester, kind, leavers)


def export_transitions(store: Store, report: TransitionReport, path: Path | str, *, reason: str = "",
           full_numbers: bool = False) -> Path:
    """The leavers as Excel (recorded as a personal-data export when a reason is given)."""
    require(store, Permission.EXPORT)
    if reason or full_numbers:
        privacy.record_export(store, f"{report.kind}衔接名单", rows=len(report.leavers), reason=reason,
                              full_numbers=full_numbers, target=str(path))
    rows: list[list[Any]] = [
        [r.school, r.name, privacy.shown_id_number(store, r.id_number, Purpose.EXPORT, full=full_numbers),
         r.came_from, "已找到" if r.found else kinds.NOT_FOUND, r.where, r.method] for r in report.leavers]
    target = Path(path)
    from desktop_app.reports import excel  # openpyxl: imported when the list is exported, not with the overview

    excel.write_table(target, f"{report.semester}{report.kind}衔接情况",
                      f"{report.line()}　导出日期 {dt.date.today():%Y-%m-%d}", HEADERS, rows, text_columns={2})
    return target
