"""baoxue-cli: setup, demo, verify; expected errors are one Chinese line, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.services import accounts, cases, encryption
from desktop_app.services.store import Store
from tests.helpers.cli import run

PASSWORD = "Mixin2026!"


@pytest.fixture(autouse=True)
def _admin_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scripts give the administrator's name and password through the environment."""
    monkeypatch.setenv("BAOXUE_USER", "admin")
    monkeypatch.setenv("BAOXUE_PASSWORD", PASSWORD)


def test_setup_school_then_demo_then_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "s")
    code, out, _ = run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "测试小学")
    assert code == 0 and "测试小学" in out and "管理员账户：admin" in out
    code, out, _ = run(capsys, "--data-dir", d, "demo", "--count", "25")
    assert code == 0 and "25" in out
    code, out, _ = run(capsys, "--data-dir", d, "verify")
    assert code == 0 and "校验通过" in out
    store = encryption.unlock(d, "admin", PASSWORD)
    assert store.installation().name == "测试小学"
    assert cases.ledger_count(store, cases.LedgerQuery()) == 25
    store.close()


def test_demo_on_empty_folder_sets_up_a_demo_school(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BAOXUE_USER")
    monkeypatch.delenv("BAOXUE_PASSWORD")
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "e"), "demo")
    assert code == 0 and "演示学校" in out and "80" in out and "admin" in out and "baoxue-demo" in out
    # a second demo on the same folder acts for the demo administrator
    monkeypatch.setenv("BAOXUE_USER", "admin")
    monkeypatch.setenv("BAOXUE_PASSWORD", "baoxue-demo")
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "e"), "demo", "--count", "5")
    assert code == 0 and "5" in out


def test_setup_district(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "d"), "setup", "district", "--code", "500152",
                       "--name", "潼南区教委")
    assert code == 0 and "区教委" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["setup", "school", "--code", "123", "--name", "x"], "学校标识码应为10位数字"),
        (["setup", "district", "--code", "5001", "--name", "x"], "区县代码应为6位数字"),
    ],
)
def test_bad_setup_is_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          args: list[str], message: str) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "b"), *args)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_second_setup_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "twice")
    run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "甲")
    code, _, err = run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230002", "--name", "乙")
    assert code == 1 and "已设置过" in err


def test_help_and_entry_point_as_a_process(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "desktop_app.cli", "--help"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and "verify" in result.stdout and "--data-dir" in result.stdout
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "baoxue.sqlite3").write_bytes(b"garbage" * 1000)
    result = subprocess.run([sys.executable, "-m", "desktop_app.cli", "--data-dir", str(broken), "verify"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "无法打开数据文件" in result.stderr and "Traceback" not in result.stderr


def test_commands_act_for_an_administrator(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    d = str(tmp_path / "auth")
    code, _, _ = run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "甲",
                     "--admin", "zhou")
    assert code == 0
    code, _, err = run(capsys, "--data-dir", d, "demo", "--count", "3")
    assert code == 1 and "用户名或密码不正确" in err  # BAOXUE_USER is admin, the account is zhou
    code, out, _ = run(capsys, "--data-dir", d, "--user", "zhou", "demo", "--count", "3")
    assert code == 0
    monkeypatch.delenv("BAOXUE_USER")
    code, _, err = run(capsys, "--data-dir", d, "demo", "--count", "3")
    assert code == 1 and "--user" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("BAOXUE_PASSWORD", "wrong-password")
    code, _, err = run(capsys, "--data-dir", d, "--user", "zhou", "demo", "--count", "3")
    assert code == 1 and "不正确" in err
    store = encryption.unlock(d, "zhou", PASSWORD)
    assert cases.ledger_count(store, cases.LedgerQuery()) == 3
    store.close()


def test_weak_setup_password_is_refused_before_anything_is_set_up(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOXUE_PASSWORD", "1234")
    d = str(tmp_path / "weak")
    code, _, err = run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "甲")
    assert code == 1 and "至少8位" in err
    store = Store.open(d)
    assert store.installation() is None
    store.close()


def test_backup_and_restore_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    d = str(tmp_path / "b")
    run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "甲")
    run(capsys, "--data-dir", d, "demo", "--count", "7")
    passfile = tmp_path / "pass.txt"
    passfile.write_text("a long backup passphrase\n", encoding="utf-8")
    usb = tmp_path / "usb"
    usb.mkdir()
    code, out, err = run(capsys, "--data-dir", d, "backup", str(usb), "--passphrase-file", str(passfile))
    assert code == 0, err
    (file,) = usb.glob("*.bxbak")
    run(capsys, "--data-dir", d, "demo", "--count", "5")
    monkeypatch.setenv("BAOXUE_BACKUP_PASSPHRASE", "not the passphrase")
    code, _, err = run(capsys, "--data-dir", d, "restore", str(file))
    assert code == 1 and "备份密码不正确" in err and "Traceback" not in err
    monkeypatch.setenv("BAOXUE_BACKUP_PASSPHRASE", "a long backup passphrase")
    code, out, err = run(capsys, "--data-dir", d, "restore", str(file))
    assert code == 0 and "7件案件" in out, err
    store = encryption.unlock(d, "admin", PASSWORD)
    assert cases.ledger_count(store, cases.LedgerQuery()) == 7
    store.close()
def test_import_roster_summary_report_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import rosters as R

    d = str(tmp_path / "s")
    run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "测试小学")
    kids = R.children(5)
    rows = [R.census_cells(i, c) for i, c in enumerate(kids)] + [R.census_cells(9, kids[0])]
    rows.append(R.census_cells(10, R.children(7)[6], id_as_number=True))
    path = R.write_census_xlsx(tmp_path / "名册.xlsx", rows)
    code, out, _ = run(capsys, "--data-dir", d, "import-roster", str(path), "--kind", "census")
    assert code == 0 and out.splitlines()[0] == "接受 5 行，拒绝 1 行，重复 1 行"
    assert (tmp_path / "名册-未导入的行.xlsx").exists()
    bad = R.write_census_xlsx(tmp_path / "坏.xlsx", [R.census_cells(1, R.children(7)[6], id_as_number=True)])
    code, out, _ = run(capsys, "--data-dir", d, "import-roster", str(bad), "--kind", "census")
    assert code == 1 and out.startswith("接受 0 行，拒绝 1 行")
    R.write_encrypted_xlsx(tmp_path / "密.xlsx")
    code, _, err = run(capsys, "--data-dir", d, "import-roster", str(tmp_path / "密.xlsx"), "--kind", "census")
    assert code == 1 and "密码" in err and "Traceback" not in err


