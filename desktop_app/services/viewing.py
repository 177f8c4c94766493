"""Copies of evidence files written for the system's viewer (a PDF reader), and their removal.

A scan of a child's documents must not stay in %TEMP% for the next user of a shared school PC.
Each copy lives in its own folder ``%TEMP%\\baoxue-evidence-*`` (0700, the file 0600). The program
cannot see when the external reader closes, so it tries to remove its copies now and then: on
Windows a file a reader still holds open cannot be removed (a sharing violation), so a copy goes
as soon as its reader lets go, after a grace period that gives the reader time to open it. What
is left when the program quits is removed then, and leftovers of a program that crashed are swept
at the next start.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "baoxue-evidence-"
GRACE_SECONDS = 120.0  # a reader opens the file within this; a leftover older than it is nobody's

_open: dict[Path, float] = {}  # folder -> when it was written (time.time())


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else "佐证材料.pdf"


def write_for_viewing(file_name: str, content: bytes) -> Path:
    """Write ``content`` to a fresh private folder under the temporary folder; returns the file."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))  # 0700 on POSIX
    path = folder / _safe_name(file_name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    _open[folder] = time.time()
    return path


def _remove(folder: Path) -> bool:
    """Remove one folder; False when a file in it is still held open (Windows) or cannot go."""
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return not folder.exists()
    return True


def release_idle(now: float | None = None) -> int:
    """Remove the copies older than the grace period whose reader has let go; returns how many went."""
    now = time.time() if now is None else now
    gone = [folder for folder, written in list(_open.items()) if now - written >= GRACE_SECONDS and _remove(folder)]
    for folder in gone:
        _open.pop(folder, None)
    return len(gone)


def remove_all() -> int:
    """Remove every copy this program wrote (at quit); returns how many are still held open."""
    for folder in list(_open):
        if _remove(folder):
            _open.pop(folder, None)
    return len(_open)


def pending() -> list[Path]:
    """The folders written and not yet removed."""
    return list(_open)


def sweep_leftovers(temp_dir: str | os.PathLike[str] | None = None, now: float | None = None) -> int:
    """Remove ``baoxue-evidence-*`` folders an earlier run left (a crash, a held file at quit).

    Folders younger than the grace period may belong to another Baoxue running right now and are
    left alone. Returns how many were removed.
    """
    now = time.time() if now is None else now
    base = Path(temp_dir or tempfile.gettempdir())
    removed = 0
    try:
        candidates = [p for p in base.glob(f"{PREFIX}*") if p.is_dir() and not p.is_symlink()]
    except OSError:
        return 0
    for folder in candidates:
        if folder in _open:
            continue
        try:
            age = now - folder.stat().st_mtime
        except OSError:
            continue
        if age >= GRACE_SECONDS and _remove(folder):
            removed += 1
    return removed


atexit.register(remove_all)
