"""What the handover modules share: the installation, today, the state of a forward, how a screen lists one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database.handover import HandoverAnswer, HandoverItem, HandoverTransfer
from database.models import Installation
from desktop_app.domain.errors import ValidationError
from desktop_app.services.store import Store

SCHOOL, DISTRICT = "school", "district"
HISTORY = "history"


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _inst(store: Store) -> Installation:
    inst = store.installation()
    if inst is None:
        raise ValidationError("本机尚未设置单位信息，请先完成设置")
    return inst


@dataclass
class HandoverView:
    """One handover as a screen lists it (``id``: the district's forward, or the request while none came back)."""

    id: str
    case_id: str
    student_name: str
    birth_date: dt.date | None
    from_code: str
    from_name: str
    to_code: str
    to_name: str
    requested_on: dt.date
    reason: str
    detail: str
    state: str
    forwarded_on: dt.date | None = None
    answered_on: dt.date | None = None
    answer_reason: str = ""
    attempts: int = 0
    evidence: int = 0
    note: str = ""  # at the district: why it cannot reach the receiving school yet

    def row(self) -> list[Any]:
        return [self.student_name, self.from_name, self.to_name, self.requested_on.isoformat(),
                self.reason + (f"：{self.detail}" if self.detail else ""), self.state + self.note,
                self.answered_on.isoformat() if self.answered_on else "", self.answer_reason]


LIST_HEADERS = ("学生", "移出学校", "接收学校", "移交日期", "移交原因", "状态", "答复日期", "退回原因")


def _view(t: HandoverTransfer, counts: dict[str, int] | None = None) -> HandoverView:
    counts = counts or {}
    return HandoverView(t.id, t.case_id, t.student_name, t.birth_date, t.from_code, t.from_name, t.to_code,
                        t.to_name, t.requested_on, t.reason, t.detail, t.state, t.forwarded_on, t.answered_on,
                        t.answer_reason, counts.get("persuasion_attempts", 0), counts.get("evidence_files", 0))


def _item_counts(session: Session, transfer_id: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in session.execute(
        select(HandoverItem.kind, func.count()).where(HandoverItem.transfer_id == transfer_id)
        .group_by(HandoverItem.kind))}


def _answered(session: Session) -> set[str]:
    return set(session.execute(select(HandoverAnswer.transfer_id)).scalars())


