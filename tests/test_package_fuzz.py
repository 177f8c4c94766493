"""Issue 14 point 8 (the package half): fuzzed packages, signed with an enrolled school's real key.

Package bytes, manifest values and payload values are changed at random; every case ends in success or
in one Chinese line with exit status 1 from ``baoxue-cli import-package``, never a traceback, and a refused
case leaves the district's store exactly as it was (a dump of every table before and after).

The default run is bounded (``BAOXUE_FUZZ_EXAMPLES`` examples per kind, 25 by default); set it higher
for a longer run.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from database import engine as db
from desktop_app import cli
from desktop_app.services import cases, sync
from desktop_app.services.paths import STORE_FILE
from tests.factories import full_form
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.helpers.stores import iterdump
from tests.package_forge import keys_of, opened
from tests.sync_helpers import is_sign_in, make_district, make_school

EXAMPLES = int(os.environ.get("BAOXUE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CJK = re.compile(r"[\u4e00-\u9fff]")
OUTCOMES: Counter[str] = Counter()

#: Values an attacker would try, besides random ones.
NASTY = st.sampled_from([
    None, "", "abc", "31/31/2026", "not-a-date", "2026-02-30", "被黑了", "0" * 64, 10**30, -1, 2**63, 1.5,
    float("nan"), True, [], {}, ["x"], {"a": 1}, "x" * 5000, "\x00", "../../etc/passwd", "=1+1", "\r", "a\nb",
    "\u2028",
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
VALUES = NASTY | JSON
MANIFEST_KEYS = [
    ("number",), ("seq_from",), ("seq_to",), ("ack_seq",), ("ack_package",), ("partial",), ("counts",), ("sent",),
    ("kind",), ("program",), ("created_at",), ("sender",), ("sender", "code"), ("sender", "node"),
    ("sender", "kind"), ("sender", "name"), ("recipient",), ("recipient", "code"), ("recipient", "node"),
    ("sender_keys",), ("sender_keys", "box"), ("sender_keys", "sign"), ("min_reader",), ("reads",), ("revision",),
    ("update",), ("chain",), ("chain", "count"), ("chain", "hash"), ("chain", "from"), ("chain", "marks"),
    ("chain", "restores"),
]


def _dump(folder: Path, key: bytes) -> list[str]:
    """The receiver's rows (``key``: its store key, taken from the open store when the bench was built)."""
    conn = db.connect(f"{(folder / STORE_FILE).resolve().as_uri()}?mode=ro", key, uri=True)
    try:
        return [line for line in iterdump(conn) if not is_sign_in(line)]  # the command signs in first
    finally:
        conn.close()


class Bench:
    """A receiver's folder (template) and a genuine package to it, to import into a fresh copy per case:
    the school's first package to the district, or the district's answer to the school."""

    def __init__(self, root: Path, to_school: bool = False) -> None:
        usb = root / "usb"
        usb.mkdir()
        dist = make_district(root / "district")
        school = make_school(root / "school", dist, "2150022302", "米心镇中心小学", "米心镇", usb)
        cases.save_form(school, full_form())
        self.path = sync.export_package(school, "district", usb).path
        sender, receiver = school, dist
        if to_school:
            sync.import_package(dist, self.path, confirm=sync.own_fingerprint(school))
            self.path = sync.export_package(dist, "2150022302", usb).path
            sender, receiver = dist, school
        self.genuine = self.path.read_bytes()
        self.name = self.path.name
        self.manifest, self.payload = opened(self.path, receiver)
        self.sign_secret = bytes.fromhex(keys_of(sender).sign_secret)
        self.box_public = bytes.fromhex(keys_of(receiver).box_public)
        self.fingerprint = sync.own_fingerprint(sender)
        self.key = receiver.key
        school.close()
        dist.close()
        self.template = root / ("school" if to_school else "district")
        self.before = _dump(self.template, self.key)
        self.root = root
        self.count = 0

    def build(self, manifest: dict[str, Any], payload: dict[str, Any]) -> bytes:
        from desktop_app.exchange import package as pkg

        return pkg.build(manifest, payload, self.sign_secret, self.box_public)

    def check(self, data: bytes, capsys: pytest.CaptureFixture[str], kind: str) -> None:
        self.count += 1
        case = self.root / f"case-{self.count}"
        shutil.copytree(self.template, case / "store")
        package = case / self.name
        package.write_bytes(data)
        capsys.readouterr()
        user = "周老师" if self.template.name == "school" else "督导员"  # the receiver's administrator
        with mock.patch.dict(os.environ, {"BAOXUE_USER": user, "BAOXUE_PASSWORD": ADMIN_PASSWORD}):
            code = cli.main(["--data-dir", str(case / "store"), "import-package", str(package),
                             "--confirm", self.fingerprint])
        out, err = capsys.readouterr()
        assert code in (0, 1), (code, err)
        if code == 0:
            OUTCOMES[f"{kind}: imported"] += 1
            assert "新增" in out
        else:
            OUTCOMES[f"{kind}: refused"] += 1
            lines = err.strip().splitlines()
            assert len(lines) == 1 and CJK.search(lines[0]) and "Traceback" not in err, err
            assert _dump(case / "store", self.key) == self.before, lines[0]
        shutil.rmtree(case)


