"""The district on SQLite and on PostgreSQL side by side (issue 19): the same data, the same service call.

Each store is built on SQLite (the encrypted file, as a district has it today) and copied to a database
of the throw-away cluster with ``server_migration.copy_store`` (what ``migrate-to-server`` does), then the
same call is timed on both (best of a few runs, after a warm-up) and the figures are printed:

* (the supervision figures for 300 schools, the district ledger keystroke on 500,000 cases and 全区联查 on
  1,000,000 children are in ``test_server_scale_bench.py``);
* a district importing the packages of BAOXUE_BENCH_SCHOOLS schools (two each: 300 packages asked and
  the default): SQLite, PostgreSQL with one importer, PostgreSQL with four importers (processes) at once,
  BAOXUE_BENCH_IMPORT_RUNS times (default 2) on fresh copies, side by side in each run.

PostgreSQL should be within 1.5x of SQLite for one user; four importers faster in total than one.
The cluster runs with fsync off (a test cluster), SQLite with synchronous=FULL.

Run: ``.venv/bin/python -m pytest --benchmark-enable -p no:cacheprovider -s tests/benchmarks/test_server_bench.py``
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.services import (
    demo,
    encryption,
    server_migration,
    sync,
)
from desktop_app.services.store import Store
from tests import pg_cluster as pg
from tests.benchmarks.scale_data import best
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.sync_helpers import make_district, make_school

ROOT = Path(__file__).resolve().parents[2]
SCHOOLS = int(os.environ.get("BAOXUE_BENCH_SCHOOLS", "150"))  # two packages each: 300 packages
IMPORT_RUNS = int(os.environ.get("BAOXUE_BENCH_IMPORT_RUNS", "2"))
RESULTS: dict[str, tuple[float, float]] = {}


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    print("\n\nSQLite vs PostgreSQL (seconds, best run)")
    for name, (lite, server) in RESULTS.items():
        print(f"  {name:<48} SQLite {lite:8.3f}   PostgreSQL {server:8.3f}   ratio {server / lite:5.2f}x")


def on_server(store: Store, cluster: pg.Cluster) -> Store:
    """The same store copied to a new database of ``cluster`` (as migrate-to-server does), same account."""
    engine = server_migration.server_engine(cluster.new_database())
    report = server_migration.copy_store(store.engine, engine)
    print(f"\n  copied {report.rows} rows to PostgreSQL in {report.seconds:.1f} s")
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    server = Store(store.data_dir, engine, store.user)
    server.server = engine.url
    server.act_as(store.account)
    return server


def side_by_side(name: str, lite: Store, server: Store, fn: Callable[[Store], Any], runs: int = 5) -> None:
    lite_s, lite_result = best(lambda: fn(lite), runs)
    server_s, server_result = best(lambda: fn(server), runs)
    RESULTS[name] = (lite_s, server_s)
    assert server_result == lite_result  # the same answer on both backends
    assert server_s <= 1.5 * lite_s, f"{name}: PostgreSQL {server_s:.3f} s, SQLite {lite_s:.3f} s"


# --- importing school packages ---------------------------------------------------------------------------


def _packages(root: Path) -> tuple[Path, list[list[Path]], list[str]]:
    """A district folder with SCHOOLS schools enrolled (nothing imported), each school's packages (two, cases
    added between them) and the fingerprints to confirm."""
    usb, pile = root / "usb", root / "pile"
    usb.mkdir()
    pile.mkdir()
    d = make_district(root / "district")
    per_school, fingerprints = [], []
    for i in range(SCHOOLS):
        code = f"21500230{i:02d}" if i < 100 else f"2150024{i:03d}"
        school = make_school(root / code, d, code, f"第{i + 1}小学", f"乡镇{i % 10}", usb)
        mine = []
        for r in range(2):
            demo.load(school, 10, seed=10 * i + r)
            mine.append(sync.export_package(school, "district", pile).path)
        per_school.append(mine)
        fingerprints.append(sync.own_fingerprint(school))
        school.close()
    d.close()
    return root / "district", per_school, fingerprints


def _importers(url: str, root: Path, groups: list[list[Path]], fingerprints: list[str],
               folder: Path | None = None) -> tuple[float, float]:
    """(wall time, time from the first import's start to the last one's end) of one importer process per
    group, all started together, against ``url`` (or the SQLite store in ``folder``)."""
    (root / "fp.json").write_text(json.dumps(fingerprints), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = []
    start = time.perf_counter()
    for n, group in enumerate(groups):
        procs.append(subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.benchmarks.import_worker", url,
             str(folder or root / f"pc-{n}-{uuid.uuid4().hex[:6]}"),
             str(root / "fp.json"), *map(str, group)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))
    spans = []
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        assert proc.returncode == 0, err[-3000:]
        spans.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - start
    return wall, max(s["end"] for s in spans) - min(s["start"] for s in spans)


def _server_copy(folder: Path, cluster: pg.Cluster) -> str:
    """A new database of ``cluster`` holding the district store of ``folder`` (as migrate-to-server makes it)."""
    store = encryption.unlock(folder, "督导员", ADMIN_PASSWORD)
    url = cluster.new_database()
    engine = server_migration.server_engine(url)
    server_migration.copy_store(store.engine, engine)
    engine.dispose()
    store.close()
    return url


def test_district_imports_school_packages(tmp_path: Path, pg_cluster: pg.Cluster) -> None:
    folder, per_school, fingerprints = _packages(tmp_path)  # built once, outside the measurement
    every = [p for mine in per_school for p in mine]
    groups: list[list[Path]] = [[], [], [], []]
    for i, mine in enumerate(per_school):  # four PCs, each with a quarter of the schools' packages
        groups[i % 4].extend(mine)
    times: dict[str, list[float]] = {"lite": [], "one": [], "four": []}
    for run in range(IMPORT_RUNS):  # each run on fresh copies of the same district, one after the other
        lite_folder = tmp_path / f"lite-{run}"
        shutil.copytree(folder, lite_folder)
        one_url, four_url = _server_copy(folder, pg_cluster), _server_copy(folder, pg_cluster)
        load = os.getloadavg()[0]
        # SQLite: one importer (a file has one writer at a time); PostgreSQL: one importer, then four at once
        lite_wall, lite_s = _importers("", tmp_path, [every], fingerprints, lite_folder)
        one_wall, one_s = _importers(one_url, tmp_path, [every], fingerprints)
        four_wall, four_s = _importers(four_url, tmp_path, groups, fingerprints)
        for key, value in (("lite", lite_s), ("one", one_s), ("four", four_s)):
            times[key].append(value)
        print(f"\n  run {run + 1}, load {load:.1f} -> {os.getloadavg()[0]:.1f}: {len(every)} packages of {SCHOOLS} "
              f"schools (first import to last; wall time with start-up in brackets): SQLite {lite_s:.1f} s "
              f"({lite_wall:.1f}), PostgreSQL one importer {one_s:.1f} s ({one_wall:.1f}) = {one_s / lite_s:.2f}x, "
              f"four importers {four_s:.1f} s ({four_wall:.1f}) = {four_s / one_s:.2f} of one")
    lite_s, one_s, four_s = (min(times[k]) for k in ("lite", "one", "four"))
    RESULTS[f"import {len(every)} packages of {SCHOOLS} schools (one importer)"] = (lite_s, one_s)
    RESULTS[f"import {len(every)} packages of {SCHOOLS} schools (PG: four importers)"] = (lite_s, four_s)
    assert one_s <= 1.5 * lite_s
    assert four_s < one_s
