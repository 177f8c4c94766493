"""A district-sized store (100,000 cases), built once per benchmark session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services import accounts, demo, installation
from desktop_app.services.store import Store
from tests.conftest import SCHOOL
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin

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
    sign_in_admin(store)
    demo.load(store, BIG, seed=99)
    keep_key(store)
    store.close()
    return folder


KEY_FILE = "bench-store-key.hex"  # a generated benchmark store's key, kept beside it (no real data)


def keep_key(store: Store) -> None:
    """Keep the store key beside a benchmark store, so it opens again without a sign-in (no account's
    password hashing in the timings)."""
    (store.data_dir / KEY_FILE).write_text(store.key.hex() if store.key else "", encoding="ascii")


def store_key(folder: Path) -> bytes:
    return bytes.fromhex((folder / KEY_FILE).read_text(encoding="ascii"))


def open_signed_in(folder: Path) -> Store:
    """A benchmark store opened with its key and its administrator signed in."""
    store = Store.open(folder, user="bench", key=store_key(folder))
    accounts.sign_in(store, "周老师", ADMIN_PASSWORD)
    return store


@pytest.fixture
def big_store(big_store_dir: Path) -> Iterator[Store]:
    store = open_signed_in(big_store_dir)
    yield store
    store.close()
