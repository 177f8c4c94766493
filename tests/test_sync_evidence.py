"""Evidence attachments travel in packages with their rows; their hashes are checked on import and by verify()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from database.lifecycle import EvidenceBlob
from desktop_app.domain.errors import ValidationError
from desktop_app.services import cases, lifecycle, sync
from desktop_app.services.store import Store
from desktop_app.services.sync import export as sync_export
from tests.factories import full_form
from tests.sync_helpers import dump, send

pytestmark = pytest.mark.both_backends

CODE = "2150022302"
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40  # a JPEG's first bytes, then anything


@pytest.fixture
def pair(pair: tuple[Store, Store], usb: Path) -> tuple[Store, Store]:
    """The shared school and district, their keys exchanged by a first package."""
    s, d = pair
    send(s, "district", d, usb)
    return pair


def case_with_photo(school: Store, tmp_path: Path) -> tuple[str, str]:
    case_id = cases.save_form(school, full_form())
    photo = tmp_path / "家访照片.jpg"
    photo.write_bytes(PHOTO)
    return case_id, lifecycle.attach_evidence(school, case_id, photo, caption="第一次家访")


def blob_count(store: Store) -> int:
    with store.read() as session:
        return session.execute(select(func.count()).select_from(EvidenceBlob)).scalar_one()


def test_a_photo_travels_to_the_district_and_opens_with_the_same_bytes(pair: tuple[Store, Store], usb: Path,
                                                                       tmp_path: Path) -> None:
    school, dist = pair
    case_id, evidence_id = case_with_photo(school, tmp_path)
    result = send(school, "district", dist, usb)
    assert result.blobs == 1
    [info] = lifecycle.evidence_list(dist, case_id)
    assert (info.id, info.file_name, info.caption) == (evidence_id, "家访照片.jpg", "第一次家访")
    assert lifecycle.evidence_content(dist, evidence_id) == PHOTO
    assert dist.verify().ok
    # the same photo attached again travels as a row only once acknowledged: the bytes are kept once
    lifecycle.attach_evidence(school, case_id, tmp_path / "家访照片.jpg", caption="又附了一次")
    again = send(school, "district", dist, usb)
    assert again.inserted == 1 and blob_count(dist) == 1
    assert [i.caption for i in lifecycle.evidence_list(dist, case_id)] == ["第一次家访", "又附了一次"]


def test_a_tampered_blob_is_refused_and_changes_nothing(pair: tuple[Store, Store], usb: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    school, dist = pair
    case_id, _evidence_id = case_with_photo(school, tmp_path)
    real = sync_export._blobs_for  # noqa: SLF001

    def tampered(session: Any, tables: dict[str, Any]) -> dict[str, str]:
        import base64

        out = real(session, tables)
        return {sha: base64.b64encode(b"\xff\xd8\xff\xe0 swapped photo").decode() for sha in out}

    monkeypatch.setattr(sync_export, "_blobs_for", tampered)
    path = sync.export_package(school, "district", usb).path  # signed by the school: only the hash tells
    before = dump(dist)
    with pytest.raises(sync.PackageRefused, match="佐证材料.*与其校验值不符"):
        sync.import_package(dist, path)
    assert dump(dist) == before
    assert lifecycle.evidence_list(dist, case_id) == []
    assert sync.exchange_log(dist)[0]["ok"] is False


def test_attachments_beyond_the_package_bound_wait_for_the_next_package(pair: tuple[Store, Store], usb: Path,
                                                                        tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    school, dist = pair
    case_id, first = case_with_photo(school, tmp_path)
    scan = tmp_path / "证明.pdf"
    scan.write_bytes(b"%PDF-" + bytes(range(256)) * 40)
    second = lifecycle.attach_evidence(school, case_id, scan)
    monkeypatch.setattr(sync_export, "MAX_BLOB_BYTES", len(PHOTO) + 100)  # room for one of the two
    result = sync.export_package(school, "district", usb)
    assert result.partial and "再导出一次" in result.note
    assert sync.import_package(dist, result.path).blobs == 1
    assert [i.id for i in lifecycle.evidence_list(dist, case_id)] == [first]
    again = sync.export_package(school, "district", usb)  # not acknowledged yet: the same cut again
    assert again.partial and sync.import_package(dist, again.path).inserted == 0
    send(dist, CODE, school, usb)  # the acknowledgement
    rest = sync.export_package(school, "district", usb)
    assert not rest.partial
    assert sync.import_package(dist, rest.path).blobs == 1
    assert lifecycle.evidence_content(dist, second) == scan.read_bytes()
    assert dist.verify().ok
    monkeypatch.setattr(sync_export, "MAX_BLOB_BYTES", 10)  # a single attachment over the bound is refused
    lifecycle.attach_evidence(school, case_id, scan, caption="again")
    with pytest.raises(ValidationError, match="佐证材料共.*超过一个数据包的上限.*没有生成"):
        sync.export_package(school, "district", usb)


def test_verify_finds_an_attachment_changed_outside_the_program(store: Store, tmp_path: Path) -> None:
    _case_id, _evidence_id = case_with_photo(store, tmp_path)
    assert store.verify().ok
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE evidence_blobs SET content = ?", (b"\xff\xd8\xff\xe0 another photo",))
    result = store.verify()
    assert not result.ok and "家访照片.jpg" in result.message and "校验值不符" in result.message
