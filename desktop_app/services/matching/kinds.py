"""The kinds of match, as SQL over every school's rows at the district (grouped, indexed joins).

Temporary tables, built on the matching transaction's connection:

- ``mt_tgt``: who is at school in the semester, at which school: every school's enrolment roster of the
  semester (rank 0) and in-school statuses (rank 1: at that school; rank 2: elsewhere, e.g. 区外就读),
  kept only where a rule's key (the number, name and birth date, name and guardian) is one a school is
  looking for (at 1,000,000 children a name alone is someone's almost always: a sixth of the rows kept);
- ``mt_src`` (built first): whom each school is looking for: census children with no status at their own school
  (摸排), grade-6 leavers of the spring semester (小升初), kindergarten leavers (幼升小), students
  marked 转学 or 未返校 in the return check (返校);
- ``mt_case``: children with open cases;
- ``mt_found``: the matches of this run, one row per (kind, child, other row), the strongest rule first.

The owning school of each record is ``sync_record_owners`` (written on import); a record without an
owner row was made at the district itself (node ``""``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from desktop_app.domain.census import IN_SCHOOL, ChildStatus, ReturnResult, RosterKind
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.handover import ACCEPTED as HANDOVER_ACCEPTED
from desktop_app.domain.semester import previous_name
from desktop_app.services.matching.keys import (
    PERSON_TABLE_COLUMNS,
    idn,
    person_columns,
    person_indexes,
    rules,
    sql_list,
)

CENSUS = "摸排"
JUNIOR = "小升初"
PRIMARY = "幼升小"
RETURNS = "返校"
DUPLICATE = "重复立案"
COMPARE = "数据比对"
KINDS = (CENSUS, JUNIOR, PRIMARY, RETURNS, DUPLICATE, COMPARE)
LEAVER_KINDS = (JUNIOR, PRIMARY)
#: Kinds whose children count as found at any school, their own included.
ANYWHERE_KINDS = (JUNIOR, PRIMARY, COMPARE)

PROPOSED = ChildStatus.OTHER_SCHOOL.value  # 区内他校在读
FOUND = "已找到"
NOT_FOUND = "衔接未找到"
TRANSFER_CONFIRMED = "转学已确认"
RETURN_FOUND = "未返校已找到"
DUPLICATE_RESULT = "重复立案"
FOUND_RESULTS = (PROPOSED, FOUND, TRANSFER_CONFIRMED, RETURN_FOUND)
#: 数据比对 at the district (N-13): children of a roster the district imported itself (household register,
#: monitored households, disabled children) found at no school of the district.
NOT_REGISTERED = "户籍在册但全区学籍名册中没有"
NO_STATUS = "监测户/边缘户儿童没有就读状态"
COMPARE_RESULTS = (NOT_REGISTERED, NO_STATUS)
BY_VILLAGE = "按户籍村分配到学校"
BY_TOWNSHIP = "按乡镇分配到学校"
UNASSIGNED = "未能按乡镇、村确定学校"

ON_ROSTER = "学籍名册"
#: Statuses saying the child studies at the school that recorded them.
AT_THIS_SCHOOL = (ChildStatus.HERE.value, ChildStatus.INCLUSION.value, ChildStatus.HOME_TEACHING.value)

TEMP_TABLES = ("mt_area", "mt_found", "mt_case", "mt_src", "mt_tgt")


def spring_of(semester: str) -> str:
    """The spring semester whose grade-6 pupils are this semester's 小升初 leavers (2026秋 → 2026春)."""
    return previous_name(semester) if semester.endswith("秋") else previous_name(previous_name(semester))


@dataclass
class Plan:
    """The statements of one run and their parameters (sqlite3's named style)."""

    params: dict[str, Any]
    build: list[str] = field(default_factory=list)  # temporary tables and their indexes
    match: list[str] = field(default_factory=list)  # filling mt_found
    drop: list[str] = field(default_factory=list)


