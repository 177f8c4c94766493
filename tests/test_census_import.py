"""Roster import: real-looking exports, exact counts, the error report, idempotence, refused files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from database.census import RosterImport, RosterMember
from database.models import AuditEntry, Student
from desktop_app.domain.errors import ValidationError
from desktop_app.services import census, settings
from desktop_app.services.roster_reader import RosterFileError
from desktop_app.services.store import Store
from tests.helpers import rosters as R

NUMERIC_REASON = "身份证号码被Excel存成了数字"


def counts(store: Store) -> tuple[int, int, int, int]:
    with store.read() as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (Student, RosterMember, RosterImport, AuditEntry))


def messy_rows() -> tuple[list[list[object]], dict[int, str]]:
    """40 good children (one with a lower-case x, dates as dates, text and serials), 3 blank rows,
    2 duplicates and 7 bad rows. Returns the rows and {sheet row number: expected reason fragment}."""
    pool = R.children(400)
    with_x = [c for c in pool if c["id_number"].endswith("X")][:1]
    good = with_x + [c for c in pool if not c["id_number"].endswith("X")][:39]
    rows: list[list[object]] = []
    for i, c in enumerate(good):
        style = ("date", "text", "serial", "none")[i % 4]
        rows.append(R.census_cells(i + 1, c, date_style=style))
        if i in (5, 17, 30):
            rows.append([None] * 9)
    rows.append(R.census_cells(41, good[0]))  # duplicates
    rows.append(R.census_cells(42, good[1], date_style="text"))
    bad_pool = [c for c in pool if not c["id_number"].endswith("X")][100:110]
    wrong_check = []
    for c in bad_pool[:3]:
        digit = str((int(c["id_number"][-1]) + 1) % 10)
        wrong_check.append({**c, "id_number": c["id_number"][:-1] + digit})
    first_bad = len(rows) + 5  # 4 header rows above, 1-based
    expected = {}
    for k, c in enumerate(wrong_check):
        rows.append(R.census_cells(50 + k, c))
        expected[first_bad + k] = "校验码错误"
    rows.append(R.census_cells(60, bad_pool[3], id_as_number=True))
    expected[first_bad + 3] = NUMERIC_REASON
    rows.append(R.census_cells(61, bad_pool[4], id_as_number=True))
    expected[first_bad + 4] = NUMERIC_REASON
    rows.append([62, "", "男", bad_pool[5]["id_number"], None, "米心镇", "青龙村", "某某", "13800000000"])
    expected[first_bad + 5] = "姓名为空"
    wrong_birth = R.census_cells(63, bad_pool[6])
    wrong_birth[4] = dt.date(2012, 1, 1)
    rows.append(wrong_birth)
    expected[first_bad + 6] = "不一致"
    return rows, expected


def test_xlsx_with_title_merged_header_blank_rows_duplicates(store: Store, tmp_path: Path) -> None:
    rows, expected = messy_rows()
    path = R.write_census_xlsx(tmp_path / "户籍适龄儿童.xlsx", rows)

    preview = census.preview_roster(store, path, "census")
    assert preview.headers[7:9] == ["监护人姓名", "监护人联系电话"]
    assert preview.mapping["id_number"] == 3 and preview.mapping["guardian_phone"] == 8
    assert preview.total_rows == 49  # blank rows are not rows

    result = census.import_roster(store, path, "census")
    assert (result.accepted, result.rejected, result.duplicates) == (40, 7, 2)
    assert result.summary() == "接受 40 行，拒绝 7 行，重复 2 行"
    assert dict(result.rejected_rows).keys() == expected.keys()
    for row, fragment in expected.items():
        assert fragment in dict(result.rejected_rows)[row]

    report = load_workbook(result.report_path)
    sheet_rows = list(report.active.values)
    assert sheet_rows[0][-2:] == ("原行号", "拒绝原因")
    assert [r[-2] for r in sheet_rows[1:]] == list(expected)
    assert all(isinstance(r[3], str) for r in sheet_rows[1:] if r[3])  # identity numbers kept as text
    students, members, imports, _ = counts(store)
    assert (students, members, imports) == (40, 40, 1)
    with store.read() as s:
        x_child = s.execute(select(Student).where(Student.id_number.like("%X"))).scalar_one()
        assert x_child.guardian1_phone.startswith("13") and x_child.village in R.VILLAGES
    assert store.verify().ok


@pytest.mark.parametrize("in_memory", [0, 5])  # the duplicates found in the temporary table, or once it fills
def test_duplicates_are_found_past_the_children_kept_in_memory(store: Store, tmp_path: Path, in_memory: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A roster of millions of rows keeps the children it has met in a temporary table, not in memory: the
    counts are the same as for a small one, duplicates within a chunk and across chunks alike."""
    from desktop_app.services import roster_import

    monkeypatch.setattr(roster_import, "SEEN_IN_MEMORY", in_memory)
    monkeypatch.setattr(roster_import, "CHUNK", 7)
    rows, _expected = messy_rows()
    path = R.write_census_xlsx(tmp_path / "a.xlsx", rows)
    result = census.import_roster(store, path, "census")
    assert (result.accepted, result.rejected, result.duplicates) == (40, 7, 2)
    assert counts(store)[:3] == (40, 40, 1)
    again = census.import_roster(store, path, "census")  # every child already there
    assert (again.accepted, again.duplicates) == (0, 42)
    assert store.verify().ok


