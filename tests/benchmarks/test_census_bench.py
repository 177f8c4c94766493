"""Census speed: a 100,000-row roster import beside the bare calamine read of the same file and the floor
(that read plus plain sqlite3 writing the same rows), with peak memory; and the comparison of 100,000
registered children against 100,000 registry rows.

Run with ``--benchmark-enable -s -p no:cacheprovider tests/benchmarks/test_census_bench.py``;
``BAOXUE_BENCH_ROWS`` changes the size (default 100000), ``BAOXUE_BENCH_ROUNDS`` the rounds (default 2).
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from desktop_app.services import census, installation
from desktop_app.services.store import Store
from tests.conftest import SCHOOL
from tests.helpers import rosters as R
from tests.helpers.accounts import sign_in_admin

ROWS = int(os.environ.get("BAOXUE_BENCH_ROWS", "100000"))
ROUNDS = int(os.environ.get("BAOXUE_BENCH_ROUNDS", "2"))  # of each timing, taken in turn


@pytest.fixture(scope="module")
def big_roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("roster")
    kids = R.children(ROWS)
    rows = [R.census_cells(i + 1, c, date_style=("date", "text")[i % 2]) for i, c in enumerate(kids)]
    header = R.CENSUS_HEADER_TOP[:7] + ["监护人姓名", "监护人电话"]
    return R.write_plain_xlsx(folder / "big.xlsx", header, rows)


def _bare_read(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as wb:
        return len(wb.get_sheet_by_index(0).to_python())


def test_bare_calamine_read(benchmark, big_roster: Path) -> None:  # noqa: ANN001
    rows = benchmark.pedantic(_bare_read, args=(big_roster,), rounds=3, iterations=1)
    assert rows == ROWS + 1


def test_roster_import(benchmark, big_roster: Path, tmp_path: Path) -> None:  # noqa: ANN001
    """The import beside, in the same run: the bare calamine read of the file, and the floor under any
    import (the same read, then plain sqlite3 writing the rows the import wrote, prepared, into a fresh store
    of the same schema: encrypted, indexed, the same pragmas), with and without the import's history rows.
    Each is timed in rounds taken in turn (the machine is shared); the best of each is compared."""
    from database import engine as db

    counter = iter(range(100))

    def fresh_store() -> Store:
        store = Store.open(tmp_path / f"d{next(counter)}", user="bench")
        installation.setup(store, SCHOOL)
        sign_in_admin(store)
        return store

    opened: list[Store] = []

    def run(store: Store, path: Path) -> census.ImportResult:
        """The import as the user waits for it: until it returns (the store file is then written from the
        write-ahead log in a thread beside the user's next steps, ``Store.checkpoint_soon``; closing the
        store, timed apart, waits for that)."""
        opened.append(store)
        return census.import_roster(store, path, "census")

    def closed() -> float:
        start = time.perf_counter()
        while opened:
            opened.pop().close()
        return time.perf_counter() - start

    source = fresh_store()
    source_file, source_key = source.engine.url.database, source.key
    result = run(source, big_roster)
    closed()
    assert result.accepted == ROWS
    tables = _written_rows(db, source_file, source_key)
    counts = {t: len(r) for t, (_c, r) in tables.items()}
    assert counts["students"] == ROWS and counts["roster_members"] == ROWS

    def floor(which: tuple[str, ...]) -> float:
        """Read the file as the bare read does, then write ``which`` tables' rows: one timing."""
        store = fresh_store()
        into, key = store.engine.url.database, store.key
        store.close()
        dst = db.connect(into, key, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "temp_store=MEMORY",
                       "cache_size=-65536"):
            dst.execute(f"PRAGMA {pragma}")
        start = time.perf_counter()
        _bare_read(big_roster)
        dst.execute("BEGIN")
        for table in which:
            columns, rows = tables[table]
            dst.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                            rows)
        dst.execute("COMMIT")
        elapsed = time.perf_counter() - start
        dst.close()
        return elapsed

    records = ("students", "roster_members", "roster_imports")
    bare, floor_records, floor_all, ours, closing = [], [], [], [], []
    for _round in range(ROUNDS):
        bare.append(_timed(_bare_read, big_roster))
        floor_records.append(floor(records))
        floor_all.append(floor((*records, "audit_log")))
        store = fresh_store()
        ours.append(_timed(run, store, big_roster))
        closing.append(closed())
    result = benchmark.pedantic(run, setup=lambda: ((fresh_store(), big_roster), {}), rounds=1, iterations=1)
    closing.append(closed())
    assert result.accepted == ROWS
    ours.append(benchmark.stats.stats.min)
    # Peak memory in separate runs: tracemalloc slows allocation-heavy code several times over.
    bare_peak = _peak(_bare_read, big_roster)
    import_peak = _peak(run, fresh_store(), big_roster)
    closed()
    b, fr, fa, us = min(bare), min(floor_records), min(floor_all), min(ours)
    benchmark.extra_info.update(bare_read_s=round(b, 3), floor_s=round(fr, 3), floor_with_history_s=round(fa, 3),
                                import_s=round(us, 3), ratio=round(us / b, 2), floor_ratio=round(fr / b, 2),
                                import_peak_mib=round(import_peak, 1), bare_read_peak_mib=round(bare_peak, 1))
    load = os.getloadavg()[0]
    print(f"\n{ROWS} rows, best of {ROUNDS + 1} import rounds and {ROUNDS} of the others, load {load:.1f} "
          f"on {os.cpu_count()} cores:"
          f"\n  bare calamine read                         {b:6.2f} s   1.0x"
          f"\n  read + plain sqlite3 write (children, list) {fr:6.2f} s  {fr / b:4.1f}x  (the floor)"
          f"\n  the same + the import's history rows       {fa:6.2f} s  {fa / b:4.1f}x  {counts}"
          f"\n  our import                                 {us:6.2f} s  {us / b:4.1f}x  ({us / fr:.2f}x the floor)"
          f"\n  closing the store afterwards (its checkpoint) {min(closing):5.2f} s"
          f"\n  peak traced memory: import {import_peak:.0f} MiB, bare read {bare_peak:.0f} MiB"
          f"\n  every round (s): bare {_rounded(bare)}, floor {_rounded(floor_records)}, "
          f"floor+history {_rounded(floor_all)}, import {_rounded(ours)}")


