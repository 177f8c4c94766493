"""Business settings kept in the store (thresholds, the current semester …), with defaults in one place.

Each area declares its settings with ``declare``; reading an undeclared key is a programming error.
Changes go to the history.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.models import AppSetting
from desktop_app.domain.errors import ValidationError
from desktop_app.services import audit
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str  # the Chinese name shown in 设置
    default: Any
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    scope: str = ""  # "school" or "district": only that kind of installation uses it; "" both

    def applies_to(self, kind: str | None) -> bool:
        return not self.scope or kind is None or self.scope == kind


SPECS: dict[str, SettingSpec] = {}

#: The modules that declare settings (a setting is declared when its module is imported).
DECLARING_MODULES = ("accounts", "backup", "lifecycle", "census", "home_teaching", "sync", "district")


def _spec(key: str) -> SettingSpec:
    """The declaration of ``key`` (its module is imported if need be); KeyError for an undeclared key."""
    return SPECS[key] if key in SPECS else declared()[key]


def declared() -> dict[str, SettingSpec]:
    """Every declared setting, whichever screens happen to have been imported before."""
    for name in DECLARING_MODULES:
        importlib.import_module(f"desktop_app.services.{name}")
    return SPECS


def declare(key: str, label: str, default: Any, *, minimum: int | None = None, maximum: int | None = None,
            unit: str = "", scope: str = "") -> SettingSpec:
    spec = SettingSpec(key, label, default, minimum, maximum, unit, scope)
    SPECS[key] = spec
    return spec


CURRENT_SEMESTER = declare("semester.current", "当前学期", "")


def get(store: Store, key: str) -> Any:
    spec = _spec(key)
    with store.read() as session:
        row = session.get(AppSetting, key)
    return spec.default if row is None else json.loads(row.value)


def all_values(store: Store) -> dict[str, Any]:
    with store.read() as session:
        stored = {r.key: json.loads(r.value) for r in session.execute(select(AppSetting)).scalars()}
    return {key: stored.get(key, spec.default) for key, spec in declared().items()}


def put(store: Store, key: str, value: Any) -> None:
    """Store one setting after checking its range; the change is in the history."""
    put_many(store, {key: value})


def put_many(store: Store, values: dict[str, Any]) -> None:
    """Store several settings as one action (one transaction) after checking every range: all or none."""
    require(store, Permission.MANAGE_SETTINGS)
    checked = {key: _checked(_spec(key), value) for key, value in values.items()}
    with store.write() as session:
        for key, value in checked.items():
            put_in(session, store.user, key, value)


def _checked(spec: SettingSpec, value: Any) -> Any:
    if isinstance(spec.default, int) and not isinstance(spec.default, bool):
        try:
            value = int(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"{spec.label}应为整数") from exc
        if spec.minimum is not None and value < spec.minimum:
            raise ValidationError(f"{spec.label}不能小于{spec.minimum}{spec.unit}")
        if spec.maximum is not None and value > spec.maximum:
            raise ValidationError(f"{spec.label}不能大于{spec.maximum}{spec.unit}")
    return value


def put_in(session: Session, user: str, key: str, value: Any) -> None:
    """Store a setting inside the caller's transaction, as part of the caller's own action (which has
    checked its own permission): the column mapping a roster import remembers. Recorded in the history."""
    if key not in SPECS and key not in declared():
        raise KeyError(f"undeclared setting {key}")
    text = json.dumps(value, ensure_ascii=False)
    row = session.get(AppSetting, key)
    old = None if row is None else row.value
    if old == text:
        return
    if row is None:
        session.add(AppSetting(key=key, value=text, updated_by=user))
    else:
        row.value, row.updated_by = text, user
    audit.append(session, [audit.Change("update", "app_settings", key, "value", old, text)])
