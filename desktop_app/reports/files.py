"""Writing an output file safely: into a temporary file beside it, renamed when complete."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from desktop_app.domain.errors import ExportError

# Windows errors of a file another program holds open: access denied (a file being replaced while
# open, or marked for deletion), sharing violation, lock violation. Python maps them to
# PermissionError; ``winerror`` keeps the original number.
SHARING_WINERRORS = frozenset({5, 32, 33})
REPLACE_RETRIES = 5  # Defender, the search indexer or OneDrive hold a new file for a moment:
REPLACE_DELAY = 0.1  # retry five times, 100 ms apart, before telling the user the file is open


def is_sharing_violation(exc: OSError) -> bool:
    """Whether ``exc`` is what Windows says when another program holds the file open."""
    return isinstance(exc, PermissionError) or getattr(exc, "winerror", None) in SHARING_WINERRORS


def replace_file(source: str | os.PathLike[str], target: str | os.PathLike[str], *,
                 retries: int = REPLACE_RETRIES, delay: float = REPLACE_DELAY) -> None:
    """``os.replace(source, target)``, retried briefly while another program holds either file.

    Any other error, or a sharing violation that outlasts the retries, is raised unchanged
    (``open_elsewhere_message`` turns it into the sentence the user reads).
    """
    for attempt in range(retries + 1):
        try:
            os.replace(source, target)
            return
        except OSError as exc:
            if attempt == retries or not is_sharing_violation(exc):
                raise
        time.sleep(delay)


def open_elsewhere_message(path: str | os.PathLike[str]) -> str:
    """The sentence for a file that stays held open by another program."""
    return (f"无法写入 {path}：文件被其他程序打开（如Excel、PDF阅读器、网盘同步程序），或没有写入权限。"
            "请关闭该文件后重试")


def _message(path: Path, exc: OSError) -> str:
    if is_sharing_violation(exc):
        return open_elsewhere_message(path)
    if isinstance(exc, FileNotFoundError):
        return f"无法写入 {path}：文件夹不存在"
    return f"无法写入 {path}：{exc.strerror or exc}"


def check_target(path: str | Path) -> Path:
    """Fail early, before any slow work, when ``path`` cannot be an output file.

    Raises:
        ExportError: the folder does not exist or the name is a folder.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise ExportError(f"无法写入 {target}：文件夹 {target.parent} 不存在")
    if target.is_dir():
        raise ExportError(f"无法写入 {target}：这是一个文件夹，请另起文件名")
    return target


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces ``path`` only when the block ends normally.

    Any error (or a cancel raised inside the block) leaves no partial file behind.

    Raises:
        ExportError: the file cannot be written, with the reason in Chinese.
    """
    target = check_target(path)
    temp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        yield temp
        replace_file(temp, target)
    except OSError as exc:
        raise ExportError(_message(target, exc)) from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


class OutputCancelled(Exception):
    """The user cancelled writing a PDF or workbook; no file was left behind, nothing recorded."""
