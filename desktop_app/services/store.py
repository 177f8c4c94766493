"""The local store: opening (with backup and migration), sessions and transactions."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from database import engine as db
from database.models import Installation
from desktop_app.domain.errors import ConflictError, StoreBusy, StoreError
from desktop_app.services import audit, keyslots, places, server, workfiles
from desktop_app.services.paths import BACKUP_DIR, STORE_FILE, backup_file_name, resolve_data_dir

CHANGED_ELSEWHERE = "这条记录刚刚被另一位工作人员（另一台电脑）修改，本次修改未保存：请重新打开后再改"


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some systems
        return "本机用户"


@dataclass(frozen=True)
class Actor:
    """Who the store acts for: a signed-in account, a named task of the program, or nobody.

    A store opened without an account (``Store.open(..., user=...)``) has no role: it may read
    what needs no permission and do nothing that needs one (fails closed). The GUI and the CLI
    sign an account in with ``accounts.sign_in``; the program's own work that has no account to
    sign in (building the demonstration schools) acts as ``Actor.for_task``, a task named in
    the history.

    Attributes:
        user_name: written into ``updated_by`` and the history.
        role: a ``desktop_app.domain.roles.Role`` value; "" for nobody (no permission at all).
        account_id: the account's id, or None when no account is signed in.
        all_students: a teacher may edit every student's records (else only the assigned ones).
        task: the program task acted for (``for_task``), "" otherwise.
    """

    user_name: str
    role: str = ""
    display_name: str = ""
    account_id: str | None = None
    all_students: bool = True
    task: str = ""

    @classmethod
    def for_task(cls, task: str, role: str, user_name: str = "") -> Actor:
        """The program itself doing ``task`` with ``role``'s rights (not a person: no account)."""
        return cls(user_name or f"程序任务：{task}", role, f"程序任务：{task}", None, True, task)

    @property
    def is_system(self) -> bool:
        """No account signed in (nobody, or a program task): no lock, no own password."""
        return self.account_id is None

    @property
    def label(self) -> str:
        return f"{self.display_name}（{self.user_name}）" if self.display_name else self.user_name