def test_a_large_import_leaves_the_store_file_written_and_later_writes_checkpointing(store: Store,
                                                                                     tmp_path: Path) -> None:
    """The import's commit does not also copy the log into the store file (the user would wait for it
    twice over); a thread does it beside the user's next steps, and the connection the import used
    checkpoints as usual again afterwards (else the log would grow without end)."""
    from database import engine as db

    kids = R.children(300)
    path = R.write_census_xlsx(tmp_path / "a.xlsx", [R.census_cells(i + 1, c) for i, c in enumerate(kids)])
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = store.path.stat().st_size
    assert census.import_roster(store, path, "census").accepted == 300
    store.finish_checkpoint()
    assert store.path.stat().st_size > before  # the children are in the file itself, not only in the log
    with store.engine.connect() as conn:  # the pool's most recently used connection: the import's
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.WAL_AUTOCHECKPOINT


def test_same_file_twice_adds_nothing(store: Store, tmp_path: Path) -> None:
    rows, _ = messy_rows()
    path = R.write_census_xlsx(tmp_path / "a.xlsx", rows)
    census.import_roster(store, path, "census")
    before = counts(store)
    again = census.import_roster(store, path, "census")
    assert (again.accepted, again.rejected, again.duplicates) == (0, 7, 42)
    assert counts(store) == before


def test_xls_export_reads_the_same(store: Store, tmp_path: Path) -> None:
    kids = R.children(12)
    rows = [R.census_cells(i + 1, c) for i, c in enumerate(kids)] + [[None] * 9]
    rows.append(R.census_cells(13, kids[0]))
    rows.append(R.census_cells(14, R.children(20)[15], id_as_number=True))
    path = R.write_census_xls(tmp_path / "花名册.xls", rows)
    result = census.import_roster(store, path, "census")
    assert (result.accepted, result.rejected, result.duplicates) == (12, 1, 1)
    assert NUMERIC_REASON in result.rejected_rows[0][1]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8(store: Store, tmp_path: Path, encoding: str) -> None:
    kids = R.children(8)
    rows = [R.enrolled_cells(c, "三年级") for c in kids]
    rows[2][1] = "3"  # grade as a number
    rows[3][5] = rows[3][5].replace("0", "０", 2)  # full-width digits
    rows.append(R.enrolled_cells(R.children(9)[8], "十年级"))
    path = R.write_csv(tmp_path / "学籍.csv", R.ENROLLED_HEADER, rows, encoding)
    result = census.import_roster(store, path, "enrolled", semester="2026秋")
    assert (result.accepted, result.rejected, result.duplicates) == (8, 1, 0)
    assert "年级" in result.rejected_rows[0][1]
    with store.read() as s:
        grades = s.execute(select(RosterMember.grade).where(RosterMember.semester == "2026秋")).scalars().all()
        assert set(grades) == {"三年级"}
        assert s.execute(select(func.count()).select_from(Student).where(
            Student.student_number.like("G%"))).scalar_one() == 8


def test_enrolled_roster_reuses_census_children(store: Store, tmp_path: Path) -> None:
    kids = R.children(6)
    census.import_roster(store, R.write_census_xlsx(tmp_path / "c.xlsx", [
        R.census_cells(i, c) for i, c in enumerate(kids)]), "census")
    result = census.import_roster(store, R.write_plain_xlsx(tmp_path / "e.xlsx", R.ENROLLED_HEADER, [
        R.enrolled_cells(c, "五年级") for c in kids[:4]]), "enrolled", semester="2026秋")
    assert result.accepted == 4
    students, members, _, _ = counts(store)
    assert (students, members) == (6, 10)


