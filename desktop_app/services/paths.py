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


def portable_dir() -> Path | None:
    """The data folder beside the executable when the portable marker file is there."""
    base = executable_dir()
    return base / "data" if (base / PORTABLE_MARKER).exists() else None


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env).expanduser().resolve()
    if portable := portable_dir():
        return portable
    return Path(user_data_dir(APP_NAME_ASCII, appauthor=False))
