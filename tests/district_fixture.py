"""A district with three schools (a primary, a junior middle and a 九年一贯制), each set up, enrolled and
reporting through real packages on disk, for tests of what travels between schools through the district
(全区联查 answers, 移交).

The world itself (who is enrolled where, which leaver is found nowhere …) is ``tests.matching_world``;
this module adds the pytest fixture and the round trips:

- ``report(w)``: every school sends its package to the district (schools → district);
- ``answer(w)``: the district runs the matching and sends its next package to every school
  (match → district → schools);
- ``round_trip(w)``: both, in that order.

Use it from a test module through a fixture of its own (importing a fixture trips ruff's F811)::

    @pytest.fixture
    def world(tmp_path: Path) -> Iterator[World]:
        yield from district_fixture.world_at(tmp_path)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services import matching, sync
from desktop_app.services.store import Store
from tests.matching_world import JUNIOR, NINE, PRIMARY, SEM, SPRING, World, build, sid
from tests.sync_helpers import send

__all__ = ["JUNIOR", "NINE", "PRIMARY", "SEM", "SPRING", "World", "answer", "district_world", "name_of", "report",
           "round_trip", "school_store", "sid", "world_at"]


def world_at(tmp_path: Path) -> Iterator[World]:
    """The three-school district after every school's first package reached the district (no match run yet);
    its stores are closed after the test."""
    w = build(tmp_path)
    try:
        yield w
    finally:
        w.close()


@pytest.fixture
def district_world(tmp_path: Path) -> Iterator[World]:
    yield from world_at(tmp_path)


def report(w: World) -> list[sync.ImportResult]:
    """Schools → district: each school's next package, imported at the district."""
    return [send(school, "district", w.district, w.usb) for _code, school in w.schools]


def answer(w: World, semester: str = SEM) -> matching.MatchSummary:
    """The district matches, then sends its next package to each school, which imports it."""
    summary = matching.run_match(w.district, semester)
    for code, school in w.schools:
        send(w.district, code, school, w.usb)
    return summary


def round_trip(w: World, semester: str = SEM) -> matching.MatchSummary:
    """Schools → district → match → district → schools."""
    report(w)
    return answer(w, semester)


def school_store(w: World, code: str) -> Store:
    return dict(w.schools)[code]


def name_of(w: World, key: str) -> str:
    """The invented name of one of the world's children (``L1``, ``C1`` … see ``matching_world.build``)."""
    return str(w.kids[key]["name"])
