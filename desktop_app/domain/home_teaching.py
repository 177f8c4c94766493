"""Home teaching (送教上门 / 网络送教, N-9): the weekly schedule from the term calendar, and compliance.

A term week is a Monday-to-Sunday week that overlaps the term and has at least one school day
in it; a week that is all holiday has no visit to make. In every term week at least
``min_visits`` visits of at least ``min_hours`` class hours each are required (by default one
visit of two class hours, per the notice; provinces differ, so both are settings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from desktop_app.domain.errors import FieldError, ValidationError
from desktop_app.domain.school_calendar import WEEKDAYS, TermCalendar

SESSION_FORMS: tuple[str, ...] = ("送文化", "送活动", "送温暖")
BREAKS: tuple[str, ...] = ("寒假", "暑假")
CONTACT_METHODS: tuple[str, ...] = ("电话联系", "上门家访", "视频通话", "微信联系", "其他")


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class TermWeek:
    number: int  # 第n周, counted over term weeks only
    monday: dt.date
    school_days: tuple[dt.date, ...]

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    def label(self) -> str:
        return f"第{self.number}周（{self.monday:%m-%d}至{self.sunday:%m-%d}）"


@lru_cache(maxsize=16)
def _all_term_weeks(calendar: TermCalendar) -> tuple[TermWeek, ...]:
    """Every week of the term that has school days (computed once per calendar: the district judges
    hundreds of plans against the same term)."""
    weeks: list[TermWeek] = []
    monday = monday_of(calendar.start)
    number = 0
    while monday <= calendar.end:
        school = tuple(d for d in (monday + dt.timedelta(days=i) for i in range(7)) if calendar.is_school_day(d))
        if school:
            number += 1
            weeks.append(TermWeek(number, monday, school))
        monday += dt.timedelta(days=7)
    return tuple(weeks)


def term_weeks(calendar: TermCalendar, start: dt.date | None = None, end: dt.date | None = None) -> list[TermWeek]:
    """The weeks of the term that have school days, optionally only those overlapping ``start``–``end``."""
    return [w for w in _all_term_weeks(calendar)
            if (start is None or w.sunday >= start) and (end is None or w.monday <= end)]


def planned_day(week: TermWeek, weekday: int, start: dt.date | None = None) -> dt.date:
    """The plan's weekday in this week, or when that is no school day the nearest school day (later first)."""
    days = [d for d in week.school_days if start is None or d >= start] or list(week.school_days)
    target = week.monday + dt.timedelta(days=weekday)
    if target in days:
        return target
    later = [d for d in days if d > target]
    return later[0] if later else days[-1]


@dataclass(frozen=True)
class PlannedVisit:
    week: TermWeek
    day: dt.date
    moved: bool  # not on the plan's weekday (a holiday or a make-up day moved it)

    def note(self) -> str:
        if not self.moved:
            return ""
        return f"改在{WEEKDAYS[self.day.weekday()]}（原定日不上课）"


def schedule(calendar: TermCalendar, weekday: int, start: dt.date | None = None,
             end: dt.date | None = None) -> list[PlannedVisit]:
    """One planned visit per term week from ``start`` (the plan's first day) to ``end``, skipping holiday weeks."""
    if not 0 <= weekday <= 6:
        raise ValidationError(FieldError("weekday", "送教日应为星期一至星期日"))
    visits = []
    for week in term_weeks(calendar, start, end):
        day = planned_day(week, weekday, start)
        visits.append(PlannedVisit(week, day, day.weekday() != weekday))
    return visits


class WeekStatus(str, Enum):
    MET = "达标"
    SHORT = "学时不足"
    MISSED = "未送教"
    CURRENT = "本周进行中"
    FUTURE = "未到"


@dataclass(frozen=True)
class Visit:
    """A logged session as far as compliance is concerned."""

    day: dt.date
    class_hours: int


@dataclass(frozen=True)
class Minimum:
    visits: int = 1
    hours: int = 2

    def text(self) -> str:
        return f"每周至少{self.visits}次、每次不少于{self.hours}学时"


