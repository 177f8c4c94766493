"""Excel exports: ledgers, one case's form, the monthly report; read back by openpyxl and calamine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from database.models import AuditEntry, Case
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import ExportError, ValidationError
from desktop_app.domain.identity import make_id_number
from desktop_app.reports.files import OutputCancelled
from desktop_app.services import cases, demo, exports
from desktop_app.services.store import Store
from tests.factories import full_form

HEADERS = [c.header for c in exports.CASE_COLUMNS]


def x_id_number() -> str:
    """An identity number whose check character is X (the case Excel mangles most)."""
    for seq in range(1, 999, 2):
        number = make_id_number("500223", dt.date(2012, 2, 3), seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character found")


def calamine_rows(path: Path, sheet: int = 0) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet).to_python()


def test_open_case_ledger_has_title_header_text_numbers_and_real_dates(store: Store, tmp_path: Path) -> None:
    number = x_id_number()
    case_id = cases.save_form(store, full_form(id_number=number, student_number="G" + number))
    demo.load(store, 40)
    path = tmp_path / "台账.xlsx"
    rows = exports.export_ledger(store, path, today=dt.date(2026, 11, 3), full_numbers=True, reason="上报区教委")
    open_count = cases.ledger_count(store, cases.LedgerQuery(statuses=CaseStatus.open_values()))
    assert rows == open_count

    wb = load_workbook(path)
    ws = wb.active
    assert ws.title == "未销号案件台账"
    assert ws["A1"].value == "潼南区米心镇中心小学未销号案件台账" and ws["A1"].font.b
    assert "2026年11月03日" in ws["A2"].value and f"共{open_count}人" in ws["A2"].value
    assert [c.value for c in ws[3]] == HEADERS
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:V{rows + 3}"
    assert "A1:V1" in {str(r) for r in ws.merged_cells.ranges}
    id_col = HEADERS.index("居民身份证号码") + 1
    assert ws.column_dimensions["D"].width >= 20 and ws.column_dimensions["D"].number_format == "@"
    found = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[id_col - 1] == number]
    assert len(found) == 1
    row = found[0]
    assert row[1] == "张小明" and row[6] == "G" + number
    assert row[HEADERS.index("出生日期")] == dt.datetime(2012, 2, 3)
    assert row[HEADERS.index("立案日期")] == dt.datetime.combine(dt.date.today(), dt.time())
    assert row[HEADERS.index("最近劝返日期")] == dt.datetime(2026, 10, 20)
    assert row[HEADERS.index("劝返次数")] == 2
    for cell in ws["D"][3:]:
        assert cell.data_type == "s"  # text, never 5.0022E+17
    assert ws.cell(4, HEADERS.index("出生日期") + 1).number_format == "yyyy-mm-dd"
    assert [r[0] for r in ws.iter_rows(min_row=4, max_col=1, values_only=True)] == list(range(1, rows + 1))

    # a second, independent reader sees the same
    data = calamine_rows(path)
    assert data[2] == HEADERS
    mine = [r for r in data[3:] if r[id_col - 1] == number][0]
    assert isinstance(mine[id_col - 1], str) and mine[6] == "G" + number
    assert mine[HEADERS.index("出生日期")] == dt.date(2012, 2, 3)
    assert len(data) == rows + 3
    assert case_id


def test_all_cases_ledger_with_the_ledger_page_filter(store: Store, tmp_path: Path) -> None:
    demo.load(store, 60)
    query = cases.LedgerQuery(township="米心镇")
    path = tmp_path / "all.xlsx"
    rows = exports.export_ledger(store, path, "suspected", query)
    expected = cases.ledger_page(store, query, 0, 1000)
    assert rows == len(expected) > 0
    data = calamine_rows(path)
    assert data[0][0] == "潼南区米心镇中心小学疑似辍学学生台账" and "筛选：乡镇：米心镇" in data[1][0]
    assert [r[1] for r in data[3:]] == [e["name"] for e in expected]  # the ledger page's order
    assert {r[HEADERS.index("乡镇(街道)")] for r in data[3:]} == {"米心镇"}
    assert CaseStatus.CLOSED.value in {r[HEADERS.index("状态")] for r in data[3:]} or rows < 5


def test_unknown_ledger_and_bad_target(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValidationError, match="没有“nope”台账"):
        exports.export_ledger(store, out / "x.xlsx", "nope")
    with pytest.raises(ExportError, match="不存在"):
        exports.export_ledger(store, out / "no" / "x.xlsx")
    with pytest.raises(ExportError, match="文件夹"):
        exports.export_ledger(store, out)
    assert list(out.iterdir()) == []


def test_cancelled_export_leaves_no_file_and_no_history(store: Store, tmp_path: Path) -> None:
    demo.load(store, 2500)
    with store.read() as session:
        before = len(session.execute(select(AuditEntry.id)).all())
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OutputCancelled):
        exports.export_ledger(store, out / "c.xlsx", "suspected", progress=lambda done, total: done < 1000)
    assert list(out.iterdir()) == []
    with store.read() as session:
        assert len(session.execute(select(AuditEntry.id)).all()) == before


def test_export_is_recorded_in_the_history(store: Store, tmp_path: Path) -> None:
    cases.save_form(store, full_form())
    exports.export_ledger(store, tmp_path / "l.xlsx")
    with store.read() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.field == exports.EVENT_LEDGER)
        ).scalar_one()
    assert entry.user == "周老师" and "未销号案件台账：1行" in entry.new_value and "l.xlsx" in entry.new_value
    assert store.verify().ok


def test_one_case_form_as_a_sheet(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    path = exports.export_form(store, case_id, tmp_path / "form.xlsx")
    data = calamine_rows(path)
    assert data[2] == ["项目", "内容"]
    values = {r[0]: r[1] for r in data[3:] if r[0]}
    assert values["姓名"] == "张小明" and values["居民身份证号码"] == full_form().id_number
    assert values["劝返次数"] == "2" and values["监护人2联系电话"] == "023-44556677"
    records = [r[1] for r in data[3:] if r[0] in ("劝返过程详细记录", "")]
    assert len(records) == 2 and records[0].startswith("1. 2026年10月10日")
    assert "BX1-" in data[1][0]


def _set_case(store: Store, case_id: str, **values: object) -> None:
    with store.write() as session:
        case = session.get(Case, case_id)
        for k, v in values.items():
            setattr(case, k, v)


def test_monthly_report_counts_new_returned_closed_and_open_by_reason(store: Store, tmp_path: Path) -> None:
    def new(reason: str, n: int, **values: object) -> str:
        number = make_id_number("500223", dt.date(2013, 1, n), 11 + 2 * n)
        case_id = cases.save_form(store, full_form(
            id_number=number, student_number="", dropout_reason=reason, reason_detail="说明", attempts=[]
        ))
        _set_case(store, case_id, **values)
        return case_id

    sept = dict(opened_on=dt.date(2026, 9, 5))
    new("厌学", 1, **sept)  # new in September, still open
    new("厌学", 2, opened_on=dt.date(2026, 8, 20))  # older, still open
    new("厌学", 3, opened_on=dt.date(2026, 9, 2), status="已销号", closed_on=dt.date(2026, 9, 28), result="已复学")
    new("外出务工", 4, opened_on=dt.date(2026, 8, 1), status="已销号", closed_on=dt.date(2026, 9, 10), result="转学")
    new("外出务工", 5, opened_on=dt.date(2026, 7, 1), status="已销号", closed_on=dt.date(2026, 10, 3),
        result="已复学")  # closed after September: open at its end
    new("外出务工", 6, opened_on=dt.date(2026, 10, 1))  # after the month: not counted
    voided = new("学习困难", 7, **sept)
    _set_case(store, voided, voided=True, void_reason="录重了")

    report = exports.monthly_report(store, 2026, 9)
    by = {r.reason: r for r in report.rows}
    assert (by["厌学"].new, by["厌学"].returned, by["厌学"].other_closed, by["厌学"].still_open) == (2, 1, 0, 2)
    work = by["外出务工"]
    assert (work.new, work.returned, work.other_closed, work.still_open) == (0, 0, 1, 1)
    assert by["学习困难"].new == 0
    total = report.total
    assert (total.new, total.returned, total.other_closed, total.still_open) == (2, 1, 1, 3)
    assert len(report.open_cases) == 3

    path = exports.export_monthly(store, 2026, 9, tmp_path / "m.xlsx")
    sheet = calamine_rows(path)
    assert sheet[0][0] == "潼南区米心镇中心小学控辍保学月报（2026年9月）"
    assert sheet[2] == list(exports.MONTHLY_HEADERS)
    assert sheet[-1] == ["合计", 2.0, 1.0, 1.0, 3.0]
    listing = calamine_rows(path, 1)
    assert len(listing) == 3 + 3 and listing[3][6] in (dt.date(2026, 7, 1), dt.date(2026, 8, 20))
    with pytest.raises(ValidationError, match="月份无效"):
        exports.monthly_report(store, 2026, 13)


def test_export_with_a_reason_is_recorded_by_privacy_and_can_mask_numbers(store: Store, tmp_path: Path) -> None:
    number = cases.load_form(store, cases.save_form(store, full_form())).id_number
    path = tmp_path / "masked.xlsx"
    exports.export_ledger(store, path, reason="上报教管中心", full_numbers=False)
    data = calamine_rows(path)
    shown = data[3][HEADERS.index("居民身份证号码")]
    assert shown != number and shown.startswith(number[:4]) and shown.endswith(number[-4:]) and "*" in shown
    with store.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.field == "导出")).scalar_one()
    assert "上报教管中心" in entry.new_value and "masked.xlsx" in entry.new_value


def test_school_age_children_ledger_of_the_census(store: Store, tmp_path: Path) -> None:
    added = demo.load_census(store, 30)
    path = tmp_path / "census.xlsx"
    rows = exports.export_ledger(store, path, "census", full_numbers=True, reason="核对")
    assert 0 < rows <= added
    data = calamine_rows(path)
    assert data[0][0] == "潼南区米心镇中心小学适龄儿童摸排核查台账"
    assert data[2] == [c.header for c in exports.CENSUS_COLUMNS]
    assert all(isinstance(r[3], str) and len(r[3]) == 18 for r in data[3:])
    assert all(isinstance(r[4], dt.date) for r in data[3:])
    assert {r[9] for r in data[3:]} - {"未核查"}  # some children were checked
