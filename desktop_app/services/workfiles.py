"""Temporary and derived files of the program: private, named for what they are, swept after a crash.

A backup's unencrypted copy, a restore's decrypted store, a roster import's error report before it
is copied out: each is made in the data folder's ``临时文件`` folder, as a file created 0600 (or a
folder created 0700) on POSIX, named ``<what it is>-<process id>-<random>`` so a person who finds
one knows what it is. It is removed when its work ends; when the program was killed half-way, the
next start (``sweep``, called by ``Store.open``) removes what a process no longer running left
behind, and what older versions left as ``tmpXXXX/copy.sqlite3``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

WORK_DIR = "临时文件"
PART_SUFFIX = ".part"
_OWNED = re.compile(r"^(?P<what>.+)-(?P<pid>\d+)-[0-9a-f]{8}(?P<suffix>\.[^.]*)?$")
_PART = re.compile(r"^\..+\.(?P<pid>\d+)\.part$")  # ``.<name>.<pid>.part``: a copy being written
_LEGACY_NAMES = {"copy.sqlite3", "restore.sqlite3"}  # what versions before 0.2 left in tmpXXXX folders
STALE_SECONDS = 6 * 3600  # where a process cannot be asked whether it still runs (Windows): this old


def private_dir(path: Path) -> Path:
    """``path`` (and its missing parents) as a folder; one it creates is 0700 on POSIX."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        for folder in missing:
            with contextlib.suppress(OSError):
                folder.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty, 0600 on POSIX (refused if it exists)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
    os.close(fd)
    return path


def work_root(data_dir: Path) -> Path:
    return private_dir(Path(data_dir) / WORK_DIR)


def _name(what: str, suffix: str = "") -> str:
    return f"{what}-{os.getpid()}-{secrets.token_hex(4)}{suffix}"


@contextlib.contextmanager
def work_file(data_dir: Path, what: str, suffix: str = "") -> Iterator[Path]:
    """A private empty file in the work folder, named for ``what``; removed when the block ends."""
    path = private_file(work_root(data_dir) / _name(what, suffix))
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # the work folder goes with its last file


@contextlib.contextmanager
def work_dir(data_dir: Path, what: str) -> Iterator[Path]:
    """A private folder in the work folder, named for ``what``; removed with its files when the block ends."""
    path = work_root(data_dir) / _name(what)
    path.mkdir(mode=0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # the work folder goes with its last file


def part_path(target: Path) -> Path:
    """Where a copy of ``target`` is written before it is renamed into place: ``.<name>.<pid>.part``."""
    return target.with_name(f".{target.name}.{os.getpid()}{PART_SUFFIX}")


def copy_out(source: Path, target: Path) -> Path:
    """Copy a finished work file to where the user asked for it."""
    shutil.copyfile(source, target)
    return target


def _running(pid: int) -> bool:
    """Whether a process with this id runs (POSIX); elsewhere: assume so (age decides)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _abandoned(path: Path, pid: int | None, now: float) -> bool:
    """Left by a process no longer running (POSIX asks); else (Windows, a name without one) hours old."""
    if pid is not None and os.name == "posix":
        return not _running(pid)
    try:
        return now - path.stat().st_mtime > STALE_SECONDS
    except OSError:
        return False


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        return False
    return True


def sweep(data_dir: Path) -> list[Path]:
    """Remove what interrupted backups, restores, imports and exports left in ``data_dir``; returns it.

    Only what a process no longer running left (or, where that cannot be told, what is hours old)."""
    data_dir = Path(data_dir)
    removed: list[Path] = []
    now = time.time()
    root = data_dir / WORK_DIR
    if root.is_dir():
        for entry in root.iterdir():
            m = _OWNED.match(entry.name)
            if _abandoned(entry, int(m.group("pid")) if m else None, now) and _remove(entry):
                removed.append(entry)
    for folder in (data_dir, data_dir / "backups"):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if (m := _PART.match(entry.name)) and _abandoned(entry, int(m.group("pid")), now) and _remove(entry):
                removed.append(entry)
    for entry in data_dir.glob("tmp*"):  # older versions' tempfile.TemporaryDirectory(dir=data folder)
        if not entry.is_dir():
            continue
        with contextlib.suppress(OSError):
            names = {p.name for p in entry.iterdir()}
            stems = {n.removesuffix("-wal").removesuffix("-shm").removesuffix("-journal") for n in names}
            if stems <= _LEGACY_NAMES and now - entry.stat().st_mtime > 60 and _remove(entry):
                removed.append(entry)
    return removed
