"""Census speed: a 100,000-row roster import beside the bare calamine read of the same file (with peak
memory), and the comparison of 100,000 registered children against 100,000 registry rows.

Run with ``--benchmark-enable -p no:cacheprovider tests/benchmarks/test_census_bench.py``;
``BAOXUE_BENCH_ROWS`` changes the size (default 100000).
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from desktop_app.services import census, installation
from desktop_app.services.store import Store
from tests.conftest import SCHOOL
from tests.helpers import rosters as R
from tests.helpers.accounts import sign_in_admin

ROWS = int(os.environ.get("BAOXUE_BENCH_ROWS", "100000"))


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
    counter = iter(range(100))

    def fresh_store() -> Store:
        store = Store.open(tmp_path / f"d{next(counter)}", user="bench")
        installation.setup(store, SCHOOL)
        sign_in_admin(store)
        return store

    def run(store: Store, path: Path) -> census.ImportResult:
        try:
            return census.import_roster(store, path, "census")
        finally:
            store.close()

    bare = min(_timed(_bare_read, big_roster) for _ in range(2))
    result = benchmark.pedantic(run, setup=lambda: ((fresh_store(), big_roster), {}), rounds=1, iterations=1)
    assert result.accepted == ROWS
    # Peak memory in separate runs: tracemalloc slows allocation-heavy code several times over.
    bare_peak = _peak(_bare_read, big_roster)
    import_peak = _peak(run, fresh_store(), big_roster)
    ratio = benchmark.stats.stats.min / bare
    benchmark.extra_info.update(bare_read_s=round(bare, 3), ratio=round(ratio, 1),
                                import_peak_mib=round(import_peak, 1), bare_read_peak_mib=round(bare_peak, 1))
    print(f"\nimport of {ROWS} rows {benchmark.stats.stats.min:.2f} s, bare calamine read {bare:.2f} s, "
          f"ratio {ratio:.1f}x; peak traced memory: import {import_peak:.0f} MiB, bare read {bare_peak:.0f} MiB")


def test_bare_write_of_the_same_rows(big_roster: Path, tmp_path: Path) -> None:
    """The floor under any import: the rows our import wrote (children, list entries, history), already
    prepared, inserted by plain sqlite3 into a fresh store of the same schema, indexes and pragmas
    included, then committed. Reported beside the bare read, for the 3x target."""
    from database import engine as db

    source = Store.open(tmp_path / "src", user="bench")
    installation.setup(source, SCHOOL)
    sign_in_admin(source)
    census.import_roster(source, big_roster, "census")
    source_file, source_key = source.engine.url.database, source.key
    source.close()
    target = Store.open(tmp_path / "dst", user="bench")
    installation.setup(target, SCHOOL)
    target_file, target_key = target.engine.url.database, target.key
    target.close()

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

    bare_read = min(_timed(_bare_read, big_roster) for _ in range(2))

    def write(into: str, which: tuple[str, ...]) -> float:
        dst = db.connect(into, target_key, isolation_level=None)  # the same encrypted kind of file
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "cache_size=-65536"):
            dst.execute(f"PRAGMA {pragma}")
        start = time.perf_counter()
        dst.execute("BEGIN")
        for table in which:
            columns, rows = tables[table]
            dst.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                            rows)
        dst.execute("COMMIT")
        elapsed = time.perf_counter() - start
        dst.close()
        return elapsed

    import shutil

    shutil.copytree(tmp_path / "dst", tmp_path / "dst2")  # the same empty store twice
    everything = write(target_file, tuple(tables))
    records_only = write(str(tmp_path / "dst2" / Path(target_file).name), ("students", "roster_members", "roster_imports"))
    counts = {t: len(r) for t, (_c, r) in tables.items()}
    assert counts["students"] == ROWS and counts["roster_members"] == ROWS
    print(f"\nplain sqlite3 writing the import's {sum(counts.values())} rows {counts}: {everything:.2f} s = "
          f"{everything / bare_read:.1f}x the bare read ({bare_read:.2f} s); read + write "
          f"{1 + everything / bare_read:.1f}x. Without any history rows: {records_only:.2f} s = "
          f"{records_only / bare_read:.1f}x; read + write {1 + records_only / bare_read:.1f}x")


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
