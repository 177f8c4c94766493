"""全区联查's 待确认建议 and 移交在途 figures: per school and township they count exactly the rows of the list
each opens, follow the schools' answers, and the lists export with masked identity numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from database.models import Case
from desktop_app.domain import handover as rules
from desktop_app.services import handover, matching
from desktop_app.services.census import proposals
from tests import district_fixture, handover_world
from tests.district_fixture import JUNIOR, NINE, PRIMARY, SEM, name_of, round_trip
from tests.handover_world import A, B, C, a_case, hand_over

PENDING, IN_FLIGHT = matching.PENDING_PROPOSALS, matching.IN_FLIGHT


@pytest.fixture
def district(tmp_path: Path) -> Iterator[district_fixture.World]:
    yield from district_fixture.world_at(tmp_path)


@pytest.fixture
def moving(tmp_path: Path) -> Iterator[handover_world.World]:
    yield from handover_world.make_world(tmp_path)


def figures(store, semester: str = SEM) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:  # noqa: ANN001
    schools = matching.school_figures(store, semester)
    towns = matching.township_figures(schools, matching.township_duplicates(store, semester),
                                      matching.in_flight_by_township(store))
    return {s.code: s.counts for s in schools}, {t.township: t.counts for t in towns}


def test_pending_proposals_per_school_and_township_are_their_lists_and_fall_as_schools_decide(
        district: district_fixture.World, tmp_path: Path) -> None:
    w = district
    round_trip(w)
    schools, towns = figures(w.district)
    assert {code: c[PENDING] for code, c in schools.items()} == {PRIMARY[0]: 5, JUNIOR[0]: 2, NINE[0]: 0}
    assert {town: c[PENDING] for town, c in towns.items()} == {"米心镇": 7, "双江镇": 0}
    for code, counts in schools.items():
        listed = matching.match_rows(w.district, SEM, PENDING, school_code=code)
        assert len(listed) == counts[PENDING] == matching.match_count(w.district, SEM, PENDING, school_code=code)
    for town, counts in towns.items():
        assert len(matching.match_rows(w.district, SEM, PENDING, township=town)) == counts[PENDING]
    assert matching.district_totals(w.district, SEM)[PENDING] == 7
    junior = matching.match_rows(w.district, SEM, PENDING, school_code=JUNIOR[0])
    header = matching.list_headers(PENDING)
    assert sorted((r[header.index("姓名")], r[header.index("找到的学校")]) for r in junior) == \
        sorted([(name_of(w, "R1"), NINE[1]), (name_of(w, "R2"), NINE[1])])
    assert all("*" in r[header.index("身份证号码")] for r in junior)

    # the primary accepts everything; once its package reaches the district, nothing waits there any more
    assert proposals.accept_all(district_fixture.school_store(w, PRIMARY[0]), SEM).accepted == 5
    district_fixture.report(w)
    schools, towns = figures(w.district)
    assert (schools[PRIMARY[0]][PENDING], schools[JUNIOR[0]][PENDING], towns["米心镇"][PENDING]) == (0, 2, 2)
    assert matching.match_rows(w.district, SEM, PENDING, school_code=PRIMARY[0]) == []

    out = tmp_path / "待确认.xlsx"
    assert matching.export_list(w.district, out, SEM, PENDING, township="米心镇", reason="督促学校确认") == 2
    ws = load_workbook(out).active
    assert [c.value for c in ws[3]] == list(header)
    exported = {ws.cell(r, 4).value: ws.cell(r, 5).value for r in range(4, ws.max_row + 1)}
    assert set(exported) == {name_of(w, "R1"), name_of(w, "R2")}
    assert all(v and "*" in v and len(v) == 18 for v in exported.values())


def test_handovers_in_flight_count_at_both_schools_once_per_township_and_end_when_answered(
        moving: handover_world.World, tmp_path: Path) -> None:
    w = moving
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    assert figures(w.district, SEM)[0][A[0]][IN_FLIGHT] == 0  # the request has not reached the district yet
    w.round(w.a)  # forwarded by the district
    schools, towns = figures(w.district, SEM)
    assert {code: c[IN_FLIGHT] for code, c in schools.items()} == {A[0]: 1, B[0]: 1, C[0]: 0}
    assert {town: c[IN_FLIGHT] for town, c in towns.items()} == {"米心镇": 1, "双江镇": 1, "古溪镇": 0}
    assert matching.district_totals(w.district, SEM)[IN_FLIGHT] == 1
    header = matching.list_headers(IN_FLIGHT)
    for code, counts in schools.items():
        listed = matching.match_rows(w.district, SEM, IN_FLIGHT, school_code=code)
        assert len(listed) == counts[IN_FLIGHT] == matching.match_count(w.district, SEM, IN_FLIGHT, school_code=code)
    for town, counts in towns.items():
        assert len(matching.match_rows(w.district, SEM, IN_FLIGHT, township=town)) == counts[IN_FLIGHT]
    [row] = matching.match_rows(w.district, SEM, IN_FLIGHT, school_code=B[0])
    shown = dict(zip(header, row, strict=True))
    assert (shown["移出学校"], shown["接收学校"], shown["学生"], shown["状态"]) == (A[1], B[1], "张小明", "待接收")
    assert shown["移交原因"] == "家庭搬迁：随父母搬到双江镇" and "*" in shown["身份证号码"]

    out = tmp_path / "移交在途.xlsx"
    assert matching.export_list(w.district, out, SEM, IN_FLIGHT, reason="跟踪移交") == 1
    ws = load_workbook(out).active
    assert [c.value for c in ws[3]] == list(header)
    number = ws.cell(4, header.index("身份证号码") + 1).value
    assert number == shown["身份证号码"] and "*" in number and len(number) == 18

    w.round(w.b)  # B receives the case ...
    [incoming] = handover.incoming(w.b)
    handover.accept(w.b, incoming.id)
    w.round(w.b)  # ... and its acceptance reaches the district
    schools, towns = figures(w.district, SEM)
    assert all(c[IN_FLIGHT] == 0 for c in (*schools.values(), *towns.values()))
    assert matching.match_rows(w.district, SEM, IN_FLIGHT) == []


def test_a_handover_between_two_schools_of_one_township_counts_once_for_the_township(
        district: district_fixture.World) -> None:
    w = district
    round_trip(w)  # the schools now hold the district's list of schools
    with w.primary.read() as s:
        case_id = s.execute(select(Case.id).where(Case.closed_on.is_(None))).scalars().first()
    handover.request_handover(w.primary, case_id, rules.Request(JUNIOR[0], dt.date.today(), "家庭搬迁", ""))
    district_fixture.report(w)
    schools, towns = figures(w.district)
    assert (schools[PRIMARY[0]][IN_FLIGHT], schools[JUNIOR[0]][IN_FLIGHT], schools[NINE[0]][IN_FLIGHT]) == (1, 1, 0)
    assert towns["米心镇"][IN_FLIGHT] == 1 == matching.match_count(w.district, SEM, IN_FLIGHT, township="米心镇")
    [row] = matching.match_rows(w.district, SEM, IN_FLIGHT, township="米心镇")
    assert row[:4] == [PRIMARY[1], "米心镇", JUNIOR[1], "米心镇"]
    assert matching.match_rows(w.district, SEM, IN_FLIGHT, township="双江镇") == []