@pytest.mark.parametrize("maker", ["encrypted", "garbage", "truncated"])
def test_corrupt_or_encrypted_file_refused_nothing_changed(store: Store, tmp_path: Path, maker: str) -> None:
    census.import_roster(store, R.write_census_xlsx(tmp_path / "ok.xlsx", [
        R.census_cells(1, R.children(1)[0])]), "census")
    before = counts(store)
    path = tmp_path / "名册.xlsx"
    if maker == "encrypted":
        R.write_encrypted_xlsx(path)
    elif maker == "garbage":
        path.write_bytes(b"not a spreadsheet at all" * 50)
    else:
        good = R.write_census_xlsx(tmp_path / "full.xlsx", [R.census_cells(1, c) for c in R.children(30)])
        path.write_bytes(good.read_bytes()[:900])
    with pytest.raises(RosterFileError) as err:
        census.import_roster(store, path, "census")
    message = str(err.value)
    assert "名册.xlsx" in message
    assert ("密码" in message) if maker == "encrypted" else ("损坏" in message)
    assert counts(store) == before


def test_bad_semester_name_is_refused(store: Store, tmp_path: Path) -> None:
    path = R.write_plain_xlsx(tmp_path / "e.xlsx", R.ENROLLED_HEADER, [R.enrolled_cells(R.children(1)[0], "一年级")])
    with pytest.raises(ValidationError, match="2026秋"):
        census.import_roster(store, path, "enrolled", semester="秋季")
    assert counts(store)[0] == 0


def test_missing_name_column_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    path = R.write_plain_xlsx(tmp_path / "x.xlsx", ["编号", "号码"], [[1, "x"]])
    with pytest.raises(ValidationError, match="姓名"):
        census.import_roster(store, path, "census")


def test_mapping_is_remembered_per_kind(store: Store, tmp_path: Path) -> None:
    header = ["序", "儿童", "证件", "家长", "村名"]
    kids = R.children(3)
    path = R.write_plain_xlsx(tmp_path / "odd.xlsx", header, [
        [i, c["name"], c["id_number"], c["guardian"], c["village"]] for i, c in enumerate(kids)])
    preview = census.preview_roster(store, path, "census")
    assert "id_number" not in preview.mapping
    mapping = {"name": 1, "id_number": 2, "guardian_name": 3, "village": 4}
    assert census.import_roster(store, path, "census", mapping=mapping).accepted == 3
    assert settings.get(store, "census.mapping.census") == {
        "name": "儿童", "id_number": "证件", "guardian_name": "家长", "village": "村名"}
    assert census.preview_roster(store, path, "census").mapping == mapping
    assert census.preview_roster(store, path, "monitored").mapping.get("id_number") is None


def test_cancel_leaves_nothing(store: Store, tmp_path: Path) -> None:
    path = R.write_census_xlsx(tmp_path / "a.xlsx", [R.census_cells(i, c) for i, c in enumerate(R.children(50))])
    before = counts(store)
    calls = []

    def progress(done: int, total: int) -> bool:
        calls.append(done)
        return done < total  # cancel at the end of reading, inside the write transaction

    with pytest.raises(census.ImportCancelled):
        census.import_roster(store, path, "census", progress=progress)
    assert counts(store) == before and calls


def test_voiding_a_wrong_import_then_importing_again(store: Store, tmp_path: Path) -> None:
    kids = R.children(4)
    path = R.write_census_xlsx(tmp_path / "a.xlsx", [R.census_cells(i, c) for i, c in enumerate(kids)])
    census.import_roster(store, path, "census")
    assert census.children_count(store, census.ChildQuery("2026秋")) == 4
    import_id = census.imports(store)[0].id
    with pytest.raises(ValidationError, match="作废原因"):
        census.void_import(store, import_id, " ")
    assert census.void_import(store, import_id, "导错了文件") == 4
    assert census.children_count(store, census.ChildQuery("2026秋")) == 0
    with pytest.raises(ValidationError, match="已作废"):
        census.void_import(store, import_id, "再次")
    again = census.import_roster(store, path, "census")
    assert (again.accepted, again.duplicates) == (4, 0)
    assert census.children_count(store, census.ChildQuery("2026秋")) == 4
    assert counts(store)[:2] == (4, 4)  # same children, same list entries: nothing deleted, nothing doubled
    assert store.verify().ok


