"""数据交换: packages on USB drives, at a school and at the district office.

What is pending for each partner, the packages sent and received with their acknowledgements,
the exchange log, and the conflicts to settle. At the district: register schools and write
their enrolment packages, import a whole folder of packages at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.services import sync
from desktop_app.services.store import Store
from desktop_app.ui.cloud_folders import confirm_output_folder
from desktop_app.ui.common import files, operations
from desktop_app.ui.common.prerequisite import PrerequisiteBanner
from desktop_app.ui.common.wording import sync_state_label
from desktop_app.ui.exchange.models import BAD_COLOR, RowsModel
from desktop_app.ui.widgets import Messages, ok_cancel_buttons
from desktop_app.ui.workers import Worker

T = TypeVar("T")


class Pickers:
    """File and folder choices, in one place so tests can answer them."""

    @staticmethod
    def folder(parent: QWidget, title: str) -> Path | None:
        return files.folder(parent, files.PACKAGES, title)

    @staticmethod
    def files(parent: QWidget, title: str) -> list[Path]:
        return files.open_paths(parent, files.PACKAGES, title, "数据包 (*.bxpkg)")

    @staticmethod
    def save(parent: QWidget, title: str, suggested: str, filter_text: str) -> Path | None:
        return files.save_path(parent, files.EXPORTS, title, suggested, filter_text)


class EnrolDialog(QDialog):
    """登记学校: code, name and township of a school the district adds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("登记学校"))
        form = QFormLayout(self)
        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText(self.tr("10位学校标识码"))
        self.name_edit = QLineEdit(self)
        self.township_edit = QLineEdit(self)
        form.addRow(self.tr("学校标识码"), self.code_edit)
        form.addRow(self.tr("学校名称"), self.name_edit)
        form.addRow(self.tr("所属乡镇（教管中心）"), self.township_edit)
        buttons = ok_cancel_buttons(self, self.accept)
        form.addRow(buttons)

    def info(self) -> sync.SchoolInfo:
        return sync.SchoolInfo(self.code_edit.text(), self.name_edit.text(), self.township_edit.text())

    @classmethod
    def ask(cls, parent: QWidget | None) -> sync.SchoolInfo | None:
        dialog = cls(parent)
        return dialog.info() if dialog.exec() == QDialog.DialogCode.Accepted else None


class FingerprintDialog(QDialog):
    """首次导入: the fingerprint a school's first package carries, to compare with its 登记回执 on paper."""

    def __init__(self, name: str, code: str, fingerprint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("核对学校密钥指纹"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "这是 %1（%2）的第一个数据包。请把下面的密钥指纹与该校报送的《数据交换登记回执》上的指纹逐位核对："
        ).replace("%1", name).replace("%2", code), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.fingerprint_label = QLabel(fingerprint, self)
        font = self.fingerprint_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setFamily("monospace")
        self.fingerprint_label.setFont(font)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.fingerprint_label)
        warn = QLabel(self.tr("指纹不一致时请不要导入：这个数据包不是该校登记的电脑发出的，请电话联系学校。"), self)
        warn.setWordWrap(True)
        layout.addWidget(warn)
        buttons = QHBoxLayout()
        self.accept_button = QPushButton(self.tr("一致，导入"), self)
        self.reject_button = QPushButton(self.tr("不一致，不导入"), self)
        self.reject_button.setDefault(True)
        self.accept_button.clicked.connect(self.accept)
        self.reject_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        layout.addLayout(buttons)

    @classmethod
    def ask(cls, parent: QWidget | None, name: str, code: str, fingerprint: str) -> bool:
        return cls(name, code, fingerprint, parent).exec() == QDialog.DialogCode.Accepted


