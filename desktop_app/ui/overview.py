"""总览: the school's headline figure (open cases, the one that must reach zero), this semester's and
this month's movement, open cases by reason, grade and township, a monthly trend and the to-do list.

Every figure opens the filtered ledger behind it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.codes import CaseStatus
from desktop_app.services import semesters, todo
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.workers import Worker

if TYPE_CHECKING:  # imported where used: the figures' services load on the worker, after the window is painted
    from desktop_app.services import cases, lifecycle

Index = QModelIndex | QPersistentModelIndex
NEW_COLOR = QColor("#c62828")
CLOSED_COLOR = QColor("#2e7d32")
AFTER_PAINT_LIMIT_MS = 500  # the figures of a page shown but not yet painted start after its paint, or after this


class TrendChart(QWidget):
    """New and closed cases per month as paired bars (PySide6-Essentials has no QtCharts).

    Signals:
        month_clicked(str): the user clicked a month ("YYYY-MM").
    """

    month_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.months: list[tuple[str, int, int]] = []
        self.setToolTip(self.tr("点击某月查看当月新增的案件"))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(360, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, months: list[tuple[str, int, int]]) -> None:
        self.months = months
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(420, 190)

    def _plot_rect(self) -> QRect:
        return self.rect().adjusted(28, 22, -8, -22)

    def month_at(self, x: int) -> str | None:
        rect = self._plot_rect()
        if not self.months or not rect.left() <= x <= rect.right():
            return None
        slot = rect.width() / len(self.months)
        return self.months[min(int((x - rect.left()) / slot), len(self.months) - 1)][0]

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        month = self.month_at(int(event.position().x()))
        if month:
            self.month_clicked.emit(month)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self._plot_rect()
        metrics = painter.fontMetrics()
        painter.setPen(self.palette().text().color())
        legend_y = 4
        for i, (label, color) in enumerate(((self.tr("新增"), NEW_COLOR), (self.tr("销号"), CLOSED_COLOR))):
            x = rect.left() + i * 70
            painter.fillRect(QRect(x, legend_y + 3, 10, 10), color)
            painter.drawText(x + 14, legend_y + 12, label)
        if not self.months:
            painter.end()
            return
        top = max(1, max(max(n, c) for _m, n, c in self.months))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.drawText(QRect(0, rect.top() - 6, 24, 14), Qt.AlignmentFlag.AlignRight, str(top))
        painter.drawText(QRect(0, rect.bottom() - 8, 24, 14), Qt.AlignmentFlag.AlignRight, "0")
        slot = rect.width() / len(self.months)
        bar = max(2.0, slot * 0.35)
        for i, (month, new, closed) in enumerate(self.months):
            left = rect.left() + i * slot + slot * 0.12
            for j, (value, color) in enumerate(((new, NEW_COLOR), (closed, CLOSED_COLOR))):
                h = int(rect.height() * value / top)
                painter.fillRect(QRect(int(left + j * bar), rect.bottom() - h, int(bar), h), color)
            label = month[5:] + "月" if month[5:] != "01" else month[:4]
            painter.drawText(QRect(int(rect.left() + i * slot), rect.bottom() + 3, int(slot), metrics.height()),
                             Qt.AlignmentFlag.AlignHCenter, label)
        painter.end()


class CountsModel(TableModel[tuple[str, int]]):
    """Open cases grouped by one column: (value, count) rows."""

    def __init__(self, heading: str, parent: Any = None) -> None:
        super().__init__(parent, headers=(heading, "未销号"))
        self.heading = heading

    def value(self, row: int) -> str:
        return self._rows[row][0]

    def display(self, row: tuple[str, int], column: int, position: int) -> Any:
        return (row[0] or "（未填）", row[1])[column]

    def cell(self, row: tuple[str, int], column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignCenter)
        return super().cell(row, column, role, position)


class TodoModel(TableModel[todo.TodoItem]):
    """待办: the reminders of every area, most overdue first."""

    HEADERS = COLUMNS = ("到期", "类别", "事项", "说明")
    TIPS = True

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.today = dt.date.today()

    def set_items(self, items: list[todo.TodoItem], today: dt.date) -> None:
        self.today = today
        self.set_rows(items)

    def item(self, row: int) -> todo.TodoItem:
        return self._rows[row]

    def items(self) -> list[todo.TodoItem]:
        return self.rows()

    def display(self, row: todo.TodoItem, column: int, position: int) -> Any:
        late = (self.today - row.due).days
        due = f"{row.due:%Y-%m-%d}" + (f"（逾期{late}天）" if late > 0 else "")
        return (due, row.kind, row.title, row.detail)[column]

    def cell(self, row: todo.TodoItem, column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == 0 and row.due < self.today:
            return QColor("#b00020")
        return super().cell(row, column, role, position)


def _table(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


class OverviewPage(QWidget):
    """Signals:
        show_ledger(str): open the ledger filtered by this status label.
        show_query(object): open the ledger with this ``cases.LedgerQuery`` (a figure's cases).
        open_case(str): open a case's form (from the to-do list).
        refreshed(): the figures and the to-do list on screen are new.
    """

    show_ledger = Signal(str)
    show_query = Signal(object)
    open_case = Signal(str)
    open_target = Signal(str, str)  # kind, id of a 待办 item that is not a case: ("approval", id) …
    refreshed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None, *, load: bool = True) -> None:
        super().__init__(parent)
        self.store = store
        self.data: lifecycle.Overview | None = None
        self._worker: Worker | None = None
        self._pending = False
        self._painted = False
        self._after_paint: Worker | None = None
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        self.unit_label = QLabel(self)
        self.unit_label.setStyleSheet("font-size: 15pt;")
        layout.addWidget(self.unit_label)

        top = QHBoxLayout()
        self.open_button = QPushButton(self)
        self.open_button.setStyleSheet("font-size: 26pt; padding: 12px 18px; text-align: left; color: #b00020;")
        self.open_button.setToolTip(self.tr("点击查看全部未销号案件"))
        self.open_button.clicked.connect(lambda: self.show_ledger.emit("未销号（全部在案）"))
        top.addWidget(self.open_button, 3)  # room for a district's three- or four-digit figure
        inst = store.installation()
        self.not_found_button: QPushButton | None = None
        if inst is not None and inst.kind == "district":  # 全区联查: leavers found at no school of the district
            self.not_found_button = QPushButton(self)
            self.not_found_button.setStyleSheet("font-size: 18pt; padding: 12px; text-align: left; color: #b00020;")
            self.not_found_button.setToolTip(self.tr("小升初、幼升小毕业生在全区任何学校都没有找到的人数（确保无遗漏）；"
                                                     "点击查看名单"))
            self.not_found_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
            self.not_found_button.clicked.connect(lambda: self.open_target.emit("match", "未找到"))
            top.addWidget(self.not_found_button, 2)
        self.status_buttons: dict[str, QPushButton] = {}
        for status in CaseStatus:
            button = QPushButton(self)
            button.setStyleSheet("font-size: 12pt; padding: 8px;")
            # two lines (status, count): as tall as the headline beside it, never squeezed on a 768-pixel screen
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
            button.setMinimumHeight(64)
            button.clicked.connect(lambda _c=False, s=status.value: self.show_ledger.emit(s))
            top.addWidget(button, 1)
            self.status_buttons[status.value] = button
        self.deferred_button = self.status_buttons[CaseStatus.DEFERRED.value]
        self.deferred_button.setToolTip(self.tr("经区领导小组批准延缓入学/休学、已销号但仍须跟踪劝返的学生（单独统计）"))
        layout.addLayout(top)

        periods = QHBoxLayout()
        self.period_buttons: dict[str, QPushButton] = {}
        for key in ("new_semester", "closed_semester", "new_month", "closed_month"):
            button = QPushButton(self)
            button.setStyleSheet("font-size: 11pt; padding: 6px;")
            button.clicked.connect(lambda _c=False, k=key: self.show_period(k))
            periods.addWidget(button)
            self.period_buttons[key] = button
        layout.addLayout(periods)

        middle = QHBoxLayout()
        self.group_models: dict[str, CountsModel] = {}
        self.group_views: dict[str, QTableView] = {}
        for key, heading in (("dropout_reason", "辍学原因"), ("grade", "年级"), ("township", "乡镇(街道)")):
            model = CountsModel(heading, self)
            view = _table(model, self)
            view.setMinimumWidth(150)
            view.setToolTip(self.tr("双击查看这些未销号案件"))
            view.activated.connect(lambda index, k=key: self.show_group(k, index.row()))
            self.group_models[key] = model
            self.group_views[key] = view
            middle.addWidget(view, 1)
        chart_box = QGroupBox(self.tr("近12个月新增与销号"), self)
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(4, 4, 4, 4)
        self.chart = TrendChart(chart_box)
        self.chart.month_clicked.connect(self.show_month)
        chart_layout.addWidget(self.chart)
        middle.addWidget(chart_box, 2)
        layout.addLayout(middle, 3)

        self.todo_box = QGroupBox(self)
        todo_layout = QVBoxLayout(self.todo_box)
        todo_layout.setContentsMargins(4, 4, 4, 4)
        self.todo_model = TodoModel(self)
        self.todo_view = _table(self.todo_model, self.todo_box)
        header = self.todo_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.todo_view.setColumnWidth(2, 340)
        self.todo_view.setToolTip(self.tr("双击打开对应的一生一表"))
        self.todo_view.activated.connect(lambda index: self.open_todo(index.row()))
        todo_layout.addWidget(self.todo_view)
        layout.addWidget(self.todo_box, 3)

        inst = store.installation()
        whose = self.tr("全区") if inst is not None and inst.kind == "district" else self.tr("本校")
        self.hint = QLabel(self.tr("动态清零：未销号案件数是%1的核心指标，目标为 0。点击任一数字查看对应台账。")
                           .replace("%1", whose), self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        if load:
            self.refresh()

    def _compute(self, today: dt.date) -> tuple[lifecycle.Overview, list[todo.TodoItem]]:
        """The figures and the to-do list; no widget is touched (runs on a worker thread too)."""
        from desktop_app.services import lifecycle  # noqa: PLC0415 - on the worker, not while the window is built

        return lifecycle.overview(self.store, today), todo.collect(self.store, today)

    def refresh(self, today: dt.date | None = None) -> None:
        """Recompute and show everything now (a school's ledger: well under a second)."""
        today = today or dt.date.today()
        self._show(today, *self._compute(today))
        self.refreshed.emit()

    def refresh_async(self, today: dt.date | None = None) -> None:
        """Recompute on a worker thread and show the result when ready (a district's 100,000 cases
        take seconds); the page stays usable meanwhile. Emits ``refreshed`` when shown."""
        today = today or dt.date.today()
        if self._worker is not None:
            self._pending = True
            return
        self.todo_box.setTitle(self.tr("待办（正在计算…）"))
        # A new semester's row is written here, not on the worker, where it would race a page being built.
        semesters.current(self.store, today)
        worker = Worker(lambda _report: self._compute(today))

        def done(result: tuple[lifecycle.Overview, list[todo.TodoItem]]) -> None:  # what _compute returned
            self._worker = None
            data, items = result
            self._show(today, data, items)
            if self._pending:  # something changed while computing: once more, then say so
                self._pending = False
                self.refresh_async()
            else:
                self.refreshed.emit()

        def failed(message: str) -> None:
            self._worker = None
            self.todo_box.setTitle(self.tr("待办（计算失败：%1）").replace("%1", message))

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(failed)
        self._worker = worker
        # From the event loop: the window is painted first, then the figures are computed beside it.
        QTimer.singleShot(0, lambda: self._start_when_painted(worker))

    def _start_when_painted(self, worker: Worker) -> None:
        """Start ``worker`` now, or, when the page was just shown and not painted yet (the first start),
        once it has been painted: the worker's imports and queries would otherwise share the interpreter
        with the window's first paint and the user would wait longer for the window."""
        if self._painted or not self.isVisible():
            worker.start()
            return
        self._after_paint = worker
        QTimer.singleShot(AFTER_PAINT_LIMIT_MS, self._start_after_paint)  # never painted (hidden at once): start anyway

    def _start_after_paint(self) -> None:
        worker, self._after_paint = self._after_paint, None
        if worker is None:
            return
        if self.window().isVisible():
            worker.start()
        elif self._worker is worker:  # the window was closed before it was painted: nothing to compute for
            self._worker = None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            if self._after_paint is not None:
                QTimer.singleShot(0, self._start_after_paint)  # after this paint has reached the screen

    def _show(self, today: dt.date, data: lifecycle.Overview, items: list[todo.TodoItem]) -> None:
        inst = self.store.installation()
        self.unit_label.setText(inst.name if inst else "")
        self.data = data
        self.open_button.setText(self.tr("未销号案件：%1 件").replace("%1", str(data.open_count)))
        if self.not_found_button is not None:
            from desktop_app.services import matching  # noqa: PLC0415 - the district's only: not at a school's start

            lost = matching.not_found_count(self.store)
            self.not_found_button.setText(self.tr("衔接未找到：%1").replace(
                "%1", self.tr("尚未联查") if lost is None else self.tr("%1 人").replace("%1", str(lost))))
        for status, button in self.status_buttons.items():
            button.setText(f"{status}\n{data.by_status.get(status, 0)}")
        sem = data.semester.name
        labels = {
            "new_semester": (self.tr("本学期新增"), data.new_semester, sem),
            "closed_semester": (self.tr("本学期销号"), data.closed_semester, sem),
            "new_month": (self.tr("本月新增"), data.new_month, f"{today:%Y年%m月}"),
            "closed_month": (self.tr("本月销号"), data.closed_month, f"{today:%Y年%m月}"),
        }
        for key, (label, count, when) in labels.items():
            self.period_buttons[key].setText(f"{label}：{count}")
            self.period_buttons[key].setToolTip(when)
        self.group_models["dropout_reason"].set_rows(data.by_reason)
        self.group_models["grade"].set_rows(data.by_grade)
        self.group_models["township"].set_rows(data.by_township)
        self.chart.set_data(data.trend)
        self.todo_model.set_items(items, today)
        self.todo_box.setTitle(self.tr("待办（%1 项）").replace("%1", str(len(items))))

    def open_count_text(self) -> str:
        return self.open_button.text()

    # --- figures open the ledger behind them ----------------------------------------------

    def period_query(self, key: str) -> cases.LedgerQuery:
        from desktop_app.services import cases  # noqa: PLC0415 - when a figure is clicked

        assert self.data is not None
        d = self.data
        start = d.semester.start if key.endswith("semester") else d.month_start
        end = d.semester.end if key.endswith("semester") else d.today
        title = self.period_buttons[key].text().split("：")[0]
        if key.startswith("new"):
            return cases.LedgerQuery(opened_from=start, opened_to=end, title=title)
        return cases.LedgerQuery(closed_from=start, closed_to=end, title=title)

    def show_period(self, key: str) -> None:
        self.show_query.emit(self.period_query(key))

    def group_query(self, key: str, row: int) -> cases.LedgerQuery:
        from desktop_app.services import cases  # noqa: PLC0415 - when a figure is clicked

        value = self.group_models[key].value(row)
        query = cases.LedgerQuery(statuses=CaseStatus.open_values(), title=f"未销号 · {value or '未填'}")
        if value:
            setattr(query, key, value)
        return query

    def show_group(self, key: str, row: int) -> None:
        self.show_query.emit(self.group_query(key, row))

    def month_query(self, month: str) -> cases.LedgerQuery:
        from desktop_app.services import cases  # noqa: PLC0415 - when a figure is clicked

        start = dt.date.fromisoformat(month + "-01")
        end = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1) - dt.timedelta(days=1)
        return cases.LedgerQuery(opened_from=start, opened_to=end, title=f"{start:%Y年%m月}新增")

    def show_month(self, month: str) -> None:
        self.show_query.emit(self.month_query(month))

    def open_todo(self, row: int) -> None:
        kind, target = self.todo_model.item(row).target
        if kind == "case" and target:
            self.open_case.emit(target)
        elif kind and target:
            self.open_target.emit(kind, target)  # the main window shows the page that deals with it
