"""The automatic copies are capped in total size (设置, default 2 GB): the oldest (monthly) copies go
first, never the newest, with a note in 待办; 关于 shows the store's and the copies' sizes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from desktop_app.services import about, backup, settings, todo
from desktop_app.services.paths import backup_file_name
from desktop_app.services.store import Store

MB = 1024 * 1024


def _copies(folder: Path, now: dt.datetime, size: int) -> list[Path]:
    """A year of monthly copies, four weekly and seven daily ones, each ``size`` bytes (sparse files)."""
    folder.mkdir(parents=True, exist_ok=True)
    moments = [now - dt.timedelta(days=30 * m) for m in range(12, 0, -1)]
    moments += [now - dt.timedelta(days=7 * w) for w in range(4, 0, -1)]
    moments += [now - dt.timedelta(days=d, hours=1) for d in range(6, -1, -1)]
    paths = []
    for at in moments:
        path = folder / backup_file_name(at, backup.DAILY)
        with path.open("wb") as f:
            f.truncate(size)
        paths.append(path)
    return paths


def test_the_default_cap_is_2_gb(store: Store) -> None:
    assert settings.get(store, backup.MAX_TOTAL_MB.key) == 2048
    assert backup.MAX_TOTAL_MB.key in settings.declared()  # shown in 设置 → 业务设置


def test_over_the_cap_the_oldest_copies_go_first_with_a_note(store: Store) -> None:
    settings.put(store, backup.MAX_TOTAL_MB.key, 200)
    folder = backup.backups_dir(store)
    made = _copies(folder, dt.datetime.now(), 30 * MB)
    newest = made[-1]
    removed = backup.rotate(store)
    left = backup.list_local(folder)
    assert backup.copies_size(store) <= 200 * MB
    assert newest.exists() and len(left) == 6
    assert all(not p.exists() for p in made[:len(made) - 6])  # the oldest went, monthly ones first
    assert len(removed) >= len(made) - 6
    [item] = [i for i in todo.collect(store) if i.kind == "backup"]
    assert item.title.startswith("自动备份超过上限，已删除最早的")
    assert "上限200.0 MB" in item.detail and "U盘" in item.detail


def test_under_the_cap_nothing_is_dropped_and_no_note(store: Store) -> None:
    folder = backup.backups_dir(store)
    made = _copies(folder, dt.datetime.now(), MB)
    backup.rotate(store)
    assert sum(p.exists() for p in made) == len(backup.list_local(folder))
    assert backup.cap_note(store) is None
    assert not [i for i in todo.collect(store) if i.kind == "backup"]


def test_about_shows_the_store_and_the_copies(store: Store) -> None:
    backup.take(store, backup.MANUAL)
    rows = dict(about.info(store).lines())
    assert rows["数据文件"].startswith("baoxue.sqlite3，")
    assert rows["自动备份"].startswith("1份，共") and rows["自动备份"].endswith("（上限2.0 GB）")
