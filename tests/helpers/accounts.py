"""Signing an account in for a test: a store opened without one may do nothing that needs a permission."""

from __future__ import annotations

from desktop_app.services import accounts
from desktop_app.services.store import Store

ADMIN_PASSWORD = "mixin-2026-admin"
USER_PASSWORD = "mixin-2026-user"


def sign_in_admin(store: Store, user_name: str = "周老师", password: str = ADMIN_PASSWORD) -> None:
    """The installation's first administrator (区管理员 at a district), created and signed in."""
    accounts.create_first_admin(store, user_name, password)
    accounts.sign_in(store, user_name, password)


def sign_in_as(store: Store, user_name: str, role: str, password: str = USER_PASSWORD, **extra: object) -> None:
    """Another account of ``role``, created by the signed-in administrator, then signed in."""
    accounts.create_account(store, user_name, password, role, **extra)  # type: ignore[arg-type]
    accounts.sign_in(store, user_name, password)
