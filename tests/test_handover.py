"""移交: a case handed from school A to school B through the district, with real packages on disk.

A's case stays open (移交中) until B accepts; B gets the child, the case, its persuasion log, evidence and
history as its own open case; A's case then closes with the reason 移交. A rejected handover goes back to
A with its reason and A's case simply stays open. A third school sees nothing of it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from database.handover import DistrictSchool, HandoverItem, HandoverTransfer
from database.lifecycle import CaseClosing, EvidenceFile
from database.models import AuditEntry, Case, PersuasionAttempt
from database.sync import HeldBack, Peer
from desktop_app.domain import handover as rules
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.lifecycle import Closing
from desktop_app.exchange import package as pkg
from desktop_app.services import cases, district, handover, lifecycle, matching, semesters, sync, todo
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.handover_world import ASKED, PHOTO, TODAY, A, B, C, World, a_case, hand_over, make_world
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.helpers.cli import run
from tests.sync_helpers import dump, make_district, make_school, send

pytestmark = pytest.mark.both_backends


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def rows(store: Store, model: type) -> int:
    with store.read() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_handover_arrives_at_b_with_its_log_evidence_and_history_and_closes_a(world: World, tmp_path: Path) -> None:
    w = world
    assert {s.code for s in handover.district_schools(w.a)} == {B[0], C[0]}  # not A itself
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    assert lifecycle.state(w.a, case_id).status == "联合劝返"  # still open at A while in flight
    assert handover.in_flight_request(w.a, case_id).startswith("移交中：")
    w.round(w.a)  # A → district (forwarded) → A
    assert handover.in_flight_count(w.district) == 1
    [flight] = handover.handovers(w.district, in_flight_only=True)
    assert (flight.from_name, flight.to_name, flight.student_name, flight.state) == (A[1], B[1], "张小明", "待接收")
    assert any("移交至：双江镇中心小学" in line and "待对方接收" in line for line in handover.chain_lines(w.district, case_id))
    assert any("待对方接收" in line for line in handover.chain_lines(w.a, case_id))

    w.round(w.b, w.c)  # the forward reaches B, and only B
    [incoming] = handover.incoming(w.b)
    assert (incoming.student_name, incoming.from_name, incoming.attempts, incoming.evidence) == ("张小明", A[1], 2, 1)
    assert handover.incoming(w.c) == [] and rows(w.c, HandoverTransfer) == 0 and rows(w.c, HandoverItem) == 0
    assert rows(w.a, HandoverItem) == 0  # A's own data is not sent back to it
    assert any(i.kind == "移交" and "收到移交" in i.title for i in todo.collect(w.b))

    new_case = handover.accept(w.b, incoming.id)
    form = cases.load_form(w.b, new_case)
    assert (form.name, form.id_number, form.contact_name) == ("张小明", full_form().id_number, "")
    assert [a.method for a in form.attempts] == ["上门家访", "联合劝返"]
    st = lifecycle.state(w.b, new_case)
    assert st.status == "联合劝返" and st.joint_reports
    [photo] = lifecycle.evidence_list(w.b, new_case)
    assert lifecycle.evidence_content(w.b, photo.id) == PHOTO and photo.owner_table == "persuasion_attempts"
    prior = handover.prior_history(w.b, new_case)
    assert prior and {p.school for p in prior} == {A[1]} and {"students", "cases", "persuasion_attempts"} <= {
        p.table for p in prior}
    assert any(line.startswith("移交自：米心镇中心小学") for line in handover.chain_lines(w.b, new_case))
    assert handover.incoming(w.b) == []
    with pytest.raises(ValidationError, match="已答复过"):
        handover.accept(w.b, incoming.id)

    w.round(w.b)  # B's answer reaches the district
    assert handover.in_flight_count(w.district) == 0
    assert [h.state for h in handover.handovers(w.district)] == ["已接收"]
    assert any(line.startswith("移交自：米心镇中心小学") for line in handover.chain_lines(w.district, new_case))
    w.round(w.a)  # …and goes back to A, whose case closes with the reason 移交
    with w.a.read() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.status == "已销号"
        closing = s.execute(select(CaseClosing).where(CaseClosing.case_id == case_id)).scalar_one()
        assert (closing.reason, closing.school) == ("移交", B[1])
    assert any("已接收" in line for line in handover.chain_lines(w.a, case_id))
    w.round(w.a)  # the closing reaches the district
    with w.district.read() as s:
        assert s.get(Case, case_id).status == "已销号"  # type: ignore[union-attr]
        assert s.get(Case, new_case).status == "联合劝返"  # type: ignore[union-attr]
    for store in (w.district, w.a, w.b, w.c):
        assert store.verify().ok


def test_a_rejected_handover_goes_back_and_a_keeps_its_open_case(world: World, tmp_path: Path) -> None:
    w = world
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    with pytest.raises(ValidationError, match="正在等待对方接收"):
        hand_over(w, case_id)
    w.round(w.a, w.b)
    [incoming] = handover.incoming(w.b)
    before = dump(w.b)
    with pytest.raises(ValidationError, match="须填写原因"):
        handover.reject(w.b, incoming.id, "  ")
    assert dump(w.b) == before
    handover.reject(w.b, incoming.id, "该生家庭住址不在本校服务范围")
    w.round(w.b)
    assert [h.state for h in handover.handovers(w.district)] == ["已退回"]
    w.round(w.a)
    assert lifecycle.state(w.a, case_id).status == "联合劝返"  # never closed
    assert any("被退回：该生家庭住址不在本校服务范围" in line for line in handover.chain_lines(w.a, case_id))
    assert any(i.title.startswith("移交被退回") and i.target == ("case", case_id) for i in todo.collect(w.a))
    assert handover.in_flight_request(w.a, case_id) == ""
    handover.request_handover(w.a, case_id, rules.Request(C[0], TODAY, "其他", "寄住在古溪镇外婆家"))  # again, elsewhere
    with w.b.read() as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == 0


def test_the_district_list_of_schools_travels_and_requests_are_checked(world: World, tmp_path: Path) -> None:
    w = world
    with w.a.read() as s:
        assert {r.code for r in s.execute(select(DistrictSchool)).scalars()} == {A[0], B[0], C[0]}
    case_id = cases.save_form(w.a, full_form())
    before = dump(w.a)
    for request, message in (
        (rules.Request(A[0], ASKED, "家庭搬迁"), "不能移交给本校"),
        (rules.Request("5001529999", ASKED, "家庭搬迁"), "不在区教委发来的学校名单中"),
        (rules.Request(B[0], None, "家庭搬迁"), "请填写移交日期"),
        (rules.Request(B[0], ASKED, ""), "请填写移交原因"),
        (rules.Request(B[0], TODAY + dt.timedelta(days=1), "家庭搬迁"), "不能晚于今天"),
    ):
        with pytest.raises(ValidationError, match=message):
            handover.request_handover(w.a, case_id, request)
    assert dump(w.a) == before
    with pytest.raises(ValidationError, match="须由接收学校接收移交"):  # 移交 is not a reason a person picks
        lifecycle.close_case(w.a, case_id, Closing(reason="移交", closed_on=TODAY, school=B[1]))
    assert dump(w.a) == before


def test_a_school_without_the_list_is_told_where_it_comes_from(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    district = make_district(tmp_path / "district")
    school = make_school(tmp_path / "a", district, *A, usb)
    try:
        with pytest.raises(ValidationError, match="还没有区教委的学校名单"):
            handover.district_schools(school)
    finally:
        school.close()
        district.close()


def test_the_package_to_a_third_school_carries_nothing_of_the_handover(world: World, tmp_path: Path) -> None:
    w = world
    hand_over(w, a_case(w, tmp_path))
    send(w.a, "district", w.district, w.usb)
    for code, school in ((C[0], w.c), (B[0], w.b)):
        result = sync.export_package(w.district, code, w.usb)
        keys = sync.ensure_keys(school)
        payload = pkg.read(result.path).open_payload(keys.box_secret)
        text = json.dumps(payload["tables"], ensure_ascii=False)
        if code == C[0]:
            assert "handover_transfers" not in payload["tables"] and "张小明" not in text
            assert not payload.get("blobs")
        else:
            assert "张小明" in text and len(payload["blobs"]) == 1
        sync.import_package(school, result.path, confirm=sync.own_fingerprint(w.district))


def test_evidence_and_attempts_are_new_records_of_b(world: World, tmp_path: Path) -> None:
    w = world
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    w.round(w.a, w.b)
    new_case = handover.accept(w.b, handover.incoming(w.b)[0].id)
    with w.a.read() as s:
        a_ids = set(s.execute(select(PersuasionAttempt.id)).scalars()) | set(s.execute(select(EvidenceFile.id)).scalars())
    with w.b.read() as s:
        b_ids = set(s.execute(select(PersuasionAttempt.id)).scalars()) | set(s.execute(select(EvidenceFile.id)).scalars())
    assert new_case != case_id and len(b_ids) == 3 and not a_ids & b_ids


def test_a_school_on_an_earlier_release_gets_the_handover_once_it_upgrades(world: World, tmp_path: Path) -> None:
    """B's program cannot read handovers yet (v0.1.0): the district holds the forward back, says so, and sends it
    in full (with the photo) once B's package says it reads it; B's down-level package stays readable for 0.1.0."""
    w = world
    with w.district.write() as s:
        peer = s.execute(select(Peer).where(Peer.code == B[0])).scalar_one()
        peer.program, peer.reads = "0.1.0", ""
    hand_over(w, a_case(w, tmp_path))
    send(w.a, "district", w.district, w.usb)
    [flight] = handover.handovers(w.district, in_flight_only=True)
    assert flight.note == "（对方程序版本过旧，升级后才能收到）"
    down = sync.export_package(w.district, B[0], w.usb)
    assert pkg.read(down.path).manifest["min_reader"] == "0.1.0"
    sync.import_package(w.b, down.path)
    assert handover.incoming(w.b) == []
    with w.district.read() as s:
        held = set(s.execute(select(HeldBack.table_name).where(HeldBack.peer_code == B[0])).scalars())
    assert {"handover_transfers", "handover_items"} <= held
    w.round(w.b)  # B "upgraded": its package says what it reads; the district sends what it held back
    [incoming] = handover.incoming(w.b)
    new_case = handover.accept(w.b, incoming.id)
    [photo] = lifecycle.evidence_list(w.b, new_case)
    assert lifecycle.evidence_content(w.b, photo.id) == PHOTO
    assert w.b.verify().ok and w.district.verify().ok


def test_cli_lists_the_handovers_in_flight(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    hand_over(w, a_case(w, tmp_path))
    send(w.a, "district", w.district, w.usb)
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("BAOXUE_USER", "督导员")
    code, out, err = run(capsys, "--data-dir", str(w.district.path.parent), "handovers", "--in-flight")
    lines = out.splitlines()
    assert (code, err, lines[0]) == (0, "", "移交在途 1 件，共列出 1 件")
    assert "张小明" in lines[1] and A[1] in lines[1] and B[1] in lines[1] and "待接收" in lines[1]


def test_a_malformed_forward_is_refused_whole_and_changes_nothing(world: World, tmp_path: Path) -> None:
    """A signed package is trusted to come from the district, never to be well formed: each value of the forwarded
    case is checked as a package's value is before anything is written."""
    w = world
    hand_over(w, a_case(w, tmp_path))
    w.round(w.a, w.b)
    [incoming] = handover.incoming(w.b)
    with w.b.engine.begin() as con:
        data = json.loads(con.exec_driver_sql("SELECT data FROM handover_items WHERE kind = 'cases'").scalar_one())
        data["status"] = "已作古"
        con.exec_driver_sql("UPDATE handover_items SET data = ? WHERE kind = 'cases'", (json.dumps(data),))
    before = dump(w.b)
    with pytest.raises(ValidationError, match="不在代码表中"):
        handover.accept(w.b, incoming.id)
    assert dump(w.b) == before


