"""Issue 13: verify proves 人账相符 (every ledger row against its history), trailing cuts and rollbacks
show, and a damaged or missing store is never silently replaced. Tampering is done behind the program's
back through ``baoxue-cli sql --write`` or the Store's own engine, never the sqlite3 module on the file."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import cli
from desktop_app.services import accounts, audit, backup, cases
from desktop_app.services.integrity import head, rescue
from desktop_app.services.paths import BACKUP_DIR, STORE_FILE
from desktop_app.services.store import Store
from tests.factories import full_form

ADMIN = accounts.DEMO_ADMIN


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration school (CLI ``demo``) with one automatic copy, as a teacher's PC has after a day."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PYTHONIOENCODING": "utf-8"}
    subprocess.run([sys.executable, "-m", "desktop_app.cli", "--data-dir", str(folder), "demo"], env=env,
                   check=True, capture_output=True, timeout=300)
    store = Store.open(folder)
    try:
        backup.take(store, backup.DAILY)
    finally:
        store.close()
    return folder


@pytest.fixture
def demo_dir(demo_template: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BAOXUE_PASSWORD", accounts.DEMO_PASSWORD)
    shutil.copytree(demo_template, data_dir)
    return data_dir


def run(data_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data_dir), "--user", ADMIN, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def sql_write(data_dir: Path, capsys: pytest.CaptureFixture[str], statement: str) -> None:
    code, _out, err = run(data_dir, capsys, "sql", "--write", statement)
    assert code == 0, err


def one(data_dir: Path, statement: str) -> tuple[object, ...]:
    """A read through the program's own Store API."""
    store = Store.open(data_dir)
    try:
        with store.engine.connect() as conn:
            row = conn.exec_driver_sql(statement).first()
            assert row is not None
            return tuple(row)
    finally:
        store.close()


