"""baoxue-cli: setup, demo, verify; expected errors are one Chinese line, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import cli
from desktop_app.services import cases
from desktop_app.services.store import Store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_setup_school_then_demo_then_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "s")
    code, out, _ = run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "测试小学")
    assert code == 0 and "测试小学" in out
    code, out, _ = run(capsys, "--data-dir", d, "demo", "--count", "25")
    assert code == 0 and "25" in out
    code, out, _ = run(capsys, "--data-dir", d, "verify")
    assert code == 0 and "校验通过" in out
    store = Store.open(d)
    assert store.installation().name == "测试小学"
    assert cases.ledger_count(store, cases.LedgerQuery()) == 25
    store.close()


def test_demo_on_empty_folder_sets_up_a_demo_school(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "e"), "demo")
    assert code == 0 and "演示学校" in out and "80" in out


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
