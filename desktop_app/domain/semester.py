"""Semesters (学期): 2026秋 runs from September to January, 2027春 from February to July.

These are the defaults; a school's real term dates are kept in the store and can be edited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_NAME = re.compile(r"^(\d{4})(春|秋)$")


@dataclass(frozen=True)
class SemesterSpan:
    name: str
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def semester_name(day: dt.date) -> str:
    """The semester a day belongs to by default: Sep–Jan is autumn, Feb–Aug spring."""
    if day.month >= 9:
        return f"{day.year}秋"
    if day.month == 1:
        return f"{day.year - 1}秋"
    return f"{day.year}春"


def default_span(name: str) -> SemesterSpan:
    """Default dates: autumn 1 Sep – 31 Jan, spring 1 Feb – 31 Aug (breaks included)."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"学期名称应如“2026秋”或“2027春”：{name}")
    year = int(match.group(1))
    if match.group(2) == "秋":
        return SemesterSpan(name, dt.date(year, 9, 1), dt.date(year + 1, 1, 31))
    return SemesterSpan(name, dt.date(year, 2, 1), dt.date(year, 8, 31))


def next_name(name: str) -> str:
    span = default_span(name)
    return semester_name(span.end + dt.timedelta(days=1))


def previous_name(name: str) -> str:
    span = default_span(name)
    return semester_name(span.start - dt.timedelta(days=1))