class ReenrolDialog(QDialog):
    """重新登记 (a school moved to a new PC): the reason, recorded with the revoked key."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("重新登记学校"))
        form = QFormLayout(self)
        note = QLabel(self.tr(
            "将吊销 %1 现有的密钥，并生成新的登记包。该校新电脑导入登记包后须报送新的登记回执。"
        ).replace("%1", name), self)
        note.setWordWrap(True)
        form.addRow(note)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText(self.tr("如：学校更换电脑"))
        form.addRow(self.tr("原因"), self.reason_edit)
        form.addRow(ok_cancel_buttons(self, self.accept))

    @classmethod
    def ask(cls, parent: QWidget | None, name: str) -> str | None:
        dialog = cls(name, parent)
        return dialog.reason_edit.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _table(parent: QWidget, model: RowsModel) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setVisible(False)
    return view


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


class ExchangePage(QWidget):
    """数据交换 (both ends)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        inst = store.installation()
        self.is_district = bool(inst and inst.kind == sync.DISTRICT)
        self._worker: Worker | None = None
        self.confirm_worker: Worker | None = None  # the import run again after fingerprints were confirmed
        layout = QVBoxLayout(self)
        self.identity_label = QLabel(self)
        self.identity_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity_label.setWordWrap(True)
        layout.addWidget(self.identity_label)
        self.prerequisite = PrerequisiteBanner(self)  # enrolment (school) or a registered school (district) first
        layout.addWidget(self.prerequisite)

        bar = QHBoxLayout()
        self.export_button = QPushButton(
            self.tr("导出给所选学校…") if self.is_district else self.tr("导出数据包给区教委…"), self)
        self.export_all_button = QPushButton(self.tr("导出给全部学校…"), self)
        self.import_button = QPushButton(self.tr("导入数据包…"), self)
        self.import_folder_button = QPushButton(self.tr("导入整个文件夹…"), self)
        self.enrol_button = QPushButton(self.tr("登记学校并生成登记包…"), self)
        self.reenrol_button = QPushButton(self.tr("重新登记所选学校（更换电脑）…"), self)
        self.receipt_button = QPushButton(self.tr("打印登记回执…"), self)
        for button in (self.export_button, self.export_all_button, self.import_button, self.import_folder_button,
                       self.enrol_button, self.reenrol_button, self.receipt_button):
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        # The USB sticks that are plugged in: export to one or import from one in one click.
        self.drive_bar = files.DriveBar([
            (self.tr("导出到此U盘") if not self.is_district else self.tr("导出给所选学校到此U盘"),
             lambda root: self.export_selected(root)),
            (self.tr("导入此U盘上的数据包"), self.import_drive),
        ], self)
        layout.addWidget(self.drive_bar)
        self.export_all_button.setVisible(self.is_district)
        self.import_folder_button.setVisible(self.is_district)
        self.enrol_button.setVisible(self.is_district)
        self.reenrol_button.setVisible(self.is_district)
        self.receipt_button.setVisible(not self.is_district)
        self.reenrol_button.clicked.connect(self.reenrol)
        self.receipt_button.clicked.connect(self.print_receipt)
        self.export_button.clicked.connect(lambda: self.export_selected())
        self.export_all_button.clicked.connect(self.export_all)
        self.import_button.clicked.connect(self.import_files)
        self.import_folder_button.clicked.connect(lambda: self.import_folder())
        self.enrol_button.clicked.connect(self.enrol)

        self.peer_model = RowsModel(
            [self.tr("单位"), self.tr("代码"), self.tr("乡镇"), self.tr("对方密钥指纹"), self.tr("待发送记录"),
             self.tr("已发第几号包"), self.tr("对方已确认到"), self.tr("已收第几号包"), self.tr("最近发送"),
             self.tr("最近接收"), self.tr("对方程序版本"), self.tr("升级提示")],
            self._peer_rows, self,
        )
        self.peer_view = _table(self, self.peer_model)
        self.peer_view.selectionModel().selectionChanged.connect(lambda *_a: self.pending_model.reload())
        layout.addWidget(QLabel(self.tr("交换单位与待发送情况"), self))
        layout.addWidget(self.peer_view, 2)

        self.tabs = QTabWidget(self)
        self.package_model = RowsModel(
            [self.tr("方向"), self.tr("单位代码"), self.tr("包号"), self.tr("文件"), self.tr("记录数"),
             self.tr("变更序号范围"), self.tr("确认对方到"), self.tr("时间")],
            self._package_rows, self,
        )
        self.log_model: RowsModel = RowsModel(  # typed: its highlight refers to itself
            [self.tr("时间"), self.tr("操作"), self.tr("文件"), self.tr("单位"), self.tr("结果"), self.tr("说明")],
            self._log_rows, self, highlight=lambda row: BAD_COLOR if self.log_model.key(row) is False else None,
        )
        self.conflict_model = RowsModel(
            [self.tr("表"), self.tr("记录"), self.tr("对方"), self.tr("字段"), self.tr("本机的值"), self.tr("对方的值"),
             self.tr("记录中现为")],
            self._conflict_rows, self,
        )
        self.pending_model: RowsModel = RowsModel(  # typed: the peer view's selection refers to it first
            [self.tr("表"), self.tr("记录"), self.tr("同步状态"), self.tr("未确认的改动数")], self._pending_rows, self,
        )
        self.pending_view = _table(self, self.pending_model)
        self.package_view = _table(self, self.package_model)
        self.log_view = _table(self, self.log_model)
        conflict_box = QWidget(self)
        conflict_layout = QVBoxLayout(conflict_box)
        self.conflict_view = _table(conflict_box, self.conflict_model)
        conflict_layout.addWidget(self.conflict_view)
        buttons = QHBoxLayout()
        self.keep_local_button = QPushButton(self.tr("保留本机的值"), conflict_box)
        self.take_remote_button = QPushButton(self.tr("采用对方的值"), conflict_box)
        self.keep_local_button.clicked.connect(lambda: self.resolve("local"))
        self.take_remote_button.clicked.connect(lambda: self.resolve("remote"))
        buttons.addWidget(self.keep_local_button)
        buttons.addWidget(self.take_remote_button)
        buttons.addStretch(1)
        conflict_layout.addLayout(buttons)
        self.tabs.addTab(self.pending_view, self.tr("待发送（所选单位）"))
        self.tabs.addTab(self.package_view, self.tr("最近的数据包"))
        self.tabs.addTab(self.log_view, self.tr("交换日志"))
        self.tabs.addTab(conflict_box, self.tr("冲突"))
        layout.addWidget(self.tabs, 3)
        self.refresh()

    # --- loading ----------------------------------------------------------------------------

    def _peer_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(p.code, [p.name, p.code, p.township, p.fingerprint, p.pending, p.sent_package, p.acked_package,
                          p.their_package, _when(p.last_sent_at), _when(p.last_received_at), p.program or "—",
                          p.upgrade])
                for p in sync.peer_statuses(self.store)]

    def _package_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(p.id, [self.tr("发出") if p.direction == "sent" else self.tr("收到"), p.peer_code, p.number,
                        p.file_name, p.records, f"{p.seq_from + 1}–{p.seq_to}", p.ack_seq, _when(p.at)])
                for p in sync.packages(self.store)]

    def _log_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(e.get("ok"), [e.get("at", "").replace("T", " "), e.get("action"), e.get("file"), e.get("peer"),
                               self.tr("成功") if e.get("ok") else self.tr("拒绝/失败"), e.get("message")])
                for e in sync.exchange_log(self.store)]

    def _conflict_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(c.id, [sync.TABLE_LABELS.get(c.table_name, c.table_name), c.label, c.peer_code, "、".join(c.fields),
                        "；".join(f"{k}={v}" for k, v in c.local_values.items()),
                        "；".join(f"{k}={v}" for k, v in c.remote_values.items()),
                        self.tr("本机的值") if c.live == "local" else self.tr("对方的值")])
                for c in sync.conflicts(self.store)]

    def _pending_rows(self) -> list[tuple[Any, list[Any]]]:
        code = self._selected_peer() if self.is_district else sync.DISTRICT_CODE_ALIAS
        if code is None:
            return []
        try:
            items = sync.pending_records(self.store, code)
        except BaoxueError:
            return []
        return [((p.table_name, p.record_id), [sync.TABLE_LABELS.get(p.table_name, p.table_name), p.label,
                                                sync_state_label(p.state, district=self.is_district),
                                                p.changes]) for p in items]

    def missing_step(self) -> str:
        """What must be done before packages can be sent, in one sentence; empty when nothing."""
        kinds = {p.kind for p in sync.peers(self.store)}
        if not self.is_district and sync.DISTRICT not in kinds:
            return self.tr("本校还没有导入区教委的登记包。报送数据前，请先把区教委送来的登记包"
                           "（U盘上的 .bxpkg 文件）导入本机。")
        if self.is_district and sync.SCHOOL not in kinds:
            return self.tr("还没有登记任何学校。请先为学校生成登记包，用U盘交给学校导入。")
        return ""

    def _show_missing_step(self) -> None:
        missing = self.missing_step()
        if not missing:
            self.prerequisite.clear()
        elif self.is_district:
            self.prerequisite.need(missing, self.tr("登记学校并生成登记包…"), self.enrol)
        else:
            self.prerequisite.need(missing, self.tr("导入登记包…"), self.import_files)

    def refresh(self) -> None:
        self.drive_bar.refresh()
        self._show_missing_step()
        inst = self.store.installation()
        if inst is None:
            return
        try:
            fingerprint = sync.own_fingerprint(self.store)
        except BaoxueError as exc:
            fingerprint = str(exc)
        self.identity_label.setText(
            self.tr("本单位：%1（%2）　本机密钥指纹：%3　（登记时请与对方电话核对指纹）")
            .replace("%1", inst.name).replace("%2", inst.code).replace("%3", fingerprint)
        )
        chosen = self._selected_peer()
        self.peer_model.reload()
        if chosen is not None:  # the reload cleared the selection: the pending list is the chosen school's
            for row in range(self.peer_model.rowCount()):
                if self.peer_model.key(row) == chosen:
                    self.peer_view.selectRow(row)
                    break
        for model in (self.pending_model, self.package_model, self.log_model, self.conflict_model):
            model.reload()
        conflicts = self.conflict_model.rowCount()
        self.tabs.setTabText(3, self.tr("冲突（%1）").replace("%1", str(conflicts)) if conflicts else self.tr("冲突"))

    # --- actions ----------------------------------------------------------------------------

    def _selected_peer(self) -> str | None:
        rows = self.peer_view.selectionModel().selectedRows()
        return self.peer_model.key(rows[0].row()) if rows else None

    def export_selected(self, folder: Path | None = None) -> Worker | None:
        if missing := self.missing_step():  # said before any folder is asked for
            Messages.error(self, self.tr("导出数据包"), missing)
            return None
        if self.is_district:
            code = self._selected_peer()
            if code is None:
                Messages.error(self, self.tr("导出数据包"), self.tr("请先在上面的列表中选中一所学校"))
                return None
            codes = [code]
        else:
            codes = [sync.DISTRICT_CODE_ALIAS]
        return self._export(codes, folder)

    def export_all(self) -> Worker | None:
        codes = [p.code for p in sync.peers(self.store) if p.kind == sync.SCHOOL and p.box_public]
        if not codes:
            Messages.error(self, self.tr("导出数据包"), self.tr("还没有收到任何学校的数据包，暂无可发送的学校"))
            return None
        return self._export(codes)

    def _export(self, codes: list[str], chosen: Path | None = None) -> Worker | None:
        folder = chosen or Pickers.folder(self, self.tr("选择U盘或保存数据包的文件夹"))
        if folder is None or not confirm_output_folder(self, folder, self.tr("数据包")):
            return None

        def job(report: Callable[[int, int], bool]) -> list[sync.ExportResult]:
            done: list[sync.ExportResult] = []
            for i, code in enumerate(codes):
                done.append(sync.export_package(self.store, code, folder))
                if report(i + 1, len(codes)) is False:
                    break
            return done

        def finished(results: list[sync.ExportResult]) -> None:
            names = "\n".join(f"{r.path.name}（{r.records}条记录）{r.note}" for r in results)
            where = results[0].path.parent if results else folder
            Messages.written(self, self.tr("导出完成"), self.tr("已写到 %1 并读回核对：\n%2\n现在可以安全拔出U盘。")
                             .replace("%1", str(where)).replace("%2", names), where)

        return self._run(job, len(codes), self.tr("正在导出数据包…"), finished, self.tr("导出失败"))

    def import_files(self) -> Worker | None:
        paths = Pickers.files(self, self.tr("选择要导入的数据包"))
        return self.import_paths(paths) if paths else None

    def import_drive(self, root: Path) -> Worker | None:
        """The packages on a plugged-in drive: at its top and in its first level of folders."""
        return self.import_folder(root, deep=True)

    def import_folder(self, chosen: Path | None = None, deep: bool = False) -> Worker | None:
        folder = chosen or Pickers.folder(self, self.tr("选择存放数据包的文件夹或U盘"))
        if folder is None:
            return None
        if deep:
            paths = sorted([*folder.glob("*.bxpkg"), *folder.glob("*/*.bxpkg")])
            if not paths:
                Messages.error(self, self.tr("导入数据包"), self.tr("U盘 %1 上没有 .bxpkg 数据包").replace("%1", str(folder)))
                return None
            return self.import_paths(paths)
        paths = sorted(folder.glob("*.bxpkg"))
        if not paths:
            Messages.error(self, self.tr("导入数据包"), self.tr("所选文件夹中没有 .bxpkg 数据包"))
            return None
        return self.import_paths(paths)

    def import_paths(self, paths: list[Path], confirm: tuple[str, ...] = ()) -> Worker:
        """Import in a worker; a school's first package shows its fingerprint to compare with the receipt,
        and the confirmed ones are imported again with it."""
        asked: list[tuple[Path, sync.NeedsConfirmation]] = []

        def job(report: Callable[[int, int], bool]) -> list[tuple[Path, sync.ImportResult | str]]:
            return sync.import_many(self.store, paths, report, confirm=confirm, asked=asked)

        def finished(results: list[tuple[Path, sync.ImportResult | str]]) -> None:
            answers: dict[tuple[str, str], bool] = {}  # once per school and key, however many of its packages
            for _path, exc in asked:
                if (exc.code, exc.fingerprint) not in answers:
                    answers[(exc.code, exc.fingerprint)] = FingerprintDialog.ask(self, exc.name, exc.code, exc.fingerprint)
            confirmed = [(path, exc.fingerprint) for path, exc in asked if answers[(exc.code, exc.fingerprint)]]
            if confirmed:
                self.confirm_worker = self.import_paths([p for p, _fp in confirmed], tuple(fp for _p, fp in confirmed))
            lines, refused = [], 0
            waiting = {path for path, _exc in asked}
            for path, outcome in results:
                if path in waiting:
                    if not any(path == p for p, _fp in confirmed):
                        refused += 1
                        lines.append(f"{path.name}：未导入。密钥指纹未经核对确认")
                    continue
                if isinstance(outcome, sync.ImportResult):
                    lines.append(f"{path.name}：{outcome.message}")
                else:
                    refused += 1
                    lines.append(f"{path.name}：未导入。{outcome}")
            text = "\n".join(lines)
            if not text:
                return
            if refused:
                Messages.error(self, self.tr("导入结果"), text)
            else:
                Messages.info(self, self.tr("导入结果"), text)

        return self._run(job, len(paths), self.tr("正在导入数据包…"), finished, self.tr("导入失败"))

    def _run(self, job: Callable[[Callable[[int, int], bool]], T], total: int, label: str,
             finished: Callable[[T], None], fail_title: str) -> Worker:
        def done(result: T) -> None:
            self.refresh()
            finished(result)

        def failed(message: str) -> None:
            self.refresh()
            Messages.error(self, fail_title, message)

        got: list[T] = []

        def kept(report: Callable[[int, int], bool]) -> T:
            result = job(report)
            got.append(result)
            return result

        def stopped() -> None:
            # a batch stops between packages: those exported or imported before 取消 stand, and are said
            self.refresh()
            if got and got[0]:
                operations.events.changed.emit(operations.EVERYTHING)
                finished(got[0])

        self._worker = operations.run(self, label, kept, done=done, failed=failed, total=total,
                                      changed=operations.EVERYTHING, cancelled=stopped)
        return self._worker

    def enrol(self) -> None:
        info = EnrolDialog.ask(self)
        if info is None:
            return
        folder = Pickers.folder(self, self.tr("选择保存登记包的文件夹或U盘"))
        if folder is None or not confirm_output_folder(self, folder, self.tr("登记包")):
            return
        try:
            path = sync.enrol(self.store, info, folder)
        except BaoxueError as exc:
            Messages.error(self, self.tr("登记学校"), str(exc))
            return
        self.refresh()
        Messages.info(self, self.tr("登记学校"), self.tr(
            "已登记 %1，登记包：%2\n请把登记包交给学校导入，并电话告知本单位密钥指纹：%3"
        ).replace("%1", info.name).replace("%2", str(path)).replace("%3", sync.own_fingerprint(self.store)))

    def print_receipt(self) -> Path | None:
        """School: write the 数据交换登记回执 to print, sign, seal and send to the district."""
        out = Pickers.save(self, self.tr("保存数据交换登记回执"), "数据交换登记回执.pdf", "PDF (*.pdf)")
        if out is None:
            return None
        try:
            path = sync.write_receipt(self.store, out)
        except BaoxueError as exc:
            Messages.error(self, self.tr("登记回执"), str(exc))
            return None
        self.refresh()
        Messages.info(self, self.tr("登记回执"), self.tr(
            "已写出登记回执：%1\n请打印、签字盖章后报送区教委；区教委第一次导入本校数据包时将核对其中的密钥指纹。"
        ).replace("%1", str(path)))
        return path

    def reenrol(self) -> Path | None:
        """District: a school moved to a new PC; revoke its key and write a new enrolment package."""
        code = self._selected_peer()
        peer = next((p for p in sync.peers(self.store) if p.code == code and p.kind == sync.SCHOOL), None)
        if peer is None:
            Messages.error(self, self.tr("重新登记学校"), self.tr("请先在上面的列表中选中一所学校"))
            return None
        reason = ReenrolDialog.ask(self, peer.name)
        if reason is None:
            return None
        folder = Pickers.folder(self, self.tr("选择保存登记包的文件夹或U盘"))
        if folder is None:
            return None
        try:
            path = sync.reenrol(self.store, peer.code, folder, reason)
        except BaoxueError as exc:
            Messages.error(self, self.tr("重新登记学校"), str(exc))
            return None
        self.refresh()
        Messages.info(self, self.tr("重新登记学校"), self.tr(
            "已吊销 %1 的旧密钥，新的登记包：%2\n该校新电脑导入后须报送新的登记回执，其第一个数据包导入时将核对新指纹。"
        ).replace("%1", peer.name).replace("%2", str(path)))
        return path

    def resolve(self, choice: str) -> None:
        rows = self.conflict_view.selectionModel().selectedRows()
        if not rows:
            Messages.error(self, self.tr("处理冲突"), self.tr("请先选中一处冲突"))
            return
        try:
            sync.resolve(self.store, self.conflict_model.key(rows[0].row()), choice)
        except BaoxueError as exc:
            Messages.error(self, self.tr("处理冲突"), str(exc))
        self.refresh()
