"""区教委督导: figures per school and township, all schools' ledger, approvals and the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.services import district, semesters, settings, sync
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from desktop_app.ui.common import operations
from desktop_app.ui.exchange.models import STALE_COLOR, DistrictLedgerModel, RowsModel
from desktop_app.ui.exchange.page import Pickers, _table
from desktop_app.ui.widgets import ErrorLabel, Messages, from_qdate, make_date_edit, messages_of, ok_cancel_buttons
from desktop_app.ui.workers import Worker

ALL = "全部"
PENDING_COLOR = "#fff4d6"
APPROVAL_HEADERS = ("状态", "学校", "乡镇", "姓名", "年级", "类别", "申请日期", "申请单位", "审批日期", "批准文号")

#: ``decide(approved, decision_date, document_number, note)``: records the decision or raises BaoxueError.
Decide = Callable[[bool, dt.date | None, str, str], object]


def application_state(app: dict[str, Any]) -> str:
    if not app["decided"]:
        return "待审批"
    return "已批准" if app["approved"] else "不批准"


def application_row(app: dict[str, Any]) -> list[Any]:
    return [application_state(app), app["school"], app["township"], app["name"], app["grade"], app["kind"],
            app["application_date"].isoformat(), app["reported_by"],
            app["decision_date"].isoformat() if app["decision_date"] else "", app["document_number"]]


def application_detail(app: dict[str, Any], with_decision: bool = True) -> str:
    """Everything about one application, as the detail panel (and, without the decision, the dialog) shows it."""
    school = app["school"] + (f"（{app['school_code']}，{app['township']}）" if app["school_code"] else "")
    lines = [f"学校：{school}", f"学生：{app['name']}　{app['grade']}",
             f"申请：{app['kind']}，{app['reported_by']}于{app['application_date']}申请",
             f"申请依据：{app['basis'] or '（未填）'}", f"申请说明：{app['note'] or '（无）'}"]
    if with_decision and app["decided"]:
        result = "同意" if app["approved"] else "不同意"
        lines.append(f"审批结果：{result}（{app['decision_date']}，{app['document_number'] or '无文号'}，"
                     f"{app['approver']}）")
        if app["decision_note"]:
            lines.append(f"审批说明：{app['decision_note']}")
    elif with_decision:
        lines.append("审批结果：待审批")
    return "\n".join(lines)


class ApprovalDialog(QDialog):
    """缓学审批: the district leading group's decision on one application, shown with the child, school and
    kind. OK records it through ``decide``; a refusal is shown in the dialog, which stays open."""

    def __init__(self, application: dict[str, Any], approved: bool = True, decide: Decide | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decide = decide
        self.setWindowTitle(self.tr("缓学审批"))
        layout = QVBoxLayout(self)
        self.summary_label = QLabel(application_detail(application, with_decision=False), self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary_label)
        form = QFormLayout()
        self.approve_radio = QRadioButton(self.tr("批准"), self)
        self.refuse_radio = QRadioButton(self.tr("不批准"), self)
        (self.approve_radio if approved else self.refuse_radio).setChecked(True)
        choice = QHBoxLayout()
        choice.addWidget(self.approve_radio)
        choice.addWidget(self.refuse_radio)
        choice.addStretch(1)
        self.date_edit = make_date_edit(self)
        self.document_edit = QLineEdit(self)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(70)
        self.note_edit.setPlaceholderText(self.tr("如：同意延缓入学一年，镇政府和学校继续跟踪劝返"))
        form.addRow(self.tr("审批结果"), choice)
        form.addRow(self.tr("审批日期"), self.date_edit)
        form.addRow(self.tr("批准文号"), self.document_edit)
        form.addRow(self.tr("说明"), self.note_edit)
        layout.addLayout(form)
        self.error_label = ErrorLabel(self)
        layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("确定"), cancel_text=self.tr("取消"))
        layout.addWidget(self.buttons)
        self.approve_radio.toggled.connect(self._choice_changed)
        self._choice_changed()
        self.resize(480, 380)

    def _choice_changed(self) -> None:
        self.document_edit.setPlaceholderText(
            self.tr("如：潼扶组〔2026〕12号（批准时必填）") if self.approve_radio.isChecked()
            else self.tr("不批准时可不填"))

    def values(self) -> tuple[bool, dt.date | None, str, str]:
        return (self.approve_radio.isChecked(), from_qdate(self.date_edit.date()),
                self.document_edit.text().strip(), self.note_edit.toPlainText().strip())

    def _accept(self) -> None:
        if self.decide is not None:
            try:
                self.decide(*self.values())
            except BaoxueError as exc:
                self.error_label.show_messages(messages_of(exc))
                return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, application: dict[str, Any], approved: bool, decide: Decide) -> bool:
        """Decide ``application`` (a row of ``district.deferral_applications``); True once recorded."""
        return cls(application, approved, decide, parent).exec() == QDialog.DialogCode.Accepted


class SupervisionPage(QWidget):
    """区教委督导 (district only)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._figures: list[district.SchoolFigures] = []
        self._figures_by_code: dict[str, district.SchoolFigures] = {}
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)

        # 各校情况
        schools = QWidget(self)
        s_layout = QVBoxLayout(schools)
        top = QHBoxLayout()
        self.stale_label = QLabel(schools)
        self.report_button = QPushButton(self.tr("导出督导报表（Excel）…"), schools)
        self.report_button.clicked.connect(self.export_report)
        top.addWidget(self.stale_label, 1)
        top.addWidget(self.report_button)
        s_layout.addLayout(top)
        self.school_model = RowsModel(
            list(district.SCHOOL_HEADERS), self._school_rows, self,
            highlight=lambda row: STALE_COLOR if self._figure(self.school_model.key(row)).stale else None,
        )
        self.town_model = RowsModel(list(district.TOWNSHIP_HEADERS), self._town_rows, self)
        splitter = QSplitter(Qt.Orientation.Vertical, schools)
        self.school_view = _table(splitter, self.school_model)
        self.town_view = _table(splitter, self.town_model)
        for view in (self.school_view, self.town_view):  # which schools lag: click a figure's heading
            view.setSortingEnabled(True)
            view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        splitter.addWidget(self.school_view)
        splitter.addWidget(self.town_view)
        splitter.setSizes([400, 180])
        s_layout.addWidget(splitter)
        self.tabs.addTab(schools, self.tr("各校情况"))

        # 全区台账
        ledger = QWidget(self)
        l_layout = QVBoxLayout(ledger)
        bar = QHBoxLayout()
        self.township_combo = QComboBox(ledger)
        self.school_combo = QComboBox(ledger)
        self.school_combo.setMinimumContentsLength(12)
        self.approve_button = QPushButton(self.tr("缓学审批…"), ledger)
        self.count_label = QLabel(ledger)
        bar.addWidget(QLabel(self.tr("乡镇"), ledger))
        bar.addWidget(self.township_combo)
        bar.addWidget(QLabel(self.tr("学校"), ledger))
        bar.addWidget(self.school_combo)
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.approve_button)
        l_layout.addLayout(bar)
        self.ledger_model = DistrictLedgerModel(store, self)
        self.ledger_view = QTableView(ledger)
        self.ledger_view.setModel(self.ledger_model)
        self.ledger_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.ledger_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.ledger_view.setSortingEnabled(True)
        self.ledger_view.verticalHeader().setVisible(False)
        l_layout.addWidget(self.ledger_view)
        self.ledger_model.total_changed.connect(
            lambda n: self.count_label.setText(self.tr("共 %1 件").replace("%1", str(n))))
        self.township_combo.activated.connect(self._township_chosen)
        self.school_combo.activated.connect(lambda _i: self._apply_filter())
        self.approve_button.clicked.connect(self.approve_selected)
        self.tabs.addTab(ledger, self.tr("全区台账"))

        # 缓学审批
        self.approvals_tab = QWidget(self)
        a_layout = QVBoxLayout(self.approvals_tab)
        a_bar = QHBoxLayout()
        self.pending_only_check = QCheckBox(self.tr("只看待审批"), self.approvals_tab)
        self.pending_only_check.setChecked(True)
        self.pending_only_check.toggled.connect(lambda _on: self._reload_applications())
        self.approval_count_label = QLabel(self.approvals_tab)
        self.approve_app_button = QPushButton(self.tr("批准…"), self.approvals_tab)
        self.refuse_app_button = QPushButton(self.tr("不批准…"), self.approvals_tab)
        self.approve_app_button.clicked.connect(lambda: self.decide_selected(True))
        self.refuse_app_button.clicked.connect(lambda: self.decide_selected(False))
        a_bar.addWidget(self.pending_only_check)
        a_bar.addWidget(self.approval_count_label, 1)
        a_bar.addWidget(self.approve_app_button)
        a_bar.addWidget(self.refuse_app_button)
        a_layout.addLayout(a_bar)
        self._applications: list[dict[str, Any]] = []
        self.approval_model = RowsModel(
            list(APPROVAL_HEADERS), self._application_rows, self,
            highlight=lambda row: PENDING_COLOR if not self._applications[row]["decided"] else None,
        )
        a_splitter = QSplitter(Qt.Orientation.Vertical, self.approvals_tab)
        self.approval_view = _table(a_splitter, self.approval_model)
        self.approval_detail = QPlainTextEdit(a_splitter)
        self.approval_detail.setReadOnly(True)
        self.approval_detail.setPlaceholderText(self.tr("选中一项申请，这里显示申请依据和说明"))
        a_splitter.addWidget(self.approval_view)
        a_splitter.addWidget(self.approval_detail)
        a_splitter.setSizes([400, 160])
        a_layout.addWidget(a_splitter)
        self.approval_status_label = QLabel(self.approvals_tab)
        self.approval_status_label.setWordWrap(True)
        a_layout.addWidget(self.approval_status_label)
        self.approval_view.selectionModel().selectionChanged.connect(lambda *_: self._application_selected())
        self.approval_view.doubleClicked.connect(lambda _i: self.decide_selected(True))
        self.tabs.addTab(self.approvals_tab, self.tr("缓学审批"))

        # 校历发布
        calendar = QWidget(self)
        c_layout = QVBoxLayout(calendar)
        self.semester_model = RowsModel([self.tr("学期"), self.tr("开学日期"), self.tr("结束日期")],
                                        self._semester_rows, self)
        c_layout.addWidget(QLabel(self.tr("区教委发布的学期日期随下一次数据包发往全部学校。"), calendar))
        c_layout.addWidget(_table(calendar, self.semester_model))
        form = QHBoxLayout()
        self.semester_edit = QLineEdit(calendar)
        self.semester_edit.setPlaceholderText(self.tr("学期，如 2026秋"))
        self.start_edit = make_date_edit(calendar)
        self.end_edit = make_date_edit(calendar, dt.date.today() + dt.timedelta(days=140))
        self.publish_button = QPushButton(self.tr("发布"), calendar)
        self.publish_button.clicked.connect(self.publish_semester)
        for w in (QLabel(self.tr("学期"), calendar), self.semester_edit, QLabel(self.tr("开学"), calendar),
                  self.start_edit, QLabel(self.tr("结束"), calendar), self.end_edit, self.publish_button):
            form.addWidget(w)
        form.addStretch(1)
        c_layout.addLayout(form)
        self.tabs.addTab(calendar, self.tr("校历发布"))
        self.refresh()

    # --- loading ----------------------------------------------------------------------------

    def _figure(self, code: str) -> district.SchoolFigures:
        return self._figures_by_code[code]

    def _school_rows(self) -> list[tuple[Any, list[Any]]]:
        self._figures = district.school_figures(self.store)
        self._figures_by_code = {f.code: f for f in reversed(self._figures)}  # the first of a code wins
        return [(f.code, district.school_row(f)) for f in self._figures]

    def _town_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(t.township, t.row()) for t in district.township_figures(self._figures)]

    def _semester_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(s.name, [s.name, s.start.isoformat(), s.end.isoformat()]) for s in semesters.all_semesters(self.store)]

    def _application_rows(self) -> list[tuple[Any, list[Any]]]:
        self._applications = district.deferral_applications(self.store, self.pending_only_check.isChecked())
        return [(a["application_id"], application_row(a)) for a in self._applications]

    def refresh(self) -> None:
        self._reload_applications()
        self.school_model.reload()
        self.town_model.reload()
        self.semester_model.reload()
        days = settings.get(self.store, sync.STALE_DAYS.key)
        stale = sum(f.stale for f in self._figures)
        self.stale_label.setText(self.tr("共 %1 所学校；超过 %2 天未报送数据包的学校 %3 所（红色）")
                                 .replace("%1", str(len(self._figures))).replace("%2", str(days))
                                 .replace("%3", str(stale)))
        township, school = self.township_combo.currentText(), self.school_combo.currentData()
        self.township_combo.clear()
        self.township_combo.addItems([ALL, *sorted({f.township for f in self._figures if f.township})])
        self.township_combo.setCurrentText(township or ALL)
        self._fill_schools(school)
        self._apply_filter()

    def _fill_schools(self, keep: str | None = None) -> None:
        town = self.township_combo.currentText()
        self.school_combo.clear()
        self.school_combo.addItem(ALL, "")
        for f in self._figures:
            if town in ("", ALL) or f.township == town:
                self.school_combo.addItem(f.name, f.code)
        index = self.school_combo.findData(keep) if keep else 0
        self.school_combo.setCurrentIndex(max(index, 0))

    def _township_chosen(self, _index: int) -> None:
        self._fill_schools()
        self._apply_filter()

    def _apply_filter(self) -> None:
        town = self.township_combo.currentText()
        self.ledger_model.set_school_filter("" if town == ALL else town, self.school_combo.currentData() or "")

    # --- 缓学审批 ----------------------------------------------------------------------------

    def _reload_applications(self) -> None:
        """Reload the applications, keeping the selected one selected when it is still listed."""
        keep = self.selected_application()
        self.approval_model.reload()
        if keep is not None:
            self._select_application(keep["application_id"])
        self._application_selected()
        pending = sum(not a["decided"] for a in self._applications)
        if self.pending_only_check.isChecked():
            self.approval_count_label.setText(self.tr("待审批 %1 件").replace("%1", str(pending)))
        else:
            self.approval_count_label.setText(self.tr("共 %1 件，其中待审批 %2 件")
                                              .replace("%1", str(len(self._applications))).replace("%2", str(pending)))
        index = self.tabs.indexOf(self.approvals_tab)
        self.tabs.setTabText(index, self.tr("缓学审批（%1）").replace("%1", str(pending)) if pending
                             else self.tr("缓学审批"))

    def selected_application(self) -> dict[str, Any] | None:
        rows = self.approval_view.selectionModel().selectedRows()
        if not rows or not (0 <= rows[0].row() < len(self._applications)):
            return None
        return self._applications[rows[0].row()]

    def _select_application(self, application_id: str) -> bool:
        for row, app in enumerate(self._applications):
            if app["application_id"] == application_id:
                self.approval_view.selectRow(row)
                self.approval_view.scrollTo(self.approval_model.index(row, 0))
                return True
        self.approval_view.clearSelection()
        return False

    def _application_selected(self) -> None:
        app = self.selected_application()
        self.approval_detail.setPlainText(application_detail(app) if app else "")
        allowed = can(self.store, Permission.APPROVE)
        tip = "" if allowed else self.tr("本账户无权区级审批，请由区管理员审批")
        for button in (self.approve_app_button, self.refuse_app_button):
            button.setEnabled(allowed and app is not None and not app["decided"])
            button.setToolTip(tip)

    def show_application(self, application_id: str) -> bool:
        """Show the 缓学审批 tab with this application selected (from a 待办 item or the ledger); False when
        it is not listed (voided since)."""
        self.tabs.setCurrentWidget(self.approvals_tab)
        self._reload_applications()
        if self._select_application(application_id):
            return True
        if self.pending_only_check.isChecked():  # decided already: show every application
            self.pending_only_check.setChecked(False)
            if self._select_application(application_id):
                return True
        Messages.error(self, self.tr("缓学审批"), self.tr("此申请不存在或已被学校作废"))
        return False

    def decide_selected(self, approved: bool) -> None:
        app = self.selected_application()
        if app is None or app["decided"] or not can(self.store, Permission.APPROVE):
            return

        def decide(ok: bool, on: dt.date | None, document: str, note: str) -> None:
            district.decide_application(self.store, app["application_id"], ok, on, document, note)

        if not ApprovalDialog.ask(self, app, approved, decide):
            return
        self._reload_applications()
        self.ledger_model.reload()
        decided = next((a for a in district.deferral_applications(self.store)
                        if a["application_id"] == app["application_id"]), app)
        self.approval_status_label.setText(
            self.tr("已记录：%1 %2（%3）%4。审批结果将随下一次数据包发回学校。")
            .replace("%1", app["school"]).replace("%2", app["name"]).replace("%3", app["kind"])
            .replace("%4", application_state(decided)))

    # --- actions ----------------------------------------------------------------------------

    def export_report(self) -> Worker | None:
        path = Pickers.save(self, self.tr("保存督导报表"), f"督导情况表-{dt.date.today():%Y%m%d}.xlsx",
                            "Excel (*.xlsx)")
        if path is None:
            return None
        return operations.run(
            self, self.tr("正在导出督导报表…"), lambda _report: district.export_report(self.store, path),
            done=lambda _r: Messages.written(self, self.tr("导出督导报表"), self.tr("已保存：%1").replace("%1", str(path)),
                                             path),
            error_title=self.tr("导出督导报表"))

    def approve_selected(self) -> None:
        """全区台账's 缓学审批…: the selected case's pending application, in the 缓学审批 tab."""
        rows = self.ledger_view.selectionModel().selectedRows()
        if not rows:
            Messages.error(self, self.tr("缓学审批"), self.tr("请先在台账中选中一个案件"))
            return
        case_id = self.ledger_model.case_id(rows[0].row())
        pending = [a for a in district.deferral_applications(self.store, pending_only=True) if a["case_id"] == case_id]
        if not pending:
            Messages.error(self, self.tr("缓学审批"),
                           self.tr("学校尚未报来待审批的延缓入学/休学申请，不能审批此案件"))
            return
        self.show_application(pending[0]["application_id"])

    def publish_semester(self) -> None:
        try:
            district.publish_semester(self.store, self.semester_edit.text().strip(),
                                      from_qdate(self.start_edit.date()) or dt.date.today(),
                                      from_qdate(self.end_edit.date()) or dt.date.today())
        except BaoxueError as exc:
            Messages.error(self, self.tr("发布校历"), str(exc))
            return
        self.semester_model.reload()
        Messages.info(self, self.tr("发布校历"), self.tr("已发布，将随下一次数据包发往全部学校"))
