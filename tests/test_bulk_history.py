"""A roster import writes one history entry with a digest over every row it wrote (issue 17): verify
recomputes it and names a row changed behind the program's back; later edits are recorded field by field;
the imported roster still reaches the district in a package, and a unit whose program does not read such
entries gets the rows in full once it does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from database.census import RosterMember
from database.models import AuditEntry, Case, Student
from database.sync import Peer
from desktop_app.services import cases, census, compat, sync
from desktop_app.services.integrity import bulk
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers import rosters as R
from tests.sync_helpers import make_district, make_school, send


def import_roster(store: Store, tmp_path: Path, n: int = 6, seed: int = 7) -> list[dict[str, str]]:
    kids = R.children(n, seed=seed)
    path = R.write_census_xlsx(tmp_path / f"roster-{seed}.xlsx", [R.census_cells(i + 1, c) for i, c in enumerate(kids)])
    assert census.import_roster(store, path, "census").accepted == n
    return kids


def history(store: Store, **where: str) -> list[AuditEntry]:
    with store.read() as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(AuditEntry, k) == v)
        return list(s.execute(stmt).scalars())


def student_id(store: Store, name: str) -> str:
    with store.read() as s:
        return s.execute(select(Student.id).where(Student.name == name)).scalar_one()


COMPLETED = ("ethnic_group", "guardian1_relation", "hukou", "registry", "residence", "dropout_reason",
             "reason_detail", "family_situation", "fill_date", "contact_name", "contact_phone", "persuading_unit",
             "responsible_person", "responsible_phone")


def edit_child(store: Store, sid: str, **values: str) -> None:
    """Open a case for the child and complete the registration form with ``values`` (the program's own edit)."""
    case_id = census.open_suspected_case(store, sid, "五年级", "摸排核查")
    form, sample = cases.load_form(store, case_id), full_form()
    for name in COMPLETED:
        setattr(form, name, getattr(sample, name))
    for name, value in values.items():
        setattr(form, name, value)
    cases.save_form(store, form)


def behind_the_back(store: Store, sql: str, *params: object) -> None:
    """Change the file with plain SQL, as someone with the file and its key could (not through the program)."""
    from database import engine as db

    path, key = store.engine.url.database, store.key
    store.engine.dispose()
    conn = db.connect(str(path), key)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def test_an_import_writes_one_entry_for_all_its_rows_and_verifies(store: Store, tmp_path: Path) -> None:
    import_roster(store, tmp_path, 6)
    assert history(store, table_name="students") == []  # no row per child …
    assert history(store, table_name="roster_members") == []
    [entry] = history(store, action=bulk.BULK)  # … but one entry listing all twelve rows it wrote
    listing = json.loads(entry.new_value)
    assert {t: len(rows) for t, rows in listing["rows"].items()} == {"students": 6, "roster_members": 6}
    assert len(listing["digest"]) == 64
    result = store.verify()
    assert result.ok, result.message


def test_a_row_changed_behind_the_programs_back_is_named(store: Store, tmp_path: Path) -> None:
    kids = import_roster(store, tmp_path, 6)
    victim = kids[2]["name"]
    sid = student_id(store, victim)
    behind_the_back(store, "UPDATE students SET guardian1_phone = ? WHERE id = ?", "13900000000", sid)
    result = store.verify()
    assert not result.ok
    [finding] = [f for f in result.findings if f.kind != "note"]
    assert (finding.kind, finding.table, finding.record_id) == ("altered", "students", sid)
    assert victim in finding.message() and "导入" in finding.message()
    assert victim in result.message


def test_a_list_entry_changed_or_a_child_removed_is_named(store: Store, tmp_path: Path) -> None:
    kids = import_roster(store, tmp_path, 5)
    gone_id = student_id(store, kids[0]["name"])
    with store.read() as s:
        member = s.execute(select(RosterMember.id).where(RosterMember.student_id != gone_id).limit(1)).scalar_one()
    behind_the_back(store, "UPDATE roster_members SET grade = '九年级' WHERE id = ?", member)
    behind_the_back(store, "DELETE FROM roster_members WHERE student_id = ?", gone_id)
    behind_the_back(store, "DELETE FROM students WHERE id = ?", gone_id)
    result = store.verify()
    found = {(f.kind, f.table, f.record_id) for f in result.findings if f.kind != "note"}
    assert ("altered", "roster_members", member) in found
    assert ("missing", "students", gone_id) in found
    # the entry keeps each row's hash, not its content: a removed child is named by its record number
    assert any(gone_id[:8] in f.message() for f in result.findings if f.kind == "missing")


def test_later_edits_are_recorded_field_by_field_and_still_verify(store: Store, tmp_path: Path) -> None:
    kids = import_roster(store, tmp_path, 4)
    sid = student_id(store, kids[1]["name"])
    with store.read() as s:
        old_phone = s.get(Student, sid).guardian1_phone
    edit_child(store, sid, guardian1_phone="13811112222", health="一般")
    edits = {e.field: (e.old_value, e.new_value) for e in history(store, table_name="students", record_id=sid)
             if e.action == "update"}
    assert edits["guardian1_phone"] == (old_phone, "13811112222")
    assert edits["health"][1] == "一般"
    assert store.verify().ok  # the import's hash still holds with those edits undone
    # an edit made outside the program on the same child is still found, field by field where the history says
    behind_the_back(store, "UPDATE students SET guardian1_phone = '13000000000' WHERE id = ?", sid)
    result = store.verify()
    assert [(f.kind, f.field) for f in result.findings if f.kind != "note"] == [("differs", "guardian1_phone")]
    behind_the_back(store, "UPDATE students SET guardian1_phone = '13811112222', guardian1_name = '某某' WHERE id = ?",
                    sid)
    result = store.verify()
    assert [(f.kind, f.record_id) for f in result.findings if f.kind != "note"] == [("altered", sid)]


def test_a_second_roster_that_fills_in_imported_children_still_verifies(store: Store, tmp_path: Path) -> None:
    """The enrolment roster adds list entries for the census children and fills their empty fields: those
    are field changes of rows the first import's entry lists, recorded field by field."""
    kids = R.children(6)
    plain = [[c["name"], c["id_number"]] for c in kids]  # no guardian, no village: left to fill in
    census.import_roster(store, R.write_plain_xlsx(tmp_path / "c.xlsx", ["姓名", "身份证号码"], plain), "census")
    result = census.import_roster(store, R.write_plain_xlsx(tmp_path / "e.xlsx", R.ENROLLED_HEADER, [
        R.enrolled_cells(c, "五年级") for c in kids[:4]]), "enrolled", semester="2026秋")
    assert result.accepted == 4
    filled = [e for e in history(store, table_name="students") if e.action == "update"]
    assert filled and {e.old_value for e in filled} <= {None, ""}
    assert len(history(store, action=bulk.BULK)) == 2
    result = store.verify()
    assert result.ok, result.message


def test_the_childs_history_says_the_roster_import_created_it(store: Store, tmp_path: Path) -> None:
    from desktop_app.services import case_history

    kids = import_roster(store, tmp_path, 3)
    sid = student_id(store, kids[0]["name"])
    edit_child(store, sid, guardian1_phone="13811112222")
    with store.read() as s:
        case_id = s.execute(select(Case.id).where(Case.student_id == sid)).scalar_one()
    lines = case_history.case_history(store, case_id)
    created = [h for h in lines if h.what == "新建" and "名册导入" in h.new]
    assert len(created) == 1 and "roster-7.xlsx" in created[0].new
    assert lines.index(created[0]) < next(i for i, h in enumerate(lines) if h.new == "13811112222")


@pytest.mark.parametrize("chunk", [5000, 3])  # one entry, or an entry per three children
def test_an_imported_roster_reaches_the_district(tmp_path: Path, usb: Path, chunk: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.services import roster_import

    monkeypatch.setattr(roster_import, "CHUNK", chunk)
    monkeypatch.setattr(roster_import, "ENTRY_ROWS", 2 * chunk)  # a child and its list entry: two rows
    dist = make_district(tmp_path / "d")
    school = make_school(tmp_path / "s", dist, "2150022311", "米心镇中心小学", "米心镇", usb)
    try:
        kids = import_roster(school, tmp_path, 8)
        assert sync.pending_count(school, "district") >= 16
        result = send(school, "district", dist, usb)
        assert result.inserted >= 16
        with dist.read() as s:
            names = set(s.execute(select(Student.name)).scalars())
            members = s.execute(select(func.count()).select_from(RosterMember)).scalar_one()
        assert {k["name"] for k in kids} <= names and members == 8
        assert dist.verify().ok and school.verify().ok
        # an edit afterwards travels as a field change
        sid = student_id(school, kids[0]["name"])
        edit_child(school, sid, guardian1_phone="13811112222")
        send(school, "district", dist, usb)
        with dist.read() as s:
            assert s.get(Student, sid).guardian1_phone == "13811112222"
        assert dist.verify().ok
    finally:
        school.close()
        dist.close()


def test_a_district_that_does_not_read_such_entries_gets_the_roster_once_it_does(tmp_path: Path,
                                                                                   usb: Path) -> None:
    dist = make_district(tmp_path / "d")
    school = make_school(tmp_path / "s", dist, "2150022311", "米心镇中心小学", "米心镇", usb)
    try:
        with school.write() as s:  # the district said what it reads as a program before such entries would
            peer = s.execute(select(Peer).where(Peer.kind == "district")).scalar_one()
            reads = compat.own_reads(sync.ledger_tables())
            reads.pop(bulk.READS_KEY)
            peer.reads = json.dumps(reads)
        kids = import_roster(school, tmp_path, 5)
        exported = sync.export_package(school, "district", usb)
        sync.import_package(dist, exported.path, confirm=sync.own_fingerprint(school))
        with dist.read() as s:
            assert s.execute(select(func.count()).select_from(Student)).scalar_one() == 0  # held back, not lost
        send(dist, "2150022311", school, usb)  # the district, upgraded, says it reads them now
        with school.write() as s:
            peer = s.execute(select(Peer).where(Peer.kind == "district")).scalar_one()
            assert bulk.peer_reads_bulk(json.loads(peer.reads))
        send(school, "district", dist, usb)
        with dist.read() as s:
            names = set(s.execute(select(Student.name)).scalars())
        assert {k["name"] for k in kids} <= names
        assert dist.verify().ok
    finally:
        school.close()
        dist.close()


@pytest.mark.parametrize("bad", ['{"digest": "x", "rows": {}}', '{"rows": {"students": [["a", "b"]]}}', "[]"])
def test_a_malformed_entry_is_not_read_as_one(bad: str) -> None:
    assert bulk.parse(bad) is None


def test_the_digest_over_all_rows_is_recomputed() -> None:
    """Every row's short hash matching is not enough: the digest over the full hashes must match too."""
    from desktop_app.services.integrity import ledger

    full = {("students", "a"): bulk.row_hash("a", ["张三", None]), ("students", "b"): bulk.row_hash("b", ["李四", "1"])}
    listing = {"students": [(rid, h[:bulk.SHORT]) for (_t, rid), h in full.items()]}
    good = bulk.digest_of({"students": [(rid, h) for (_t, rid), h in full.items()]})
    for digest, findings in ((good, 0), ("0" * 64, 1)):
        replay = ledger.Replay(bulks=[("roster_imports", "imp", digest, listing)], full=dict(full))
        assert len(ledger.bulk_findings(replay)) == findings
    assert bulk.row_hash("a", ["张三", None]) == bulk.row_hash("a", ["张三", ""]) != bulk.row_hash("a", ["张三 ", ""])


def test_a_case_of_an_imported_child_is_handed_over_and_everything_verifies(tmp_path: Path) -> None:
    from desktop_app.domain import handover as rules
    from desktop_app.services import handover
    from tests.handover_world import ASKED, B, make_world

    world = make_world(tmp_path)
    w = next(world)
    try:
        kids = import_roster(w.a, tmp_path, 4)
        sid = student_id(w.a, kids[2]["name"])
        edit_child(w.a, sid, guardian1_phone="13811112222")
        with w.a.read() as s:
            case_id = s.execute(select(Case.id).where(Case.student_id == sid)).scalar_one()
        handover.request_handover(w.a, case_id, rules.Request(B[0], ASKED, "家庭搬迁", "随父母搬到双江镇"))
        w.round(w.a)
        w.round(w.b)
        [incoming] = handover.incoming(w.b)
        new_case = handover.accept(w.b, incoming.id)
        form = cases.load_form(w.b, new_case)
        assert (form.name, form.guardian1_phone) == (kids[2]["name"], "13811112222")
        w.round(w.b)
        w.round(w.a)
        for store in (w.district, w.a, w.b):
            result = store.verify()
            assert result.ok, result.message
    finally:
        next(world, None)


def test_an_import_written_in_chunks_is_one_entry_and_a_changed_row_is_named(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are written a chunk at a time (bounded memory) and listed, with their digest, in one entry."""
    from desktop_app.services import roster_import

    monkeypatch.setattr(roster_import, "CHUNK", 3)
    kids = import_roster(store, tmp_path, 10)
    [entry] = history(store, action=bulk.BULK)
    assert {t: len(r) for t, r in json.loads(entry.new_value)["rows"].items()} == {"students": 10,
                                                                                  "roster_members": 10}
    result = store.verify()
    assert result.ok, result.message
    sid = student_id(store, kids[4]["name"])  # written in the second chunk
    behind_the_back(store, "UPDATE students SET village = ? WHERE id = ?", "别村", sid)
    result = store.verify()
    assert [(f.kind, f.record_id) for f in result.findings if f.kind != "note"] == [("altered", sid)]


def test_a_very_large_import_writes_an_entry_per_entry_rows_and_a_row_of_a_later_one_changed_is_named(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``ENTRY_ROWS`` listed rows (a roster of more than 100,000 children) the listing goes on in the next
    entry (bounded memory), each with its digest."""
    from desktop_app.services import roster_import

    monkeypatch.setattr(roster_import, "CHUNK", 4)
    monkeypatch.setattr(roster_import, "ENTRY_ROWS", 8)
    kids = import_roster(store, tmp_path, 10)
    entries = history(store, action=bulk.BULK)
    assert [{t: len(r) for t, r in json.loads(e.new_value)["rows"].items()} for e in entries] == [
        {"students": 4, "roster_members": 4}, {"students": 4, "roster_members": 4},
        {"students": 2, "roster_members": 2}]
    assert len({json.loads(e.new_value)["digest"] for e in entries}) == 3
    result = store.verify()
    assert result.ok, result.message
    sid = student_id(store, kids[9]["name"])  # in the last chunk
    behind_the_back(store, "UPDATE students SET village = ? WHERE id = ?", "别村", sid)
    result = store.verify()
    assert [(f.kind, f.record_id) for f in result.findings if f.kind != "note"] == [("altered", sid)]


@pytest.mark.both_backends
def test_the_districts_own_roster_verifies_on_its_backend(tmp_path: Path, backend: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row is hashed from the values the import binds, as the database will give them back: the
    district's store on the file and on the server verifies after an import of several chunks."""
    from desktop_app.services import roster_import

    monkeypatch.setattr(roster_import, "CHUNK", 3)
    monkeypatch.setattr(roster_import, "ENTRY_ROWS", 6)
    dist = make_district(tmp_path / "d")
    try:
        kids = R.children(7, seed=3)
        rows = [R.census_cells(i + 1, c, date_style=("date", "text")[i % 2]) for i, c in enumerate(kids)]
        rows[1][3] = ""  # a child without an identity number (matched by name, birth date and guardian)
        path = R.write_census_xlsx(tmp_path / "household.xlsx", rows)
        assert census.import_roster(dist, path, "census").accepted == 7
        assert len(history(dist, action=bulk.BULK)) == 3
        result = dist.verify()
        assert result.ok, result.message
    finally:
        dist.close()


@pytest.mark.parametrize("texts", [["a"], ["张三", "", "x\"y\\z"], ["\x00\x1f\t\n", "\u2028", "😀", "\ud800"]])
def test_the_row_hash_is_over_the_json_list_of_its_texts(texts: list[str]) -> None:
    expected = bulk.hashlib.sha256(bulk._dumps(texts).encode("utf-8", "surrogatepass")).hexdigest()  # noqa: SLF001
    assert bulk.row_hash(texts[0], texts[1:]) == expected
