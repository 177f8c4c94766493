"""The district's census-completion and home-teaching-compliance figures, computed from the rows the
schools sent, match each school's own figures (census and home-teaching services)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop_app.domain.care import DisabilityFile, Tag
from desktop_app.domain.home_teaching import SessionEntry
from desktop_app.domain.identity import make_id_number
from desktop_app.services import care, census, district, home_teaching, sync
from desktop_app.services.store import Store
from tests.helpers import rosters as R
from tests.sync_helpers import make_district, make_school, send

pytestmark = pytest.mark.both_backends

D = dt.date
SEM = "2026秋"
TODAY = D(2026, 11, 20)
SPECS = [("2150022311", "米心镇中心小学", "米心镇"), ("2150022312", "米心镇第二小学", "米心镇"),
         ("2150022313", "古溪镇中心小学", "古溪镇")]


def census_work(school: Store, tmp_path: Path, n: int, checked: int, seed: int) -> None:
    kids = R.children(n, seed=seed)
    path = R.write_census_xlsx(tmp_path / f"census-{seed}.xlsx", [R.census_cells(i + 1, c) for i, c in enumerate(kids)])
    census.import_roster(school, path, "census")
    rows = census.children_page(school, census.ChildQuery(SEM), 0, checked)
    for row in rows:
        census.mark_status(school, row["student_id"], SEM, census.StatusEntry(
            status="本校在读", method="全国学籍管理系统", checked_by="周老师", checked_on=D(2026, 9, 10)))


def home_teaching_work(school: Store, children: int, visits: int, seed: int) -> None:
    rng = random.Random(seed)
    for k in range(children):
        number = make_id_number("500223", D(2014, 1, 1) + dt.timedelta(days=rng.randint(0, 900)), 500 + seed * 10 + k)
        sid = care.register_student(school, care.NewStudent(f"陈小{k}", number, "陈国强", "父亲", "13700001234"),
                                    [Tag("身体残疾")])
        care.save_disability(school, sid, DisabilityFile("多重", "一级", "", "送教上门", D(2026, 9, 1), True))
        plan = home_teaching.save_plan(school, home_teaching.PlanEntry(sid, SEM, "王老师", "生活语文", weekday=1))
        for week in range(visits + k):  # Tuesdays from 8 September; the national-day week is a holiday
            day = D(2026, 9, 8) + dt.timedelta(weeks=week)
            hours = 1 if week % 4 == 3 else 2  # every fourth visit is too short
            home_teaching.log_session(school, plan, SessionEntry(day, hours, "送文化", "王老师", "认字", True, "陈国强"))


def own_ratios(school: Store) -> tuple[tuple[int, int], tuple[int, int]]:
    progress = census.village_progress(school, SEM)
    plans = home_teaching.plan_rows(school, SEM, TODAY)
    return ((sum(p.checked for p in progress), sum(p.total for p in progress)),
            (sum(p["met_weeks"] for p in plans), sum(p["due_weeks"] for p in plans)))


def test_district_census_and_home_teaching_figures_match_each_school(tmp_path: Path, usb: Path) -> None:
    dist = make_district(tmp_path / "d")
    schools = [make_school(tmp_path / code, dist, code, name, town, usb) for code, name, town in SPECS]
    try:
        for school in schools:  # the first package carries the school's keys (and its own "2026秋")
            send(school, "district", dist, usb)
        district.publish_semester(dist, SEM, D(2026, 9, 1), D(2027, 1, 22))
        home_teaching.propose_calendar(dist, SEM)
        for school, (code, _n, _t) in zip(schools, SPECS, strict=True):
            send(dist, code, school, usb)  # the district's calendar, which the schools and the district judge by
            assert home_teaching.term_calendar(school, SEM) == home_teaching.term_calendar(dist, SEM)
        work = [(12, 12, 2, 6), (9, 4, 1, 3), (7, 0, 3, 9)]  # census children, checked, plans, visits
        for i, (school, (n, checked, plans, visits)) in enumerate(zip(schools, work, strict=True)):
            census_work(school, tmp_path, n, checked, seed=11 + i)
            home_teaching_work(school, plans, visits, seed=i)
        own = [own_ratios(s) for s in schools]
        assert own[0][0] == (12, 12) and own[1][0] == (4, 9) and own[2][0] == (0, 7)
        assert len({o[1] for o in own}) == 3 and all(0 < met < due for met, due in (o[1] for o in own))
        for school in schools:
            send(school, "district", dist, usb)

        figures = {f.code: f for f in district.school_figures(dist, TODAY)}
        for school, (code, _n, _t), (census_own, teaching_own) in zip(schools, SPECS, own, strict=True):
            got = figures[code].ratios
            assert (got["摸排完成率"].done, got["摸排完成率"].total) == census_own
            assert (got["送教上门合规率"].done, got["送教上门合规率"].total) == teaching_own
            mine = district.own_figures(school, TODAY)  # the school's own view computes the same
            assert mine.extra == figures[code].extra
        assert figures["2150022312"].extra["摸排完成率"] == "44.4%（4/9）"
        towns = {t.township: t for t in district.township_figures(list(figures.values()))}
        census_town = towns["米心镇"].ratios["摸排完成率"]
        assert (census_town.done, census_town.total) == (16, 21)

        report = district.export_report(dist, tmp_path / "督导.xlsx", TODAY)
        wb = load_workbook(report)
        ws = wb["各校情况"]
        headers = [c.value for c in ws[2]]
        col = headers.index("摸排完成率") + 1
        by_code = {ws.cell(r, 1).value: ws.cell(r, col).value for r in range(3, 6)}
        assert by_code["2150022312"] == "44.4%（4/9）" and by_code["2150022311"] == "100.0%（12/12）"
        assert by_code["2150022313"] == "0.0%（0/7）"
        ws2 = wb["各乡镇汇总"]
        town_headers = [c.value for c in ws2[2]]
        assert "送教上门合规率" in town_headers
        town_row = next(r for r in ws2.iter_rows(min_row=3, values_only=True) if r[0] == "米心镇")
        assert town_row[town_headers.index("摸排完成率")] == "76.2%（16/21）"
        assert dist.verify().ok
    finally:
        for s in (*schools, dist):
            s.close()


def test_a_school_without_census_or_plans_shows_a_dash(tmp_path: Path, usb: Path) -> None:
    dist = make_district(tmp_path / "d")
    school = make_school(tmp_path / "s", dist, *SPECS[0], usb)
    try:
        send(school, "district", dist, usb)
        [row] = district.school_figures(dist, TODAY)
        assert row.extra == {"摸排完成率": "—", "送教上门合规率": "—"}
        assert sync.pending_count(school, "district") == 0
    finally:
        school.close()
        dist.close()
