"""The demonstration district as a fixture: built once per module, copied for each test."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from database.lifecycle import EvidenceBlob
from desktop_app.services import accounts, encryption
from desktop_app.services.demo_district import load_district, setup_demo_district
from desktop_app.services.store import Store


@pytest.fixture(scope="module", name="demo_folder")
def demo_folder_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration district (three schools sent in by real packages), built once for the module."""
    folder = tmp_path_factory.mktemp("demo") / "district"
    store = Store.open(folder, user=accounts.DEMO_ADMIN)
    try:
        setup_demo_district(store)
        load_district(store, schools=3)
        # the bytes of an evidence scan (as a school's package brings them; binary, every byte value)
        content = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
        digest = hashlib.sha256(content).hexdigest()
        with store.write() as session:
            session.add(EvidenceBlob(sha256=digest, size=len(content), content=content, original_sha256=digest,
                                     original_size=len(content)))
    finally:
        store.close()
    return folder


@pytest.fixture(name="demo")
def demo_fixture(demo_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A copy of the demonstration district of this test's own, its administrator signed in."""
    folder = tmp_path / "district"
    shutil.copytree(demo_folder, folder)
    store = encryption.unlock(folder, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    monkeypatch.setenv("BAOXUE_USER", accounts.DEMO_ADMIN)
    monkeypatch.setenv("BAOXUE_PASSWORD", accounts.DEMO_PASSWORD)
    yield store
    store.close()
