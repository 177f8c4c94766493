"""Imported rosters: the list of imports, voiding one imported by mistake."""

from __future__ import annotations

from sqlalchemy import select

from database.census import (
    RosterImport,
    RosterMember,
)
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store


def void_import(store: Store, import_id: str, reason: str) -> int:
    """Void a roster imported by mistake: its list entries stop counting; nothing is deleted.

    Returns the number of entries voided. Children and their statuses stay (they may be on other lists).
    """
    require(store, Permission.CLOSE_CASES)
    if not reason.strip():
        raise ValidationError(FieldError("void_reason", "请填写作废原因"))
    with store.write() as session:
        row = session.get(RosterImport, import_id)
        if row is None:
            raise NotFoundError("要作废的导入记录不存在")
        if row.voided:
            raise ValidationError(f"{row.file_name}的导入已作废")
        row.voided, row.void_reason = True, reason.strip()
        members = session.execute(select(RosterMember).where(
            RosterMember.import_id == import_id, RosterMember.voided.is_(False))).scalars().all()
        for m in members:
            m.voided, m.void_reason = True, f"导入作废：{reason.strip()}"
        return len(members)


def imports(store: Store) -> list[RosterImport]:
    with store.read() as session:
        return list(session.execute(select(RosterImport).order_by(RosterImport.created_at.desc())).scalars())
