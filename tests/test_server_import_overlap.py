"""Package imports on the district's PostgreSQL server run side by side (issue 19 point 2).

An import does its work (decrypt, check, write the school's rows) without the history chain's lock and
appends its history at the end under it: two PCs importing two schools' packages overlap, while one
unit's packages still follow one another (its row is locked) and the history stays one chain.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from database.models import AuditEntry
from database.sync import PackageRecord
from desktop_app.services import cases, handover, sync
from desktop_app.services.store import Store
from desktop_app.services.sync import import_
from tests.factories import full_form
from tests.sync_helpers import make_district, make_school
from tests.test_server_store import second_pc

WAIT = 60.0


def _chain_ok(store: Store) -> None:
    result = store.verify()
    assert result.ok, result.message
    with store.read() as s:
        ids = s.execute(select(AuditEntry.id).order_by(AuditEntry.id)).scalars().all()
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # no gap: verify would read one as deleted history


def _two_schools(tmp_path: Path, usb: Path, pg_url: str) -> tuple[Store, Store, list[Store], list[Path], list[str]]:
    d1 = make_district(tmp_path / "pc1", pg_url)
    schools, paths, prints = [], [], []
    for n, code in enumerate(("2150022311", "2150022312")):
        school = make_school(tmp_path / code, d1, code, f"第{n + 1}小学", "米心镇", usb)
        cases.save_form(school, full_form())
        paths.append(sync.export_package(school, "district", usb).path)
        prints.append(sync.own_fingerprint(school))
        schools.append(school)
    return d1, second_pc(tmp_path / "pc2", pg_url), schools, paths, prints


def _run(*jobs: Any) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(job: Any) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 3)
    assert not any(t.is_alive() for t in threads)
    return errors


def test_two_schools_packages_imported_at_once_overlap_and_keep_one_chain(
        tmp_path: Path, usb: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    d1, d2, schools, paths, prints = _two_schools(tmp_path, usb, pg_url)
    first_inside, second_done = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    original = handover.after_import

    def after_import(session: Any, inst: Any, peer: Any, *args: Any, **kwargs: Any) -> None:
        if peer.code == "2150022311":  # the first import, its rows written, waits inside its transaction
            first_inside.set()
            seen["second committed meanwhile"] = second_done.wait(WAIT)
        original(session, inst, peer, *args, **kwargs)

    monkeypatch.setattr(handover, "after_import", after_import)
    results: list[sync.ImportResult] = []

    def first() -> None:
        results.append(sync.import_package(d1, paths[0], confirm=prints))

    def second() -> None:
        assert first_inside.wait(WAIT)
        results.append(sync.import_package(d2, paths[1], confirm=prints))
        second_done.set()

    try:
        assert _run(first, second) == []
        # the second school's import began and committed while the first one was half-way through its own
        assert seen == {"second committed meanwhile": True}
        assert sorted(r.sender for r in results) == ["2150022311", "2150022312"]
        assert all(r.inserted > 0 for r in results)
        with d1.read() as s:
            records = s.execute(select(PackageRecord.peer_code, PackageRecord.number)
                                .where(PackageRecord.direction == "received")).all()
            events = s.execute(select(AuditEntry.record_id).where(AuditEntry.field == "导入数据包")
                               .order_by(AuditEntry.id)).scalars().all()
        assert sorted(records) == [("2150022311", 1), ("2150022312", 1)]
        assert events == [paths[1].name, paths[0].name]  # history in commit order: the second one first
        _chain_ok(d1)
    finally:
        for s in (*schools, d1, d2):
            s.close()


def test_the_same_package_at_once_on_two_pcs_lands_once_the_second_waiting_for_the_first(
        tmp_path: Path, usb: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    d1, d2, schools, paths, prints = _two_schools(tmp_path, usb, pg_url)
    first_inside = threading.Event()
    seen: dict[str, bool] = {}
    original = handover.after_import

    def after_import(session: Any, inst: Any, peer: Any, *args: Any, **kwargs: Any) -> None:
        if not first_inside.is_set():
            first_inside.set()  # the other PC's import of the same package must wait for this one's row lock
            seen["other waits"] = _until_a_lock_is_awaited(d1)
        original(session, inst, peer, *args, **kwargs)

    monkeypatch.setattr(handover, "after_import", after_import)
    outcomes: list[object] = []

    def pc(store: Store, wait_first: bool) -> None:
        if wait_first:
            assert first_inside.wait(WAIT)
        try:
            outcomes.append(sync.import_package(store, paths[0], confirm=prints))
        except sync.PackageRefused as exc:
            outcomes.append(exc)

    try:
        assert _run(lambda: pc(d1, False), lambda: pc(d2, True)) == []
        assert seen == {"other waits": True}
        imported = [o for o in outcomes if isinstance(o, sync.ImportResult)]
        refused = [o for o in outcomes if isinstance(o, sync.AlreadyImported)]
        assert (len(imported), len(refused)) == (1, 1), outcomes
        assert "已导入过" in str(refused[0])
        with d1.read() as s:
            count = s.execute(select(func.count()).select_from(PackageRecord)
                              .where(PackageRecord.direction == "received")).scalar_one()
        assert count == 1
        _chain_ok(d1)
    finally:
        for s in (*schools, d1, d2):
            s.close()


def _until_a_lock_is_awaited(store: Store) -> bool:
    """Whether another connection comes to wait for a lock (a row's) within WAIT seconds."""
    import time

    deadline = time.monotonic() + WAIT
    with store.engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one():
                return True
            conn.rollback()
            time.sleep(0.05)
    return False


def test_an_import_meeting_another_transaction_is_tried_again_and_lands(
        tmp_path: Path, usb: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A collision the server undoes (a deadlock, a key added meanwhile) is retried, not lost."""
    d1, d2, schools, paths, prints = _two_schools(tmp_path, usb, pg_url)
    calls = {"n": 0}
    original = handover.after_import

    def after_import(session: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] <= 2:  # the server refuses the first two attempts as a deadlock would
            session.connection().exec_driver_sql(
                "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$")
        original(session, *args, **kwargs)

    monkeypatch.setattr(handover, "after_import", after_import)
    try:
        result = sync.import_package(d1, paths[0], confirm=prints)
        assert calls["n"] == 3 and result.inserted > 0
        calls["n"] = -10  # every attempt refused: one Chinese line, nothing written
        monkeypatch.setattr(import_, "COLLISION_RETRIES", 2)
        with pytest.raises(sync.PackageRefused, match="多次与另一台电脑同时写入的数据冲突"):
            sync.import_package(d2, paths[1], confirm=prints)
        with d1.read() as s:
            count = s.execute(select(func.count()).select_from(PackageRecord)
                              .where(PackageRecord.direction == "received")).scalar_one()
        assert count == 1
        _chain_ok(d1)
    finally:
        for s in (*schools, d1, d2):
            s.close()
