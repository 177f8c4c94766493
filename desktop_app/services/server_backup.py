"""Backups of a district store on a PostgreSQL server: ``pg_dump`` custom-format files.

On the server the program's automatic copies (daily, before an import, before a restore, by hand) are
``pg_dump --format=custom`` archives in ``backups/`` of this PC's data folder, named like the file copies
(``baoxue-20261128-083000-每日.pgdump``) and rotated with them, when ``pg_dump`` and ``pg_restore`` are on
the PATH. Each archive is read back with ``pg_restore --list`` before it counts as a backup, and a small
description beside it (``….pgdump.json``: unit, time, schema revision, cases) is what the restore dialog
shows. Without the tools the program makes no copies of its own and says so in 关于: the server's own
backup (the database administrator's) is then in charge.

A restore is ``pg_restore --clean --if-exists --single-transaction`` into the live database: all of the
archive or nothing. The password never appears on a command line (``PGPASSWORD`` in the tools'
environment only).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from desktop_app.domain.errors import BaoxueError

SUFFIX = ".pgdump"
DESCRIPTION_SUFFIX = ".json"
ARCHIVE_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
TIMEOUT_SECONDS = 6 * 3600
_ENV = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE",
        "service": "PGSERVICE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY", "passfile": "PGPASSFILE", "connect_timeout": "PGCONNECT_TIMEOUT"}


class ServerBackupError(BaoxueError):
    """pg_dump or pg_restore failed, or an archive is not one; the database is unchanged."""


@dataclass(frozen=True)
class Tools:
    """Where ``pg_dump`` and ``pg_restore`` are (None: not on the PATH)."""

    pg_dump: str | None
    pg_restore: str | None

    @property
    def available(self) -> bool:
        return bool(self.pg_dump and self.pg_restore)


def is_server(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def tools() -> Tools:
    return Tools(shutil.which("pg_dump"), shutil.which("pg_restore"))


def in_charge_note(found: Tools | None = None) -> str:
    """What 关于 says about the server's backups."""
    found = found or tools()
    if found.available:
        return "程序的自动备份为 pg_dump 自定义格式文件（.pgdump），保存在本机数据文件夹的 backups 中"
    return ("本机找不到 pg_dump 和 pg_restore，程序不做自动备份：由数据库服务器自己的备份负责"
            "（请与服务器管理员确认已定期备份）")


def _environment(engine: Engine) -> dict[str, str]:
    """The libpq environment for the tools: the engine's connection parameters, password included
    (never on the command line)."""
    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, value in dict(kwargs).items():
        if value is not None and key in _ENV:
            env[_ENV[key]] = str(value)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,  # noqa: S603
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServerBackupError(f"{what}失败：{exc}") from exc
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        raise ServerBackupError(f"{what}失败：{lines[-1] if lines else f'退出码 {proc.returncode}'}")
    return proc


def _need(found: Tools) -> tuple[str, str]:
    if not found.available or found.pg_dump is None or found.pg_restore is None:
        raise ServerBackupError("本机找不到 pg_dump 和 pg_restore（PostgreSQL 客户端工具），无法备份或恢复服务器上的数据；"
                                "请安装与服务器同版本或更新的 PostgreSQL 客户端，或由服务器自己的备份负责")
    return found.pg_dump, found.pg_restore


def is_archive(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(ARCHIVE_MAGIC)) == ARCHIVE_MAGIC
    except OSError:
        return False


def check_archive(path: Path, found: Tools | None = None) -> int:
    """Read ``path`` back with ``pg_restore --list``; the number of entries in its table of contents.

    Raises:
        ServerBackupError: not a pg_dump custom-format archive, or damaged.
    """
    _dump, restore_tool = _need(found or tools())
    if not is_archive(path):
        raise ServerBackupError(f"{path.name} 不是 pg_dump 自定义格式的备份文件")
    proc = _run([restore_tool, "--list", str(path)], dict(os.environ), "读取备份文件")
    return sum(1 for ln in proc.stdout.splitlines() if ln and not ln.startswith(";"))


def description(engine: Engine) -> dict[str, Any]:
    """Unit, schema revision and number of cases of the database now (written beside each archive)."""
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        unit = conn.execute(text("SELECT name, code FROM installation")).first()
        cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
    return {"unit_name": unit[0] if unit else "", "unit_code": unit[1] if unit else "", "revision": revision or "",
            "cases": int(cases or 0)}


def description_path(archive: Path) -> Path:
    return archive.with_name(archive.name + DESCRIPTION_SUFFIX)


def read_description(archive: Path) -> dict[str, Any]:
    try:
        data = json.loads(description_path(archive).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def dump(engine: Engine, target: Path, now: dt.datetime | None = None, found: Tools | None = None) -> Path:
    """A checked ``pg_dump`` custom-format archive of the database at ``target`` (written as a part file,
    read back, then renamed), with its description beside it.

    Raises:
        ServerBackupError: the tools are missing, or pg_dump or the check failed (nothing is left).
    """
    dump_tool, _restore = _need(found := found or tools())
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    part.unlink(missing_ok=True)
    try:
        _run([dump_tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={part}"],
             _environment(engine), "pg_dump 备份")
        if os.name == "posix":
            part.chmod(0o600)
        check_archive(part, found)
        meta = {**description(engine), "created_at": (now or dt.datetime.now()).isoformat(timespec="seconds")}
        description_path(target).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target


def restore(engine: Engine, archive: Path, found: Tools | None = None) -> None:
    """Replace the database's contents with ``archive`` in one transaction (all of it, or nothing).

    Raises:
        ServerBackupError: the tools are missing, the file is not an archive, or pg_restore failed (the
            database is as it was).
    """
    found = found or tools()
    _dump, restore_tool = _need(found)
    check_archive(archive, found)
    if others := other_connections(engine):
        # their locks would make the restore's DROP wait without end (pg_restore sets lock_timeout 0)
        raise ServerBackupError(f"其他电脑正在使用服务器上的数据（{others}个连接），恢复未开始，数据未改动："
                                "请让各电脑先退出保学台账，再恢复")
    _run([restore_tool, "--clean", "--if-exists", "--single-transaction", "--no-owner", "--no-privileges",
          "--exit-on-error", f"--dbname={_conninfo(engine)}", str(archive)], _environment(engine), "pg_restore 恢复")


def other_connections(engine: Engine) -> int:
    """How many other sessions are connected to the database (other PCs' programs, other tools)."""
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar()
    engine.dispose()  # nor our own idle connection
    return int(count or 0)


def _conninfo(engine: Engine) -> str:
    """The connection string of the database without its password (which the tools take from PGPASSWORD);
    never empty, so pg_restore restores into the database instead of printing a script."""
    from psycopg.conninfo import make_conninfo  # noqa: PLC0415 - the server driver, loaded only for a server

    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    params = {k: str(v) for k, v in dict(kwargs).items() if v is not None and k in _ENV and k != "password"}
    return make_conninfo(**params) or "dbname=postgres"
