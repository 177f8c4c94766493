"""特殊学生关爱: the register of special students, and for the chosen one their tags, helper,
care records, aid and (for a disabled child) the 一人一档 and 一人一案."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import care as rules
from desktop_app.domain.care import CareEntry
from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.semester import next_name, previous_name
from desktop_app.services import care, semesters
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from desktop_app.ui.care.dialogs import AidDialog, CareRecordDialog, RegisterStudentDialog, TagPicker
from desktop_app.ui.common.pages import Ask, make_table, run_in_worker, select_row_where, selected_row
from desktop_app.ui.common.rows_model import RowsModel
from desktop_app.ui.widgets import (
    ErrorLabel,
    Messages,
    from_qdate,
    make_combo,
    make_date_edit,
    messages_of,
    set_combo_text,
    to_qdate,
)
from desktop_app.ui.workers import Worker

ALL_TAGS = "全部类别"


class CarePage(QWidget):
    """The register on the left, the chosen student's care on the right."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.student_id: str | None = None
        self._worker: Worker | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("搜索：姓名、拼音首字母或身份证号片段"))
        self.search_edit.setClearButtonEnabled(True)
        self.tag_combo = QComboBox(self)
        self.tag_combo.addItems([ALL_TAGS, *rules.TAGS])
        self.register_button = QPushButton(self.tr("登记特殊学生…"), self)
        self.export_button = QPushButton(self.tr("导出名册(Excel)…"), self)
        self.export_placements_button = QPushButton(self.tr("导出残疾儿童安置(Excel)…"), self)
        bar.addWidget(self.search_edit, 2)
        bar.addWidget(self.tag_combo, 1)
        bar.addWidget(self.register_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.export_placements_button)
        layout.addLayout(bar)

        split = QSplitter(self)
        left = QWidget(split)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.model = RowsModel((("name", "姓名"), ("sex", "性别"), ("masked_id", "身份证号码"), ("tags", "类别"),
                                ("helper", "帮扶责任人"), ("care_count", "关爱次数"), ("last_care", "最近关爱"),
                                ("placement", "安置方式")), self)
        self.view = make_table(self.model, left)
        for col, width in enumerate((70, 40, 130, 170, 80, 60, 85)):
            self.view.setColumnWidth(col, width)
        left_layout.addWidget(self.view)
        self.count_label = QLabel(left)
        left_layout.addWidget(self.count_label)
        split.addWidget(left)
        self.detail = self._build_detail(split)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        layout.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.tag_combo.currentIndexChanged.connect(self.refresh)
        self.register_button.clicked.connect(self.register_student)
        self.export_button.clicked.connect(self.export_register)
        self.export_placements_button.clicked.connect(self.export_placements)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.refresh()

    # --- building -----------------------------------------------------------------------

    def _build_detail(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        self.student_label = QLabel(self.tr("请在左侧选择学生"), box)
        self.student_label.setStyleSheet("font-size: 12pt; font-weight: bold;")
        outer.addWidget(self.student_label)
        self.tabs = QTabWidget(box)
        outer.addWidget(self.tabs, 1)

        # tags and helper
        page = QWidget(box)
        v = QVBoxLayout(page)
        tag_box = QGroupBox(self.tr("特殊学生类别（可多选）"), page)
        tv = QVBoxLayout(tag_box)
        self.tag_picker = TagPicker(tag_box)
        tv.addWidget(self.tag_picker)
        self.tag_error = ErrorLabel(tag_box)
        tv.addWidget(self.tag_error)
        self.save_tags_button = QPushButton(self.tr("保存类别"), tag_box)
        tv.addWidget(self.save_tags_button)
        v.addWidget(tag_box)
        helper_box = QGroupBox(self.tr("一对一帮扶责任人"), page)
        hf = QFormLayout(helper_box)
        self.helper_label = QLabel(self.tr("尚未指定"), helper_box)
        self.helper_name_edit = QLineEdit(helper_box)
        self.helper_phone_edit = QLineEdit(helper_box)
        self.helper_phone_edit.setPlaceholderText(self.tr("手机或带区号的座机"))
        self.assign_button = QPushButton(self.tr("指定为帮扶责任人"), helper_box)
        self.helper_error = ErrorLabel(helper_box)
        hf.addRow(self.tr("现任"), self.helper_label)
        hf.addRow(self.tr("教师姓名"), self.helper_name_edit)
        hf.addRow(self.tr("联系电话"), self.helper_phone_edit)
        hf.addRow("", self.helper_error)
        hf.addRow("", self.assign_button)
        v.addWidget(helper_box)
        v.addStretch(1)
        self.tabs.addTab(page, self.tr("类别与帮扶"))

        # care records
        page = QWidget(box)
        v = QVBoxLayout(page)
        self.records_model = RowsModel((("record_date", "日期"), ("kind", "方式"), ("people", "人员"),
                                        ("notes", "内容")), page)
        self.records_view = make_table(self.records_model, page)
        for col, width in enumerate((85, 70, 90)):
            self.records_view.setColumnWidth(col, width)
        v.addWidget(self.records_view)
        row = QHBoxLayout()
        self.add_record_button = QPushButton(self.tr("添加关爱记录…"), page)
        self.edit_record_button = QPushButton(self.tr("修改…"), page)
        self.edit_record_button.setToolTip(self.tr("修改所选记录（也可双击记录）"))
        self.void_record_button = QPushButton(self.tr("作废…"), page)
        row.addWidget(self.add_record_button)
        row.addWidget(self.edit_record_button)
        row.addWidget(self.void_record_button)
        row.addStretch(1)
        v.addLayout(row)
        self.tabs.addTab(page, self.tr("关爱记录"))

        # aid
        page = QWidget(box)
        v = QVBoxLayout(page)
        self.aid_model = RowsModel((("semester", "学期"), ("kind", "资助项目"), ("amount", "金额(元)"),
                                    ("notes", "说明")), page)
        self.aid_view = make_table(self.aid_model, page)
        v.addWidget(self.aid_view)
        row = QHBoxLayout()
        self.aid_semester_combo = QComboBox(page)
        self.aid_kind_combo = make_combo(rules.AID_KINDS, page, editable=True)
        self.aid_amount_edit = QLineEdit(page)
        self.aid_amount_edit.setPlaceholderText(self.tr("金额（元）"))
        self.aid_amount_edit.setMaximumWidth(90)
        self.aid_notes_edit = QLineEdit(page)
        self.aid_notes_edit.setPlaceholderText(self.tr("说明（可不填，如：第一批）"))
        self.add_aid_button = QPushButton(self.tr("添加"), page)
        self.edit_aid_button = QPushButton(self.tr("修改…"), page)
        self.edit_aid_button.setToolTip(self.tr("修改所选记录（也可双击记录）"))
        self.void_aid_button = QPushButton(self.tr("作废…"), page)
        for w in (self.aid_semester_combo, self.aid_kind_combo, self.aid_amount_edit, self.aid_notes_edit,
                  self.add_aid_button, self.edit_aid_button, self.void_aid_button):
            row.addWidget(w, 1 if w is self.aid_notes_edit else 0)
        v.addLayout(row)
        self.aid_error = ErrorLabel(page)
        v.addWidget(self.aid_error)
        self.tabs.addTab(page, self.tr("资助"))

        # disability
        page = QWidget(box)
        v = QVBoxLayout(page)
        file_box = QGroupBox(self.tr("一人一档：残疾情况与安置"), page)
        ff = QFormLayout(file_box)
        self.dis_kind_combo = make_combo(rules.DISABILITY_KINDS, file_box)
        self.dis_grade_combo = make_combo(rules.DISABILITY_GRADES, file_box)
        self.dis_cert_edit = QLineEdit(file_box)
        self.placement_combo = make_combo(rules.PLACEMENTS, file_box)
        self.placement_date_edit = make_date_edit(file_box)
        self.registry_check = QCheckBox(self.tr("学籍信息已完善"), file_box)
        self.dis_notes_edit = QLineEdit(file_box)
        self.save_file_button = QPushButton(self.tr("保存残疾情况"), file_box)
        self.file_error = ErrorLabel(file_box)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.dis_kind_combo)
        kind_row.addWidget(QLabel(self.tr("等级"), file_box))
        kind_row.addWidget(self.dis_grade_combo)
        ff.addRow(self.tr("残疾类别"), kind_row)
        ff.addRow(self.tr("残疾证号"), self.dis_cert_edit)
        place_row = QHBoxLayout()
        place_row.addWidget(self.placement_combo)
        place_row.addWidget(QLabel(self.tr("自"), file_box))
        place_row.addWidget(self.placement_date_edit)
        ff.addRow(self.tr("安置方式"), place_row)
        ff.addRow("", self.registry_check)
        ff.addRow(self.tr("备注"), self.dis_notes_edit)
        ff.addRow("", self.file_error)
        ff.addRow("", self.save_file_button)
        v.addWidget(file_box)
        plan_box = QGroupBox(self.tr("一人一案：个别化教育计划"), page)
        pf = QFormLayout(plan_box)
        self.plan_semester_combo = QComboBox(plan_box)
        self.plan_goals_edit = QPlainTextEdit(plan_box)
        self.plan_goals_edit.setFixedHeight(46)
        self.plan_goals_edit.setTabChangesFocus(True)
        self.plan_content_edit = QPlainTextEdit(plan_box)
        self.plan_content_edit.setFixedHeight(46)
        self.plan_content_edit.setTabChangesFocus(True)
        self.plan_teachers_edit = QLineEdit(plan_box)
        self.save_plan_button = QPushButton(self.tr("保存一人一案"), plan_box)
        self.plan_error = ErrorLabel(plan_box)
        pf.addRow(self.tr("学期"), self.plan_semester_combo)
        pf.addRow(self.tr("目标"), self.plan_goals_edit)
        pf.addRow(self.tr("内容"), self.plan_content_edit)
        pf.addRow(self.tr("任课教师"), self.plan_teachers_edit)
        pf.addRow("", self.plan_error)
        self.plan_saved_label = QLabel(plan_box)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_plan_button)
        save_row.addWidget(self.plan_saved_label, 1)
        pf.addRow("", save_row)
        v.addWidget(plan_box)
        v.addStretch(1)
        self.tabs.addTab(page, self.tr("残疾儿童"))

        self.save_tags_button.clicked.connect(self.save_tags)
        self.assign_button.clicked.connect(self.assign_helper)
        self.add_record_button.clicked.connect(self.add_record)
        self.edit_record_button.clicked.connect(self.edit_record)
        self.void_record_button.clicked.connect(self.void_record)
        self.add_aid_button.clicked.connect(self.add_aid)
        self.edit_aid_button.clicked.connect(self.edit_aid)
        self.void_aid_button.clicked.connect(self.void_aid)
        self.records_view.doubleClicked.connect(lambda _index: self.edit_record())
        self.aid_view.doubleClicked.connect(lambda _index: self.edit_aid())
        for view in (self.records_view, self.aid_view):
            view.selectionModel().selectionChanged.connect(lambda *_: self._update_edit_buttons())
        self._update_edit_buttons()
        self.save_file_button.clicked.connect(self.save_file)
        self.save_plan_button.clicked.connect(self.save_plan)
        self.plan_semester_combo.currentTextChanged.connect(lambda _t: self._load_plan())
        current = semesters.current(self.store).name
        names = [previous_name(current), current, next_name(current)]
        for combo in (self.aid_semester_combo, self.plan_semester_combo):
            combo.addItems(names)
            combo.setCurrentText(current)
        self.tabs.setEnabled(False)
        return box

    # --- the register ---------------------------------------------------------------------

    def refresh(self) -> None:
        self._timer.stop()
        tag = self.tag_combo.currentText()
        rows = care.register_rows(self.store, self.search_edit.text(), "" if tag == ALL_TAGS else tag)
        keep = self.student_id
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("共 %1 人").replace("%1", str(len(rows))))
        if keep:
            self.select_student(keep)
        self._update_edit_buttons()  # the account may have changed (sign-in, unlock)

    def select_student(self, student_id: str) -> bool:
        before = selected_row(self.view)
        if not select_row_where(self.view, "student_id", student_id):
            return False
        if selected_row(self.view) == before:  # selected already: no selectionChanged, so reload the details here
            self._selection_changed()
        return True

    def _selection_changed(self) -> None:
        row = selected_row(self.view)
        if row is None:
            return
        data = self.model.row(row)
        self.student_id = data["student_id"]
        self.student_label.setText(f"{data['name']}　{data['masked_id']}")
        self.tabs.setEnabled(True)
        self.tag_picker.set_value(care.tags_of(self.store, self.student_id))
        self.tag_error.show_messages([])
        helper = care.current_helper(self.store, self.student_id)
        self.helper_label.setText(
            f"{helper.teacher_name}（{helper.phone}，自{helper.start_date:%Y-%m-%d}）" if helper
            else self.tr("尚未指定")
        )
        self._load_records()
        self._load_file()
        self._load_plan()

    def _load_records(self) -> None:
        if self.student_id:
            self.records_model.set_rows(care.care_records(self.store, self.student_id))
            self.aid_model.set_rows(care.aid_records(self.store, self.student_id))
        self._update_edit_buttons()

    def _update_edit_buttons(self) -> None:
        """修改/作废 need a selected record that is not voided, and an account that may change this student's
        records; adding and saving need the account."""
        allowed = bool(self.student_id) and can(self.store, Permission.EDIT_RECORDS, student_id=self.student_id)
        for view, model, buttons in ((self.records_view, self.records_model,
                                      (self.edit_record_button, self.void_record_button)),
                                     (self.aid_view, self.aid_model, (self.edit_aid_button, self.void_aid_button))):
            row = selected_row(view)
            for button in buttons:
                button.setEnabled(allowed and row is not None and not model.row(row)["voided"])
        # what only adds or saves: an account that may change this student's records (the services refuse too)
        for button in (self.add_record_button, self.add_aid_button, self.save_tags_button, self.assign_button,
                       self.save_file_button, self.save_plan_button):
            button.setEnabled(allowed)
        self.register_button.setEnabled(can(self.store, Permission.EDIT_RECORDS))

    def _load_file(self) -> None:
        file = care.disability_of(self.store, self.student_id) if self.student_id else None
        file = file or rules.DisabilityFile()
        set_combo_text(self.dis_kind_combo, file.kind)
        set_combo_text(self.dis_grade_combo, file.grade)
        self.dis_cert_edit.setText(file.certificate_number)
        set_combo_text(self.placement_combo, file.placement)
        if file.placement_start:
            self.placement_date_edit.setDate(to_qdate(file.placement_start))
        self.registry_check.setChecked(file.registry_confirmed)
        self.dis_notes_edit.setText(file.notes)
        self.file_error.show_messages([])

    def _load_plan(self) -> None:
        if not self.student_id:
            return
        plan = care.individual_plan(self.store, self.student_id, self.plan_semester_combo.currentText())
        plan = plan or care.PlanText()
        self.plan_goals_edit.setPlainText(plan.goals)
        self.plan_content_edit.setPlainText(plan.content)
        self.plan_teachers_edit.setText(plan.teachers)
        self.plan_error.show_messages([])
        self.plan_saved_label.clear()

    # --- actions ----------------------------------------------------------------------------

    def register_student(self) -> None:
        student_id = RegisterStudentDialog.ask(self.store, self)
        if student_id:
            self.search_edit.clear()
            self.tag_combo.setCurrentIndex(0)
            self.student_id = student_id
            self.refresh()

    def save_tags(self) -> None:
        if not self.student_id:
            return
        tags = self.tag_picker.value()
        if not tags and not Messages.confirm(self, self.tr("移出名册"), self.tr(
                "未选择任何类别，该生将移出关爱名册（原有记录保留）。确定吗？")):
            return
        try:
            care.set_tags(self.store, self.student_id, tags)
        except BaoxueError as exc:  # a refusal of any kind (not allowed, record gone …) shows here
            self.tag_error.show_messages(messages_of(exc))
            return
        self.tag_error.show_messages([])
        self.refresh()

    def assign_helper(self) -> None:
        if not self.student_id:
            return
        try:
            care.assign_helper(self.store, self.student_id, self.helper_name_edit.text(),
                               self.helper_phone_edit.text())
        except BaoxueError as exc:  # a refusal of any kind (not allowed, record gone …) shows here
            self.helper_error.show_messages(messages_of(exc))
            return
        self.helper_error.show_messages([])
        self.helper_name_edit.clear()
        self.helper_phone_edit.clear()
        self.refresh()

    def add_record(self) -> None:
        if not self.student_id:
            return
        helper = care.current_helper(self.store, self.student_id)
        student_id = self.student_id
        # saved from the dialog: a refusal is shown in it and what was typed stays there to fix
        entry = CareRecordDialog.ask(self, helper.teacher_name if helper else "",
                                     save=lambda e: care.add_care_record(self.store, student_id, e))
        if entry is not None:
            self.refresh()

    def edit_record(self) -> None:
        """Correct the selected care record in the dialog used to add one, filled with it."""
        row = selected_row(self.records_view)
        if row is None or not self.edit_record_button.isEnabled():
            return
        data = self.records_model.row(row)
        current = CareEntry(data["record_date"], data["kind"], data["notes"], data["people"])
        saved = CareRecordDialog.ask(self, current=current,
                                     save=lambda entry: care.update_care_record(self.store, data["id"], entry))
        if saved is not None:
            self.refresh()
            select_row_where(self.records_view, "id", data["id"])

    def void_record(self) -> None:
        row = selected_row(self.records_view)
        if row is None or self.records_model.row(row)["voided"]:
            return
        reason = Ask.text(self, self.tr("作废关爱记录"), self.tr("记录不会被删除，只标记为作废。请填写作废原因："))
        if reason:
            care.void_care_record(self.store, self.records_model.row(row)["id"], reason)
            self.refresh()

    def add_aid(self) -> None:
        if not self.student_id:
            return
        try:
            care.add_aid(self.store, self.student_id, self.aid_semester_combo.currentText(),
                         self.aid_kind_combo.currentText(), self.aid_amount_edit.text(), self.aid_notes_edit.text())
        except BaoxueError as exc:  # a refusal of any kind (not allowed, record gone …) shows here
            self.aid_error.show_messages(messages_of(exc))
            return
        self.aid_error.show_messages([])
        self.aid_amount_edit.clear()
        self.aid_notes_edit.clear()
        self.refresh()

    def edit_aid(self) -> None:
        """Correct the selected aid record."""
        row = selected_row(self.aid_view)
        if row is None or not self.edit_aid_button.isEnabled():
            return
        data = self.aid_model.row(row)
        names = [self.aid_semester_combo.itemText(i) for i in range(self.aid_semester_combo.count())]

        def save(semester: str, kind: str, amount: str, notes: str) -> None:
            care.update_aid(self.store, data["id"], semester, kind, amount, notes)

        if AidDialog.ask(names, data, save, self):
            self.refresh()
            select_row_where(self.aid_view, "id", data["id"])

    def void_aid(self) -> None:
        row = selected_row(self.aid_view)
        if row is None or self.aid_model.row(row)["voided"]:
            return
        reason = Ask.text(self, self.tr("作废资助记录"), self.tr("记录不会被删除，只标记为作废。请填写作废原因："))
        if reason:
            care.void_aid(self.store, self.aid_model.row(row)["id"], reason)
            self.refresh()

    def save_file(self) -> None:
        if not self.student_id:
            return
        file = rules.DisabilityFile(
            self.dis_kind_combo.currentText(), self.dis_grade_combo.currentText(), self.dis_cert_edit.text(),
            self.placement_combo.currentText(), from_qdate(self.placement_date_edit.date()),
            self.registry_check.isChecked(), self.dis_notes_edit.text(),
        )
        try:
            care.save_disability(self.store, self.student_id, file)
        except BaoxueError as exc:  # a refusal of any kind (not allowed, record gone …) shows here
            self.file_error.show_messages(messages_of(exc))
            return
        self.file_error.show_messages([])
        self.refresh()

    def save_plan(self) -> None:
        if not self.student_id:
            return
        plan = care.PlanText(self.plan_goals_edit.toPlainText(), self.plan_content_edit.toPlainText(),
                             self.plan_teachers_edit.text())
        try:
            care.save_individual_plan(self.store, self.student_id, self.plan_semester_combo.currentText(), plan)
        except BaoxueError as exc:  # a refusal of any kind (not allowed, record gone …) shows here
            self.plan_error.show_messages(messages_of(exc))
            return
        self.plan_error.show_messages([])
        self.plan_saved_label.setText(self.tr("已保存"))

    def export_register(self) -> Worker | None:
        path = Ask.save_path(self, self.tr("导出特殊学生名册"), "特殊学生关爱帮扶名册.xlsx", "Excel (*.xlsx)")
        if not path:
            return None
        self._worker = run_in_worker(
            self, self.tr("正在导出特殊学生名册…"), lambda: care.export_register(self.store, path),
            lambda count: Messages.written(self, self.tr("已导出"), self.tr("已导出%1人：%2")
                                           .replace("%1", str(count)).replace("%2", str(path)), path),
        )
        return self._worker

    def export_placements(self) -> Worker | None:
        semester = self.plan_semester_combo.currentText()
        path = Ask.save_path(self, self.tr("导出残疾儿童安置情况"), f"残疾儿童安置情况-{semester}.xlsx",
                             "Excel (*.xlsx)")
        if not path:
            return None
        self._worker = run_in_worker(
            self, self.tr("正在导出残疾儿童安置情况…"), lambda: care.export_placements(self.store, semester, path),
            lambda count: Messages.written(self, self.tr("已导出"), self.tr("已导出%1人：%2")
                                           .replace("%1", str(count)).replace("%2", str(path)), path),
        )
        return self._worker