@pytest.fixture(scope="module", params=["to-district", "to-school"])
def bench(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Bench:
    return Bench(tmp_path_factory.mktemp("fuzz"), to_school=request.param == "to-school")


def test_the_genuine_package_imports(bench: Bench, capsys: pytest.CaptureFixture[str]) -> None:
    before = OUTCOMES["genuine: imported"]
    bench.check(bench.genuine, capsys, "genuine")
    assert OUTCOMES["genuine: imported"] == before + 1


@FUZZ
@given(data=st.data())
def test_fuzzed_package_bytes(bench: Bench, capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    raw = bytearray(bench.genuine)
    how = data.draw(st.sampled_from(["flip", "truncate", "insert", "overwrite"]))
    at = data.draw(st.integers(0, len(raw) - 1))
    if how == "flip":
        raw[at] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        del raw[at:]
    elif how == "insert":
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    else:
        chunk = data.draw(st.binary(min_size=1, max_size=64))
        raw[at:at + len(chunk)] = chunk
    bench.check(bytes(raw), capsys, "bytes")


@FUZZ
@given(key=st.sampled_from(MANIFEST_KEYS), value=VALUES, delete=st.booleans())
def test_fuzzed_manifest_values(bench: Bench, capsys: pytest.CaptureFixture[str], key: tuple[str, ...],
                                value: Any, delete: bool) -> None:
    manifest = copy.deepcopy(bench.manifest)
    holder: Any = manifest
    for part in key[:-1]:
        holder = holder[part]
    if delete:
        holder.pop(key[-1], None)
    else:
        holder[key[-1]] = value
    bench.check(bench.build(manifest, bench.payload), capsys, "manifest")


@FUZZ
@given(data=st.data(), value=VALUES)
def test_fuzzed_payload_values(bench: Bench, capsys: pytest.CaptureFixture[str], data: st.DataObject,
                               value: Any) -> None:
    payload = copy.deepcopy(bench.payload)
    where = data.draw(st.sampled_from(["cell", "history", "columns", "table", "blobs", "top", "name", "catchup"]))
    tables = payload["tables"]
    if not tables:
        tables["cases"] = {"columns": ["id"], "rows": []}
    name = data.draw(st.sampled_from(sorted(tables)))
    if where == "cell":
        rows = tables[name]["rows"]
        if not rows:
            return
        row = data.draw(st.integers(0, len(rows) - 1))
        rows[row][data.draw(st.integers(0, len(rows[row]) - 1))] = value
    elif where == "history":
        history = payload["history"]
        if not history:
            return
        row = data.draw(st.integers(0, len(history) - 1))
        history[row][data.draw(st.integers(0, 11))] = value
    elif where == "columns":
        columns = tables[name]["columns"]
        columns[data.draw(st.integers(0, len(columns) - 1))] = value
    elif where == "table":
        tables[name] = value
    elif where == "catchup":  # a row sent again in full, with a value changed
        columns, rows = tables[name]["columns"], tables[name]["rows"]
        if not rows:
            return
        row = list(rows[data.draw(st.integers(0, len(rows) - 1))])
        row[data.draw(st.integers(0, len(row) - 1))] = value
        fields = data.draw(st.sampled_from([["*"], [columns[-1]], value]))
        rid = row[columns.index("id")]
        key = rid if isinstance(rid, str) else "not-an-id"
        payload["catchup"] = {name: {"columns": columns, "rows": [row], "fields": {key: fields}}}
    elif where == "name":  # a table under another name
        tables[value if isinstance(value, str) else str(value)] = tables.pop(name)
    elif where == "blobs":
        payload["blobs"] = {"ab" * 32: value} if data.draw(st.booleans()) else value
    else:
        payload[data.draw(st.sampled_from(["tables", "history", "blobs", "catchup"]))] = value
    bench.check(bench.build(bench.manifest, payload), capsys, "payload")


def test_outcomes_are_reported(bench: Bench) -> None:
    """Not a check of the program: prints how the fuzzed cases ended (run with -s to see)."""
    print("fuzzed packages:", dict(sorted(OUTCOMES.items())), "cases:", bench.count)