@dataclass(frozen=True)
class WeekResult:
    week: TermWeek
    planned_day: dt.date
    status: WeekStatus
    planned_hours: int
    delivered_hours: int
    visits: int  # every logged visit of the week
    sufficient_visits: int  # those of at least the minimum hours
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.status in (WeekStatus.MISSED, WeekStatus.SHORT)


@dataclass(frozen=True)
class Compliance:
    weeks: list[WeekResult] = field(default_factory=list)

    def due(self) -> list[WeekResult]:
        return [w for w in self.weeks if w.status not in (WeekStatus.FUTURE, WeekStatus.CURRENT)]

    @property
    def met(self) -> int:
        return sum(1 for w in self.weeks if w.status is WeekStatus.MET)

    @property
    def failed(self) -> list[WeekResult]:
        return [w for w in self.weeks if w.failed]

    @property
    def planned_hours(self) -> int:
        return sum(w.planned_hours for w in self.due())

    @property
    def delivered_hours(self) -> int:
        return sum(w.delivered_hours for w in self.weeks)

    def summary(self) -> str:
        due = len(self.due())
        text = f"应送教{due}周，达标{self.met}周"
        if self.failed:
            text += f"，未达标{len(self.failed)}周"
        return text + f"；学时 计划{self.planned_hours} / 实际{self.delivered_hours}"


def compliance(calendar: TermCalendar, weekday: int, visits: list[Visit], minimum: Minimum, today: dt.date,
               *, start: dt.date | None = None, end: dt.date | None = None,
               reasons: dict[dt.date, str] | None = None, hours_per_visit: int | None = None) -> Compliance:
    """Each term week of the plan: met, short (visits too short or too few) or missed; open weeks are not judged.

    ``reasons`` maps a week's Monday to the reason entered for a missed week.
    """
    reasons = reasons or {}
    per_visit = max(hours_per_visit or 0, minimum.hours)
    results = []
    by_monday: dict[dt.date, list[Visit]] = {}
    for v in visits:
        by_monday.setdefault(monday_of(v.day), []).append(v)
    for planned in schedule(calendar, weekday, start, end):
        week = planned.week
        in_week = by_monday.get(week.monday, [])
        sufficient = sum(1 for v in in_week if v.class_hours >= minimum.hours)
        delivered = sum(v.class_hours for v in in_week)
        if sufficient >= minimum.visits:
            status = WeekStatus.MET
        elif today < week.monday:
            status = WeekStatus.FUTURE
        elif today <= week.sunday:
            status = WeekStatus.CURRENT
        elif in_week:
            status = WeekStatus.SHORT
        else:
            status = WeekStatus.MISSED
        results.append(WeekResult(
            week, planned.day, status, per_visit * minimum.visits, delivered, len(in_week), sufficient,
            reasons.get(week.monday, ""),
        ))
    return Compliance(results)


@dataclass
class SessionEntry:
    """One home-teaching session as logged."""

    session_date: dt.date
    class_hours: int
    form: str
    teachers: str
    content: str = ""
    guardian_confirmed: bool = False
    guardian_name: str = ""
    photos: list[str] = field(default_factory=list)

    def validate(self, today: dt.date | None = None) -> None:
        problems: list[FieldError] = []
        if self.session_date > (today or dt.date.today()):
            problems.append(FieldError("session_date", "送教日期不能晚于今天"))
        if not 1 <= self.class_hours <= 12:
            problems.append(FieldError("class_hours", "学时应为1-12"))
        if self.form not in SESSION_FORMS:
            problems.append(FieldError("form", "请选择送教形式：" + "、".join(SESSION_FORMS)))
        if not self.teachers.strip():
            problems.append(FieldError("teachers", "请填写送教教师"))
        if not self.content.strip():
            problems.append(FieldError("content", "请填写送教内容"))
        if self.guardian_confirmed and not self.guardian_name.strip():
            problems.append(FieldError("guardian_name", "监护人已确认时请填写确认人姓名"))
        if problems:
            raise ValidationError(problems)
