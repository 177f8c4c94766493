"""A district with three schools (A, B, C) set up, enrolled and exchanging through real packages on disk, for
the 移交 tests; a case at A with a persuasion log, a joint report and a photo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app.domain import handover as rules
from desktop_app.services import cases, handover, lifecycle
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.sync_helpers import make_district, make_school, send

A = ("5001520001", "米心镇中心小学", "米心镇")
B = ("5001520002", "双江镇中心小学", "双江镇")
C = ("5001520003", "古溪镇中心小学", "古溪镇")
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
TODAY = dt.date.today()
ASKED = dt.date(2026, 11, 2)


@dataclass
class World:
    district: Store
    a: Store
    b: Store
    c: Store
    usb: Path

    def round(self, *schools: Store) -> None:
        """The schools report to the district, then the district answers each of them."""
        for school in schools:
            send(school, "district", self.district, self.usb)
        for school in schools:
            inst = school.installation()
            assert inst is not None
            send(self.district, inst.code, school, self.usb)


def make_world(tmp_path: Path) -> Iterator[World]:
    """The world for a test (a generator: use it in a fixture with ``yield from``)."""
    usb = tmp_path / "usb"
    usb.mkdir()
    district = make_district(tmp_path / "district")
    schools = [make_school(tmp_path / code, district, code, name, town, usb) for code, name, town in (A, B, C)]
    w = World(district, *schools, usb=usb)
    w.round(w.a, w.b, w.c)  # keys exchanged both ways; the schools now hold the district's list of schools
    yield w
    for s in (district, *schools):
        s.close()


def a_case(w: World, tmp_path: Path) -> str:
    case_id = cases.save_form(w.a, full_form())
    photo = tmp_path / "家访照片.jpg"
    photo.write_bytes(PHOTO)
    first = lifecycle.evidence_owners(w.a, case_id)[1]
    lifecycle.attach_evidence(w.a, case_id, photo, owner_table=first[0], owner_id=first[1], caption="第一次家访")
    lifecycle.report_joint(w.a, case_id, dt.date(2026, 10, 21), "米心镇党委政府", "米心镇中心小学")
    return case_id


def hand_over(w: World, case_id: str) -> str:
    return handover.request_handover(w.a, case_id, rules.Request(B[0], ASKED, "家庭搬迁", "随父母搬到双江镇"))


