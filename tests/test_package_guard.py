"""Issue 14, points 1 and 2: a package signed with an enrolled school's real key but with bad content, read
in bounded memory, and the first contact confirmed against the school's 数据交换登记回执.

Each example of the issue is reproduced as it was measured: before, these ended in a traceback, were
stored as sent, or took gigabytes of memory.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import select

from database.models import AuditEntry
from desktop_app import cli
from desktop_app.domain.identity import make_id_number
from desktop_app.exchange import package as pkg
from desktop_app.reports import enrol_receipt
from desktop_app.services import cases, encryption, installation, sync
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin
from tests.package_forge import forge, keys_of, opened, raw_package, seal, set_value
from tests.sync_helpers import dump, make_district, make_school

CODE = "2150022302"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def first(pair: tuple[Store, Store], usb: Path) -> tuple[Store, Store, Path]:
    """The school's first package (a student, a case, two attempts), not yet imported at the district."""
    school, dist = pair
    cases.save_form(school, full_form())
    return school, dist, sync.export_package(school, "district", usb).path


def refused_whole(dist: Store, path: Path, school: Store, *words: str) -> str:
    """Imported with the right fingerprint: refused, one Chinese line naming what is wrong, store unchanged."""
    before = dump(dist)
    with pytest.raises(sync.PackageRefused) as info:
        sync.import_package(dist, path, confirm=sync.own_fingerprint(school))
    message = str(info.value)
    assert "\n" not in message and "未导入" in message, message
    for word in words:
        assert word in message, (word, message)
    assert dump(dist) == before
    return message


# --- 1. the manifest, typed and bounded -----------------------------------------------------------

@pytest.fixture(autouse=True)
def _cli_acts_for_the_district(monkeypatch: pytest.MonkeyPatch) -> None:
    """baoxue-cli here imports at the district: it acts for the district's administrator (tests/sync_helpers.py)."""
    monkeypatch.setenv("BAOXUE_USER", "督导员")
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)


@pytest.mark.parametrize(("key", "value", "label"), [
    ("number", "abc", "包序号"), ("number", None, "包序号"), ("number", 10**30, "包序号"),
    ("seq_to", "x", "截止序号"), ("ack_seq", {}, "确认序号"),
])
def test_manifest_values_of_the_wrong_type_are_refused(first: tuple[Store, Store, Path], tmp_path: Path,
                                                       key: str, value: Any, label: str) -> None:
    school, dist, path = first
    forged = forge(path, school, dist, tmp_path / "m.bxpkg", manifest_change=lambda m: m.__setitem__(key, value))
    refused_whole(dist, forged, school, label, key)


