"""Helpers for exchange tests: a district and schools in temporary folders, and a store dump."""

from __future__ import annotations

from pathlib import Path

from desktop_app.services import installation, sync
from desktop_app.services.store import Store

DISTRICT = installation.InstallationInfo(
    kind=installation.DISTRICT, name="潼南区教育委员会", code="500152", contact_name="督导科",
)


def make_district(folder: Path) -> Store:
    store = Store.open(folder, user="督导员")
    installation.setup(store, DISTRICT)
    return store


def make_school(folder: Path, district: Store, code: str, name: str, township: str, usb: Path) -> Store:
    """A school set up and enrolled at the district (its enrolment package imported)."""
    store = Store.open(folder, user="周老师")
    installation.setup(store, installation.InstallationInfo(
        kind=installation.SCHOOL, name=name, code=code, township_centre=township,
    ))
    enrol = sync.enrol(district, sync.SchoolInfo(code, name, township), usb)
    sync.import_package(store, enrol)
    return store


def dump(store: Store) -> list[str]:
    """Every row of the file as SQL text, to prove a refusal changed nothing."""
    raw = store.engine.raw_connection()
    try:
        return list(raw.driver_connection.iterdump())  # type: ignore[union-attr]
    finally:
        raw.close()


def send(sender: Store, to: str, receiver: Store, usb: Path) -> sync.ImportResult:
    result = sync.export_package(sender, to, usb)
    return sync.import_package(receiver, result.path)
