"""Home teaching rules: the weekly schedule from the term calendar, compliance, the calendar's known years."""

from __future__ import annotations

import datetime as dt

from desktop_app.domain import school_calendar as cal
from desktop_app.domain.home_teaching import Minimum, Visit, WeekStatus, compliance, schedule, term_weeks

D = dt.date
# Autumn 2026 as the State Council arranged it: 中秋 25 Sep, 国庆 1-7 Oct, make-up days Sun 20 Sep and Sat 10 Oct;
# plus a school autumn break (秋假) Mon 9 – Fri 13 Nov.
OFFICIAL = {D(2026, 9, 25), D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7)}
AUTUMN_BREAK = {D(2026, 11, 9) + dt.timedelta(days=i) for i in range(5)}
CALENDAR = cal.TermCalendar(D(2026, 9, 1), D(2026, 11, 30), frozenset(OFFICIAL | AUTUMN_BREAK),
                            frozenset({D(2026, 9, 20), D(2026, 10, 10)}))


def test_official_calendar_is_proposed_from_chinese_calendar() -> None:
    proposal = cal.propose(D(2026, 9, 1), D(2026, 11, 30))
    assert {d.day for d in proposal.days if d.kind == cal.HOLIDAY} == OFFICIAL
    assert {d.day for d in proposal.days if d.kind == cal.MAKEUP} == {D(2026, 9, 20), D(2026, 10, 10)}
    assert {d.name for d in proposal.days if d.day.month == 10 and d.kind == cal.HOLIDAY} == {"国庆节"}
    assert proposal.unknown_years == []


def test_schedule_skips_a_holiday_week_and_moves_a_visit_off_a_holiday() -> None:
    visits = schedule(CALENDAR, weekday=0)  # Mondays
    days = [v.day for v in visits]
    assert D(2026, 9, 28) in days  # an ordinary Monday
    # Mon 5 Oct is 国庆: the visit moves to the next school day of the week, Thursday 8 Oct.
    week_of_5_oct = next(v for v in visits if v.week.monday == D(2026, 10, 5))
    assert week_of_5_oct.day == D(2026, 10, 8) and week_of_5_oct.moved
    assert "星期四" in week_of_5_oct.note()
    # The 秋假 week has no school day at all: no visit is planned and it is no term week.
    assert not any(D(2026, 11, 9) <= d <= D(2026, 11, 15) for d in days)
    assert len(visits) == len(term_weeks(CALENDAR)) == 13  # 14 calendar weeks from Mon 31 Aug, minus the 秋假


def test_make_up_day_is_a_school_day_and_can_carry_the_visit() -> None:
    weeks = {w.monday: w for w in term_weeks(CALENDAR)}
    assert D(2026, 9, 20) in weeks[D(2026, 9, 14)].school_days  # Sunday make-up day
    assert D(2026, 10, 10) in weeks[D(2026, 10, 5)].school_days  # Saturday make-up day
    # A week whose only school day is a make-up Saturday: the Friday visit moves onto it.
    holidays = frozenset(D(2026, 10, 5) + dt.timedelta(days=i) for i in range(5))
    only_saturday = cal.TermCalendar(D(2026, 9, 1), D(2026, 11, 30), holidays, frozenset({D(2026, 10, 10)}))
    visit = next(v for v in schedule(only_saturday, weekday=4) if v.week.monday == D(2026, 10, 5))
    assert visit.day == D(2026, 10, 10) and visit.moved
    # Without the make-up day the same week would be skipped.
    no_makeup = cal.TermCalendar(D(2026, 9, 1), D(2026, 11, 30), holidays)
    assert all(v.week.monday != D(2026, 10, 5) for v in schedule(no_makeup, weekday=4))


def test_schedule_starts_with_the_plan() -> None:
    visits = schedule(CALENDAR, weekday=2, start=D(2026, 10, 15))  # a Thursday: first week's Wednesday is gone
    assert visits[0].day == D(2026, 10, 15) and visits[0].week.monday == D(2026, 10, 12)


def test_compliance_missed_short_and_two_visits_in_a_week() -> None:
    calendar = cal.TermCalendar(D(2026, 9, 1), D(2026, 10, 4), frozenset(OFFICIAL), frozenset({D(2026, 9, 20)}))
    visits = [
        Visit(D(2026, 9, 1), 2),                           # week 1: met
        # week 2 (7-13 Sep): nothing
        Visit(D(2026, 9, 15), 1),                          # week 3: one class hour only
        Visit(D(2026, 9, 22), 2), Visit(D(2026, 9, 24), 2),  # week 4: two visits
        Visit(D(2026, 9, 29), 1), Visit(D(2026, 9, 30), 1),  # week 5: two short visits
    ]
    result = compliance(calendar, 1, visits, Minimum(1, 2), today=D(2026, 10, 12),
                        reasons={D(2026, 9, 7): "学生住院治疗"})
    statuses = [w.status for w in result.weeks]
    assert statuses == [WeekStatus.MET, WeekStatus.MISSED, WeekStatus.SHORT, WeekStatus.MET, WeekStatus.SHORT]
    missed = result.weeks[1]
    assert missed.reason == "学生住院治疗" and missed.delivered_hours == 0
    assert result.weeks[3].visits == 2 and result.weeks[3].delivered_hours == 4
    assert result.weeks[4].delivered_hours == 2 and result.weeks[4].sufficient_visits == 0
    assert (result.planned_hours, result.delivered_hours) == (10, 9)
    assert result.summary() == "应送教5周，达标2周，未达标3周；学时 计划10 / 实际9"
    # A province that asks for two visits a week: the two-visit week alone is met.
    two = compliance(calendar, 1, visits, Minimum(2, 2), today=D(2026, 10, 12))
    assert [w.status for w in two.weeks].count(WeekStatus.MET) == 1


def test_weeks_not_over_are_not_judged() -> None:
    result = compliance(CALENDAR, 0, [], Minimum(), today=D(2026, 9, 9))
    assert [w.status for w in result.weeks[:3]] == [WeekStatus.MISSED, WeekStatus.CURRENT, WeekStatus.FUTURE]
    assert len(result.failed) == 1


def test_calendar_year_without_data_is_said_not_guessed() -> None:
    proposal = cal.propose(D(2026, 9, 1), D(2027, 1, 22))  # autumn 2026 ends in January 2027
    assert proposal.unknown_years == [2027]
    assert not any(d.day.year == 2027 for d in proposal.days)
    assert "不知道2027年的法定节假日安排" in proposal.message and "手工录入" in proposal.message
    assert "不作推测" in proposal.message
    assert cal.years_without_data(D(2026, 9, 1), D(2027, 1, 22), proposal.days) == [2027]
    entered = [*proposal.days, cal.CalendarDay(D(2027, 1, 1), cal.HOLIDAY, "元旦")]
    assert cal.years_without_data(D(2026, 9, 1), D(2027, 1, 22), entered) == []
