"""Correcting care records, aid records and home-teaching visits: the history keeps every change,
bad input, voided records and roles without the right change nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from database.models import AuditEntry
from desktop_app.domain.care import CareEntry, DisabilityFile, Tag
from desktop_app.domain.errors import NotFoundError, PermissionDenied, ValidationError
from desktop_app.domain.home_teaching import SessionEntry
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, care, home_teaching, semesters
from desktop_app.services.store import Store
from tests.test_permissions_wiring import PASSWORD, dump

D = dt.date
CHILD_ID = make_id_number("500223", D(2014, 6, 1), 71)
OTHER_ID = make_id_number("500223", D(2015, 2, 3), 12)


def changes(store: Store, table: str, record_id: str) -> set[tuple[str, str | None, str | None]]:
    """The history's field changes (update rows) of one record."""
    with store.read() as s:
        rows = s.execute(select(AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value).where(
            AuditEntry.table_name == table, AuditEntry.record_id == record_id, AuditEntry.action == "update")).all()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def child(store: Store, id_number: str = CHILD_ID, name: str = "陈小宇") -> str:
    return care.register_student(store, care.NewStudent(name, id_number, "陈国强", "父亲", "13700001234"),
                                 [Tag("身体残疾")])


def sign_in_as(store: Store, role: str, *, all_students: bool = True) -> None:
    accounts.create_account(store, "admin", PASSWORD, Role.ADMIN, display_name="周老师")
    accounts.create_account(store, "li", PASSWORD, role, display_name="李老师", all_students=all_students)
    accounts.sign_in(store, "li", PASSWORD)


# --- care records ------------------------------------------------------------------------------

def test_a_care_record_is_corrected_field_by_field(store: Store) -> None:
    sid = child(store)
    rid = care.add_care_record(store, sid, CareEntry(D(2026, 11, 2), "家访", "了解学习情况", "王老师"))
    care.update_care_record(store, rid, CareEntry(D(2026, 11, 3), "家访", "了解学习和生活情况 ", "王老师"))
    assert changes(store, "care_records", rid) == {
        ("record_date", "2026-11-02", "2026-11-03"),
        ("notes", "了解学习情况", "了解学习和生活情况"),
    }
    [row] = care.care_records(store, sid)
    assert (row["record_date"], row["notes"], row["kind"]) == (D(2026, 11, 3), "了解学习和生活情况", "家访")
    assert care.register_rows(store)[0]["last_care"] == D(2026, 11, 3)
    assert store.verify().ok


def test_a_bad_correction_is_refused_as_when_adding_and_changes_nothing(store: Store) -> None:
    sid = child(store)
    rid = care.add_care_record(store, sid, CareEntry(D(2026, 11, 2), "家访", "了解学习情况", "王老师"))
    before = dump(store)
    with pytest.raises(ValidationError) as err:
        care.update_care_record(store, rid, CareEntry(D.today() + dt.timedelta(days=1), "聊天"))
    assert {e.field for e in err.value.errors} == {"kind", "record_date", "people", "notes"}
    assert "关爱日期不能晚于今天" in err.value.for_field("record_date")
    assert dump(store) == before


def test_a_voided_or_missing_care_record_cannot_be_corrected(store: Store) -> None:
    sid = child(store)
    rid = care.add_care_record(store, sid, CareEntry(D(2026, 11, 2), "家访", "了解学习情况", "王老师"))
    care.void_care_record(store, rid, "记错学生")
    before = dump(store)
    entry = CareEntry(D(2026, 11, 3), "家访", "了解学习情况", "王老师")
    with pytest.raises(ValidationError, match="关爱记录已作废，不能修改"):
        care.update_care_record(store, rid, entry)
    with pytest.raises(NotFoundError, match="关爱记录不存在"):
        care.update_care_record(store, "no-such-record", entry)
    assert dump(store) == before


def test_roles_without_the_right_cannot_correct_care_records(store: Store) -> None:
    sid = child(store)
    other = child(store, OTHER_ID, "李小花")
    rid = care.add_care_record(store, other, CareEntry(D(2026, 11, 2), "家访", "了解学习情况", "王老师"))
    aid = care.add_aid(store, sid, "2026秋", "生活补助", "800")
    sign_in_as(store, Role.READONLY)
    before = dump(store)
    with pytest.raises(PermissionDenied, match="无权登记和修改记录"):
        care.update_care_record(store, rid, CareEntry(D(2026, 11, 3), "家访", "了解学习情况", "王老师"))
    with pytest.raises(PermissionDenied):
        care.update_aid(store, aid, "2026秋", "生活补助", "900")
    assert dump(store) == before


