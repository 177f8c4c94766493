"""The small dialogs of the case lifecycle: joint report, court ruling, deferral application and
decision, closing (销号) and reopening. Each has a ``classmethod ask`` returning the values or None."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import codes
from desktop_app.domain import lifecycle as rules
from desktop_app.domain.lifecycle import LEADING_GROUP, Closing, ClosingReason
from desktop_app.ui.widgets import (
    ErrorLabel,
    from_qdate,
    make_combo,
    make_date_edit,
    ok_cancel_buttons,
    set_combo_text,
    to_qdate,
)


class _FormDialog(QDialog):
    """A titled form with OK/Cancel; subclasses add rows to ``self.form``."""

    def __init__(self, title: str, parent: QWidget | None = None, intro: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro, self)
            label.setWordWrap(True)
            self._layout.addWidget(label)
        self.form = QFormLayout()
        self._layout.addLayout(self.form)
        self.error_label = ErrorLabel(self)
        self._layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("确定"), cancel_text=self.tr("取消"))

    def finish(self) -> None:
        self._layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def problems(self) -> list[str]:
        return []

    def _accept(self) -> None:
        problems = self.problems()
        self.error_label.show_messages(problems)
        if not problems:
            self.accept()

    @classmethod
    def _run(cls, dialog: _FormDialog) -> Any:
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None  # type: ignore[attr-defined]  # every subclass has value()


EMPTY_DATE = QDate(2000, 1, 1)


def _optional_date_edit(parent: QWidget) -> QDateEdit:
    """A date the user must pick: it starts empty (shown as 未填)."""
    edit = make_date_edit(parent)
    edit.setMinimumDate(EMPTY_DATE)
    edit.setSpecialValueText("未填")
    edit.setDate(EMPTY_DATE)
    return edit


def _optional_date(edit: QDateEdit) -> dt.date | None:
    return None if edit.date() == EMPTY_DATE else from_qdate(edit.date())


def _text_edit(parent: QWidget, placeholder: str = "") -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(60)
    edit.setPlaceholderText(placeholder)
    return edit


@dataclass
class JointReportValue:
    report_date: dt.date | None
    reported_to: str
    reported_by: str
    note: str


class JointReportDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None, township: str = "", unit: str = "") -> None:
        super().__init__(self.tr("上报联合劝返"), parent, self.tr(
            "劝返困难的，书面报告乡镇（街道）党委政府，在其统一领导下开展联合劝返。"))
        self.date_edit = make_date_edit(self)
        self.to_edit = QLineEdit(township and f"{township}党委政府", self)
        self.to_edit.setPlaceholderText(self.tr("如：米心镇党委政府"))
        self.by_edit = QLineEdit(unit, self)
        self.note_edit = _text_edit(self, self.tr("报告文号、主要内容（可不填）"))
        self.form.addRow(self.tr("书面报告日期"), self.date_edit)
        self.form.addRow(self.tr("报告对象"), self.to_edit)
        self.form.addRow(self.tr("报告单位"), self.by_edit)
        self.form.addRow(self.tr("说明"), self.note_edit)
        self.finish()

    def value(self) -> JointReportValue:
        return JointReportValue(from_qdate(self.date_edit.date()), self.to_edit.text().strip(),
                                self.by_edit.text().strip(), self.note_edit.toPlainText().strip())

    @classmethod
    def ask(cls, parent: QWidget | None, township: str = "", unit: str = "") -> JointReportValue | None:
        return cls._run(cls(parent, township, unit))


@dataclass
class CourtRulingValue:
    ruling_date: dt.date | None
    court: str
    document_number: str
    fulfilled: bool
    note: str


class CourtRulingDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登记法院判决"), parent)
        self.date_edit = make_date_edit(self)
        self.court_edit = QLineEdit(self.tr("潼南区人民法院"), self)
        self.number_edit = QLineEdit(self)
        self.number_edit.setPlaceholderText(self.tr("判决书案号"))
        self.fulfilled_check = QCheckBox(self.tr("监护人已履行法定义务"), self)
        self.note_edit = _text_edit(self)
        self.form.addRow(self.tr("判决日期"), self.date_edit)
        self.form.addRow(self.tr("法院"), self.court_edit)
        self.form.addRow(self.tr("案号"), self.number_edit)
        self.form.addRow("", self.fulfilled_check)
        self.form.addRow(self.tr("说明"), self.note_edit)
        self.finish()

    def value(self) -> CourtRulingValue:
        return CourtRulingValue(from_qdate(self.date_edit.date()), self.court_edit.text().strip(),
                                self.number_edit.text().strip(), self.fulfilled_check.isChecked(),
                                self.note_edit.toPlainText().strip())

    @classmethod
    def ask(cls, parent: QWidget | None) -> CourtRulingValue | None:
        return cls._run(cls(parent))


@dataclass
class ApplicationValue:
    kind: str
    application_date: dt.date | None
    reported_by: str
    note: str


class ApplicationDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None, basis: str = "", township: str = "") -> None:
        super().__init__(self.tr("申请延缓入学/休学"), parent, self.tr(
            "由乡镇（街道）人民政府报区扶贫工作领导小组核实同意。申请依据：") + basis)
        self.kind_combo = make_combo(rules.DEFERRAL_KINDS, self, blank=False)
        self.date_edit = make_date_edit(self)
        self.by_edit = QLineEdit(township and f"{township}人民政府", self)
        self.note_edit = _text_edit(self)
        self.form.addRow(self.tr("申请事项"), self.kind_combo)
        self.form.addRow(self.tr("上报日期"), self.date_edit)
        self.form.addRow(self.tr("上报单位"), self.by_edit)
        self.form.addRow(self.tr("说明"), self.note_edit)
        self.finish()

    def value(self) -> ApplicationValue:
        return ApplicationValue(self.kind_combo.currentText(), from_qdate(self.date_edit.date()),
                                self.by_edit.text().strip(), self.note_edit.toPlainText().strip())

    @classmethod
    def ask(cls, parent: QWidget | None, basis: str = "", township: str = "") -> ApplicationValue | None:
        return cls._run(cls(parent, basis, township))


@dataclass
class DecisionValue:
    approved: bool
    decision_date: dt.date | None
    document_number: str
    approver: str
    note: str


class DecisionDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登记区领导小组审批结果"), parent, self.tr(
            "区扶贫工作领导小组对延缓入学/休学申请的审批（暂在本机登记；以后由区教委通过数据交换下发）。"))
        self.yes_radio = QRadioButton(self.tr("同意"), self)
        self.no_radio = QRadioButton(self.tr("不同意"), self)
        self.yes_radio.setChecked(True)
        row = QWidget(self)
        row_layout = QVBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.yes_radio)
        row_layout.addWidget(self.no_radio)
        self.date_edit = make_date_edit(self)
        self.number_edit = QLineEdit(self)
        self.number_edit.setPlaceholderText(self.tr("如：潼扶组〔2026〕12号"))
        self.approver_edit = QLineEdit(LEADING_GROUP, self)
        self.note_edit = _text_edit(self)
        self.form.addRow(self.tr("审批结果"), row)
        self.form.addRow(self.tr("审批日期"), self.date_edit)
        self.form.addRow(self.tr("批准文号"), self.number_edit)
        self.form.addRow(self.tr("审批人"), self.approver_edit)
        self.form.addRow(self.tr("说明"), self.note_edit)
        self.finish()

    def value(self) -> DecisionValue:
        return DecisionValue(self.yes_radio.isChecked(), from_qdate(self.date_edit.date()),
                             self.number_edit.text().strip(), self.approver_edit.text().strip(),
                             self.note_edit.toPlainText().strip())

    @classmethod
    def ask(cls, parent: QWidget | None) -> DecisionValue | None:
        return cls._run(cls(parent))


class ClosingDialog(_FormDialog):
    """销号: the reason chooses which evidence fields are asked."""

    def __init__(self, parent: QWidget | None = None, previous: Closing | None = None) -> None:
        super().__init__(self.tr("销号"), parent, self.tr(
            "案件销号后不再计入未销号数，但不会删除；如有需要可重新立案。"))
        self.reason_combo = make_combo(list(rules.MANUAL_REASONS), self)
        self.closed_edit = make_date_edit(self)
        self.hint_label = QLabel(self)
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #555;")
        self.form.addRow(self.tr("销号原因"), self.reason_combo)
        self.form.addRow(self.tr("销号日期"), self.closed_edit)
        self.form.addRow(self.tr("须提供"), self.hint_label)
        self.event_edit = _optional_date_edit(self)
        self.event_label = QLabel(self.tr("日期"), self)
        self.grade_combo = make_combo(codes.GRADES, self)
        self.class_edit = QLineEdit(self)
        self.class_edit.setPlaceholderText(self.tr("如：2班"))
        self.placement_combo = make_combo(rules.PLACEMENTS, self)
        self.school_edit = QLineEdit(self)
        self.place_edit = QLineEdit(self)
        self.migrated_check = QCheckBox(self.tr("已办理学籍迁移（全国学籍系统已转出）"), self)
        self.detail_edit = _text_edit(self)
        self.proof_edit = QLineEdit(self)
        self.proof_edit.setPlaceholderText(self.tr("如：户籍证明、死亡证明、出入境记录；扫描件可在“佐证材料”中附加"))
        self._rows: dict[str, tuple[QWidget, QWidget]] = {}
        for key, label, widget in (
            ("event_date", self.event_label, self.event_edit),
            ("grade", self.tr("复学年级"), self.grade_combo),
            ("class_name", self.tr("班级"), self.class_edit),
            ("placement", self.tr("安置方式"), self.placement_combo),
            ("school", self.tr("学校"), self.school_edit),
            ("place", self.tr("所在地"), self.place_edit),
            ("registry_migrated", "", self.migrated_check),
            ("detail", self.tr("说明"), self.detail_edit),
            ("proof", self.tr("证明材料"), self.proof_edit),
        ):
            caption = label if isinstance(label, QLabel) else QLabel(label, self)
            self.form.addRow(caption, widget)
            self._rows[key] = (caption, widget)
        self.reason_combo.currentTextChanged.connect(self._reason_changed)
        self.finish()
        if previous:
            self.set_value(previous)
        self._reason_changed(self.reason_combo.currentText())

    _FIELDS = {
        ClosingReason.RETURNED.value: {"event_date": "复学日期", "grade": "", "class_name": "", "placement": ""},
        ClosingReason.TRANSFERRED.value: {"school": "转入学校", "registry_migrated": "", "detail": "说明"},
        ClosingReason.OUTSIDE.value: {"school": "就读学校", "place": "学校所在地", "detail": "说明"},
        ClosingReason.DEFERRED.value: {"detail": "说明"},
        ClosingReason.WRONG_INFO.value: {"detail": "错误内容", "proof": "证明材料"},
        ClosingReason.OVERAGE.value: {"detail": "说明"},
        ClosingReason.DEATH.value: {"event_date": "死亡日期", "proof": "证明材料", "detail": "说明"},
        ClosingReason.ABROAD.value: {"event_date": "出国日期", "place": "去往国家(地区)", "proof": "证明材料"},
        ClosingReason.OTHER.value: {"detail": "具体原因"},
    }

    def _reason_changed(self, reason: str) -> None:
        shown = self._FIELDS.get(reason, {})
        for key, (caption, widget) in self._rows.items():
            caption.setVisible(key in shown)
            widget.setVisible(key in shown)
            if shown.get(key) and isinstance(caption, QLabel):
                caption.setText(self.tr(shown[key]))
        self.hint_label.setText(rules.EVIDENCE_HINTS.get(reason, self.tr("请先选择销号原因")))
        self.adjustSize()

    def set_value(self, c: Closing) -> None:
        set_combo_text(self.reason_combo, c.reason)
        self.closed_edit.setDate(to_qdate(c.closed_on))
        if c.event_date:
            self.event_edit.setDate(to_qdate(c.event_date))
        set_combo_text(self.grade_combo, c.grade)
        self.class_edit.setText(c.class_name)
        set_combo_text(self.placement_combo, c.placement)
        self.school_edit.setText(c.school)
        self.place_edit.setText(c.place)
        self.migrated_check.setChecked(c.registry_migrated)
        self.detail_edit.setPlainText(c.detail)
        self.proof_edit.setText(c.proof)

    def value(self) -> Closing:
        """Only the fields shown for the chosen reason are taken."""
        shown = self._FIELDS.get(self.reason_combo.currentText(), {})

        def take(key: str, value: Any, empty: Any = "") -> Any:
            return value if key in shown else empty

        return Closing(
            reason=self.reason_combo.currentText(),
            closed_on=from_qdate(self.closed_edit.date()) or dt.date.today(),
            event_date=take("event_date", _optional_date(self.event_edit), None),
            grade=take("grade", self.grade_combo.currentText()),
            class_name=take("class_name", self.class_edit.text()),
            placement=take("placement", self.placement_combo.currentText()),
            school=take("school", self.school_edit.text()),
            place=take("place", self.place_edit.text()),
            registry_migrated=take("registry_migrated", self.migrated_check.isChecked(), False),
            detail=take("detail", self.detail_edit.toPlainText()),
            proof=take("proof", self.proof_edit.text()),
        )

    def problems(self) -> list[str]:
        return [] if self.reason_combo.currentText() else [self.tr("请选择销号原因")]

    @classmethod
    def ask(cls, parent: QWidget | None, previous: Closing | None = None) -> Closing | None:
        return cls._run(cls(parent, previous))


@dataclass
class ReopenValue:
    reopen_date: dt.date | None
    reason: str


class ReopenDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("重新立案"), parent, self.tr("已销号的案件重新计入未销号数。请写明原因。"))
        self.date_edit = make_date_edit(self)
        self.reason_edit = _text_edit(self, self.tr("如：复学后再次连续多日未到校"))
        self.form.addRow(self.tr("重新立案日期"), self.date_edit)
        self.form.addRow(self.tr("原因"), self.reason_edit)
        self.finish()

    def value(self) -> ReopenValue:
        return ReopenValue(from_qdate(self.date_edit.date()), self.reason_edit.toPlainText().strip())

    def problems(self) -> list[str]:
        return [] if self.reason_edit.toPlainText().strip() else [self.tr("请填写重新立案的原因")]

    @classmethod
    def ask(cls, parent: QWidget | None) -> ReopenValue | None:
        return cls._run(cls(parent))
