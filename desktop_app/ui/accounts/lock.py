"""The idle lock: a watcher on the application's input and an overlay that asks the password.

``IdleWatcher`` is an event filter on the QApplication: every key press, mouse press, move or
wheel restarts its timer; when it runs out, ``idle`` is emitted and the main window locks. The
``LockOverlay`` covers the whole window (menus included) until the password is given again;
another user may sign in instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import SignInForm

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.InputMethod,
}


class IdleWatcher(QObject):
    """Signals:
    idle(): no keyboard or mouse input for the interval.
    """

    idle = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_interval_ms(self, ms: int) -> None:
        self.timer.setInterval(ms)
        if self.timer.isActive():
            self.timer.start()

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.timer.stop()


class LockOverlay(QFrame):
    """Covers the main window while it is locked.

    Signals:
        unlocked(): the password was given again (or another account signed in).
        quit_requested(): the user chose to close the program instead.
    """

    unlocked = Signal()
    quit_requested = Signal()

    def __init__(self, store: Store, parent: QWidget) -> None:
        super().__init__(parent)
        self.store = store
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Window).darker(105))
        self.setPalette(palette)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        box = QFrame(self)
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setFixedWidth(400)
        inner = QVBoxLayout(box)
        self.title = QLabel(self.tr("已锁定"), box)
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(self.title)
        self.explain = QLabel(box)
        self.explain.setWordWrap(True)
        inner.addWidget(self.explain)
        self.form = SignInForm(store, box)
        inner.addWidget(self.form)
        buttons = QHBoxLayout()
        self.quit_button = QPushButton(self.tr("退出程序"), box)
        self.unlock_button = QPushButton(self.tr("解锁"), box)
        self.unlock_button.setDefault(True)
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner.addLayout(buttons)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.form.password_edit.returnPressed.connect(self.try_unlock)
        self.quit_button.clicked.connect(self.quit_requested)
        self.hide()

    def show_locked(self, reason: str) -> None:
        self.form.user_edit.setText(self.store.user)
        self.explain.setText(reason)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.form.password_edit.setFocus()

    def try_unlock(self) -> bool:
        if self.form.try_sign_in():
            self.hide()
            self.unlocked.emit()
            return True
        return False


class WindowLock(QObject):
    """Locks a main window after idle time (the setting) or on demand, and unlocks it.

    While locked the overlay covers the window, every action (menus and shortcuts) is disabled
    and the window's other top-level windows (open forms) are hidden.

    Signals:
        locked(): the window was locked.
        unlocked(): the window is usable again (the store's account may have changed).
    """

    locked = Signal()
    unlocked = Signal()

    def __init__(self, window: QWidget, store: Store, interval_ms: Callable[[], int]) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.interval_ms = interval_ms
        self._overlay: LockOverlay | None = None  # built at the first lock, not with the window
        self.watcher = IdleWatcher(interval_ms(), self)
        self.watcher.idle.connect(lambda: self.lock(self.tr("长时间没有操作，已自动锁定。请输入密码继续。")))
        self._disabled: list[QAction] = []
        self._hidden: list[QWidget] = []
        self._locked_user = ""
        window.installEventFilter(self)
        if not store.account.is_system:
            self.watcher.start()

    @property
    def overlay(self) -> LockOverlay:
        """What covers the window while it is locked (made when first needed)."""
        if self._overlay is None:
            self._overlay = LockOverlay(self.store, self.window)
            self._overlay.unlocked.connect(self._unlocked)
            self._overlay.quit_requested.connect(self.window.close)
        return self._overlay

    @property
    def is_locked(self) -> bool:
        return self._overlay is not None and self._overlay.isVisible()

    def lock(self, reason: str = "") -> None:
        if self.is_locked or self.store.account.is_system:
            return
        self.watcher.stop()
        self._disabled = [a for a in self.window.findChildren(QAction) if a.isEnabled()]
        for action in self._disabled:
            action.setEnabled(False)
        self._hidden = [w for w in QApplication.topLevelWidgets()
                        if w is not self.window and w.isVisible() and w.parentWidget() is self.window]
        for w in self._hidden:
            w.hide()
        self._locked_user = self.store.user
        self.overlay.show_locked(reason or self.tr("窗口已锁定。请输入密码继续。"))
        self.locked.emit()

    def _unlocked(self) -> None:
        for action in self._disabled:
            action.setEnabled(True)
        same_user = self.store.user == self._locked_user
        for w in self._hidden:
            if same_user:
                w.show()
            else:
                w.close()  # another account signed in: the previous one's open forms are closed
        self._disabled, self._hidden = [], []
        self.watcher.set_interval_ms(self.interval_ms())
        self.watcher.start()
        self.unlocked.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.window and event.type() == QEvent.Type.Resize and self.is_locked:
            self.overlay.setGeometry(self.window.rect())
        return False

    def stop(self) -> None:
        self.watcher.remove()