def test_the_untouched_demo_store_passes(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(demo_dir, capsys, "verify")
    assert code == 0, err
    assert "校验通过" in out and "台账与历史记录相符" in out


def test_a_name_changed_behind_the_programs_back_is_named(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (name,) = one(demo_dir, "SELECT name FROM students WHERE rowid = 1")
    sql_write(demo_dir, capsys, "UPDATE students SET name = '篡改' WHERE rowid = 1")
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert f"学生基本信息“{name}”的“姓名”被改动：数据文件中是“篡改”，历史记录中应为“{name}”" in err
    assert "sql --write 直接执行：UPDATE students SET name = '篡改'" in err  # what the support command did


def test_an_id_number_changed_is_named(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, number = one(demo_dir, "SELECT name, id_number FROM students WHERE id_number != '' LIMIT 1")
    sql_write(demo_dir, capsys, f"UPDATE students SET id_number = '110101201001010000' WHERE id_number = '{number}'")
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert f"“{name}”的“居民身份证号码”被改动：数据文件中是“110101201001010000”，历史记录中应为“{number}”" in err


def test_a_case_closed_behind_the_programs_back_is_named(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, status, opened = one(demo_dir, "SELECT s.name, c.status, c.opened_on FROM cases c JOIN students s"
                                         " ON s.id = c.student_id WHERE c.status != '已销号' LIMIT 1")
    sql_write(demo_dir, capsys, f"UPDATE cases SET status = '已销号' WHERE opened_on = '{opened}' AND student_id ="
                                f" (SELECT id FROM students WHERE name = '{name}')")
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert f"“{name}的案件（立案日期{opened}）”的“状态”被改动：数据文件中是“已销号”，历史记录中应为“{status}”" in err


def test_a_case_deleted_with_its_child_rows_is_named(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_id, name, opened = one(demo_dir, "SELECT c.id, s.name, c.opened_on FROM cases c JOIN students s"
                                          " ON s.id = c.student_id WHERE EXISTS (SELECT 1 FROM persuasion_attempts a"
                                          " WHERE a.case_id = c.id) LIMIT 1")
    store = Store.open(demo_dir)  # behind the program's back, through its own engine, without foreign keys
    raw = store.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN")
        for table in ("persuasion_attempts", "joint_reports", "case_closings", "evidence_files",
                      "court_rulings", "deferral_decisions", "deferral_applications"):
            conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))
        conn.execute("DELETE FROM cases WHERE id = ?", (case_id,))
        conn.execute("COMMIT")
        conn.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()
        store.close()
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert (f"案件（核查劝返情况）“{name}的案件（立案日期{opened}）”在历史记录中存在，但数据文件中已不见") in err
    assert f"劝返记录“{name}的案件（立案日期{opened}）”在历史记录中存在，但数据文件中已不见" in err


def test_a_row_added_without_history_is_named(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql_write(demo_dir, capsys,
              "INSERT INTO students (id, name, name_initials, name_pinyin, id_number, sex, ethnic_group, health,"
              " student_number, guardian1_name, guardian1_relation, guardian1_phone, guardian2_name,"
              " guardian2_relation, guardian2_phone, hukou_province, hukou_city, hukou_county, hukou_township,"
              " hukou_detail, registry_province, registry_city, registry_county, registry_township, registry_detail,"
              " residence_province, residence_city, residence_county, residence_township, residence_detail, village,"
              " family_situation, created_at, updated_at, updated_by, node_id, version) VALUES ('x-1', '凭空生',"
              " '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',"
              " '', '', '', '', '', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', '', '', 1)")
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert "学生基本信息“凭空生”没有任何历史记录" in err


def test_deleting_the_newest_history_rows_is_detected(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (before,) = one(demo_dir, "SELECT count(*) FROM audit_log")
    store = Store.open(demo_dir)
    try:
        with store.engine.begin() as conn:  # an export with its reason was among them, in the issue
            conn.exec_driver_sql("DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)")
    finally:
        store.close()
    code, out, err = run(demo_dir, capsys, "verify")
    assert code == 1, out
    assert f"历史记录回退：数据文件中的历史记录只有{before - 3}条，而程序上次记下的已有{before}条" in err


def test_the_head_file_is_not_overwritten_after_a_cut(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A cut followed by ordinary work through the program still shows."""
    sql_write(demo_dir, capsys, "DELETE FROM audit_log WHERE id > (SELECT max(id) - 5 FROM audit_log)")
    sql_write(demo_dir, capsys, "SELECT 1")  # two more commits of the program after the cut
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert "历史记录回退" in err


def test_a_swapped_older_store_file_is_detected(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = rescue.automatic_copies(demo_dir)[0][0]
    run(demo_dir, capsys, "sql", "--write", "UPDATE app_settings SET value = value")  # the store moves on
    store = Store.open(demo_dir)
    store.close()
    os.replace(copy, demo_dir / STORE_FILE)  # the older file put in place behind the program's back
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert "历史记录回退" in err


def test_restoring_a_real_backup_is_not_tampering(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = rescue.automatic_copies(demo_dir)[0][0]
    code, _out, err = run(demo_dir, capsys, "sql", "--write", "UPDATE app_settings SET value = value")
    assert code == 0, err
    store = Store.open(demo_dir)
    try:
        accounts.sign_in(store, ADMIN, accounts.DEMO_PASSWORD)
        backup.restore(store, copy)
    finally:
        store.close()
    code, out, err = run(demo_dir, capsys, "verify")
    assert code == 0, err
    assert "校验通过" in out
    (events,) = one(demo_dir, "SELECT count(*) FROM audit_log WHERE field = '从备份恢复（历史记录回退）'")
    assert events == 1


def test_the_head_file_edited_by_hand_is_detected(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = demo_dir / "baoxue.head.json"
    head.write_text(head.read_text(encoding="utf-8").replace('"count": ', '"count": 1'), encoding="utf-8")
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert "签名不符" in err


def test_a_deleted_head_file_is_detected(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (demo_dir / "baoxue.head.json").unlink()
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert "校验链头文件 baoxue.head.json 不见了" in err


def test_undecodable_text_is_named_not_a_traceback(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = rescue.automatic_copies(demo_dir)[0][0]
    sql_write(demo_dir, capsys, "UPDATE students SET family_situation = CAST(x'fffefd' AS TEXT) WHERE rowid = 2")
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert "Traceback" not in err
    assert "无法解读的文字" in err and copy.name in err


def test_a_missing_table_is_named_not_a_traceback(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = rescue.automatic_copies(demo_dir)[0][0]
    sql_write(demo_dir, capsys, "DROP TABLE care_helpers")
    code, _out, err = run(demo_dir, capsys, "verify")
    assert code == 1
    assert "数据文件缺少数据表：结对帮扶教师" in err and copy.name in err
    assert len(err.strip().splitlines()) == 1


# --- the support command ------------------------------------------------------------------------------


def test_sql_prints_rows_as_a_table_and_is_read_only(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(demo_dir, capsys, "sql", "SELECT name, code FROM installation")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split(" | ") == ["name", "code"] or lines[0].startswith("name")
    assert "潼南区演示学校" in out and "2150022301" in out and "（共1行）" in out
    code, _out, err = run(demo_dir, capsys, "sql", "UPDATE students SET name = '篡改'")
    assert code == 1
    assert "只读方式下不执行" in err
    assert one(demo_dir, "SELECT count(*) FROM students WHERE name = '篡改'") == (0,)
    code, _out, err = run(demo_dir, capsys, "sql", "ATTACH DATABASE 'x.db' AS x")
    assert code == 1 and not (demo_dir / "x.db").exists()


def test_sql_is_for_administrators_only(demo_dir: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(demo_dir)
    try:
        accounts.sign_in(store, ADMIN, accounts.DEMO_PASSWORD)
        accounts.create_account(store, "teacher1", "Teach-1234-x", "teacher", display_name="教师甲")
    finally:
        store.close()
    monkeypatch.setenv("BAOXUE_PASSWORD", "Teach-1234-x")
    code = cli.main(["--data-dir", str(demo_dir), "--user", "teacher1", "sql", "SELECT 1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "不是管理员" in err


# --- damaged and missing stores -------------------------------------------------------------------------


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "BAOXUE_PASSWORD": accounts.DEMO_PASSWORD, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "desktop_app.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, check=False)


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage-40":
        at = int(len(data) * 0.4)
        path.write_bytes(data[:at] + os.urandom(65536) + data[at + 65536:])
    elif how == "bytes-70":
        at = int(len(data) * 0.7)
        path.write_bytes(data[:at] + b"\xff\xfe\xfd\xfc" * 4 + data[at + 16:])
    elif how == "not-sqlite":
        path.write_bytes(b"PK\x03\x04 this is a zip file, not a store" * 100)
    elif how == "missing":
        path.unlink()


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage-40", "bytes-70", "not-sqlite", "missing"])
def test_a_damaged_store_is_refused_with_the_newest_good_copy(demo_dir: Path, how: str) -> None:
    store = Store.open(demo_dir)
    store.close()  # checkpointed: the whole store is in the one file
    copy = rescue.automatic_copies(demo_dir)[0][0]
    path = demo_dir / STORE_FILE
    _damage(path, how)
    size = path.stat().st_size if path.exists() else None
    before = sorted(p.name for p in demo_dir.iterdir())
    result = _cli(demo_dir, "verify")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert copy.name in result.stderr, result.stderr  # the newest automatic copy that passes verify
    assert "数据文件" in result.stderr
    assert (path.stat().st_size if path.exists() else None) == size  # nothing new created in its place
    assert sorted(p.name for p in demo_dir.iterdir()) == before
    if how in ("empty", "truncated", "not-sqlite", "missing"):
        with pytest.raises(rescue.StoreMissing) as refused:
            Store.open(demo_dir)
        assert refused.value.good is not None and refused.value.good.path == copy
        assert "不会新建空台账" in str(refused.value)
        assert (path.stat().st_size if path.exists() else None) == size


def test_restore_copy_puts_the_newest_good_copy_back(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (n_cases,) = one(demo_dir, "SELECT count(*) FROM cases")
    (demo_dir / STORE_FILE).write_bytes(b"")
    result = _cli(demo_dir, "restore-copy")
    assert result.returncode == 0, result.stderr
    assert "已用自动备份" in result.stdout
    assert one(demo_dir, "SELECT count(*) FROM cases") == (n_cases,)
    assert any(p.name.startswith(f"{STORE_FILE}.损坏-") for p in demo_dir.iterdir())  # the damaged file is kept
    code, out, err = run(demo_dir, capsys, "verify")
    assert code == 0, err


def test_a_new_folder_still_starts_a_new_store(data_dir: Path) -> None:
    store = Store.open(data_dir)
    store.close()
    assert (data_dir / STORE_FILE).exists()


def test_a_bad_copy_is_skipped_for_an_older_good_one(demo_dir: Path) -> None:
    store = Store.open(demo_dir)
    try:
        older = rescue.automatic_copies(demo_dir)[0][0]
        newer = demo_dir / BACKUP_DIR / "baoxue-29990101-000000-每日.sqlite3"
        newer.write_bytes(b"garbage")
    finally:
        store.close()
    (demo_dir / STORE_FILE).unlink()
    with pytest.raises(rescue.StoreMissing) as refused:
        Store.open(demo_dir)
    assert refused.value.good is not None and refused.value.good.path == older


def test_a_store_of_0_1_whose_inserts_left_parent_keys_null_still_passes(store: Store) -> None:
    """Before 0.2 an insert through the ORM recorded a parent given as an object as null."""
    cases.save_form(store, full_form())
    with store.engine.begin() as conn:  # the history as 0.1 wrote it (the chain rehashed from there)
        rows = conn.exec_driver_sql("SELECT id, at, user, node_id, action, table_name, record_id, field, old_value,"
                                    " new_value FROM audit_log ORDER BY id").fetchall()
        prev = audit.GENESIS
        for rid, at, user, node, action, table, record, fld, old, new in rows:
            if action == "insert" and table in ("cases", "persuasion_attempts"):
                values = json.loads(new)
                values.update({k: None for k in ("student_id", "case_id") if k in values})
                new = audit.snapshot_text(values)
            h = audit.row_hash(prev, dt.datetime.fromisoformat(at), user, node, action, table, record, fld, old, new)
            conn.exec_driver_sql("UPDATE audit_log SET new_value = ?, prev_hash = ?, row_hash = ? WHERE id = ?",
                                 (new, prev, h, rid))
            prev = h
    head.after_commit(store, force=True)  # the head beside the store as a program would keep it
    result = store.verify()
    assert result.ok, result.lines()
