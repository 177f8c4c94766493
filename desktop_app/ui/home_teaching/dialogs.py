"""Dialogs of home teaching: the plan, one session, a break-time contact, the term calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import school_calendar as cal
from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.home_teaching import BREAKS, CONTACT_METHODS, SESSION_FORMS, SessionEntry
from desktop_app.services import home_teaching, semesters
from desktop_app.services.store import Store
from desktop_app.ui.common.pages import Ask, make_table, selected_row
from desktop_app.ui.common.rows_model import RowsModel
from desktop_app.ui.widgets import (
    ErrorLabel,
    from_qdate,
    make_combo,
    make_date_edit,
    messages_of,
    ok_cancel_buttons,
    set_combo_text,
    to_qdate,
)


class PlanDialog(QDialog):
    """A child's home-teaching plan for a semester (new, or changing an existing one)."""

    def __init__(self, store: Store, semester: str, plan_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.semester, self.plan_id = store, semester, plan_id
        self.setWindowTitle(self.tr("送教计划 — %1").replace("%1", semester))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.child_combo = QComboBox(self)
        self._children = home_teaching.candidates(store)
        for c in self._children:
            self.child_combo.addItem(f"{c['name']}（{c['placement']}，{c['masked_id']}）", c["student_id"])
        self.teachers_edit = QLineEdit(self)
        self.teachers_edit.setPlaceholderText(self.tr("如：王老师、李老师"))
        self.content_edit = QPlainTextEdit(self)
        self.content_edit.setTabChangesFocus(True)
        self.content_edit.setPlaceholderText(self.tr("本学期送教的课程和内容"))
        self.weekday_combo = make_combo(cal.WEEKDAYS, self, blank=False)
        self.hours_spin = QSpinBox(self)
        self.hours_spin.setRange(1, 8)
        self.hours_spin.setValue(home_teaching.minimum(store).hours)
        self.hours_spin.setSuffix(self.tr(" 学时"))
        span = semesters.ensure(store, semester)
        self.start_edit = make_date_edit(self, max(span.start, min(dt.date.today(), span.end)) if plan_id is None
                                         else span.start)
        form.addRow(self.tr("学生"), self.child_combo)
        form.addRow(self.tr("送教教师"), self.teachers_edit)
        form.addRow(self.tr("送教内容"), self.content_edit)
        form.addRow(self.tr("每周送教日"), self.weekday_combo)
        form.addRow(self.tr("每次学时"), self.hours_spin)
        form.addRow(self.tr("开始日期"), self.start_edit)
        layout.addLayout(form)
        self.error_label = ErrorLabel(self)
        layout.addWidget(self.error_label)
        if not self._children:
            self.error_label.show_messages([self.tr(
                "没有安置方式为送教上门或网络送教的学生：请先在“特殊学生关爱”的“残疾儿童”中登记")])
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("保存"), cancel_text=self.tr("取消"))
        layout.addWidget(self.buttons)
        if plan_id:
            entry, _facts = home_teaching.load_plan(store, plan_id)
            index = self.child_combo.findData(entry.student_id)
            self.child_combo.setCurrentIndex(index)
            self.child_combo.setEnabled(False)
            self.teachers_edit.setText(entry.teachers)
            self.content_edit.setPlainText(entry.content)
            self.weekday_combo.setCurrentIndex(entry.weekday)
            self.hours_spin.setValue(entry.hours_per_visit)
            if entry.start_date:
                self.start_edit.setDate(to_qdate(entry.start_date))
        self.resize(480, 380)

    def _accept(self) -> None:
        student_id = self.child_combo.currentData()
        if not student_id:
            return
        entry = home_teaching.PlanEntry(
            student_id, self.semester, self.teachers_edit.text(), self.content_edit.toPlainText(),
            self.weekday_combo.currentIndex(), self.hours_spin.value(), from_qdate(self.start_edit.date()),
        )
        try:
            self.plan_id = home_teaching.save_plan(self.store, entry, self.plan_id)
        except BaoxueError as exc:
            self.error_label.show_messages(messages_of(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, semester: str, parent: QWidget | None, plan_id: str | None = None) -> str | None:
        dialog = cls(store, semester, plan_id, parent)
        return dialog.plan_id if dialog.exec() == QDialog.DialogCode.Accepted else None


class SessionDialog(QDialog):
    """One visit as it happened: date, class hours, form, teachers, content, the guardian's confirmation, photos.

    Given ``current`` (a visit to correct, its ``photos`` the stored ones) the dialog opens filled with
    it, titled 修改送教记录; photos chosen then are added to the stored ones. OK runs ``save`` with the
    entry: a refusal is shown in the dialog, which stays open.
    """

    def __init__(self, parent: QWidget | None = None, day: dt.date | None = None, teachers: str = "",
                 hours: int = 2, current: SessionEntry | None = None,
                 save: Callable[[SessionEntry], object] | None = None) -> None:
        super().__init__(parent)
        self.save = save
        self.setWindowTitle(self.tr("修改送教记录") if current else self.tr("送教记录"))
        self.photos: list[str] = []  # chosen in this dialog (local files to copy)
        self.kept_photos = len(current.photos) if current else 0
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.date_edit = make_date_edit(self, day or dt.date.today())
        self.hours_spin = QSpinBox(self)
        self.hours_spin.setRange(1, 12)
        self.hours_spin.setValue(hours)
        self.hours_spin.setSuffix(self.tr(" 学时"))
        self.form_combo = make_combo(SESSION_FORMS, self, blank=False)
        self.teachers_edit = QLineEdit(teachers, self)
        self.content_edit = QPlainTextEdit(self)
        self.content_edit.setTabChangesFocus(True)
        self.content_edit.setFixedHeight(70)
        self.confirmed_check = QCheckBox(self.tr("监护人已确认"), self)
        self.guardian_edit = QLineEdit(self)
        self.guardian_edit.setPlaceholderText(self.tr("确认人姓名"))
        self.photos_button = QPushButton(self.tr("添加照片…"), self)
        self.photos_label = QLabel(self.tr("无"), self)
        form.addRow(self.tr("日期"), self.date_edit)
        form.addRow(self.tr("学时"), self.hours_spin)
        form.addRow(self.tr("形式"), self.form_combo)
        form.addRow(self.tr("送教教师"), self.teachers_edit)
        form.addRow(self.tr("送教内容"), self.content_edit)
        row = QHBoxLayout()
        row.addWidget(self.confirmed_check)
        row.addWidget(self.guardian_edit, 1)
        form.addRow(self.tr("监护人确认"), row)
        row = QHBoxLayout()
        row.addWidget(self.photos_button)
        row.addWidget(self.photos_label, 1)
        form.addRow(self.tr("照片"), row)
        layout.addLayout(form)
        self.error_label = ErrorLabel(self)
        layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("确定"), cancel_text=self.tr("取消"))
        layout.addWidget(self.buttons)
        self.photos_button.clicked.connect(self._add_photos)
        if current:
            self.set_value(current)
        self.resize(480, 400)

    def set_value(self, entry: SessionEntry) -> None:
        self.date_edit.setDate(to_qdate(entry.session_date))
        self.hours_spin.setValue(entry.class_hours)
        set_combo_text(self.form_combo, entry.form)
        self.teachers_edit.setText(entry.teachers)
        self.content_edit.setPlainText(entry.content)
        self.confirmed_check.setChecked(entry.guardian_confirmed)
        self.guardian_edit.setText(entry.guardian_name)
        self._show_photo_count()

    def _add_photos(self) -> None:
        self.photos += Ask.open_paths(self, self.tr("选择照片"), self.tr("图片 (*.jpg *.jpeg *.png)"))
        self._show_photo_count()

    def _show_photo_count(self) -> None:
        added = len(self.photos)
        if self.kept_photos:
            text = self.tr("已有%1张").replace("%1", str(self.kept_photos))
            if added:
                text += self.tr("，新增%1张").replace("%1", str(added))
        else:
            text = self.tr("%1张").replace("%1", str(added)) if added else self.tr("无")
        self.photos_label.setText(text)

    def value(self) -> SessionEntry:
        return SessionEntry(
            from_qdate(self.date_edit.date()) or dt.date.today(), self.hours_spin.value(),
            self.form_combo.currentText(), self.teachers_edit.text().strip(), self.content_edit.toPlainText().strip(),
            self.confirmed_check.isChecked(), self.guardian_edit.text().strip(), list(self.photos),
        )

    def _accept(self) -> None:
        try:
            entry = self.value()
            entry.validate()
            if self.save:
                self.save(entry)
        except BaoxueError as exc:
            self.error_label.show_messages(messages_of(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, day: dt.date | None = None, teachers: str = "",
            hours: int = 2, current: SessionEntry | None = None,
            save: Callable[[SessionEntry], object] | None = None) -> SessionEntry | None:
        """A new visit (``current`` None), or the correction of ``current`` saved through ``save``."""
        dialog = cls(parent, day, teachers, hours, current, save)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class BreakContactDialog(QDialog):
    """A contact over the winter or summer break."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("假期联系"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.break_combo = make_combo(BREAKS, self, blank=False)
        self.date_edit = make_date_edit(self, dt.date.today())
        self.method_combo = make_combo(CONTACT_METHODS, self, blank=False)
        self.people_edit = QLineEdit(self)
        self.notes_edit = QLineEdit(self)
        form.addRow(self.tr("假期"), self.break_combo)
        form.addRow(self.tr("日期"), self.date_edit)
        form.addRow(self.tr("方式"), self.method_combo)
        form.addRow(self.tr("联系人员"), self.people_edit)
        form.addRow(self.tr("情况"), self.notes_edit)
        layout.addLayout(form)
        self.buttons = ok_cancel_buttons(self, self.accept, ok_text=self.tr("确定"), cancel_text=self.tr("取消"))
        layout.addWidget(self.buttons)

    @classmethod
    def ask(cls, parent: QWidget | None) -> dict[str, object] | None:
        d = cls(parent)
        if d.exec() != QDialog.DialogCode.Accepted:
            return None
        return {"break_kind": d.break_combo.currentText(), "contact_date": from_qdate(d.date_edit.date()),
                "method": d.method_combo.currentText(), "people": d.people_edit.text(), "notes": d.notes_edit.text()}


class CalendarDialog(QDialog):
    """校历: the term's dates, its holidays and make-up school days; official ones proposed where known."""

    def __init__(self, store: Store, semester: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.semester = store, semester
        self.changed = False
        self.setWindowTitle(self.tr("校历 — %1").replace("%1", semester))
        layout = QVBoxLayout(self)
        span = semesters.ensure(store, semester)
        row = QHBoxLayout()
        self.start_edit = make_date_edit(self, span.start)
        self.end_edit = make_date_edit(self, span.end)
        self.save_dates_button = QPushButton(self.tr("保存学期日期"), self)
        row.addWidget(QLabel(self.tr("开学"), self))
        row.addWidget(self.start_edit)
        row.addWidget(QLabel(self.tr("结束"), self))
        row.addWidget(self.end_edit)
        row.addWidget(self.save_dates_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.warning_label = ErrorLabel(self)
        layout.addWidget(self.warning_label)
        self.info_label = QLabel(self)
        self.info_label.setWordWrap(True)
        layout.addWidget(self.info_label)
        self.model = RowsModel((("day", "日期"), ("weekday", "星期"), ("kind", "类别"), ("name", "名称"),
                                ("source", "来源")), self)
        self.view = make_table(self.model, self)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.propose_button = QPushButton(self.tr("按国家法定节假日填入"), self)
        self.day_edit = make_date_edit(self, span.start)
        self.kind_combo = make_combo(cal.DAY_KINDS, self, blank=False)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("名称，如：元旦、秋假"))
        self.add_button = QPushButton(self.tr("添加"), self)
        self.void_button = QPushButton(self.tr("作废所选…"), self)
        for w in (self.propose_button, self.day_edit, self.kind_combo, self.name_edit, self.add_button,
                  self.void_button):
            row.addWidget(w)
        layout.addLayout(row)
        self.error_label = ErrorLabel(self)
        layout.addWidget(self.error_label)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.save_dates_button.clicked.connect(self.save_dates)
        self.propose_button.clicked.connect(self.propose)
        self.add_button.clicked.connect(self.add_day)
        self.void_button.clicked.connect(self.void_day)
        self.reload()
        self.resize(760, 560)

    def reload(self) -> None:
        rows = home_teaching.calendar_days(self.store, self.semester)
        for r in rows:
            r["weekday"] = cal.WEEKDAYS[r["day"].weekday()]
        self.model.set_rows(rows)
        self.warning_label.show_messages([w for w in [home_teaching.calendar_warning(self.store, self.semester)] if w])

    def save_dates(self) -> None:
        try:
            semesters.set_dates(self.store, self.semester, from_qdate(self.start_edit.date()) or dt.date.today(),
                                from_qdate(self.end_edit.date()) or dt.date.today())
        except BaoxueError as exc:
            self.error_label.show_messages([str(exc)])
            return
        self.error_label.show_messages([])
        self.changed = True
        self.reload()

    def propose(self) -> None:
        proposal = home_teaching.propose_calendar(self.store, self.semester)
        self.info_label.setText(proposal.message)
        self.changed = True
        self.reload()

    def add_day(self) -> None:
        try:
            day = from_qdate(self.day_edit.date()) or dt.date.today()
            home_teaching.add_calendar_day(self.store, self.semester, day, self.kind_combo.currentText(),
                                           self.name_edit.text())
        except BaoxueError as exc:
            self.error_label.show_messages([str(exc)])
            return
        self.error_label.show_messages([])
        self.name_edit.clear()
        self.changed = True
        self.reload()

    def void_day(self) -> None:
        row = selected_row(self.view)
        if row is None:
            return
        reason = Ask.text(self, self.tr("作废校历记录"), self.tr("请填写作废原因："))
        if reason:
            home_teaching.void_calendar_day(self.store, self.model.row(row)["id"], reason)
            self.changed = True
            self.reload()

    @classmethod
    def edit(cls, store: Store, semester: str, parent: QWidget | None) -> bool:
        """Show the calendar; True when something was changed."""
        dialog = cls(store, semester, parent)
        dialog.exec()
        return dialog.changed

