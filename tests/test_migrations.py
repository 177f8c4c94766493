"""Migrations: head matches the models; an older file keeps its data; a backup is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

import database.all_models  # noqa: F401
from database import engine as db
from database.models import Base
from desktop_app.domain.errors import StoreError
from desktop_app.services.paths import STORE_FILE
from desktop_app.services.store import Store


def test_single_head() -> None:
    assert db.head_revision()


def test_empty_file_upgraded_to_head_matches_models(tmp_path: Path) -> None:
    engine = db.make_engine(tmp_path / "x.sqlite3")
    db.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    engine.dispose()


def test_file_at_first_revision_keeps_its_data(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    engine = db.make_engine(folder / STORE_FILE)
    db.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO installation (id, kind, name, code, township_centre, contact_name, contact_phone, node_id,"
            " created_at, updated_at) VALUES (1, 'school', '老学校', '2150022399', '', '', '', 'n1', '2025-01-01', '2025-01-01')"
        ))
        conn.execute(text(
            "INSERT INTO students (id, name, id_number, sex, ethnic_group, health, student_number, guardian1_name,"
            " guardian1_relation, guardian1_phone, guardian2_name, guardian2_relation, guardian2_phone,"
            " hukou_province, hukou_city, hukou_county, hukou_township, hukou_detail, registry_province, registry_city,"
            " registry_county, registry_township, registry_detail, residence_province, residence_city, residence_county,"
            " residence_township, residence_detail, village, family_situation, created_at, updated_at, updated_by,"
            " node_id, version) VALUES ('s1', '王小红', '', '女', '汉族', '健康', '', '', '', '', '', '', '', '', '', '',"
            " '米心镇', '', '', '', '', '', '', '', '', '', '', '', '', '', '2025-01-01', '2025-01-01', 'x', 'n1', 1)"
        ))
    engine.dispose()
    store = Store.open(folder)
    try:
        assert store.revision() == db.head_revision()
        with store.engine.connect() as conn:
            row = conn.execute(text("SELECT name, hukou_township, name_initials, name_pinyin FROM students")).one()
            assert tuple(row) == ("王小红", "米心镇", "wxh", "wangxiaohong")
            assert conn.execute(text("SELECT name FROM installation")).scalar_one() == "老学校"
        # a file of a version before encryption: converted after a checked copy, then migrated after another
        backups = sorted(p.name for p in (folder / "backups").glob("*.sqlite3"))
        assert len(backups) == 2 and any("0001" in name for name in backups)
        assert not db.is_plain(folder / STORE_FILE)
        # rows written outside the program have no history: verify fails, so the plain copy is kept
        assert "校验未通过" in store.conversion and "暂时保留" in store.conversion
        assert any(db.is_plain(p) for p in (folder / "backups").glob("*.sqlite3"))
    finally:
        store.close()


def test_file_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    folder.mkdir()
    engine = db.make_engine(folder / STORE_FILE)
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="更新版本"):
        Store.open(folder)


def test_not_a_database_is_refused_with_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / STORE_FILE).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="无法打开数据文件"):
        Store.open(folder)


def test_pragmas(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
