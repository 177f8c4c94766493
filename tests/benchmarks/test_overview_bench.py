"""总览 speed: the overview's figures and the 待办 list (what the overview page computes) on the
100,000-case and a 5,000-case store, side by side with the bare SQL that yields the same figures:
the same grouped statements, compiled, run on the store's own DBAPI connection (sqlite3, or the
SQLCipher module once the store is encrypted) and fetched, with no SQLAlchemy and no Python per row.

Run: ``.venv/bin/python -m pytest -p no:cacheprovider --benchmark-enable -s tests/benchmarks/test_overview_bench.py``

Ours and bare are timed alternately in the same loop (the machine is shared); the medians and the
ratio are printed at the end. Targets (issue 17): 100,000 cases under 1 s and within 3x of bare;
5,000 cases under 100 ms. Only a generous ratio is asserted.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect

from desktop_app.services import demo, installation, lifecycle, semesters, todo
from desktop_app.services.store import Store
from tests.conftest import SCHOOL
from tests.helpers.accounts import sign_in_admin

ROUNDS = 9
RESULTS: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("small")
    store = Store.open(folder, user="bench")
    installation.setup(store, SCHOOL)
    sign_in_admin(store)
    demo.load(store, 5_000, seed=7)
    yield store
    store.close()


def compiled(stmt: Any) -> str:
    return str(stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))


def ours(store: Store, today: dt.date) -> tuple[lifecycle.Overview, list[todo.TodoItem]]:
    """What OverviewPage computes (its worker runs exactly this)."""
    return lifecycle.overview(store, today), todo.collect(store, today)


def bare_sql(store: Store, today: dt.date) -> list[str]:
    span = semesters.current(store, today)
    stmts = [*lifecycle.overview_selects(today, span).values(),
             lifecycle.reminder_facts_select(today, lifecycle.thresholds(store), span.start)]
    return [compiled(s) for s in stmts]


def run_bare(conn: Any, sqls: list[str]) -> int:
    cursor = conn.cursor()
    rows = 0
    for sql in sqls:
        rows += len(cursor.execute(sql).fetchall())
    cursor.close()
    return rows


def side_by_side(name: str, store: Store, today: dt.date) -> dict[str, float]:
    sqls = bare_sql(store, today)
    raw = store.engine.raw_connection()
    try:
        ours(store, today)  # warm-up: imports of the providers' modules, page cache
        run_bare(raw, sqls)
        mine: list[float] = []
        bare: list[float] = []
        for _ in range(ROUNDS):
            for timings, fn in ((mine, lambda: ours(store, today)), (bare, lambda: run_bare(raw, sqls))):
                start = time.perf_counter()
                fn()
                timings.append(time.perf_counter() - start)
    finally:
        raw.close()
    mine.sort()
    bare.sort()
    result = {"ours_ms": mine[ROUNDS // 2] * 1000, "bare_ms": bare[ROUNDS // 2] * 1000,
              "ours_min_ms": mine[0] * 1000, "ours_max_ms": mine[-1] * 1000,
              "bare_min_ms": bare[0] * 1000, "bare_max_ms": bare[-1] * 1000}
    RESULTS[name] = result
    return result


TODAY = dt.date.today()


def test_overview_and_todo_on_100000_cases(big_store: Store) -> None:
    data, items = ours(big_store, TODAY)
    assert data.open_count > 50_000 and items  # the district-sized store, with reminders due
    r = side_by_side("100,000 cases", big_store, TODAY)
    assert r["ours_ms"] < 8 * r["bare_ms"]  # the target is 3x; 8x only catches a return to per-case Python


def test_overview_and_todo_on_5000_cases(small_store: Store) -> None:
    data, items = ours(small_store, TODAY)
    assert data.open_count > 2_000 and items
    r = side_by_side("5,000 cases", small_store, TODAY)
    assert r["ours_ms"] < 8 * r["bare_ms"]


def teardown_module() -> None:
    if not RESULTS:
        return
    lines = ["", f"{'overview + 待办':<16}{'ours ms (min-max)':>26}{'bare SQL ms (min-max)':>28}{'ratio':>8}"]
    for name, r in RESULTS.items():
        lines.append(f"{name:<16}{r['ours_ms']:>9.0f} ({r['ours_min_ms']:.0f}-{r['ours_max_ms']:.0f})".ljust(42)
                     + f"{r['bare_ms']:>9.0f} ({r['bare_min_ms']:.0f}-{r['bare_max_ms']:.0f})".ljust(28)
                     + f"{r['ours_ms'] / r['bare_ms']:>8.2f}")
    print("\n".join(lines))

