"""待办: reminders computed from the ledger. Each area registers a provider.

A provider is ``fn(store, today) -> list[TodoItem]``; ``collect`` runs them all, most urgent first.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop_app.services.store import Store


@dataclass(frozen=True, order=True)
class TodoItem:
    """One reminder. ``target`` says what to open: ("case", id), ("student", id) …"""

    due: dt.date
    title: str = field(compare=False)
    detail: str = field(default="", compare=False)
    kind: str = field(default="", compare=False)
    target: tuple[str, str] = field(default=("", ""), compare=False)


Provider = Callable[[Store, dt.date], list[TodoItem]]
PROVIDERS: list[Provider] = []


def provider(fn: Provider) -> Provider:
    """Decorator: register a reminder provider."""
    PROVIDERS.append(fn)
    return fn


#: The modules whose providers make up the list (a provider registers when its module is imported).
PROVIDER_MODULES = ("lifecycle", "census", "home_teaching", "district", "backup", "handover")


def collect(store: Store, today: dt.date | None = None) -> list[TodoItem]:
    """Every reminder, whichever screens or commands happen to have been imported before."""
    for name in PROVIDER_MODULES:
        importlib.import_module(f"desktop_app.services.{name}")
    today = today or dt.date.today()
    items: list[TodoItem] = []
    for fn in PROVIDERS:
        items.extend(fn(store, today))
    return sorted(items, key=lambda item: item.due)  # TodoItem orders by due alone; stable, like sorted(items)
