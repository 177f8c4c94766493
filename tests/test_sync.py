"""USB exchange between a school and the district, each a store in its own temporary folder."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from database.models import Case, PersuasionAttempt, Semester, Student, ledger_models
from desktop_app.domain.registration import Attempt
from desktop_app.exchange import package as pkg
from desktop_app.services import cases, demo, district, encryption, lifecycle, sync
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.sync_helpers import apply_for_deferral, dump, make_district, make_school, send

CODE = "2150022302"

pytestmark = pytest.mark.both_backends


def rows(store: Store, model: type) -> dict[str, dict[str, object]]:
    with store.read() as session:
        return {
            r.id: {c.key: getattr(r, c.key) for c in model.__table__.columns if c.key != "version"}
            for r in session.execute(select(model)).scalars()
        }


def case_row(store: Store, case_id: str) -> Case:
    with store.read() as session:
        return session.get(Case, case_id)


def edit_case(store: Store, case_id: str, **values: object) -> None:
    with store.write() as session:
        row = session.get(Case, case_id)
        for k, v in values.items():
            setattr(row, k, v)


def test_round_trip_of_every_kind_of_record(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    apply_for_deferral(school, case_id)
    demo.load(school, 5)
    result = send(school, "district", dist, usb)
    carried = [m for m in ledger_models() if rows(school, m)]
    assert {Student, Case, PersuasionAttempt} <= set(carried)
    assert result.inserted == sum(len(rows(school, m)) for m in carried)
    for model in carried:  # every kind of record, lifecycle records (court ruling, application) included
        assert rows(dist, model) == rows(school, model), model.__tablename__
    assert dist.verify().ok
    assert school.verify().ok
    # the district's decisions travel back: a deferral approval and the published calendar
    district.record_deferral_approval(dist, case_id, True, dt.date(2026, 11, 1), "潼教发〔2026〕12号")
    district.publish_semester(dist, "2026秋", dt.date(2026, 9, 1), dt.date(2027, 1, 20))
    back = send(dist, CODE, school, usb)
    assert back.updated == 1  # the case's 延缓入学/休学 fields
    assert back.inserted == 3  # the decision, the semester and the district's list of schools (移交)
    assert lifecycle.state(school, case_id).applications[-1].approved
    row = case_row(school, case_id)
    assert (row.deferral_approved, row.deferral_document) == (True, "潼教发〔2026〕12号")
    with school.read() as session:
        sem = session.execute(select(Semester).where(Semester.name == "2026秋")).scalar_one()
    assert (sem.start_date, sem.end_date) == (dt.date(2026, 9, 1), dt.date(2027, 1, 20))
    assert school.verify().ok
    # the school's ledger is still the school's: the case form opens and saves as before
    form = cases.load_form(school, case_id)
    form.grade = "八年级"
    cases.save_form(school, form)
    send(school, "district", dist, usb)
    assert case_row(dist, case_id).grade == "八年级"
    assert case_row(dist, case_id).deferral_approved is True


def test_calendar_merges_with_a_semester_the_school_already_had(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    district.publish_semester(school, "2026秋", dt.date(2026, 9, 1), dt.date(2027, 1, 15))
    send(school, "district", dist, usb)
    # the district had no "2026秋": it takes the school's row (the school's home-teaching plans refer to it)
    assert [r["name"] for r in rows(dist, Semester).values()] == ["2026秋"]
    district.publish_semester(dist, "2026秋", dt.date(2026, 8, 31), dt.date(2027, 1, 22))
    send(dist, CODE, school, usb)
    with school.read() as session:
        sems = list(session.execute(select(Semester)).scalars())
    assert [(s.name, s.start_date, s.end_date) for s in sems] == [
        ("2026秋", dt.date(2026, 8, 31), dt.date(2027, 1, 22))]


def test_acknowledgements_and_sync_states(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    assert sync.record_states(school, "cases", [case_id]) == {case_id: sync.STATE_NEW}
    assert sync.pending_count(school, "district") == 4  # student, case, two attempts
    pending = sync.pending_records(school, "district")
    assert {(p.table_name, p.label, p.state) for p in pending} == {
        ("students", "张小明", sync.STATE_NEW), ("cases", "张小明", sync.STATE_NEW),
        ("persuasion_attempts", "张小明", sync.STATE_NEW)}
    first = sync.export_package(school, "district", usb)
    assert sync.record_states(school, "cases", [case_id]) == {case_id: sync.STATE_SENT}
    sync.import_package(dist, first.path, confirm=sync.own_fingerprint(school))
    assert sync.pending_count(school, "district") == 4  # not acknowledged until the district answers
    send(dist, CODE, school, usb)
    assert sync.record_states(school, "cases", [case_id]) == {case_id: sync.STATE_ACKED}
    assert sync.pending_count(school, "district") == 0
    assert sync.find_peer(school, "district").acked_package == 1
    edit_case(school, case_id, grade="八年级")
    assert sync.record_states(school, "cases", [case_id]) == {case_id: sync.STATE_CHANGED}
    second = sync.export_package(school, "district", usb)
    assert (second.records, second.seq_from) == (1, first.seq_to)
    assert sync.import_package(dist, second.path).updated == 1


def test_reimport_changes_nothing(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    cases.save_form(school, full_form())
    result = sync.export_package(school, "district", usb)
    sync.import_package(dist, result.path, confirm=sync.own_fingerprint(school))
    before = dump(dist)
    with pytest.raises(sync.AlreadyImported, match="已导入过"):
        sync.import_package(dist, result.path)
    assert dump(dist) == before
    assert sync.exchange_log(dist)[0]["ok"] is False


def test_older_package_after_newer_changes_nothing(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    older = sync.export_package(school, "district", usb)
    edit_case(school, case_id, grade="八年级")
    newer = sync.export_package(school, "district", usb)
    sync.import_package(dist, newer.path, confirm=sync.own_fingerprint(school))  # carries everything not yet acknowledged
    assert case_row(dist, case_id).grade == "八年级"
    before = dump(dist)
    with pytest.raises(sync.AlreadyImported):
        sync.import_package(dist, older.path)
    assert dump(dist) == before


def test_gap_is_refused_naming_the_missing_package(tmp_path: Path, pair: tuple[Store, Store], usb: Path,
                                                   backend: str) -> None:
    if backend == "postgresql":
        pytest.skip("copies the district's data folder to make a second district: its store is the file")
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    first = sync.export_package(school, "district", usb)
    dist.close()
    shutil.copytree(tmp_path / "district", tmp_path / "district-copy")  # a district that never got package 1
    dist2 = encryption.unlock(tmp_path / "district", "督导员", ADMIN_PASSWORD)
    stale = encryption.unlock(tmp_path / "district-copy", "督导员", ADMIN_PASSWORD)
    try:
        sync.import_package(dist2, first.path, confirm=sync.own_fingerprint(school))
        send(dist2, CODE, school, usb)
        edit_case(school, case_id, grade="八年级")
        second = sync.export_package(school, "district", usb)
        before = dump(stale)
        with pytest.raises(sync.PackageRefused, match=f"缺少 {CODE}-500152-1.bxpkg"):
            sync.import_package(stale, second.path, confirm=sync.own_fingerprint(school))
        assert dump(stale) == before
        # the missing one first, then the rest applies
        sync.import_package(stale, first.path, confirm=sync.own_fingerprint(school))
        sync.import_package(stale, second.path)
        assert case_row(stale, case_id).grade == "八年级"
    finally:
        dist2.close()
        stale.close()


def test_fields_changed_on_one_side_each_are_merged(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    apply_for_deferral(school, case_id)
    send(school, "district", dist, usb)
    send(dist, CODE, school, usb)
    edit_case(school, case_id, grade="八年级")
    district.record_deferral_approval(dist, case_id, True, dt.date(2026, 11, 1), "潼教发〔2026〕12号")
    assert send(school, "district", dist, usb).conflicts == 0
    assert send(dist, CODE, school, usb).conflicts == 0
    for store in (school, dist):
        row = case_row(store, case_id)
        assert (row.grade, row.deferral_approved) == ("八年级", True)
    assert sync.conflicts(school) == []
    assert sync.conflicts(dist) == []


@pytest.mark.parametrize("choice", ["local", "remote"])
def test_conflict_kept_and_resolved(pair: tuple[Store, Store], usb: Path, choice: str) -> None:
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    send(school, "district", dist, usb)
    send(dist, CODE, school, usb)
    edit_case(school, case_id, responsible_person="王校长（学校）")
    edit_case(dist, case_id, responsible_person="刘督学（区教委）")
    result = send(school, "district", dist, usb)
    assert result.conflicts == 1
    [conflict] = sync.conflicts(dist)
    assert conflict.fields == ["responsible_person"]
    assert conflict.local_values == {"responsible_person": "刘督学（区教委）"}
    assert conflict.remote_values == {"responsible_person": "王校长（学校）"}
    assert case_row(dist, case_id).responsible_person == "王校长（学校）"  # the school owns its cases
    assert sync.record_states(dist, "cases", [case_id]) == {case_id: sync.STATE_CONFLICT}
    sync.resolve(dist, conflict.id, choice)
    assert sync.conflicts(dist) == []
    send(dist, CODE, school, usb)
    send(school, "district", dist, usb)
    expected = "刘督学（区教委）" if choice == "local" else "王校长（学校）"
    assert case_row(dist, case_id).responsible_person == expected
    assert case_row(school, case_id).responsible_person == expected
    assert dist.verify().ok
    assert school.verify().ok
    with pytest.raises(sync.NotFoundError):
        sync.resolve(dist, conflict.id, choice)


def test_all_schools_ledger_shows_a_conflict_on_the_student(pair: tuple[Store, Store], usb: Path) -> None:
    """A ledger row is the case and its child: the district's all-schools ledger shows 冲突 when the
    conflict is on the child's record (the guardian's phone changed on both sides), as the school's does."""
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    send(school, "district", dist, usb)
    send(dist, CODE, school, usb)
    for store, phone in ((school, "13912345678"), (dist, "13887654321")):
        with store.write() as session:
            student = session.get(Student, session.get(Case, case_id).student_id)
            student.guardian1_phone = phone
    assert send(school, "district", dist, usb).conflicts == 1
    assert sync.record_states(dist, "cases", [case_id]) != {case_id: sync.STATE_CONFLICT}  # the case itself is fine
    [row] = district.ledger_page(dist, cases.LedgerQuery())
    assert (row["case_id"], row["sync_state"]) == (case_id, sync.STATE_CONFLICT)


