"""A throw-away PostgreSQL cluster for the tests that run against the district's server store.

``Cluster.start(folder)`` runs Debian's ``initdb`` and ``pg_ctl`` from the installed PostgreSQL (14 or
newer) on a data folder of its own, listening on a Unix socket in that folder only (no TCP port, so
several test runs on one machine never collide), with trust authentication for the one superuser
``baoxue``; ``Cluster.new_database()`` gives each test an empty database of its own and its
SQLAlchemy URL. PostgreSQL refuses to run as root: when the tests run as root (a CI container) the
cluster runs as the ``postgres`` user (or ``nobody``) through ``runuser``, in a folder that user owns.

Where no PostgreSQL is installed the tests that need it are skipped with the reason, except in CI
(``CI=true``), which always runs both backends: there a missing PostgreSQL fails the run.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "baoxue"
# Settings of a cluster that exists for one test run: durability is not needed, speed is.
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "64MB",
    "max_locks_per_transaction": "256",
}
RUN_AS_CANDIDATES = ("postgres", "nobody")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``BAOXUE_PG_BIN``, the PATH, or Debian's
    /usr/lib/postgresql/<version>/bin (newest first)."""
    if env := os.environ.get("BAOXUE_PG_BIN"):
        return Path(env)
    if (found := shutil.which("initdb")) and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    return Path(versions[0]).parent if versions else None


def _version_key(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(x) for x in part.split(".") if x.isdigit())


def unavailable(reason: str) -> None:
    """Skip (a developer without PostgreSQL) or fail (CI, which always runs both backends)."""
    if in_ci():
        pytest.fail(f"CI runs every store test against PostgreSQL too, but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason} (install it with `bash scripts/install.sh --test`)")


def _run_as() -> str | None:
    """The user the server runs as when we are root (it refuses root); None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in RUN_AS_CANDIDATES:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


@dataclass
class Cluster:
    """A running throw-away cluster; ``url(database)`` is its SQLAlchemy URL."""

    folder: Path
    bindir: Path
    user: str | None
    _counter: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "sock"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.user, "--", *args] if self.user else list(args)

    def _call(self, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode:
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")

    @classmethod
    def start(cls, folder: Path) -> Cluster:
        bindir = bin_dir()
        if bindir is None or not (bindir / "initdb").exists():
            raise FileNotFoundError("initdb")
        user = _run_as()
        folder.mkdir(parents=True, exist_ok=True)
        cluster = cls(folder, bindir, user)
        cluster.socket_dir.mkdir(exist_ok=True)
        if user:
            entry = pwd.getpwnam(user)
            for p in (folder, cluster.socket_dir):
                os.chown(p, entry.pw_uid, entry.pw_gid)
        cluster._call(str(bindir / "initdb"), "-D", str(cluster.data), "-U", SUPERUSER, "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        with open(cluster.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# baoxue test cluster\n")
            for key, value in SETTINGS.items():
                conf.write(f"{key} = {value}\n")
            conf.write(f"unix_socket_directories = '{cluster.socket_dir}'\n")
        cluster._call(str(bindir / "pg_ctl"), "-D", str(cluster.data), "-l", str(folder / "server.log"),
                      "-w", "-t", "60", "start")
        return cluster

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._call(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) as the superuser."""
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """An empty database of its own (UTF-8); its URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        from sqlalchemy import make_url

        name = make_url(url).database  # not the text after the last "/": the socket folder's ?host=… has them too
        with contextlib.suppress(Exception):
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_cluster(tmp_root: Path) -> Iterator[Cluster]:
    """A cluster for one test session, removed afterwards.

    As root the server runs as another user, which cannot enter pytest's private (0700) temporary
    folder: the cluster then lives in a folder of its own in the system's temporary folder."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("the driver psycopg is not installed")
    if bin_dir() is None:
        unavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    folder = Path(tempfile.mkdtemp(prefix="baoxue-pg-")) if os.geteuid() == 0 else tmp_root / "pg"
    try:
        cluster = Cluster.start(folder)
    except (FileNotFoundError, RuntimeError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        unavailable(f"the test cluster did not start: {exc}")
        raise  # unreachable: unavailable() skips or fails
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
