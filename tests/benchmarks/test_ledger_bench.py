"""Ledger speed on 100,000 cases: each filter or search keystroke against the same SQL run bare.

Run: .venv/bin/python -m pytest tests/benchmarks/test_ledger_bench.py --benchmark-enable -p no:randomly
The figures (and ratios) are printed at the end; nothing here asserts a time.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect

from database import engine as db
from desktop_app.services import cases
from desktop_app.services.store import Store
from desktop_app.ui.ledger.model import CaseLedgerModel
from tests.benchmarks.startup import BARE, open_with_key, ours, timed

QUERIES = {
    "no filter": cases.LedgerQuery(),
    "open cases": cases.LedgerQuery(statuses=("疑似辍学", "劝返中", "联合劝返")),
    "township+village": cases.LedgerQuery(township="米心镇", village="青龙村"),
    "name 张": cases.LedgerQuery(search="张"),
    "pinyin zx": cases.LedgerQuery(search="zx"),
    "id fragment 0517": cases.LedgerQuery(search="0517"),
    "sort by attempts": cases.LedgerQuery(sort="attempt_count"),
}

RESULTS: dict[str, dict[str, float]] = {}


def compiled(stmt) -> str:  # noqa: ANN001
    return str(stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))


def bare_keystroke(conn: db.sqlcipher.Connection, page_sql: str, count_sql: str) -> None:
    """What the ledger does per keystroke, as plain sqlite3: the first page, then the count."""
    rows = conn.execute(page_sql).fetchall()
    if len(rows) == CaseLedgerModel.PAGE:
        conn.execute(count_sql).fetchone()


@pytest.mark.parametrize("name", list(QUERIES))
def test_keystroke_first_page(benchmark, qapp, big_store: Store, name: str) -> None:  # noqa: ANN001
    model = CaseLedgerModel(big_store)
    query = QUERIES[name]
    benchmark.pedantic(model.set_query, args=(query,), rounds=15, iterations=1, warmup_rounds=2)
    ours = benchmark.stats.stats.median
    start_rows = model.rowCount()
    page_sql = compiled(cases.ledger_page_select(query, 0, CaseLedgerModel.PAGE))
    count_sql = compiled(cases.ledger_count_select(query))
    conn = db.connect(big_store.path, big_store.key)  # the same encrypted file, bare
    bare_keystroke(conn, page_sql, count_sql)  # warm-up, like ours
    bare = []
    for _ in range(15):
        t = time.perf_counter()
        bare_keystroke(conn, page_sql, count_sql)
        bare.append(time.perf_counter() - t)
    conn.close()
    bare.sort()
    RESULTS[name] = {"ours_ms": ours * 1000, "bare_ms": bare[7] * 1000, "rows": start_rows}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return sorted(r[key] for r in runs)[len(runs) // 2]


def test_startup_to_usable_main_window(big_store_dir) -> None:  # noqa: ANN001
    """The window on the 100,000-case store, opened with its key as after a sign-in, beside the bare window
    (tests/benchmarks/startup.py; test_startup_bench.py compares it with the 120-case store too)."""
    code = ours(open_with_key(big_store_dir))
    timed(code)  # migrated, bytecode written, page cache warm: a second start
    bare_runs, our_runs = [], []
    for _ in range(5):  # alternate, so load on the machine hits both alike
        bare_runs.append(timed(BARE))
        our_runs.append(timed(code))
    base = _median(bare_runs, "shown") * 1000
    RESULTS["window shown (100k)"] = {"ours_ms": _median(our_runs, "shown") * 1000, "bare_ms": base, "rows": 0}
    RESULTS["figures ready (100k)"] = {"ours_ms": _median(our_runs, "ready") * 1000, "bare_ms": base, "rows": 0}


def teardown_module() -> None:
    if not RESULTS:
        return
    lines = ["", f"{'case':<24}{'ours ms':>10}{'bare ms':>10}{'ratio':>8}"]
    for name, r in RESULTS.items():
        lines.append(f"{name:<24}{r['ours_ms']:>10.1f}{r['bare_ms']:>10.1f}{r['ours_ms'] / r['bare_ms']:>8.2f}")
    print("\n".join(lines))