def test_the_districts_to_do_list_is_the_districts_work(pair: tuple[Store, Store], usb: Path) -> None:
    """A school's reminders (persuade within 3 days …) stay on the school's list; the district's list holds
    what the district must do (a school that has not reported …)."""
    from desktop_app.services import todo

    school, dist = pair
    cases.save_form(school, full_form())
    send(school, "district", dist, usb)
    later = dt.date.today() + dt.timedelta(days=60)
    school_work = {*lifecycle.REMINDER_LABELS.values(), "送教上门", "区外联系"}
    assert any(t.kind in school_work for t in todo.collect(school, later))
    on_district = todo.collect(dist, later)
    assert not any(t.kind in school_work for t in on_district)
    assert [t.kind for t in on_district] == ["督导"]  # the school has not sent a package for 60 days


# --- refusals -----------------------------------------------------------------------------------

@pytest.fixture
def exchanged(pair: tuple[Store, Store], usb: Path) -> tuple[Store, Store, Path]:
    """The district has one package from the school; a second one waits on the drive."""
    school, dist = pair
    case_id = cases.save_form(school, full_form(attempts=[]))
    send(school, "district", dist, usb)
    edit_case(school, case_id, grade="八年级")
    second = sync.export_package(school, "district", usb)
    return school, dist, second.path


