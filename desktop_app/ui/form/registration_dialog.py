"""一生一表: the registration form of one student, grouped as the official form groups it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import cast

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import codes
from desktop_app.domain import form_fields as ff
from desktop_app.domain.errors import BaoxueError, FieldError, ValidationError
from desktop_app.domain.identity import age_on, id_number_error, normalize_id_number, parse_id_number
from desktop_app.domain.registration import RegistrationForm
from desktop_app.domain.roles import Purpose
from desktop_app.services import care, cases, handover, privacy
from desktop_app.services.store import Store
from desktop_app.ui.common.tables import prepare_all
from desktop_app.ui.form.address_edit import AddressEdit
from desktop_app.ui.form.attempts import AttemptDialog, AttemptsModel
from desktop_app.ui.form.field_widgets import get_value, make_input, set_value
from desktop_app.ui.help.guide import HELP_KEY, show_guide
from desktop_app.ui.lifecycle.panel import CaseLifecyclePanel
from desktop_app.ui.reports.actions import ReportActions
from desktop_app.ui.widgets import (
    ErrorLabel,
    Messages,
    from_qdate,
    make_combo,
    make_date_edit,
    set_combo_text,
    to_qdate,
)
from desktop_app.ui.workers import Worker

NO_DATE = QDate(1900, 1, 1)  # an empty date field (QDateEdit shows its special value, a blank)

# Fields the registration dialog requires although the form's rules allow them empty (imports may lack them).
REQUIRED_IN_FORM = tuple((f.key, f.required) for f in ff.FIELDS if f.required)
# Fields whose input the dialog fills and reads itself (derived, or filled from elsewhere).
_OWN_HANDLING = frozenset({"fill_date", "birth_date", "sex", "deferral_approved", "deferral_approval_date",
                           "deferral_document"})


class _Grid:
    """A grid of labelled fields, each with its error label underneath."""

    def __init__(self, parent: QWidget, errors: dict[str, ErrorLabel]) -> None:
        self.layout = QGridLayout(parent)
        self.layout.setHorizontalSpacing(8)
        self.layout.setVerticalSpacing(2)
        self._errors = errors
        self._parent = parent
        self.row = 0

    def add(self, col: int, label: str, widget: QWidget, field: str | None = None, span: int = 1) -> None:
        caption = QLabel(label, self._parent)
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        caption.setBuddy(widget)
        self.layout.addWidget(caption, self.row, col)
        self.layout.addWidget(widget, self.row, col + 1, 1, span)
        if field:
            error = ErrorLabel(self._parent)
            self._errors[field] = error
            self.layout.addWidget(error, self.row + 1, col + 1, 1, span)

    def next_row(self) -> None:
        self.row += 2


class RegistrationFormDialog(QDialog):
    """Create or edit one case. Saving validates every field and saves all or nothing.

    Signals:
        saved(str): the case id, after a successful save.
    """

    saved = Signal(str)

    # made by setattr in the guardians loop of the basic-information page (n = 1, 2)
    guardian1_name_edit: QLineEdit
    guardian1_relation_combo: QComboBox
    guardian1_phone_edit: QLineEdit
    guardian2_name_edit: QLineEdit
    guardian2_relation_combo: QComboBox
    guardian2_phone_edit: QLineEdit

    def __init__(self, store: Store, case_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.errors: dict[str, ErrorLabel] = {}
        self.inputs: dict[str, QWidget] = {}  # every declared field's input (a label for a derived one), by key
        self._form = RegistrationForm()
        self._loaded: RegistrationForm | None = None
        self._report_actions: ReportActions | None = None
        self._shown_once = False
        self.setWindowTitle(self.tr("一生一表 — 义务教育阶段辍学学生登记表"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self._build()
        if case_id:
            self.load(cases.load_form(store, case_id))
        else:
            self.load(self._new_form())
        self.view_only = not privacy.full_allowed(store, Purpose.FORM)
        if self.view_only:
            self._make_view_only()
        self.resize(1080, 700)
        prepare_all(self)
        help_shortcut = QShortcut(HELP_KEY, self)
        help_shortcut.activated.connect(self.show_guide)

    # The guide's section for each tab of the form (F1).
    TAB_SECTIONS = ("registration", "persuasion", "closing")

    def show_guide(self) -> None:
        """F1: the guide at the section of the tab in use (the guide outlives this form)."""
        show_guide(self.parentWidget() or self, self.TAB_SECTIONS[min(self.tabs.currentIndex(), 2)])

    def _make_view_only(self) -> None:
        """Roles that only view (只读, 督导员): numbers masked, nothing editable, no save."""
        for edit in (self.id_edit, self.student_number_edit):
            edit.setText(privacy.shown_id_number(self.store, edit.text(), Purpose.FORM))
        phones = (self.contact_phone_edit, self.responsible_phone_edit, self.guardian1_phone_edit,
                  self.guardian2_phone_edit)
        for edit in phones:
            edit.setText(privacy.shown_phone(self.store, edit.text(), Purpose.FORM))
        for edit in self.findChildren(QLineEdit):
            edit.setReadOnly(True)
        for text_edit in self.findChildren(QPlainTextEdit):
            text_edit.setReadOnly(True)
        for button in self.findChildren(QPushButton):
            if button is not self.close_button:
                button.setEnabled(False)
        for widget in self.findChildren(QComboBox) + self.findChildren(QDateEdit) + self.findChildren(QCheckBox):
            widget.setEnabled(False)
        self.save_button.hide()
        self.status_label.setText(self.tr("只读：号码已部分隐藏"))

    # --- building -----------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        inst = self.store.installation()
        header = QGroupBox(self.tr("表头"), self)
        grid = _Grid(header, self.errors)
        self.unit_label = QLabel(inst.name if inst else "", header)
        self.contact_name_edit = QLineEdit(header)
        self.contact_phone_edit = QLineEdit(header)
        self.fill_date_edit = make_date_edit(header)
        grid.add(0, self.tr("单位（盖章）"), self.unit_label)
        self._put(grid, 2, "contact_name", self.contact_name_edit)
        self._put(grid, 4, "contact_phone", self.contact_phone_edit)
        self._put(grid, 6, "fill_date", self.fill_date_edit)
        self._put_extras(grid, ff.HEADER, header)
        outer.addWidget(header)
        self.care_tags_label = QLabel(self)  # 特殊学生类别, read-only (kept in 特殊学生关爱)
        self.care_tags_label.setWordWrap(True)
        outer.addWidget(self.care_tags_label)

        self.banner = ErrorLabel(self)
        outer.addWidget(self.banner)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._scroll(self._build_basic()), self.tr("基本信息"))
        self.tabs.addTab(self._scroll(self._build_persuasion()), self.tr("核查劝返情况"))
        self.lifecycle_panel = CaseLifecyclePanel(self.store, self, ensure_saved=self._saved_before_action)
        self.lifecycle_panel.changed.connect(self._lifecycle_changed)
        self.tabs.addTab(self.lifecycle_panel, self.tr("案件处理"))
        outer.addWidget(self.tabs, 1)

        buttons = QHBoxLayout()
        self.status_label = QLabel(self)
        buttons.addWidget(self.status_label)
        buttons.addStretch(1)
        self.history_button = QPushButton(self.tr("历史记录…"), self)
        self.history_button.setToolTip(self.tr("谁在何时改了此案件的什么内容"))
        self.history_button.clicked.connect(lambda: self.lifecycle_panel.show_history())
        buttons.addWidget(self.history_button)
        self.save_button = QPushButton(self.tr("保存(&S)"), self)
        self.save_button.setDefault(True)
        self.save_button.setToolTip(self.tr("保存整张表（Ctrl+S）"))
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.print_button = QPushButton(self.tr("打印(&P)…"), self)
        self.print_button.setToolTip(self.tr("打印预览并打印这张表（正式表式样，带核验码）"))
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.print_button.clicked.connect(self.print_form)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save)

    def _put(self, grid: _Grid, col: int, key: str, widget: QWidget, span: int = 1) -> None:
        """Place the input of the declared field ``key`` with its caption (and its error label unless derived)."""
        field = ff.BY_KEY[key]
        grid.add(col, self.tr(field.shown_as), widget, key if field.stored else None, span)
        self.inputs[key] = widget

    def _put_extras(self, grid: _Grid, section: str, parent: QWidget) -> None:
        """A declared field of ``section`` not placed by hand above: its own row, its input made by its kind."""
        for field in ff.in_section(section):
            if field.key not in self.inputs:
                self._put(grid, 0, field.key, make_input(field, parent), span=7 if section != ff.HEADER else 1)
                grid.next_row()

    def _scroll(self, inner: QWidget) -> QScrollArea:
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setWidget(inner)
        return area

    def _build_basic(self) -> QWidget:
        page = QWidget(self)
        g = _Grid(page, self.errors)
        self.name_edit = QLineEdit(page)
        self.name_edit.setMaxLength(30)
        self.id_edit = QLineEdit(page)
        self.id_edit.setMaxLength(22)
        self.id_edit.setPlaceholderText(self.tr("18位，末位可为X"))
        self._put(g, 0, "name", self.name_edit)
        self._put(g, 2, "id_number", self.id_edit, span=5)
        g.next_row()
        self.birth_edit = make_date_edit(page)
        self.birth_edit.setMinimumDate(NO_DATE)  # shown empty until typed or derived from the identity number
        self.birth_edit.setSpecialValueText(" ")
        self.birth_edit.setDate(NO_DATE)
        self.sex_combo = make_combo(("男", "女"), page)
        self.age_label = QLabel(page)
        self.ethnic_combo = make_combo(codes.ETHNIC_GROUPS, page, blank=False)
        self._put(g, 0, "birth_date", self.birth_edit)
        self._put(g, 2, "sex", self.sex_combo)
        self._put(g, 4, "age", self.age_label)
        self._put(g, 6, "ethnic_group", self.ethnic_combo)
        g.next_row()
        self.health_combo = make_combo(codes.HEALTH_OPTIONS, page, blank=False, editable=True)
        self.student_number_edit = QLineEdit(page)
        self.student_number_edit.setPlaceholderText(self.tr("G+身份证号码，或L+临时编号"))
        self.grade_combo = make_combo(codes.GRADES, page)
        self._put(g, 0, "health", self.health_combo)
        self._put(g, 2, "student_number", self.student_number_edit, span=3)
        self._put(g, 6, "grade", self.grade_combo)
        g.next_row()
        for n in (1, 2):
            name = QLineEdit(page)
            relation = make_combo(codes.RELATIONSHIPS, page, editable=True)
            phone = QLineEdit(page)
            phone.setPlaceholderText(self.tr("手机或带区号的座机"))
            setattr(self, f"guardian{n}_name_edit", name)
            setattr(self, f"guardian{n}_relation_combo", relation)
            setattr(self, f"guardian{n}_phone_edit", phone)
            self._put(g, 0, f"guardian{n}_name", name)
            self._put(g, 2, f"guardian{n}_relation", relation)
            self._put(g, 4, f"guardian{n}_phone", phone, span=3)
            g.next_row()
        self.address_edits: dict[str, AddressEdit] = {}
        for kind in (f.key for f in ff.addresses()):
            edit = AddressEdit(page)
            self.address_edits[kind] = edit
            self._put(g, 0, kind, edit, span=7)
            g.next_row()
        self.copy_address_button = QPushButton(self.tr("现居住地同户籍所在地"), page)
        self.copy_address_button.clicked.connect(
            lambda: self.address_edits["residence"].set_value(self.address_edits["hukou"].value())
        )
        g.layout.addWidget(self.copy_address_button, g.row, 1, 1, 2)
        g.next_row()
        self.reason_combo = make_combo(codes.DROPOUT_REASONS, page)
        self.reason_detail_edit = QLineEdit(page)
        self.reason_detail_edit.setPlaceholderText(self.tr("具体说明"))
        self._put(g, 0, "dropout_reason", self.reason_combo)
        self._put(g, 2, "reason_detail", self.reason_detail_edit, span=5)
        g.next_row()
        self.family_edit = QPlainTextEdit(page)
        self.family_edit.setTabChangesFocus(True)
        self.family_edit.setFixedHeight(70)
        self._put(g, 0, "family_situation", self.family_edit, span=7)
        g.next_row()
        self._put_extras(g, ff.BASIC, page)
        g.layout.setColumnStretch(1, 2)
        g.layout.setColumnStretch(3, 2)
        g.layout.setColumnStretch(5, 1)
        g.layout.setColumnStretch(7, 1)
        g.layout.setRowStretch(g.row + 2, 1)
        self.id_edit.textChanged.connect(self._update_derived)
        self.birth_edit.dateChanged.connect(self._update_derived)
        self.fill_date_edit.dateChanged.connect(self._update_derived)
        return page

    def _build_persuasion(self) -> QWidget:
        page = QWidget(self)
        g = _Grid(page, self.errors)
        self.started_label = QLabel(page)
        self.count_label = QLabel(page)
        self.count_label.setToolTip(self.tr("由劝返过程记录自动统计，不需填写"))
        self._put(g, 0, "persuasion_started", self.started_label)
        self._put(g, 2, "attempt_count", self.count_label)
        g.next_row()
        self.result_combo = make_combo(codes.PERSUASION_RESULTS, page)
        self.not_returned_edit = QLineEdit(page)
        self._put(g, 0, "result", self.result_combo)
        self._put(g, 2, "not_returned_reason", self.not_returned_edit, span=3)
        g.next_row()
        self.unit_edit = QLineEdit(page)
        self.responsible_edit = QLineEdit(page)
        self.responsible_phone_edit = QLineEdit(page)
        self._put(g, 0, "persuading_unit", self.unit_edit)
        self._put(g, 2, "responsible_person", self.responsible_edit)
        self._put(g, 4, "responsible_phone", self.responsible_phone_edit)
        g.next_row()
        self.deferral_check = QCheckBox(
            self.tr("是：经区县扶贫工作领导小组核实同意、准许先办理延缓入学或休学手续"), page
        )
        self.deferral_date_edit = make_date_edit(page)
        self.deferral_doc_edit = QLineEdit(page)
        self.deferral_doc_edit.setPlaceholderText(self.tr("批准文号"))
        self._put(g, 0, "deferral_approved", self.deferral_check, span=5)
        g.next_row()
        self._put(g, 0, "deferral_approval_date", self.deferral_date_edit)
        self._put(g, 2, "deferral_document", self.deferral_doc_edit, span=3)
        g.next_row()
        self._put_extras(g, ff.PERSUASION, page)
        self.deferral_check.toggled.connect(self._update_deferral)
        self.deferral_check.setEnabled(False)
        for w in (self.deferral_check, self.deferral_date_edit, self.deferral_doc_edit):
            w.setToolTip(self.tr("由“案件处理”中登记的区扶贫工作领导小组审批结果自动填写"))

        box = QGroupBox(self.tr("劝返过程详细记录（分次记录、简明扼要）"), page)
        box_layout = QVBoxLayout(box)
        self.attempts_model = AttemptsModel(box)
        self.attempts_view = QTableView(box)
        self.attempts_view.setModel(self.attempts_model)
        self.attempts_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attempts_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.attempts_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attempts_view.verticalHeader().hide()
        header = self.attempts_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.attempts_view.setMinimumHeight(200)
        self.attempts_view.doubleClicked.connect(lambda _i: self.edit_attempt())
        box_layout.addWidget(self.attempts_view)
        self.errors["attempts"] = ErrorLabel(box)
        box_layout.addWidget(self.errors["attempts"])
        row = QHBoxLayout()
        self.add_attempt_button = QPushButton(self.tr("添加记录(&A)"), box)
        self.edit_attempt_button = QPushButton(self.tr("修改"), box)
        self.void_attempt_button = QPushButton(self.tr("作废…"), box)
        for b in (self.add_attempt_button, self.edit_attempt_button, self.void_attempt_button):
            row.addWidget(b)
        row.addStretch(1)
        box_layout.addLayout(row)
        self.add_attempt_button.clicked.connect(self.add_attempt)
        self.edit_attempt_button.clicked.connect(self.edit_attempt)
        self.void_attempt_button.clicked.connect(self.void_attempt)
        g.layout.addWidget(box, g.row, 0, 1, 6)
        g.layout.setRowStretch(g.row, 1)
        g.layout.setColumnStretch(1, 1)
        g.layout.setColumnStretch(3, 1)
        g.layout.setColumnStretch(5, 1)
        return page

    # --- values -------------------------------------------------------------------------

    def _new_form(self) -> RegistrationForm:
        inst = self.store.installation()
        form = RegistrationForm()
        if inst:
            form.contact_name = inst.contact_name
            form.contact_phone = inst.contact_phone
            form.persuading_unit = inst.name
            form.hukou.province = form.residence.province = "重庆市"
            form.hukou.city = form.residence.city = "重庆市"
            form.hukou.county = form.residence.county = "潼南区"
        return form

    def load(self, form: RegistrationForm) -> None:
        self._form = form
        self.fill_date_edit.setDate(to_qdate(form.fill_date))
        self.birth_edit.setDate(to_qdate(form.birth_date) if form.birth_date else NO_DATE)
        set_combo_text(self.sex_combo, form.sex)
        for key, widget in self._plain_inputs():
            set_value(widget, getattr(form, key))
        self.deferral_check.setChecked(form.deferral_approved)
        if form.deferral_approval_date:
            self.deferral_date_edit.setDate(to_qdate(form.deferral_approval_date))
        self.deferral_doc_edit.setText(form.deferral_document)
        self.attempts_model.set_attempts(form.attempts)
        self._update_derived()
        self._update_deferral()
        self._update_attempt_figures()
        self._show_errors(None)
        tags = care.tags_text(self.store, form.student_id)
        self.care_tags_label.setText(self.tr("特殊学生类别：") + tags if tags else "")
        self.care_tags_label.setVisible(bool(tags))
        self._loaded = self.value()
        title = f"{form.name} — " if form.name else self.tr("新建 — ")
        self.setWindowTitle(title + self.tr("一生一表"))
        in_flight = handover.in_flight_request(self.store, form.case_id) if form.case_id else ""
        self.status_label.setText(self.tr("状态：") + form.status + (f"（{in_flight}）" if in_flight else "")
                                  if form.case_id else self.tr("新案件（尚未保存）"))
        self.history_button.setEnabled(bool(form.case_id))
        if self.lifecycle_panel.case_id != form.case_id:
            self.lifecycle_panel.set_case(form.case_id)
        else:
            self.lifecycle_panel.refresh()

    def value(self) -> RegistrationForm:
        """The form as currently shown, derived fields included."""
        f = dataclasses.replace(self._form)
        f.fill_date = from_qdate(self.fill_date_edit.date()) or dt.date.today()
        if self.birth_edit.isEnabled():
            f.birth_date = self._birth_date()
            f.sex = self.sex_combo.currentText()
        else:
            f.birth_date, f.sex = None, ""
        for key, widget in self._plain_inputs():
            setattr(f, key, get_value(widget))
        f.deferral_approved = self.deferral_check.isChecked()
        f.deferral_approval_date = from_qdate(self.deferral_date_edit.date()) if f.deferral_approved else None
        f.deferral_document = self.deferral_doc_edit.text() if f.deferral_approved else ""
        f.attempts = self.attempts_model.attempts()
        f.normalize()
        return f

    def _plain_inputs(self) -> list[tuple[str, QWidget]]:
        """The typed fields' inputs the dialog fills and reads the same way (all but the derived and its own)."""
        return [(key, widget) for key, widget in self.inputs.items()
                if ff.BY_KEY[key].stored and key not in _OWN_HANDLING]

    def is_dirty(self) -> bool:
        if getattr(self, "view_only", False):
            return False
        return self._loaded is not None and self.value() != self._loaded

    # --- derived fields -----------------------------------------------------------------

    def _update_derived(self) -> None:
        text = normalize_id_number(self.id_edit.text())
        fill = from_qdate(self.fill_date_edit.date()) or dt.date.today()
        self.errors["id_number"].show_messages([])
        if not text:
            if not self.birth_edit.isEnabled():  # the number was cleared: so is what came from it
                self.birth_edit.setDate(NO_DATE)
            self.birth_edit.setEnabled(True)
            self.sex_combo.setEnabled(True)
            birth = self._birth_date()
        elif id_number_error(text) is None:
            info = parse_id_number(text)
            self.birth_edit.setEnabled(False)
            self.sex_combo.setEnabled(False)
            self.birth_edit.setDate(to_qdate(info.birth_date))
            set_combo_text(self.sex_combo, info.sex.value)
            birth = info.birth_date
        else:
            self.birth_edit.setEnabled(False)
            self.sex_combo.setEnabled(False)
            self.birth_edit.setDate(NO_DATE)
            birth = None
            if len(text) >= 18:
                err = id_number_error(text)
                self.errors["id_number"].show_messages([err.message] if err else [])
        self.age_label.setText(f"{age_on(birth, fill)}岁" if birth else "")
        self.birth_edit.setToolTip(self.tr("由身份证号码自动得出") if not self.birth_edit.isEnabled() else "")

    def _birth_date(self) -> dt.date | None:
        """The birth date shown, or None while the field is empty."""
        date = self.birth_edit.date()
        return None if date == NO_DATE else from_qdate(date)

    def _update_deferral(self) -> None:
        # Read-only here: filled from the district's approval recorded under 案件处理.
        self.deferral_date_edit.setEnabled(False)
        self.deferral_doc_edit.setReadOnly(True)
        if not self.deferral_check.isChecked():
            self.deferral_doc_edit.setPlaceholderText(self.tr("未经批准"))

    def _update_attempt_figures(self) -> None:
        count = sum(1 for a in self.attempts_model.attempts() if not a.voided)
        self.count_label.setText(f"{count}次")
        self.started_label.setText(self.tr("是") if count else self.tr("否"))

    # --- the persuasion log ---------------------------------------------------------------

    def _selected_row(self) -> int | None:
        rows = self.attempts_view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def add_attempt(self) -> None:
        attempt = AttemptDialog.ask(self)
        if attempt:
            self.attempts_model.add(attempt)
            self._update_attempt_figures()

    def edit_attempt(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        current = self.attempts_model.attempt(row)
        if current.voided:
            Messages.info(self, self.tr("劝返记录"), self.tr("已作废的记录不能修改"))
            return
        attempt = AttemptDialog.ask(self, current)
        if attempt:
            self.attempts_model.replace(row, attempt)
            self._update_attempt_figures()

    def void_attempt(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        current = self.attempts_model.attempt(row)
        if current.voided:
            return
        reason, ok = QInputDialog.getText(
            self, self.tr("作废劝返记录"), self.tr("记录不会被删除，只标记为作废。请填写作废原因：")
        )
        if ok and reason.strip():
            self.attempts_model.replace(row, dataclasses.replace(current, voided=True, void_reason=reason.strip()))
            self._update_attempt_figures()

    # --- saving -------------------------------------------------------------------------

    def _show_errors(self, error: ValidationError | None) -> None:
        messages = error.errors if error else []
        for field, label in self.errors.items():
            label.show_messages([e.message for e in messages if e.field == field])
        unplaced = [e.message for e in messages if e.field not in self.errors]
        if messages:
            self.banner.show_messages(
                [self.tr("有%1处需要修改，未保存：").replace("%1", str(len(messages))), *unplaced]
            )
        else:
            self.banner.show_messages([])

    def save(self) -> bool:
        form = self.value()
        try:
            required = [FieldError(key, message) for key, message in REQUIRED_IN_FORM
                        if not getattr(form, key)]
            if required:  # the form's own rules and what the dialog requires, all at once
                raise ValidationError(form.errors() + required)
            case_id = cases.save_form(self.store, form)
        except ValidationError as exc:
            self._show_errors(exc)
            self._focus_first_error(exc)
            return False
        except BaoxueError as exc:
            Messages.error(self, self.tr("未保存"), str(exc))
            return False
        self.load(cases.load_form(self.store, case_id))
        self.status_label.setText(self.tr("已保存。状态：") + self._form.status)
        self.saved.emit(case_id)
        return True

    def print_form(self) -> Worker | None:
        """Print the saved form; unsaved changes are saved first (the paper shows the record)."""
        if self._form.case_id is None or self.is_dirty():
            if not Messages.confirm(self, self.tr("打印"), self.tr("打印的是台账中保存的内容。先保存这张表再打印吗？")):
                return None
            if not self.save():
                return None
        case_id = self._form.case_id
        if case_id is None:
            return None
        if self._report_actions is None:
            self._report_actions = ReportActions(self.store, self)
        return self._report_actions.preview_cases([case_id], self.windowTitle())

    def _saved_before_action(self) -> bool:
        """Lifecycle actions work on the saved case: unsaved edits are saved first (after asking)."""
        if not self.is_dirty():
            return True
        if not Messages.confirm(self, self.tr("先保存"), self.tr("此表有未保存的修改，需先保存才能办理。现在保存吗？")):
            return False
        return self.save()

    def reload(self) -> None:
        """Show the stored case again (after a change made outside this form)."""
        if self._form.case_id:
            tab = self.tabs.currentIndex()
            self.load(cases.load_form(self.store, self._form.case_id))
            self.tabs.setCurrentIndex(tab)

    def _lifecycle_changed(self, case_id: str) -> None:
        """Reload what the action changed (status, result, deferral fields, version) and tell the window."""
        tab = self.tabs.currentIndex()
        self.load(cases.load_form(self.store, case_id))
        self.tabs.setCurrentIndex(tab)
        self.saved.emit(case_id)

    def _focus_first_error(self, error: ValidationError) -> None:
        basic_fields = {f.key for f in ff.in_section(ff.BASIC)}
        first = error.errors[0].field
        if first in basic_fields:
            self.tabs.setCurrentIndex(0)
            widget = self._field_widget(first)
            if widget is not None:
                widget.setFocus()
        elif first in self.errors and first not in {f.key for f in ff.in_section(ff.HEADER)}:
            self.tabs.setCurrentIndex(1)

    def _field_widget(self, field: str) -> QWidget | None:
        """The input of a field: in the form's grid, the widget just above its error label."""
        label = self.errors.get(field)
        parent = label.parentWidget() if label is not None else None
        layout = parent.layout() if parent is not None else None
        if label is None or not isinstance(layout, QGridLayout):
            return None
        position = cast("tuple[int, int, int, int]", layout.getItemPosition(layout.indexOf(label)))
        item = layout.itemAtPosition(position[0] - 1, position[1])
        return item.widget() if item is not None else None

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """A new form starts at 姓名, the first thing on the paper form."""
        super().showEvent(event)
        if self._form.case_id is None and not self._shown_once:
            self._shown_once = True
            self.tabs.setCurrentIndex(0)
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def done(self, result: int) -> None:
        """Closing (button, Esc or the window's ×) asks before unsaved changes are dropped."""
        if result == QDialog.DialogCode.Rejected and self.is_dirty() and not Messages.confirm(
            self, self.tr("尚未保存"), self.tr("此表有未保存的修改。放弃这些修改并关闭吗？")
        ):
            return
        super().done(result)
