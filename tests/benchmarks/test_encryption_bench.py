"""Encryption at rest, side by side: the same work on the SQLCipher store and on a plain SQLite copy of it.

Ledger keystrokes on 100,000 cases, a 100,000-row roster import into a fresh store, and start-up to a
usable main window (overview figures computed). The target is encrypted within 1.3x of plain.

Run: .venv/bin/python -m pytest tests/benchmarks/test_encryption_bench.py --benchmark-enable -s
(``BAOXUE_BENCH_ROWS`` changes the roster size). The figures and ratios are printed at the end.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from database import engine as db
from desktop_app.services import accounts, census, installation
from desktop_app.services.paths import STORE_FILE
from desktop_app.services.store import Store
from tests.benchmarks.conftest import store_key
from tests.benchmarks.startup import open_with_key, ours, timed
from tests.conftest import SCHOOL
from tests.helpers import rosters as R
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin

ROWS = int(os.environ.get("BAOXUE_BENCH_ROWS", "100000"))
RESULTS: dict[str, tuple[float, float]] = {}  # name -> (encrypted ms, plain ms)


def plain_store(folder: Path) -> Store:
    """A Store over a plain SQLite file (what the previous version had), for comparison only."""
    return Store(folder, db.make_engine(folder / STORE_FILE, None), "bench")


def decrypt_copy(source: Path, key: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(db.connect(source, key)) as conn:
        conn.isolation_level = None
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")


@pytest.fixture(scope="module")
def pair(big_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(encrypted folder, plain folder) holding the same 100,000 cases."""
    key = store_key(big_store_dir)  # its accounts' slots wrap the key: the one kept beside the benchmark store
    plain = tmp_path_factory.mktemp("plain")
    decrypt_copy(big_store_dir / STORE_FILE, key, plain / STORE_FILE)
    assert db.is_plain(plain / STORE_FILE) and not db.is_plain(big_store_dir / STORE_FILE)
    return big_store_dir, plain


@contextlib.contextmanager
def opened(folder: Path, encrypted: bool) -> Iterator[Store]:
    """The store, opened with its key (encrypted) and its administrator signed in, as a person works."""
    store = Store.open(folder, user="bench", key=store_key(folder)) if encrypted else plain_store(folder)
    accounts.sign_in(store, "周老师", ADMIN_PASSWORD)
    try:
        yield store
    finally:
        store.close()


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


@pytest.mark.parametrize("search", ["", "张", "zx", "0517"])
def test_ledger_keystroke(qapp, pair: tuple[Path, Path], search: str) -> None:  # noqa: ANN001
    from desktop_app.services import cases
    from desktop_app.ui.ledger.model import CaseLedgerModel

    figures = []
    for encrypted, folder in zip((True, False), pair, strict=True):
        with opened(folder, encrypted) as store:
            model = CaseLedgerModel(store)
            query = cases.LedgerQuery(search=search)
            figures.append(median_ms(lambda m=model, q=query: m.set_query(q), 15))  # type: ignore[misc]
    RESULTS[f"ledger keystroke {search or '(all)'}"] = (figures[0], figures[1])


@pytest.fixture(scope="module")
def big_roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("roster")
    kids = R.children(ROWS)
    rows = [R.census_cells(i + 1, c) for i, c in enumerate(kids)]
    header = R.CENSUS_HEADER_TOP[:7] + ["监护人姓名", "监护人电话"]
    return R.write_plain_xlsx(folder / "big.xlsx", header, rows)


def test_roster_import(big_roster: Path, tmp_path: Path) -> None:
    # Warm-up on a throwaway store: the reader's and the import's modules are loaded before either side is
    # timed (the side measured first paid for them alone).
    warm = Store.open(tmp_path / "warm", user="bench")
    installation.setup(warm, SCHOOL)
    sign_in_admin(warm)
    kids = R.children(10)
    census.import_roster(warm, R.write_plain_xlsx(tmp_path / "warm.xlsx", R.CENSUS_HEADER_TOP[:7] + ["监护人姓名", "监护人电话"],
                                                   [R.census_cells(i + 1, c) for i, c in enumerate(kids)]), "census")
    warm.close()
    figures = []
    for encrypted in (True, False):
        folder = tmp_path / ("enc" if encrypted else "plain")
        if encrypted:
            store = Store.open(folder, user="bench")
        else:
            folder.mkdir()
            store = plain_store(folder)
            db.upgrade(store.engine)
        installation.setup(store, SCHOOL)
        sign_in_admin(store)  # the import needs an account allowed to import
        t = time.perf_counter()
        result = census.import_roster(store, big_roster, "census")
        figures.append((time.perf_counter() - t) * 1000)
        store.close()
        assert result.accepted == ROWS
    RESULTS[f"roster import {ROWS} rows"] = (figures[0], figures[1])


def test_startup_to_usable_main_window(pair: tuple[Path, Path]) -> None:
    """From process start to the overview's figures (tests/benchmarks/startup.py), the encrypted store opened
    with its key as after a sign-in (the unwrap is measured below), the plain copy opened as plain_store()."""
    encrypted = ours(open_with_key(pair[0]))
    plain = ours("from pathlib import Path\nfrom database import engine as db\n"  # as plain_store(), inline
                 f"folder = Path({str(pair[1])!r})\n"
                 "store = Store(folder, db.make_engine(folder / 'baoxue.sqlite3', None), 'bench')\n")
    timed(encrypted), timed(plain)  # bytecode written, page cache warm: a second start
    runs: dict[str, list[float]] = {"enc": [], "plain": []}
    for _ in range(3):  # alternate, so load on the machine hits both alike
        runs["enc"].append(timed(encrypted)["ready"])
        runs["plain"].append(timed(plain)["ready"])
    RESULTS["start-up to usable window"] = (statistics.median(runs["enc"]) * 1000,
                                            statistics.median(runs["plain"]) * 1000)


def test_unwrapping_the_store_key_at_sign_in() -> None:
    """The one cost plain stores do not have: Argon2id of the password at the account's hash cost."""
    from argon2 import PasswordHasher

    from desktop_app.services import keyslots

    phc = PasswordHasher().hash("Mixin2026!")  # the program's production cost
    key = keyslots.new_store_key()
    slots = keyslots.build(key, [("id1", "admin", phc, True)], None)
    ms = median_ms(lambda: keyslots.unwrap(slots, "admin", "Mixin2026!"), 5)
    RESULTS["unwrap at sign-in (once)"] = (ms, 0.0)


def teardown_module() -> None:
    if not RESULTS:
        return
    lines = ["", f"{'case':<32}{'SQLCipher ms':>14}{'plain ms':>10}{'ratio':>8}"]
    for name, (enc, plain) in RESULTS.items():
        ratio = f"{enc / plain:>8.2f}" if plain else f"{'-':>8}"
        lines.append(f"{name:<32}{enc:>14.1f}{plain:>10.1f}{ratio}")
    print("\n".join(lines))