def refused(store: Store, path: Path, match: str) -> None:
    before = dump(store)
    with pytest.raises(sync.PackageRefused, match=match):
        sync.import_package(store, path)
    assert dump(store) == before


def test_flipped_byte_anywhere_is_refused(exchanged: tuple[Store, Store, Path], tmp_path: Path) -> None:
    _school, dist, path = exchanged
    data = path.read_bytes()
    before = dump(dist)
    bad = tmp_path / "bad.bxpkg"
    step = max(1, len(data) // 400)
    for pos in list(range(0, len(data), step)) + [len(data) - 1]:
        bad.write_bytes(data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:])
        with pytest.raises(sync.PackageRefused):
            sync.import_package(dist, bad)
    assert dump(dist) == before
    assert sync.import_package(dist, path).updated == 1  # the good file still imports


def test_truncated_file_is_refused(exchanged: tuple[Store, Store, Path], tmp_path: Path) -> None:
    _school, dist, path = exchanged
    data = path.read_bytes()
    for size in (0, 10, len(data) // 2, len(data) - 1):
        bad = tmp_path / f"cut{size}.bxpkg"
        bad.write_bytes(data[:size])
        refused(dist, bad, "损坏|不完整")


def test_package_for_another_school_is_refused(pair: tuple[Store, Store], usb: Path, tmp_path: Path) -> None:
    school, dist = pair
    other = make_school(tmp_path / "other", dist, "2150022303", "米心镇第二小学", "米心镇", usb)
    try:
        cases.save_form(school, full_form())
        send(school, "district", dist, usb)
        send(other, "district", dist, usb)
        to_school = sync.export_package(dist, CODE, usb)
        refused(other, to_school.path, f"发给代码为 {CODE} 的单位")
    finally:
        other.close()


def test_package_signed_by_an_unknown_key_is_refused(exchanged: tuple[Store, Store, Path], tmp_path: Path) -> None:
    _school, dist, path = exchanged
    good = pkg.read(path)
    forger = pkg.KeyPair.generate()
    manifest = {k: v for k, v in good.manifest.items() if k not in ("format", "encrypted", "payload_sha256",
                                                                      "payload_size")}
    with dist.read() as session:
        from database.sync import NodeKey

        district_box = bytes.fromhex(session.execute(select(NodeKey)).scalar_one().box_public)
    payload = {"tables": {}, "history": []}
    # the forger claims to be the school, with its own keys …
    forged = tmp_path / "forged.bxpkg"
    forged.write_bytes(pkg.build({**manifest, "sender_keys": {"box": forger.box_public.hex(),
                                                              "sign": forger.sign_public.hex()}},
                                 payload, forger.sign_secret, district_box))
    refused(dist, forged, "签名密钥与已登记的 米心镇中心小学 的密钥不符")
    # … or with the school's public keys but its own signature
    forged.write_bytes(pkg.build(manifest, payload, forger.sign_secret, district_box))
    refused(dist, forged, "签名无效")


def test_replayed_old_package_is_refused(exchanged: tuple[Store, Store, Path], usb: Path) -> None:
    _school, dist, path = exchanged
    sync.import_package(dist, path)
    first = usb / f"{CODE}-500152-1.bxpkg"
    refused(dist, first, "已导入过")


def _zip(members: list[tuple[str, bytes]], compress: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as zf:
        for name, content in members:
            zf.writestr(name, content)
    return buf.getvalue()


def test_zip_with_a_dotdot_name_is_refused(exchanged: tuple[Store, Store, Path], tmp_path: Path) -> None:
    _school, dist, path = exchanged
    good = pkg.read(path)
    bad = tmp_path / "evil.bxpkg"
    bad.write_bytes(_zip([(pkg.MANIFEST, good.manifest_bytes), ("../payload.bin", good.payload),
                          (pkg.SIGNATURE, good.signature)]))
    refused(dist, bad, "路径越界")
    bad.write_bytes(_zip([(pkg.MANIFEST, good.manifest_bytes), ("/tmp/payload.bin", good.payload),
                          (pkg.SIGNATURE, good.signature)]))
    refused(dist, bad, "路径越界")
    bad.write_bytes(_zip([(pkg.MANIFEST, good.manifest_bytes), (pkg.PAYLOAD, good.payload),
                          (pkg.SIGNATURE, good.signature), ("extra.txt", b"x")]))
    refused(dist, bad, "文件过多|多余")


def test_oversized_member_and_zip_bomb_are_refused(exchanged: tuple[Store, Store, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _school, dist, path = exchanged
    good = pkg.read(path)
    bad = tmp_path / "big.bxpkg"
    bad.write_bytes(_zip([(pkg.MANIFEST, good.manifest_bytes), (pkg.PAYLOAD, good.payload),
                          (pkg.SIGNATURE, good.signature + b"\0" * 10_000)]))
    refused(dist, bad, "超出允许的大小")
    bomb = tmp_path / "bomb.bxpkg"
    bomb.write_bytes(_zip([(pkg.MANIFEST, good.manifest_bytes), (pkg.PAYLOAD, b"\0" * 5_000_000),
                           (pkg.SIGNATURE, good.signature)], zipfile.ZIP_DEFLATED))
    assert bomb.stat().st_size < 20_000
    monkeypatch.setattr(pkg, "MAX_PAYLOAD", 1_000_000)
    refused(dist, bomb, "超出允许的大小|打包方式")
    monkeypatch.setattr(pkg, "MAX_PAYLOAD", len(good.payload) - 1)
    refused(dist, path, "超出允许的大小")
    monkeypatch.undo()
    monkeypatch.setattr(pkg, "MAX_PLAIN", 100)  # a payload that inflates past the bound
    refused(dist, path, "压缩炸弹")


def test_unenrolled_sender_is_refused(tmp_path: Path, usb: Path) -> None:
    dist = make_district(tmp_path / "d1")
    other_district = make_district(tmp_path / "d2")
    school = make_school(tmp_path / "s", dist, CODE, "米心镇中心小学", "米心镇", usb)
    try:
        path = sync.enrol(other_district, sync.SchoolInfo(CODE, "米心镇中心小学", "米心镇"), tmp_path)
        refused(school, path, "密钥不同")
        pkg_path = sync.export_package(school, "district", usb).path
        refused(other_district, pkg_path, "不是本单位")  # same district code, another installation
    finally:
        for s in (dist, other_district, school):
            s.close()


# --- export to a drive ----------------------------------------------------------------------------

def test_full_drive_leaves_no_package(pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, _dist = pair
    cases.save_form(school, full_form())
    real_open = open

    class FullFile(io.BufferedWriter):
        pass

    def full_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        handle = real_open(file, mode, *args, **kwargs)
        if str(file).endswith(".bxpkg.tmp"):
            def write(_data: bytes) -> int:
                raise OSError(errno.ENOSPC, "No space left on device")
            handle.write = write  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr("builtins.open", full_open)
    with pytest.raises(sync.ExportFailed, match="U盘空间不足"):
        sync.export_package(school, "district", usb)
    monkeypatch.undo()
    assert list(usb.glob(f"{CODE}-*")) == []
    assert sync.find_peer(school, "district").sent_package == 0
    with pytest.raises(sync.ExportFailed, match="U盘可能已拔出"):
        sync.export_package(school, "district", usb / "gone")
    assert sync.export_package(school, "district", usb).number == 1


def test_export_reads_back_and_checks(pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, _dist = pair
    cases.save_form(school, full_form())
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: real_read(self)[:-1])
    with pytest.raises(sync.ExportFailed, match="读回"):
        sync.export_package(school, "district", usb)
    assert list(usb.glob(f"{CODE}-*")) == []


# --- three schools ------------------------------------------------------------------------------

def test_three_schools_to_one_district_and_back(tmp_path: Path, usb: Path) -> None:
    dist = make_district(tmp_path / "d")
    specs = [("2150022311", "米心镇中心小学", "米心镇"), ("2150022312", "米心镇第二小学", "米心镇"),
             ("2150022313", "古溪镇中心小学", "古溪镇")]
    schools = [make_school(tmp_path / code, dist, code, name, town, usb) for code, name, town in specs]
    try:
        for i, school in enumerate(schools):
            demo.load(school, 6 + 3 * i, seed=i)
        own = [district.own_figures(s) for s in schools]
        results = sync.import_many(dist, [sync.export_package(s, "district", usb).path for s in schools],
                                   confirm=[sync.own_fingerprint(s) for s in schools])
        assert all(isinstance(r, sync.ImportResult) for _p, r in results)
        figures = {f.code: f for f in district.school_figures(dist)}
        for school_own, (code, _name, _town) in zip(own, specs, strict=True):
            got = figures[code]
            assert (got.open_cases, got.new_this_month, got.closed_this_month) == \
                (school_own.open_cases, school_own.new_this_month, school_own.closed_this_month)
            assert not got.stale
        towns = {t.township: t for t in district.township_figures(list(figures.values()))}
        assert towns["米心镇"].open_cases == own[0].open_cases + own[1].open_cases
        assert towns["米心镇"].schools == 2
        query = cases.LedgerQuery(extra={"school": "2150022313"})
        assert district.ledger_count(dist, query) == 12
        assert district.ledger_count(dist, cases.LedgerQuery(extra={"school_township": "米心镇"})) == 6 + 9
        assert district.ledger_count(dist, cases.LedgerQuery()) == 6 + 9 + 12
        page = district.ledger_page(dist, query)
        assert {r["school"] for r in page} == {"古溪镇中心小学"}
        # and back: each school gets its acknowledgement and the district calendar, nothing of the others
        district.publish_semester(dist, "2026秋", dt.date(2026, 9, 1), dt.date(2027, 1, 20))
        for school, (code, _n, _t) in zip(schools, specs, strict=True):
            back = send(dist, code, school, usb)
            assert (back.inserted, back.updated) == (4, 0)  # the semester and the list of the 3 schools (移交)
            assert sync.pending_count(school, "district") == 0
            assert school.verify().ok
        assert dist.verify().ok
        report = district.export_report(dist, tmp_path / "督导.xlsx")
        from openpyxl import load_workbook

        ws = load_workbook(report)["各校情况"]
        expected = [c for c, _n, _t in sorted(specs, key=lambda s: (s[2], s[0]))]
        assert [ws.cell(r, 1).value for r in range(3, 6)] == expected
    finally:
        for s in (*schools, dist):
            s.close()


def test_stale_school_is_flagged(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    [row] = district.school_figures(dist)
    assert row.stale
    assert row.last_package_at is None
    send(school, "district", dist, usb)
    assert not district.school_figures(dist)[0].stale
    later = dt.date.today() + dt.timedelta(days=31)
    assert district.school_figures(dist, later)[0].stale
    from desktop_app.services import settings

    settings.put(dist, sync.STALE_DAYS.key, 60)
    assert not district.school_figures(dist, later)[0].stale


def test_attempt_added_at_school_reaches_district(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    case_id = cases.save_form(school, full_form(attempts=[]))
    send(school, "district", dist, usb)
    form = cases.load_form(school, case_id)
    form.attempts = [Attempt(dt.date(2026, 10, 12), "王校长", "学生家中", "上门家访", "家长同意")]
    cases.save_form(school, form)
    result = send(school, "district", dist, usb)
    assert (result.inserted, result.updated) == (1, 1)
    assert case_row(dist, case_id).status == case_row(school, case_id).status == "劝返中"
    assert json.loads(json.dumps(sync.exchange_log(dist)[0]))["ok"] is True


def test_signed_package_with_values_the_schema_refuses(exchanged: tuple[Store, Store, Path], tmp_path: Path) -> None:
    """Even a correctly signed package is refused whole when a row does not fit (and nothing is kept)."""
    school, dist, path = exchanged
    good = pkg.read(path)
    with school.read() as session:
        from database.sync import NodeKey

        keys = session.execute(select(NodeKey)).scalar_one()
    with dist.read() as session:
        district_box = bytes.fromhex(session.execute(select(NodeKey)).scalar_one().box_public)
    payload = good.open_payload(None) if not good.manifest["encrypted"] else None
    assert payload is None  # sealed: build our own payload with a case pointing at no student
    manifest = {k: v for k, v in good.manifest.items()
                if k not in ("format", "encrypted", "payload_sha256", "payload_size")}
    cols = ["id", "student_id", "status", "fill_date", "opened_on"]
    orphan = ["x-1", "no-such-student", "疑似辍学", "2026-10-01", "2026-10-01"]
    bad_rows = {"cases": {"columns": cols, "rows": [orphan]}}
    history = [[manifest["seq_to"], "2026-10-01 00:00:00.000000", "u", "n", "insert", "cases", "x-1", "*",
                None, "{}", "0" * 64, "0" * 64]]
    for tables in (bad_rows, {"cases": {"columns": cols, "rows": [["x-1", ["list"], "a", "b", "c"]]}}):
        forged = tmp_path / "odd.bxpkg"
        forged.write_bytes(pkg.build(manifest, {"tables": tables, "history": history},
                                     bytes.fromhex(keys.sign_secret), district_box))
        refused(dist, forged, "缺少字段 .*整个数据包未导入")


def test_keys_are_made_at_set_up_and_stale_schools_are_reminders(pair: tuple[Store, Store], usb: Path) -> None:
    school, dist = pair
    from database.sync import NodeKey
    from desktop_app.services import todo

    for store in (school, dist):
        with store.read() as session:
            assert session.execute(select(NodeKey)).scalar_one().sign_public
    assert [i.title for i in todo.collect(dist) if i.kind == "督导"] == ["米心镇中心小学从未报送数据包"]
    assert [i for i in todo.collect(school) if i.kind == "督导"] == []
    send(school, "district", dist, usb)
    assert [i for i in todo.collect(dist) if i.kind == "督导"] == []
