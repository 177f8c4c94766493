"""Mixed versions in the field: this program exchanging with a school still on v0.1.0, refusing what
it cannot read with the version it needs, and writing down-level to older units."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from database.sync import HeldBack, Peer
from desktop_app import __version__
from desktop_app.exchange import package as pkg
from desktop_app.exchange import schemas
from desktop_app.services import accounts, compat, district, sync
from desktop_app.services.store import STORE_FILE, Store
from desktop_app.services.sync import export as sync_export
from tests.sync_helpers import dump, send
from tests.test_golden import receipt_fingerprint

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "v0.1.0"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))

# The school's side, run by the v0.1.0 code itself in a child interpreter (its own API).
OLD_SCHOOL = r"""
import datetime as dt, sys
from pathlib import Path
from sqlalchemy import select
from desktop_app.services import sync
from desktop_app.services.store import Store
from database.models import Student
command, folder = sys.argv[1], Path(sys.argv[2])
store = Store.open(folder, user="admin")
try:
    if command == "import":
        r = sync.import_package(store, Path(sys.argv[3]))
        print(f"imported {r.inserted} {r.updated} {r.conflicts}")
    elif command == "edit":
        with store.write() as s:
            st = s.execute(select(Student).order_by(Student.id)).scalars().first()
            st.family_situation = sys.argv[3]
            print(st.id)
    elif command == "export":
        print(sync.export_package(store, "district", Path(sys.argv[3])).path)
    elif command == "verify":
        r = store.verify()
        print(r.ok, r.message)
        sys.exit(0 if r.ok else 1)
    elif command == "version":
        import desktop_app
        print(desktop_app.__version__)
finally:
    store.close()
