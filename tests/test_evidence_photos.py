"""Evidence photos are reduced on attach (long side at most 2000 px, JPEG ~85), PDFs kept as they
are, and the record keeps the original's SHA-256 and size beside the stored file's."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from database.lifecycle import EvidenceBlob, EvidenceFile
from desktop_app.domain.errors import ValidationError
from desktop_app.services import cases, lifecycle
from desktop_app.services.store import Store
from tests.factories import full_form


def _photo(path: Path, size: tuple[int, int], fmt: str = "JPEG") -> bytes:
    """A picture with a phone photo's noise (detail everywhere), so neither format makes it tiny."""
    noise = Image.frombytes("L", (size[0] // 4, size[1] // 4), os.urandom(size[0] * size[1] // 16))
    image = Image.merge("RGB", (noise, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise))
    image = image.resize(size, Image.Resampling.BILINEAR)
    image.save(path, fmt, quality=95)
    return path.read_bytes()


class _Row:
    """An evidence record with what its stored bytes say about the original."""

    def __init__(self, row: EvidenceFile, blob: EvidenceBlob) -> None:
        self.file_name, self.media_type, self.sha256, self.size = row.file_name, row.media_type, row.sha256, row.size
        self.original_sha256, self.original_size = blob.original_sha256, blob.original_size


def _row(store: Store, evidence_id: str) -> tuple[_Row, bytes]:
    with store.read() as session:
        row = session.get(EvidenceFile, evidence_id)
        blob = session.get(EvidenceBlob, row.sha256)
        return _Row(row, blob), blob.content


def test_a_4000x3000_photo_is_stored_reduced_with_both_digests(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    original = _photo(tmp_path / "家访照片.jpg", (4000, 3000))
    evidence_id = lifecycle.attach_evidence(store, case_id, tmp_path / "家访照片.jpg")
    row, stored = _row(store, evidence_id)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (2000, 1500)
    assert row.original_sha256 == hashlib.sha256(original).hexdigest() and row.original_size == len(original)
    assert row.sha256 == hashlib.sha256(stored).hexdigest() and row.size == len(stored) < len(original)
    assert row.sha256 != row.original_sha256
    assert lifecycle.evidence_list(store, case_id)[0].size == len(stored)
    assert store.verify().ok


def test_a_large_png_photo_becomes_a_jpeg_even_above_the_size_limit(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    assert len(_photo(tmp_path / "证明.png", (3000, 2400), "PNG")) > 10 * 1024 * 1024  # the setting's limit
    row, stored = _row(store, lifecycle.attach_evidence(store, case_id, tmp_path / "证明.png"))
    assert row.file_name == "证明.jpg" and row.media_type == "image/jpeg"
    assert max(Image.open(io.BytesIO(stored)).size) == 2000


def test_a_large_png_of_a_page_stays_a_png_when_that_is_smaller(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    page = Image.new("L", (2480, 3508), 255)  # a white A4 page at 300 dpi with a line of ink
    page.paste(0, (200, 400, 2200, 410))
    page.save(tmp_path / "扫描.png", "PNG")
    row, stored = _row(store, lifecycle.attach_evidence(store, case_id, tmp_path / "扫描.png"))
    assert row.file_name == "扫描.png" and Image.open(io.BytesIO(stored)).size == (1414, 2000)


def test_small_photos_and_pdfs_are_kept_as_they_are(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    small = _photo(tmp_path / "小.jpg", (1600, 1200))
    row, stored = _row(store, lifecycle.attach_evidence(store, case_id, tmp_path / "小.jpg"))
    assert stored == small and row.original_sha256 == row.sha256 and row.original_size == row.size
    pdf = b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n"
    (tmp_path / "判决书.pdf").write_bytes(pdf)
    row, stored = _row(store, lifecycle.attach_evidence(store, case_id, tmp_path / "判决书.pdf"))
    assert stored == pdf and row.original_sha256 == hashlib.sha256(pdf).hexdigest()


def test_a_picture_that_cannot_be_decoded_is_kept_as_it_is(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    odd = b"\xff\xd8\xff" + b"a JPEG variant" * 100
    (tmp_path / "奇怪.jpg").write_bytes(odd)
    row, stored = _row(store, lifecycle.attach_evidence(store, case_id, tmp_path / "奇怪.jpg"))
    assert stored == odd and row.original_sha256 == row.sha256


def test_a_truncated_large_photo_is_refused_in_chinese(store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    whole = _photo(tmp_path / "整.jpg", (4000, 3000))
    (tmp_path / "断.jpg").write_bytes(whole[: len(whole) // 3])
    with pytest.raises(ValidationError, match="无法读取图片“断.jpg”"):
        lifecycle.attach_evidence(store, case_id, tmp_path / "断.jpg")
    assert lifecycle.evidence_list(store, case_id) == []
