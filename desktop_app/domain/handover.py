"""Case handover (移交) between two schools of the district, as pure rules: no Qt, no database.

A school hands a case to another school of the district (the family moved; the child now lives in
that school's area). The district forwards it in its next package; the receiving school accepts it
(the case, its persuasion log, evidence and history become its own open case) or rejects it with a
reason. The sending school's case stays open, marked 移交中, until the receiving school accepts:
then it closes with the reason 移交 and the receiving school's name. A rejected handover needs no
reopening: the case never left the sender, so no child is without a responsible school in between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desktop_app.domain.errors import FieldError

#: Why a case is handed over (a teacher may also type another reason).
REASONS: tuple[str, ...] = ("家庭搬迁", "随父母迁居", "户籍迁移", "寄居亲属家", "其他")

#: The states of a handover, as the district's forward says them.
REQUESTED = "待区教委转交"  # at the sending school, before the district's package came back
WAITING = "待接收"  # forwarded by the district, the receiving school has not answered
ACCEPTED = "已接收"
REJECTED = "已退回"
WITHDRAWN = "已撤回"  # the sending school withdrew it before the receiving school's answer reached the district
STATES: tuple[str, ...] = (REQUESTED, WAITING, ACCEPTED, REJECTED, WITHDRAWN)
IN_FLIGHT: tuple[str, ...] = (REQUESTED, WAITING)

#: What the district writes when it cannot forward a handover (the state goes straight to 已退回).
UNKNOWN_SCHOOL = "区教委没有登记这所学校，无法转交"


@dataclass
class Request:
    """A handover as the sending school enters it."""

    to_code: str
    requested_on: dt.date | None
    reason: str
    detail: str = ""

    def normalize(self) -> None:
        self.to_code = self.to_code.strip()
        self.reason = " ".join(self.reason.split())
        self.detail = " ".join(self.detail.split())


def request_errors(r: Request, *, own_code: str, schools: dict[str, str], opened_on: dt.date,
                   today: dt.date) -> list[FieldError]:
    """Everything wrong with a handover request; ``schools``: the district's schools (code -> name)."""
    r.normalize()
    errs: list[FieldError] = []
    if not r.to_code:
        errs.append(FieldError("to_code", "请选择接收学校"))
    elif r.to_code == own_code:
        errs.append(FieldError("to_code", "不能移交给本校"))
    elif r.to_code not in schools:
        errs.append(FieldError("to_code", f"学校标识码 {r.to_code} 不在区教委发来的学校名单中"))
    if r.requested_on is None:
        errs.append(FieldError("requested_on", "请填写移交日期"))
    elif r.requested_on > today:
        errs.append(FieldError("requested_on", "移交日期不能晚于今天"))
    elif r.requested_on < opened_on:
        errs.append(FieldError("requested_on", f"移交日期早于立案日期（{opened_on}）"))
    if not r.reason:
        errs.append(FieldError("reason", "请填写移交原因（如：家庭搬迁）"))
    elif len(r.reason) > 30:
        errs.append(FieldError("reason", "移交原因不超过30个字，详细情况请写在说明中"))
    if r.reason == "其他" and not r.detail:
        errs.append(FieldError("detail", "移交原因为“其他”时须写明说明"))
    return errs


def rejection_errors(reason: str, answered_on: dt.date | None, *, requested_on: dt.date,
                     today: dt.date) -> list[FieldError]:
    errs = answer_date_errors(answered_on, requested_on=requested_on, today=today)
    if not reason.strip():
        errs.append(FieldError("reason", "退回移交须填写原因（如：该生不住本校服务范围）"))
    return errs


def answer_date_errors(answered_on: dt.date | None, *, requested_on: dt.date, today: dt.date) -> list[FieldError]:
    if answered_on is None:
        return [FieldError("answered_on", "请填写日期")]
    if answered_on > today:
        return [FieldError("answered_on", "日期不能晚于今天")]
    if answered_on < requested_on:
        return [FieldError("answered_on", f"日期早于移交日期（{requested_on}）")]
    return []