def test_a_teacher_imports_and_the_mapping_is_kept_in_the_same_transaction(store: Store, tmp_path: Path) -> None:
    """A teacher may import (records.edit) without the right to change settings: the remembered column
    mapping belongs to the import, is written in its transaction, and the history chain stays whole."""
    from desktop_app.domain.roles import Role
    from desktop_app.services import accounts

    accounts.create_account(store, "admin", "Mixin2026!", Role.ADMIN, display_name="周老师")
    accounts.create_account(store, "li", "Mixin2026!", Role.TEACHER, display_name="李老师")
    accounts.sign_in(store, "li", "Mixin2026!")
    header = ["序", "儿童", "证件", "家长", "村名"]
    kids = R.children(3)
    path = R.write_plain_xlsx(tmp_path / "odd.xlsx", header, [
        [i, c["name"], c["id_number"], c["guardian"], c["village"]] for i, c in enumerate(kids)])
    mapping = {"name": 1, "id_number": 2, "guardian_name": 3, "village": 4}
    assert census.import_roster(store, path, "census", mapping=mapping).accepted == 3
    assert settings.get(store, "census.mapping.census")["id_number"] == "证件"
    with store.read() as s:
        stamps = {e.table_name: (e.at, e.user) for e in s.execute(select(AuditEntry)).scalars()
                  if e.table_name in ("roster_imports", "app_settings")}
    assert stamps["roster_imports"][1] == stamps["app_settings"][1] == "li"
    assert store.verify().ok
    # the same file again: nothing added, the mapping unchanged, still one whole chain
    again = census.import_roster(store, path, "census", mapping=mapping)
    assert (again.accepted, again.duplicates) == (0, 3)
    assert store.verify().ok


def test_cancel_forgets_the_mapping_too(store: Store, tmp_path: Path) -> None:
    header = ["序", "儿童", "证件", "家长", "村名"]
    kids = R.children(3)
    path = R.write_plain_xlsx(tmp_path / "odd.xlsx", header, [
        [i, c["name"], c["id_number"], c["guardian"], c["village"]] for i, c in enumerate(kids)])
    mapping = {"name": 1, "id_number": 2, "guardian_name": 3, "village": 4}

    def progress(done: int, total: int) -> bool:
        return done < total  # ``total`` counts reading and writing: cancels at the very end, before the commit

    before = counts(store)
    with pytest.raises(census.ImportCancelled):
        census.import_roster(store, path, "census", mapping=mapping, progress=progress)
    assert counts(store) == before
    assert settings.get(store, "census.mapping.census") == {}


def test_an_error_report_that_cannot_be_written_goes_to_the_data_folder(store: Store, tmp_path: Path) -> None:
    """The place asked for cannot take the report (here its folder is a file; in life the old report is
    still open in Excel, or the drive is write-protected): the rows are imported all the same, the report
    goes into the data folder, and the note says where and why."""
    rows, expected = messy_rows()
    path = R.write_census_xlsx(tmp_path / "messy.xlsx", rows)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    result = census.import_roster(store, path, "census", report_path=blocked / "report.xlsx")
    assert (result.accepted, result.rejected) == (40, len(expected))
    assert result.report_path is not None and result.report_path.parent == store.data_dir / "导入错误报告"
    assert "无法写入" in result.report_note and str(result.report_path) in result.report_note
    book = load_workbook(result.report_path)
    assert book.active.max_row == len(expected) + 1
    assert counts(store)[0] == 40


def test_cells_are_cleaned_as_people_type_them() -> None:
    """Full-width characters and spaces are normalised, already clean text is left as it is, and a name
    with a digit in it (full-width too) is refused."""
    from desktop_app.domain.census import cell_text, clean_row

    assert cell_text("　张　三 ") == "张 三" and cell_text("ＡＢＣ１２３") == "ABC123" and cell_text("李小明") == "李小明"
    assert cell_text("  a   b ") == "a b" and cell_text(None) == "" and cell_text(13800001234.0) == "13800001234"
    record, reason = clean_row("census", 5, {"name": "王２", "birth_date": "2015-03-04", "guardian_name": "王父"})
    assert record is None and "不像人名" in reason
    record, reason = clean_row("census", 6, {"name": "王 小 二", "birth_date": "2015-03-04", "guardian_name": "王父"})
    assert record is not None and record.name == "王小二" and reason == ""
