"""Speed of 全区联查 at the district: 100 schools, 100,000 census children, 100,000 enrolled students
and 10,000 小升初 leavers (plus return checks and open cases), inserted directly with Core inserts.

The run (temporary tables, joins, storing each match, the 联查建议 for the schools, the history event) must take under 5 s and at
most 3 times the same joins run bare on the DB-API connection (the SQLCipher driver), without SQLAlchemy.

Run: ``.venv/bin/python -m pytest --benchmark-enable -p no:cacheprovider tests/benchmarks/test_matching_bench.py -s``
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from database.census import ChildStatusRecord, ReturnCheck, RosterMember
from database.matching import DistrictMatch
from database.models import Case, Student
from database.sync import Peer, RecordOwner
from desktop_app.services import matching
from desktop_app.services.matching import kinds, storage
from desktop_app.services.store import Store
from tests.benchmarks.scale_data import Person
from tests.sync_helpers import make_district

SEM, SPRING = "2026秋", "2026春"
SCHOOLS = 100
CENSUS_PER_SCHOOL = 1_000  # 100,000 census children
ENROLLED_PER_SCHOOL = 1_000  # 100,000 enrolled students
LEAVERS_PER_SCHOOL = 100  # 10,000 leavers


@pytest.fixture(scope="module")
def big_district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    d = build_district(Path(tmp_path_factory.mktemp("district")))
    yield d
    d.close()


def build_district(folder: Path) -> Store:
    """The district's store with every school's rows as its packages would have left them."""
    rng = random.Random(16)
    d = make_district(folder)
    now = dt.datetime(2026, 10, 1)
    meta = {"created_at": now, "updated_at": now, "updated_by": "x", "node_id": "n", "version": 1}
    rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (Peer, Student, RosterMember, ChildStatusRecord,
                                                             ReturnCheck, Case, RecordOwner)}
    nodes = [str(uuid.uuid4()) for _ in range(SCHOOLS)]
    people = iter(range(10**7))

    def student(node: str, p: Person, *, numbered: bool = True) -> str:
        sid = str(uuid.uuid4())
        rows[Student].append({"id": sid, "name": p.name, "sex": p.sex, "id_number": p.number if numbered else "",
                              "birth_date": p.birth, "guardian1_name": p.guardian, **meta})
        return sid

    def owned(model: Any, node: str, values: dict[str, Any]) -> None:
        rid = str(uuid.uuid4())
        rows[model].append({"id": rid, **values, **meta})
        rows[RecordOwner].append({"table_name": model.__tablename__, "record_id": rid, "owner_node": node,
                                  "origin_node": node})

    def enrol(node: str, p: Person, semester: str, grade: str, *, numbered: bool = True) -> str:
        sid = student(node, p, numbered=numbered)
        owned(RosterMember, node, {"student_id": sid, "kind": "enrolled", "semester": semester, "grade": grade,
                                   "voided": False})
        return sid

    enrolled_count = [0] * SCHOOLS
    for k, node in enumerate(nodes):
        rows[Peer].append({"kind": "school", "code": f"50015{k:05d}", "name": f"学校{k}", "township": f"镇{k % 10}",
                           "node_id": node, "last_received_at": now})
        other = nodes[(k + 1) % SCHOOLS]
        for i in range(CENSUS_PER_SCHOOL):  # 70% checked at home; 15% enrolled at the next school; 15% nowhere
            p = Person(next(people), rng)
            sid = student(node, p)
            owned(RosterMember, node, {"student_id": sid, "kind": "census", "semester": "", "grade": "", "voided": False})
            if i % 20 < 14:
                owned(ChildStatusRecord, node, {"student_id": sid, "semester": SEM, "status": "本校在读",
                                                "checked_on": dt.date(2026, 9, 10)})
            elif i % 20 < 17:
                enrol(other, p, SEM, "五年级", numbered=i % 40 != 15)  # a few without a number there
                enrolled_count[(k + 1) % SCHOOLS] += 1
        for i in range(LEAVERS_PER_SCHOOL):  # 90% in grade 7 at the next school, 10% nowhere
            p = Person(next(people), rng)
            enrol(node, p, SPRING, "六年级")
            if i % 10:
                enrol(other, p, SEM, "七年级", numbered=i % 25 != 1)
                enrolled_count[(k + 1) % SCHOOLS] += 1
        for i in range(20):  # return check: 转学 / 未返校, half of them enrolled at the next school
            p = Person(next(people), rng)
            sid = enrol(node, p, SPRING, "八年级")
            owned(ReturnCheck, node, {"student_id": sid, "semester": SEM, "result": "转学" if i % 2 else "未返校",
                                      "checked_on": dt.date(2026, 9, 5)})
            if i % 4 < 2:
                enrol(other, p, SEM, "八年级")
                enrolled_count[(k + 1) % SCHOOLS] += 1
        for i in range(10):  # open cases, one child in ten with a case at the next school too
            p = Person(next(people), rng)
            case = {"status": "疑似辍学", "fill_date": dt.date(2026, 9, 20), "opened_on": dt.date(2026, 9, 20),
                    "voided": False}
            owned(Case, node, {"student_id": student(node, p), **case})
            if i == 0:
                owned(Case, other, {"student_id": student(other, p), **case})
    for k, node in enumerate(nodes):  # every school's roster filled up to 1,000 enrolled students
        for _ in range(ENROLLED_PER_SCHOOL - enrolled_count[k]):
            enrol(node, Person(next(people), rng), SEM, "三年级")
    with d.engine.begin() as conn:
        for model, values in rows.items():
            for start in range(0, len(values), 20_000):
                conn.execute(insert(model), values[start:start + 20_000])
    with d.read() as s:
        assert s.execute(select(func.count()).select_from(RosterMember).where(
            RosterMember.kind == "enrolled", RosterMember.semester == SEM)).scalar_one() == 100_000
    return d


def bare(store: Store) -> tuple[float, tuple[int, int, int]]:
    """The same joins (``kinds.plan``, with the same pragmas) and the summary, run on a bare DB-API connection
    to the same file (the store's driver: the file is encrypted at rest), without SQLAlchemy."""
    earliest, latest = dt.date(2010, 9, 1), dt.date(2020, 8, 31)
    plan = kinds.plan(SEM, earliest, latest)
    raw = store.engine.raw_connection()
    conn = raw.driver_connection
    try:
        start = time.perf_counter()
        for pragma in storage.RUN_PRAGMAS:
            conn.execute(pragma)
        for sql in (*plan.build, *plan.match):
            conn.execute(sql, plan.params)
        summary = conn.execute(storage.SUMMARY_SQL).fetchone()
        elapsed = time.perf_counter() - start
        for sql in plan.drop:
            conn.execute(sql)
        conn.rollback()
    finally:
        raw.close()
    return elapsed, summary


def test_matching_a_district_of_100_schools(benchmark, big_district: Store) -> None:  # noqa: ANN001
    bare_times = []
    for _ in range(3):
        seconds, summary = bare(big_district)
        bare_times.append(seconds)
    start = time.perf_counter()
    first = matching.run_match(big_district, SEM)  # the first run inserts every match
    first_seconds = time.perf_counter() - start
    result = benchmark.pedantic(matching.run_match, args=(big_district, SEM), rounds=3, iterations=1)
    again = benchmark.stats.stats.min
    for _ in range(3):  # bare again, on a page cache as warm as the runs had
        bare_times.append(bare(big_district)[0])
    # 15,000 census children + 9,000 leavers + 1,000 returns found; 1,000 leavers not found; 100 duplicate pairs
    assert (first.found, first.not_found, first.duplicates, first.compared) == (25_000, 1_000, 100, 0) == tuple(summary)
    assert result == first
    with big_district.read() as s:
        kept = s.execute(select(func.count()).select_from(DistrictMatch)).scalar_one()
    best_bare = min(bare_times)
    print(f"\n全区联查: bare DB-API joins best {best_bare:.2f} s of {', '.join(f'{t:.2f}' for t in bare_times)}; "
          f"run_match first {first_seconds:.2f} s, "
          f"again {again:.2f} s; {kept} matches kept; ratio {max(first_seconds, again) / best_bare:.2f}x")
    assert first_seconds < 5 and again < 5
    assert max(first_seconds, again) <= 3 * best_bare


def test_figures_and_lists_after_matching_100_schools(benchmark, big_district: Store) -> None:  # noqa: ANN001
    """What the 全区联查 page and the overview read after a run: figures, the district totals, a list."""
    if not matching.has_run(big_district, SEM):
        matching.run_match(big_district, SEM)

    def page() -> tuple[int, int, int]:
        schools = matching.school_figures(big_district, SEM)
        matching.township_figures(schools, matching.township_duplicates(big_district, SEM),
                                  matching.in_flight_by_township(big_district))
        totals = matching.district_totals(big_district, SEM)
        rows = matching.match_rows(big_district, SEM, matching.OTHER_SCHOOL, limit=2000)
        return len(schools), totals[matching.OTHER_SCHOOL], len(rows)

    assert benchmark(page) == (100, 25_000, 2000)
    assert matching.not_found_count(big_district, SEM) == 1_000
    assert benchmark.stats.stats.mean < 1.0
