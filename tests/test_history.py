"""The tamper-evident history and baoxue-cli verify."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app import cli
from desktop_app.services import cases
from desktop_app.services.paths import STORE_FILE
from desktop_app.services.store import Store
from tests.factories import full_form


@pytest.fixture
def filled(store: Store, data_dir: Path) -> Path:
    case_id = cases.save_form(store, full_form())
    form = cases.load_form(store, case_id)
    form.grade = "八年级"
    cases.save_form(store, form)
    store.close()
    return data_dir


def run_verify(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["--data-dir", str(data_dir), "verify"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_untouched_history_verifies(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_verify(filled, capsys)
    assert code == 0 and "校验通过" in out


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET new_value = '九年级' WHERE field = 'grade'",
        "UPDATE audit_log SET user = '某人' WHERE id = 2",
        "DELETE FROM audit_log WHERE id = 3",
        "UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE id = 1",
    ],
)
def test_history_changed_behind_the_programs_back_fails_verify(
    filled: Path, capsys: pytest.CaptureFixture[str], sql: str
) -> None:
    with sqlite3.connect(filled / STORE_FILE) as conn:
        conn.execute(sql)
    code, out = run_verify(filled, capsys)
    assert code == 1
    assert "校验失败" in out and "历史记录" in out
    assert "Traceback" not in out


def test_record_added_behind_the_programs_back_fails_verify(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(filled / STORE_FILE) as conn:
        conn.execute("INSERT INTO persuasion_attempts (id, case_id, attempt_date, people, place, method, result,"
                     " is_joint, voided, void_reason, created_at, updated_at, updated_by, node_id, version)"
                     " SELECT 'fake', id, '2026-11-01', '某人', '', '', '', 0, 0, '', '2026-11-01', '2026-11-01', '', '', 1"
                     " FROM cases LIMIT 1")
    code, out = run_verify(filled, capsys)
    assert code == 1 and "劝返记录" in out and "没有任何历史记录" in out


def test_rows_are_never_deleted_through_the_program(store: Store) -> None:
    from database.models import Case

    case_id = cases.save_form(store, full_form())
    with pytest.raises(RuntimeError, match="never deleted"), store.write() as session:
        session.delete(session.get(Case, case_id))
    assert cases.load_form(store, case_id).name == "张小明"


def test_history_hashes_and_snapshots_are_the_json_text_they_always_were() -> None:
    """The fast hash and snapshot builders must give json.dumps' exact text, or old stores stop verifying."""
    import datetime as dt
    import hashlib
    import json
    import random

    from desktop_app.services import audit

    rng = random.Random(5)
    alphabet = 'aZ9 "\\/\n\t\r\x00\x1f\x7f\u2028\u00e9张三（）—\U0001f600\ud800'
    texts = ["", "*", *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(300))]
    at = dt.datetime(2026, 9, 1, 8, 30, 5, 123)
    for i in range(300):
        old = None if i % 3 == 0 else texts[i]
        values = [texts[(i + k) % len(texts)] for k in range(7)]
        expected = hashlib.sha256(json.dumps(
            [values[0], at.isoformat(timespec="microseconds"), *values[1:6], "f", old, values[6]],
            ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
        try:
            got = audit.row_hash(values[0], at, *values[1:6], "f", old, values[6])
        except UnicodeEncodeError:  # a lone surrogate: json.dumps' text cannot be encoded either
            continue
        assert got == expected
        snap = {texts[(i + k) % len(texts)] or f"k{k}": (None if k == 2 else texts[(i * 7 + k) % len(texts)])
                for k in range(5)}
        assert audit.snapshot_text(snap) == json.dumps(snap, ensure_ascii=False, sort_keys=True)
    changes = [audit.Change("insert", "students", f"id{i}", "*", None, texts[i]) for i in range(1, 50)
               if "\ud800" not in texts[i]]
    prev = audit.GENESIS
    for row, c in zip(audit.chained_rows(changes, prev, "张老师", "node", at), changes, strict=True):
        assert row["prev_hash"] == prev
        assert row["row_hash"] == audit.row_hash(prev, at, "张老师", "node", c.action, c.table, c.record_id,
                                                 c.field, c.old, c.new)
        prev = row["row_hash"]
