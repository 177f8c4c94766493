"""Speed of the district's supervision figures (census completion, home-teaching compliance) over
100 schools' synced rows: 300 census children and 3 home-teaching plans of 10 visits per school.

Run: ``.venv/bin/python -m pytest --benchmark-enable -p no:cacheprovider tests/benchmarks/test_district_bench.py``
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from database.care import HomeTeachingPlan, HomeTeachingSession
from database.census import ChildStatusRecord, RosterMember
from database.models import Semester, Student
from database.sync import Peer, RecordOwner
from desktop_app.services import district, home_teaching, semesters
from desktop_app.services.store import Store
from tests.sync_helpers import make_district


@pytest.fixture(scope="module")
def big_district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    d = make_district(Path(tmp_path_factory.mktemp("district")))
    semesters.set_dates(d, "2026秋", dt.date(2026, 9, 1), dt.date(2027, 1, 22))
    home_teaching.propose_calendar(d, "2026秋")
    with d.read() as s:
        sem_id = s.execute(select(Semester.id).where(Semester.name == "2026秋")).scalar_one()
    now = dt.datetime(2026, 11, 1)
    meta = dict(created_at=now, updated_at=now, updated_by="x", node_id="n", version=1)
    peers, students, members, statuses, plans, sessions, owners = [], [], [], [], [], [], []
    for k in range(100):
        node = str(uuid.uuid4())
        peers.append(dict(kind="school", code=f"21500{k:05d}", name=f"学校{k}", township=f"镇{k % 10}", node_id=node,
                          last_received_at=now))
        for i in range(300):
            sid = str(uuid.uuid4())
            students.append(dict(id=sid, name="某", sex="男", id_number=f"X{k}-{i}", birth_date=dt.date(2014, 1, 1),
                                 **meta))
            mid = str(uuid.uuid4())
            members.append(dict(id=mid, student_id=sid, kind="census", semester="", **meta))
            owners.append(dict(table_name="roster_members", record_id=mid, owner_node=node, origin_node=node))
            if i % 3:
                statuses.append(dict(id=str(uuid.uuid4()), student_id=sid, semester="2026秋", status="本校在读",
                                     checked_on=dt.date(2026, 9, 10), **meta))
            if i < 3:
                pid = str(uuid.uuid4())
                plans.append(dict(id=pid, student_id=sid, semester_id=sem_id, mode="送教上门", teachers="王", content="语文",
                                  weekday=1, hours_per_visit=2, start_date=dt.date(2026, 9, 1), voided=False, **meta))
                owners.append(dict(table_name="home_teaching_plans", record_id=pid, owner_node=node, origin_node=node))
                for w in range(10):
                    sessions.append(dict(id=str(uuid.uuid4()), plan_id=pid, student_id=sid,
                                         session_date=dt.date(2026, 9, 8) + dt.timedelta(weeks=w), class_hours=2,
                                         form="送文化", teachers="王", content="c", guardian_confirmed=True,
                                         guardian_name="g", photos="", voided=False, **meta))
    with d.engine.begin() as conn:
        for model, rows in ((Peer, peers), (Student, students), (RosterMember, members), (ChildStatusRecord, statuses),
                            (HomeTeachingPlan, plans), (HomeTeachingSession, sessions), (RecordOwner, owners)):
            conn.execute(insert(model), rows)
    yield d
    d.close()


def test_school_figures_for_100_schools(benchmark, big_district: Store) -> None:  # noqa: ANN001
    rows = benchmark(district.school_figures, big_district, dt.date(2026, 11, 20))
    assert len(rows) == 100
    assert str(rows[0].ratios["摸排完成率"]) == "66.7%（200/300）"
    assert rows[0].ratios["送教上门合规率"].done == 30
