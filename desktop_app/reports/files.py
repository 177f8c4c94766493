"""Writing an output file safely: into a temporary file beside it, renamed when complete."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from desktop_app.domain.errors import ExportError


def _message(path: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"无法写入 {path}：文件正被其他程序（如Excel、PDF阅读器）打开，或没有写入权限。请关闭该文件后重试"
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
        os.replace(temp, target)
    except OSError as exc:
        raise ExportError(_message(target, exc)) from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


class OutputCancelled(Exception):
    """The user cancelled writing a PDF or workbook; no file was left behind, nothing recorded."""
