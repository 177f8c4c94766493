"""送教上门: the semester's plans with their compliance, and for the chosen child the weeks, the
session log, the plan and the break-time contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.home_teaching import SessionEntry, WeekStatus
from desktop_app.domain.school_calendar import WEEKDAYS
from desktop_app.domain.semester import next_name, previous_name
from desktop_app.services import home_teaching, semesters, settings
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from desktop_app.ui.common import prerequisite
from desktop_app.ui.common.pages import Ask, make_table, run_in_worker, select_row_where, selected_row
from desktop_app.ui.common.rows_model import RowsModel
from desktop_app.ui.home_teaching.dialogs import BreakContactDialog, CalendarDialog, PlanDialog, SessionDialog
from desktop_app.ui.widgets import ErrorLabel, Messages
from desktop_app.ui.workers import Worker

STATUS_COLORS = {
    WeekStatus.MET.value: "#2e7d32", WeekStatus.SHORT.value: "#b26a00", WeekStatus.MISSED.value: "#b00020",
    WeekStatus.CURRENT.value: "#1565c0", WeekStatus.FUTURE.value: "#888888",
}


class HomeTeachingPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.plan_id: str | None = None
        self._worker: Worker | None = None
        layout = QVBoxLayout(self)
        self.prerequisite = prerequisite.PrerequisiteBanner(self)  # the semester is confirmed first
        layout.addWidget(self.prerequisite)
        bar = QHBoxLayout()
        self.semester_combo = QComboBox(self)
        current = semesters.current(store).name
        names = sorted({s.name for s in semesters.all_semesters(store)} | {previous_name(current), current,
                                                                            next_name(current)})
        self.semester_combo.addItems(names)
        self.semester_combo.setCurrentText(current)
        self.calendar_button = QPushButton(self.tr("校历…"), self)
        self.new_plan_button = QPushButton(self.tr("新建送教计划…"), self)
        self.export_button = QPushButton(self.tr("导出送教记录(Excel)…"), self)
        self.pdf_button = QPushButton(self.tr("打印送教档案(PDF)…"), self)
        bar.addWidget(QLabel(self.tr("学期"), self))
        bar.addWidget(self.semester_combo)
        bar.addWidget(self.calendar_button)
        bar.addStretch(1)
        for b in (self.new_plan_button, self.export_button, self.pdf_button):
            bar.addWidget(b)
        layout.addLayout(bar)
        row = QHBoxLayout()
        self.min_visits_spin = QSpinBox(self)
        self.min_visits_spin.setRange(home_teaching.MIN_VISITS.minimum or 1, home_teaching.MIN_VISITS.maximum or 7)
        self.min_hours_spin = QSpinBox(self)
        self.min_hours_spin.setRange(home_teaching.MIN_HOURS.minimum or 1, home_teaching.MIN_HOURS.maximum or 8)
        self.save_minimum_button = QPushButton(self.tr("保存要求"), self)
        self.minimum_label = QLabel(self.tr("（按本省要求；节假日所在周按校历顺延，整周放假免送）"), self)
        for w in (QLabel(self.tr("送教要求：学期内每周至少"), self), self.min_visits_spin,
                  QLabel(self.tr("次，每次不少于"), self), self.min_hours_spin, QLabel(self.tr("学时"), self),
                  self.save_minimum_button, self.minimum_label):
            row.addWidget(w)
        row.addStretch(1)
        layout.addLayout(row)
        self.calendar_warning = ErrorLabel(self)
        layout.addWidget(self.calendar_warning)

        split = QSplitter(self)
        self.plans_model = RowsModel((
            ("name", "姓名"), ("mode", "方式"), ("teachers", "送教教师"), ("due_weeks", "应送周"),
            ("met_weeks", "达标周"), ("failed_weeks", "未达标周"), ("unexplained", "未说明原因"),
            ("planned_hours", "计划学时"), ("delivered_hours", "实际学时"),
        ), self, colors=lambda r: "#b00020" if r["unexplained"] else None)
        left = QWidget(split)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.plans_view = make_table(self.plans_model, left)
        for col, width in enumerate((70, 70, 110, 55, 55, 65, 70, 65)):
            self.plans_view.setColumnWidth(col, width)
        lv.addWidget(self.plans_view, 1)
        self.school_label = QLabel(left)
        self.school_label.setWordWrap(True)
        lv.addWidget(self.school_label)
        split.addWidget(left)

        detail = QWidget(split)
        dv = QVBoxLayout(detail)
        dv.setContentsMargins(0, 0, 0, 0)
        self.summary_label = QLabel(self.tr("请在左侧选择学生"), detail)
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("font-size: 11pt; font-weight: bold;")
        dv.addWidget(self.summary_label)
        self.tabs = QTabWidget(detail)
        dv.addWidget(self.tabs, 1)

        page = QWidget(detail)
        v = QVBoxLayout(page)
        self.weeks_model = RowsModel((("week", "教学周"), ("planned_day", "计划送教日"), ("status", "情况"),
                                      ("delivered_hours", "实际学时"), ("visits", "次数"), ("reason", "未送教原因")),
                                     page, colors=lambda r: STATUS_COLORS.get(r["status"]))
        self.weeks_view = make_table(self.weeks_model, page)
        for col, width in enumerate((170, 110, 80, 60, 40)):
            self.weeks_view.setColumnWidth(col, width)
        v.addWidget(self.weeks_view)
        row = QHBoxLayout()
        self.reason_button = QPushButton(self.tr("填写未送教原因…"), page)
        row.addWidget(self.reason_button)
        row.addStretch(1)
        v.addLayout(row)
        self.tabs.addTab(page, self.tr("逐周达标"))

        page = QWidget(detail)
        v = QVBoxLayout(page)
        self.sessions_model = RowsModel((("session_date", "日期"), ("class_hours", "学时"), ("form", "形式"),
                                         ("teachers", "送教教师"), ("content", "内容"),
                                         ("guardian_name", "监护人确认"), ("photos", "照片")), page)
        self.sessions_view = make_table(self.sessions_model, page, stretch=4)
        v.addWidget(self.sessions_view)
        row = QHBoxLayout()
        self.log_button = QPushButton(self.tr("记录送教…"), page)
        self.edit_session_button = QPushButton(self.tr("修改…"), page)
        self.edit_session_button.setToolTip(self.tr("修改所选记录（也可双击记录）"))
        self.void_session_button = QPushButton(self.tr("作废…"), page)
        row.addWidget(self.log_button)
        row.addWidget(self.edit_session_button)
        row.addWidget(self.void_session_button)
        row.addStretch(1)
        v.addLayout(row)
        self.tabs.addTab(page, self.tr("送教记录"))

        page = QWidget(detail)
        v = QVBoxLayout(page)
        self.plan_label = QLabel(page)
        self.plan_label.setWordWrap(True)
        v.addWidget(self.plan_label)
        self.edit_plan_button = QPushButton(self.tr("修改计划…"), page)
        v.addWidget(self.edit_plan_button)
        v.addStretch(1)
        self.tabs.addTab(page, self.tr("送教计划"))

        page = QWidget(detail)
        v = QVBoxLayout(page)
        self.contacts_model = RowsModel((("break_kind", "假期"), ("contact_date", "日期"), ("method", "方式"),
                                         ("people", "联系人员"), ("notes", "情况")), page)
        self.contacts_view = make_table(self.contacts_model, page)
        v.addWidget(self.contacts_view)
        self.contact_button = QPushButton(self.tr("添加假期联系…"), page)
        v.addWidget(self.contact_button)
        self.tabs.addTab(page, self.tr("假期联系"))
        self.tabs.setEnabled(False)
        split.addWidget(detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 5)
        layout.addWidget(split, 1)

        self.semester_combo.currentTextChanged.connect(lambda _t: self._semester_changed())
        self.calendar_button.clicked.connect(self.edit_calendar)
        self.save_minimum_button.clicked.connect(self.save_minimum)
        self.new_plan_button.clicked.connect(self.new_plan)
        self.edit_plan_button.clicked.connect(self.edit_plan)
        self.export_button.clicked.connect(self.export_log)
        self.pdf_button.clicked.connect(self.print_child)
        self.reason_button.clicked.connect(self.enter_reason)
        self.log_button.clicked.connect(self.log_session)
        self.edit_session_button.clicked.connect(self.edit_session)
        self.void_session_button.clicked.connect(self.void_session)
        self.sessions_view.doubleClicked.connect(lambda _index: self.edit_session())
        self.sessions_view.selectionModel().selectionChanged.connect(lambda *_: self._update_edit_button())
        self._update_edit_button()
        self.contact_button.clicked.connect(self.add_contact)
        self.plans_view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.refresh()

    @property
    def semester(self) -> str:
        return self.semester_combo.currentText()

    def today(self) -> dt.date:
        return dt.date.today()

    def _semester_changed(self) -> None:
        self.plan_id = None
        self.tabs.setEnabled(False)
        for model in (self.weeks_model, self.sessions_model, self.contacts_model):
            model.set_rows([])
        self.summary_label.setText(self.tr("请在左侧选择学生"))
        self.refresh()

    def _show_missing_step(self) -> None:
        """The semester (its dates) is confirmed in 设置 before the term's work starts."""
        prerequisite.need_semester(self.prerequisite, self, self.store)

    def refresh(self) -> None:
        self._show_missing_step()
        minimum = home_teaching.minimum(self.store)
        self.min_visits_spin.setValue(minimum.visits)
        self.min_hours_spin.setValue(minimum.hours)
        warning = home_teaching.calendar_warning(self.store, self.semester)
        self.calendar_warning.show_messages([warning] if warning else [])
        keep = self.plan_id
        rows = home_teaching.plan_rows(self.store, self.semester, self.today())
        self.plans_model.set_rows(rows)
        self.school_label.setText(
            self.tr("全校：送教学生%1人，应送教%2人周，达标%3，未达标%4（未说明原因%5）；学时 计划%6 / 实际%7")
            .replace("%1", str(len(rows))).replace("%2", str(sum(r["due_weeks"] for r in rows)))
            .replace("%3", str(sum(r["met_weeks"] for r in rows)))
            .replace("%4", str(sum(r["failed_weeks"] for r in rows)))
            .replace("%5", str(sum(r["unexplained"] for r in rows)))
            .replace("%6", str(sum(r["planned_hours"] for r in rows)))
            .replace("%7", str(sum(r["delivered_hours"] for r in rows)))
        )
        if keep:
            self.select_plan(keep)
        self._update_edit_button()  # the account may have changed (sign-in, unlock)

    def select_plan(self, plan_id: str) -> bool:
        before = selected_row(self.plans_view)
        if not select_row_where(self.plans_view, "plan_id", plan_id):
            return False
        if selected_row(self.plans_view) == before:  # selected already: no selectionChanged, so reload here
            self._selection_changed()
        return True

    def _selection_changed(self) -> None:
        row = selected_row(self.plans_view)
        if row is None:
            return
        data = self.plans_model.row(row)
        self.plan_id = data["plan_id"]
        self.tabs.setEnabled(True)
        self._load_detail(data)

    def _load_detail(self, data: dict[str, Any]) -> None:
        assert self.plan_id
        result = home_teaching.plan_compliance(self.store, self.plan_id, self.today())
        self.summary_label.setText(f"{data['name']}：{result.summary()}")
        self.weeks_model.set_rows([{
            "week": w.week.label(), "planned_day": f"{w.planned_day:%m-%d} {WEEKDAYS[w.planned_day.weekday()]}",
            "status": w.status.value, "delivered_hours": w.delivered_hours, "visits": w.visits, "reason": w.reason,
            "monday": w.week.monday, "failed": w.failed, "planned_date": w.planned_day,
        } for w in result.weeks])
        self.sessions_model.set_rows(home_teaching.sessions(self.store, self.plan_id))
        self._update_edit_button()
        entry, _facts = home_teaching.load_plan(self.store, self.plan_id)
        self.plan_label.setText(self.tr("方式：%1\n送教教师：%2\n每周送教日：%3　每次%4学时　自%5起\n送教内容：%6")
                                .replace("%1", entry.mode).replace("%2", entry.teachers)
                                .replace("%3", WEEKDAYS[entry.weekday]).replace("%4", str(entry.hours_per_visit))
                                .replace("%5", f"{entry.start_date:%Y-%m-%d}" if entry.start_date else "")
                                .replace("%6", entry.content))
        self.contacts_model.set_rows(home_teaching.break_contacts(self.store, entry.student_id))

    # --- actions --------------------------------------------------------------------------------

    def save_minimum(self) -> None:
        try:
            settings.put(self.store, home_teaching.MIN_VISITS.key, self.min_visits_spin.value())
            settings.put(self.store, home_teaching.MIN_HOURS.key, self.min_hours_spin.value())
        except BaoxueError as exc:
            Messages.error(self, self.tr("未保存"), str(exc))
        self.refresh()

    def edit_calendar(self) -> None:
        if CalendarDialog.edit(self.store, self.semester, self):
            self.refresh()

    def new_plan(self) -> None:
        plan_id = PlanDialog.ask(self.store, self.semester, self)
        if plan_id:
            self.plan_id = plan_id
            self.refresh()

    def edit_plan(self) -> None:
        if self.plan_id and PlanDialog.ask(self.store, self.semester, self, self.plan_id):
            self.refresh()

    def log_session(self) -> None:
        if not self.plan_id:
            return
        entry, _facts = home_teaching.load_plan(self.store, self.plan_id)
        day = None
        row = selected_row(self.weeks_view)
        if row is not None:
            week = self.weeks_model.row(row)
            day = week["planned_date"] if week["status"] != WeekStatus.FUTURE.value else None
        plan_id = self.plan_id
        # saved from the dialog: a refusal is shown in it and what was typed stays there to fix
        session = SessionDialog.ask(self, day, entry.teachers.split("、")[0], entry.hours_per_visit,
                                    save=lambda e: home_teaching.log_session(self.store, plan_id, e))
        if session is not None:
            self.refresh()

    def _update_edit_button(self) -> None:
        """修改/作废 need a selected visit that is not voided, and an account that may change records; adding
        and saving need the account."""
        row = selected_row(self.sessions_view)
        allowed = can(self.store, Permission.EDIT_RECORDS)
        for button in (self.edit_session_button, self.void_session_button):
            button.setEnabled(row is not None and not self.sessions_model.row(row)["voided"] and allowed)
        # what only adds or saves: an account that may change records (the services refuse too)
        for button in (self.new_plan_button, self.log_button, self.reason_button, self.edit_plan_button,
                       self.contact_button):
            button.setEnabled(allowed)

    def edit_session(self) -> None:
        """Correct the selected visit in the dialog used to log one, filled with it."""
        row = selected_row(self.sessions_view)
        if row is None or not self.edit_session_button.isEnabled():
            return
        data = self.sessions_model.row(row)
        current = SessionEntry(data["session_date"], data["class_hours"], data["form"], data["teachers"],
                               data["content"], data["guardian_confirmed"], data["guardian_name"], data["photos"])
        saved = SessionDialog.ask(self, current=current,
                                  save=lambda entry: home_teaching.update_session(self.store, data["id"], entry))
        if saved is not None:
            self.refresh()
            select_row_where(self.sessions_view, "id", data["id"])

    def void_session(self) -> None:
        row = selected_row(self.sessions_view)
        if row is None or self.sessions_model.row(row)["voided"]:
            return
        reason = Ask.text(self, self.tr("作废送教记录"), self.tr("记录不会被删除，只标记为作废。请填写作废原因："))
        if reason:
            home_teaching.void_session(self.store, self.sessions_model.row(row)["id"], reason)
            self.refresh()

    def enter_reason(self) -> None:
        row = selected_row(self.weeks_view)
        if row is None or not self.plan_id:
            Messages.info(self, self.tr("未送教原因"), self.tr("请先选择一个未达标的教学周"))
            return
        week = self.weeks_model.row(row)
        if not week["failed"]:
            Messages.info(self, self.tr("未送教原因"), self.tr("只有未送教或学时不足的周需要填写原因"))
            return
        reason = Ask.text(self, self.tr("未送教原因"), week["week"] + self.tr("未达标的原因："), week["reason"])
        if reason:
            home_teaching.set_missed_reason(self.store, self.plan_id, week["monday"], reason)
            self.refresh()

    def add_contact(self) -> None:
        if not self.plan_id:
            return
        entry, _facts = home_teaching.load_plan(self.store, self.plan_id)
        values = BreakContactDialog.ask(self)
        if values is None:
            return
        try:
            home_teaching.add_break_contact(
                self.store, entry.student_id, self.semester, str(values["break_kind"]),
                values["contact_date"] or dt.date.today(),  # type: ignore[arg-type]
                str(values["method"]), str(values["people"]), str(values["notes"]),
            )
        except BaoxueError as exc:
            Messages.error(self, self.tr("未保存"), str(exc))
            return
        self.refresh()

    def export_log(self) -> Worker | None:
        semester, today = self.semester, self.today()
        path = Ask.save_path(self, self.tr("导出送教记录"), f"送教上门记录-{semester}.xlsx", "Excel (*.xlsx)")
        if not path:
            return None
        self._worker = run_in_worker(
            self, self.tr("正在导出送教记录…"), lambda: home_teaching.export_log(self.store, semester, path, today),
            lambda count: Messages.written(self, self.tr("已导出"), self.tr("已导出%1名学生的送教记录：%2")
                                           .replace("%1", str(count)).replace("%2", str(path)), path),
        )
        return self._worker

    def print_child(self) -> Worker | None:
        row = selected_row(self.plans_view)
        if not self.plan_id or row is None:
            Messages.info(self, self.tr("打印送教档案"), self.tr("请先在左侧选择学生"))
            return None
        plan_id, name, today = self.plan_id, self.plans_model.row(row)["name"], self.today()
        path = Ask.save_path(self, self.tr("保存送教档案"), f"送教档案-{name}-{self.semester}.pdf", "PDF (*.pdf)")
        if not path:
            return None
        self._worker = run_in_worker(
            self, self.tr("正在生成送教档案…"),
            lambda: home_teaching.export_child_pdf(self.store, plan_id, path, today),
            lambda _r: Messages.written(self, self.tr("已生成"), self.tr("送教档案已保存：%1").replace("%1", str(path)),
                                        path),
        )
        return self._worker
