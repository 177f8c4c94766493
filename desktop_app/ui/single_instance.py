"""One running program per data folder.

The first start takes a lock file in the data folder (QLockFile) and listens on a local socket
named from a hash of the folder; a second start on the same folder finds the lock taken, sends
``activate`` on that socket (the first program brings its window forward) and exits. A lock
left by a crashed program on this PC is recognised by QLockFile as stale and taken over.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop_app import APP_ID

LOCK_FILE = "baoxue.lock"
ACTIVATE = b"activate\n"


def server_name(data_dir: Path) -> str:
    """The local socket name of the program using ``data_dir`` (same folder, same user: same name)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some systems
        user = ""
    folder = os.path.normcase(str(Path(data_dir).resolve()))
    digest = hashlib.sha256(f"{user}\0{folder}".encode()).hexdigest()[:24]
    return f"{APP_ID}-{digest}"


class SingleInstance(QObject):
    """The lock and the activation socket of one data folder.

    Signals:
        activated: another start on the same data folder asked this program to come forward.
    """

    activated = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.name = server_name(self.data_dir)
        self.lock = QLockFile(str(self.data_dir / LOCK_FILE))
        # The program holds the lock for hours: never call it stale by age, only when the
        # process that took it is gone (QLockFile checks the process id and name on this PC).
        self.lock.setStaleLockTime(0)
        self.server: QLocalServer | None = None

    def acquire(self) -> bool:
        """Take the lock and listen; False when another program holds the folder."""
        if not self.lock.tryLock(100):
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by a crashed program
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)
        self.server.listen(self.name)
        return True

    def lock_error(self) -> QLockFile.LockError:
        return self.lock.error()

    def holder(self) -> str:
        """Who holds the lock, for the message: 'process 1234 on PC-NAME'."""
        info = self.lock.getLockInfo()  # PySide6: (pid, host name, application name); pid 0 when unknown
        pid, host, app = (info[-3:] if len(info) >= 3 else (0, "", ""))
        return f"{host or '未知电脑'} 上的进程 {pid}（{app or '未知程序'}）" if pid else "未知程序"

    def force(self) -> bool:
        """Take over a lock the user has confirmed is left over (e.g. from a USB stick's other PC)."""
        self.lock.removeStaleLockFile()
        return self.acquire()

    def notify_running(self, timeout_ms: int = 2000) -> bool:
        """Ask the program holding the folder to come forward; True when it was reached."""
        socket = QLocalSocket()
        try:
            socket.connectToServer(self.name)
            if not socket.waitForConnected(timeout_ms):
                return False
            socket.write(ACTIVATE)
            socket.flush()
            return socket.waitForBytesWritten(timeout_ms) or socket.bytesToWrite() == 0
        finally:
            socket.abort()

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.unlock()

    def _accept(self) -> None:
        assert self.server is not None
        while (conn := self.server.nextPendingConnection()) is not None:
            # Read what the second start sent (it is tiny, and it waits until written), then drop it.
            if conn.bytesAvailable() or conn.waitForReadyRead(1000):
                data = bytes(conn.readAll().data())
                if ACTIVATE.strip() in data:
                    self.activated.emit()
            conn.abort()
            conn.deleteLater()
