"""摸排核查: the semester's school-age children, per-village progress, marking statuses, completing the sweep."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import proposals as P
from desktop_app.domain.census import ChildStatus, RosterKind
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import census
from desktop_app.services.store import Store
from desktop_app.ui.census.import_dialog import RosterImportDialog
from desktop_app.ui.census.models import ChildrenModel, RowsModel, refill_semesters
from desktop_app.ui.census.proposals_panel import ProposalsPanel
from desktop_app.ui.census.status_editor import ContactDialog, StatusEditor
from desktop_app.ui.common import prerequisite
from desktop_app.ui.widgets import Messages

ALL = "全部"


class CensusPage(QWidget):
    """Signals:
        changed(): statuses or rosters changed (other pages may refresh).
    """

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.import_dialog: RosterImportDialog | None = None
        layout = QVBoxLayout(self)
        self.prerequisite = prerequisite.PrerequisiteBanner(self)  # the semester, then the roster, come first
        layout.addWidget(self.prerequisite)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("学期"), self))
        self.semester_combo = QComboBox(self)
        bar.addWidget(self.semester_combo)
        self.overall_bar = QProgressBar(self)
        self.overall_bar.setFormat(self.tr("已核查 %v / %m"))
        self.overall_bar.setMinimumWidth(220)
        bar.addWidget(self.overall_bar)
        self.sweep_label = QLabel(self)
        bar.addWidget(self.sweep_label, 1)
        self.import_button = QPushButton(self.tr("导入名册…"), self)
        self.registry_button = QPushButton(self.tr("按学籍名册标记本校在读…"), self)
        self.registry_button.setToolTip(self.tr(
            "本学期本校学籍名册中有、尚未核查的适龄儿童，一次标记为“本校在读”（核查方式：全国学籍管理系统）"))
        self.complete_button = QPushButton(self.tr("标记本学期摸排完成"), self)
        bar.addWidget(self.import_button)
        bar.addWidget(self.registry_button)
        bar.addWidget(self.complete_button)
        layout.addLayout(bar)

        splitter = QSplitter(self)
        self.village_model = RowsModel(
            [("village_label", "村(社区)"), ("checked", "已核查"), ("total", "适龄儿童"), ("unchecked", "未核查")],
            id_key="village", parent=self,
        )
        self.village_view = QTableView(splitter)
        self.village_view.setModel(self.village_model)
        self.village_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.village_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.village_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.village_view.verticalHeader().hide()
        self.village_view.setMinimumWidth(250)

        middle = QWidget(splitter)
        mid_layout = QVBoxLayout(middle)
        mid_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.search_edit = QLineEdit(middle)
        self.search_edit.setPlaceholderText(self.tr("搜索姓名、拼音首字母或身份证号"))
        self.search_edit.setClearButtonEnabled(True)
        self.status_filter = QComboBox(middle)
        self.status_filter.addItems([ALL, census.UNCHECKED, *[s.value for s in ChildStatus]])
        filters.addWidget(self.search_edit, 2)
        filters.addWidget(QLabel(self.tr("状态"), middle))
        filters.addWidget(self.status_filter, 1)
        mid_layout.addLayout(filters)
        self.model = ChildrenModel(store, self)
        self.view = QTableView(middle)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # several children checked the same way (one family, one class): Ctrl/Shift-click, one save for all
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        for col, width in enumerate((64, 36, 130, 80, 80, 64, 80, 90, 60, 80)):
            self.view.setColumnWidth(col, width)
        self.view.horizontalHeader().setStretchLastSection(True)
        mid_layout.addWidget(self.view, 1)
        self.count_label = QLabel(middle)
        mid_layout.addWidget(self.count_label)

        side = QGroupBox(self.tr("核查所选儿童"), splitter)
        side_layout = QVBoxLayout(side)
        self.child_label = QLabel(self.tr("请在列表中选择一名儿童（按住 Ctrl 或 Shift 可多选）"), side)
        self.child_label.setWordWrap(True)
        side_layout.addWidget(self.child_label)
        self.editor = StatusEditor(store, side)
        side_layout.addWidget(self.editor)
        self.save_button = QPushButton(self.tr("保存核查结果（Ctrl+S）"), side)
        self.advance_check = QCheckBox(self.tr("保存后选中下一名儿童"), side)
        self.advance_check.setChecked(True)  # the sweep goes child by child down the list
        self.contact_button = QPushButton(self.tr("监护人联系记录…"), side)
        side_layout.addWidget(self.save_button)
        side_layout.addWidget(self.advance_check)
        side_layout.addWidget(self.contact_button)
        side_layout.addStretch(1)
        side.setMinimumWidth(250)
        splitter.addWidget(self.village_view)
        splitter.addWidget(middle)
        splitter.addWidget(side)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([270, 800, 290])
        layout.addWidget(splitter, 1)
        self.proposals = ProposalsPanel(store, P.PAGE_KINDS["摸排核查"], self)  # the district's answers, when any
        layout.addWidget(self.proposals)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.status_filter.currentIndexChanged.connect(self.apply_filters)
        self.semester_combo.currentIndexChanged.connect(self.refresh_figures)
        self.village_view.selectionModel().selectionChanged.connect(lambda *_: self.apply_filters())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._child_selected())
        self.model.modelReset.connect(self._child_selected)
        self.model.total_changed.connect(lambda n: self.count_label.setText(self.tr("共 %1 名").replace("%1", str(n))))
        self.save_button.clicked.connect(self.save_status)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save_status)
        self.contact_button.clicked.connect(self.show_contacts)
        self.import_button.clicked.connect(self.open_import)
        self.complete_button.clicked.connect(self.complete_sweep)
        self.registry_button.clicked.connect(self.mark_from_registry)
        self.proposals.changed.connect(self._proposal_decided)
        self.refresh()

    @property
    def semester(self) -> str:
        return self.semester_combo.currentText() or census.current_semester(self.store)

    def refresh(self) -> None:
        refill_semesters(self.semester_combo, self.store)
        self.refresh_figures()

    def _show_missing_step(self, total: int) -> None:
        """The semester confirmed in 设置, then the household roster imported: said with the button for each."""
        if prerequisite.need_semester(self.prerequisite, self, self.store):
            return
        if not total:
            self.prerequisite.need(
                self.tr("%1学期还没有适龄儿童。摸排核查从导入户籍适龄儿童名册开始（乡镇、派出所发来的Excel或CSV）。")
                .replace("%1", self.semester), self.tr("导入名册…"), self.open_import)
        else:
            self.prerequisite.clear()

    def refresh_figures(self) -> None:
        """Reload the progress per village and the children list, keeping the selections."""
        chosen = self.selected_village()
        progress = census.village_progress(self.store, self.semester)
        rows = [{"village": f"{p.township}|{p.village}",
                 "village_label": p.village or p.township or self.tr("（未填村）"),
                 "checked": p.checked, "total": p.total, "unchecked": p.unchecked} for p in progress]
        total = sum(p.total for p in progress)
        checked = sum(p.checked for p in progress)
        rows.insert(0, {"village": "", "village_label": self.tr("全部"), "checked": checked, "total": total,
                        "unchecked": total - checked})
        self.village_view.selectionModel().blockSignals(True)
        self.village_model.set_rows(rows)
        for r, row in enumerate(rows):
            if row["village"] == chosen:
                self.village_view.selectRow(r)
        self.village_view.selectionModel().blockSignals(False)
        self.overall_bar.setMaximum(max(total, 1))
        self.overall_bar.setValue(checked)
        # An empty roster has nothing to count: say so rather than "0 / 1".
        self.overall_bar.setFormat(self.tr("已核查 %v / %m") if total else self.tr("尚未导入本学期的户籍适龄儿童名册"))
        self._show_missing_step(total)
        sweep = census.sweep_completed(self.store, self.semester)
        self.sweep_label.setText(
            self.tr("本学期摸排已于 %1 由 %2 确认完成").replace("%1", str(sweep.completed_on)).replace(
                "%2", sweep.completed_by)
            if sweep else self.tr("本学期摸排尚未完成")
        )
        self.complete_button.setEnabled(sweep is None)
        self.proposals.set_semester(self.semester)
        self.apply_filters()

    def _proposal_decided(self) -> None:
        self.refresh_figures()
        self.changed.emit()

    def selected_village(self) -> str:
        rows = self.village_view.selectionModel().selectedRows()
        return self.village_model.row(rows[0].row())["village"] if rows else ""

    def village_progress_text(self, village: str) -> str:
        """"checked/total" of a village as shown in the progress list (for tests and the status bar)."""
        for r in range(self.village_model.rowCount()):
            row = self.village_model.row(r)
            if row["village_label"] == village:
                return f"{row['checked']}/{row['total']}"
        return ""

    def apply_filters(self) -> None:
        self._search_timer.stop()
        township, _, village = self.selected_village().partition("|")
        status = self.status_filter.currentText()
        self.model.set_query(census.ChildQuery(
            self.semester, township=township, village=village, status="" if status == ALL else status,
            search=self.search_edit.text(),
        ))

    # --- one child ----------------------------------------------------------------------

    def selected_child(self) -> dict | None:
        """The one selected child (None when none or several are selected)."""
        children = self.selected_children()
        return children[0] if len(children) == 1 else None

    def selected_children(self) -> list[dict]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.child(r) for r in rows]

    def select_child(self, name: str) -> bool:
        for r in range(self.model.rowCount()):
            if self.model.child(r)["name"] == name:
                self.view.clearSelection()  # this child alone, whatever keys are held
                self.view.selectRow(r)
                return True
        return False

    def _child_selected(self) -> None:
        children = self.selected_children()
        child = children[0] if len(children) == 1 else None
        enabled = bool(children)
        self.save_button.setEnabled(enabled)
        self.editor.setEnabled(enabled)
        self.contact_button.setEnabled(
            child is not None and child.get("status") == ChildStatus.OUT_OF_DISTRICT.value)
        if len(children) > 1:
            names = "、".join(c["name"] for c in children[:3]) + ("等" if len(children) > 3 else "")
            self.child_label.setText(self.tr("已选 %1 名儿童（%2）：保存时为他们记录同一核查结果")
                                     .replace("%1", str(len(children))).replace("%2", names))
            self.editor.set_record(None)
            return
        if child is None:
            self.child_label.setText(self.tr("请在列表中选择一名儿童（按住 Ctrl 或 Shift 可多选）"))
            self.editor.set_record(None)  # no child: no other child's values left in the (disabled) fields
            return
        guardian = f"{child['guardian1_name'] or '—'} {child['guardian1_phone'] or ''}"
        self.child_label.setText(f"{child['name']}　{child['village'] or ''}　{self.tr('监护人')}：{guardian}")
        self.editor.set_record(child)

    def save_status(self) -> bool:
        children = self.selected_children()
        if not children:
            return False
        if len(children) > 1 and not Messages.confirm(self, self.tr("保存核查结果"), self.tr(
                "为所选 %1 名儿童记录同一核查结果“%2”？").replace("%1", str(len(children)))
                .replace("%2", self.editor.status_combo.currentText())):
            return False
        name = children[0]["name"]
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        if not self.editor.save([c["student_id"] for c in children], self.semester):
            return False
        self.refresh_figures()
        if self.advance_check.isChecked() and len(children) == 1:
            # the next child down the list (the same row when a 未核查 filter has just taken this one out)
            still_listed = any(self.model.child(r)["student_id"] == children[0]["student_id"]
                               for r in range(self.model.rowCount()))
            following = rows[0] + 1 if still_listed else rows[0]
            if following < self.model.rowCount():
                self.view.clearSelection()
                self.view.selectRow(following)
                self.editor.status_combo.setFocus()
            else:
                self.select_child(name)
        else:
            self.select_child(name)
        self.changed.emit()
        return True

    def show_contacts(self) -> None:
        child = self.selected_child()
        if child:
            ContactDialog.ask(self.store, child["student_id"], child["name"], self)

    # --- import and completion ------------------------------------------------------------

    def open_import(self, kind: str = RosterKind.CENSUS.value) -> RosterImportDialog:
        dialog = RosterImportDialog(self.store, self, kind if isinstance(kind, str) else RosterKind.CENSUS.value)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def imported(_result: object) -> None:
            self.refresh()
            self.changed.emit()

        dialog.imported.connect(imported)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def mark_from_registry(self) -> None:
        """The children the registry shows studying here: 本校在读 in one step, after a confirmation."""
        semester = self.semester
        count = len(census.unchecked_on_roster(self.store, semester))
        if not count:
            Messages.info(self, self.tr("按学籍名册标记"), self.tr(
                "%1学期没有尚未核查、又在本校学籍名册中的适龄儿童（请先在“导入名册”中导入本学期的学籍名册）。")
                .replace("%1", semester))
            return
        checker = self.store.account.display_name or self.store.user
        if not Messages.confirm(self, self.tr("按学籍名册标记"), self.tr(
                "%1学期本校学籍名册中有、尚未核查的 %2 名适龄儿童将标记为“本校在读”，"
                "核查方式“全国学籍管理系统”，核查人“%3”，核查日期今天。\n已核查的儿童不变。确定吗？")
                .replace("%1", semester).replace("%2", str(count)).replace("%3", checker)):
            return
        try:
            marked = census.mark_here_from_roster(self.store, semester, checker)
        except BaoxueError as exc:
            Messages.error(self, self.tr("按学籍名册标记"), str(exc))
            return
        self.refresh_figures()
        self.changed.emit()
        Messages.info(self, self.tr("按学籍名册标记"), self.tr("已标记 %1 名儿童为“本校在读”。").replace("%1", str(marked)))

    def complete_sweep(self) -> None:
        if not Messages.confirm(self, self.tr("标记摸排完成"), self.tr(
                "确认%1学期所有适龄儿童都已逐一核查、无遗漏？").replace("%1", self.semester)):
            return
        try:
            census.complete_sweep(self.store, self.semester, self.store.user)
        except BaoxueError as exc:
            Messages.error(self, self.tr("不能标记完成"), str(exc))
            return
        self.refresh_figures()
        Messages.info(self, self.tr("摸排完成"), self.tr("%1学期摸排已标记完成。").replace("%1", self.semester))