def test_an_accepted_handover_is_not_a_duplicate_case_while_the_closing_travels(world: World, tmp_path: Path) -> None:
    """Between B's acceptance reaching the district and A's closing reaching it, both cases are open at the district;
    全区联查 counts the child once (at B), not as 重复立案."""
    w = world
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    w.round(w.a, w.b)
    new_case = handover.accept(w.b, handover.incoming(w.b)[0].id)
    send(w.b, "district", w.district, w.usb)
    with w.district.read() as s:
        assert {s.get(Case, cid).status for cid in (case_id, new_case)} == {"联合劝返"}  # type: ignore[union-attr]
    semester = semesters.current_name(w.district)
    matching.run_match(w.district, semester)
    assert matching.district_totals(w.district, semester)[matching.DUPLICATES] == 0


def _open_by_school(store: Store) -> dict[str, int]:
    return {f.code: f.open_cases for f in district.school_figures(store)}


def _open_by_township(store: Store) -> dict[str, int]:
    return {t.township: t.open_cases for t in district.township_figures(district.school_figures(store))}


def test_the_district_counts_a_handed_over_child_once(world: World, tmp_path: Path) -> None:
    """The district's open-case figures (overview, per school, per township): while the handover is in flight the
    child counts at A, whose case is the only one; once B's acceptance (and its new case) arrives, at B only, though
    A's case stays open at the district until A's closing arrives; then still at B only."""
    w = world

    def figures() -> tuple[int, dict[str, int], dict[str, int], dict[str, int]]:
        data = lifecycle.overview(w.district)
        assert sum(n for _reason, n in data.by_reason) == sum(n for _grade, n in data.by_grade) == data.open_count
        assert sum(n for _town, n in data.by_township) == data.open_count
        return data.open_count, _open_by_school(w.district), _open_by_township(w.district), data.by_status

    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    w.round(w.a, w.b)  # the request reaches the district, which forwards it to B
    opened, schools, towns, statuses = figures()
    assert (opened, schools, towns) == (1, {A[0]: 1, B[0]: 0, C[0]: 0}, {A[2]: 1, B[2]: 0, C[2]: 0})
    assert statuses["联合劝返"] == 1
    new_case = handover.accept(w.b, handover.incoming(w.b)[0].id)
    send(w.b, "district", w.district, w.usb)  # B's acceptance and new case arrive; A's closing has not
    with w.district.read() as s:
        assert {s.get(Case, cid).status for cid in (case_id, new_case)} == {"联合劝返"}  # type: ignore[union-attr]
    opened, schools, towns, statuses = figures()
    assert (opened, schools, towns) == (1, {A[0]: 0, B[0]: 1, C[0]: 0}, {A[2]: 0, B[2]: 1, C[2]: 0})
    assert statuses["联合劝返"] == 1
    assert lifecycle.overview(w.b).open_count == 1 and lifecycle.overview(w.a).open_count == 1  # the schools' own
    w.round(w.a)  # the answer goes back to A, whose case closes (移交) …
    w.round(w.a)  # … and the closing reaches the district
    assert lifecycle.overview(w.a).open_count == 0
    opened, schools, towns, _statuses = figures()
    assert (opened, schools, towns) == (1, {A[0]: 0, B[0]: 1, C[0]: 0}, {A[2]: 0, B[2]: 1, C[2]: 0})


