"""Writing a package to the USB drive: temporary file, flush, rename, read back."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from pathlib import Path

from desktop_app.reports import files
from desktop_app.services.sync.common import ExportFailed


def _write_safely(data: bytes, out_dir: Path, name: str) -> Path:
    """Temporary file, flush and fsync, rename, read back and compare the hash."""
    final = out_dir / name
    tmp = out_dir / (name + ".tmp")
    digest = hashlib.sha256(data).hexdigest()
    try:
        if not out_dir.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no folder", str(out_dir))
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        files.replace_file(tmp, final)
        _fsync_dir(out_dir)
        if hashlib.sha256(final.read_bytes()).hexdigest() != digest:
            raise ExportFailed("写入U盘后读回的数据包与原文件不一致（U盘可能有坏块），请换一个U盘重试")
    except (OSError, ExportFailed) as exc:
        for leftover in (tmp, final):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        if isinstance(exc, ExportFailed):
            raise
        if exc.errno == errno.ENOSPC:
            raise ExportFailed("U盘空间不足，数据包没有写成（未留下文件）。请清理U盘或换一个U盘后重新导出") from exc
        if exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO) or not out_dir.exists():
            raise ExportFailed(
                f"找不到目标文件夹 {out_dir}（U盘可能已拔出），数据包没有写成，请插好U盘后重新导出") from exc
        if files.is_sharing_violation(exc):
            raise ExportFailed(f"{files.open_elsewhere_message(final)}。数据包没有写成") from exc
        raise ExportFailed(f"无法写入 {out_dir}：{exc.strerror or exc}。数据包没有写成，请重试") from exc
    return final


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
