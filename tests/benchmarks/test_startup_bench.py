"""Start-up, measured from process start in fresh interpreters, side by side in one loop:

* bare: an interpreter that imports what the first window needs of the third-party libraries
  (PySide6's widgets, SQLAlchemy with its ORM) and shows an empty 1280x720 QMainWindow;
* ours on a 120-case school store and on the 100,000-case store: our imports (desktop_app.ui.app,
  the main window), QApplication with the Chinese translations, Store.open, MainWindow, shown.
  "shown" is the usable window (every page and menu works; the overview says 待办（正在计算…）
  until its figures arrive); "ready" is when the overview's figures and 待办 are on screen.
  Sign-in and the daily backup are left out (a person types; the backup runs once a day); what only they
  use (argon2, the backup service) is imported in those steps, so it is not counted here.

Run: ``.venv/bin/python -m pytest -p no:cacheprovider --benchmark-enable -s tests/benchmarks/test_startup_bench.py``
Targets (issue 17): 120 cases within 2x of bare; 100,000 cases within 1.2x of 120 cases.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.services import demo, installation
from desktop_app.services.store import Store
from tests.benchmarks.conftest import keep_key
from tests.benchmarks.startup import BARE, open_with_key, timed
from tests.benchmarks.startup import ours as ours_code
from tests.conftest import SCHOOL
from tests.helpers.accounts import sign_in_admin

ROUNDS = 7


def ours(folder: Path) -> str:
    return ours_code(open_with_key(folder))


@pytest.fixture(scope="module")
def school_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("school120")
    store = Store.open(folder, user="bench")
    installation.setup(store, SCHOOL)
    sign_in_admin(store)
    demo.load(store, 120, seed=5)
    keep_key(store)
    store.close()
    return folder


def test_startup_beside_a_bare_window(school_store_dir: Path, big_store_dir: Path) -> None:
    for folder in (school_store_dir, big_store_dir):  # migrated, bytecode written, page cache warm: a second start
        timed(ours(folder))
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "120": [], "100k": []}
    for _ in range(ROUNDS):
        runs["bare"].append(timed(BARE))
        runs["120"].append(timed(ours(school_store_dir)))
        runs["100k"].append(timed(ours(big_store_dir)))

    def stats(kind: str, key: str) -> tuple[float, float, float]:
        values = sorted(r[key] for r in runs[kind])
        return values[len(values) // 2] * 1000, values[0] * 1000, values[-1] * 1000

    lines = ["", f"{'start-up (ms)':<22}{'median':>8}{'min':>8}{'max':>8}"]
    for kind, key in (("bare", "shown"), ("120", "shown"), ("100k", "shown"), ("120", "ready"), ("100k", "ready"),
                      ("bare", "cpu"), ("120", "cpu"), ("100k", "cpu")):
        median, low, high = stats(kind, key)
        lines.append(f"{kind + ' ' + key:<22}{median:>8.0f}{low:>8.0f}{high:>8.0f}")
    bare, school, big = stats("bare", "shown")[0], stats("120", "shown")[0], stats("100k", "shown")[0]
    lines.append(f"120 shown / bare shown: {school / bare:.2f} (target 2)   "
                 f"100k shown / 120 shown: {big / school:.2f} (target 1.2)   "
                 f"100k ready / 120 ready: {stats('100k', 'ready')[0] / stats('120', 'ready')[0]:.2f}")
    lines.append(f"main-thread processor time to shown, 120 / bare: {stats('120', 'cpu')[0] / stats('bare', 'cpu')[0]:.2f}"
                 f"   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors at the end)")
    print("\n".join(lines))
    assert big < 1.6 * school  # the window never waits for the ledger's size (figures come from a worker)
    assert school < 4 * bare  # the target is 2x; 4x only catches a return to importing everything at start