"""


@pytest.fixture(scope="module")
def old_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v0.1.0 program's code, taken from this repository's history at the release's commit."""
    commit = (GOLDEN / "COMMIT").read_text().strip()
    folder = tmp_path_factory.mktemp("v0.1.0")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "desktop_app", "database"],
                             capture_output=True, check=False)
    assert archive.returncode == 0, (
        f"v0.1.0 ({commit}) is not in this clone's history: {archive.stderr.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def old(old_code: Path, *args: str) -> str:
    env = {"PYTHONPATH": str(old_code), "PATH": "/usr/bin:/bin", "HOME": str(old_code),
           "BAOXUE_DATA_DIR": str(old_code / "unused")}
    done = subprocess.run([sys.executable, "-c", OLD_SCHOOL, *args], capture_output=True, text=True, env=env,
                          cwd=old_code, check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done.stdout.strip()


def test_three_rounds_with_a_school_on_v0_1_0(old_code: Path, tmp_path: Path) -> None:
    assert old(old_code, "version", str(tmp_path / "x")) == "0.1.0"
    school, usb = tmp_path / "school", tmp_path / "usb"
    school.mkdir()
    usb.mkdir()
    shutil.copy(GOLDEN / "school.sqlite3", school / STORE_FILE)
    (tmp_path / "district").mkdir()
    shutil.copy(GOLDEN / "district.sqlite3", tmp_path / "district" / STORE_FILE)
    dist = Store.open(tmp_path / "district")
    accounts.sign_in(dist, "admin", EXPECTED["password"])
    try:
        package = GOLDEN / "school-to-district.bxpkg"  # the school's first package, written by v0.1.0
        for round_no in (1, 2, 3):
            received = sync.import_package(dist, package, confirm=receipt_fingerprint(package))
            assert received.inserted + received.updated > 0
            [peer] = [p for p in sync.peers(dist) if p.code == EXPECTED["school_code"]]
            assert peer.program == "0.1.0"  # the district knows the school's version …
            [figures] = [f for f in district.school_figures(dist) if f.code == EXPECTED["school_code"]]
            row = dict(zip(district.SCHOOL_HEADERS, district.school_row(figures), strict=True))
            assert row["程序版本"] == "0.1.0" and row["升级提示"].startswith("需升级到 0.2.0")  # … and shows it
            [status] = [p for p in sync.peer_statuses(dist) if p.code == EXPECTED["school_code"]]
            assert status.program == "0.1.0" and status.upgrade == row["升级提示"]
            if round_no == 1:
                [app] = district.deferral_applications(dist, pending_only=True)
                district.decide_application(dist, app["application_id"], True, dt.date(2026, 11, 2), "潼教委〔2026〕88号")
            else:  # the district's own record changes: a semester's dates published to the schools
                district.publish_semester(dist, "2027春", dt.date(2027, 2, 20 + round_no), dt.date(2027, 7, 5))
            answer = sync.export_package(dist, EXPECTED["school_code"], usb)
            manifest = pkg.read(answer.path).manifest
            assert manifest["min_reader"] == "0.1.0"  # written so that v0.1.0 reads it
            assert old(old_code, "import", str(school), str(answer.path)).startswith("imported")
            old(old_code, "edit", str(school), f"第{round_no}轮家访：家庭情况已更新")
            package = Path(old(old_code, "export", str(school), str(usb)))
        final = sync.import_package(dist, package)
        assert final.updated >= 1
        assert dist.verify().ok
        assert old(old_code, "verify", str(school)).startswith("True")
        with dist.engine.connect() as con:
            situations = con.exec_driver_sql("SELECT family_situation FROM students WHERE family_situation LIKE '第%轮家访%'"
                                             ).scalars().all()
        assert situations == ["第3轮家访：家庭情况已更新"]
    finally:
        dist.close()


def test_a_package_from_a_newer_program_is_refused_with_the_version_it_needs(
        pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, dist = pair
    send(school, "district", dist, usb)  # the district knows the school
    with monkeypatch.context() as m:  # the school upgraded to a future release that writes what 0.2 cannot read
        m.setattr(compat, "min_reader", lambda *_a: "9.0.0")
        m.setattr(sync_export, "__version__", "9.0.0")
        newer = sync.export_package(school, "district", usb).path
    assert pkg.read(newer).manifest["min_reader"] == "9.0.0"
    before = dump(dist)
    with pytest.raises(sync.PackageRefused, match=r"由 9\.0\.0 版程序写入，需要本程序升级到 9\.0\.0 或更新版本"):
        sync.import_package(dist, newer, backup_first=False)
    assert dump(dist) == before


def test_a_newer_package_format_is_refused_by_the_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = pkg.KeyPair.generate()
    with monkeypatch.context() as m:
        m.setattr(pkg, "FORMAT_VERSION", 2)
        data = pkg.build({"kind": "changes", "program": "3.0.0"}, {"tables": {}}, keys.sign_secret, None)
    path = tmp_path / "x.bxpkg"
    path.write_bytes(data)
    with pytest.raises(pkg.PackageError, match=r"由 3\.0\.0 版程序写入，格式版本为 2，本程序只能读到 1：请升级本程序"):
        pkg.read(path)


def test_down_level_package_leaves_out_what_the_old_unit_cannot_hold_and_sends_it_later(
        pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, dist = pair
    send(school, "district", dist, usb)
    # Pretend the school runs a release that knew neither the semesters table nor a student's family situation.
    old_schema = {t: [c for c in cols if c != "family_situation"] for t, cols in schemas.RELEASE_SCHEMAS["0.1.0"].items()
                  if t != "semesters"}
    monkeypatch.setitem(schemas.RELEASE_SCHEMAS, "0.0.9", old_schema)
    with dist.write() as session:
        peer = session.execute(select(Peer).where(Peer.kind == "school")).scalar_one()
        peer.program, peer.reads = "0.0.9", ""
    district.publish_semester(dist, "2027春", dt.date(2027, 2, 24), dt.date(2027, 7, 5))
    down = sync.export_package(dist, peer.code, usb)
    manifest = pkg.read(down.path).manifest
    assert manifest["min_reader"] in ("0.0.9", "0.1.0")
    with dist.read() as session:
        held = session.execute(select(HeldBack.table_name)).scalars().all()
    assert "semesters" in held  # kept for later, not dropped
    result = sync.import_package(school, down.path)
    with school.engine.connect() as con:
        assert con.exec_driver_sql("SELECT count(*) FROM semesters WHERE name='2027春'").scalar_one() == 0
    assert result.kind == "changes"
    # The school upgrades: its next package says what it reads; the district then sends what it held back.
    send(school, "district", dist, usb)
    with dist.read() as session:
        peer = session.execute(select(Peer).where(Peer.kind == "school")).scalar_one()
        assert peer.program == __version__ and "semesters" in json.loads(peer.reads)
    caught = sync.export_package(dist, peer.code, usb)
    assert pkg.read(caught.path).manifest["counts"].get("catchup", 0) >= 1
    sync.import_package(school, caught.path)
    with school.engine.connect() as con:
        assert con.exec_driver_sql("SELECT count(*) FROM semesters WHERE name='2027春'").scalar_one() == 1
    with dist.read() as session:
        assert session.execute(select(HeldBack)).first() is None
    assert school.verify().ok and dist.verify().ok


def test_units_versions_and_what_they_must_upgrade_for() -> None:
    assert compat.upgrade_note("0.1.0").startswith("需升级到 0.2.0")
    assert compat.upgrade_note(__version__) == ""
    assert compat.upgrade_note("") == "尚未收到数据包"
