"""Where the store lives: --data-dir, BAOXUE_DATA_DIR, portable mode, or the user data folder."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from platformdirs import user_data_dir

from desktop_app import APP_NAME_ASCII

DATA_DIR_ENV = "BAOXUE_DATA_DIR"
PORTABLE_MARKER = "baoxue-portable.txt"
STORE_FILE = "baoxue.sqlite3"
HEAD_FILE = "baoxue.head.json"  # the chain head beside the store (services.integrity.head)
BACKUP_DIR = "backups"
BACKUP_PREFIX = "baoxue-"


def backup_file_name(at: datetime, reason: str) -> str:
    """``baoxue-20261128-083000-每日.sqlite3``: the time (local) first, so names sort by time."""
    return f"{BACKUP_PREFIX}{at:%Y%m%d-%H%M%S}-{reason}.sqlite3"


def executable_dir() -> Path:
    """The folder of the frozen executable, or of the package in a checkout."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    """The resources/ folder (icons, fonts, translations): in the bundle when frozen, else the checkout's."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", executable_dir())) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def portable_dir() -> Path | None:
    """The data folder beside the executable when the portable marker file is there.

    Portable mode (a USB stick): put an empty ``baoxue-portable.txt`` beside Baoxue.exe and the
    store, its backups and the window settings live in ``data/`` beside it.
    """
    base = executable_dir()
    return base / "data" if (base / PORTABLE_MARKER).exists() else None


def is_portable(data_dir: Path) -> bool:
    """Whether ``data_dir`` is the portable data folder (and not one given by --data-dir elsewhere)."""
    portable = portable_dir()
    return portable is not None and Path(data_dir).resolve() == portable.resolve()


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir, else BAOXUE_DATA_DIR, else the portable folder, else the user data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env).expanduser().resolve()
    if portable := portable_dir():
        return portable
    return Path(user_data_dir(APP_NAME_ASCII, appauthor=False))
