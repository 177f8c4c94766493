"""The lifecycle of a case (N-5, N-10, N-11, N-14) as pure rules: no Qt, no database.

疑似辍学 → 劝返中 (the first persuasion attempt) → 联合劝返 (a written report to the township
government, with its date) → 已销号 (a coded reason with its own evidence), or 缓学跟踪 when the
district leading group approved a deferral or suspension (N-11). A closed case can be reopened
with a reason. Every function here takes the facts it needs (and the clock) as arguments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from operator import attrgetter

from desktop_app.domain.codes import GRADES, CaseStatus
from desktop_app.domain.errors import FieldError, ValidationError
from desktop_app.domain.identity import age_on

#: Who decides a deferral (N-11): the district's poverty-alleviation leading group; the district office
#: records the decision on its behalf (the history names the account that recorded it).
LEADING_GROUP = "区扶贫工作领导小组"

OPEN = CaseStatus.open_values()
CLOSED = CaseStatus.closed_values()

# N-11: jointly persuaded this many times (or a court ruling with the guardian's duty fulfilled).
N11_JOINT_ATTEMPTS = 3
# A child this old on the closing date is past compulsory schooling (超龄).
OVERAGE_YEARS = 16

PLACEMENTS: tuple[str, ...] = ("随班就读", "单独编班", "送教上门", "网络送教")
DEFERRAL_KINDS: tuple[str, ...] = ("延缓入学", "休学")


class ClosingReason(str, Enum):
    """Why a case is closed (销号); each reason asks for its own evidence."""

    RETURNED = "已复学"
    TRANSFERRED = "转学"
    OUTSIDE = "区外就读"
    DEFERRED = "延缓入学/休学"
    WRONG_INFO = "信息错误"
    OVERAGE = "超龄"
    DEATH = "死亡"
    ABROAD = "出国"
    OTHER = "其他"
    HANDOVER = "移交"  # handed to another school of the district, which accepted it (services/handover)


#: Reasons a person picks in the closing dialog; 移交 is set by the program when the receiving school accepts.
MANUAL_REASONS: tuple[str, ...] = tuple(r.value for r in ClosingReason if r is not ClosingReason.HANDOVER)


# What each reason asks for, in the words of the closing dialog (shown as a hint).
EVIDENCE_HINTS: dict[str, str] = {
    ClosingReason.RETURNED.value: "复学日期、复学年级、班级、安置方式",
    ClosingReason.TRANSFERRED.value: "转入学校，并确认已办理学籍迁移",
    ClosingReason.OUTSIDE.value: "就读学校及所在地",
    ClosingReason.DEFERRED.value: "区扶贫工作领导小组同意延缓入学/休学的批复",
    ClosingReason.WRONG_INFO.value: "错误内容说明及证明材料",
    ClosingReason.OVERAGE.value: f"销号日期已满{OVERAGE_YEARS}周岁（由出生日期核对），及说明",
    ClosingReason.DEATH.value: "死亡日期及证明材料（如死亡证明、户籍注销证明）",
    ClosingReason.ABROAD.value: "出国日期、去往国家（地区）及证明材料",
    ClosingReason.OTHER.value: "具体说明",
    ClosingReason.HANDOVER.value: "接收学校已接收移交（由“移交…”办理，接收后自动销号）",
}


@dataclass
class Closing:
    """The closing of a case (销号) as entered; which fields count depends on the reason."""

    reason: str
    closed_on: dt.date
    event_date: dt.date | None = None  # 复学日期 / 死亡日期 / 出国日期
    grade: str = ""
    class_name: str = ""
    placement: str = ""
    school: str = ""  # 转入学校 / 就读学校
    place: str = ""  # 就读地 / 去往国家（地区）
    registry_migrated: bool = False
    detail: str = ""  # 错误内容 / 其他原因 / 说明
    proof: str = ""  # 证明材料

    def normalize(self) -> None:
        for name in ("grade", "class_name", "placement", "school", "place", "detail", "proof"):
            setattr(self, name, " ".join(str(getattr(self, name) or "").split()))

    def summary(self) -> str:
        """One line for the ledger and the history viewer."""
        r = self.reason
        if r == ClosingReason.RETURNED.value:
            return f"{self.event_date}复学，{self.grade}{self.class_name}，{self.placement}"
        if r == ClosingReason.TRANSFERRED.value:
            return f"转入{self.school}，学籍已迁移"
        if r == ClosingReason.OUTSIDE.value:
            return f"在{self.place}{self.school}就读"
        if r == ClosingReason.DEATH.value:
            return f"{self.event_date}死亡（{self.proof}）"
        if r == ClosingReason.ABROAD.value:
            return f"{self.event_date}出国至{self.place}（{self.proof}）"
        if r == ClosingReason.DEFERRED.value:
            return "经区扶贫工作领导小组批准，继续跟踪劝返" + (f"；{self.detail}" if self.detail else "")
        if r == ClosingReason.WRONG_INFO.value:
            return f"{self.detail}（{self.proof}）"
        if r == ClosingReason.HANDOVER.value:
            return f"移交至{self.school}" + (f"，{self.detail}" if self.detail else "")
        return self.detail


def _not_future(value: dt.date | None, today: dt.date, field_name: str, label: str) -> list[FieldError]:
    if value is not None and value > today:
        return [FieldError(field_name, f"{label}不能晚于今天")]
    return []


def closing_errors(c: Closing, *, opened_on: dt.date, today: dt.date, birth_date: dt.date | None,
                   deferral_approved: bool, handover_accepted_by: str = "") -> list[FieldError]:
    """Every missing piece of evidence for closing with ``c.reason``; empty when it may be closed.

    ``handover_accepted_by``: the school that accepted this case's handover (移交), "" when none did;
    for 移交 the receiving school's acceptance is the evidence.
    """
    c.normalize()
    errs: list[FieldError] = []
    reasons = [r.value for r in ClosingReason]
    if c.reason not in reasons:
        return [FieldError("reason", "请从代码表中选择销号原因")]
    errs += _not_future(c.closed_on, today, "closed_on", "销号日期")
    if c.closed_on < opened_on:
        errs.append(FieldError("closed_on", f"销号日期早于立案日期（{opened_on}）"))
    r = ClosingReason(c.reason)
    if r is ClosingReason.RETURNED:
        if c.event_date is None:
            errs.append(FieldError("event_date", "以“已复学”销号须填写复学日期"))
        else:
            errs += _not_future(c.event_date, today, "event_date", "复学日期")
        if not c.grade:
            errs.append(FieldError("grade", "以“已复学”销号须填写复学年级"))
        elif c.grade not in GRADES:
            errs.append(FieldError("grade", f"年级“{c.grade}”无效"))
        if not c.class_name:
            errs.append(FieldError("class_name", "以“已复学”销号须填写班级"))
        if c.placement not in PLACEMENTS:
            errs.append(FieldError("placement", "以“已复学”销号须选择安置方式（随班就读、单独编班、送教上门、网络送教）"))
    elif r is ClosingReason.TRANSFERRED:
        if not c.school:
            errs.append(FieldError("school", "以“转学”销号须填写转入学校"))
        if not c.registry_migrated:
            errs.append(FieldError("registry_migrated", "以“转学”销号须确认已办理学籍迁移"))
    elif r is ClosingReason.OUTSIDE:
        if not c.school:
            errs.append(FieldError("school", "以“区外就读”销号须填写就读学校"))
        if not c.place:
            errs.append(FieldError("place", "以“区外就读”销号须填写就读学校所在地"))
    elif r is ClosingReason.DEFERRED:
        if not deferral_approved:
            errs.append(FieldError(
                "reason", "以“延缓入学/休学”销号须先登记区扶贫工作领导小组的同意批复"
            ))
    elif r is ClosingReason.WRONG_INFO:
        if not c.detail:
            errs.append(FieldError("detail", "以“信息错误”销号须说明错误内容"))
        if not c.proof:
            errs.append(FieldError("proof", "以“信息错误”销号须写明证明材料"))
    elif r is ClosingReason.OVERAGE:
        if birth_date is None:
            errs.append(FieldError("reason", "没有出生日期，无法核对是否超龄"))
        elif age_on(birth_date, c.closed_on) < OVERAGE_YEARS:
            errs.append(FieldError(
                "reason", f"学生在销号日期未满{OVERAGE_YEARS}周岁（{age_on(birth_date, c.closed_on)}岁），不能以“超龄”销号"
            ))
    elif r is ClosingReason.DEATH:
        if c.event_date is None:
            errs.append(FieldError("event_date", "以“死亡”销号须填写死亡日期"))
        else:
            errs += _not_future(c.event_date, today, "event_date", "死亡日期")
        if not c.proof:
            errs.append(FieldError("proof", "以“死亡”销号须写明证明材料（如死亡证明、户籍注销证明）"))
    elif r is ClosingReason.ABROAD:
        if c.event_date is None:
            errs.append(FieldError("event_date", "以“出国”销号须填写出国日期"))
        if not c.place:
            errs.append(FieldError("place", "以“出国”销号须填写去往国家（地区）"))
        if not c.proof:
            errs.append(FieldError("proof", "以“出国”销号须写明证明材料（如出入境记录）"))
    elif r is ClosingReason.OTHER and not c.detail:
        errs.append(FieldError("detail", "以“其他”销号须说明具体原因"))
    elif r is ClosingReason.HANDOVER:
        if not handover_accepted_by:
            errs.append(FieldError("reason", "以“移交”销号须由接收学校接收移交：请用“移交…”办理，对方接收后自动销号"))
        elif c.school != handover_accepted_by:
            errs.append(FieldError("school", f"以“移交”销号的接收学校应为{handover_accepted_by}"))
    return errs


def status_after_closing(reason: str) -> str:
    """Closed, or deferred (closed but still followed up) for an approved deferral."""
    return CaseStatus.DEFERRED.value if reason == ClosingReason.DEFERRED.value else CaseStatus.CLOSED.value


# --- transitions --------------------------------------------------------------------------

class Action(str, Enum):
    """What can be done to a case; each is allowed only from some statuses."""

    REPORT_JOINT = "上报联合劝返"
    APPLY_DEFERRAL = "申请延缓入学/休学"
    CLOSE = "销号"
    REOPEN = "重新立案"


ALLOWED_FROM: dict[Action, tuple[str, ...]] = {
    Action.REPORT_JOINT: (CaseStatus.SUSPECTED.value, CaseStatus.PERSUADING.value),
    Action.APPLY_DEFERRAL: OPEN,
    Action.CLOSE: OPEN,
    Action.REOPEN: CLOSED,
}


def allowed(status: str, action: Action) -> bool:
    return status in ALLOWED_FROM[action]


def check_allowed(status: str, action: Action) -> None:
    """Raises ValidationError with the sentence the user reads when ``action`` is not allowed."""
    if allowed(status, action):
        return
    if action is Action.REPORT_JOINT and status == CaseStatus.JOINT.value:
        raise ValidationError("此案件已上报联合劝返，无需重复上报")
    if action is Action.REOPEN:
        raise ValidationError(f"案件当前为“{status}”，尚未销号，不需要重新立案")
    raise ValidationError(f"案件当前为“{status}”，不能{action.value}")


def status_after_attempts(status: str, active_attempts: int) -> str:
    """Logging the first persuasion attempt of a suspected case starts persuasion."""
    if status == CaseStatus.SUSPECTED.value and active_attempts > 0:
        return CaseStatus.PERSUADING.value
    return status


def status_after_reopen(has_joint_report: bool, active_attempts: int) -> str:
    """A reopened case goes back to where its work stood."""
    if has_joint_report:
        return CaseStatus.JOINT.value
    if active_attempts:
        return CaseStatus.PERSUADING.value
    return CaseStatus.SUSPECTED.value


def joint_report_errors(report_date: dt.date | None, reported_to: str, *, opened_on: dt.date,
                        today: dt.date) -> list[FieldError]:
    errs: list[FieldError] = []
    if report_date is None:
        errs.append(FieldError("report_date", "请填写书面报告乡镇（街道）党委政府的日期"))
    else:
        errs += _not_future(report_date, today, "report_date", "上报日期")
        if report_date < opened_on:
            errs.append(FieldError("report_date", f"上报日期早于立案日期（{opened_on}）"))
    if not reported_to.strip():
        errs.append(FieldError("reported_to", "请填写报告对象（乡镇/街道党委政府）"))
    return errs


def reopen_errors(reopen_date: dt.date | None, reason: str, *, closed_on: dt.date | None,
                  today: dt.date) -> list[FieldError]:
    errs: list[FieldError] = []
    if not reason.strip():
        errs.append(FieldError("reason", "重新立案须填写原因"))
    if reopen_date is None:
        errs.append(FieldError("reopen_date", "请填写重新立案日期"))
    else:
        errs += _not_future(reopen_date, today, "reopen_date", "重新立案日期")
        if closed_on and reopen_date < closed_on:
            errs.append(FieldError("reopen_date", f"重新立案日期早于销号日期（{closed_on}）"))
    return errs


# --- N-11: deferral or suspension -----------------------------------------------------------

@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    basis: str  # why (or why not), in Chinese


def n11_eligibility(joint_attempts: int, court_ruling_fulfilled: bool) -> Eligibility:
    """Eligible for a deferral/suspension application: ≥3 joint attempts, or a court ruling with
    the guardian having fulfilled the legal duty (N-11)."""
    if joint_attempts >= N11_JOINT_ATTEMPTS:
        return Eligibility(True, f"已联合劝返{joint_attempts}次（不少于{N11_JOINT_ATTEMPTS}次）")
    if court_ruling_fulfilled:
        return Eligibility(True, "已有法院判决且监护人已履行法定义务")
    return Eligibility(False, f"联合劝返{joint_attempts}次，未满{N11_JOINT_ATTEMPTS}次，且无监护人已履行义务的法院判决")


def application_errors(kind: str, application_date: dt.date | None, reported_by: str, *,
                       eligibility: Eligibility, pending: bool, today: dt.date) -> list[FieldError]:
    errs: list[FieldError] = []
    if not eligibility.eligible:
        errs.append(FieldError("", "不符合申请延缓入学/休学的条件：" + eligibility.basis))
    if pending:
        errs.append(FieldError("", "此案件已有待区领导小组审批的申请"))
    if kind not in DEFERRAL_KINDS:
        errs.append(FieldError("kind", "请选择申请延缓入学或休学"))
    if application_date is None:
        errs.append(FieldError("application_date", "请填写申请（上报）日期"))
    else:
        errs += _not_future(application_date, today, "application_date", "申请日期")
    if not reported_by.strip():
        errs.append(FieldError("reported_by", "请填写上报单位（如某镇人民政府）"))
    return errs


def decision_errors(approved: bool, decision_date: dt.date | None, document_number: str, approver: str, *,
                    application_date: dt.date, today: dt.date) -> list[FieldError]:
    errs: list[FieldError] = []
    if decision_date is None:
        errs.append(FieldError("decision_date", "请填写审批日期"))
    else:
        errs += _not_future(decision_date, today, "decision_date", "审批日期")
        if decision_date < application_date:
            errs.append(FieldError("decision_date", f"审批日期早于申请日期（{application_date}）"))
    if approved and not document_number.strip():
        errs.append(FieldError("document_number", "同意的批复须填写批准文号"))
    if not approver.strip():
        errs.append(FieldError("approver", "请填写审批人（区扶贫工作领导小组）"))
    return errs


# --- reminders -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    first_attempt_days: int = 3
    idle_days: int = 30
    deferred_grace_days: int = 30


@dataclass
class CaseFacts:
    """What the reminders need to know about one case."""

    case_id: str
    name: str
    status: str
    opened_on: dt.date
    last_attempt: dt.date | None = None  # of the active attempts (None: none yet)
    joint_attempts: int = 0
    court_ruling_fulfilled: bool = False
    has_application: bool = False  # pending or approved
    missing_fields: list[str] = field(default_factory=list)


@dataclass(frozen=True, order=True)
class Reminder:
    due: dt.date
    kind: str
    case_id: str
    title: str
    detail: str = ""


REMIND_FIRST = "first_attempt"
REMIND_IDLE = "idle"
REMIND_APPLY = "apply"
REMIND_DEFERRED = "deferred_follow_up"
REMIND_FORM = "form_incomplete"


_REMINDER_ORDER = attrgetter("due", "kind", "case_id", "title", "detail")


def reminders(facts: list[CaseFacts], today: dt.date, thresholds: Thresholds,
              semester_start: dt.date) -> list[Reminder]:
    """Every reminder due on ``today`` (most overdue first)."""
    out: list[Reminder] = []
    for f in facts:
        last = f.last_attempt
        if f.status in OPEN:
            if last is None:
                due = f.opened_on + dt.timedelta(days=thresholds.first_attempt_days)
                if today >= due:
                    out.append(Reminder(due, REMIND_FIRST, f.case_id, f"{f.name}：立案{(today - f.opened_on).days}天未开展劝返",
                                        f"疑似辍学须即劝即返，立案后{thresholds.first_attempt_days}天内应开展第一次劝返"))
            else:
                due = last + dt.timedelta(days=thresholds.idle_days)
                if today >= due:
                    out.append(Reminder(due, REMIND_IDLE, f.case_id, f"{f.name}：已{(today - last).days}天没有劝返记录",
                                        f"上次劝返：{last}"))
            eligibility = n11_eligibility(f.joint_attempts, f.court_ruling_fulfilled)
            if eligibility.eligible and not f.has_application:
                out.append(Reminder(today, REMIND_APPLY, f.case_id, f"{f.name}：已达到申请延缓入学/休学的条件，尚未申请",
                                    eligibility.basis))
        if f.status == CaseStatus.DEFERRED.value:
            due = semester_start + dt.timedelta(days=thresholds.deferred_grace_days)
            followed = last is not None and last >= semester_start
            if today >= due and not followed:
                out.append(Reminder(due, REMIND_DEFERRED, f.case_id, f"{f.name}：缓学跟踪本学期尚无跟踪劝返记录",
                                    "经批准延缓入学/休学的学生仍须继续劝返"))
        if (f.status not in CLOSED or f.status == CaseStatus.DEFERRED.value) and f.missing_fields:
            out.append(Reminder(f.opened_on, REMIND_FORM, f.case_id, f"{f.name}：一生一表尚有必填项未填",
                                "未填：" + "、".join(f.missing_fields)))
    return sorted(out, key=_REMINDER_ORDER)  # the dataclass's own order, without its slow __lt__


# Fields of the printed form that may be left empty while saving but must be filled in the end.
COMPLETION_FIELDS: tuple[tuple[str, str], ...] = (
    ("grade", "年级"),
    ("contact_name", "学校联系人"),
    ("contact_phone", "学校联系电话"),
    ("persuading_unit", "劝返单位"),
    ("responsible_person", "劝返责任人"),
    ("responsible_phone", "劝返责任人联系电话"),
)


def missing_fields(values: dict[str, object], has_attempts: bool) -> list[str]:
    """The labels of the completion fields still empty; 劝返结果 once persuasion has started."""
    out = [label for key, label in COMPLETION_FIELDS if not values.get(key)]
    if has_attempts and not values.get("result"):
        out.append("劝返结果")
    return out
