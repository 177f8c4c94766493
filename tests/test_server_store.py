"""The district's store on a PostgreSQL server: set-up, opening from several PCs, the same migrations,
concurrent writers keeping one history chain, and one package imported once when two PCs import it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, make_url, select

import database.all_models  # noqa: F401 - every table on Base.metadata
from database import engine as db
from database.models import AuditEntry, Base
from database.sync import PackageRecord
from desktop_app import cli
from desktop_app.domain.errors import SignInError, StoreError, ValidationError
from desktop_app.services import (
    accounts,
    cases,
    demo_district,
    district,
    encryption,
    installation,
    lifecycle,
    matching,
    server,
    settings,
    sync,
    todo,
)
from desktop_app.services.store import Store
from tests import pg_cluster as pgc
from tests.factories import full_form
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin
from tests.sync_helpers import DISTRICT, make_district, make_school

CODE = "2150022302"


def test_an_empty_database_upgraded_to_head_matches_the_models(pg_url: str) -> None:
    engine = db.make_server_engine(pg_url)
    try:
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            assert db.has_table(conn, "audit_log")
    finally:
        engine.dispose()


def test_cli_sets_up_a_district_on_the_server_and_a_second_pc_signs_in(
        tmp_path: Path, pg_cluster: pgc.Cluster, pg_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = make_url(pg_url)
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)
    first = tmp_path / "pc1"
    assert cli.main(["--data-dir", str(first), "setup", "district", "--code", "500152", "--name", "潼南区教育委员会",
                     "--admin", "督导员", "--server", str(url.query["host"]), "--database", str(url.database),
                     "--db-user", pgc.SUPERUSER]) == 0
    out = capsys.readouterr().out
    assert "数据库：postgresql+psycopg://baoxue@/" in out
    assert not (first / "baoxue.sqlite3").exists()  # the ledger is on the server, not in a file
    saved = json.loads((first / server.SERVER_FILE).read_text(encoding="utf-8"))
    assert saved["database"] == url.database and saved["password"] == ""
    # the same folder opens the server again (the saved settings), signed in with the account
    assert cli.main(["--data-dir", str(first), "--user", "督导员", "verify"]) == 0
    assert "校验通过" in capsys.readouterr().out
    # another PC of the office: only the URL, a data folder of its own; the account made on PC 1 signs in
    second = tmp_path / "pc2"
    assert cli.main(["--data-dir", str(second), "--database-url", pg_url, "--user", "督导员", "verify"]) == 0
    assert "校验通过" in capsys.readouterr().out
    assert not (second / "baoxue.sqlite3").exists()


def test_the_saved_password_is_sealed_with_the_installations_key(tmp_path: Path) -> None:
    key, other = b"k" * 32, b"o" * 32
    settings_ = server.ServerSettings("192.168.1.10", 5432, "baoxue", "duban", "Secret-2026")
    server.save(tmp_path, settings_, key)
    text = (tmp_path / server.SERVER_FILE).read_text(encoding="utf-8")
    assert "Secret-2026" not in text and "192.168.1.10" in text
    assert server.load(tmp_path, key) == settings_
    with pytest.raises(StoreError, match="无法解开"):
        server.load(tmp_path, other)
    with pytest.raises(StoreError, match="请先用账户和密码登录"):
        server.load(tmp_path, None)
    server.rewrap(tmp_path, key, other)  # a new recovery key: the password sealed anew
    assert server.load(tmp_path, other) == settings_


@pytest.mark.parametrize(("fields", "message"), [
    (("", 5432, "baoxue", "duban"), "请填写数据库服务器地址"),
    (("10.0.0.5", 70000, "baoxue", "duban"), "端口号 70000 不正确"),
    (("10.0.0.5/db", 5432, "baoxue", "duban"), "只填写主机名或 IP 地址"),
    (("10.0.0.5", 5432, "", "duban"), "请填写数据库名称"),
])
def test_set_up_refuses_a_malformed_server_in_one_line(fields: tuple[str, int, str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        server.validate(server.ServerSettings(*fields))


def test_a_wrong_url_or_an_unreachable_server_is_one_chinese_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_cluster: pgc.Cluster) -> None:
    assert cli.main(["--data-dir", str(tmp_path / "a"), "--database-url", "mysql://x@y/z", "verify"]) == 1
    assert capsys.readouterr().err.strip() == (
        "错误：数据库地址“mysql://x@y/z”不是 PostgreSQL 数据库：应为 postgresql://用户@服务器:5432/数据库")
    missing = pg_cluster.url("no_such_database")
    assert cli.main(["--data-dir", str(tmp_path / "b"), "--database-url", missing, "verify"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：无法连接数据库服务器") and "服务器上没有这个数据库" in err
    assert "Traceback" not in err


def test_a_school_never_keeps_its_ledger_on_a_server(tmp_path: Path, pg_url: str) -> None:
    from tests.conftest import SCHOOL

    store = Store.open(tmp_path / "s", url=pg_url)
    try:
        with pytest.raises(ValidationError, match="学校的台账始终是本机的加密文件"):
            installation.setup(store, SCHOOL)
        assert store.installation() is None
    finally:
        store.close()


def second_pc(folder: Path, url: str) -> Store:
    """Another PC of the district office: a data folder of its own, the same database, signed in with the
    account made on the first PC (its key slot is written from the server's accounts on opening)."""
    return encryption.unlock(folder, "督导员", ADMIN_PASSWORD) if (folder / "baoxue.keys").exists() else \
        _open_and_sign_in(folder, url)


def _open_and_sign_in(folder: Path, url: str) -> Store:
    store = Store.open(folder, url=url)
    store.act_as(accounts.sign_in(store, "督导员", ADMIN_PASSWORD))
    return store


def _chain_ok(store: Store) -> None:
    result = store.verify()
    assert result.ok, result.message


def test_two_staff_writing_at_the_same_moment_keep_one_history_chain(tmp_path: Path, pg_url: str) -> None:
    d1 = make_district(tmp_path / "pc1", pg_url)
    d2 = second_pc(tmp_path / "pc2", pg_url)
    key = sync.STALE_DAYS.key
    settings.put(d1, key, 5)
    with d1.read() as s:
        before = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def staff(store: Store, values: range) -> None:
        try:
            start.wait()
            for v in values:
                settings.put(store, key, v)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=staff, args=(d1, range(10, 40))),
               threading.Thread(target=staff, args=(d2, range(100, 130)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert errors == []
        with d1.read() as s:
            after = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
            hashes = s.execute(select(AuditEntry.prev_hash)).scalars().all()
        assert after - before == 60  # every write present
        assert len(hashes) == len(set(hashes))  # no two rows chained to the same one: no fork
        _chain_ok(d1)
        _chain_ok(d2)
    finally:
        d1.close()
        d2.close()


def test_two_pcs_importing_the_same_package_at_once_import_it_once(tmp_path: Path, usb: Path, pg_url: str) -> None:
    d1 = make_district(tmp_path / "pc1", pg_url)
    school = make_school(tmp_path / "school", d1, CODE, "米心镇中心小学", "米心镇", usb)
    d2 = second_pc(tmp_path / "pc2", pg_url)
    try:
        cases.save_form(school, full_form())
        path = sync.export_package(school, "district", usb).path
        fingerprint = sync.own_fingerprint(school)
        outcomes: list[object] = []
        start = threading.Barrier(2)

        def pc(store: Store) -> None:
            start.wait()
            try:
                outcomes.append(sync.import_package(store, path, confirm=fingerprint))
            except sync.PackageRefused as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=pc, args=(s,)) for s in (d1, d2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        imported = [o for o in outcomes if isinstance(o, sync.ImportResult)]
        refused = [o for o in outcomes if isinstance(o, sync.AlreadyImported)]
        assert (len(imported), len(refused)) == (1, 1), outcomes
        assert "已导入过" in str(refused[0])
        with d1.read() as s:
            records = s.execute(select(PackageRecord).where(PackageRecord.direction == "received")).scalars().all()
        assert [(r.peer_code, r.number) for r in records] == [(CODE, 1)]
        assert imported[0].inserted > 0  # type: ignore[attr-defined]
        _chain_ok(d1)
    finally:
        for s in (school, d1, d2):
            s.close()


def test_the_unique_index_refuses_a_package_recorded_twice(pg_url: str) -> None:
    engine = db.make_server_engine(pg_url)
    try:
        db.upgrade(engine)
        row = {"direction": "received", "peer_code": CODE, "number": 1, "file_name": "a.bxpkg", "seq_from": 0,
               "seq_to": 5, "records": 1, "ack_seq": 0, "sha256": "ab" * 32}
        from sqlalchemy import insert
        from sqlalchemy.exc import IntegrityError

        with engine.begin() as conn:
            conn.execute(insert(PackageRecord), [row])
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(PackageRecord), [row])
        with engine.begin() as conn:  # the same number again after the sender restored a backup: other contents
            conn.execute(insert(PackageRecord), [{**row, "sha256": "cd" * 32}])
    finally:
        engine.dispose()


def test_sqlite_engine_unchanged_for_a_url_free_store(tmp_path: Path) -> None:
    assert not db.is_server_url("sqlite:///x") and db.is_server_url("postgresql://a@b/c")
    engine = create_engine("sqlite://")
    assert not db.is_server(engine)


def _district_view(store: Store, today: dt.date) -> dict[str, object]:
    """What the district's staff see: the supervision figures per school, the overview, the ledger count,
    全区联查's summary and the to-do list (without times and ids that differ between two builds)."""
    figures = [(f.code, f.name, f.township, f.open_cases, f.new_this_month, f.closed_this_month, f.extra,
                {k: (r.done, r.total) for k, r in f.ratios.items()}, f.stale)
               for f in district.school_figures(store, today)]
    ov = lifecycle.overview(store, today)
    match = matching.run_match(store, today=today)
    return {
        "figures": figures, "township": [(t.township, t.schools, t.open_cases) for t in
                                         district.township_figures(district.school_figures(store, today))],
        "overview": (ov.open_count, ov.deferred_count, ov.by_status, ov.new_semester, ov.closed_semester,
                     ov.new_month, ov.closed_month, ov.by_reason, ov.by_grade, ov.trend),
        "ledger": district.ledger_count(store, cases.LedgerQuery()),
        "match": (match.found, match.not_found, match.duplicates, match.compared),
        # which child's deferral the demo applies for depends on random ids: the kinds and schools are compared
        "todo": sorted((t.kind, t.title.split("）")[0]) for t in todo.collect(store, today)),
    }


def test_the_demo_district_shows_the_same_figures_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    today = dt.date(2026, 11, 20)
    views = []
    for folder, url in ((tmp_path / "file", None), (tmp_path / "server", pg_url)):
        store = make_district(folder, url) if url else Store.open(folder, user="督导员")
        try:
            if url is None:
                installation.setup(store, DISTRICT)
                sign_in_admin(store, "督导员")
            demo_district.load_district(store, schools=3, seed=2029, today=today)
            views.append(_district_view(store, today))
            assert store.verify().ok
        finally:
            store.close()
    file_view, server_view = views
    assert file_view["figures"] and file_view["ledger"]
    assert server_view == file_view


def test_the_support_sql_command_on_the_server_reads_only_unless_write(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "d"
    make_district(folder, pg_url).close()
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(["--data-dir", str(folder), "--user", "督导员", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, err = run("sql", "SELECT name, code FROM installation")
    assert code == 0, err
    assert "潼南区教育委员会" in out and "500152" in out and "（共1行）" in out
    code, _out, err = run("sql", "UPDATE installation SET name = '篡改'")
    assert code == 1 and "只读方式下不执行" in err
    code, _out, err = run("sql", "SELECT 1; UPDATE installation SET name = '篡改'")
    assert code == 1 and "一次只能执行一条SQL语句" in err
    code, out, err = run("sql", "--write", "UPDATE installation SET contact_name = '改过'")
    assert code == 0, err
    assert "影响1行" in out
    code, out, _err = run("sql", "SELECT name, contact_name FROM installation WHERE name LIKE '%教育%'")
    assert "潼南区教育委员会" in out and "改过" in out  # a % in the text is the statement's own


def test_the_server_can_come_from_a_libpq_service_file(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = make_url(pg_url)
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[baoxue]\nhost={url.query['host']}\ndbname={url.database}\nuser={url.username}\n",
                        encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv(server.URL_ENV, "postgresql:///?service=baoxue")
    store = make_district(tmp_path / "d", "postgresql:///?service=baoxue")
    try:
        assert store.is_server and store.installation().code == "500152"
        assert "service=baoxue" in store.location
    finally:
        store.close()
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)
    assert cli.main(["--data-dir", str(tmp_path / "other-pc"), "--user", "督导员", "verify"]) == 0
    assert "校验通过" in capsys.readouterr().out


def test_an_account_made_on_another_pc_signs_in_here_after_a_known_one_opened_it(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    d1 = make_district(tmp_path / "pc1", pg_url)
    monkeypatch.setenv(server.URL_ENV, pg_url)  # PC 2 names the server as baoxue-cli --database-url does
    d2 = second_pc(tmp_path / "pc2", pg_url)  # PC 2 knows the office's accounts of now
    d2.close()
    accounts.create_account(d1, "zhang", "Duxue-2026-x", "supervisor", display_name="张督学")
    d1.close()
    with pytest.raises(SignInError, match="还没有在本机登录过"):
        encryption.unlock(tmp_path / "pc2", "zhang", "Duxue-2026-x")
    encryption.unlock(tmp_path / "pc2", "督导员", ADMIN_PASSWORD).close()  # a known account opens it once
    store = encryption.unlock(tmp_path / "pc2", "zhang", "Duxue-2026-x")
    try:
        assert store.account.user_name == "zhang"
    finally:
        store.close()


def test_a_connection_the_server_dropped_while_it_rested_is_replaced_unnoticed(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from database import postgres

    d = make_district(tmp_path / "pc1", pg_url)
    try:
        settings.put(d, sync.STALE_DAYS.key, 5)
        monkeypatch.setattr(postgres, "PING_AFTER_IDLE", 0.0)  # every pooled connection has rested long enough
        admin = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"))
        with admin.connect() as conn:  # the server (restarted, or an idle timeout) ends the program's sessions
            dropped = conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'baoxue' AND pid <> pg_backend_pid()").scalar_one()
        admin.dispose()
        assert dropped >= 1
        settings.put(d, sync.STALE_DAYS.key, 6)  # a write and a read through fresh connections, no error
        assert settings.get(d, sync.STALE_DAYS.key) == 6
    finally:
        d.close()
