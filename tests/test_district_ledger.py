"""The district's all-schools ledger (全区台账) gives what the plain SQL gives, on both backends.

The service chooses the page's case ids on ``cases`` alone and joins only the page, counts without joins
and, ordered by an indexed field of the child, may walk the children first (issue 19: a keystroke over
500,000 cases). Whatever it chooses, each page, their order and the count must be those of the plain
joined SQL below, and identity and phone numbers stay masked in the list.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text

from database.models import Case, Student
from database.sync import Peer, RecordOwner
from desktop_app.domain.identity import make_id_number, mask_id_number
from desktop_app.domain.names import name_initials, name_pinyin
from desktop_app.domain.roles import mask_phone
from desktop_app.services import cases, district
from desktop_app.services.store import Store
from tests.sync_helpers import make_district

pytestmark = pytest.mark.both_backends

SURNAMES = "王李张刘陈"
GIVEN = "子浩宇欣怡张明"
STATUSES = ("疑似辍学", "劝返中", "联合劝返", "已复学", "已销号")
SCHOOLS = [("5001500001", "第一小学", "米心镇"), ("5001500002", "第二小学", "米心镇"),
           ("5001500003", "第三小学", "桂林街道"), ("5001500004", "第四小学", "桂林街道"),
           ("5001500005", "第五小学", "双江镇"), ("5001500006", "第六小学", "")]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Store]:
    """A district holding 240 cases of six schools (four of them voided each 23rd) and six of its own, with
    many equal opening dates and names, so the order's ties are tried too."""
    d = make_district(tmp_path / "district")
    rng = random.Random(5)
    now = dt.datetime(2026, 10, 1)
    meta = {"created_at": now, "updated_at": now, "updated_by": "x", "node_id": "n", "version": 1}
    rows: dict[Any, list[dict[str, Any]]] = {Peer: [], Student: [], Case: [], RecordOwner: []}
    nodes = [str(uuid.uuid4()) for _ in SCHOOLS]
    for (code, name, town), node in zip(SCHOOLS, nodes, strict=True):
        rows[Peer].append({"kind": "school", "code": code, "name": name, "township": town, "node_id": node,
                           "last_received_at": now})
    for i in range(246):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        birth = dt.date(2012 + i % 4, 1 + i % 12, 1 + i % 7)
        sid, cid = str(uuid.uuid4()), str(uuid.uuid4())
        rows[Student].append({"id": sid, "name": name, "name_initials": name_initials(name),
                              "name_pinyin": name_pinyin(name), "sex": "男" if i % 3 else "女",
                              "id_number": make_id_number("500223", birth, i), "birth_date": birth,
                              "hukou_township": ("米心镇", "桂林街道", "")[i % 3], "village": f"村{i % 4}",
                              "guardian1_phone": f"1390000{i:04d}", **meta})
        opened = dt.date(2026, 9, 1) + dt.timedelta(days=i % 9)
        rows[Case].append({"id": cid, "student_id": sid, "status": STATUSES[i % 5], "grade": f"{1 + i % 3}年级",
                           "fill_date": opened, "opened_on": opened, "attempt_count": i % 4, "voided": i % 23 == 5,
                           **meta})
        if i < 240:  # the last six are the district's own (no owner: 本单位)
            node = nodes[i % len(nodes)]
            rows[RecordOwner] += [{"table_name": t, "record_id": r, "owner_node": node, "origin_node": node}
                                  for t, r in (("cases", cid), ("students", sid))]
    with d.engine.begin() as conn:
        for model, values in rows.items():
            conn.execute(insert(model), values)
    yield d
    d.close()


SORTS = {"name": "s.name_pinyin", "sex": "s.sex", "id_number": "s.id_number", "grade": "c.grade",
         "township": "s.hukou_township", "village": "s.village", "status": "c.status",
         "dropout_reason": "c.dropout_reason", "attempt_count": "c.attempt_count", "opened_on": "c.opened_on",
         "guardian1_phone": "s.guardian1_phone"}