def test_a_teacher_limited_to_assigned_students_cannot_correct_others(store: Store) -> None:
    sid = child(store)
    rid = care.add_care_record(store, sid, CareEntry(D(2026, 11, 2), "家访", "了解学习情况", "王老师"))
    sign_in_as(store, Role.TEACHER, all_students=False)
    before = dump(store)
    with pytest.raises(PermissionDenied, match="只能修改分配给您的学生"):
        care.update_care_record(store, rid, CareEntry(D(2026, 11, 3), "家访", "了解学习情况", "王老师"))
    assert dump(store) == before


# --- aid --------------------------------------------------------------------------------------

def test_an_aid_record_is_corrected_field_by_field(store: Store) -> None:
    sid = child(store)
    aid = care.add_aid(store, sid, "2026秋", "生活补助", "800", "第一批")
    care.update_aid(store, aid, "2026秋", "营养改善计划", "1,250.5元", "第一批")
    assert changes(store, "aid_records", aid) == {("kind", "生活补助", "营养改善计划"),
                                                  ("amount_fen", "80000", "125050")}
    [row] = care.aid_records(store, sid)
    assert (row["kind"], row["amount"], row["notes"]) == ("营养改善计划", "1250.50", "第一批")
    assert store.verify().ok


def test_a_bad_or_voided_aid_correction_changes_nothing(store: Store) -> None:
    sid = child(store)
    aid = care.add_aid(store, sid, "2026秋", "生活补助", "800")
    before = dump(store)
    with pytest.raises(ValidationError) as err:
        care.update_aid(store, aid, "", " ", "一千")
    assert {e.field for e in err.value.errors} == {"kind", "semester", "amount"}
    assert "金额“一千”不是数字" in err.value.for_field("amount")
    assert dump(store) == before
    care.void_aid(store, aid, "重复登记")
    before = dump(store)
    with pytest.raises(ValidationError, match="资助记录已作废"):
        care.update_aid(store, aid, "2026秋", "生活补助", "900")
    with pytest.raises(NotFoundError, match="资助记录不存在"):
        care.update_aid(store, "no-such-record", "2026秋", "生活补助", "900")
    assert dump(store) == before


# --- home-teaching visits -----------------------------------------------------------------------

@pytest.fixture
def plan_id(store: Store) -> str:
    semesters.set_dates(store, "2026秋", D(2026, 9, 1), D(2027, 1, 22))
    sid = child(store)
    care.save_disability(store, sid, DisabilityFile("多重", "一级", "", "送教上门", D(2026, 9, 1), True))
    return home_teaching.save_plan(store, home_teaching.PlanEntry(sid, "2026秋", "王老师", "生活语文", weekday=1))


def visit(day: dt.date, hours: int = 2, content: str = "认识数字1-10", photos: list[str] | None = None) -> SessionEntry:
    return SessionEntry(day, hours, "送文化", "王老师", content, True, "陈国强", photos or [])


def test_a_visit_is_corrected_and_compliance_follows(store: Store, plan_id: str) -> None:
    vid = home_teaching.log_session(store, plan_id, visit(D(2026, 9, 2), 1))
    today = D(2026, 9, 16)
    assert home_teaching.plan_compliance(store, plan_id, today).weeks[0].status.value == "学时不足"
    home_teaching.update_session(store, vid, visit(D(2026, 9, 1), 2, "认识数字1-20"))
    assert changes(store, "home_teaching_sessions", vid) == {
        ("session_date", "2026-09-02", "2026-09-01"), ("class_hours", "1", "2"),
        ("content", "认识数字1-10", "认识数字1-20"),
    }
    [row] = home_teaching.sessions(store, plan_id)
    assert (row["session_date"], row["class_hours"], row["content"]) == (D(2026, 9, 1), 2, "认识数字1-20")
    assert home_teaching.plan_compliance(store, plan_id, today).weeks[0].status.value == "达标"
    assert store.verify().ok


def test_a_bad_visit_correction_is_refused_and_changes_nothing(store: Store, plan_id: str) -> None:
    vid = home_teaching.log_session(store, plan_id, visit(D(2026, 9, 2)))
    before = dump(store)
    with pytest.raises(ValidationError, match="送教日期不在学期2026秋.*假期联系"):
        home_teaching.update_session(store, vid, visit(D(2026, 8, 20)))
    with pytest.raises(ValidationError) as err:
        home_teaching.update_session(store, vid, SessionEntry(D(2026, 9, 1), 0, "送书", "", "", True, ""))
    assert {e.field for e in err.value.errors} == {"class_hours", "form", "teachers", "content", "guardian_name"}
    assert dump(store) == before
    home_teaching.void_session(store, vid, "日期记错")
    before = dump(store)
    with pytest.raises(ValidationError, match="送教记录已作废"):
        home_teaching.update_session(store, vid, visit(D(2026, 9, 1)))
    with pytest.raises(NotFoundError, match="送教记录不存在"):
        home_teaching.update_session(store, "no-such-visit", visit(D(2026, 9, 1)))
    assert dump(store) == before


