"""The throw-away PostgreSQL cluster the server-store tests run on (tests/pg_cluster.py)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests import pg_cluster


def test_each_test_gets_an_empty_database_of_its_own(pg_cluster: pg_cluster.Cluster, pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
            assert int(version) >= 140000  # PostgreSQL 14 or newer
            tables = conn.execute(sa.text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")).scalar_one()
            assert tables == 0
            conn.execute(sa.text("CREATE TABLE t (x text)"))
            conn.execute(sa.text("INSERT INTO t VALUES ('张三')"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT x FROM t")).scalar_one() == "张三"
    finally:
        engine.dispose()
    other = pg_cluster.new_database()
    try:
        assert other != pg_url
    finally:
        pg_cluster.drop_database(other)


def test_the_server_never_runs_as_root(pg_cluster: pg_cluster.Cluster) -> None:
    owner = os.stat(pg_cluster.data).st_uid
    assert owner != 0
    assert (pg_cluster.user is not None) == (os.geteuid() == 0)


def test_ci_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL"):
        pg_cluster.unavailable("PostgreSQL is not installed")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="install.sh --test"):
        pg_cluster.unavailable("PostgreSQL is not installed")
