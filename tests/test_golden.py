"""What earlier releases wrote stays readable: the golden files of each release (tests/golden/vX.Y.Z/,
written once by that release from the demonstration data, never regenerated) open, migrate, verify,
import and restore with the current program, giving what the release itself gave."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from desktop_app.services import accounts, backup, installation, sync
from desktop_app.services.store import STORE_FILE, Store

GOLDEN = Path(__file__).parent / "golden"
RELEASES = sorted(p for p in GOLDEN.iterdir() if p.is_dir())
# What a later release may add to (its own events, migrations' notes); every other table keeps its rows.
GROWS = {"audit_log", "alembic_version"}


def expected(release: Path) -> dict[str, Any]:
    return json.loads((release / "expected.json").read_text(encoding="utf-8"))


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as con:
        tables = [r[0] for r in con.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one() for t in tables}


def assert_kept(store: Store, before: dict[str, int]) -> None:
    now = counts(store)
    for table, rows in before.items():
        assert table in now, f"table {table} of the release is gone"
        if table in GROWS:
            assert now[table] >= rows, table
        else:
            assert now[table] == rows, table


def open_golden(release: Path, name: str, folder: Path) -> Store:
    """The release's store file as a data folder of its own, opened (and migrated) by this version and
    signed in as its administrator."""
    folder.mkdir(parents=True)
    shutil.copy(release / f"{name}.sqlite3", folder / STORE_FILE)
    store = Store.open(folder)
    accounts.sign_in(store, "admin", expected(release)["password"])
    return store


@pytest.fixture(params=RELEASES, ids=[p.name for p in RELEASES])
def release(request: pytest.FixtureRequest) -> Path:
    return request.param  # type: ignore[no-any-return]


def test_there_is_a_golden_release() -> None:
    assert [p.name for p in RELEASES][:1] == ["v0.1.0"]
    for p in RELEASES:
        assert {f.name for f in p.iterdir()} >= {
            "school.sqlite3", "district.sqlite3", "enrolment.bxpkg", "school-to-district.bxpkg",
            "district-to-school.bxpkg", "school.bxbak", "expected.json"}


@pytest.mark.parametrize("name", ["school", "district"])
def test_golden_store_opens_migrates_and_verifies(release: Path, name: str, tmp_path: Path) -> None:
    store = open_golden(release, name, tmp_path / name)
    try:
        assert_kept(store, expected(release)[name])
        result = store.verify()
        assert result.ok, result.message
        inst = store.installation()
        assert inst is not None
        assert inst.kind == (installation.SCHOOL if name == "school" else installation.DISTRICT)
    finally:
        store.close()


def receipt_fingerprint(package: Path) -> str:
    """The fingerprint the school's 数据交换登记回执 shows (its keys, as its first package carries them)."""
    from desktop_app.exchange import package as pkg

    keys = pkg.read(package).manifest["sender_keys"]
    return pkg.fingerprint(bytes.fromhex(keys["sign"]), bytes.fromhex(keys["box"]))


def imported(result: sync.ImportResult) -> dict[str, Any]:
    return {"kind": result.kind, "number": result.number, "inserted": result.inserted, "updated": result.updated,
            "conflicts": result.conflicts, "history": result.history, "blobs": result.blobs}


def test_golden_school_package_imports_at_the_district(release: Path, tmp_path: Path) -> None:
    want = expected(release)
    store = open_golden(release, "district", tmp_path / "district")
    try:
        package = release / "school-to-district.bxpkg"  # the school's first: confirmed from its 登记回执
        assert imported(sync.import_package(store, package, confirm=receipt_fingerprint(package))) == \
            want["school-to-district"]
        assert_kept(store, want["district_after_import"])
        assert store.verify().ok
    finally:
        store.close()


def test_golden_district_package_imports_at_the_school(release: Path, tmp_path: Path) -> None:
    want = expected(release)
    store = open_golden(release, "school", tmp_path / "school")
    try:
        assert imported(sync.import_package(store, release / "district-to-school.bxpkg")) == want["district-to-school"]
        assert_kept(store, want["school_after_import"])
        assert store.verify().ok
        with store.engine.connect() as con:
            approved = con.exec_driver_sql(
                "SELECT d.approved FROM deferral_decisions d JOIN deferral_applications a ON a.id = d.application_id "
                "WHERE a.case_id = ?", (want["case_with_application"],)).scalar_one()
        assert approved  # the district's approval reached the school
    finally:
        store.close()


def test_golden_enrolment_package_enrols_a_new_school(release: Path, tmp_path: Path) -> None:
    want = expected(release)
    store = Store.open(tmp_path / "fresh", user="admin")
    try:
        installation.setup(store, installation.InstallationInfo(
            kind=installation.SCHOOL, name="潼南区演示学校（九年一贯制）", code=want["school_code"],
            township_centre="梓潼教管中心"))
        accounts.create_first_admin(store, "admin", want["password"])
        accounts.sign_in(store, "admin", want["password"])
        assert imported(sync.import_package(store, release / "enrolment.bxpkg")) == want["enrolment"]
        [peer] = sync.peer_statuses(store)
        assert peer.code == "500152"
    finally:
        store.close()


def test_golden_backup_restores(release: Path, tmp_path: Path) -> None:
    want = expected(release)
    store = Store.open(tmp_path / "restored", user="admin")
    try:
        info = backup.restore(store, release / "school.bxbak", want["passphrase"])
        assert info.cases == want["school"]["cases"]
        accounts.sign_in(store, "admin", want["password"])
        assert_kept(store, want["school"])
        assert store.verify().ok
    finally:
        store.close()


def test_version_follows_semver_and_the_changelog_knows_every_release() -> None:
    from packaging.version import Version

    from desktop_app import RELEASE_DATE, __version__

    version = Version(__version__)
    assert len(version.release) == 3
    changelog = (Path(__file__).parents[1] / "CHANGELOG.md").read_text(encoding="utf-8")
    if RELEASE_DATE:
        assert f"## {__version__} — {RELEASE_DATE}" in changelog
    else:
        assert version.is_devrelease and f"({__version__})" in changelog
    for release in RELEASES:
        assert f"## {release.name[1:]} — " in changelog  # every release with golden files has its notes
        assert Version(release.name[1:]) < version


def test_a_package_for_the_same_school_on_another_pc_says_so(release: Path, tmp_path: Path) -> None:
    """A school set up again on a new PC under the same code is not the node the district wrote to."""
    want = expected(release)
    store = Store.open(tmp_path / "new-pc", user="admin")
    try:
        installation.setup(store, installation.InstallationInfo(
            kind=installation.SCHOOL, name="潼南区演示学校（九年一贯制）", code=want["school_code"],
            township_centre="梓潼教管中心"))
        accounts.create_first_admin(store, "admin", want["password"])
        accounts.sign_in(store, "admin", want["password"])
        with pytest.raises(sync.PackageRefused, match="发给另一台电脑上登记的 2150022301.*请区教委重新登记本机"):
            sync.import_package(store, release / "district-to-school.bxpkg", backup_first=False)
    finally:
        store.close()
