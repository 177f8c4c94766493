"""Generated district stores for the full-size server benchmarks, built once and kept for later runs.

A full-size store takes minutes to build (500,000 cases; 1,000,000 children), so each is built in a
cache folder (``BAOXUE_BENCH_CACHE``, default the system's temporary folder) named by its size, and a
benchmark works on a copy of it. The rows are inserted with Core ``insert`` in batches (executemany on
SQLite), school by school, so the generator's memory stays small at any size. Every name and identity
number is invented (identity numbers with a valid check digit where matching needs them).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from database.census import ChildStatusRecord, ReturnCheck, RosterMember
from database.models import Case, Student
from database.sync import Peer, RecordOwner
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.names import name_initials, name_pinyin
from desktop_app.services import encryption
from desktop_app.services.store import Store
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.sync_helpers import make_district

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢唐许冯宋邓韩曹彭曾萧田董潘袁蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "子梓浩宇轩欣怡雨涵思博文俊杰佳琪明晨阳洋雪婷诗涛鑫磊静丽娟强伟芳敏霞平刚勇毅然嘉豪一诺若曦"
BATCH = 20_000
DISTRICT_USER = "督导员"


def cache_root() -> Path:
    return Path(os.environ.get("BAOXUE_BENCH_CACHE") or tempfile.gettempdir())


def cached_store(name: str, build: Callable[[Path], None], into: Path) -> Store:
    """A copy in ``into`` of the district store ``name`` from the cache (built by ``build(folder)`` the first
    time), unlocked and signed in as the district's administrator."""
    cached = cache_root() / name
    if not (cached / "done").exists():
        shutil.rmtree(cached, ignore_errors=True)
        build(cached)
        (cached / "done").write_text("built\n", encoding="ascii")
    shutil.copytree(cached, into, ignore=shutil.ignore_patterns("done", "backups"))
    return encryption.unlock(into, DISTRICT_USER, ADMIN_PASSWORD)


class Batches:
    """Rows per model, inserted in batches of ``BATCH`` as they fill up (one transaction per flush)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.pending = 0

    def add(self, model: Any, values: dict[str, Any]) -> None:
        self.rows.setdefault(model, []).append(values)
        self.pending += 1
        if self.pending >= 5 * BATCH:
            self.flush()

    def flush(self) -> None:
        with self.store.engine.begin() as conn:
            for model, values in self.rows.items():  # models in the order first added: parents first
                for start in range(0, len(values), BATCH):
                    conn.execute(insert(model), values[start:start + BATCH])
        self.rows = {model: [] for model in self.rows}
        self.pending = 0


@functools.lru_cache(maxsize=200_000)
def _spelling(name: str) -> tuple[str, str]:
    return name_initials(name), name_pinyin(name)


def build_ledger(folder: Path, cases: int, schools: int = 300) -> None:
    """The district with ``cases`` cases of ``schools`` schools (one child each), as their packages left them."""
    rng = random.Random(19)
    d = make_district(folder)
    now = dt.datetime(2026, 10, 1)
    meta = {"created_at": now, "updated_at": now, "updated_by": "x", "node_id": "n", "version": 1}
    out = Batches(d)
    nodes = [str(uuid.uuid4()) for _ in range(schools)]
    for k, node in enumerate(nodes):
        out.add(Peer, {"kind": "school", "code": f"50015{k:05d}", "name": f"学校{k}", "township": f"镇{k % 30}",
                       "node_id": node, "last_received_at": now})
    statuses = ("疑似辍学", "劝返中", "联合劝返", "已复学", "已销号")
    for i in range(cases):
        node = nodes[i % schools]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        initials, pinyin = _spelling(name)
        sid, cid = str(uuid.uuid4()), str(uuid.uuid4())
        birth = dt.date(2010 + i % 8, 1 + i % 12, 1 + i % 28)
        out.add(Student, {"id": sid, "name": name, "name_initials": initials, "name_pinyin": pinyin,
                          "sex": "男" if i % 2 else "女", "id_number": make_id_number("500223", birth, i % 1000),
                          "birth_date": birth, "hukou_township": f"镇{i % 30}", "village": f"村{i % 200}",
                          "guardian1_phone": f"139{i:08d}", **meta})
        opened = dt.date(2025, 9, 1) + dt.timedelta(days=i % 400)
        out.add(Case, {"id": cid, "student_id": sid, "status": statuses[i % 5], "fill_date": opened,
                       "opened_on": opened, "grade": f"{1 + i % 9}年级", "attempt_count": i % 7, "voided": i % 97 == 0,
                       **({"closed_on": opened + dt.timedelta(days=30)} if i % 5 == 4 else {}), **meta})
        out.add(RecordOwner, {"table_name": "cases", "record_id": cid, "owner_node": node, "origin_node": node})
        out.add(RecordOwner, {"table_name": "students", "record_id": sid, "owner_node": node, "origin_node": node})
    out.flush()
    with d.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    d.close()


class Person:
    """An invented child: a valid identity number, a name, a birth date, a guardian."""

    __slots__ = ("birth", "guardian", "name", "number", "sex")

    def __init__(self, i: int, rng: random.Random) -> None:
        self.birth = dt.date(2011, 1, 1) + dt.timedelta(days=i % 3000)
        self.number = make_id_number("500223", self.birth, (i // 3000) % 1000)
        self.sex = "男" if int(self.number[16]) % 2 else "女"
        surname = rng.choice(SURNAMES)
        self.name = surname + rng.choice(GIVEN) + rng.choice(GIVEN)
        self.guardian = surname + rng.choice(GIVEN) + rng.choice(GIVEN)


def best(fn: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    """(the best time of ``runs`` after one warm-up, the last result)."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


