"""The school calendar of a term: term dates, holidays (放假) and make-up school days (调休上课).

Official holidays can be proposed from the chinese-calendar package, which knows the State
Council's arrangements only for the years it was released with. For any other year the
proposal says so plainly and the dates must be entered by hand (or come from the district).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

HOLIDAY = "放假"
MAKEUP = "调休上课"
DAY_KINDS: tuple[str, ...] = (HOLIDAY, MAKEUP)

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    kind: str  # HOLIDAY | MAKEUP
    name: str = ""


@dataclass(frozen=True)
class TermCalendar:
    """One term: its dates and the days that differ from the ordinary Monday-to-Friday week."""

    start: dt.date
    end: dt.date
    holidays: frozenset[dt.date] = frozenset()
    makeup_days: frozenset[dt.date] = frozenset()

    def is_school_day(self, day: dt.date) -> bool:
        if not self.start <= day <= self.end:
            return False
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def school_days(self) -> list[dt.date]:
        return [d for d in days(self.start, self.end) if self.is_school_day(d)]


@dataclass(frozen=True)
class Proposal:
    """Holidays and make-up days proposed for a span, and the years nothing is known for."""

    days: list[CalendarDay] = field(default_factory=list)
    unknown_years: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        found = f"已按国家法定节假日安排列出{len(self.days)}天（放假或调休上课）。" if self.days else ""
        if not self.unknown_years:
            return found or "此期间没有法定节假日或调休。"
        return found + unknown_years_message(self.unknown_years)


def unknown_years_message(years: list[int]) -> str:
    listed = "、".join(f"{y}年" for y in years)
    return (
        f"本程序不知道{listed}的法定节假日安排（节假日数据只收录到{last_known_year()}年），不作推测。"
        f"请按国务院办公厅发布的{listed}放假通知手工录入放假和调休上课日，或导入区教委下发的校历。"
    )


def last_known_year() -> int:
    import chinese_calendar

    return max(d.year for d in chinese_calendar.holidays)


def propose(start: dt.date, end: dt.date) -> Proposal:
    """Official holidays on weekdays and make-up working days on weekends, from chinese-calendar."""
    import chinese_calendar

    found: list[CalendarDay] = []
    unknown: list[int] = []
    for day in days(start, end):
        if day.year in unknown:
            continue
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            unknown.append(day.year)
            continue
        label = HOLIDAY_NAMES.get(name or "", name or "")
        if on_holiday and day.weekday() < 5:
            found.append(CalendarDay(day, HOLIDAY, label))
        elif not on_holiday and day.weekday() >= 5:
            found.append(CalendarDay(day, MAKEUP, f"{label}调休" if label else "调休"))
    return Proposal(found, unknown)


def years_without_data(start: dt.date, end: dt.date, entered: list[CalendarDay]) -> list[int]:
    """Years of the term that chinese-calendar does not know and for which nothing was entered."""
    limit = last_known_year()
    have = {d.day.year for d in entered}
    return [y for y in range(start.year, end.year + 1) if y > limit and y not in have]
