"""Speed of the USB exchange.

* A package carrying 10,000 changed cases (with their students and persuasion attempts) exported
  and imported, beside a bare SQLite ``executemany`` insert of the same rows into an empty copy
  of the schema (the target: import within 3x of the bare insert).
* A district importing one package from each of 100 schools.

Run: ``.venv/bin/python -m pytest --benchmark-enable -p no:cacheprovider tests/benchmarks/test_sync_bench.py``
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from database.models import AuditEntry, ledger_models
from desktop_app.services import demo, sync
from desktop_app.services.store import Store
from tests.sync_helpers import make_district, make_school

CASES = 10_000
SCHOOLS = 100


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("sync-bench")
    usb = root / "usb"
    usb.mkdir()
    district = make_district(root / "district")
    school = make_school(root / "school", district, "2150022302", "米心镇中心小学", "米心镇", usb)
    demo.load(school, CASES)
    district.close()
    shutil.copytree(root / "district", root / "district-empty")
    yield {"root": root, "usb": usb, "school": school}
    school.close()


def test_export_10000_cases(benchmark, big: dict[str, Any]) -> None:  # noqa: ANN001
    school: Store = big["school"]

    def run() -> sync.ExportResult:
        data, manifest, _peer = sync.build_package(school, "district")
        path = sync._write_safely(data, big["usb"], "bench.bxpkg")  # noqa: SLF001 - without counting it as sent
        big["package"] = path
        return manifest

    manifest = benchmark.pedantic(run, rounds=3, iterations=1)
    assert manifest["counts"]["cases"] == CASES


def test_import_10000_cases_beside_bare_sqlite_insert(benchmark, big: dict[str, Any]) -> None:  # noqa: ANN001
    root: Path = big["root"]
    path = big.get("package") or sync.export_package(big["school"], "district", big["usb"]).path
    rounds = {"n": 0}
    fingerprint = sync.own_fingerprint(big["school"])  # first contact: from the school's 登记回执

    def setup() -> tuple[tuple[Store], dict[str, Any]]:
        rounds["n"] += 1
        folder = root / f"district-{rounds['n']}"
        shutil.copytree(root / "district-empty", folder)
        return (Store.open(folder, user="督导员"),), {}

    def run(store: Store) -> sync.ImportResult:
        try:
            return sync.import_package(store, path, confirm=fingerprint)
        finally:
            store.close()

    result = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    assert result.inserted >= 2 * CASES
    bare = _bare_insert_seconds(big["school"], root / "bare.sqlite3", with_history=False)
    bare_history = _bare_insert_seconds(big["school"], root / "bare-history.sqlite3", with_history=True)
    mean = benchmark.stats.stats.mean
    benchmark.extra_info.update(bare_rows_s=round(bare, 3), bare_rows_and_history_s=round(bare_history, 3),
                                import_vs_bare_rows=round(mean / bare, 2),
                                import_vs_bare_rows_and_history=round(mean / bare_history, 2))
    print(f"\nimport {mean:.2f}s; bare SQLite insert of the rows {bare:.2f}s ({mean / bare:.1f}x), "
          f"of the rows and their history {bare_history:.2f}s ({mean / bare_history:.1f}x)")


def _bare_insert_seconds(school: Store, target: Path, with_history: bool) -> float:
    """The same rows inserted with sqlite3 executemany into an empty copy of the schema (tables and their
    indexes, as the district's store has them), one transaction: every ledger table the package carries."""
    with school.read() as session:
        tables = [m.__table__ for m in ledger_models()
                  if session.execute(select(func.count()).select_from(m)).scalar_one()]
    if with_history:
        tables.append(AuditEntry.__table__)
    target.unlink(missing_ok=True)
    with school.read() as session:
        data = {t.name: [tuple(r) for r in session.execute(select(*t.columns))] for t in tables}
    src = sqlite3.connect(school.path)
    schema = [sql for (name, sql) in src.execute(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL "
        "ORDER BY type DESC") if name in data]
    src.close()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for sql in schema:
        conn.execute(sql)
    start = time.perf_counter()
    with conn:
        for t in tables:
            names = ", ".join(f'"{c.name}"' for c in t.columns)
            marks = ",".join("?" * len(t.columns))
            conn.executemany(f"INSERT INTO {t.name} ({names}) VALUES ({marks})", data[t.name])
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def test_district_imports_100_school_packages(benchmark, tmp_path: Path) -> None:  # noqa: ANN001
    usb = tmp_path / "usb"
    usb.mkdir()
    district = make_district(tmp_path / "district")
    packages, fingerprints = [], []
    for i in range(SCHOOLS):
        code = f"21500230{i:02d}"
        school = make_school(tmp_path / code, district, code, f"第{i + 1}小学", f"乡镇{i % 10}", usb)
        demo.load(school, 20, seed=i)
        packages.append(sync.export_package(school, "district", usb).path)
        fingerprints.append(sync.own_fingerprint(school))
        school.close()
    district.close()
    shutil.copytree(tmp_path / "district", tmp_path / "district-empty")
    rounds = {"n": 0}

    def setup() -> tuple[tuple[Store], dict[str, Any]]:
        rounds["n"] += 1
        folder = tmp_path / f"district-{rounds['n']}"
        shutil.copytree(tmp_path / "district-empty", folder)
        return (Store.open(folder, user="督导员"),), {}

    def run(store: Store) -> list[Any]:
        try:
            return sync.import_many(store, packages, confirm=fingerprints)
        finally:
            store.close()

    results = benchmark.pedantic(run, setup=setup, rounds=2, iterations=1)
    assert all(isinstance(r, sync.ImportResult) for _p, r in results)
