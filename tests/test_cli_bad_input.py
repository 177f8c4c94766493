"""`baoxue-cli` given bad input, run as a process the way a technician runs it: `migrate-to-server` with a malformed
URL, a server that does not answer, a host name that does not resolve and a database user without the right to
create tables; `import-package` with garbage, a cut-off package, an empty file and a missing one. Each prints one
Chinese line on stderr, exits non-zero, shows no traceback and leaves the store (and the server) as they were."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url

from desktop_app.services import encryption, installation, server_migration, sync
from desktop_app.services.store import Store
from tests import pg_cluster as pg_cluster_module
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin
from tests.sync_helpers import dump, make_district

ADMIN = "督导员"  # the district's first administrator in make_district


def _cli(folder: Path, user: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BAOXUE_PASSWORD": ADMIN_PASSWORD}
    env.pop("BAOXUE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "desktop_app.cli", "--data-dir", str(folder), "--user", user, *args],
                          capture_output=True, text=True, env=env, check=False, timeout=120)


def _one_chinese_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, result.stdout
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])
    return lines[0]


def test_migrate_to_server_refusals_are_one_chinese_line(tmp_path: Path, pg_url: str,
                                                         pg_cluster: pg_cluster_module.Cluster) -> None:
    folder = tmp_path / "district"
    district = make_district(folder)
    before = dump(district)
    district.close()

    shown = _one_chinese_line(_cli(folder, ADMIN, "migrate-to-server", "not a url"))
    assert "无法识别" in shown
    shown = _one_chinese_line(_cli(folder, ADMIN, "migrate-to-server", "postgresql://baoxue@127.0.0.1:1/baoxue"))
    assert "服务器没有应答" in shown and "技术信息" in shown
    shown = _one_chinese_line(_cli(folder, ADMIN, "migrate-to-server", "postgresql://baoxue@no-such-host.invalid/b"))
    assert "找不到这个服务器地址" in shown

    clerk = f"clerk{os.getpid()}"  # a user of the server who may sign in but not create tables
    pg_cluster.execute(f"CREATE ROLE {clerk} LOGIN")
    try:
        engine = server_migration.server_engine(pg_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        engine.dispose()
        url = make_url(pg_url).set(username=clerk).render_as_string(hide_password=False)
        shown = _one_chinese_line(_cli(folder, ADMIN, "migrate-to-server", url))
        assert f"数据库用户 {clerk} 不能在目标数据库" in shown and "缺少建表权限" in shown and "OWNER TO" in shown
        engine = server_migration.server_engine(pg_url)
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []  # nothing was written
        engine.dispose()
    finally:
        pg_cluster.drop_database(pg_url)
        pg_cluster.execute(f"DROP ROLE IF EXISTS {clerk}")

    again = encryption.unlock(folder, ADMIN, ADMIN_PASSWORD, record=False)
    try:
        assert dump(again) == before and not again.is_server
    finally:
        again.close()


@pytest.fixture
def school_and_package(tmp_path: Path) -> tuple[Path, Path]:
    """A school set up, and a real package for it from the district (its enrolment)."""
    district = make_district(tmp_path / "district")
    school = Store.open(tmp_path / "school", user="周老师")
    installation.setup(school, installation.InstallationInfo(
        kind=installation.SCHOOL, name="米心镇中心小学", code="5001520001", township_centre="米心镇"))
    sign_in_admin(school)
    usb = tmp_path / "usb"
    usb.mkdir()
    package = sync.enrol(district, sync.SchoolInfo("5001520001", "米心镇中心小学", "米心镇"), usb)
    district.close()
    school.close()
    return tmp_path / "school", package


def test_import_package_refusals_are_one_chinese_line(tmp_path: Path, school_and_package: tuple[Path, Path]) -> None:
    folder, package = school_and_package
    opened = encryption.unlock(folder, "周老师", ADMIN_PASSWORD, record=False)
    before = dump(opened)
    opened.close()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "garbage.bxpkg").write_bytes(bytes(range(256)) * 40)
    data = package.read_bytes()
    (bad / package.name).write_bytes(data[: len(data) // 2])  # the copy to the USB drive cut short
    (bad / "empty.bxpkg").write_bytes(b"")
    for name in ("garbage.bxpkg", package.name, "empty.bxpkg"):
        shown = _one_chinese_line(_cli(folder, "周老师", "import-package", str(bad / name)))
        assert "未导入" in shown and "已损坏或不完整" in shown, shown
    shown = _one_chinese_line(_cli(folder, "周老师", "import-package", str(bad / "missing.bxpkg")))
    assert "未导入" in shown and "文件或文件夹不存在" in shown and "No such file" not in shown
    opened = encryption.unlock(folder, "周老师", ADMIN_PASSWORD, record=False)
    try:
        assert dump(opened) == before  # nothing imported
    finally:
        opened.close()
