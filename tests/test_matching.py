"""全区联查 at the district over three schools' packages: every kind of match, how each was made, the
not-found leavers, duplicate cases, re-runs, the figures and lists, and the CLI lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from database.matching import DistrictMatch
from database.models import Student
from desktop_app.domain.errors import ValidationError
from desktop_app.services import matching, semesters
from tests.helpers.cli import run
from tests.matching_world import (
    CENSUS_HEADER,
    JUNIOR,
    NINE,
    PRIMARY,
    SEM,
    World,
    build,
    census_row,
    enrolled,
    kid,
    roster,
)

pytestmark = pytest.mark.both_backends


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build(tmp_path)
    yield w
    w.close()


def matches(w: World) -> dict[tuple[str, str], DistrictMatch]:
    """(kind, child's name) -> the match still standing (the first of several)."""
    with w.district.read() as s:
        rows = s.execute(select(DistrictMatch, Student.name).join(Student, Student.id == DistrictMatch.student_id)
                         .where(DistrictMatch.status == matching.CURRENT).order_by(DistrictMatch.id)).all()
    out: dict[tuple[str, str], DistrictMatch] = {}
    for m, name in rows:
        out.setdefault((m.kind, name), m)
    return out


def node(w: World, code: str) -> str:
    return next(p.node_id for p in __import__("desktop_app.services.sync", fromlist=["peers"]).peers(w.district)
                if p.code == code)


def test_each_kind_of_match_with_how_it_was_made(world: World) -> None:
    w, k = world, world.kids
    summary = matching.run_match(w.district, SEM)
    got = matches(w)
    p, j, n = node(w, PRIMARY[0]), node(w, JUNIOR[0]), node(w, NINE[0])

    def at(kind: str, key: str) -> tuple[str, str, str, str, str]:
        m = got[(kind, k[key]["name"])]
        return m.result, m.method, m.school_node, m.other_node, m.grade

    # census children without a status at the primary: proposed 区内他校在读 with that school and grade
    assert at("摸排", "C1") == ("区内他校在读", "身份证号", p, j, "八年级")
    assert at("摸排", "C2")[:4] == ("区内他校在读", "身份证号", p, n)
    assert got[("摸排", k["C2"]["name"])].place == "本校在读"  # an in-school status there, not the roster
    assert at("摸排", "C5") == ("区内他校在读", "同名、同监护人", p, n, "五年级")  # no number there, birth differs
    assert ("摸排", k["C3"]["name"]) not in got  # checked at its own school
    assert ("摸排", k["C4"]["name"]) not in got  # nowhere: the primary keeps looking
    # 小升初: found anywhere (at the junior by number, at the nine-year school by name + birth + sex)
    assert at("小升初", "L1") == ("已找到", "身份证号", p, j, "七年级")
    assert at("小升初", "L3") == ("已找到", "姓名+出生日期+性别", p, n, "七年级")
    assert at("小升初", "N1") == ("已找到", "身份证号", n, n, "七年级")  # at its own 九年一贯制 school
    assert at("小升初", "L2") == ("衔接未找到", "", p, "", "")
    # 返校: the transfer is confirmed with the receiving school; a not-returned student is found
    assert at("返校", "R1") == ("转学已确认", "身份证号", j, n, "八年级")
    assert at("返校", "R2") == ("未返校已找到", "身份证号", j, n, "八年级")
    assert ("返校", k["R3"]["name"]) not in got
    # the same child with open cases at two schools
    dup = got[("重复立案", k["D1"]["name"])]
    assert (dup.result, dup.method, {dup.school_node, dup.other_node}) == ("重复立案", "身份证号", {p, j})
    # found: C1 C2 C5 L1 L3 N1 R1 R2; not found: L2; one duplicate pair
    assert (summary.found, summary.not_found, summary.duplicates) == (8, 1, 1)
    assert summary.line() == "联查：找到 8 人，未找到 1 人，重复立案 1 件"


def test_a_rerun_keeps_matches_and_clears_what_is_no_longer_true(world: World) -> None:
    w, k = world, world.kids
    matching.run_match(w.district, SEM)
    with w.district.read() as s:
        before = {r.id: r.first_found_at for r in s.execute(select(DistrictMatch)).scalars()}
    assert matching.run_match(w.district, SEM).line() == "联查：找到 8 人，未找到 1 人，重复立案 1 件"
    with w.district.read() as s:
        again = {r.id: r.first_found_at for r in s.execute(select(DistrictMatch)).scalars()}
    assert again == before  # the same rows, first found when they were first found
    # L2 turns up at the junior: the next package and run find her, and the old answer is cleared, not deleted
    roster(w.junior, w.tmp, "enrolled", [enrolled(JUNIOR[1], k["L2"], "七年级")], SEM)
    w.report()
    assert matching.run_match(w.district, SEM).line() == "联查：找到 9 人，未找到 0 人，重复立案 1 件"
    with w.district.read() as s:
        lost = s.execute(select(DistrictMatch.status).join(Student, Student.id == DistrictMatch.student_id)
                         .where(Student.name == k["L2"]["name"], DistrictMatch.result == "衔接未找到")).scalar_one()
    assert lost == matching.CLEARED
    assert matches(w)[("小升初", k["L2"]["name"])].result == "已找到"
    assert w.district.verify().ok  # the run is in the history and nothing else changed


def test_figures_per_school_and_township_and_their_lists(world: World, tmp_path: Path) -> None:
    w, k = world, world.kids
    assert matching.not_found_count(w.district, SEM) is None  # not run yet
    matching.run_match(w.district, SEM)
    rows = {f.code: f.counts for f in matching.school_figures(w.district, SEM)}
    assert rows[PRIMARY[0]] == {"他校找到": 5, "未找到": 1, "重复立案": 1, "数据比对": 0}  # C1 C2 C5, L1 L3 elsewhere
    assert rows[JUNIOR[0]] == {"他校找到": 2, "未找到": 0, "重复立案": 1, "数据比对": 0}
    assert rows[NINE[0]] == {"他校找到": 0, "未找到": 0, "重复立案": 0, "数据比对": 0}  # N1 found at its own school
    towns = {t.township: t.row() for t in matching.township_figures(matching.school_figures(w.district, SEM),
                                                                   matching.township_duplicates(w.district, SEM))}
    # the duplicate pair lies within 米心镇: once for the township, once for each of its two schools
    assert towns == {"米心镇": ["米心镇", 2, 7, 1, 1, 0], "双江镇": ["双江镇", 1, 0, 0, 0, 0]}
    assert matching.not_found_count(w.district, SEM) == 1
    assert matching.district_totals(w.district, SEM) == {"他校找到": 7, "未找到": 1, "重复立案": 1, "数据比对": 0}
    lost = matching.match_rows(w.district, SEM, matching.NOT_FOUND)
    assert [(r[0], r[3], r[6]) for r in lost] == [(PRIMARY[1], k["L2"]["name"], "衔接未找到")]
    assert "*" in lost[0][4]  # masked in lists
    elsewhere = matching.match_rows(w.district, SEM, matching.OTHER_SCHOOL, school_code=JUNIOR[0])
    assert sorted((r[3], r[7]) for r in elsewhere) == sorted([(k["R1"]["name"], NINE[1]), (k["R2"]["name"], NINE[1])])
    assert len(matching.match_rows(w.district, SEM, matching.DUPLICATES, township="双江镇")) == 0
    assert matching.match_count(w.district, SEM, matching.OTHER_SCHOOL, township="米心镇") == 7
    out = tmp_path / "lost.xlsx"
    assert matching.export_list(w.district, out, SEM, matching.NOT_FOUND, reason="衔接核查") == 1
    ws = load_workbook(out).active
    assert ws.cell(4, 4).value == k["L2"]["name"] and ws.cell(4, 7).value == "衔接未找到"


def test_matching_is_refused_at_a_school(world: World) -> None:
    with pytest.raises(ValidationError, match="只能在区教委运行"):
        matching.run_match(world.primary, SEM)


def test_transitions_at_the_district_and_at_a_school(world: World) -> None:
    w, k = world, world.kids
    report = matching.transitions(w.district, SEM, "小升初")
    assert report.line() == "已找到 3 人，未找到 1 人"
    where = {r.name: r.where for r in report.leavers}
    assert where[k["L1"]["name"]] == f"{JUNIOR[1]}七年级" and where[k["L2"]["name"]] == ""
    # the primary alone sees none of its leavers (the junior's data is not in its store)
    assert matching.transitions(w.primary, SEM, "小升初").line() == "已找到 0 人，未找到 3 人"
    assert matching.transitions(w.nine, SEM, "小升初").line() == "已找到 1 人，未找到 0 人"
    with pytest.raises(ValidationError, match="小升初"):
        matching.transitions(w.district, SEM, "初升高")


def test_cli_match_and_transitions(world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.accounts import ADMIN_PASSWORD

    w = world
    semesters.choose_current(w.district, SEM)
    semesters.choose_current(w.primary, SEM)
    d, p = str(w.district.path.parent), str(w.primary.path.parent)
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)  # each office's administrator (tests/sync_helpers.py)
    monkeypatch.setenv("BAOXUE_USER", "督导员")
    code, out, err = run(capsys, "--data-dir", d, "match")
    assert (code, out.strip(), err) == (0, "联查：找到 8 人，未找到 1 人，重复立案 1 件", "")
    xlsx = tmp_path / "t.xlsx"
    code, out, err = run(capsys, "--data-dir", d, "transitions", "--semester", SEM, "--kind", "小升初",
                         "--out", str(xlsx))
    assert code == 0 and out.splitlines()[0] == "已找到 3 人，未找到 1 人"
    assert load_workbook(xlsx).active.max_row == 3 + 4
    monkeypatch.setenv("BAOXUE_USER", "周老师")
    code, out, _err = run(capsys, "--data-dir", p, "transitions", "--semester", SEM, "--kind", "幼升小")
    assert (code, out.strip()) == (0, "已找到 0 人，未找到 0 人")
    code, out, err = run(capsys, "--data-dir", p, "match")
    assert code == 1 and out == "" and err.strip() == "错误：全区联查只能在区教委运行：学校只看得到本校的数据"
    code, _out, err = run(capsys, "--data-dir", d, "transitions", "--semester", "2026", "--kind", "小升初")
    assert code == 1 and err.startswith("错误：") and "Traceback" not in err


def test_the_districts_own_rosters_are_compared_with_every_schools_data(world: World) -> None:
    """N-13 at the district: children of a household register or monitored-household list the district imported
    that no school has enrolled or checked are flagged, each assigned to a school by township and village."""
    w, k = world, world.kids
    village = k["C1"]["village"]
    x1 = dict(kid(901, dt.date(2016, 3, 3), "钱晨阳"), village=village)  # the primary's village
    x2 = dict(kid(903, dt.date(2016, 4, 4), "孙若曦"), township="双江镇", village="新民村")  # that township only
    x3 = dict(kid(905, dt.date(2016, 5, 5), "朱嘉豪"), township="别的镇", village="某村")  # no school there
    x4 = dict(kid(907, dt.date(2015, 6, 6), "何一诺"), village=village)  # a monitored household's child
    roster(w.district, w.tmp, "census", [census_row(c) for c in (x1, x2, x3, k["L1"])], header=CENSUS_HEADER)
    roster(w.district, w.tmp, "monitored", [census_row(c) for c in (x4, k["C3"])], header=CENSUS_HEADER)
    summary = matching.run_match(w.district, SEM)
    assert summary.line() == "联查：找到 8 人，未找到 1 人，重复立案 1 件"  # the comparison adds no "found"
    assert summary.compared == 4  # L1 is enrolled at the junior, C3 checked at the primary
    got = matches(w)
    p, n = node(w, PRIMARY[0]), node(w, NINE[0])
    hits = {name: (m.result, m.school_node, m.place) for (kind, name), m in got.items() if kind == "数据比对"}
    assert hits == {
        "钱晨阳": ("户籍在册但全区学籍名册中没有", p, "按户籍村分配到学校"),
        "孙若曦": ("户籍在册但全区学籍名册中没有", n, "按乡镇分配到学校"),
        "朱嘉豪": ("户籍在册但全区学籍名册中没有", "", "未能按乡镇、村确定学校"),
        "何一诺": ("监测户/边缘户儿童没有就读状态", p, "按户籍村分配到学校"),
    }
    rows = {f.code: f.counts["数据比对"] for f in matching.school_figures(w.district, SEM)}
    assert rows == {PRIMARY[0]: 2, JUNIOR[0]: 0, NINE[0]: 1}
    assert matching.district_totals(w.district, SEM)["数据比对"] == 4  # the unassigned one too
    listed = matching.match_rows(w.district, SEM, matching.COMPARED, school_code=PRIMARY[0])
    assert sorted(r[3] for r in listed) == sorted(["钱晨阳", "何一诺"]) and all(r[7] == "" for r in listed)