# --- 撤回移交 ---------------------------------------------------------------------------------------------

def _transfer_states(store: Store) -> list[str]:
    return [h.state for h in handover.handovers(store)]


def test_a_handover_withdrawn_before_the_district_forwards_it_is_never_forwarded(world: World, tmp_path: Path) -> None:
    w = world
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    before = dump(w.a)
    with pytest.raises(ValidationError, match="请填写撤回移交的原因"):
        handover.withdraw_handover(w.a, case_id, "  ")
    assert dump(w.a) == before
    handover.withdraw_handover(w.a, case_id, "家长决定暂不搬家")
    assert handover.in_flight_request(w.a, case_id) == ""
    assert any("已撤回：家长决定暂不搬家" in line for line in handover.chain_lines(w.a, case_id))
    with pytest.raises(ValidationError, match="没有等待对方接收的移交"):
        handover.withdraw_handover(w.a, case_id, "再撤一次")
    w.round(w.a, w.b)
    assert _transfer_states(w.district) == [] and handover.in_flight_count(w.district) == 0
    assert handover.incoming(w.b) == [] and rows(w.b, HandoverItem) == 0
    assert lifecycle.state(w.a, case_id).status == "联合劝返"
    handover.request_handover(w.a, case_id, rules.Request(C[0], TODAY, "其他", "寄住在古溪镇外婆家"))  # again, elsewhere
    for store in (w.district, w.a, w.b):
        assert store.verify().ok


