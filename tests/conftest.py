"""Shared fixtures: a fresh data folder per test, a set-up school store, demo cases."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from desktop_app.services import installation  # noqa: E402
from desktop_app.services.store import Store  # noqa: E402
from tests import pg_cluster as pg_cluster_module  # noqa: E402
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin  # noqa: E402

SCHOOL = installation.InstallationInfo(
    kind=installation.SCHOOL, name="潼南区米心镇中心小学", code="2150022302",
    township_centre="米心教管中心", contact_name="周老师", contact_phone="023-44551234",
)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Benchmarks run only when asked for (--benchmark-enable or --benchmark-only)."""
    if "benchmarks" in collection_path.parts and not (
        config.getoption("benchmark_enable", False) or config.getoption("benchmark_only", False)
    ):
        return True
    return None


@pytest.fixture(autouse=True)
def _fresh_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test does touches the developer's real store or settings."""
    monkeypatch.setenv("BAOXUE_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture(autouse=True)
def _cheap_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its smallest cost in tests (the real cost takes about a second per hash)."""
    import nacl.pwhash.argon2id as argon2id
    from argon2 import PasswordHasher

    from desktop_app.services import accounts, backup

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(backup, "KDF_OPSLIMIT", argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(backup, "KDF_MEMLIMIT", argon2id.MEMLIMIT_MIN)


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pg_cluster_module.Cluster]:
    """One throw-away PostgreSQL cluster for the test session (skipped without PostgreSQL, except in CI)."""
    with pg_cluster_module.running_cluster(tmp_path_factory.mktemp("pg")) as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: pg_cluster_module.Cluster) -> Iterator[str]:
    """The SQLAlchemy URL of an empty PostgreSQL database of this test's own (dropped afterwards)."""
    url = pg_cluster.new_database()
    yield url
    pg_cluster.drop_database(url)


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module or test marked ``both_backends`` runs once with the district on the encrypted file and once
    with it on a PostgreSQL server (schools always keep their file)."""
    if metafunc.definition.get_closest_marker("both_backends") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where this test's districts keep their store: "sqlite" (the file), or "postgresql" (each an empty
    database of its own on the session's throw-away cluster, dropped afterwards), for ``make_district``."""
    from tests import sync_helpers

    name = str(getattr(request, "param", "sqlite"))
    made: list[str] = []
    if name == "postgresql":
        cluster: pg_cluster_module.Cluster = request.getfixturevalue("pg_cluster")

        def new_database() -> str:
            made.append(cluster.new_database())
            return made[-1]

        monkeypatch.setattr(sync_helpers, "DISTRICT_DATABASE", new_database)
    yield name
    for url in made:
        cluster.drop_database(url)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The set-up school with its administrator 周老师 signed in (baoxue-cli acts for the same account)."""
    s = Store.open(data_dir, user="周老师")
    installation.setup(s, SCHOOL)
    sign_in_admin(s)
    monkeypatch.setenv("BAOXUE_USER", "周老师")
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)
    yield s
    s.close()


@pytest.fixture
def empty_store(data_dir: Path) -> Iterator[Store]:
    s = Store.open(data_dir, user="周老师")
    yield s
    s.close()


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    """An empty folder standing for the USB stick packages travel on."""
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


@pytest.fixture
def pair(tmp_path: Path, usb: Path) -> Iterator[tuple[Store, Store]]:
    """(school, district): 米心镇中心小学 (2150022302) enrolled at the district, each in its own folder."""
    from tests.sync_helpers import make_district, make_school

    d = make_district(tmp_path / "district")
    s = make_school(tmp_path / "school", d, "2150022302", "米心镇中心小学", "米心镇", usb)
    yield s, d
    s.close()
    d.close()


class MessageLog:
    """What the program would have shown in message boxes during a test."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.answer = True
        self.written: list[Path] = []  # files the program said it wrote (Messages.written, shown as info)

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind in (None, k)]


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> MessageLog:
    """No real modal message box opens in a test; each is recorded and confirmations say yes."""
    from desktop_app.ui.widgets import Messages

    log = MessageLog()

    def record(kind: str):  # noqa: ANN202
        def show(_parent, title: str, text: str):  # noqa: ANN001, ANN202
            log.shown.append((kind, title, text))
            return log.answer if kind == "confirm" else None

        return staticmethod(show)

    for kind in ("error", "info", "confirm"):
        monkeypatch.setattr(Messages, kind, record(kind))

    def written(_parent, title: str, text: str, path: Path) -> None:  # noqa: ANN001
        log.shown.append(("info", title, text))
        log.written.append(Path(path))

    monkeypatch.setattr(Messages, "written", staticmethod(written))
    return log


@pytest.fixture(autouse=True)
def _background_work_finishes() -> Iterator[None]:
    """No worker thread outlives its test (it would read a store that is already closed)."""
    yield
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(30_000)
