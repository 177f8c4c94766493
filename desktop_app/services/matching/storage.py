"""Running the matching at the district and keeping each match (``district_matches``).

One run is one transaction: the temporary tables of ``kinds.plan`` are built, this run's matches are
written over the semester's earlier ones (a match found again keeps its row and first-found time; one
not found any more is marked 已消除, never deleted), and the run goes into the history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from database.models import utcnow
from desktop_app.domain.census import birth_window
from desktop_app.domain.errors import ValidationError
from desktop_app.services import audit, semesters
from desktop_app.services.access import Permission, require
from desktop_app.services.matching import kinds
from desktop_app.services.store import Store

CURRENT = "有效"
CLEARED = "已消除"

Execute = Callable[[str, dict[str, Any]], Any]


@dataclass(frozen=True)
class MatchSummary:
    """What a run found: children found (at another school, or a leaver anywhere), leavers found nowhere,
    and pairs of open cases of one child at two schools."""

    semester: str
    found: int
    not_found: int
    duplicates: int
    compared: int = 0  # 数据比对: children of the district's own rosters found at no school

    def line(self) -> str:
        return f"联查：找到 {self.found} 人，未找到 {self.not_found} 人，重复立案 {self.duplicates} 件"


def is_district(store: Store) -> bool:
    inst = store.installation()
    return inst is not None and inst.kind == "district"


def require_district(store: Store) -> None:
    if not is_district(store):
        raise ValidationError("全区联查只能在区教委运行：学校只看得到本校的数据")


def window(store: Store, semester: str) -> tuple[dt.date, dt.date]:
    """Birth dates of the school-age children of ``semester`` (the census settings' age bounds)."""
    from desktop_app.services import census

    low, high = census.age_bounds(store)
    return birth_window(semester, low, high)


#: For the run's many index lookups: a 64 MB page cache (as the roster import sets for its inserts) and
#: the file read through a memory map (no system call per page read; about a third faster on 100
#: schools). The map is dropped again after the run (``AFTER_RUN``).
RUN_PRAGMAS = ("PRAGMA cache_size=-65536", "PRAGMA mmap_size=536870912")
AFTER_RUN = ("PRAGMA mmap_size=0",)


def run_plan(execute: Execute, plan: kinds.Plan) -> None:
    """Build the temporary tables and fill ``mt_found`` (no storing; the benchmark runs this bare too)."""
    for pragma in RUN_PRAGMAS:
        execute(pragma, {})
    for sql in (*plan.build, *plan.match):
        execute(sql, plan.params)


SUMMARY_SQL = f"""
    SELECT count(DISTINCT CASE WHEN result IN {kinds.sql_list(kinds.FOUND_RESULTS)} THEN student_id END),
           count(DISTINCT CASE WHEN result = '{kinds.NOT_FOUND}' THEN student_id END),
           sum(CASE WHEN kind = '{kinds.DUPLICATE}' THEN 1 ELSE 0 END),
           sum(CASE WHEN kind = '{kinds.COMPARE}' THEN 1 ELSE 0 END)
    FROM mt_found"""

_UPSERT = """
    INSERT INTO district_matches (semester, kind, result, method, status, student_id, school_node, other_student_id,
                                  other_node, grade, place, first_found_at, last_found_at, updated_at)
    SELECT :semester, kind, result, method, :current, student_id, node, other_student_id, other_node, grade, place,
           :now, :now, :now
    FROM mt_found WHERE 1 = 1
    ON CONFLICT (semester, kind, student_id, other_student_id) DO UPDATE SET
        result = excluded.result, method = excluded.method, status = excluded.status,
        school_node = excluded.school_node, other_node = excluded.other_node, grade = excluded.grade,
        place = excluded.place, last_found_at = excluded.last_found_at, updated_at = excluded.updated_at"""

_CLEAR = """
    UPDATE district_matches SET status = :cleared, updated_at = :now
    WHERE semester = :semester AND status = :current AND last_found_at <> :now"""


def run_match(store: Store, semester: str | None = None, today: dt.date | None = None) -> MatchSummary:
    """全区联查 over every school's data for ``semester`` (default: the current one); keeps the matches."""
    require_district(store)
    require(store, Permission.MATCH)  # the district administrator's (it edits no school's records)
    semester = semester or semesters.current_name(store, today)
    earliest, latest = window(store, semester)
    inst = store.installation()
    plan = kinds.plan(semester, earliest, latest, district_node=inst.node_id if inst else "")
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    with store.write() as session:
        conn = session.connection()

        def execute(sql: str, params: dict[str, Any]) -> Any:
            return conn.exec_driver_sql(sql, params)

        run_plan(execute, plan)
        found, not_found, duplicates, compared = execute(SUMMARY_SQL, {}).one()
        params = {"semester": semester, "now": now, "current": CURRENT, "cleared": CLEARED}
        execute(_UPSERT, params)
        execute(_CLEAR, params)
        from desktop_app.services.matching import proposals  # noqa: PLC0415 - it reads this module's CURRENT

        proposals.publish(session, semester, today or dt.date.today())  # the answers each school gets
        for sql in (*plan.drop, *AFTER_RUN):
            execute(sql, {})
        summary = MatchSummary(semester, int(found or 0), int(not_found or 0), int(duplicates or 0),
                               int(compared or 0))
        audit.record_event(session, "district_matches", "", "全区联查", json.dumps(
            {"学期": semester, "找到": summary.found, "未找到": summary.not_found, "重复立案": summary.duplicates,
             "数据比对": summary.compared}, ensure_ascii=False))
    return summary
