"""baoxue-cli care-export and home-teaching: exports and the calendar, errors as one Chinese line."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop_app.services.store import Store
from tests.helpers.cli import run


def test_calendar_and_exports(store: Store, data_dir: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    d = str(data_dir)
    store.close()
    code, out, _ = run(capsys, "--data-dir", d, "home-teaching", "calendar", "--semester", "2026秋")
    assert code == 0 and "国家法定节假日" in out and "不知道2027年" in out
    code, _out, _ = run(capsys, "--data-dir", d, "home-teaching", "calendar", "--semester", "2026秋", "--strict")
    assert code == 1
    code, out, _ = run(capsys, "--data-dir", d, "home-teaching", "export", "--semester", "2026秋",
                       "--out", str(tmp_path / "送教.xlsx"))
    assert code == 0 and "0名学生" in out
    assert load_workbook(tmp_path / "送教.xlsx")["达标情况"]["A1"].value == "送教上门达标情况汇总表"
    code, out, _ = run(capsys, "--data-dir", d, "care-export", "--out", str(tmp_path / "名册.xlsx"))
    assert code == 0 and "0人" in out


def test_errors_are_one_chinese_line(store: Store, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store.close()
    code, _out, err = run(capsys, "--data-dir", str(data_dir), "home-teaching", "export", "--semester", "2026")
    assert code == 1 and err.startswith("错误：学期名称") and err.count("\n") == 1
    code, _out, err = run(capsys, "--data-dir", str(data_dir), "home-teaching", "export")
    assert code == 1 and "--out" in err
    code, _out, err = run(capsys, "--data-dir", str(data_dir), "care-export", "--out", "/nonexistent/dir/x.xlsx")
    assert code == 1 and err.startswith("错误：无法写入文件")
