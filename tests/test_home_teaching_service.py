"""Home teaching through the services: calendar, plan, sessions, compliance, reminders, exports."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop_app.domain import school_calendar as cal
from desktop_app.domain.care import DisabilityFile, Tag
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.home_teaching import SessionEntry, WeekStatus
from desktop_app.domain.identity import make_id_number
from desktop_app.services import care, home_teaching, semesters, settings, todo
from desktop_app.services.store import Store

D = dt.date
CHILD_ID = make_id_number("500223", D(2014, 6, 1), 71)


def placed_child(store: Store, placement: str = "送教上门") -> str:
    sid = care.register_student(store, care.NewStudent("陈小宇", CHILD_ID, "陈国强", "父亲", "13700001234"),
                                [Tag("身体残疾")])
    care.save_disability(store, sid, DisabilityFile("多重", "一级", "", placement, D(2026, 9, 1), True))
    return sid


@pytest.fixture
def plan_id(store: Store) -> str:
    semesters.set_dates(store, "2026秋", D(2026, 9, 1), D(2027, 1, 22))
    home_teaching.propose_calendar(store, "2026秋")
    sid = placed_child(store)
    return home_teaching.save_plan(store, home_teaching.PlanEntry(sid, "2026秋", "王老师、李老师", "生活语文、康复训练",
                                                                 weekday=1))


def session(day: dt.date, hours: int = 2) -> SessionEntry:
    return SessionEntry(day, hours, "送文化", "王老师", "认识数字1-10", True, "陈国强")


def test_calendar_for_a_term_running_into_an_unknown_year(store: Store) -> None:
    semesters.set_dates(store, "2026秋", D(2026, 9, 1), D(2027, 1, 22))
    proposal = home_teaching.propose_calendar(store, "2026秋")
    assert proposal.unknown_years == [2027] and "2027年" in proposal.message
    days = home_teaching.calendar_days(store, "2026秋")
    assert {d["source"] for d in days} == {"国家法定"} and max(d["day"] for d in days) < D(2027, 1, 1)
    assert "不知道2027年的法定节假日安排" in home_teaching.calendar_warning(store, "2026秋")
    home_teaching.add_calendar_day(store, "2026秋", D(2027, 1, 1), cal.HOLIDAY, "元旦")
    assert home_teaching.calendar_warning(store, "2026秋") == ""
    home_teaching.propose_calendar(store, "2026秋")  # again: nothing doubled
    assert len(home_teaching.calendar_days(store, "2026秋")) == len(days) + 1
    with pytest.raises(ValidationError, match="是周末"):
        home_teaching.add_calendar_day(store, "2026秋", D(2026, 11, 28), cal.HOLIDAY)
    with pytest.raises(ValidationError, match="已登记"):
        home_teaching.add_calendar_day(store, "2026秋", D(2027, 1, 1), cal.HOLIDAY)
    with pytest.raises(ValidationError, match="不在学期"):
        home_teaching.add_calendar_day(store, "2026秋", D(2027, 3, 1), cal.HOLIDAY)
    entry = next(d for d in home_teaching.calendar_days(store, "2026秋") if d["day"] == D(2027, 1, 1))
    home_teaching.void_calendar_day(store, entry["id"], "录错")
    assert home_teaching.calendar_warning(store, "2026秋")
    calendar = home_teaching.term_calendar(store, "2026秋")
    assert D(2026, 10, 10) in calendar.makeup_days and not calendar.is_school_day(D(2026, 10, 5))
    assert store.verify().ok


def test_a_plan_needs_a_child_placed_at_home(store: Store) -> None:
    sid = placed_child(store, "随班就读")
    entry = home_teaching.PlanEntry(sid, "2026秋", "王老师", "生活语文", weekday=1)
    with pytest.raises(ValidationError, match="安置方式不是送教上门"):
        home_teaching.save_plan(store, entry)
    care.save_disability(store, sid, DisabilityFile("多重", "一级", "", "网络送教", D(2026, 9, 1)))
    plan = home_teaching.save_plan(store, entry)
    assert home_teaching.load_plan(store, plan)[0].mode == "网络送教"
    with pytest.raises(ValidationError, match="已有送教计划"):
        home_teaching.save_plan(store, entry)


def test_sessions_drive_compliance_and_reminders(store: Store, plan_id: str, tmp_path: Path) -> None:
    today = D(2026, 10, 14)
    weeks = home_teaching.plan_compliance(store, plan_id, today).weeks
    assert weeks[0].planned_day == D(2026, 9, 1) and weeks[0].status is WeekStatus.MISSED
    week_of_national_day = next(w for w in weeks if w.week.monday == D(2026, 10, 5))
    assert week_of_national_day.planned_day == D(2026, 10, 8)  # Tuesday is 国庆: moved to Thursday

    for day, hours in ((D(2026, 9, 1), 2), (D(2026, 9, 8), 2), (D(2026, 9, 15), 1), (D(2026, 9, 22), 2),
                       (D(2026, 9, 24), 2), (D(2026, 9, 29), 2), (D(2026, 10, 8), 3)):
        home_teaching.log_session(store, plan_id, session(day, hours))
    result = home_teaching.plan_compliance(store, plan_id, today)
    assert [w.status for w in result.due()] == [WeekStatus.MET, WeekStatus.MET, WeekStatus.SHORT, WeekStatus.MET,
                                               WeekStatus.MET, WeekStatus.MET]
    assert result.weeks[6].status is WeekStatus.CURRENT

    items = [i for i in todo.collect(store, today) if i.kind == "送教上门"]
    assert [i.title for i in items] == ["送教上门未达标：陈小宇 第3周（09-14至09-20）"]
    assert items[0].due == D(2026, 9, 21) and items[0].target == ("home_teaching_plan", plan_id)
    # The current week is not flagged until its Monday after.
    assert len([i for i in todo.collect(store, D(2026, 10, 19)) if i.kind == "送教上门"]) == 2
    home_teaching.set_missed_reason(store, plan_id, D(2026, 9, 14), "学生发烧，家长要求改期")
    assert [i for i in todo.collect(store, today) if i.kind == "送教上门"] == []
    row = home_teaching.plan_rows(store, "2026秋", today)[0]
    assert (row["met_weeks"], row["failed_weeks"], row["unexplained"]) == (5, 1, 0)
    assert (row["planned_hours"], row["delivered_hours"]) == (12, 14)

    # The minimum is a setting: a province asking for 3 class hours makes most weeks short.
    settings.put(store, home_teaching.MIN_HOURS.key, 3)
    assert home_teaching.plan_compliance(store, plan_id, today).met == 1
    settings.put(store, home_teaching.MIN_HOURS.key, 2)

    with pytest.raises(ValidationError, match="假期联系"):
        home_teaching.log_session(store, plan_id, session(D(2026, 8, 20)))
    home_teaching.add_break_contact(store, row["student_id"], "2026春", "暑假", D(2026, 8, 20), "电话联系", "王老师",
                                    "询问假期康复训练情况")

    xlsx = tmp_path / "送教.xlsx"
    assert home_teaching.export_log(store, "2026秋", xlsx, today, full_numbers=True, reason="督导检查") == 1
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["达标情况", "逐周情况", "送教记录"]
    summary = wb["达标情况"]
    assert summary["C4"].value == CHILD_ID and summary["C4"].number_format == "@"
    assert [summary.cell(4, c).value for c in (6, 7, 8)] == [6, 5, 1]
    reasons = [r[7].value for r in wb["逐周情况"].iter_rows(min_row=4) if r[7].value]
    assert reasons == ["学生发烧，家长要求改期"]

    pdf = tmp_path / "档案.pdf"
    home_teaching.export_child_pdf(store, plan_id, pdf, today)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("送教上门工作档案（2026秋）", "陈小宇", CHILD_ID, "认识数字1-10", "学时不足", "学生发烧", "暑假"):
        assert expected in text
    assert store.verify().ok


def test_bad_session_is_refused_and_voiding_counts(store: Store, plan_id: str) -> None:
    with pytest.raises(ValidationError) as err:
        home_teaching.log_session(store, plan_id, SessionEntry(D(2026, 9, 1), 0, "送书", "", "", True, ""))
    assert {e.field for e in err.value.errors} == {"class_hours", "form", "teachers", "content", "guardian_name"}
    sid = home_teaching.log_session(store, plan_id, session(D(2026, 9, 1)))
    assert home_teaching.plan_compliance(store, plan_id, D(2026, 9, 9)).weeks[0].status is WeekStatus.MET
    home_teaching.void_session(store, sid, "日期记错")
    assert home_teaching.plan_compliance(store, plan_id, D(2026, 9, 9)).weeks[0].status is WeekStatus.MISSED


def test_photos_are_copied_into_the_data_folder(store: Store, plan_id: str, tmp_path: Path) -> None:
    photo = tmp_path / "visit.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    home_teaching.log_session(store, plan_id, SessionEntry(D(2026, 9, 1), 2, "送温暖", "王老师", "送去冬衣",
                                                           photos=[str(photo)]))
    stored = home_teaching.sessions(store, plan_id)[0]["photos"]
    assert len(stored) == 1 and (store.data_dir / stored[0]).read_bytes() == b"\xff\xd8jpeg"
    with pytest.raises(ValidationError, match="照片文件不存在"):
        home_teaching.log_session(store, plan_id, SessionEntry(D(2026, 9, 2), 2, "送温暖", "王老师", "x",
                                                               photos=[str(tmp_path / "none.jpg")]))


def test_a_visit_that_fails_to_save_leaves_no_photo_copies(store: Store, plan_id: str, tmp_path: Path) -> None:
    """The second photo is missing: the first one's copy is taken back, nothing is recorded."""
    photo = tmp_path / "visit.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    with pytest.raises(ValidationError, match="照片文件不存在"):
        home_teaching.log_session(store, plan_id, SessionEntry(D(2026, 9, 2), 2, "送温暖", "王老师", "x",
                                                               photos=[str(photo), str(tmp_path / "none.jpg")]))
    folder = store.data_dir / "photos" / plan_id
    assert not folder.exists() or not any(folder.iterdir())
    assert home_teaching.sessions(store, plan_id) == []
