"""缓学审批 at the district: the schools' deferral applications listed, decided, and reminded of (N-11).

The data is made the real way: schools record applications and send their packages to the district.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from database.lifecycle import DeferralApplication, DeferralDecision
from database.models import AuditEntry, Case
from desktop_app.domain.errors import NotFoundError, PermissionDenied, ValidationError
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, cases, district, lifecycle, settings, todo
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.sync_helpers import apply_for_deferral, dump, make_district, make_school, send

pytestmark = pytest.mark.both_backends

MIXIN, SHUANGJIANG = "2150022302", "2150022303"
PASSWORD = "Mixin2026!"
DOC = "潼扶组〔2026〕12号"
TODAY = dt.date(2026, 11, 20)


@dataclass
class Offices:
    dist: Store
    mixin: Store
    shuangjiang: Store
    usb: Path
    applied: str  # 张小明 at 米心镇, pending since 2026-10-28
    later: str  # 王小芳 at 双江镇, pending since 2026-11-03
    voided: str  # 李小红 at 米心镇, withdrawn by the school


def child(name: str, seq: int) -> object:
    number = make_id_number("500223", dt.date(2013, 5, 17), seq)
    return full_form(name=name, id_number=number, student_number="G" + number)


def application_of(store: Store, case_id: str) -> str:
    with store.read() as session:
        return session.execute(select(DeferralApplication.id).where(DeferralApplication.case_id == case_id)
                               ).scalar_one()


@pytest.fixture
def offices(tmp_path: Path, usb: Path) -> Iterator[Offices]:
    dist = make_district(tmp_path / "district")
    mixin = make_school(tmp_path / "mixin", dist, MIXIN, "米心镇中心小学", "米心镇", usb)
    shuangjiang = make_school(tmp_path / "shuangjiang", dist, SHUANGJIANG, "双江镇中心小学", "双江镇", usb)
    first = cases.save_form(mixin, child("张小明", 123))
    apply_for_deferral(mixin, first)
    withdrawn = cases.save_form(mixin, child("李小红", 124))
    apply_for_deferral(mixin, withdrawn)
    with mixin.write() as session:  # the school withdraws it (nothing is deleted: voided with a reason)
        app = session.get(DeferralApplication, application_of(mixin, withdrawn))
        app.voided, app.void_reason = True, "镇政府撤回申请"
    second = cases.save_form(shuangjiang, child("王小芳", 126))
    lifecycle.record_court_ruling(shuangjiang, second, dt.date(2026, 10, 30), "潼南区人民法院", "(2026)渝0152民初7号",
                                  True)
    lifecycle.apply_deferral(shuangjiang, second, "休学", dt.date(2026, 11, 3), "双江镇人民政府", "家长同意书已附")
    send(mixin, "district", dist, usb)
    send(shuangjiang, "district", dist, usb)
    yield Offices(dist, mixin, shuangjiang, usb, application_of(dist, first), application_of(dist, second),
                  application_of(dist, withdrawn))
    for store in (dist, mixin, shuangjiang):
        store.close()


def test_listing_names_each_school_pending_first_and_leaves_out_voided(offices: Offices) -> None:
    rows = district.deferral_applications(offices.dist)
    assert [(r["school"], r["name"], r["kind"]) for r in rows] == [
        ("双江镇中心小学", "王小芳", "休学"), ("米心镇中心小学", "张小明", "延缓入学")]  # newest first
    newest = rows[0]
    assert (newest["school_code"], newest["township"], newest["grade"]) == (SHUANGJIANG, "双江镇", "七年级")
    assert (newest["application_date"], newest["reported_by"]) == (dt.date(2026, 11, 3), "双江镇人民政府")
    assert newest["basis"] == "已有法院判决且监护人已履行法定义务"
    assert newest["note"] == "家长同意书已附"
    assert not newest["decided"]
    assert offices.voided not in {r["application_id"] for r in rows}

    district.decide_application(offices.dist, offices.later, False, dt.date(2026, 11, 10), "", "材料不全",
                                today=TODAY)
    rows = district.deferral_applications(offices.dist)
    assert [r["application_id"] for r in rows] == [offices.applied, offices.later]  # pending first
    decided = rows[1]
    assert (decided["decided"], decided["approved"], decided["decision_date"]) == (True, False, dt.date(2026, 11, 10))
    assert (decided["approver"], decided["decision_note"]) == ("区扶贫工作领导小组", "材料不全")
    assert [r["application_id"] for r in district.deferral_applications(offices.dist, pending_only=True)] == [
        offices.applied]


def test_approval_is_recorded_in_the_history_and_fills_the_case(offices: Offices) -> None:
    decision_id = district.decide_application(offices.dist, offices.applied, True, dt.date(2026, 11, 2), f" {DOC} ",
                                              "同意延缓入学一年", today=TODAY)
    with offices.dist.read() as session:
        decision = session.get(DeferralDecision, decision_id)
        assert (decision.approved, decision.document_number, decision.approver, decision.note) == (
            True, DOC, "区扶贫工作领导小组", "同意延缓入学一年")
        case = session.get(Case, decision.case_id)
        assert (case.deferral_approved, case.deferral_approval_date, case.deferral_document) == (
            True, dt.date(2026, 11, 2), DOC)
        history = {(e.table_name, e.field): e.new_value or "" for e in session.execute(
            select(AuditEntry).where(AuditEntry.record_id.in_([decision_id, case.id]))).scalars()}
    assert DOC in history[("deferral_decisions", "*")]  # the new row, whole
    assert DOC in history[("cases", "deferral_document")]
    assert offices.dist.verify().ok
    # it goes back to the school with the next package
    send(offices.dist, MIXIN, offices.mixin, offices.usb)
    assert lifecycle.state(offices.mixin, case.id).applications[-1].decision.startswith("同意（2026-11-02")


def test_refusal_is_recorded_without_touching_the_case(offices: Offices) -> None:
    district.decide_application(offices.dist, offices.applied, False, dt.date(2026, 11, 2), "", today=TODAY)
    [row] = [r for r in district.deferral_applications(offices.dist) if r["application_id"] == offices.applied]
    assert (row["decided"], row["approved"]) == (True, False)
    with offices.dist.read() as session:
        case = session.get(Case, row["case_id"])
        assert (case.deferral_approved, case.deferral_document) == (False, "")


@pytest.mark.parametrize(("approved", "on", "document", "error", "message"), [
    (True, dt.date(2026, 11, 2), "  ", ValidationError, "同意的批复须填写批准文号"),
    (True, None, DOC, ValidationError, "请填写审批日期"),
    (True, dt.date(2026, 10, 1), DOC, ValidationError, "审批日期早于申请日期"),
    (False, dt.date(2026, 12, 1), "", ValidationError, "不能晚于"),
])
def test_a_wrong_decision_is_refused_and_changes_nothing(offices: Offices, approved: bool, on: dt.date | None,
                                                          document: str, error: type, message: str) -> None:
    before = dump(offices.dist)
    with pytest.raises(error, match=message):
        district.decide_application(offices.dist, offices.applied, approved, on, document, today=TODAY)
    assert dump(offices.dist) == before


def test_a_decided_voided_or_unknown_application_cannot_be_decided(offices: Offices) -> None:
    district.decide_application(offices.dist, offices.applied, True, dt.date(2026, 11, 2), DOC, today=TODAY)
    before = dump(offices.dist)
    with pytest.raises(ValidationError, match="此申请已有审批结果"):
        district.decide_application(offices.dist, offices.applied, False, dt.date(2026, 11, 3), "", today=TODAY)
    with pytest.raises(NotFoundError, match="申请不存在或已作废"):
        district.decide_application(offices.dist, offices.voided, True, dt.date(2026, 11, 2), DOC, today=TODAY)
    with pytest.raises(NotFoundError):
        district.decide_application(offices.dist, "no-such-application", True, dt.date(2026, 11, 2), DOC)
    assert dump(offices.dist) == before


def test_record_deferral_approval_decides_the_pending_application(offices: Offices) -> None:
    [row] = [r for r in district.deferral_applications(offices.dist) if r["application_id"] == offices.later]
    district.record_deferral_approval(offices.dist, row["case_id"], True, dt.date(2026, 11, 5), DOC)
    assert district.deferral_applications(offices.dist, pending_only=True)[0]["application_id"] == offices.applied


def test_pending_applications_are_reminders_at_the_district_only(offices: Offices) -> None:
    items = [t for t in todo.collect(offices.dist, TODAY) if t.kind == "缓学审批"]
    assert [(t.due, t.target) for t in items] == [
        (dt.date(2026, 11, 4), ("approval", offices.applied)), (dt.date(2026, 11, 10), ("approval", offices.later))]
    assert items[0].title == "缓学申请待审批：米心镇中心小学 张小明（延缓入学）"
    assert items[1].detail == "双江镇人民政府于2026-11-03申请；已有法院判决且监护人已履行法定义务"
    settings.put(offices.dist, district.APPROVAL_DAYS.key, 30)
    district.decide_application(offices.dist, offices.applied, True, dt.date(2026, 11, 2), DOC, today=TODAY)
    items = [t for t in todo.collect(offices.dist, TODAY) if t.kind == "缓学审批"]
    assert [(t.due, t.target) for t in items] == [(dt.date(2026, 12, 3), ("approval", offices.later))]
    # the school has its own pending application, but the reminder is the district's
    case_id = district.deferral_applications(offices.dist, pending_only=True)[0]["case_id"]
    assert lifecycle.state(offices.shuangjiang, case_id).pending_application
    assert not [t for t in todo.collect(offices.shuangjiang, TODAY) if t.kind == "缓学审批"]


def test_the_command_line_todo_lists_pending_applications_at_the_district(offices: Offices) -> None:
    # a fresh process: only what the command itself imports registers reminders
    env = {**os.environ, "BAOXUE_USER": "督导员", "BAOXUE_PASSWORD": ADMIN_PASSWORD}  # the district's administrator
    done = subprocess.run([sys.executable, "-m", "desktop_app.cli", "--data-dir", str(offices.dist.data_dir), "todo",
                           "--date", TODAY.isoformat()], capture_output=True, text=True, encoding="utf-8",
                          check=True, env=env)
    assert "2026-11-04\t缓学审批\t缓学申请待审批：米心镇中心小学 张小明（延缓入学）" in done.stdout


def test_a_supervisor_may_not_decide(offices: Offices) -> None:
    accounts.create_account(offices.dist, "admin", PASSWORD, Role.DISTRICT_ADMIN, display_name="刘科长")
    accounts.create_account(offices.dist, "du", PASSWORD, Role.SUPERVISOR, display_name="陈督学")
    accounts.sign_in(offices.dist, "du", PASSWORD)
    assert not can(offices.dist, Permission.APPROVE)
    before = dump(offices.dist)
    with pytest.raises(PermissionDenied, match="无权区级审批"):
        district.decide_application(offices.dist, offices.applied, True, dt.date(2026, 11, 2), DOC, today=TODAY)
    assert dump(offices.dist) == before
    assert len(district.deferral_applications(offices.dist)) == 2  # a supervisor still sees the list
    accounts.sign_in(offices.dist, "admin", PASSWORD)
    assert can(offices.dist, Permission.APPROVE)
    district.decide_application(offices.dist, offices.applied, True, dt.date(2026, 11, 2), DOC, today=TODAY)
    assert district.deferral_applications(offices.dist)[1]["decided"]


def test_two_staff_deciding_one_application_at_the_same_moment_record_one_decision(
        offices: Offices, tmp_path: Path, backend: str) -> None:
    """Two programs on the district's store (a second window on the file; a second PC on the server)."""
    import threading

    from desktop_app.services import encryption

    if backend == "postgresql":
        assert offices.dist.server is not None
        other = Store.open(tmp_path / "pc2", url=offices.dist.server)
        other.act_as(accounts.sign_in(other, "督导员", ADMIN_PASSWORD))
    else:
        other = encryption.unlock(offices.dist.data_dir, "督导员", ADMIN_PASSWORD)
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def staff(store: Store, approved: bool) -> None:
        start.wait()
        try:
            outcomes.append(district.decide_application(store, offices.applied, approved, dt.date(2026, 11, 2),
                                                        DOC if approved else "", today=TODAY))
        except ValidationError as exc:
            outcomes.append(exc)

    try:
        threads = [threading.Thread(target=staff, args=(s, a)) for s, a in ((offices.dist, True), (other, False))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        refused = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(outcomes) == 2 and len(refused) == 1 and "已有审批结果" in str(refused[0])
        with offices.dist.read() as session:
            decisions = session.execute(select(DeferralDecision).where(
                DeferralDecision.application_id == offices.applied)).scalars().all()
        assert len(decisions) == 1
        assert offices.dist.verify().ok
    finally:
        other.close()
