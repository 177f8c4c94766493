"""Demonstration data for the district office: a handful of invented schools, each built as a real
school would be (its own data folder, cases, census, care, home teaching), enrolled at the district and
sent in by a real signed and encrypted package, so 区教委督导 shows what a district officer sees.

The schools' folders live only while loading (a temporary folder); only the district's store keeps data.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from database.models import Case
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.roles import Role
from desktop_app.services import demo, installation, lifecycle, sync
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Actor, Store

#: (code, name, township): invented schools of Tongnan's townships (10-digit codes of the demo range).
SCHOOLS: tuple[tuple[str, str, str], ...] = (
    ("2150022311", "潼南区米心镇中心学校（演示）", "米心镇"),
    ("2150022312", "潼南区双江镇中心学校（演示）", "双江镇"),
    ("2150022313", "潼南区五桂镇中心学校（演示）", "五桂镇"),
    ("2150022314", "潼南区古溪镇中心学校（演示）", "古溪镇"),
    ("2150022315", "潼南区宝龙镇中心学校（演示）", "宝龙镇"),
    ("2150022316", "潼南区太安镇中心学校（演示）", "太安镇"),
    ("2150022317", "潼南区柏梓镇中心学校（演示）", "柏梓镇"),
    ("2150022318", "潼南区塘坝镇中心学校（演示）", "塘坝镇"),
)

Progress = Callable[[int, int, str], object]

DEMO_DISTRICT = installation.InstallationInfo(
    kind=installation.DISTRICT, name="潼南区教育委员会（演示）", code="500152", contact_name="督导科（演示）",
    contact_phone="023-44551000",
)


def setup_demo_district(store: Store) -> None:
    """An empty store becomes the demonstration district office, its administrator signed in."""
    from desktop_app.services import accounts

    installation.setup(store, DEMO_DISTRICT)
    accounts.create_first_admin(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD, display_name="演示管理员")
    accounts.sign_in(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)


def load_district(store: Store, schools: int = 6, seed: int = 2029, progress: Progress | None = None,
                  today: dt.date | None = None) -> int:
    """Build ``schools`` demonstration schools and import their packages at this district office.

    Each school has between 15 and 45 cases, a census roster with enrolment rosters, special students
    and one child taught at home; some have a deferral application (N-11) waiting for the district's
    decision. Of five or more, the last is enrolled but has sent no package yet. Schools already
    enrolled here are skipped. Returns the number of schools added.

    Raises:
        ValidationError: this installation is not a district office.
    """
    require(store, Permission.LOAD_DEMO)
    inst = store.installation()
    if inst is None or inst.kind != installation.DISTRICT:
        raise ValidationError("区教委演示数据只能载入区教委的数据文件夹")
    known = {p.code for p in sync.peers(store)}
    todo = [s for s in SCHOOLS[:max(0, min(schools, len(SCHOOLS)))] if s[0] not in known]
    rng = random.Random(seed)
    added = 0
    with tempfile.TemporaryDirectory(prefix="baoxue-demo-") as folder:
        usb = Path(folder) / "usb"
        usb.mkdir()
        for i, (code, name, township) in enumerate(todo):
            if progress:
                progress(i, len(todo), name)
            if i == len(todo) - 1 and len(todo) >= 5:  # enrolled, but has sent nothing yet: the district sees it
                sync.enrol(store, sync.SchoolInfo(code, name, township), usb)
            else:
                _one_school(store, Path(folder) / code, usb, code, name, township, rng, today)
            added += 1
    if progress:
        progress(len(todo), len(todo), "")
    return added


def _one_school(district: Store, folder: Path, usb: Path, code: str, name: str, township: str,
                rng: random.Random, today: dt.date | None) -> None:
    school = Store.open(folder, user="演示学校")
    school.act_as(Actor.for_task("生成演示学校", Role.ADMIN, "演示学校"))  # no person: the program builds it
    try:
        installation.setup(school, installation.InstallationInfo(
            kind=installation.SCHOOL, name=name, code=code, township_centre=f"{township}教管中心",
            contact_name="演示联系人", contact_phone="023-44551234",
        ))
        sync.import_package(school, sync.enrol(district, sync.SchoolInfo(code, name, township), usb))
        demo.load(school, rng.randint(15, 45), seed=rng.randint(1, 10_000))
        demo.load_census(school, rng.randint(150, 300), seed=rng.randint(1, 10_000), today=today)
        demo.load_care(school, seed=rng.randint(1, 10_000), today=today)
        if rng.random() < 0.6:
            _deferral_application(school, rng, today or dt.date.today())
        # The district confirms the fingerprint of the school's 登记回执 (here: read from the school itself).
        sync.import_package(district, sync.export_package(school, "district", usb).path,
                            confirm=sync.own_fingerprint(school))
    finally:
        school.close()


def _deferral_application(school: Store, rng: random.Random, today: dt.date) -> None:
    """A case under joint persuasion that the township applies to defer (a court ruling found the guardian
    had done their duty, which makes it eligible): the district decides."""
    with school.read() as session:
        open_cases = session.execute(
            select(Case.id).where(Case.status == CaseStatus.JOINT.value).order_by(Case.id)
        ).scalars().all()
    if not open_cases:
        return
    case_id = rng.choice(open_cases)
    ruling = today - dt.timedelta(days=rng.randint(5, 20))
    lifecycle.record_court_ruling(school, case_id, ruling, "潼南区人民法院", f"(2026)渝0152民初{rng.randint(1, 900)}号",
                                  True)
    lifecycle.apply_deferral(school, case_id, "延缓入学", min(today, ruling + dt.timedelta(days=3)),
                             "镇人民政府")
