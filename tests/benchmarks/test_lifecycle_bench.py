"""How long the overview figures and the reminders take on a district-sized ledger."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_app.services import demo, lifecycle, todo
from desktop_app.services.store import Store


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from desktop_app.services import installation
    from tests.conftest import SCHOOL

    store = Store.open(tmp_path_factory.mktemp("bench"), user="bench")
    installation.setup(store, SCHOOL)
    demo.load(store, 5000, seed=5)
    return store


def test_overview_figures_5000_cases(benchmark, big_store: Store) -> None:  # noqa: ANN001
    result = benchmark(lifecycle.overview, big_store, dt.date.today())
    assert result.open_count > 0


def test_reminders_5000_cases(benchmark, big_store: Store) -> None:  # noqa: ANN001
    items = benchmark(todo.collect, big_store, dt.date.today())
    assert items