def _owner_of(table: str, record: str) -> str:
    """The owning school's node of a record ("" for the district's own), looked up only for the rows kept."""
    return (f"coalesce((SELECT o.owner_node FROM sync_record_owners o WHERE o.table_name = {table} "
            f"AND o.record_id = {record}), '')")


def plan(semester: str, earliest: dt.date, latest: dt.date, kinds: tuple[str, ...] = KINDS,
         district_node: str = "") -> Plan:
    """Every statement of a run over ``semester`` (census children born ``earliest``..``latest``);
    ``district_node`` is the district's own node (its own rosters are compared with every school's data)."""
    p = Plan({"semester": semester, "spring": spring_of(semester), "earliest": earliest.isoformat(),
              "latest": latest.isoformat(), "district": district_node})
    p.drop = [f"DROP TABLE IF EXISTS temp.{t}" for t in TEMP_TABLES]
    p.build.extend(p.drop)
    at_here = sql_list(AT_THIS_SCHOOL)
    p.build.append(f"CREATE TEMP TABLE mt_src (kind TEXT, student_id TEXT, node TEXT, {PERSON_TABLE_COLUMNS}, "
                   "detail TEXT)")
    src = f"INSERT INTO mt_src SELECT '%s', s.id, %s, {person_columns('s')}, %s "
    if CENSUS in kinds:
        p.build.append(src % (CENSUS, _owner_of("'roster_members'", "rm.id"), "''") + f"""
            FROM roster_members rm JOIN students s ON s.id = rm.student_id
            WHERE rm.kind = '{RosterKind.CENSUS.value}' AND rm.voided = FALSE
              AND s.birth_date >= :earliest AND s.birth_date <= :latest
              AND NOT EXISTS (SELECT 1 FROM census_statuses cs WHERE cs.student_id = rm.student_id
                              AND cs.semester = :semester)
              AND NOT EXISTS (SELECT 1 FROM roster_members e WHERE e.kind = '{RosterKind.ENROLLED.value}'
                              AND e.semester = :semester AND e.student_id = rm.student_id AND e.voided = FALSE)""")
    if JUNIOR in kinds:
        p.build.append(src % (JUNIOR, _owner_of("'roster_members'", "rm.id"), "rm.class_name") + f"""
            FROM roster_members rm JOIN students s ON s.id = rm.student_id
            WHERE rm.kind = '{RosterKind.ENROLLED.value}' AND rm.semester = :spring AND rm.grade = '六年级'
              AND rm.voided = FALSE""")
    if PRIMARY in kinds:
        p.build.append(src % (PRIMARY, _owner_of("'roster_members'", "rm.id"), "rm.school") + f"""
            FROM roster_members rm JOIN students s ON s.id = rm.student_id
            WHERE rm.kind = '{RosterKind.KINDERGARTEN.value}' AND rm.voided = FALSE""")
    if RETURNS in kinds:
        p.build.append(src % (RETURNS, _owner_of("'return_checks'", "rc.id"), "rc.result") + f"""
            FROM return_checks rc JOIN students s ON s.id = rc.student_id
            WHERE rc.semester = :semester
              AND rc.result IN {sql_list((ReturnResult.TRANSFERRED.value, ReturnResult.NOT_RETURNED.value))}""")
    if COMPARE in kinds:  # the district's own rosters (no owner row; scanned only when it imported any)
        p.build.append(src % (COMPARE, "''", "rm.kind") + f"""
            FROM roster_members rm JOIN students s ON s.id = rm.student_id
            WHERE EXISTS (SELECT 1 FROM roster_imports ri WHERE ri.node_id = :district AND ri.voided = FALSE)
              AND rm.kind IN {sql_list((RosterKind.CENSUS.value, RosterKind.MONITORED.value,
                                        RosterKind.DISABLED.value))}
              AND rm.voided = FALSE AND rm.node_id = :district
              AND s.birth_date >= :earliest AND s.birth_date <= :latest
              AND NOT EXISTS (SELECT 1 FROM sync_record_owners o WHERE o.table_name = 'roster_members'
                              AND o.record_id = rm.id)""")
    p.build.append("CREATE INDEX mt_src_kind ON mt_src (kind, student_id)")
    # probed once per enrolled or in-school row below (an index each: PostgreSQL hashes an IN list only
    # while it fits in work_mem, and at 1,000,000 children it does not)
    p.build.extend(person_indexes("mt_src"))
    p.build.append(f"""
        CREATE TEMP TABLE mt_tgt AS
        SELECT x.student_id AS student_id, {_owner_of('x.tbl', 'x.rec')} AS node, {person_columns('s')},
               x.grade AS grade, x.how AS how, x.place AS place, x.rank AS rank
        FROM (
            SELECT rm.student_id AS student_id, rm.id AS rec, 'roster_members' AS tbl, rm.grade AS grade,
                   '{ON_ROSTER}' AS how, '' AS place, 0 AS rank
            FROM roster_members rm
            WHERE rm.kind = '{RosterKind.ENROLLED.value}' AND rm.semester = :semester AND rm.voided = FALSE
            UNION ALL
            SELECT cs.student_id, cs.id, 'census_statuses', '', cs.status, cs.school,
                   CASE WHEN cs.status IN {at_here} THEN 1 ELSE 2 END
            FROM census_statuses cs
            WHERE cs.semester = :semester AND cs.status IN {sql_list(sorted(IN_SCHOOL))}
        ) x
        JOIN students s ON s.id = x.student_id
        WHERE EXISTS (SELECT 1 FROM mt_src k WHERE k.idn = {idn('s.id_number')})
           OR EXISTS (SELECT 1 FROM mt_src k WHERE k.name = s.name AND k.birth = CAST(s.birth_date AS TEXT))
           OR EXISTS (SELECT 1 FROM mt_src k WHERE k.name = s.name AND k.guardian = s.guardian1_name)""")
    p.build.extend(person_indexes("mt_tgt"))
    p.build.append(f"CREATE TEMP TABLE mt_case (student_id TEXT, node TEXT, {PERSON_TABLE_COLUMNS})")
    if DUPLICATE in kinds:  # a case handed over and accepted counts at the receiving school only (移交)
        p.build.append(f"""
            INSERT INTO mt_case SELECT DISTINCT s.id, {_owner_of("'cases'", 'c.id')}, {person_columns('s')}
            FROM cases c JOIN students s ON s.id = c.student_id
            WHERE c.voided = FALSE AND c.status IN {sql_list(CaseStatus.open_values())}
              AND NOT EXISTS (SELECT 1 FROM handover_transfers h
                              WHERE h.case_id = c.id AND h.state = '{HANDOVER_ACCEPTED}')""")
        p.build.extend(person_indexes("mt_case"))
    p.build.append("""
        CREATE TEMP TABLE mt_found (kind TEXT, student_id TEXT, other_student_id TEXT, node TEXT, other_node TEXT,
                                    method TEXT, grade TEXT, place TEXT, result TEXT,
                                    PRIMARY KEY (kind, student_id, other_student_id))""")

    result = (f"CASE src.kind WHEN '{CENSUS}' THEN '{PROPOSED}' WHEN '{RETURNS}' THEN "
              f"(CASE src.detail WHEN '{ReturnResult.TRANSFERRED.value}' THEN '{TRANSFER_CONFIRMED}' "
              f"ELSE '{RETURN_FOUND}' END) ELSE '{FOUND}' END")
    # leavers may be found anywhere (a 九年一贯制 keeps its own); the others only at another school
    where = (f"(src.kind IN {sql_list(ANYWHERE_KINDS)} OR (t.node <> src.node AND t.rank <= 1))")
    for method, on, extra in rules("src", "t"):
        p.match.append(f"""
            INSERT INTO mt_found
            SELECT src.kind, src.student_id, t.student_id, src.node, t.node, '{method}', t.grade,
                   CASE WHEN t.place <> '' THEN t.how || '：' || t.place ELSE t.how END, {result}
            FROM mt_src src JOIN mt_tgt t ON {on}
            WHERE {where} AND {extra}
            ORDER BY t.rank
            ON CONFLICT DO NOTHING""")
    if DUPLICATE in kinds:
        for method, on, extra in rules("a", "b"):
            p.match.append(f"""
                INSERT INTO mt_found
                SELECT '{DUPLICATE}', a.student_id, b.student_id, a.node, b.node, '{method}', '', '',
                       '{DUPLICATE_RESULT}'
                FROM mt_case a JOIN mt_case b ON {on}
                WHERE a.node < b.node AND {extra}
                ON CONFLICT DO NOTHING""")
    p.match.append(f"""
        INSERT INTO mt_found
        SELECT DISTINCT src.kind, src.student_id, '', src.node, '', '', '', '', '{NOT_FOUND}'
        FROM mt_src src
        WHERE src.kind IN {sql_list(LEAVER_KINDS)}
          AND NOT EXISTS (SELECT 1 FROM mt_found f WHERE f.kind = src.kind AND f.student_id = src.student_id)
        ON CONFLICT DO NOTHING""")
    if COMPARE in kinds:
        p.match.extend(_comparison())
    return p


