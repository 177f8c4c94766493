"""Windows as teachers have it, imitated on Linux (issue 21): files held open for a moment by
Defender or OneDrive, odd folder names, cloud-synced and network folders, GBK consoles, no console."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.domain.errors import BaoxueError
from desktop_app.reports import excel, files
from desktop_app.services import backup, demo, exports, sync
from desktop_app.services.store import Store

PASSPHRASE = "u盘备份口令2026"
REAL_REPLACE = os.replace


def sharing_violation(path: object) -> PermissionError:
    """What Windows raises when another program holds the file: winerror 32, mapped to EACCES."""
    exc = PermissionError(errno.EACCES, "另一个程序正在使用此文件，进程无法访问。", str(path))
    exc.winerror = 32  # type: ignore[attr-defined]  # (only Windows sets it; the retry looks at it)
    return exc


class FlakyReplace:
    """``os.replace`` that fails ``failures`` times for targets named ``*suffix`` (forever with None)."""

    def __init__(self, suffix: str, failures: int | None) -> None:
        self.suffix, self.failures, self.calls = suffix, failures, 0

    def __call__(self, src: object, dst: object, **kwargs: object) -> None:
        if str(dst).endswith(self.suffix):
            self.calls += 1
            if self.failures is None or self.calls <= self.failures:
                raise sharing_violation(dst)
        REAL_REPLACE(src, dst, **kwargs)  # type: ignore[arg-type]


def _ledger(store: Store, folder: Path) -> Path:
    target = folder / "在册台账.xlsx"
    exports.export_ledger(store, target)
    return target


def _table(_store: Store, folder: Path) -> Path:
    target = folder / "名册.xlsx"
    excel.write_table(target, "名册", "测试", [("姓名", 10)], [["张小明"]])
    return target


def _backup(store: Store, folder: Path) -> Path:
    return backup.write_encrypted(store, folder / "备份.bxbak", PASSPHRASE)


WRITERS: dict[str, tuple[str, Callable[[Store, Path], Path]]] = {
    "ledger export (atomic_output)": (".xlsx", _ledger),
    "workbook save (excel.save)": (".xlsx", _table),
    "encrypted backup": (".bxbak", _backup),
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_file_held_for_a_moment_is_written_without_a_message(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str) -> None:
    demo.load(store, 3)
    suffix, write = WRITERS[writer]
    flaky = FlakyReplace(suffix, failures=2)
    monkeypatch.setattr(os, "replace", flaky)
    target = write(store, tmp_path)
    assert flaky.calls == 3
    assert target.is_file() and target.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [target.name]  # no temporary file left


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_file_really_held_open_is_named_in_chinese(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str) -> None:
    demo.load(store, 3)
    suffix, write = WRITERS[writer]
    flaky = FlakyReplace(suffix, failures=None)
    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(BaoxueError, match="文件被其他程序打开") as caught:
        write(store, tmp_path)
    assert flaky.calls == files.REPLACE_RETRIES + 1
    assert "Errno" not in str(caught.value)
    assert [p for p in tmp_path.iterdir() if p.is_file()] == []  # nothing half-written stays


def test_a_package_held_for_a_moment_is_written_and_checked(
        pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, _district = pair
    demo.load(school, 3)
    flaky = FlakyReplace(".bxpkg", failures=2)
    monkeypatch.setattr(os, "replace", flaky)
    result = sync.export_package(school, "district", usb)
    assert flaky.calls == 3 and result.path.is_file()
    assert not list(usb.glob("*.tmp"))


def test_a_package_file_really_held_open_is_named_in_chinese(
        pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, _district = pair
    demo.load(school, 3)
    before = {p.name for p in usb.iterdir()}
    monkeypatch.setattr(os, "replace", FlakyReplace(".bxpkg", failures=None))
    with pytest.raises(BaoxueError, match="文件被其他程序打开.*数据包没有写成"):
        sync.export_package(school, "district", usb)
    assert {p.name for p in usb.iterdir()} == before


def test_other_errors_are_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def full(src: object, dst: object) -> None:
        calls.append(dst)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="No space"):
        files.replace_file(tmp_path / "a", tmp_path / "b")
    assert len(calls) == 1


# --- 7. a data folder named like D:\保学 #1 100%\数据 -------------------------------------------

def test_backup_and_restore_in_a_folder_with_hash_and_percent(tmp_path: Path) -> None:
    from desktop_app.services import installation
    from tests.conftest import SCHOOL

    odd = tmp_path / "保学 #1 100%" / "数据"
    store = Store.open(odd, user="周老师")
    try:
        installation.setup(store, SCHOOL)
        demo.load(store, 4)
        written = backup.write_encrypted(store, odd.parent / "备份 #2 50%.bxbak", PASSPHRASE)
        info = backup.inspect(written, PASSPHRASE)
        assert info.cases == 4
        local = backup.take(store, backup.MANUAL)
        demo.load(store, 2)
        assert backup.restore(store, written, PASSPHRASE).cases == 4  # described inside the odd folder
        assert store.verify().ok
        assert backup.restore(store, local).cases == 4  # a plain local copy, too
    finally:
        store.close()