SEM, SPRING = "2026秋", "2026春"


def build_matching(folder: Path, schools: int) -> None:
    """The district of the matching benchmark (``test_matching_bench``) with ``schools`` schools: per school
    1,000 census children (70% checked at home, 15% enrolled at the next school, 15% nowhere), 100 小升初
    leavers (90% in grade 7 at the next school), 20 return checks, 10 open cases (one child with a case at
    the next school too) and a roster filled up to 1,000 enrolled students: 2,131 children a school."""
    rng = random.Random(16)
    d = make_district(folder)
    now = dt.datetime(2026, 10, 1)
    meta = {"created_at": now, "updated_at": now, "updated_by": "x", "node_id": "n", "version": 1}
    out = Batches(d)
    nodes = [str(uuid.uuid4()) for _ in range(schools)]
    people = iter(range(10**8))

    def student(p: Person, *, numbered: bool = True) -> str:
        sid = str(uuid.uuid4())
        out.add(Student, {"id": sid, "name": p.name, "sex": p.sex, "id_number": p.number if numbered else "",
                          "birth_date": p.birth, "guardian1_name": p.guardian, **meta})
        return sid

    def owned(model: Any, node: str, values: dict[str, Any]) -> None:
        rid = str(uuid.uuid4())
        out.add(model, {"id": rid, **values, **meta})
        out.add(RecordOwner, {"table_name": model.__tablename__, "record_id": rid, "owner_node": node,
                              "origin_node": node})

    def enrol(node: str, p: Person, semester: str, grade: str, *, numbered: bool = True) -> str:
        sid = student(p, numbered=numbered)
        owned(RosterMember, node, {"student_id": sid, "kind": "enrolled", "semester": semester, "grade": grade,
                                   "voided": False})
        return sid

    for k, node in enumerate(nodes):
        out.add(Peer, {"kind": "school", "code": f"50015{k:05d}", "name": f"学校{k}", "township": f"镇{k % 10}",
                       "node_id": node, "last_received_at": now})
    enrolled = [0] * schools
    for k, node in enumerate(nodes):
        other = nodes[(k + 1) % schools]
        for i in range(1_000):
            p = Person(next(people), rng)
            sid = student(p)
            owned(RosterMember, node, {"student_id": sid, "kind": "census", "semester": "", "grade": "",
                                       "voided": False})
            if i % 20 < 14:
                owned(ChildStatusRecord, node, {"student_id": sid, "semester": SEM, "status": "本校在读",
                                                "checked_on": dt.date(2026, 9, 10)})
            elif i % 20 < 17:
                enrol(other, p, SEM, "五年级", numbered=i % 40 != 15)
                enrolled[(k + 1) % schools] += 1
        for i in range(100):
            p = Person(next(people), rng)
            enrol(node, p, SPRING, "六年级")
            if i % 10:
                enrol(other, p, SEM, "七年级", numbered=i % 25 != 1)
                enrolled[(k + 1) % schools] += 1
        for i in range(20):
            p = Person(next(people), rng)
            sid = enrol(node, p, SPRING, "八年级")
            owned(ReturnCheck, node, {"student_id": sid, "semester": SEM, "result": "转学" if i % 2 else "未返校",
                                      "checked_on": dt.date(2026, 9, 5)})
            if i % 4 < 2:
                enrol(other, p, SEM, "八年级")
                enrolled[(k + 1) % schools] += 1
        for i in range(10):
            p = Person(next(people), rng)
            case = {"status": "疑似辍学", "fill_date": dt.date(2026, 9, 20), "opened_on": dt.date(2026, 9, 20),
                    "voided": False}
            owned(Case, node, {"student_id": student(p), **case})
            if i == 0:
                owned(Case, other, {"student_id": student(p), **case})
    for k, node in enumerate(nodes):
        for _ in range(1_000 - enrolled[k]):
            enrol(node, Person(next(people), rng), SEM, "三年级")
    out.flush()
    with d.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    d.close()
