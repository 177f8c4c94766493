"""A small district for 全区联查 tests: a primary, a junior middle and a 九年一贯制 school, each set up,
enrolled and reporting through real packages on disk, with invented children (valid check digits)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from database.models import Student
from desktop_app.services import cases, census
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers import rosters as R
from tests.sync_helpers import make_district, make_school, send

SEM = "2026秋"
SPRING = "2026春"
PRIMARY = ("5001520001", "米心镇中心小学", "米心镇")
JUNIOR = ("5001520002", "米心镇中学", "米心镇")
NINE = ("5001520003", "双江镇九年一贯制学校", "双江镇")
ENROLLED_HEADER = ["学校名称", "年级", "班级", "姓名", "性别", "身份证件号", "出生日期", "监护人", "联系电话"]


def kid(i: int, birth: dt.date, name: str) -> dict[str, Any]:
    c = R.child(i, random.Random(i), birth=birth)
    c["name"] = name
    return c


@dataclass
class World:
    district: Store
    primary: Store
    junior: Store
    nine: Store
    usb: Path
    tmp: Path
    kids: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def schools(self) -> list[tuple[str, Store]]:
        return [(PRIMARY[0], self.primary), (JUNIOR[0], self.junior), (NINE[0], self.nine)]

    def report(self) -> None:
        """Every school sends its package to the district."""
        for _code, school in self.schools:
            send(school, "district", self.district, self.usb)

    def close(self) -> None:
        for s in (self.district, self.primary, self.junior, self.nine):
            s.close()


def sid(store: Store, name: str) -> str:
    with store.read() as s:
        return s.execute(select(Student.id).where(Student.name == name)).scalar_one()


def roster(store: Store, tmp: Path, kind: str, rows: list[list[Any]], semester: str = "",
           header: list[str] | None = None) -> None:
    path = R.write_plain_xlsx(tmp / f"{kind}-{semester}-{id(rows)}.xlsx", header or ENROLLED_HEADER, rows)
    result = census.import_roster(store, path, kind, semester=semester)
    assert result.accepted == len(rows), result.summary()


def enrolled(school: str, c: dict[str, Any], grade: str, *, with_number: bool = True) -> list[Any]:
    return [school, grade, "1班", c["name"], c["sex"], c["id_number"] if with_number else "",
            c["birth_date"].isoformat(), c["guardian"], c["phone"]]


def census_row(c: dict[str, Any]) -> list[Any]:
    return [c["name"], c["sex"], c["id_number"], c["birth_date"].isoformat(), c["township"], c["village"],
            c["guardian"], c["phone"]]


CENSUS_HEADER = ["姓名", "性别", "身份证号码", "出生日期", "乡镇", "村(社区)", "监护人姓名", "联系电话"]


def build(tmp: Path) -> World:
    usb = tmp / "usb"
    usb.mkdir()
    d = make_district(tmp / "district")
    w = World(d, make_school(tmp / "p", d, *PRIMARY, usb), make_school(tmp / "j", d, *JUNIOR, usb),
              make_school(tmp / "n", d, *NINE, usb), usb, tmp)
    k = w.kids
    names = {
        # 小升初 leavers of the primary (grade 6 in 2026春)
        "L1": ("王子轩", dt.date(2014, 3, 1)),  # enrolled at the junior in 2026秋: found by number
        "L2": ("李雨涵", dt.date(2014, 4, 2)),  # enrolled nowhere: 衔接未找到
        "L3": ("张浩宇", dt.date(2014, 5, 3)),  # at the nine-year school, on its roster without a number
        "N1": ("刘思博", dt.date(2014, 6, 4)),  # the nine-year school's own grade 6, now its grade 7
        # census children of the primary's area
        "C1": ("陈欣怡", dt.date(2013, 7, 5)),  # no status at the primary, enrolled at the junior
        "C2": ("杨佳琪", dt.date(2015, 8, 6)),  # no status at the primary, 本校在读 at the nine-year school
        "C3": ("黄明晨", dt.date(2016, 9, 7)),  # has a status at the primary: not proposed
        "C4": ("赵雪婷", dt.date(2017, 1, 8)),  # no status anywhere: not found (the primary keeps looking)
        "C5": ("吴俊杰", dt.date(2015, 2, 9)),  # at the nine-year school without a number, birth mistyped
        # the junior's students in 2026春 and its return check in 2026秋
        "R1": ("周诗涛", dt.date(2012, 3, 10)),  # 转学 to the nine-year school, enrolled there
        "R2": ("徐鑫磊", dt.date(2012, 4, 11)),  # 未返校, enrolled at the nine-year school
        "R3": ("孙静丽", dt.date(2012, 5, 12)),  # 未返校, nowhere
        # the same child with open cases at the primary and the junior
        "D1": ("马一诺", dt.date(2013, 6, 13)),
    }
    for i, (key, (name, birth)) in enumerate(names.items()):
        k[key] = kid(101 + 2 * i, birth, name)
    p_name, j_name, n_name = PRIMARY[1], JUNIOR[1], NINE[1]
    # the primary: last spring's grade 6, the area's census roster, one status, one case
    roster(w.primary, tmp, "enrolled", [enrolled(p_name, k[x], "六年级") for x in ("L1", "L2", "L3")], SPRING)
    roster(w.primary, tmp, "census", [census_row(k[x]) for x in ("C1", "C2", "C3", "C4", "C5")],
           header=CENSUS_HEADER)
    census.mark_status(w.primary, sid(w.primary, k["C3"]["name"]), SEM, census.StatusEntry(
        "本校在读", "全国学籍管理系统", "周老师", dt.date(2026, 9, 10)))
    d1 = k["D1"]
    cases.save_form(w.primary, full_form(name=d1["name"], id_number=d1["id_number"], student_number=""))
    # the junior: grade 7 now holds L1 and C1 (grade 8); last spring's students and their return check
    roster(w.junior, tmp, "enrolled", [enrolled(j_name, k["L1"], "七年级"), enrolled(j_name, k["C1"], "八年级")], SEM)
    roster(w.junior, tmp, "enrolled", [enrolled(j_name, k[x], "八年级") for x in ("R1", "R2", "R3")], SPRING)
    census.mark_return(w.junior, sid(w.junior, k["R1"]["name"]), SEM, "转学", checked_by="周老师",
                       destination=n_name)
    for x in ("R2", "R3"):
        census.mark_return(w.junior, sid(w.junior, k[x]["name"]), SEM, "未返校", checked_by="周老师")
    cases.save_form(w.junior, full_form(name=d1["name"], id_number=d1["id_number"], student_number=""))
    # the nine-year school: its own grade 6 moves up; L3 and C5 on its roster without numbers; C2 checked here
    roster(w.nine, tmp, "enrolled", [enrolled(n_name, k["N1"], "六年级")], SPRING)
    c5 = dict(k["C5"], birth_date=k["C5"]["birth_date"] + dt.timedelta(days=31))  # mistyped birth date
    roster(w.nine, tmp, "enrolled", [
        enrolled(n_name, k["N1"], "七年级"), enrolled(n_name, k["L3"], "七年级", with_number=False),
        enrolled(n_name, k["R1"], "八年级"), enrolled(n_name, k["R2"], "八年级"),
        enrolled(n_name, c5, "五年级", with_number=False)], SEM)
    roster(w.nine, tmp, "census", [census_row(k["C2"])], header=CENSUS_HEADER)
    census.mark_status(w.nine, sid(w.nine, k["C2"]["name"]), SEM, census.StatusEntry(
        "本校在读", "全国学籍管理系统", "吴老师", dt.date(2026, 9, 11)))
    w.report()
    return w
