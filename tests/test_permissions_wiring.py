"""The role checks reach the lifecycle, care and home-teaching services: refused, nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_app.domain.care import CareEntry
from desktop_app.domain.errors import PermissionDenied
from desktop_app.domain.lifecycle import Closing
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, care, cases, lifecycle
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.stores import iterdump

PASSWORD = "Mixin2026!"


def dump(store: Store) -> list[str]:
    conn = store.engine.raw_connection()
    try:
        return list(iterdump(conn.driver_connection))
    finally:
        conn.close()


@pytest.fixture
def case_id(store: Store) -> str:
    cid = cases.save_form(store, full_form())
    accounts.create_account(store, "admin", PASSWORD, Role.ADMIN, display_name="周老师")
    accounts.create_account(store, "li", PASSWORD, Role.TEACHER, display_name="李老师")
    accounts.create_account(store, "ro", PASSWORD, Role.READONLY, display_name="王主任")
    return cid


def test_teacher_may_not_close_a_case(store: Store, case_id: str) -> None:
    accounts.sign_in(store, "li", PASSWORD)
    before = dump(store)
    closing = Closing(reason="已复学", closed_on=dt.date(2026, 11, 1), event_date=dt.date(2026, 11, 1),
                      grade="七年级", class_name="2班", placement="随班就读")
    with pytest.raises(PermissionDenied, match="无权销号"):
        lifecycle.close_case(store, case_id, closing)
    assert dump(store) == before


def test_read_only_may_not_report_or_log_care(store: Store, case_id: str) -> None:
    accounts.sign_in(store, "ro", PASSWORD)
    before = dump(store)
    with pytest.raises(PermissionDenied):
        lifecycle.report_joint(store, case_id, dt.date(2026, 10, 21), "米心镇人民政府")
    student_id = cases.load_form(store, case_id).student_id
    with pytest.raises(PermissionDenied):
        care.add_care_record(store, student_id, CareEntry(dt.date(2026, 11, 2), "家访", "了解情况", "李老师"))
    assert dump(store) == before


def test_teacher_may_report_joint_persuasion(store: Store, case_id: str) -> None:
    accounts.sign_in(store, "li", PASSWORD)
    lifecycle.report_joint(store, case_id, dt.date(2026, 10, 21), "米心镇人民政府")
    assert cases.load_form(store, case_id).status == "联合劝返"