def _comparison() -> list[str]:
    """数据比对's hits: the district's roster children found at no school, each assigned to the school whose
    census roster holds most children of the same township and village, else to a school of the township."""
    hits = f"SELECT 1 FROM mt_src h WHERE h.kind = '{COMPARE}' AND NOT EXISTS (SELECT 1 FROM mt_found f " \
           f"WHERE f.kind = '{COMPARE}' AND f.student_id = h.student_id)"
    area = f"""
        CREATE TEMP TABLE mt_area AS
        SELECT s.hukou_township AS township, s.village AS village, {_owner_of("'roster_members'", 'rm.id')} AS node,
               count(*) AS n
        FROM roster_members rm JOIN students s ON s.id = rm.student_id
        WHERE EXISTS ({hits}) AND rm.kind = '{RosterKind.CENSUS.value}' AND rm.voided = FALSE
        GROUP BY 1, 2, 3"""
    by_village = ("(SELECT a.node FROM mt_area a WHERE a.township = s.hukou_township AND a.village = s.village "
                  "AND a.node <> '' AND s.village <> '' ORDER BY a.n DESC, a.node LIMIT 1)")
    by_township = ("(SELECT p.node_id FROM sync_peers p WHERE p.kind = 'school' AND p.node_id <> '' "
                   "AND s.hukou_township <> '' AND p.township = s.hukou_township ORDER BY p.code LIMIT 1)")
    reason = (f"CASE WHEN sum(CASE WHEN src.detail = '{RosterKind.CENSUS.value}' THEN 1 ELSE 0 END) > 0 "
              f"THEN '{NOT_REGISTERED}' ELSE '{NO_STATUS}' END")  # on the household register, or only on the other lists
    return [area, "CREATE INDEX mt_area_tv ON mt_area (township, village)", f"""
        INSERT INTO mt_found
        SELECT '{COMPARE}', src.student_id, '', coalesce({by_village}, {by_township}, ''), '', '', '',
               CASE WHEN {by_village} IS NOT NULL THEN '{BY_VILLAGE}' WHEN {by_township} IS NOT NULL
                    THEN '{BY_TOWNSHIP}' ELSE '{UNASSIGNED}' END, {reason}
        FROM mt_src src JOIN students s ON s.id = src.student_id
        WHERE src.kind = '{COMPARE}'
          AND NOT EXISTS (SELECT 1 FROM mt_found f WHERE f.kind = '{COMPARE}' AND f.student_id = src.student_id)
        GROUP BY src.student_id, s.id
        ON CONFLICT DO NOTHING""",
        f"DELETE FROM mt_found WHERE kind = '{COMPARE}' AND other_student_id <> ''"]
