"""Write the golden files of one release: run ONCE from that release's own checkout, never again.

    git worktree add --detach ../v010 v0.1.0
    PYTHONPATH=../v010 .venv/bin/python tests/golden/make_golden.py tests/golden/v0.1.0

What it writes (all from the demonstration data; every name and number is invented):

- district.sqlite3       the district's store, set up with the demonstration school enrolled, BEFORE
                         it imported the school's package;
- school.sqlite3         the demonstration school's store (80 cases, census, care) after it sent its
                         package, BEFORE it imported the district's answer;
- enrolment.bxpkg        the district's enrolment package for the school (code 2150022301);
- school-to-district.bxpkg   the school's first package (cases, a deferral application, history);
- district-to-school.bxpkg   the district's answer (the application approved, acknowledgements);
- school.bxbak           an encrypted backup of school.sqlite3 (passphrase below);
- expected.json          what the release itself made of each file: table counts of each store, and
                         the counts of each package imported into its store by the release.

Both stores' administrator is ``admin`` with the password ``baoxue-demo``; the backup's passphrase
is ``golden-backup-2026``. This script is kept only to show how the files were made: it speaks the
API of the release it was run from, so it is not expected to run on later code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from desktop_app import __version__, cli
from desktop_app.services import backup, district, lifecycle, sync
from desktop_app.services.store import Store

PASSWORD = "baoxue-demo"
PASSPHRASE = "golden-backup-2026"
SCHOOL_CODE = "2150022301"


def run(*args: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(list(args))
    print(out.getvalue(), end="")
    if code != 0:
        raise SystemExit(f"baoxue-cli {' '.join(args)} failed: {code}")


def snapshot(folder: Path, target: Path) -> None:
    """A single self-contained copy of a store file (its WAL folded in)."""
    src = sqlite3.connect(folder / "baoxue.sqlite3")
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode=DELETE")
    dst.close()


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    result = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    con.close()
    return result


def imported(result: sync.ImportResult) -> dict[str, Any]:
    return {"kind": result.kind, "number": result.number, "inserted": result.inserted, "updated": result.updated,
            "conflicts": result.conflicts, "history": result.history, "blobs": result.blobs}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=False)
    os.environ["BAOXUE_USER"] = "admin"
    os.environ["BAOXUE_PASSWORD"] = PASSWORD
    work = Path(tempfile.mkdtemp(prefix="golden-"))
    d, s, usb = work / "district", work / "school", work / "usb"
    usb.mkdir()
    run("--data-dir", str(d), "setup", "district", "--code", "500152", "--name", "潼南区教育委员会", "--contact", "督导室")
    run("--data-dir", str(s), "demo")
    run("--data-dir", str(d), "enrol", "--school", SCHOOL_CODE, "--name", "潼南区演示学校（九年一贯制）",
        "--township", "梓潼教管中心", str(usb))
    [enrol] = list(usb.glob("*.bxpkg"))
    shutil.copy(enrol, out / "enrolment.bxpkg")
    run("--data-dir", str(s), "import-package", str(enrol))

    # The school applies for a deferral (N-11) on an open case, so the packages carry one both ways.
    school = Store.open(s, user="admin")
    case_id = school.engine.connect().exec_driver_sql(
        "SELECT id FROM cases WHERE status != '已销号' ORDER BY created_at LIMIT 1").scalar_one()
    lifecycle.record_court_ruling(school, case_id, dt.date(2026, 10, 25), "潼南区人民法院", "(2026)渝0152民初1号", True)
    lifecycle.apply_deferral(school, case_id, "延缓入学", dt.date(2026, 10, 28), "梓潼街道办事处")
    s2d = sync.export_package(school, "district", usb).path
    school.close()
    shutil.copy(s2d, out / "school-to-district.bxpkg")
    snapshot(d, out / "district.sqlite3")

    dist = Store.open(d, user="admin")
    expected: dict[str, Any] = {"version": __version__, "written": dt.date.today().isoformat(),
                                "password": PASSWORD, "passphrase": PASSPHRASE, "school_code": SCHOOL_CODE,
                                "case_with_application": case_id}
    expected["school-to-district"] = imported(sync.import_package(dist, s2d))
    expected["district_after_import"] = counts_of_store(dist)
    applications = district.deferral_applications(dist, pending_only=True)
    application = next(a for a in applications if a["case_id"] == case_id)
    district.decide_application(dist, application["application_id"], True, dt.date(2026, 11, 2),
                                "潼教委〔2026〕88号", "同意延缓入学")
    d2s = sync.export_package(dist, SCHOOL_CODE, usb).path
    dist.close()
    shutil.copy(d2s, out / "district-to-school.bxpkg")
    snapshot(s, out / "school.sqlite3")

    school = Store.open(s, user="admin")
    backup.write_encrypted(school, out / "school.bxbak", PASSPHRASE)
    expected["district-to-school"] = imported(sync.import_package(school, d2s))
    expected["school_after_import"] = counts_of_store(school)
    school.close()

    fresh = work / "fresh-school"
    run("--data-dir", str(fresh), "setup", "school", "--code", SCHOOL_CODE, "--name", "潼南区演示学校（九年一贯制）",
        "--township", "梓潼教管中心")
    fresh_store = Store.open(fresh, user="admin")
    expected["enrolment"] = imported(sync.import_package(fresh_store, out / "enrolment.bxpkg"))
    fresh_store.close()

    expected["district"] = counts(out / "district.sqlite3")
    expected["school"] = counts(out / "school.sqlite3")
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")
    shutil.rmtree(work)


def counts_of_store(store: Store) -> dict[str, int]:
    con = store.engine.connect()
    tables = [r[0] for r in con.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    result = {t: con.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one() for t in tables}
    con.close()
    return result


if __name__ == "__main__":
    main(Path(sys.argv[1]))
