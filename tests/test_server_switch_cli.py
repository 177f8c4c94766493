"""`baoxue-cli use-server URL` and `baoxue-cli use-file`: the same 改用/改回 as 设置 → 台账存放位置, from a terminal.
A database holding no ledger is refused in one Chinese line, nothing switched."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app import cli
from desktop_app.services import encryption, server
from tests import pg_cluster as pg_cluster_module
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.sync_helpers import make_district

ADMIN = "督导员"


def test_use_server_later_then_back_to_the_file(tmp_path: Path, pg_url: str, pg_cluster: pg_cluster_module.Cluster,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)
    folder = tmp_path / "district"
    make_district(folder).close()
    base = ["--data-dir", str(folder), "--user", ADMIN]
    assert cli.main([*base, "migrate-to-server", pg_url]) == 0  # moved; this PC stays on its file
    capsys.readouterr()
    assert not server.is_configured(folder)

    empty = pg_cluster.new_database()
    try:
        assert cli.main([*base, "use-server", empty]) == 1
        err = capsys.readouterr().err.strip()
        assert "还没有台账" in err and "\n" not in err and "Traceback" not in err
        assert not server.is_configured(folder)
    finally:
        pg_cluster.drop_database(empty)

    assert cli.main([*base, "use-server", pg_url]) == 0  # after its own sign-ins on the file since the move
    out = capsys.readouterr().out
    assert "已核对" in out and "登录记录只留在本机数据文件中" in out and server.is_configured(folder)
    opened = encryption.unlock(folder, ADMIN, ADMIN_PASSWORD, record=False)
    try:
        assert opened.is_server and opened.verify().ok
    finally:
        opened.close()

    assert cli.main([*base, "use-file"]) == 0
    out = capsys.readouterr().out
    assert "本机已改用数据文件" in out and "校验通过" in out and not server.is_configured(folder)
    opened = encryption.unlock(folder, ADMIN, ADMIN_PASSWORD, record=False)
    try:
        assert not opened.is_server and opened.verify().ok
    finally:
        opened.close()
