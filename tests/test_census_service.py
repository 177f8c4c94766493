"""Census rules: age window, statuses and sweep completion, out-of-district contacts, return check,
transitions and data comparison on hand-made examples."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from database.models import AuditEntry, Case
from desktop_app.domain.census import birth_window, in_age_window, school_year_cutoff
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import ValidationError
from desktop_app.services import cases, census, semesters, settings, todo
from desktop_app.services.store import Store
from tests.helpers import rosters as R

SEM = "2026秋"


def load_census(store: Store, tmp_path: Path, kids: list[dict], name: str = "c.xlsx") -> None:
    path = R.write_census_xlsx(tmp_path / name, [R.census_cells(i + 1, c) for i, c in enumerate(kids)])
    assert census.import_roster(store, path, "census").accepted == len(kids)


def load_enrolled(store: Store, tmp_path: Path, kids: list[dict], semester: str, grade: str = "五年级",
                  grades: list[str] | None = None) -> None:
    rows = [R.enrolled_cells(c, (grades or [grade] * len(kids))[i]) for i, c in enumerate(kids)]
    path = R.write_plain_xlsx(tmp_path / f"e-{semester}-{len(kids)}.xlsx", R.ENROLLED_HEADER, rows)
    assert census.import_roster(store, path, "enrolled", semester=semester).accepted == len(kids)


def sid(store: Store, id_number: str) -> str:
    from database.models import Student

    with store.read() as s:
        return s.execute(select(Student.id).where(Student.id_number == id_number)).scalar_one()


def entry(status: str = "本校在读", **kw: object) -> census.StatusEntry:
    return census.StatusEntry(status=status, method=kw.pop("method", "全国学籍管理系统"),  # type: ignore[arg-type]
                              checked_by="周老师", checked_on=dt.date(2026, 9, 10), **kw)  # type: ignore[arg-type]


def test_cutoff_and_window_boundaries() -> None:
    assert school_year_cutoff("2026秋") == school_year_cutoff("2027春") == dt.date(2026, 8, 31)
    assert birth_window("2026秋", 6, 15) == (dt.date(2010, 9, 1), dt.date(2020, 8, 31))
    assert in_age_window(dt.date(2020, 8, 31), "2026秋", 6, 15)  # turns 6 on the cutoff day
    assert not in_age_window(dt.date(2020, 9, 1), "2026秋", 6, 15)  # one day too young
    assert in_age_window(dt.date(2010, 9, 1), "2026秋", 6, 15)  # still 15 on the cutoff day
    assert not in_age_window(dt.date(2010, 8, 31), "2026秋", 6, 15)  # turned 16 that day
    assert in_age_window(dt.date(2020, 2, 29), "2027春", 6, 15)


def test_ledger_counts_only_the_age_window_and_follows_settings(store: Store, tmp_path: Path) -> None:
    rng = random.Random(3)
    births = [dt.date(2020, 8, 31), dt.date(2020, 9, 1), dt.date(2010, 9, 1), dt.date(2010, 8, 31), dt.date(2015, 3, 3)]
    kids = [R.child(i, rng, birth=b, village="青龙村") for i, b in enumerate(births)]
    load_census(store, tmp_path, kids)
    assert census.children_count(store, census.ChildQuery(SEM)) == 3
    settings.put(store, census.MIN_AGE.key, 7)
    assert census.children_count(store, census.ChildQuery(SEM)) == 2
    settings.put(store, census.MAX_AGE.key, 16)
    assert census.children_count(store, census.ChildQuery(SEM)) == 3


def test_progress_and_sweep_cannot_complete_with_an_unchecked_child(store: Store, tmp_path: Path) -> None:
    rng = random.Random(5)
    kids = [R.child(i, rng, village=v) for i, v in enumerate(["青龙村", "青龙村", "米心村"])]
    load_census(store, tmp_path, kids)
    progress = {p.village: (p.checked, p.total) for p in census.village_progress(store, SEM)}
    assert progress == {"青龙村": (0, 2), "米心村": (0, 1)}
    census.mark_status(store, sid(store, kids[0]["id_number"]), SEM, entry())
    census.mark_status(store, sid(store, kids[2]["id_number"]), SEM, entry("区内他校在读", school="米心中学"))
    progress = {p.village: (p.checked, p.total) for p in census.village_progress(store, SEM)}
    assert progress == {"青龙村": (1, 2), "米心村": (1, 1)}
    with pytest.raises(ValidationError, match=f"还有 1 名.*{kids[1]['name']}"):
        census.complete_sweep(store, SEM, "王校长")
    assert census.sweep_completed(store, SEM) is None
    census.mark_status(store, sid(store, kids[1]["id_number"]), SEM, entry("区外就读", method="监护人电话",
                                                                            school="东莞市长安小学", place="广东省东莞市"))
    sweep = census.complete_sweep(store, SEM, "王校长")
    assert sweep.children == 3 and census.sweep_completed(store, SEM) is not None
    with pytest.raises(ValidationError, match="已标记完成"):
        census.complete_sweep(store, SEM, "王校长")


def test_status_rules(store: Store, tmp_path: Path) -> None:
    kid = R.children(1)[0]
    load_census(store, tmp_path, [kid])
    with pytest.raises(ValidationError) as err:
        census.mark_status(store, sid(store, kid["id_number"]), SEM, entry("区外就读", method=""))
    fields = {e.field for e in err.value.errors}
    assert fields == {"method", "school", "place"}
    census.mark_status(store, sid(store, kid["id_number"]), SEM, entry("疑似辍学", method="入户走访"))
    census.mark_status(store, sid(store, kid["id_number"]), SEM, entry("本校在读"))
    assert census.status_of(store, sid(store, kid["id_number"]), SEM).status == "本校在读"
    assert store.verify().ok


def test_overdue_contact_reminder(store: Store, tmp_path: Path) -> None:
    semesters.choose_current(store, SEM)
    kid = R.children(1)[0]
    load_census(store, tmp_path, [kid])
    child = sid(store, kid["id_number"])
    census.mark_status(store, child, SEM, entry("区外就读", school="成都市某小学", place="四川省成都市"))
    due = [t for t in todo.collect(store, dt.date(2026, 10, 11)) if t.kind == "区外联系"]
    assert len(due) == 1 and kid["name"] in due[0].title and due[0].target == ("student", child)
    assert due[0].due == dt.date(2026, 10, 10)  # 30 days after the check
    census.log_contact(store, child, dt.date(2026, 10, 11), "电话", "周老师", "监护人说孩子在校正常")
    assert [t for t in todo.collect(store, dt.date(2026, 11, 9)) if t.kind == "区外联系"] == []
    assert len([t for t in todo.collect(store, dt.date(2026, 11, 10)) if t.kind == "区外联系"]) == 1
    # the command line lists it too: a fresh process registers every area's reminders, not only its own
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "desktop_app.cli", "--data-dir", str(store.data_dir), "todo",
                           "--date", "2026-11-10"], capture_output=True, text=True, encoding="utf-8", check=True)
    assert f"2026-11-10\t区外联系\t联系区外就读儿童{kid['name']}的监护人" in done.stdout
    settings.put(store, census.CONTACT_DAYS.key, 60)
    assert [t for t in todo.collect(store, dt.date(2026, 11, 10)) if t.kind == "区外联系"] == []


def test_return_check_creates_the_right_cases(store: Store, tmp_path: Path) -> None:
    kids = R.children(4)
    load_enrolled(store, tmp_path, kids, "2026春", grades=["四年级", "四年级", "五年级", "六年级"])
    load_enrolled(store, tmp_path, kids[:1], SEM, "五年级")
    rows = {r.name: r for r in census.return_rows(store, SEM)}
    assert len(rows) == 4 and rows[kids[0]["name"]].in_current_roster
    assert census.mark_returned_from_roster(store, SEM, "周老师") == 1
    ids = [sid(store, k["id_number"]) for k in kids]
    census.mark_return(store, ids[1], SEM, "转学", checked_by="周老师", destination="潼南区实验小学")
    census.mark_return(store, ids[2], SEM, "未返校", checked_by="周老师")
    with pytest.raises(ValidationError, match="不是“未返校”"):
        census.case_for_not_returned(store, ids[1], SEM)
    case_id = census.case_for_not_returned(store, ids[2], SEM)
    form = cases.load_form(store, case_id)
    assert (form.name, form.id_number, form.guardian1_name, form.grade, form.status) == (
        kids[2]["name"], kids[2]["id_number"], kids[2]["guardian"], "五年级", CaseStatus.SUSPECTED.value)
    assert cases.open_case_count(store) == 1
    assert {r.student_id: r.case_id for r in census.return_rows(store, SEM)}[ids[2]] == case_id
    with pytest.raises(ValidationError, match="已有未销号的案件"):
        census.case_for_not_returned(store, ids[2], SEM)
    with store.read() as s:
        assert s.execute(select(Case.student_id)).scalars().all() == [ids[2]]  # the same student row
        source = s.execute(select(AuditEntry.new_value).where(
            AuditEntry.record_id == case_id, AuditEntry.field == "立案来源")).scalar_one()
        assert source == f"{SEM}返校核查：未返校"
    assert store.verify().ok


def test_transition_primary_to_junior(store: Store, tmp_path: Path) -> None:
    kids = R.children(3)
    load_enrolled(store, tmp_path, kids, "2026春", "六年级")
    load_enrolled(store, tmp_path, kids[:1], SEM, "七年级")
    load_census(store, tmp_path, kids)
    census.mark_status(store, sid(store, kids[1]["id_number"]), SEM, entry("区内他校在读", school="潼南中学"))
    rows = {r.name: r for r in census.transition_rows(store, SEM, census.PRIMARY_TO_JUNIOR)}
    assert rows[kids[0]["name"]].found and rows[kids[0]["name"]].where == "本校七年级"
    assert rows[kids[1]["name"]].where == "区内他校在读：潼南中学"
    assert not rows[kids[2]["name"]].found
    case_id = census.open_suspected_case(store, rows[kids[2]["name"]].student_id, "七年级", "小升初未衔接")
    assert cases.load_form(store, case_id).name == kids[2]["name"]


def test_transition_kindergarten_to_primary(store: Store, tmp_path: Path) -> None:
    rng = random.Random(9)
    kids = [R.child(i, rng, birth=dt.date(2020, 3, 1 + i)) for i in range(2)]
    path = R.write_plain_xlsx(tmp_path / "k.xlsx", ["幼儿园", "姓名", "身份证号", "家长姓名"],
                              [["米心幼儿园", c["name"], c["id_number"], c["guardian"]] for c in kids])
    assert census.import_roster(store, path, "kindergarten").accepted == 2
    load_enrolled(store, tmp_path, kids[:1], SEM, "一年级")
    rows = census.transition_rows(store, SEM, census.KINDERGARTEN_TO_PRIMARY)
    assert {r.name: r.found for r in rows} == {kids[0]["name"]: True, kids[1]["name"]: False}


def test_comparison_lists(store: Store, tmp_path: Path) -> None:
    rng = random.Random(11)
    kids = [R.child(i, rng) for i in range(6)]
    # Census: kids 0-4. Registry (enrolled): kids 0, 1, 5 and a twin record of kid 3 without identity number.
    load_census(store, tmp_path, kids[:5])
    load_enrolled(store, tmp_path, [kids[0], kids[1], kids[5]], SEM)
    twin = R.enrolled_cells(kids[3], "五年级")
    twin[5] = twin[6] = ""
    census.import_roster(store, R.write_plain_xlsx(tmp_path / "twin.xlsx", R.ENROLLED_HEADER, [twin]),
                         "enrolled", semester=SEM)
    census.mark_status(store, sid(store, kids[2]["id_number"]), SEM, entry("区外就读", school="某校", place="广州"))
    census.mark_status(store, sid(store, kids[1]["id_number"]), SEM, entry("疑似辍学", method="入户走访"))
    monitored = R.write_plain_xlsx(tmp_path / "m.xlsx", ["户类型", "姓名", "身份证号码", "监护人"], [
        ["监测户", kids[4]["name"], kids[4]["id_number"], kids[4]["guardian"]],
        ["边缘户", kids[0]["name"], kids[0]["id_number"], kids[0]["guardian"]],
    ])
    assert census.import_roster(store, monitored, "monitored").accepted == 2

    registered = {h.name: h for h in census.compare(store, SEM, census.REGISTERED_NOT_IN_REGISTRY)}
    assert set(registered) == {kids[3]["name"], kids[4]["name"]}
    fuzzy = registered[kids[3]["name"]].candidates
    assert len(fuzzy) == 1 and fuzzy[0].id_number == "" and "同出生日期" in fuzzy[0].why
    assert registered[kids[4]["name"]].candidates == []

    not_in_school = census.compare(store, SEM, census.IN_REGISTRY_NOT_IN_SCHOOL)
    assert [(h.name, h.reason) for h in not_in_school] == [(kids[1]["name"], "在本校学籍名册中，但摸排状态为“疑似辍学”")]

    monitored_hits = census.compare(store, SEM, census.MONITORED_WITHOUT_STATUS)
    assert [h.name for h in monitored_hits] == [kids[4]["name"]] and "监测户" in monitored_hits[0].reason

    census.confirm_match(store, registered[kids[3]["name"]].student_id, fuzzy[0].student_id)
    assert {h.name for h in census.compare(store, SEM, census.REGISTERED_NOT_IN_REGISTRY)} == {kids[4]["name"]}
    census.mark_status(store, sid(store, kids[4]["id_number"]), SEM, entry("区内他校在读", school="米心中学"))
    assert census.compare(store, SEM, census.MONITORED_WITHOUT_STATUS) == []


def test_demo_census_gives_every_census_page_something_to_show(store: Store) -> None:
    """The demonstration data: last and this semester's enrolment rosters and a monitored-households list,
    imported through the real import, so the return check, 小升初 and the three comparisons each list
    children a user can act on; and the history stays whole."""
    from desktop_app.services import demo

    demo.load(store, 60, seed=5)
    demo.load_census(store, 120)
    semester = census.current_semester(store)
    returns = census.return_rows(store, semester)
    assert returns and any(r.in_current_roster for r in returns) and not all(r.in_current_roster for r in returns)
    leavers = census.transition_rows(store, semester, census.PRIMARY_TO_JUNIOR) if semester.endswith("秋") else []
    assert not semester.endswith("秋") or (leavers and any(t.found for t in leavers))
    for which in census.COMPARISONS:
        assert census.compare(store, semester, which), which
    # the care register and one child taught at home, visited every school week so far but one
    from desktop_app.services import care, home_teaching

    assert demo.load_care(store) == 12
    assert len(care.register_rows(store)) == 12
    [plan] = home_teaching.plan_rows(store, semester)
    plan_id = plan.get("plan_id") or plan.get("id")
    sessions = home_teaching.sessions(store, plan_id)
    assert sessions and all(s["session_date"] <= dt.date.today() for s in sessions)
    assert store.verify().ok


def test_children_on_the_registry_are_marked_here_in_one_step(store: Store, tmp_path: Path) -> None:
    """按学籍名册标记本校在读: the unchecked children on this semester's enrolment roster become 本校在读
    (checked through 全国学籍管理系统); a child already checked keeps its status; the others stay unchecked."""
    kids = R.children(5)
    load_census(store, tmp_path, kids)
    load_enrolled(store, tmp_path, kids[:3], SEM)
    ids = [sid(store, k["id_number"]) for k in kids]
    census.mark_status(store, ids[0], SEM, entry("区内他校在读", school="潼南区实验小学"))
    assert census.unchecked_on_roster(store, SEM) == sorted(ids[1:3])
    with pytest.raises(ValidationError, match="核查人"):
        census.mark_here_from_roster(store, SEM, "  ")
    assert census.mark_here_from_roster(store, SEM, "周老师") == 2
    statuses = {i: census.status_of(store, i, SEM) for i in ids}
    assert statuses[ids[0]].status == "区内他校在读"  # already checked: unchanged
    for i in ids[1:3]:
        assert (statuses[i].status, statuses[i].method, statuses[i].checked_by, statuses[i].note) == (
            "本校在读", "全国学籍管理系统", "周老师", census.REGISTRY_NOTE)
    assert statuses[ids[3]] is None and statuses[ids[4]] is None  # not on the registry: still to check
    assert census.mark_here_from_roster(store, SEM, "周老师") == 0
    assert store.verify().ok


def test_the_same_status_for_several_children_is_all_or_nothing(store: Store, tmp_path: Path) -> None:
    from desktop_app.domain.errors import NotFoundError

    kids = R.children(3)
    load_census(store, tmp_path, kids)
    ids = [sid(store, k["id_number"]) for k in kids]
    with pytest.raises(NotFoundError):
        census.mark_statuses(store, [ids[0], "no-such-child", ids[1]], SEM, entry())
    assert all(census.status_of(store, i, SEM) is None for i in ids)  # the first was not kept either
    with pytest.raises(ValidationError, match="区内他校在读须填写就读学校"):
        census.mark_statuses(store, ids, SEM, entry("区内他校在读"))
    assert census.mark_statuses(store, [ids[0], ids[1], ids[0]], SEM, entry()) == 2
    assert [census.status_of(store, i, SEM) is not None for i in ids] == [True, True, False]
    assert store.verify().ok