def plain_sql(store: Store, query: cases.LedgerQuery) -> list[dict[str, Any]]:
    """Every row the ledger should show for ``query``, in its order: the straightforward joined SQL."""
    where, params = ["NOT c.voided"], {}
    if query.statuses:
        where.append("c.status IN (" + ", ".join(f":st{i}" for i in range(len(query.statuses))) + ")")
        params.update({f"st{i}": v for i, v in enumerate(query.statuses)})
    if query.search.isascii() and query.search.isalpha() and query.search:
        where.append("(s.name_initials LIKE :prefix OR s.name_pinyin LIKE :prefix)")
        params["prefix"] = query.search.lower() + "%"
    elif query.search.isascii() and query.search:
        where.append("(s.id_number LIKE :part OR s.student_number LIKE :part)")
        params["part"] = f"%{query.search}%"
    elif query.search:
        where.append("s.name LIKE :part")
        params["part"] = f"%{query.search}%"
    if query.township:
        where.append("s.hukou_township = :town")
        params["town"] = query.township
    if query.extra.get("school"):
        where.append("p.code = :code")
        params["code"] = query.extra["school"]
    if query.extra.get("school_township"):
        where.append("p.township = :school_town")
        params["school_town"] = query.extra["school_township"]
    direction = "DESC" if query.descending else "ASC"
    sql = f"""
        SELECT c.id AS case_id, s.id AS student_id, coalesce(p.name, '本单位') AS school, s.name, s.sex,
               s.id_number, c.grade, s.hukou_township AS township, s.village, c.status, c.dropout_reason,
               c.attempt_count, c.opened_on, s.guardian1_phone
        FROM cases c JOIN students s ON s.id = c.student_id
        LEFT JOIN sync_record_owners o ON o.table_name = 'cases' AND o.record_id = c.id
        LEFT JOIN sync_peers p ON p.node_id = o.owner_node
        WHERE {" AND ".join(where)}
        ORDER BY {SORTS[query.sort]} {direction}, c.id {direction}"""
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(sql), params)]
    for r in rows:  # a list shows numbers masked, whoever looks
        r["id_number"], r["guardian1_phone"] = mask_id_number(r["id_number"]), mask_phone(r["guardian1_phone"])
        r["opened_on"] = r["opened_on"] if isinstance(r["opened_on"], dt.date) else dt.date.fromisoformat(
            r["opened_on"])
    return rows


QUERIES = [
    cases.LedgerQuery(),
    cases.LedgerQuery(descending=False),
    cases.LedgerQuery(statuses=("疑似辍学", "劝返中")),
    cases.LedgerQuery(search="张"),
    cases.LedgerQuery(search="zm"),
    cases.LedgerQuery(search="5002232013"),
    cases.LedgerQuery(township="米心镇", statuses=("已销号",)),
    cases.LedgerQuery(extra={"school": "5001500003"}),
    cases.LedgerQuery(extra={"school_township": "米心镇"}, search="李"),
    cases.LedgerQuery(extra={"school": "5001500099"}),  # no such school: nothing
    *(cases.LedgerQuery(sort=key, descending=desc) for key in sorted(SORTS) for desc in (False, True)),
    *(cases.LedgerQuery(sort=key, search="张", descending=True) for key in ("name", "id_number", "township")),
    *(cases.LedgerQuery(sort=key, extra={"school": "5001500002"}) for key in ("name", "id_number", "township")),
]


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "sync_state"} for r in rows]


def test_pages_and_count_are_the_plain_sqls(ledger: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query, ordered either way by each column, read in pages of 50: the same rows in the same order
    and the same count as the plain SQL, whether the page is chosen by sorting the cases found or (ordered
    by an indexed field of the child) by walking the children in that order."""
    for walk_children in (False, True):
        monkeypatch.setattr(district, "STUDENTS_FIRST_FROM", 0 if walk_children else 10**9)
        for query in QUERIES:
            label = f"{query}, children first: {walk_children}"
            expected = plain_sql(ledger, query)
            assert district.ledger_count(ledger, query) == len(expected), label
            pages = [district.ledger_page(ledger, query, offset, 50) for offset in range(0, len(expected) + 50, 50)]
            shown = [r for page in pages for r in page]
            assert _shown(shown) == expected, label
            assert all(len(page) == 50 for page in pages[:len(expected) // 50]), label
            assert all(r["sync_state"] for r in shown), label  # each row has its exchange state, as before


def test_the_fixture_has_what_the_queries_try(ledger: Store) -> None:
    """Ties in the order, cases of the district's own, voided cases left out, the filters find rows."""
    every = plain_sql(ledger, cases.LedgerQuery())
    assert len(every) == 246 - 11  # eleven voided
    assert sum(r["school"] == "本单位" for r in every) == 6
    assert len({r["opened_on"] for r in every}) == 9
    for query in QUERIES[2:9]:
        assert plain_sql(ledger, query), query
    page = district.ledger_page(ledger, cases.LedgerQuery(), 0, 20)
    assert all("*" in r["id_number"] and "*" in r["guardian1_phone"] for r in page)  # masked in the list
