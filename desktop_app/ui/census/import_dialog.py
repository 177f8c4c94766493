"""导入名册: choose a file and the kind of roster, map the columns, see a preview, import in a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.census import ROSTER_LABELS, RosterKind, fields_for
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import census
from desktop_app.services.store import Store
from desktop_app.ui.census.models import RowsModel
from desktop_app.ui.common import files, operations
from desktop_app.ui.widgets import ErrorLabel, Messages
from desktop_app.ui.workers import Cancelled, Worker

NOT_MAPPED = "（不导入）"


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class RosterImportDialog(QDialog):
    """Signals:
        imported(object): the ImportResult, after a successful import.
    """

    imported = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None, kind: str = RosterKind.CENSUS.value) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("导入名册"))
        self.preview: census.RosterPreview | None = None
        self.path: Path | None = None
        self.worker: Worker | None = None
        self.result_value: census.ImportResult | None = None
        layout = QVBoxLayout(self)

        top = QFormLayout()
        self.kind_combo = QComboBox(self)
        for key, label in ROSTER_LABELS.items():
            self.kind_combo.addItem(label, key)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(kind), 0))
        top.addRow(self.tr("名册类型"), self.kind_combo)
        file_row = QHBoxLayout()
        self.file_edit = QLineEdit(self)
        self.file_edit.setReadOnly(True)
        self.browse_button = QPushButton(self.tr("选择文件…"), self)
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        top.addRow(self.tr("文件"), file_row)
        self.semester_combo = QComboBox(self)
        self.semester_combo.setEditable(True)
        self.semester_combo.addItems(census.semester_choices(store))
        self.semester_combo.setCurrentText(census.current_semester(store))
        top.addRow(self.tr("所属学期（在籍名册）"), self.semester_combo)
        layout.addLayout(top)

        self.mapping_box = QGroupBox(self.tr("列对应：名册中的哪一列是哪一项（带*的必须选择）"), self)
        self.mapping_grid = QGridLayout(self.mapping_box)
        self.mapping_combos: dict[str, QComboBox] = {}
        layout.addWidget(self.mapping_box)

        self.info_label = QLabel(self.tr("请选择要导入的 Excel（.xlsx、.xls）或 CSV 文件。"), self)
        self.info_label.setWordWrap(True)
        layout.addWidget(self.info_label)
        self.preview_model = RowsModel([], parent=self)
        self.preview_view = QTableView(self)
        self.preview_view.setModel(self.preview_model)
        self.preview_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview_view.verticalHeader().setDefaultSectionSize(22)
        layout.addWidget(self.preview_view, 1)
        self.errors = ErrorLabel(self)
        layout.addWidget(self.errors)

        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton(self.tr("导入"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.import_button.setEnabled(False)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        self.browse_button.clicked.connect(self.choose_file)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.resize(1000, 640)

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    # --- file and mapping ---------------------------------------------------------------

    def choose_file(self) -> None:
        path = files.open_path(self, files.ROSTERS, self.tr("选择名册文件"),
                               self.tr("名册 (*.xlsx *.xls *.ods *.csv);;所有文件 (*)"))
        if path is not None:
            self.load_file(path)

    def load_file(self, path: Path) -> bool:
        """Read the file and show its preview; False (with the message shown) when it cannot be read."""
        self.path = Path(path)
        self.file_edit.setText(str(path))
        store, kind = self.store, self.kind
        try:  # read off the GUI thread: a large workbook takes seconds, the window stays painted
            self.preview = operations.wait(self, self.tr("正在读取名册…"),
                                           lambda _report: census.preview_roster(store, path, kind))
        except BaoxueError as exc:
            self.preview = None
            self.errors.show_messages([str(exc)])
            self.import_button.setEnabled(False)
            self._fill_mapping()
            return False
        self.errors.show_messages([])
        self._fill_mapping()
        self._show_preview()
        self.import_button.setEnabled(True)
        return True

    def _kind_changed(self) -> None:
        self.semester_combo.setEnabled(self.kind == RosterKind.ENROLLED.value)
        if self.path is not None:
            self.load_file(self.path)
        else:
            self._fill_mapping()

    def _fill_mapping(self) -> None:
        while self.mapping_grid.count():
            item = self.mapping_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.mapping_combos = {}
        headers = self.preview.headers if self.preview else []
        choices = [NOT_MAPPED] + [f"{column_letter(i)}列：{h or '（无标题）'}" for i, h in enumerate(headers)]
        for n, f in enumerate(fields_for(self.kind)):
            label = QLabel(f.label + ("*" if f.required else ""), self.mapping_box)
            combo = QComboBox(self.mapping_box)
            combo.addItems(choices)
            if self.preview and f.key in self.preview.mapping:
                combo.setCurrentIndex(self.preview.mapping[f.key] + 1)
            combo.currentIndexChanged.connect(self._show_preview)
            label.setBuddy(combo)
            row, col = divmod(n, 3)
            self.mapping_grid.addWidget(label, row, col * 2)
            self.mapping_grid.addWidget(combo, row, col * 2 + 1)
            self.mapping_combos[f.key] = combo

    def mapping(self) -> dict[str, int]:
        return {key: combo.currentIndex() - 1 for key, combo in self.mapping_combos.items() if combo.currentIndex() > 0}

    def _show_preview(self) -> None:
        if not self.preview:
            return
        mapping = self.mapping()
        labels = {f.key: f.label for f in fields_for(self.kind)}
        columns = [(str(i), f"{column_letter(i)} {h}" + (f" → {labels[k]}" if (k := next(
            (k for k, c in mapping.items() if c == i), None)) else ""))
            for i, h in enumerate(self.preview.headers)]
        # first column: what the import would make of the row with the columns chosen now
        checks = self.preview.check(mapping) if "name" in mapping else ["请先选择“姓名”列"] * len(self.preview.rows)
        self.preview_model.columns = [("check", self.tr("按当前列对应检查")), *columns]
        self.preview_model.set_rows([{"check": checks[n], **{str(i): v for i, v in enumerate(r)}}
                                     for n, r in enumerate(self.preview.rows)])
        refused = sum(c.startswith("拒绝") for c in checks)
        self.info_label.setText(self.tr("表头在第 %1 行，共 %2 行数据；下面是前 %3 行，其中 %4 行将被拒绝（原因见第一列）。")
                                .replace("%1", str(self.preview.header_row + 1))
                                .replace("%2", str(self.preview.total_rows))
                                .replace("%3", str(len(self.preview.rows))).replace("%4", str(refused)))
        self.preview_view.setColumnWidth(0, 230)

    # --- import -------------------------------------------------------------------------

    def start_import(self) -> Worker | None:
        if self.path is None or self.preview is None:
            return None
        mapping, kind, path = self.mapping(), self.kind, self.path
        semester = self.semester_combo.currentText().strip()
        def job(report: census.Progress) -> census.ImportResult:
            try:
                return census.import_roster(self.store, path, kind, mapping=mapping, semester=semester or None,
                                            progress=report)
            except census.ImportCancelled as exc:
                raise Cancelled from exc

        def finished(result: object) -> None:
            assert isinstance(result, census.ImportResult)
            self.result_value = result
            text = result.summary()
            if result.report_note:
                text += "\n" + result.report_note
            elif result.report_path:
                text += self.tr("\n未导入的行及原因已写入：%1").replace("%1", str(result.report_path))
            Messages.info(self, self.tr("导入完成"), text)
            self.imported.emit(result)
            self.accept()

        def failed(message: str) -> None:
            self.errors.show_messages([message])
            self.import_button.setEnabled(True)

        def cancelled() -> None:
            self.errors.show_messages([self.tr("已取消导入，没有保存任何数据。")])
            self.import_button.setEnabled(True)

        self.import_button.setEnabled(False)
        worker = operations.run(self, self.tr("正在导入名册…"), job, done=finished, failed=failed,
                                cancelled=cancelled, changed=operations.CENSUS)
        self.worker = worker
        return worker