def _written_rows(db: Any, source_file: str, source_key: bytes) -> dict[str, tuple[list[str], list[Any]]]:
    """The rows one import wrote (children, list entries, the import, its history), as stored."""
    src = db.connect(source_file, source_key)
    tables = {}
    for table in ("students", "roster_members", "roster_imports", "audit_log"):
        columns = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
        where = ("WHERE table_name IN ('students', 'roster_members', 'roster_imports')"
                 if table == "audit_log" else "")
        rows = src.execute(f"SELECT {', '.join(columns)} FROM {table} {where}").fetchall()
        if table == "audit_log":
            columns, rows = columns[1:], [r[1:] for r in rows]  # the key is the target's own
        tables[table] = (columns, rows)
    src.close()
    return tables


def _rounded(times: list[float]) -> str:
    return "/".join(f"{t:.2f}" for t in times)


def _peak(fn, *args) -> float:  # noqa: ANN001
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _timed(fn, *args) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def compared_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """100,000 census children and 100,000 registry rows (half the same children, a few twins without ids)."""
    import datetime as dt

    from sqlalchemy import insert

    from database.census import RosterMember
    from database.models import Student, new_id, utcnow

    store = Store.open(tmp_path_factory.mktemp("cmp"), user="bench")
    installation.setup(store, SCHOOL)
    kids = R.children(ROWS * 3 // 2, seed=11)
    stamp = utcnow()
    meta = {"created_at": stamp, "updated_at": stamp, "updated_by": "bench", "node_id": "n", "version": 1}
    students, members = [], []
    ids = []
    for c in kids:
        sid = new_id()
        ids.append(sid)
        students.append({"id": sid, "name": c["name"], "id_number": c["id_number"],
                         "birth_date": c["birth_date"], "guardian1_name": c["guardian"], "village": c["village"],
                         **meta})
    for c in kids[:2000]:  # registry twins without identity number
        sid = new_id()
        ids.append(sid)
        students.append({"id": sid, "name": c["name"], "id_number": "", "birth_date": c["birth_date"],
                         "guardian1_name": c["guardian"], "village": c["village"], **meta})
    census_ids = ids[:ROWS]
    registry_ids = ids[ROWS // 2:ROWS * 3 // 2 - 2000] + ids[-2000:]
    for kind, sem, group in (("census", "", census_ids), ("enrolled", "2026秋", registry_ids)):
        members += [{"id": new_id(), "student_id": s, "kind": kind, "semester": sem, "grade": "五年级",
                     "voided": 0, **meta} for s in group]
    with store.write() as session:
        conn = session.connection()
        conn.execute(insert(Student.__table__), students)  # set-up only: the rows, without history
        conn.execute(insert(RosterMember.__table__), members)
    assert dt.date.today()
    return store


def test_comparison_100k_against_100k(benchmark, compared_store: Store) -> None:  # noqa: ANN001
    hits = benchmark.pedantic(census.compare, args=(compared_store, "2026秋", census.REGISTERED_NOT_IN_REGISTRY),
                              rounds=3, iterations=1)
    assert len(hits) > ROWS // 4
    assert sum(1 for h in hits if h.candidates) >= 1000
    assert benchmark.stats.stats.max < 5.0