def test_a_forwarded_handover_withdrawn_before_b_answers(world: World, tmp_path: Path) -> None:
    """The district marks its forward 已撤回; B can no longer accept it, its 待办 drops it; the child counts at A."""
    w = world
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    w.round(w.a, w.b)
    [incoming] = handover.incoming(w.b)
    handover.withdraw_handover(w.a, case_id, "家长决定暂不搬家")
    w.round(w.a)
    assert _transfer_states(w.district) == [rules.WITHDRAWN] and handover.in_flight_count(w.district) == 0
    assert any("已撤回" in line for line in handover.chain_lines(w.a, case_id))
    w.round(w.b)
    assert handover.incoming(w.b) == [] and not any(i.kind == "移交" for i in todo.collect(w.b))
    before = dump(w.b)
    with pytest.raises(ValidationError, match="已撤回"):
        handover.accept(w.b, incoming.id)
    assert dump(w.b) == before
    assert {f.code: f.open_cases for f in district.school_figures(w.district)}[A[0]] == 1
    assert lifecycle.state(w.a, case_id).status == "联合劝返"
    for store in (w.district, w.a, w.b):
        assert store.verify().ok


def test_an_acceptance_made_before_the_withdrawal_reached_b_stands(world: World, tmp_path: Path) -> None:
    """B accepted before it heard of the withdrawal: its acceptance stands at the district, A's case closes with
    移交 and its history says the withdrawal came too late; the child counts once, at B."""
    w = world
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    w.round(w.a, w.b)
    new_case = handover.accept(w.b, handover.incoming(w.b)[0].id)  # not yet sent
    handover.withdraw_handover(w.a, case_id, "家长决定暂不搬家")
    w.round(w.a)
    assert _transfer_states(w.district) == [rules.WITHDRAWN]
    send(w.b, "district", w.district, w.usb)  # B's acceptance arrives after the withdrawal
    assert _transfer_states(w.district) == [rules.ACCEPTED]
    w.round(w.a)
    assert lifecycle.state(w.a, case_id).status == "已销号"
    with w.a.read() as s:
        closing = s.execute(select(CaseClosing).where(CaseClosing.case_id == case_id)).scalar_one()
        assert (closing.reason, closing.school) == ("移交", B[1])
    with w.a.read() as s:
        [late] = s.execute(select(AuditEntry.new_value).where(AuditEntry.record_id == case_id,
                                                              AuditEntry.field == "撤回移交未成功")).scalars()
        assert late is not None and B[1] in late
    w.round(w.a, w.b)
    assert {f.code: f.open_cases for f in district.school_figures(w.district)} == {A[0]: 0, B[0]: 1, C[0]: 0}
    assert lifecycle.state(w.b, new_case).status == "联合劝返"
    for store in (w.district, w.a, w.b):
        assert store.verify().ok