def test_read_only_cannot_correct_a_visit(store: Store, plan_id: str) -> None:
    vid = home_teaching.log_session(store, plan_id, visit(D(2026, 9, 2)))
    sign_in_as(store, Role.READONLY)
    before = dump(store)
    with pytest.raises(PermissionDenied, match="无权登记和修改记录"):
        home_teaching.update_session(store, vid, visit(D(2026, 9, 1)))
    assert dump(store) == before


def test_a_correction_keeps_the_photos_and_copies_added_ones(store: Store, plan_id: str, tmp_path: Path) -> None:
    first, second = tmp_path / "visit.jpg", tmp_path / "later.jpg"
    first.write_bytes(b"\xff\xd8one")
    second.write_bytes(b"\xff\xd8two")
    vid = home_teaching.log_session(store, plan_id, visit(D(2026, 9, 2), photos=[str(first)]))
    [kept] = home_teaching.sessions(store, plan_id)[0]["photos"]

    home_teaching.update_session(store, vid, visit(D(2026, 9, 2), 3))  # no photo listed: photos as they were
    assert home_teaching.sessions(store, plan_id)[0]["photos"] == [kept]

    before = dump(store)
    with pytest.raises(ValidationError, match="照片文件不存在"):  # a failed correction leaves no copy behind
        home_teaching.update_session(store, vid, visit(D(2026, 9, 2), 3, photos=[str(second),
                                                                                 str(tmp_path / "none.jpg")]))
    assert dump(store) == before
    assert sorted(p.name for p in (store.data_dir / "photos" / plan_id).iterdir()) == ["visit.jpg"]

    home_teaching.update_session(store, vid, visit(D(2026, 9, 2), 3, photos=[str(second)]))
    photos = home_teaching.sessions(store, plan_id)[0]["photos"]
    assert photos[0] == kept and len(photos) == 2
    assert (store.data_dir / photos[1]).read_bytes() == b"\xff\xd8two"
    assert {f for f, _old, _new in changes(store, "home_teaching_sessions", vid)} == {"class_hours", "photos"}


def test_a_limited_teacher_cannot_void_or_log_for_a_child_not_assigned(store: Store) -> None:
    """A teacher limited to assigned students may not void another child's care or aid record, nor log,
    correct or void that child's home-teaching visits or plan: refused, nothing changed."""
    semesters.set_dates(store, "2026秋", D(2026, 9, 1), D(2027, 1, 22))
    sid = child(store)
    care.save_disability(store, sid, DisabilityFile("多重", "一级", "", "送教上门", D(2026, 9, 1), True))
    rid = care.add_care_record(store, sid, CareEntry(D(2026, 11, 2), "家访", "了解学习情况", "王老师"))
    aid = care.add_aid(store, sid, "2026秋", "生活补助", "800")
    entry = home_teaching.PlanEntry(sid, "2026秋", "王老师", "生活语文", weekday=1)
    plan = home_teaching.save_plan(store, entry)
    visit = SessionEntry(D(2026, 9, 1), 2, "送文化", "王老师", "认识数字", True, "陈国强")
    vid = home_teaching.log_session(store, plan, visit)
    sign_in_as(store, Role.TEACHER, all_students=False)
    before = dump(store)
    for attempt in (
        lambda: care.void_care_record(store, rid, "记错了"),
        lambda: care.void_aid(store, aid, "记错了"),
        lambda: home_teaching.log_session(store, plan, SessionEntry(D(2026, 9, 8), 2, "送文化", "王老师", "x")),
        lambda: home_teaching.update_session(store, vid, SessionEntry(D(2026, 9, 2), 2, "送文化", "王老师", "x")),
        lambda: home_teaching.void_session(store, vid, "记错了"),
        lambda: home_teaching.set_missed_reason(store, plan, D(2026, 9, 7), "生病住院"),
        lambda: home_teaching.save_plan(store, entry, plan),
    ):
        with pytest.raises(PermissionDenied, match="只能修改分配给您的学生"):
            attempt()
    assert dump(store) == before
