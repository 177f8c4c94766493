"""Personal data leaves only with a reason (issue 14 point 5).

Measured before: ``export-ledger`` without ``--reason`` wrote 120 full identity and student numbers
with no reason and no privacy event; so did ``--ledger census`` (300), ``care-export``,
``home-teaching export`` and ``print-forms``. The GUI's ledger export with 导出完整号码 unchecked wrote
监护人联系电话 in full, and 返校核查 showed guardian phones in full. Through the services a teacher or
read-only account got full identity and phone numbers (``cases.load_form``, ``cases.ledger_page``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from database.models import AuditEntry, Student
from desktop_app.domain.roles import Role
from desktop_app.domain.semester import previous_name
from desktop_app.services import accounts, cases, census, demo, exports, privacy
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers import rosters as R
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_as
from tests.helpers.cli import run

FULL_ID = re.compile(r"\b\d{17}[\dXx]\b")
FULL_MOBILE = re.compile(r"\b1\d{10}\b")


def _cells(path: Path) -> list[str]:
    wb = load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _full_numbers(values: list[str], store: Store) -> list[str]:
    """The values that are a stored identity number or guardian phone in full."""
    with store.read() as session:
        known = {v for row in session.execute(select(Student.id_number, Student.guardian1_phone)) for v in row if v}
    return [v for v in values if v in known]


def _privacy_events(store: Store) -> list[tuple[str, dict[str, object]]]:
    with store.read() as session:
        rows = session.execute(select(AuditEntry.user, AuditEntry.new_value).where(
            AuditEntry.table_name == "export", AuditEntry.field == "导出")).all()
    return [(user, json.loads(value or "{}")) for user, value in rows]


def test_export_ledger_masks_by_default_and_full_numbers_need_a_reason(store: Store, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    demo.load(store, 30)
    d = str(store.data_dir)
    masked = tmp_path / "台账.xlsx"
    code, _out, err = run(capsys, "--data-dir", d, "export-ledger", str(masked), "--ledger", "suspected")
    assert code == 0, err
    values = _cells(masked)
    assert _full_numbers(values, store) == []
    assert any("*" in v and len(v) == 18 for v in values) and any(re.fullmatch(r"1\d\d\*{4}\d{4}", v) for v in values)

    refused = tmp_path / "完整.xlsx"
    code, _out, err = run(capsys, "--data-dir", d, "export-ledger", str(refused), "--full-numbers")
    assert code == 1 and err.startswith("错误：导出完整的身份证号码和电话号码须说明原因") and err.count("\n") == 1
    assert not refused.exists() and _privacy_events(store) == []

    code, _out, err = run(capsys, "--data-dir", d, "export-ledger", str(refused), "--ledger", "suspected",
                          "--full-numbers", "--reason", "上报区教委")
    assert code == 0, err
    assert len(_full_numbers(_cells(refused), store)) >= 30
    [(user, detail)] = _privacy_events(store)
    assert user == "周老师"  # the account
    assert detail["原因"] == "上报区教委" and detail["位置"] == "完整.xlsx" and detail["条数"] == 30
    assert detail["完整号码"] is True


def test_census_ledger_care_and_home_teaching_exports_mask_by_default(store: Store, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    demo.load_census(store, 60)
    demo.load_care(store)
    d = str(store.data_dir)
    for args, out in ((("export-ledger", "--ledger", "census"), "摸排.xlsx"), (("care-export", "--out"), "关爱.xlsx"),
                      (("home-teaching", "export", "--out"), "送教.xlsx")):
        path = tmp_path / out
        code, _o, err = run(capsys, "--data-dir", d, *args[:-1], *(args[-1:] if args[-1] != "--out" else ()),
                            *(("--out", str(path)) if args[-1] == "--out" else (str(path),)))
        assert code == 0, err
        assert _full_numbers(_cells(path), store) == [], out
        code, _o, err = run(capsys, "--data-dir", d, *args[:-1], *(args[-1:] if args[-1] != "--out" else ()),
                            *(("--out", str(path)) if args[-1] == "--out" else (str(path),)), "--full-numbers")
        assert code == 1 and "须说明原因" in err
    code, _o, err = run(capsys, "--data-dir", d, "care-export", "--out", str(tmp_path / "完整关爱.xlsx"),
                        "--full-numbers", "--reason", "区残联核对")
    assert code == 0, err
    assert _full_numbers(_cells(tmp_path / "完整关爱.xlsx"), store)
    assert [d["原因"] for _u, d in _privacy_events(store)] == ["区残联核对"]
    from desktop_app.services import care

    placements = tmp_path / "安置.xlsx"  # the GUI's 导出残疾儿童安置 (no reason asked): masked
    assert care.export_placements(store, census.current_semester(store), placements) >= 1
    assert _full_numbers(_cells(placements), store) == []


def test_print_forms_masks_by_default(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    form = full_form()
    case_id = cases.save_form(store, form)
    d = str(store.data_dir)
    pdf = tmp_path / "一生一表.pdf"
    code, _out, err = run(capsys, "--data-dir", d, "print-forms", str(pdf), "--case", case_id)
    assert code == 0, err
    text = "".join(PdfReader(pdf).pages[0].extract_text().split())
    assert form.name in text and form.id_number not in text and form.guardian1_phone not in text
    assert privacy.mask_id_number(form.id_number) in text
    code, _out, err = run(capsys, "--data-dir", d, "print-forms", str(pdf), "--case", case_id, "--full-numbers")
    assert code == 1 and "须说明原因" in err
    code, _out, err = run(capsys, "--data-dir", d, "print-forms", str(pdf), "--case", case_id, "--full-numbers",
                          "--reason", "签字盖章存档")
    assert code == 0, err
    text = "".join(PdfReader(pdf).pages[0].extract_text().split())
    assert form.id_number in text and form.guardian1_phone in text
    [(user, detail)] = _privacy_events(store)
    assert user == "周老师" and detail["原因"] == "签字盖章存档" and detail["条数"] == 1 and detail["位置"] == pdf.name


def test_the_services_mask_by_role_not_the_widgets(store: Store, tmp_path: Path) -> None:
    form = full_form()
    case_id = cases.save_form(store, form)
    number, phone = form.id_number, form.guardian1_phone
    # the GUI's ledger export with 导出完整号码 unchecked: phones masked too
    path = tmp_path / "台账.xlsx"
    exports.export_ledger(store, path, reason="核对", full_numbers=False)
    assert _full_numbers(_cells(path), store) == []
    # lists are masked whoever looks, an administrator included
    [row] = cases.ledger_page(store, cases.LedgerQuery())
    assert row["id_number"] == privacy.mask_id_number(number) and row["guardian1_phone"] == privacy.mask_phone(phone)
    assert cases.load_form(store, case_id).id_number == number  # the administrator's form: full
    sign_in_as(store, "li", Role.TEACHER, display_name="李老师")
    assert cases.load_form(store, case_id).guardian1_phone == phone  # a teacher edits the form: full
    accounts.sign_in(store, "周老师", ADMIN_PASSWORD)  # an administrator adds the read-only account
    sign_in_as(store, "ro", Role.READONLY, display_name="王主任")
    seen = cases.load_form(store, case_id)
    assert seen.id_number == privacy.mask_id_number(number)
    assert seen.guardian1_phone == privacy.mask_phone(phone) and seen.guardian2_phone != form.guardian2_phone
    [row] = cases.ledger_page(store, cases.LedgerQuery())
    assert number not in row.values() and phone not in row.values()
    from desktop_app.services import case_history

    history = " ".join(f"{h.old} {h.new}" for h in case_history.case_history(store, case_id))
    assert number not in history and phone not in history and privacy.mask_id_number(number) in history
    accounts.sign_in(store, "周老师", ADMIN_PASSWORD)
    history = " ".join(f"{h.old} {h.new}" for h in case_history.case_history(store, case_id))
    assert number in history  # the administrator's history: as recorded


def test_the_return_check_and_census_lists_mask_numbers(store: Store, tmp_path: Path) -> None:
    demo.load_census(store, 40)
    semester = census.current_semester(store)
    rows = census.children_page(store, census.ChildQuery(semester), 0, 500)
    assert rows and _full_numbers([str(v) for r in rows for v in r.values()], store) == []
    kids = R.children(3)
    prev = previous_name(semester)
    path = R.write_plain_xlsx(tmp_path / "在籍.xlsx", R.ENROLLED_HEADER, [R.enrolled_cells(c, "五年级") for c in kids])
    assert census.import_roster(store, path, "enrolled", semester=prev).accepted == 3
    listed = census.return_rows(store, semester)
    assert len(listed) >= 3
    for r in listed:
        assert "*" in r.id_number and (not r.phone or "*" in r.phone)
    assert _full_numbers([v for r in listed for v in (r.id_number, r.phone)], store) == []


def test_the_districts_ledger_list_masks_numbers(pair: tuple[Store, Store], usb: Path) -> None:
    from desktop_app.services import district
    from tests.sync_helpers import send

    school, dist = pair
    form = full_form()
    cases.save_form(school, form)
    send(school, "district", dist, usb)
    [row] = district.ledger_page(dist, cases.LedgerQuery())
    assert row["id_number"] == privacy.mask_id_number(form.id_number)
    assert row["guardian1_phone"] == privacy.mask_phone(form.guardian1_phone)