def test_manifest_faults_end_in_one_line_and_exit_1_from_the_command_line(
        first: tuple[Store, Store, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school, dist, path = first
    forged = forge(path, school, dist, tmp_path / "m.bxpkg", manifest_change=lambda m: m.__setitem__("number", 10**30))
    before = dump(dist)
    code = cli.main(["--data-dir", str(dist.data_dir), "import-package", str(forged),
                     "--confirm", sync.own_fingerprint(school)])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "包序号" in err and "Traceback" not in err
    assert dump(dist) == before


# --- 1. every row, every history row ----------------------------------------------------------------

def test_case_opened_on_31_31_2026_is_refused_naming_table_record_and_field(
        first: tuple[Store, Store, Path], tmp_path: Path) -> None:
    school, dist, path = first
    _m, payload = opened(path, dist)
    columns, row = payload["tables"]["cases"]["columns"], payload["tables"]["cases"]["rows"][0]
    case_id = row[columns.index("id")]
    forged = forge(path, school, dist, tmp_path / "d.bxpkg",
                   payload_change=lambda p: set_value(p, "cases", "opened_on", "31/31/2026"))
    refused_whole(dist, forged, school, "案件", case_id, "opened_on", "31/31/2026")


@pytest.mark.parametrize(("table", "column", "value", "words"), [
    ("cases", "created_at", "not-a-date", ("created_at", "不是有效的时间")),
    ("cases", "status", "被黑了", ("status", "被黑了", "不在代码表中")),
    ("students", "id_number", "500152201001010000", ("id_number", "不是有效的居民身份证号码")),
    ("students", "ethnic_group", "火星族", ("ethnic_group", "不在代码表中")),
    ("persuasion_attempts", "attempt_date", "2026-02-30", ("attempt_date", "不是有效的日期")),
    ("cases", "attempt_count", "three", ("attempt_count", "不是有效的整数")),
    ("cases", "voided", "yes", ("voided", "是/否")),
    ("cases", "student_id", "no-such-student", ("student_id", "既不在数据包中也不在本机")),
    ("cases", "id", ["a", "list"], ("id", "不是文字")),
    ("cases", "id", {"a": "dict"}, ("id", "不是文字")),
])
def test_row_values_outside_the_schema_are_refused(first: tuple[Store, Store, Path], tmp_path: Path, table: str,
                                                  column: str, value: Any, words: tuple[str, ...]) -> None:
    school, dist, path = first
    forged = forge(path, school, dist, tmp_path / "r.bxpkg",
                   payload_change=lambda p: set_value(p, table, column, value))
    refused_whole(dist, forged, school, *words)


def test_empty_identity_number_is_accepted_where_the_form_allows_it(first: tuple[Store, Store, Path],
                                                                     tmp_path: Path) -> None:
    """A child registered by student number has no identity number: that row is not refused."""
    school, dist, path = first
    forged = forge(path, school, dist, tmp_path / "e.bxpkg", payload_change=lambda p: (
        set_value(p, "students", "id_number", ""), _rehash(p)))
    assert sync.import_package(dist, forged, confirm=sync.own_fingerprint(school)).inserted == 4


def _rehash(payload: dict[str, Any]) -> None:
    """The attacker recomputes the chain (a forged but self-consistent history)."""
    from desktop_app.services import audit

    prev = payload["history"][0][10]
    for h in payload["history"]:
        h[10] = prev
        h[11] = audit.row_hash(prev, dt.datetime.fromisoformat(h[1]), *h[2:10])
        prev = h[11]


@pytest.mark.parametrize(("at", "value", "words"), [
    (5, ["cases"], ("数据表", "不是文字")),
    (5, {"t": "cases"}, ("数据表", "不是文字")),
    (6, ["x"], ("记录编号", "不是文字")),
    (6, {"x": 1}, ("记录编号", "不是文字")),
    (11, "0" * 64, ("校验值与其内容不符",)),
    (10, "f" * 64, ("校验值与其内容不符",)),
    (4, "delete", ("操作类型",)),
    (0, 10**30, ("序号",)),
    (0, "7", ("序号",)),
])
def test_history_rows_of_the_wrong_type_or_hash_are_refused(first: tuple[Store, Store, Path], tmp_path: Path,
                                                            at: int, value: Any, words: tuple[str, ...]) -> None:
    school, dist, path = first
    forged = forge(path, school, dist, tmp_path / "h.bxpkg",
                   payload_change=lambda p: p["history"][1].__setitem__(at, value))
    refused_whole(dist, forged, school, "历史记录", *words)


def test_history_must_continue_the_chain_received_before(pair: tuple[Store, Store], usb: Path,
                                                         tmp_path: Path) -> None:
    """A rewritten history, even self-consistent, must link to the last row received from that node."""
    from database.sync import RemoteAuditEntry

    school, dist = pair
    case_id = cases.save_form(school, full_form())
    sync.import_package(dist, sync.export_package(school, "district", usb).path, confirm=sync.own_fingerprint(school))
    form = cases.load_form(school, case_id)
    form.grade = "八年级"
    cases.save_form(school, form)
    second = sync.export_package(school, "district", usb).path
    with dist.read() as session:
        last = session.execute(select(RemoteAuditEntry.origin_id).order_by(RemoteAuditEntry.origin_id.desc())
                               ).scalars().first()
    assert last is not None

    def relink(p: dict[str, Any]) -> None:  # renumbered to follow the last row received, but not linked to it
        p["history"] = [h for h in p["history"] if h[0] > last]
        p["history"][0][0] = last + 1
        p["history"][0][10] = "a" * 64
        _rehash(p)
        kept = {(h[5], h[6]) for h in p["history"]}
        for name, block in p["tables"].items():
            id_at = block["columns"].index("id")
            block["rows"] = [r for r in block["rows"] if (name, r[id_at]) in kept]

    forged = forge(second, school, dist, tmp_path / "c.bxpkg", payload_change=relink,
                   manifest_change=lambda m: m.__setitem__("seq_from", last))
    refused_whole(dist, forged, school, "校验链断开", f"第{last}条")
    assert sync.import_package(dist, second).updated == 1  # the genuine one still imports


def test_every_row_needs_its_history_and_every_history_row_its_record(first: tuple[Store, Store, Path],
                                                                      tmp_path: Path) -> None:
    school, dist, path = first

    def drop_case_history(p: dict[str, Any]) -> None:
        p["history"] = [h for h in p["history"] if h[5] != "cases"]

    forged = forge(path, school, dist, tmp_path / "a.bxpkg", payload_change=drop_case_history)
    refused_whole(dist, forged, school, "案件", "没有对应的历史记录")

    def drop_case_row(p: dict[str, Any]) -> None:
        p["tables"]["persuasion_attempts"]["rows"] = []

    forged = forge(path, school, dist, tmp_path / "b.bxpkg", payload_change=drop_case_row)
    refused_whole(dist, forged, school, "劝返记录", "数据包中没有这条记录")


def test_a_school_may_not_send_the_districts_tables_or_another_schools_records(
        tmp_path: Path, usb: Path) -> None:
    dist = make_district(tmp_path / "d")
    a = make_school(tmp_path / "a", dist, "2150022311", "甲校", "米心镇", usb)
    b = make_school(tmp_path / "b", dist, "2150022312", "乙校", "米心镇", usb)
    try:
        cases.save_form(b, full_form(name="李小红"))
        sync.import_package(dist, sync.export_package(b, "district", usb).path, confirm=sync.own_fingerprint(b))
        cases.save_form(a, full_form())
        path_a = sync.export_package(a, "district", usb).path
        with dist.read() as session:
            from database.models import Case

            b_case = session.execute(select(Case.id)).scalar_one()

        def steal(p: dict[str, Any]) -> None:  # school A rewrites school B's case
            columns = p["tables"]["cases"]["columns"]
            p["tables"]["cases"]["rows"][0][columns.index("id")] = b_case
            for h in p["history"]:
                if h[5] == "cases":
                    h[6] = b_case
            _rehash(p)

        forged = forge(path_a, a, dist, tmp_path / "steal.bxpkg", payload_change=steal)
        refused_whole(dist, forged, a, "属于另一所学校")

        def decide(p: dict[str, Any]) -> None:
            p["tables"]["deferral_decisions"] = {"columns": ["id"], "rows": []}

        forged = forge(path_a, a, dist, tmp_path / "decide.bxpkg", payload_change=decide)
        refused_whole(dist, forged, a, "只能由区教委填写")
        assert sync.import_package(dist, path_a, confirm=sync.own_fingerprint(a)).inserted == 4
    finally:
        a.close()
        b.close()
        dist.close()


# --- 1. bounded reading ------------------------------------------------------------------------------

def _cli_one_line(capsys: pytest.CaptureFixture[str], dist: Store, target: str, *words: str) -> None:
    before = dump(dist)
    code = cli.main(["--data-dir", str(dist.data_dir), "import-package", target])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)
    assert dump(dist) == before


@pytest.mark.skipif(os.name != "posix", reason="devices and FIFOs")
def test_a_path_that_is_not_a_regular_file_is_refused_at_once(pair: tuple[Store, Store], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    _school, dist = pair
    fifo = tmp_path / "pipe.bxpkg"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    folder = tmp_path / "folder.bxpkg"
    folder.mkdir()
    for target in ("/dev/zero", str(folder), str(fifo)):
        _cli_one_line(capsys, dist, target, "不是普通文件")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(pair: tuple[Store, Store], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _school, dist = pair
    big = tmp_path / "big.bxpkg"
    with open(big, "wb") as fh:  # sparse: no disk space used
        fh.truncate(pkg.MAX_FILE + 1)
    _cli_one_line(capsys, dist, str(big), "文件过大")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """1.86 GB of zeros, deflated (8 MB)."""
    squeeze = zlib.compressobj(1)
    zeros = memoryview(bytes(64 * 1024 * 1024))
    parts, left = [], 1_860_000_000
    while left:
        take = min(left, len(zeros))
        parts.append(squeeze.compress(zeros[:take]))
        left -= take
    parts.append(squeeze.flush())
    return b"".join(parts)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak memory read from /proc")
def test_a_zlib_bomb_in_a_signed_package_is_refused_in_bounded_memory(first: tuple[Store, Store, Path],
                                                                     tmp_path: Path, bomb: bytes) -> None:
    school, dist, path = first
    manifest, _payload = opened(path, dist)
    forged = tmp_path / "bomb.bxpkg"
    forged.write_bytes(raw_package(manifest, seal(bomb, dist), bytes.fromhex(keys_of(school).sign_secret)))
    before = dump(dist)
    script = (  # VmHWM: this process's own peak (ru_maxrss would carry over pytest's, from before exec)
        "import re, sys\n"
        "from desktop_app import cli\n"
        "code = cli.main(sys.argv[1:])\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s*(\\d+)', status).group(1))\n"
        "sys.exit(code)\n"
    )
    dist.close()
    done = subprocess.run(
        [sys.executable, "-c", script, "--data-dir", str(dist.data_dir), "import-package", str(forged),
         "--confirm", sync.own_fingerprint(school)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300, check=False)
    peak_mb = int(done.stdout.strip().splitlines()[-1]) / 1024
    assert done.returncode == 1, done.stderr
    assert "压缩炸弹" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    print(f"zlib bomb refused, peak {peak_mb:.0f} MB")
    assert peak_mb < 300, peak_mb
    reopened = encryption.unlock(dist.data_dir, "督导员", ADMIN_PASSWORD)
    try:
        assert dump(reopened) == before
    finally:
        reopened.close()


# --- 2. first contact ------------------------------------------------------------------------------------

def test_first_package_needs_the_fingerprint_of_the_receipt(first: tuple[Store, Store, Path]) -> None:
    school, dist, path = first
    before = dump(dist)
    with pytest.raises(sync.NeedsConfirmation, match="--confirm") as info:
        sync.import_package(dist, path)
    assert info.value.fingerprint == sync.own_fingerprint(school)
    with pytest.raises(sync.FingerprintMismatch, match="未导入"):
        sync.import_package(dist, path, confirm="0000-0000-0000-0000-0000-0000-0000-0000")
    assert dump(dist) == before
    typed = sync.own_fingerprint(school).replace("-", "").lower()  # without dashes, as typed from paper
    assert sync.import_package(dist, path, confirm=typed).inserted == 4
    with dist.read() as session:
        accepted = session.execute(select(AuditEntry.new_value).where(AuditEntry.field == "接受公钥")).scalar_one()
    assert "已与登记回执核对" in accepted


def test_an_impostor_with_the_same_school_code_is_refused_and_does_not_lock_the_school_out(
        pair: tuple[Store, Store], usb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school, dist = pair
    impostor = Store.open(tmp_path / "impostor", user="冒充者")
    try:
        installation.setup(impostor, installation.InstallationInfo(
            kind=installation.SCHOOL, name="米心镇中心小学", code=CODE, township_centre="米心镇"))
        sign_in_admin(impostor, "冒充者")
        [enrolment] = usb.glob("*登记.bxpkg")
        sync.import_package(impostor, enrolment)  # the enrolment package carries only public keys
        cases.save_form(impostor, full_form(name="王假名"))
        fake = sync.export_package(impostor, "district", tmp_path).path
        real_fp = sync.own_fingerprint(school)  # what the real school's receipt says
        before = dump(dist)
        for confirm in (None, real_fp):
            args = ["--data-dir", str(dist.data_dir), "import-package", str(fake)]
            code = cli.main(args + (["--confirm", confirm] if confirm else []))
            err = capsys.readouterr().err
            assert code == 1 and len(err.strip().splitlines()) == 1
            assert ("--confirm" if confirm is None else "不符") in err
        assert dump(dist) == before
        cases.save_form(school, full_form())
        real = sync.export_package(school, "district", usb).path
        assert sync.import_package(dist, real, confirm=real_fp).inserted == 4  # not locked out
        later = sync.export_package(impostor, "district", tmp_path).path
        with pytest.raises(sync.PackageRefused, match="密钥不符"):
            sync.import_package(dist, later)
    finally:
        impostor.close()


def test_receipt_is_an_a4_pdf_with_embedded_font_fingerprint_and_qr(pair: tuple[Store, Store],
                                                                    tmp_path: Path) -> None:
    school, dist = pair
    path = sync.write_receipt(school, tmp_path / "回执.pdf")
    reader = PdfReader(path)
    [page] = reader.pages
    assert [round(float(v)) for v in page.mediabox[2:]] == [595, 842]  # A4 in points
    text = page.extract_text().replace(" ", "")
    fingerprint = sync.own_fingerprint(school)
    for expected in ("数据交换登记回执", "米心镇中心小学", CODE, fingerprint, "签字", "盖章", "潼南区教育委员会"):
        assert expected in text, expected
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        assert str(font["/BaseFont"]).split("+", 1)[1].startswith("WenQuanYiMicroHei")
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    payload = f"BAOXUE-ENROL:{CODE}:{fingerprint.replace('-', '')}"
    expected_qr = segno.make(payload, error="m", micro=False).matrix
    scale, n = 6, len(expected_qr)
    bitmap = pdfium.PdfDocument(str(path))[0].render(scale=scale, grayscale=True)
    data, stride = bytes(bitmap.buffer), bitmap.stride
    module = enrol_receipt.QR_SIZE / n
    top = 842 - enrol_receipt.QR_TOP
    read = [[1 if data[int((top + (r + 0.5) * module) * scale) * stride
                        + int((enrol_receipt.QR_X + (c + 0.5) * module) * scale)] < 128 else 0
             for c in range(n)] for r in range(n)]
    assert read == [list(row) for row in expected_qr]
    with school.read() as session:
        assert session.execute(select(AuditEntry).where(AuditEntry.field == "打印登记回执")).first() is not None
    with pytest.raises(sync.ValidationError, match="由学校打印"):
        sync.write_receipt(dist, tmp_path / "x.pdf")


def test_receipt_from_the_command_line(pair: tuple[Store, Store], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    school, _dist = pair
    out = tmp_path / "r.pdf"
    os.environ["BAOXUE_USER"] = "周老师"  # at the school (the autouse fixture restores it)
    assert cli.main(["--data-dir", str(school.data_dir), "enrol-receipt", str(out)]) == 0
    assert sync.own_fingerprint(school) in capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF")


def test_a_school_on_a_new_pc_is_re_enrolled_and_the_old_key_revoked(
        pair: tuple[Store, Store], usb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school, dist = pair
    cases.save_form(school, full_form())
    sync.import_package(dist, sync.export_package(school, "district", usb).path, confirm=sync.own_fingerprint(school))
    old_fp = sync.own_fingerprint(school)
    code = cli.main(["--data-dir", str(dist.data_dir), "reenrol", "--school", CODE, "--reason", "学校更换电脑",
                     str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    new_enrolment = next(tmp_path.glob("*登记.bxpkg"))
    with dist.read() as session:
        revoked = session.execute(select(AuditEntry.new_value).where(AuditEntry.field == "吊销密钥")).scalar_one()
    assert old_fp in revoked and "学校更换电脑" in revoked
    assert dist.verify().ok
    # the old PC is no longer heard
    other_id = make_id_number("500223", dt.date(2014, 3, 9), 211)
    cases.save_form(school, full_form(name="赵旧机", id_number=other_id, student_number="G" + other_id))
    with pytest.raises(sync.FingerprintMismatch):
        sync.import_package(dist, sync.export_package(school, "district", usb).path, confirm="1" * 32)
    new_pc = Store.open(tmp_path / "new-pc", user="周老师")
    try:
        installation.setup(new_pc, installation.InstallationInfo(
            kind=installation.SCHOOL, name="米心镇中心小学", code=CODE, township_centre="米心镇"))
        sign_in_admin(new_pc)
        sync.import_package(new_pc, new_enrolment)
        cases.save_form(new_pc, full_form(name="钱新机"))
        package = sync.export_package(new_pc, "district", tmp_path).path
        with pytest.raises(sync.FingerprintMismatch):
            sync.import_package(dist, package, confirm=old_fp)  # the old receipt does not do
        assert sync.import_package(dist, package, confirm=sync.own_fingerprint(new_pc)).inserted == 4
        assert "历史记录回退" not in str(sync.exchange_log(dist)[0])  # the old PC's chain head was set aside
        assert dist.verify().ok
    finally:
        new_pc.close()
    with pytest.raises(sync.ValidationError, match="原因"):
        sync.reenrol(dist, CODE, tmp_path, " ")


def test_everything_a_school_records_passes_the_checks(pair: tuple[Store, Store], usb: Path) -> None:
    """The checks refuse only what the program itself never writes: a school with demo data, care, census,
    home teaching, typed aid items, break contacts, guardian contacts and return checks imports whole."""
    from database.models import Student
    from desktop_app.services import care, census, demo, home_teaching, semesters

    school, dist = pair
    demo.load(school, 30, seed=5)
    demo.load_census(school, 120, seed=5)
    demo.load_care(school, seed=5)
    with school.read() as session:
        student_id = session.execute(select(Student.id).order_by(Student.id)).scalars().first()
    term = semesters.current(school).name
    day = dt.date.today() - dt.timedelta(days=3)
    care.add_aid(school, student_id, term, "爱心企业捐助", "200")  # a typed aid item
    home_teaching.add_break_contact(school, student_id, term, "寒假", day, "电话联系", "周老师")
    census.log_contact(school, student_id, day, "电话", "周老师", "监护人接听")
    census.mark_return(school, student_id, term, "已返校", checked_by="周老师", checked_on=day)
    _m, payload = opened(sync.export_package(school, "district", usb).path, dist)
    assert {"aid_records", "break_contacts", "guardian_contacts", "return_checks", "census_statuses",
            "case_closings", "student_tags"} <= set(payload["tables"])
    result = sync.import_package(dist, next(usb.glob("2150022302-500152-1.bxpkg")),
                                 confirm=sync.own_fingerprint(school))
    assert result.inserted == sum(len(t["rows"]) for t in payload["tables"].values()) - len(
        payload["tables"].get("calendar_days", {}).get("rows", []))  # the district keeps its own calendar


def test_a_catch_up_block_is_checked_like_the_rows(pair: tuple[Store, Store], usb: Path, tmp_path: Path) -> None:
    """Records a newer district held back from an older school and sends later in full (``catchup``) carry no
    history of their own: their values are checked all the same."""
    school, dist = pair
    cases.save_form(school, full_form())
    first_path = sync.export_package(school, "district", usb).path
    sync.import_package(dist, first_path, confirm=sync.own_fingerprint(school))
    _m, sent = opened(first_path, dist)
    columns, row = sent["tables"]["cases"]["columns"], list(sent["tables"]["cases"]["rows"][0])
    case_id = row[columns.index("id")]
    answer = sync.export_package(dist, CODE, usb).path

    def catch_up(status: Any, fields: Any) -> Path:
        changed = list(row)
        changed[columns.index("status")] = status
        block = {"cases": {"columns": columns, "rows": [changed], "fields": {case_id: fields}}}
        return forge(answer, dist, school, tmp_path / "catchup.bxpkg",
                     payload_change=lambda p: p.__setitem__("catchup", block))

    for status, fields, words in (("被黑了", ["status"], ("status", "被黑了")),
                                  ("劝返中", [["status"]], ("补发的", "fields")),
                                  ("劝返中", ["no_such_field"], ("补发的", "fields"))):
        before = dump(school)
        with pytest.raises(sync.PackageRefused) as info:
            sync.import_package(school, catch_up(status, fields))
        assert all(w in str(info.value) for w in words), str(info.value)
        assert dump(school) == before
    result = sync.import_package(school, catch_up("联合劝返", ["status"]))  # a good one is applied
    assert result.updated + result.conflicts == 1


def test_a_down_level_package_may_leave_out_only_what_its_reader_does_not_know(
        first: tuple[Store, Store, Path], tmp_path: Path) -> None:
    """Written for a 0.1.0 reader, a package must still carry every column 0.1.0 knew."""
    school, dist, path = first

    def drop(column: str) -> Any:
        def change(p: dict[str, Any]) -> None:
            block = p["tables"]["students"]
            at = block["columns"].index(column)
            block["columns"].pop(at)
            for r in block["rows"]:
                r.pop(at)
        return change

    forged = forge(path, school, dist, tmp_path / "old.bxpkg", payload_change=drop("family_situation"),
                   manifest_change=lambda m: m.__setitem__("min_reader", "0.1.0"))
    refused_whole(dist, forged, school, "缺少字段 family_situation")


@pytest.mark.parametrize("catchup", [
    {"cases": {"columns": [None, "id"], "rows": []}},
    {"cases": {"columns": ["id", "version"], "rows": [[["x"], 1]]}},
    {"cases": "rows"},
    {"no_such_table": {"columns": ["id"], "rows": []}},
])
def test_a_malformed_catch_up_block_is_refused(first: tuple[Store, Store, Path], tmp_path: Path,
                                               catchup: dict[str, Any]) -> None:
    school, dist, path = first
    forged = forge(path, school, dist, tmp_path / "c.bxpkg", payload_change=lambda p: p.__setitem__("catchup", catchup))
    before = dump(dist)
    with pytest.raises(sync.PackageRefused, match="补发"):
        sync.import_package(dist, forged, confirm=sync.own_fingerprint(school))
    assert dump(dist) == before
