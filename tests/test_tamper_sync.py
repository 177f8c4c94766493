"""Issue 13 point 2 across packages: every package carries the sender's chain head; a sender whose history
no longer extends the head the district saw last is reported as 历史记录回退 (and shown on 区教委督导),
while a package after a recorded restore from a backup is accepted with the restore shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.services import backup, cases, district, encryption, sync
from desktop_app.services.integrity import chain_guard
from desktop_app.services.paths import STORE_FILE
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.sync_helpers import send

pytestmark = pytest.mark.both_backends

CODE = "2150022302"


def child(name: str, serial: int) -> object:
    """A registration form of an invented child with a valid identity number."""
    import datetime as dt

    from desktop_app.domain.identity import make_id_number

    number = make_id_number("110101", dt.date(2010, 3, 7), serial)
    return full_form(name=name, id_number=number, student_number="G" + number)


def _history_column(store: Store) -> str:
    row = next(r for r in district.school_figures(store) if r.code == CODE)
    return district.school_row(row)[district.SCHOOL_HEADERS.index("历史记录")]


@pytest.fixture
def sent_twice(pair: tuple[Store, Store], usb: Path) -> tuple[Store, Store, Path]:
    """The school sent two packages; an automatic copy was taken between them."""
    school, dist = pair
    cases.save_form(school, child("王小红", 2))
    first = send(school, "district", dist, usb)
    assert "历史记录" not in first.message
    copy = backup.take(school, backup.DAILY)
    cases.save_form(school, child("李小刚", 5))
    send(school, "district", dist, usb)
    assert chain_guard.statuses(dist)[CODE].status == chain_guard.OK
    return school, dist, copy


def test_packages_carry_the_chain_head(pair: tuple[Store, Store], usb: Path) -> None:
    school, _dist = pair
    cases.save_form(school, full_form())
    _data, manifest, _peer = sync.build_package(school, "district")
    chain = manifest["chain"]
    with school.read() as session:
        last = session.connection().exec_driver_sql(
            "SELECT row_hash FROM audit_log WHERE id = ?", (chain["count"],)).scalar()
    assert chain["hash"] == last and chain["marks"][str(chain["count"])] == last


def test_a_school_store_swapped_for_an_old_copy_is_reported_as_rollback(
        sent_twice: tuple[Store, Store, Path], usb: Path) -> None:
    school, dist, copy = sent_twice
    folder = school.data_dir
    school.close()
    os.replace(copy, folder / STORE_FILE)  # behind the program's back
    for suffix in ("-wal", "-shm"):
        (folder / (STORE_FILE + suffix)).unlink(missing_ok=True)
    school = encryption.unlock(folder, "周老师", ADMIN_PASSWORD)  # the copy holds the same account
    try:
        cases.save_form(school, child("赵小兰", 11))
        package = sync.export_package(school, "district", usb)
        with pytest.raises(sync.PackageRefused, match="历史记录回退") as refused:
            sync.import_package(dist, package.path)
        assert "没有记录从备份恢复" in str(refused.value)
        assert _history_column(dist).startswith("历史记录回退")
        assert not school.verify().ok  # and the school's own verify says so too
    finally:
        school.close()


def test_the_rollback_shows_on_the_supervision_page(qtbot, sent_twice: tuple[Store, Store, Path],  # noqa: ANN001
                                                    usb: Path) -> None:
    from desktop_app.ui.district.page import SupervisionPage

    school, dist, copy = sent_twice
    folder = school.data_dir
    school.close()
    os.replace(copy, folder / STORE_FILE)
    school = encryption.unlock(folder, "周老师", ADMIN_PASSWORD)  # the copy holds the same account
    try:
        cases.save_form(school, child("赵小兰", 11))
        with pytest.raises(sync.PackageRefused):
            sync.import_package(dist, sync.export_package(school, "district", usb).path)
        page = SupervisionPage(dist)
        qtbot.addWidget(page)
        page.refresh()
        column = district.SCHOOL_HEADERS.index("历史记录")
        shown = [page.school_model.index(r, column).data() for r in range(page.school_model.rowCount())]
        assert any(str(v).startswith("历史记录回退") for v in shown), shown
    finally:
        school.close()


def test_a_package_after_a_recorded_restore_is_accepted_with_the_restore_shown(
        sent_twice: tuple[Store, Store, Path], usb: Path) -> None:
    school, dist, copy = sent_twice
    backup.restore(school, copy)
    assert school.verify().ok  # a restore is not tampering
    case_id = cases.save_form(school, child("赵小兰", 11))
    result = send(school, "district", dist, usb)
    assert "从备份恢复" in result.message and "历史记录从第" in result.message
    assert chain_guard.statuses(dist)[CODE].status == chain_guard.RESTORED
    assert _history_column(dist).startswith("曾从备份恢复")
    with dist.read() as session:
        assert session.connection().exec_driver_sql("SELECT count(*) FROM cases WHERE id = ?", (case_id,)).scalar() == 1
    assert dist.verify().ok
    # and the exchange goes on normally afterwards
    cases.save_form(school, child("钱小芳", 23))
    later = send(school, "district", dist, usb)
    assert "从备份恢复" not in later.message


def test_received_records_verify_at_the_district(sent_twice: tuple[Store, Store, Path]) -> None:
    _school, dist, _copy = sent_twice
    assert dist.verify().ok
    with dist.engine.begin() as conn:  # a received record changed behind the district program's back
        conn.exec_driver_sql("UPDATE students SET name = '篡改' WHERE name = '李小刚'")
    result = dist.verify()
    assert not result.ok
    assert any("“李小刚”的“姓名”被改动" in line for line in result.lines())
