"""Saving, loading and finding cases, below the GUI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from database.models import AuditEntry, Case, PersuasionAttempt, Student
from desktop_app.domain.errors import ConflictError, ValidationError
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.registration import Attempt
from desktop_app.services import cases, demo
from desktop_app.services.store import Store
from tests.factories import full_form


def counts(store: Store) -> tuple[int, int, int, int]:
    with store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Student, Case, PersuasionAttempt, AuditEntry))


def test_save_and_load_round_trip(store: Store) -> None:
    form = full_form()
    case_id = cases.save_form(store, form)
    loaded = cases.load_form(store, case_id)
    for name in ("name", "id_number", "birth_date", "sex", "ethnic_group", "health", "student_number", "grade",
                 "guardian1_name", "guardian2_phone", "hukou", "registry", "residence", "dropout_reason",
                 "reason_detail", "family_situation", "fill_date", "result", "not_returned_reason",
                 "persuading_unit", "responsible_person", "responsible_phone"):
        assert getattr(loaded, name) == getattr(form, name), name
    assert [a.people for a in loaded.attempts] == ["王校长、李老师", "王校长、镇政府干部"]
    assert loaded.status == "劝返中"  # attempts start persuasion; 联合劝返 needs the report
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case.attempt_count == 2
        assert case.updated_by == "周老师"
        assert case.node_id == store.installation().node_id
        assert case.student.name_initials == "zxm"
        assert case.student.village == "青龙村"


def test_invalid_form_saves_nothing(store: Store) -> None:
    before = counts(store)
    with pytest.raises(ValidationError) as info:
        cases.save_form(store, full_form(id_number="500223201305171239", guardian1_phone="123"))
    assert {e.field for e in info.value.errors} >= {"id_number", "guardian1_phone"}
    assert counts(store) == before


def test_edit_records_each_changed_field_in_history(store: Store) -> None:
    case_id = cases.save_form(store, full_form())
    form = cases.load_form(store, case_id)
    form.guardian1_phone = "13987654321"
    form.attempts.append(Attempt(dt.date(2026, 11, 1), "李老师", "电话", "电话联系", "家长答应劝说"))
    cases.save_form(store, form)
    with store.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.field == "guardian1_phone")).scalars().all()
        assert [(r.old_value, r.new_value, r.user) for r in rows] == [("13812345678", "13987654321", "周老师")]
        assert s.get(Case, case_id).attempt_count == 3
    assert store.verify().ok


def test_stale_version_is_refused(store: Store) -> None:
    case_id = cases.save_form(store, full_form())
    first = cases.load_form(store, case_id)
    second = cases.load_form(store, case_id)
    first.family_situation = "第一次修改"
    cases.save_form(store, first)
    second.family_situation = "第二次修改"
    with pytest.raises(ConflictError, match="已被修改"):
        cases.save_form(store, second)
    assert cases.load_form(store, case_id).family_situation == "第一次修改"


def test_second_open_case_for_same_child_is_refused(store: Store) -> None:
    cases.save_form(store, full_form())
    with pytest.raises(ValidationError, match="已有未销号的案件"):
        cases.save_form(store, full_form())


def test_voiding_an_attempt_keeps_it(store: Store) -> None:
    case_id = cases.save_form(store, full_form())
    form = cases.load_form(store, case_id)
    form.attempts[1].voided = True
    form.attempts[1].void_reason = "录入错误"
    cases.save_form(store, form)
    loaded = cases.load_form(store, case_id)
    assert len(loaded.attempts) == 2 and loaded.attempt_count == 1
    assert loaded.status == "劝返中"


@pytest.fixture
def ledger_store(store: Store) -> Store:
    demo.load(store, 60, seed=7)
    cases.save_form(store, full_form())
    return store


@pytest.mark.parametrize(
    ("search", "expect"),
    [("张小明", True), ("小明", True), ("zxm", True), ("zhangxiaoming", True), ("ZXM", True),
     ("G500223", True), ("20130517", True), ("1234567890123", False)],
)
def test_search(ledger_store: Store, search: str, expect: bool) -> None:
    rows = cases.ledger_page(ledger_store, cases.LedgerQuery(search=search))
    assert any(r["name"] == "张小明" for r in rows) is expect


def test_filters_and_counts(ledger_store: Store) -> None:
    q = cases.LedgerQuery(township="米心镇", village="青龙村", grade="七年级")
    rows = cases.ledger_page(ledger_store, q)
    assert rows and all(r["township"] == "米心镇" and r["village"] == "青龙村" and r["grade"] == "七年级" for r in rows)
    assert cases.ledger_count(ledger_store, q) == len(rows)
    open_rows = cases.ledger_page(ledger_store, cases.LedgerQuery(statuses=("疑似辍学", "劝返中", "联合劝返")), 0, 1000)
    assert cases.open_case_count(ledger_store) == len(open_rows)
    assert all(r["status"] != "已销号" for r in open_rows)


def test_sort_and_paging(ledger_store: Store) -> None:
    q = cases.LedgerQuery(sort="attempt_count", descending=True)
    first = cases.ledger_page(ledger_store, q, 0, 10)
    rest = cases.ledger_page(ledger_store, q, 10, 1000)
    counts_ = [r["attempt_count"] for r in first + rest]
    assert counts_ == sorted(counts_, reverse=True)
    assert len({r["case_id"] for r in first + rest}) == 61


def test_demo_data_is_valid(store: Store) -> None:
    from desktop_app.domain.identity import id_number_error

    items = demo.generate(300, seed=1, today=dt.date(2026, 11, 1))
    assert all(id_number_error(i["student"]["id_number"]) is None for i in items)
    assert len({i["student"]["id_number"] for i in items}) == 300
    assert {i["case"]["status"] for i in items} == {"疑似辍学", "劝返中", "联合劝返", "已销号"}
    assert make_id_number("500223", dt.date(2013, 5, 17), 1)[-1] in "0123456789X"
