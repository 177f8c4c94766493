"""A district-sized store (100,000 cases), built once per benchmark session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services import demo, installation
from desktop_app.services.store import Store
from tests.conftest import SCHOOL

BIG = 100_000


@pytest.fixture(scope="session")
def big_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    prebuilt = os.environ.get("BAOXUE_BENCH_BIG_STORE")  # a folder made earlier the same way: copied, not rebuilt
    if prebuilt:
        shutil.copytree(prebuilt, folder, dirs_exist_ok=True)
        return folder
    store = Store.open(folder, user="bench")
    installation.setup(store, SCHOOL)
    demo.load(store, BIG, seed=99)
    store.close()
    return folder


@pytest.fixture
def big_store(big_store_dir: Path) -> Iterator[Store]:
    store = Store.open(big_store_dir, user="bench")
    yield store
    store.close()
