"""The local store: opening (with backup and migration), sessions and transactions."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from database import engine as db
from database.models import Installation
from desktop_app.domain.errors import StoreError
from desktop_app.domain.roles import Role
from desktop_app.services import audit, places
from desktop_app.services.paths import BACKUP_DIR, STORE_FILE, backup_file_name, resolve_data_dir


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some systems
        return "本机用户"


@dataclass(frozen=True)
class Actor:
    """Who the store acts for: a signed-in account, or the system context.

    ``Store.open(..., user=...)`` gives the system context (an administrator's rights under that
    name) used by tests, services and first set-up; the GUI and the CLI sign an account in with
    ``accounts.sign_in`` once accounts exist.

    Attributes:
        user_name: written into ``updated_by`` and the history.
        role: a ``desktop_app.domain.roles.Role`` value.
        account_id: the account's id, or None for the system context.
        all_students: a teacher may edit every student's records (else only the assigned ones).
    """

    user_name: str
    role: str = Role.ADMIN
    display_name: str = ""
    account_id: str | None = None
    all_students: bool = True

    @property
    def is_system(self) -> bool:
        return self.account_id is None

    @property
    def label(self) -> str:
        return f"{self.display_name}（{self.user_name}）" if self.display_name else self.user_name


class Store:
    """One installation's SQLite file and everything needed to read and write it."""

    def __init__(self, data_dir: Path, engine: Engine, user: str) -> None:
        self.data_dir = data_dir
        self.path = data_dir / STORE_FILE
        self.engine = engine
        self.account = Actor(user)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._installation: Installation | None = None

    @classmethod
    def open(cls, data_dir: str | Path | None = None, user: str | None = None) -> Store:
        """Open (creating or migrating) the store in ``data_dir``.

        An existing file at an older revision is first copied to ``backups/``.
        """
        folder = resolve_data_dir(data_dir)
        places.refuse_network_store(folder)  # WAL on a network share can damage the store
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"无法创建数据文件夹 {folder}：{exc.strerror}") from exc
        path = folder / STORE_FILE
        from desktop_app.services.integrity import rescue  # noqa: PLC0415 - imports services that import this

        rescue.refuse_if_replaced(folder)  # a missing or damaged store is never silently replaced
        existed = path.exists() and path.stat().st_size > 0
        engine = db.make_engine(path)
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
                    db.backup_file(path, folder / BACKUP_DIR / name)
                db.upgrade(engine)
        except DBAPIError as exc:
            engine.dispose()
            if existed:  # a damaged store: named, with the newest good automatic copy
                raise rescue.damaged_error(folder, exc) from exc
            raise StoreError(f"无法打开数据文件 {path}：{exc.orig}") from exc
        except StoreError:
            engine.dispose()
            raise
        return cls(folder, engine, user or default_user())

    @property
    def user(self) -> str:
        """The name written into ``updated_by`` and the history: the account's user name."""
        return self.account.user_name

    def act_as(self, actor: Actor) -> None:
        """Make ``actor`` the one every later change is recorded for (after sign-in)."""
        self.account = actor

    def close(self) -> None:
        try:
            with self.engine.connect() as conn:
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
    def write(self, *, head: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        Every ledger change made in it is written to the history; after the commit the chain head
        beside the store is rewritten (``head=False``: the caller does it).
        """
        from desktop_app.services.integrity import head as chain_head  # noqa: PLC0415 - imports this module

        inst = self.installation()
        with self._sessions() as session:
            session.info.update(audit=True, user=self.user, node_id=inst.node_id if inst else "")
            with session.begin():
                yield session
                if head:
                    chain_head.before_commit(self, session)
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
