"""The school's ledger shows each case's exchange state in words (未报送/已报送/区教委已收到/有冲突)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from database.models import Case, Student
from desktop_app.services import cases, sync
from desktop_app.ui.ledger.model import CaseLedgerModel
from tests.factories import full_form
from tests.sync_helpers import make_district, make_school, send

CODE = "2150022302"


def state_of(model: CaseLedgerModel, case_id: str) -> str:
    model.reload()
    last = model.columnCount() - 1
    assert model.headerData(last, Qt.Orientation.Horizontal) == "同步状态"
    row = next(r for r in range(model.rowCount()) if model.case_id(r) == case_id)
    return model.index(row, last).data()


def test_ledger_column_follows_the_exchange(qtbot, tmp_path: Path, usb: Path) -> None:  # noqa: ANN001
    dist = make_district(tmp_path / "d")
    school = make_school(tmp_path / "s", dist, CODE, "米心镇中心小学", "米心镇", usb)
    try:
        model = CaseLedgerModel(school)
        case_id = cases.save_form(school, full_form())
        assert state_of(model, case_id) == "未报送"
        sync.export_package(school, "district", usb)
        assert state_of(model, case_id) == "已报送"
        result = sync.import_package(dist, next(usb.glob(f"{CODE}-*-1.bxpkg")), confirm=sync.own_fingerprint(school))
        assert result.inserted >= 2
        assert state_of(model, case_id) == "已报送"  # the district has not acknowledged yet
        send(dist, CODE, school, usb)
        assert state_of(model, case_id) == "区教委已收到"
        with school.write() as session:  # the guardian's new phone: a change of the student, not the case
            student = session.get(Student, session.get(Case, case_id).student_id)
            student.guardian1_phone = "13912345678"
        assert state_of(model, case_id) == "未报送"  # changed since it was sent
        # sorting by the computed column is not offered (it would silently order by date)
        model.sort(model.columnCount() - 1)
        assert model.query.sort != "sync_state"
    finally:
        school.close()
        dist.close()
