"""Helpers for exchange tests: a district and schools in temporary folders, and a store dump."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from desktop_app.services import installation, lifecycle, server, sync
from desktop_app.services.store import Store
from tests.helpers.accounts import sign_in_admin
from tests.helpers.stores import iterdump, server_dump

DISTRICT = installation.InstallationInfo(
    kind=installation.DISTRICT, name="潼南区教育委员会", code="500152", contact_name="督导科",
)


# The district's store in the tests of both backends: None, the encrypted file; else a function giving
# the URL of a new empty PostgreSQL database (set per test by conftest's ``backend`` fixture).
DISTRICT_DATABASE: Callable[[], str] | None = None


def make_district(folder: Path, url: str | None = None) -> Store:
    """The district set up in ``folder``: its store on the server of ``url``, or in a database of its own
    when the test runs on PostgreSQL, else the encrypted file."""
    url = url or (DISTRICT_DATABASE() if DISTRICT_DATABASE else None)
    if url:
        from sqlalchemy import make_url

        store = server.connect(folder, server.ServerSettings.from_url(make_url(url)), user="督导员")
    else:
        store = Store.open(folder, user="督导员")
    installation.setup(store, DISTRICT)
    sign_in_admin(store, "督导员")
    return store


def make_school(folder: Path, district: Store, code: str, name: str, township: str, usb: Path) -> Store:
    """A school set up and enrolled at the district (its enrolment package imported)."""
    store = Store.open(folder, user="周老师")
    installation.setup(store, installation.InstallationInfo(
        kind=installation.SCHOOL, name=name, code=code, township_centre=township,
    ))
    sign_in_admin(store)
    enrol = sync.enrol(district, sync.SchoolInfo(code, name, township), usb)
    sync.import_package(store, enrol)
    return store


def dump(store: Store) -> list[str]:
    """Every row of the file as SQL text, to prove a refusal changed nothing (sign-ins left out: a command
    signs its account in, and that is recorded, before it is refused)."""
    if store.is_server:
        return [line for line in server_dump(store) if not is_sign_in(line)]
    raw = store.engine.raw_connection()
    try:
        return [line for line in iterdump(raw.driver_connection) if not is_sign_in(line)]
    finally:
        raw.close()


def is_sign_in(line: str) -> bool:
    """A dumped row an account's sign-in writes: the account's row (last sign-in) and its history event."""
    return line.startswith('INSERT INTO "accounts"') or (
        line.startswith('INSERT INTO "audit_log"') and "'accounts'" in line and "'登录'" in line)


def send(sender: Store, to: str, receiver: Store, usb: Path) -> sync.ImportResult:
    """Export and import; the receiver confirms the sender's fingerprint (from its 登记回执) on first contact."""
    result = sync.export_package(sender, to, usb)
    return sync.import_package(receiver, result.path, confirm=sync.own_fingerprint(sender))


def apply_for_deferral(school: Store, case_id: str) -> None:
    """N-11 at the school: a court ruling makes the case eligible; the township applies."""
    lifecycle.record_court_ruling(school, case_id, dt.date(2026, 10, 25), "潼南区人民法院", "(2026)渝0152民初1号", True)
    lifecycle.apply_deferral(school, case_id, "延缓入学", dt.date(2026, 10, 28), "米心镇人民政府")