class Store:
    """One installation's SQLite file and everything needed to read and write it."""

    def __init__(self, data_dir: Path, engine: Engine, user: str, key: bytes = b"") -> None:
        self.data_dir = data_dir
        self.path = data_dir / STORE_FILE
        self.engine = engine
        self.key = key  # the SQLCipher store key (never written anywhere but wrapped in key slots)
        self.conversion = ""  # what converting a plain store of an older version did (one message)
        self.account = Actor(user)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # writes begin with the write lock (BEGIN IMMEDIATE), waiting boundedly for another program
        self._write_sessions = sessionmaker(engine.execution_options(**db.WRITE), expire_on_commit=False)
        self._installation: Installation | None = None
        self.server: URL | None = None  # the PostgreSQL database of a district store on a server
        self._checkpoint: threading.Thread | None = None  # ``checkpoint_soon``'s, while it runs

    @property
    def is_server(self) -> bool:
        """The store is a PostgreSQL database (a district's), not the encrypted file in ``data_dir``."""
        return self.server is not None

    @property
    def location(self) -> str:
        """Where the ledger is, as shown to a person (the file, or the server without its password)."""
        return db.shown_url(self.server) if self.server is not None else str(self.path)

    @classmethod
    def open(cls, data_dir: str | Path | None = None, user: str | None = None, *, key: bytes | None = None,
             url: str | URL | None = None) -> Store:
        """Open (creating or migrating) the encrypted store in ``data_dir`` with its store key.

        A new store gets a random key (kept in the clear in the key-slot file until the first
        account's slot replaces it). An existing store needs ``key`` (unwrapped from a key slot at
        sign-in, see ``encryption.unlock``) unless no account exists yet. A plain store of an older
        version is converted first (``encryption.convert_plain``). An existing file at an older
        revision is copied to ``backups/`` before migrating.

        Raises:
            StoreLocked: the store is encrypted and no key was given.
            KeySlotError: no key was given and the key-slot file is missing or damaged.
            StoreError: the file cannot be opened (wrong key, damaged, newer version).

        ``url`` (or ``BAOXUE_DATABASE_URL``, or the server settings of the data folder) opens a district
        store on a PostgreSQL server instead (``open_server``).
        """
        folder = resolve_data_dir(data_dir)
        chosen = server.explicit_url(url)
        if chosen is not None or server.is_configured(folder):
            return cls.open_server(folder, user, key=key, url=chosen)
        places.refuse_network_store(folder)  # WAL on a network share can damage the store
        try:
            workfiles.private_dir(folder)  # a folder it creates is 0700 (POSIX)
        except OSError as exc:
            raise StoreError(f"无法创建数据文件夹 {folder}：{exc.strerror}") from exc
        path = folder / STORE_FILE
        from desktop_app.services.integrity import rescue  # noqa: PLC0415 - imports services that import this

        rescue.refuse_if_replaced(folder, key)  # a missing or damaged store is never silently replaced
        existed = path.exists() and path.stat().st_size > 0
        created = not path.exists()
        workfiles.sweep(folder)  # what an interrupted backup, restore, import or export left behind
        converted = False
        if existed and db.is_plain(path):
            from desktop_app.services import encryption  # noqa: PLC0415 - encryption opens stores

            key, converted = encryption.convert_plain(folder), True
        elif not existed:
            key = key or keyslots.new_store_key()
        elif key is None:
            key = keyslots.open_key(folder)
            if key is None:
                raise keyslots.StoreLocked("数据文件已加密，请用账户和密码登录（或使用恢复密钥）")
        if existed and not db.opens_with(path, key):  # the key came from its slots: the file is damaged
            raise rescue.damaged_error(folder, db.DatabaseError("file is not a database"), key)
        engine = db.make_engine(path, key)
        try:
            current = db.current_revision(engine)
            head = db.head_revision()
            if current != head:
                known = set(db.revisions())
                if current is not None and current not in known:
                    raise StoreError(
                        f"数据文件 {path} 由更新版本的程序写入（结构版本 {current}），请升级本程序后再打开"
                    )
                if existed:
                    name = backup_file_name(dt.datetime.now(), f"升级前-{current or '空'}")
                    db.backup_file(path, folder / BACKUP_DIR / name, key)
                    keyslots.copy_beside(folder, folder / BACKUP_DIR / name)
                db.upgrade(engine)
        except DBAPIError as exc:
            engine.dispose()
            if existed:  # a damaged store: named, with the newest good automatic copy
                raise rescue.damaged_error(folder, exc, key) from exc
            raise StoreError(f"无法打开数据文件 {path}：{exc.orig}") from exc
        except StoreError:
            engine.dispose()
            raise
        if created:
            db.make_private(path)  # the new store (and its -wal, -shm) 0600 (POSIX)
        store = cls(folder, engine, user or default_user(), key)
        if not existed:
            keyslots.sync(store)
        from desktop_app.services import encryption  # noqa: PLC0415 - encryption opens stores

        store.conversion = encryption.after_open(store, converted)
        return store

    @classmethod
    def open_server(cls, folder: Path, user: str | None = None, *, key: bytes | None = None,
                    url: URL | None = None) -> Store:
        """Open (creating or upgrading) the district store on a PostgreSQL server.

        The data folder keeps what is this PC's own: the key slots (whose store key protects the saved
        server password), the work files and the settings. ``url`` None: the server settings saved in
        the folder at set-up (``server.load``).

        Raises:
            StoreLocked: the saved password needs the store key and none was given.
            StoreError: the server cannot be reached, refuses the sign-in, is older than PostgreSQL 14,
                or holds a newer version's data.
        """
        try:
            workfiles.private_dir(folder)
        except OSError as exc:
            raise StoreError(f"无法创建数据文件夹 {folder}：{exc.strerror}") from exc
        if key is None and keyslots.keys_path(folder).exists():
            # this PC's key slots (they seal the saved server password): an account's password opens them
            key = keyslots.open_key(folder)
            if key is None:
                raise keyslots.StoreLocked("请用账户和密码登录（或使用恢复密钥）")
        key = key or keyslots.new_store_key()  # a PC opening the district's server for the first time
        if url is None:
            settings = server.load(folder, key)
            if settings is None:
                raise StoreError("本机没有设置数据库服务器")
            url = settings.url()
        engine = db.make_server_engine(url)
        shown = db.shown_url(url)
        try:
            db.check_server(engine)
            current = db.current_revision(engine)
            if current != db.head_revision():
                if current is not None and current not in set(db.revisions()):
                    raise StoreError(f"数据库 {shown} 由更新版本的程序写入（结构版本 {current}），请升级本程序后再打开")
                db.upgrade(engine)
        except DBAPIError as exc:
            engine.dispose()
            raise StoreError(f"无法连接数据库服务器 {shown}：{server.reason(exc)}") from exc
        except StoreError:
            engine.dispose()
            raise
        store = cls(folder, engine, user or default_user(), key)
        store.server = url
        keyslots.sync(store)  # the accounts other PCs made since get their slot here too
        return store

    def adopt(self, other: Store) -> None:
        """Become ``other`` (a store on a server opened at set-up, with this store's key): this one's
        engine is closed and, when it is a new file nothing was written to, that file is removed."""
        empty = self.server is None and self.installation() is None
        self.finish_checkpoint()
        self.engine.dispose()
        if empty:
            for p in (self.path, self.path.with_name(self.path.name + "-wal"),
                      self.path.with_name(self.path.name + "-shm")):
                p.unlink(missing_ok=True)
        self.engine, self.server, self.key = other.engine, other.server, other.key
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.engine.execution_options(**db.WRITE), expire_on_commit=False)
        self._installation = None

    def use_key(self, key: bytes) -> None:
        """Reopen the engine with a new store key (after the file was re-encrypted with it)."""
        self.finish_checkpoint()
        self.engine.dispose()
        self.key = key
        if self.server is not None:  # the server's data is not encrypted with the store key
            self.engine = db.make_server_engine(self.server)
        else:
            self.engine = db.make_engine(self.path, key)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.engine.execution_options(**db.WRITE), expire_on_commit=False)

    @property
    def user(self) -> str:
        """The name written into ``updated_by`` and the history: the account's user name."""
        return self.account.user_name

    def act_as(self, actor: Actor) -> None:
        """Make ``actor`` the one every later change is recorded for (after sign-in)."""
        self.account = actor

    def checkpoint_soon(self) -> None:
        """Move a large write's pages from the write-ahead log into the store file in a thread of its own
        (the commit skipped it: ``db.checkpoint_later``), while the user reads what was done; the log stays
        correct meanwhile, and closing the store waits for it. No effect on a server."""
        if self.server is not None:
            return
        self.finish_checkpoint()
        engine = self.engine

        def run() -> None:
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except DBAPIError:
                pass  # busy or closed: the next commit's own checkpoint, or the last close, does it

        self._checkpoint = threading.Thread(target=run, name="baoxue-checkpoint", daemon=True)
        self._checkpoint.start()

    def finish_checkpoint(self) -> None:
        """Wait for ``checkpoint_soon``'s thread (before the engine is closed or replaced)."""
        if self._checkpoint is not None:
            self._checkpoint.join()
            self._checkpoint = None

    def close(self) -> None:
        self.finish_checkpoint()
        try:
            with self.engine.connect() as conn:
                if self.server is None:
                    conn.exec_driver_sql("PRAGMA optimize")  # keeps the planner's statistics current
        except DBAPIError:
            pass
        self.engine.dispose()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    @contextlib.contextmanager
    def write(self, *, head: bool = True, late_chain: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        Every ledger change made in it is written to the history; after the commit the chain head
        beside the store is rewritten (``head=False``: the caller does it). The transaction takes the
        write lock when it begins, waiting (bounded, with retries) while another program on the same
        data folder writes; on a server it takes the chain lock (``db.lock_chain``) instead, so the
        staff's writes follow one another there too while reading never waits.

        ``late_chain`` (a package import): on a server the chain lock is taken at the end instead, when the
        history held back until then is appended (``audit.defer_chain``), so imports from several PCs run
        side by side; what they share is guarded by row locks and unique keys, and a collision the server
        undid (a deadlock) is a ``ConflictError`` the caller may retry. No effect on SQLite.

        Raises:
            StoreBusy: the other program kept the folder busy past the wait; nothing was changed.
        """
        from desktop_app.services.integrity import head as chain_head  # noqa: PLC0415 - imports this module

        inst = self.installation()
        with self._write_sessions() as session:
            session.info.update(audit=True, user=self.user, node_id=inst.node_id if inst else "")
            late = late_chain and self.server is not None
            if late:
                audit.defer_chain(session)
            try:
                with session.begin():
                    if self.server is not None and not late:
                        # one writer at a time, as SQLite's write lock gives the file: a service that
                        # checks and then writes (已有审批结果, a name already taken) holds on a server too
                        db.lock_chain(session.connection())
                    yield session
                    if late:
                        session.flush()
                        audit.write_deferred(session)  # the chain lock from here to the commit
                    if head:
                        chain_head.before_commit(self, session)
            except DBAPIError as exc:
                if db.is_busy(exc):
                    raise StoreBusy() from exc
                if db.is_server_conflict(exc):  # a deadlock between two staff's writes: the server undid one
                    raise ConflictError(CHANGED_ELSEWHERE) from exc
                raise
            except StaleDataError as exc:  # the row's version moved on since it was read (another PC wrote it)
                raise ConflictError(CHANGED_ELSEWHERE) from exc
        if head:
            chain_head.after_commit(self)

    def installation(self) -> Installation | None:
        if self._installation is None:
            with self.read() as session:
                self._installation = session.execute(select(Installation)).scalar_one_or_none()
        return self._installation

    def forget_installation(self) -> None:
        self._installation = None

    def revision(self) -> str | None:
        return db.current_revision(self.engine)

    def verify(self, progress: Callable[[int], bool | None] | None = None) -> audit.VerifyResult:
        """The file, the history chain, every ledger row against its history (人账相符), the chain head
        beside the store and the evidence attachments; never raises for a damaged file.

        ``progress(percent)`` may return False to cancel (``VerifyCancelled``)."""
        from desktop_app.services.integrity import check  # noqa: PLC0415 - imports this module

        return check.run(self, progress)
