"""Speed of verify (issue 13): the 100,000-case benchmark store with its whole history, checked row by row
against its history (人账相符), beside a bare pass that reads the same history rows and ledger rows with
sqlite3 and hashes them with hashlib. Target: within 3x of the bare pass.

Run: ``.venv/bin/python -m pytest --benchmark-enable -p no:cacheprovider tests/benchmarks/test_verify_bench.py -s``
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

from desktop_app.services.integrity.ledger import ledger_tables
from desktop_app.services.paths import STORE_FILE
from desktop_app.services.store import Store


def bare_pass(path: Path) -> int:
    """Read every history row and every ledger row with sqlite3 and hash each with hashlib."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sha256 = hashlib.sha256
    n = 0
    try:
        cur = conn.execute("SELECT id, at, user, node_id, action, table_name, record_id, field, old_value, new_value,"
                           " prev_hash, row_hash FROM audit_log ORDER BY id")
        while rows := cur.fetchmany(5000):
            for row in rows:
                sha256(repr(row).encode()).hexdigest()
                n += 1
        for table in ledger_tables():
            cur = conn.execute(f'SELECT * FROM "{table.name}"')
            while rows := cur.fetchmany(5000):
                for row in rows:
                    sha256(repr(row).encode()).hexdigest()
                    n += 1
    finally:
        conn.close()
    return n


def test_verify_of_100000_cases_beside_a_bare_hashing_pass(benchmark, big_store: Store) -> None:  # noqa: ANN001
    path = big_store.data_dir / STORE_FILE
    bare_pass(path)  # the file in the page cache for both
    start = time.perf_counter()
    rows = bare_pass(path)
    bare = time.perf_counter() - start
    result = benchmark.pedantic(big_store.verify, rounds=1, iterations=1)
    assert result.ok, result.message
    took = benchmark.stats.stats.max
    ratio = took / bare
    print(f"\nverify {took:.2f} s, bare sqlite3+hashlib pass {bare:.2f} s over {rows} rows: {ratio:.2f}x")
    assert ratio <= 3.0, f"verify took {ratio:.2f}x the bare pass"