def test_demo_on_an_empty_folder_includes_a_census_under_way(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.services import census, semesters

    monkeypatch.delenv("BAOXUE_USER")
    monkeypatch.delenv("BAOXUE_PASSWORD")
    d = str(tmp_path / "census-demo")
    code, out, _ = run(capsys, "--data-dir", d, "demo", "--count", "20")
    assert code == 0 and "摸排花名册" in out
    store = encryption.unlock(d, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    try:
        progress = census.village_progress(store, semesters.current(store).name)
        checked, total = sum(p.checked for p in progress), sum(p.total for p in progress)
        assert total >= 240 and 0 < checked < total
        assert store.verify().ok
    finally:
        store.close()


def test_district_demo_on_an_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`demo --district`: a demonstration district whose schools were built as real schools and sent in by
    real packages; the last one has sent nothing yet. A school's folder refuses the district demo."""
    from desktop_app.services import district

    monkeypatch.delenv("BAOXUE_USER")
    monkeypatch.delenv("BAOXUE_PASSWORD")
    d = str(tmp_path / "district-demo")
    code, out, _ = run(capsys, "--data-dir", d, "demo", "--district", "--schools", "5")
    assert code == 0 and "演示区教委" in out and "已载入演示学校 5 所" in out and "[5/5]" in out
    store = encryption.unlock(d, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    try:
        figures = {f.name: f for f in district.school_figures(store)}
        assert len(figures) == 5
        sent = [f for f in figures.values() if f.last_package_at is not None]
        assert len(sent) == 4 and all(f.open_cases > 0 and f.ratios["摸排完成率"].total > 0 for f in sent)
        assert sum(f.last_package_at is None and f.stale for f in figures.values()) == 1
        assert district.ledger_count(store, cases.LedgerQuery()) == sum(f.open_cases for f in sent) + sum(
            1 for r in district.ledger_page(store, cases.LedgerQuery(), limit=10_000) if r["status"] == "已销号")
        assert store.verify().ok
    finally:
        store.close()
    monkeypatch.setenv("BAOXUE_USER", "admin")
    monkeypatch.setenv("BAOXUE_PASSWORD", "baoxue-demo")
    # plain `demo` on the district adds schools (up to six in all: one more), never cases of its own
    code, out, _ = run(capsys, "--data-dir", d, "demo")
    assert code == 0 and "已载入演示学校 1 所" in out
    school = str(tmp_path / "school-demo")
    assert run(capsys, "--data-dir", school, "demo", "--count", "3")[0] == 0
    code, _out, err = run(capsys, "--data-dir", school, "demo", "--district")
    assert code == 1 and "只能载入区教委的数据文件夹" in err and "Traceback" not in err
