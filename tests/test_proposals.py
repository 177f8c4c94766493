"""联查建议: the district's answers travel back to each school in its next package, only what that school
needs; the school accepts them (one by one or all at once) or rejects them with a reason, which goes back.

Three schools (a primary, a junior middle, a 九年一贯制) set up, enrolled and reporting through real
packages on disk (``tests.district_fixture``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from database.matching import MatchProposal
from database.models import Student
from database.sync import HeldBack, NodeKey, Peer
from desktop_app.domain import proposals as P
from desktop_app.domain.census import ChildStatus
from desktop_app.domain.errors import ValidationError
from desktop_app.exchange import package as pkg
from desktop_app.services import census, matching, sync, todo
from desktop_app.services.census import proposals
from desktop_app.services.matching import proposals as district_proposals
from desktop_app.services.store import Store
from tests.district_fixture import (
    JUNIOR,
    NINE,
    PRIMARY,
    SEM,
    World,
    answer,
    name_of,
    report,
    round_trip,
    sid,
    world_at,
)
from tests.helpers.cli import run
from tests.matching_world import enrolled, roster
from tests.package_forge import forge, set_value
from tests.sync_helpers import dump, send

pytestmark = pytest.mark.both_backends


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from world_at(tmp_path)


def rows_by_name(store: Store, kinds: tuple[str, ...] = P.KINDS) -> dict[tuple[str, str], proposals.ProposalRow]:
    return {(r.kind, r.name): r for r in proposals.proposal_rows(store, SEM, kinds)}


def test_leavers_are_found_at_the_primary_after_one_round_trip(world: World) -> None:
    w = world
    before = {r.name: r for r in census.transition_rows(w.primary, SEM, census.PRIMARY_TO_JUNIOR)}
    assert not any(r.found for r in before.values())  # the primary alone sees none of its leavers
    round_trip(w)
    got = rows_by_name(w.primary, P.LEAVER_KINDS)
    l1, l2, l3 = (got[(P.JUNIOR, name_of(w, k))] for k in ("L1", "L2", "L3"))
    assert (l1.result, l1.found_school, l1.found_grade, l1.status) == (P.FOUND, JUNIOR[1], "七年级", P.PENDING)
    assert (l3.found_school, l3.found_grade) == (NINE[1], "七年级")  # on the roster without a number
    assert (l2.result, l2.status, l2.answer) == (P.NOT_FOUND, P.NOTICE, "全区各校均未找到")
    # the one enrolled nowhere is 衔接未找到 at the district and at the primary
    district = matching.transitions(w.district, SEM, census.PRIMARY_TO_JUNIOR)
    assert [x.name for x in district.leavers if not x.found] == [name_of(w, "L2")]
    rows = {r.name: r for r in census.transition_rows(w.primary, SEM, census.PRIMARY_TO_JUNIOR)}
    assert not rows[name_of(w, "L2")].found and "全区各校均未找到" in rows[name_of(w, "L2")].district
    assert "在米心镇中学七年级就读（待确认" in rows[name_of(w, "L1")].district

    result = proposals.accept_all(w.primary, SEM, P.LEAVER_KINDS)
    assert result.accepted == 2 and result.skipped == []
    rows = {r.name: r for r in census.transition_rows(w.primary, SEM, census.PRIMARY_TO_JUNIOR)}
    assert rows[name_of(w, "L1")].found and rows[name_of(w, "L1")].where == f"区内他校在读：{JUNIOR[1]}"
    assert rows[name_of(w, "L3")].found and not rows[name_of(w, "L2")].found
    status = census.status_of(w.primary, sid(w.primary, name_of(w, "L1")), SEM)
    assert status is not None and status.school == JUNIOR[1]
    assert f"来源：区教委联查（{l1.matched_on.isoformat()}）" in status.note


def test_a_census_child_enrolled_elsewhere_is_proposed_and_accepted_with_its_source(world: World) -> None:
    w = world
    round_trip(w)
    got = rows_by_name(w.primary, (P.CENSUS,))
    c1, c2 = got[(P.CENSUS, name_of(w, "C1"))], got[(P.CENSUS, name_of(w, "C2"))]
    assert (c1.result, c1.found_school, c1.found_grade) == (P.OTHER_SCHOOL, JUNIOR[1], "八年级")
    assert c2.found_school == NINE[1]  # 本校在读 there
    assert (P.CENSUS, name_of(w, "C3")) not in got  # has a status at the primary: nothing proposed
    c1_id = sid(w.primary, name_of(w, "C1"))
    assert census.status_of(w.primary, c1_id, SEM) is None

    assert proposals.accept(w.primary, [c1.id]) == 1
    status = census.status_of(w.primary, c1_id, SEM)
    assert status is not None and (status.status, status.school) == (ChildStatus.OTHER_SCHOOL.value, JUNIOR[1])
    assert status.note == f"在{JUNIOR[1]}八年级就读；来源：区教委联查（{c1.matched_on.isoformat()}）"
    after = rows_by_name(w.primary, (P.CENSUS,))
    assert after[(P.CENSUS, name_of(w, "C1"))].status == P.ACCEPTED
    assert after[(P.CENSUS, name_of(w, "C2"))].status == P.PENDING  # one by one: the other waits
    with pytest.raises(ValidationError, match="已接受"):
        proposals.accept(w.primary, [c1.id])
    # the acceptance travels back: the district sees it
    report(w)
    seen = {d.name: d for d in district_proposals.decisions(w.district, SEM)}
    assert seen[name_of(w, "C1")].status == P.ACCEPTED and seen[name_of(w, "C1")].school == PRIMARY[1]
    for store in (w.primary, w.district):
        assert store.verify().ok, store.verify()


def test_accepting_all_at_once_is_one_transaction_and_skips_what_changed_meanwhile(world: World) -> None:
    w = world
    round_trip(w)
    c2 = sid(w.primary, name_of(w, "C2"))
    census.mark_status(w.primary, c2, SEM, census.StatusEntry("本校在读", "入户走访", "周老师"))  # checked since
    result = proposals.accept_all(w.primary, SEM)
    assert result.accepted == 4  # C1, C5 (same name and guardian at the nine-year school), L1, L3
    assert len(result.skipped) == 1 and name_of(w, "C2") in result.skipped[0] and "本校在读" in result.skipped[0]
    status = census.status_of(w.primary, c2, SEM)
    assert status is not None and status.status == "本校在读"  # the teacher's status stays
    assert proposals.open_count(w.primary, SEM) == 1


def test_a_child_with_cases_at_two_schools_is_flagged_at_both(world: World) -> None:
    w = world
    summary = round_trip(w)
    assert summary.duplicates == 1
    d1 = name_of(w, "D1")
    at_primary = rows_by_name(w.primary)[(P.DUPLICATE, d1)]
    at_junior = rows_by_name(w.junior)[(P.DUPLICATE, d1)]
    assert (at_primary.found_school, at_primary.status) == (JUNIOR[1], P.NOTICE)
    assert (at_junior.found_school, at_junior.status) == (PRIMARY[1], P.NOTICE)
    assert at_primary.answer == f"{JUNIOR[1]}也有此儿童的在办案件"
    assert (P.DUPLICATE, d1) not in rows_by_name(w.nine)
    with pytest.raises(ValidationError, match="通知"):
        proposals.accept(w.primary, [at_primary.id])


def test_return_check_answers_and_a_rejection_goes_back_to_the_district(world: World) -> None:
    w = world
    round_trip(w)
    got = rows_by_name(w.junior, (P.RETURNS,))
    r1, r2 = got[(P.RETURNS, name_of(w, "R1"))], got[(P.RETURNS, name_of(w, "R2"))]
    assert (r1.result, r1.found_school) == (P.TRANSFER_CONFIRMED, NINE[1])
    assert (r2.result, r2.found_school, r2.found_grade) == (P.RETURN_FOUND, NINE[1], "八年级")
    assert (P.RETURNS, name_of(w, "R3")) not in got
    with pytest.raises(ValidationError, match="拒绝的原因"):
        proposals.reject(w.junior, r2.id, "  ")
    proposals.reject(w.junior, r2.id, "家长来电：已去外省务工地就读，九年一贯制学校的是同名儿童")
    assert proposals.accept(w.junior, [r1.id]) == 1
    rows = {r.name: r for r in census.return_rows(w.junior, SEM)}
    assert rows[name_of(w, "R1")].destination == f"{NINE[1]}八年级"
    assert rows[name_of(w, "R2")].result == "未返校"  # rejected: unchanged
    report(w)
    rejected = district_proposals.decisions(w.district, SEM, P.REJECTED)
    assert [(d.school, d.name, d.status) for d in rejected] == [(JUNIOR[1], name_of(w, "R2"), P.REJECTED)]
    assert rejected[0].reason.startswith("家长来电") and rejected[0].decided_by
    assert district_proposals.decision_counts(w.district, SEM)[P.ACCEPTED] == 1
    # a later run does not reopen what the school decided, and the district's next package changes nothing there
    answer(w)
    again = rows_by_name(w.junior, (P.RETURNS,))
    assert again[(P.RETURNS, name_of(w, "R2"))].status == P.REJECTED
    for store in (w.junior, w.district):
        assert store.verify().ok, store.verify()


def _payload(store: Store, path: Path) -> dict:
    with store.read() as s:
        secret = s.execute(select(NodeKey)).scalar_one().box_secret
    return pkg.read(path).open_payload(bytes.fromhex(secret))


def test_the_package_to_a_school_carries_no_other_schools_childrens_data(world: World) -> None:
    w = world
    report(w)
    matching.run_match(w.district, SEM)
    path = sync.export_package(w.district, PRIMARY[0], w.usb).path
    payload = _payload(w.primary, path)
    text = json.dumps(payload, ensure_ascii=False)
    with w.primary.read() as s:
        own = {sid_: (name, number) for sid_, name, number in s.execute(
            select(Student.id, Student.name, Student.id_number))}
    own_names = {n for n, _x in own.values()}
    own_numbers = {x for _n, x in own.values() if x}
    with w.district.read() as s:
        others = [r for r in s.execute(select(Student.id, Student.name, Student.id_number, Student.guardian1_name,
                                                Student.guardian1_phone)) if r[0] not in own]
    assert len(others) >= 8
    for student_id, name, number, guardian, phone in others:
        assert student_id not in text  # not even the record id of another school's child
        if name not in own_names:
            assert name not in text
        if number and number not in own_numbers:
            assert number not in text
        for value in (guardian, phone):
            if value:
                assert value not in text
    block = payload["tables"]["match_proposals"]
    rows = [dict(zip(block["columns"], r, strict=True)) for r in block["rows"]]
    assert rows and {r["student_id"] for r in rows} <= set(own)
    # beside the proposals only the district's own records travel: semesters, calendar, decisions and the
    # list of the district's schools (names and codes of schools, for 移交), no child of another school
    assert set(payload["tables"]) <= {"match_proposals", "semesters", "calendar_days", "deferral_decisions",
                                      "district_schools"}


def test_an_older_school_gets_its_proposals_once_it_reads_them(world: World) -> None:
    w = world
    report(w)
    matching.run_match(w.district, SEM)
    with w.district.write() as s:  # the primary still runs 0.1.0, which does not know 联查建议
        peer = s.execute(select(Peer).where(Peer.code == PRIMARY[0])).scalar_one()
        peer.program, peer.reads = "0.1.0", ""
    path = sync.export_package(w.district, PRIMARY[0], w.usb).path
    assert "match_proposals" not in _payload(w.primary, path)["tables"]
    with w.district.read() as s:
        assert s.execute(select(HeldBack).where(HeldBack.table_name == "match_proposals")).first() is not None
    sync.import_package(w.primary, path)
    assert proposals.proposal_rows(w.primary, SEM) == []
    send(w.primary, "district", w.district, w.usb)  # upgraded: its package says what it reads
    send(w.district, PRIMARY[0], w.primary, w.usb)  # the held-back proposals come in full
    assert proposals.open_count(w.primary, SEM) == 5  # C1, C2, C5, L1, L3


def test_cli_accept_proposals(world: World, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.accounts import ADMIN_PASSWORD

    w = world
    round_trip(w)
    folder = str(w.primary.data_dir)
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("BAOXUE_USER", "周老师")
    code, out, err = run(capsys, "--data-dir", folder, "accept-proposals", "--all")
    assert code == 0, err
    assert out.splitlines()[0] == "已接受区教委联查建议 5 条"
    assert proposals.open_count(w.primary, SEM) == 0
    code, out, err = run(capsys, "--data-dir", folder, "accept-proposals", "--all")
    assert (code, out.splitlines()[0]) == (0, "已接受区教委联查建议 0 条")
    monkeypatch.setenv("BAOXUE_USER", "督导员")
    code, _out, err = run(capsys, "--data-dir", str(w.district.data_dir), "accept-proposals", "--all")
    assert (code, err.strip()) == (1, "错误：联查建议只在学校接受：区教委的联查结果随数据包发给各校")


def test_withdrawn_when_a_later_run_no_longer_finds_it(world: World) -> None:
    w = world
    round_trip(w)
    c2 = rows_by_name(w.primary, (P.CENSUS,))[(P.CENSUS, name_of(w, "C2"))]
    n_c2 = sid(w.nine, name_of(w, "C2"))
    census.mark_status(w.nine, n_c2, SEM, census.StatusEntry("区外就读", "监护人电话", "吴老师", school="某市实验学校",
                                                             place="广东省深圳市"))  # it left the nine-year school
    round_trip(w)
    after = rows_by_name(w.primary, (P.CENSUS,))[(P.CENSUS, name_of(w, "C2"))]
    assert after.id == c2.id and after.status == proposals.WITHDRAWN
    with pytest.raises(ValidationError, match="已撤回"):
        proposals.accept(w.primary, [c2.id])


def test_a_leaver_found_nowhere_becomes_a_proposal_once_found(world: World) -> None:
    w = world
    round_trip(w)
    l2 = rows_by_name(w.primary, P.LEAVER_KINDS)[(P.JUNIOR, name_of(w, "L2"))]
    assert l2.status == P.NOTICE
    with pytest.raises(ValidationError, match="通知"):
        proposals.reject(w.primary, l2.id, "不是本校学生")
    roster(w.nine, w.tmp, "enrolled", [enrolled(NINE[1], w.kids["L2"], "七年级")], SEM)  # enrolled late
    round_trip(w)
    after = rows_by_name(w.primary, P.LEAVER_KINDS)[(P.JUNIOR, name_of(w, "L2"))]
    assert (after.id, after.result, after.found_school, after.status) == (l2.id, P.FOUND, NINE[1], P.PENDING)
    assert proposals.accept(w.primary, [after.id]) == 1
    rows = {r.name: r for r in census.transition_rows(w.primary, SEM, census.PRIMARY_TO_JUNIOR)}
    assert rows[name_of(w, "L2")].found


def test_pending_proposals_are_on_the_schools_todo_list(world: World) -> None:
    w = world
    round_trip(w)
    titles = [i.title for i in todo.collect(w.primary) if i.kind == "联查建议"]
    assert titles == ["确认区教委联查建议 3 条（摸排核查）", "确认区教委联查建议 2 条（返校核查）"]
    assert not [i for i in todo.collect(w.district) if i.kind == "联查建议"]
    proposals.accept_all(w.primary)
    assert not [i for i in todo.collect(w.primary) if i.kind == "联查建议"]


def test_proposals_written_through_core_where_the_driver_is_not_sqlite(world: World,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk path for other databases (PostgreSQL at a district): typed values through Core, the same rows
    and history as the SQLite path (``verify`` replays them)."""
    w = world
    monkeypatch.setattr(district_proposals, "RAW_DIALECTS", ())
    round_trip(w)
    with w.district.read() as s:
        rows = s.execute(select(MatchProposal)).scalars().all()
    assert len(rows) == 10 and all(  # primary: C1 C2 C5 L1 L2 L3 D1; junior: R1 R2 D1
        not r.withdrawn and r.matched_on == rows[0].matched_on for r in rows)
    assert w.district.verify().ok, w.district.verify()
    assert proposals.open_count(w.primary, SEM) == 5


@pytest.mark.parametrize(("column", "value", "words"), [
    ("kind", "瞎编", ("kind", "不在代码表中")),
    ("status", "已作废了", ("status", "不在代码表中")),
    ("student_id", "no-such-child", ("student_id", "既不在数据包中也不在本机")),
])
def test_a_signed_package_with_a_bad_proposal_is_refused_whole(world: World, tmp_path: Path, column: str,
                                                              value: str, words: tuple[str, ...]) -> None:
    """A package correctly signed by the district is still checked value by value: a proposal outside the
    code tables, or about a child this school does not hold, refuses the whole package in one Chinese line."""
    w = world
    report(w)
    matching.run_match(w.district, SEM)
    path = sync.export_package(w.district, PRIMARY[0], w.usb).path
    forged = forge(path, w.district, w.primary, tmp_path / "p.bxpkg",
                   payload_change=lambda p: set_value(p, "match_proposals", column, value))
    before = dump(w.primary)
    with pytest.raises(sync.PackageRefused) as info:
        sync.import_package(w.primary, forged)
    message = str(info.value)
    assert "\n" not in message and "未导入" in message, message
    for word in words:
        assert word in message, (word, message)
    assert dump(w.primary) == before
