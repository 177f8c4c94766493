"""The registration form's fields are declared once (desktop_app.domain.form_fields) and every place
that shows them reads that declaration: the dialog, the printed form, the Excel exports, the history.
A field added to the declaration shows up in the dialog and on paper without touching either."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from database.models import Case, Student
from desktop_app.domain import form_fields as ff
from desktop_app.domain.registration import RegistrationForm
from desktop_app.reports import pdf_form
from desktop_app.reports import verification as v
from desktop_app.services import case_history, cases, exports, printing
from desktop_app.services.store import Store
from desktop_app.ui.form.registration_dialog import RegistrationFormDialog
from tests.factories import full_form
from tests.helpers.qt import type_into


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(pdf: bytes) -> str:
    return _flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_declaration_matches_the_form_and_the_models() -> None:
    keys = [f.key for f in ff.FIELDS]
    assert len(keys) == len(set(keys))
    form = RegistrationForm()
    models = {ff.STUDENTS: Student, ff.CASES: Case}
    for f in ff.FIELDS:
        assert hasattr(form, f.key), f.key
        assert re.search(r"[\u4e00-\u9fff]", f.shown_as), f.key  # every caption is Chinese
        if f.kind == ff.ADDRESS:
            assert all(hasattr(Student, f"{f.column}_{part}") for part in ff.ADDRESS_PARTS_LABELS)
        elif f.stored:
            assert f.column == f.key and hasattr(models[f.table], f.column), f.key
        if f.kind in (ff.CHOICE, ff.EDITABLE_CHOICE):
            assert f.options, f.key
    # saving and loading a case stores exactly the declared typed fields
    assert set(cases.STUDENT_FIELDS) | set(cases.CASE_FIELDS) | set(cases.ADDRESS_KINDS) == {
        f.key for f in ff.FIELDS if f.stored}


def test_every_declared_field_is_in_the_dialog(qtbot: QtBot, store: Store) -> None:
    dialog = RegistrationFormDialog(store)
    qtbot.addWidget(dialog)
    captions = {label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None}
    for f in ff.FIELDS:
        widget = dialog.inputs.get(f.key)
        assert widget is not None, f"{f.key} has no input in the dialog"
        assert captions.get(widget) == f.shown_as, f.key
        if f.stored:
            assert f.key in dialog.errors  # its problems are shown beside it


def test_every_printed_field_is_on_paper_and_in_the_form_sheet(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    form = cases.load_form(store, case_id)
    pdf, _job = printing.forms_pdf_bytes(store, [case_id])
    text = _pdf_text(pdf)
    content = v.record_content(form)
    assert list(content)[:len(ff.printed_rows())] == list(ff.printed_rows())
    for f in ff.FIELDS:
        if not f.printed or f.printed == ff.DEFERRAL:  # filled from the district's approval: printed 否 here
            continue
        value = v.field_text(form, f)
        assert value, f"the test form leaves {f.key} empty"
        assert _flat(value) in text, f"{f.key} ({value}) is not on the printed form"
    workbook = load_workbook(exports.export_form(store, case_id, tmp_path / "表.xlsx"))
    rows = {row[0] for row in workbook.active.iter_rows(min_row=4, values_only=True)}
    assert set(ff.printed_rows()) <= rows


def test_every_exported_field_heads_a_ledger_column(store: Store, tmp_path: Path) -> None:
    cases.save_form(store, full_form())
    path = tmp_path / "台账.xlsx"
    exports.export_ledger(store, path, full_numbers=True, reason="测试")
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[3]]
    row = dict(zip(header, next(sheet.iter_rows(min_row=4, values_only=True)), strict=True))
    form = full_form()
    for f in ff.exported():
        assert f.exported in header, f.key
    assert row["姓名"] == form.name and row["全国学籍号"] == form.student_number
    assert row["户籍所在地"] == "重庆市 重庆市 潼南区 米心镇 青龙村3组12号"
    assert row["监护人"] == form.guardian1_name and row["年级"] == form.grade


def test_every_stored_field_has_its_name_in_the_history(store: Store) -> None:
    case_id = cases.save_form(store, full_form())
    changed = cases.load_form(store, case_id)
    changed.health, changed.persuading_unit = "残疾", "米心镇人民政府"
    cases.save_form(store, changed)
    for f in ff.FIELDS:
        if f.kind == ff.ADDRESS:
            assert case_history.field_label(f"{f.column}_detail") == f"{f.label}村(社区)门牌"
        elif f.stored:
            assert case_history.field_label(f.column) == f.label
    whats = {line.what for line in case_history.case_history(store, case_id)}
    assert {"健康情况", "劝返单位"} <= whats


def test_a_field_added_to_the_declaration_reaches_the_dialog_and_the_paper(
        qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a developer adding 备注 to the declaration gets without touching the dialog or the PDF layout."""
    remark = ff.FormField("remark", "劝返备注", ff.CASES, "remark", "劝返备注", section=ff.PERSUASION)
    monkeypatch.setattr(ff, "FIELDS", (*ff.FIELDS, remark))
    monkeypatch.setattr(ff, "BY_KEY", {**ff.BY_KEY, "remark": remark})
    monkeypatch.setattr(RegistrationForm, "remark", "", raising=False)  # the attribute the developer adds
    dialog = RegistrationFormDialog(store)
    qtbot.addWidget(dialog)
    dialog.load(full_form())
    edit = dialog.inputs["remark"]
    assert isinstance(edit, QLineEdit)
    type_into(qtbot, edit, "家长承诺下学期送回")
    form = dialog.value()
    assert form.remark == "家长承诺下学期送回"  # type: ignore[attr-defined]
    content = v.record_content(form)
    assert content["劝返备注"] == "家长承诺下学期送回"
    assert pdf_form.extra_rows() == ["劝返备注"]
    buffer = io.BytesIO()
    pdf_form.write_forms(buffer, [pdf_form.FormSheet.for_form(form, "米心镇中心小学")])
    text = _pdf_text(buffer.getvalue())
    assert "劝返备注" in text and "家长承诺下学期送回" in text
