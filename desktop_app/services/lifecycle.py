"""The lifecycle of a case: joint-persuasion report, court ruling, deferral application and decision
(N-11), closing (销号) with evidence, reopening; evidence files; the overview figures and reminders.

Each write is one transaction and every change lands in the history (the audit hook).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Boolean, Date, Select, String, and_, bindparam, func, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from database.handover import handed_over_cases
from database.lifecycle import (
    CaseClosing,
    CourtRuling,
    DeferralApplication,
    DeferralDecision,
    EvidenceBlob,
    EvidenceFile,
    JointReport,
)
from database.models import Case, PersuasionAttempt, Student
from desktop_app.domain import lifecycle as rules
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import ConflictError, NotFoundError, ValidationError
from desktop_app.domain.lifecycle import Action, Closing
from desktop_app.domain.semester import SemesterSpan
from desktop_app.services import evidence_images, semesters, settings, todo
from desktop_app.services.access import Permission, require, require_case
from desktop_app.services.store import Store

FIRST_ATTEMPT_DAYS = settings.declare(
    "lifecycle.first_attempt_days", "疑似辍学立案后开展首次劝返的期限", 3, minimum=1, maximum=30, unit="天",
    scope="school")
IDLE_DAYS = settings.declare(
    "lifecycle.idle_days", "未销号案件无劝返记录提醒", 30, minimum=7, maximum=180, unit="天", scope="school")
DEFERRED_GRACE_DAYS = settings.declare(
    "lifecycle.deferred_grace_days", "缓学跟踪：开学后多少天内须有本学期跟踪记录", 30, minimum=1, maximum=120, unit="天",
    scope="school")
EVIDENCE_MAX_MB = settings.declare(
    "lifecycle.evidence_max_mb", "佐证材料单个文件大小上限", 10, minimum=1, maximum=50, unit="MB", scope="school")

MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}
_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "application/pdf": b"%PDF-"}


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _case(session: Session, case_id: str, expected_version: int | None = None) -> Case:
    case = session.get(Case, case_id)
    if case is None or case.voided:
        raise NotFoundError("案件不存在或已作废")
    if expected_version is not None and case.version != expected_version:
        raise ConflictError("此案件在您打开后已被修改（可能来自另一台电脑或另一窗口），请关闭后重新打开再操作")
    return case


def _started(case: Case) -> dt.date:
    """When the case's work began: it may have been entered after the form was first filled."""
    return min(case.opened_on, case.fill_date)


def _raise(errors: list[Any]) -> None:
    if errors:
        raise ValidationError(errors)


def _active_attempts(session: Session, case_id: str) -> list[PersuasionAttempt]:
    return list(session.execute(
        select(PersuasionAttempt).where(PersuasionAttempt.case_id == case_id, ~PersuasionAttempt.voided)
    ).scalars())


def _joint_count(attempts: list[PersuasionAttempt]) -> int:
    return sum(1 for a in attempts if a.is_joint)


def _eligibility(session: Session, case_id: str, joint: int | None = None) -> rules.Eligibility:
    """N-11 eligibility; ``joint``: the active joint attempts when the caller has already counted them."""
    if joint is None:
        joint = _joint_count(_active_attempts(session, case_id))
    fulfilled = session.execute(
        select(func.count()).select_from(CourtRuling).where(
            CourtRuling.case_id == case_id, CourtRuling.guardian_duty_fulfilled, ~CourtRuling.voided)
    ).scalar_one() > 0
    return rules.n11_eligibility(joint, fulfilled)


def _applications(session: Session, case_id: str) -> list[DeferralApplication]:
    return list(session.execute(
        select(DeferralApplication).where(DeferralApplication.case_id == case_id, ~DeferralApplication.voided)
        .order_by(DeferralApplication.application_date, DeferralApplication.created_at)
    ).scalars())


def _decision_of(session: Session, application_id: str) -> DeferralDecision | None:
    return session.execute(
        select(DeferralDecision).where(DeferralDecision.application_id == application_id)
        .order_by(DeferralDecision.created_at.desc()).limit(1)
    ).scalar_one_or_none()


def _approved_decision(session: Session, case_id: str) -> DeferralDecision | None:
    for app in reversed(_applications(session, case_id)):
        decision = _decision_of(session, app.id)
        if decision is not None and decision.approved:
            return decision
    return None


# --- actions --------------------------------------------------------------------------------

def report_joint(store: Store, case_id: str, report_date: dt.date | None, reported_to: str,
                 reported_by: str = "", note: str = "", *, expected_version: int | None = None,
                 today: dt.date | None = None) -> str:
    """联合劝返: record the written report to the township government; the case moves to 联合劝返."""
    require_case(store, Permission.EDIT_RECORDS, case_id)
    with store.write() as session:
        case = _case(session, case_id, expected_version)
        rules.check_allowed(case.status, Action.REPORT_JOINT)
        _raise(rules.joint_report_errors(report_date, reported_to, opened_on=_started(case), today=_today(today)))
        assert report_date is not None
        report = JointReport(case_id=case.id, report_date=report_date, reported_to=reported_to.strip(),
                             reported_by=reported_by.strip(), note=note.strip())
        session.add(report)
        case.status = CaseStatus.JOINT.value
        session.flush()
        return report.id


def record_court_ruling(store: Store, case_id: str, ruling_date: dt.date | None, court: str,
                        document_number: str, guardian_duty_fulfilled: bool, note: str = "",
                        *, today: dt.date | None = None) -> str:
    require_case(store, Permission.EDIT_RECORDS, case_id)
    errors = []
    if ruling_date is None:
        errors.append(rules.FieldError("ruling_date", "请填写判决日期"))
    elif ruling_date > _today(today):
        errors.append(rules.FieldError("ruling_date", "判决日期不能晚于今天"))
    if not court.strip():
        errors.append(rules.FieldError("court", "请填写作出判决的法院"))
    if not document_number.strip():
        errors.append(rules.FieldError("document_number", "请填写判决书案号"))
    _raise(errors)
    assert ruling_date is not None
    with store.write() as session:
        case = _case(session, case_id)
        if case.status not in rules.OPEN:
            raise ValidationError(f"案件当前为“{case.status}”，不能登记法院判决")
        ruling = CourtRuling(case_id=case.id, ruling_date=ruling_date, court=court.strip(),
                             document_number=document_number.strip(),
                             guardian_duty_fulfilled=guardian_duty_fulfilled, note=note.strip())
        session.add(ruling)
        session.flush()
        return ruling.id


def eligibility(store: Store, case_id: str) -> rules.Eligibility:
    with store.read() as session:
        return _eligibility(session, case_id)


def apply_deferral(store: Store, case_id: str, kind: str, application_date: dt.date | None, reported_by: str,
                   note: str = "", *, today: dt.date | None = None) -> str:
    """The township's application to the district leading group (N-11)."""
    require_case(store, Permission.EDIT_RECORDS, case_id)
    with store.write() as session:
        case = _case(session, case_id)
        rules.check_allowed(case.status, Action.APPLY_DEFERRAL)
        elig = _eligibility(session, case_id)
        pending = any(_decision_of(session, a.id) is None for a in _applications(session, case_id))
        _raise(rules.application_errors(kind, application_date, reported_by, eligibility=elig, pending=pending,
                                        today=_today(today)))
        assert application_date is not None
        app = DeferralApplication(case_id=case.id, kind=kind, application_date=application_date,
                                  reported_by=reported_by.strip(), basis=elig.basis, note=note.strip())
        session.add(app)
        session.flush()
        return app.id


def _at_district(store: Store) -> bool:
    inst = store.installation()
    return inst is not None and inst.kind == "district"


def decide_deferral(store: Store, application_id: str, approved: bool, decision_date: dt.date | None,
                    document_number: str, approver: str, note: str = "", *, today: dt.date | None = None) -> str:
    """The district leading group's decision. An approval fills the form's 延缓入学/休学 fields."""
    require(store, Permission.APPROVE if _at_district(store) else Permission.CLOSE_CASES)
    with store.write() as session:
        app = session.get(DeferralApplication, application_id)
        if app is None or app.voided:
            raise NotFoundError("申请不存在或已作废")
        if _decision_of(session, app.id) is not None:
            raise ValidationError("此申请已有审批结果")
        _raise(rules.decision_errors(approved, decision_date, document_number, approver,
                                     application_date=app.application_date, today=_today(today)))
        assert decision_date is not None
        decision = DeferralDecision(application_id=app.id, case_id=app.case_id, approved=approved,
                                    decision_date=decision_date, document_number=document_number.strip(),
                                    approver=approver.strip(), note=note.strip())
        session.add(decision)
        if approved:
            case = _case(session, app.case_id)
            case.deferral_approved = True
            case.deferral_approval_date = decision_date
            case.deferral_document = document_number.strip()
        session.flush()
        return decision.id


def _refuse_while_handed_over(session: Session, case_id: str) -> None:
    """销号 is refused while the case's 移交 waits for the receiving school: it would accept a case closed here."""
    from desktop_app.services.handover.request import pending_request  # noqa: PLC0415 - handover reads cases

    pending = pending_request(session, case_id)
    if pending is not None:
        raise ValidationError(f"案件正在移交中（已于{pending.requested_on}移交{pending.to_name}，待对方接收），不能销号："
                              "如学生已复学或情况有变，请先“撤回移交”，再销号")


def close_case(store: Store, case_id: str, closing: Closing, *, expected_version: int | None = None,
               today: dt.date | None = None) -> str:
    """销号 with a coded reason and its evidence. Refused (nothing changed) when evidence is missing."""
    require_case(store, Permission.CLOSE_CASES, case_id)
    with store.write() as session:
        case = _case(session, case_id, expected_version)
        rules.check_allowed(case.status, Action.CLOSE)
        _refuse_while_handed_over(session, case_id)
        decision = _approved_decision(session, case_id)
        _raise(rules.closing_errors(closing, opened_on=_started(case), today=_today(today),
                                    birth_date=case.student.birth_date, deferral_approved=decision is not None))
        row = CaseClosing(
            case_id=case.id, reason=closing.reason, closed_on=closing.closed_on, event_date=closing.event_date,
            grade=closing.grade, class_name=closing.class_name, placement=closing.placement,
            school=closing.school, place=closing.place, registry_migrated=closing.registry_migrated,
            detail=closing.detail, proof=closing.proof,
            decision_id=decision.id if decision and closing.reason == rules.ClosingReason.DEFERRED.value else None,
        )
        session.add(row)
        case.status = rules.status_after_closing(closing.reason)
        case.closed_on = closing.closed_on
        case.result = closing.reason if closing.reason in _RESULT_CODES else "其他"
        case.not_returned_reason = ""
        session.flush()
        return row.id


_RESULT_CODES = ("已复学", "转学", "区外就读", "延缓入学/休学")


def reopen_case(store: Store, case_id: str, reopen_date: dt.date | None, reason: str, *,
                expected_version: int | None = None, today: dt.date | None = None) -> str:
    """Reopen a closed case with a reason; it returns to where its work stood."""
    require_case(store, Permission.CLOSE_CASES, case_id)
    with store.write() as session:
        case = _case(session, case_id, expected_version)
        rules.check_allowed(case.status, Action.REOPEN)
        _raise(rules.reopen_errors(reopen_date, reason, closed_on=case.closed_on, today=_today(today)))
        closing = session.execute(
            select(CaseClosing).where(CaseClosing.case_id == case_id, CaseClosing.reopened_on.is_(None))
            .order_by(CaseClosing.created_at.desc()).limit(1)
        ).scalar_one_or_none()
        if closing is not None:
            closing.reopened_on = reopen_date
            closing.reopen_reason = reason.strip()
        has_report = session.execute(
            select(func.count()).select_from(JointReport).where(JointReport.case_id == case_id, ~JointReport.voided)
        ).scalar_one() > 0
        case.status = rules.status_after_reopen(has_report, len(_active_attempts(session, case_id)))
        case.closed_on = None
        case.result = "未复学"
        case.not_returned_reason = reason.strip()
        session.flush()
        return closing.id if closing else case.id


# --- what the case dialog shows ---------------------------------------------------------------

@dataclass
class ApplicationView:
    id: str
    kind: str
    application_date: dt.date
    reported_by: str
    basis: str
    decision: str  # "" while pending, else 同意/不同意 with date and document
    decided: bool
    approved: bool


@dataclass
class LifecycleState:
    case_id: str
    version: int
    name: str
    status: str
    opened_on: dt.date
    closed_on: dt.date | None
    joint_attempts: int
    eligibility: rules.Eligibility
    joint_reports: list[tuple[dt.date, str, str]] = field(default_factory=list)
    rulings: list[str] = field(default_factory=list)
    applications: list[ApplicationView] = field(default_factory=list)
    closings: list[str] = field(default_factory=list)
    pending_application: str | None = None

    def can(self, action: Action) -> bool:
        return rules.allowed(self.status, action)


def state(store: Store, case_id: str) -> LifecycleState:
    with store.read() as session:
        case = _case(session, case_id)
        joint = _joint_count(_active_attempts(session, case_id))
        st = LifecycleState(
            case_id=case.id, version=case.version, name=case.student.name, status=case.status,
            opened_on=case.opened_on, closed_on=case.closed_on,
            joint_attempts=joint, eligibility=_eligibility(session, case_id, joint),
        )
        for r in session.execute(select(JointReport).where(JointReport.case_id == case_id, ~JointReport.voided)
                                 .order_by(JointReport.report_date)).scalars():
            st.joint_reports.append((r.report_date, r.reported_to, r.reported_by))
        for ruling in session.execute(select(CourtRuling).where(CourtRuling.case_id == case_id, ~CourtRuling.voided)
                                      .order_by(CourtRuling.ruling_date)).scalars():
            duty = "监护人已履行法定义务" if ruling.guardian_duty_fulfilled else "监护人未履行法定义务"
            st.rulings.append(f"{ruling.ruling_date} {ruling.court} {ruling.document_number}，{duty}")
        for a in _applications(session, case_id):
            d = _decision_of(session, a.id)
            text = "" if d is None else (
                f"{'同意' if d.approved else '不同意'}（{d.decision_date}，{d.document_number or '无文号'}，{d.approver}）")
            st.applications.append(ApplicationView(a.id, a.kind, a.application_date, a.reported_by, a.basis, text,
                                                   d is not None, bool(d and d.approved)))
            if d is None:
                st.pending_application = a.id
        for c in session.execute(select(CaseClosing).where(CaseClosing.case_id == case_id)
                                 .order_by(CaseClosing.created_at)).scalars():
            summary = _closing_value(c).summary()
            text = f"{c.closed_on} 以“{c.reason}”销号" + (f"：{summary}" if summary else "")
            if c.reopened_on:
                text += f"；{c.reopened_on} 重新立案：{c.reopen_reason}"
            st.closings.append(text)
        return st


def _closing_value(c: CaseClosing) -> Closing:
    return Closing(reason=c.reason, closed_on=c.closed_on, event_date=c.event_date, grade=c.grade,
                   class_name=c.class_name, placement=c.placement, school=c.school, place=c.place,
                   registry_migrated=c.registry_migrated, detail=c.detail, proof=c.proof)


# --- evidence ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceInfo:
    id: str
    case_id: str
    owner_table: str
    owner_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    caption: str
    created_at: dt.datetime


OWNER_TABLES = {"cases": "案件", "persuasion_attempts": "劝返记录", "case_closings": "销号"}


def attach_evidence(store: Store, case_id: str, path: str | Path, *, owner_table: str = "cases",
                    owner_id: str | None = None, caption: str = "") -> str:
    """Copy a photo or scan (JPEG, PNG, PDF) into the store; the original file is only read."""
    require_case(store, Permission.EDIT_RECORDS, case_id)
    path = Path(path)
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise ValidationError(f"“{path.name}”不是JPEG、PNG或PDF文件，不能作为佐证材料")
    limit = int(settings.get(store, EVIDENCE_MAX_MB.key)) * 1024 * 1024
    try:
        size = path.stat().st_size
        # a photo is reduced first, so only what is stored counts (up to a sane size of what is read)
        if size > (limit if media_type == "application/pdf" else max(limit, evidence_images.MAX_READ)):
            raise ValidationError(
                f"“{path.name}”有{size / 1048576:.1f}MB，超过{limit // 1048576}MB的上限，请压缩或分页扫描后再附加")
        content = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取“{path.name}”：{exc.strerror}") from exc
    if not content:
        raise ValidationError(f"“{path.name}”是空文件")
    if not content.startswith(_MAGIC[media_type]):
        raise ValidationError(f"“{path.name}”的内容不是{mimetypes.guess_extension(media_type) or media_type}格式")
    stored = evidence_images.reduce(content, media_type, path.name)  # photos at most 2000 px, JPEG 85
    content, media_type, digest = stored.content, stored.media_type, stored.sha256
    if len(content) > limit:
        raise ValidationError(
            f"“{path.name}”有{size / 1048576:.1f}MB，超过{limit // 1048576}MB的上限，请压缩或分页扫描后再附加")
    with store.write() as session:
        case = _case(session, case_id)
        if owner_table not in OWNER_TABLES:
            raise ValidationError("佐证材料只能附加到案件、劝返记录或销号")
        owner_id = owner_id or case.id
        if owner_table == "persuasion_attempts":
            owner = session.get(PersuasionAttempt, owner_id)
            if owner is None or owner.case_id != case.id:
                raise NotFoundError("劝返记录不属于此案件")
        elif owner_table == "case_closings":
            closing = session.get(CaseClosing, owner_id)
            if closing is None or closing.case_id != case.id:
                raise NotFoundError("销号记录不属于此案件")
        if session.get(EvidenceBlob, digest) is None:
            session.add(EvidenceBlob(sha256=digest, size=len(content), content=content,
                                     original_sha256=stored.original_sha256, original_size=stored.original_size))
            session.flush()
        row = EvidenceFile(case_id=case.id, owner_table=owner_table, owner_id=owner_id, file_name=stored.file_name,
                           media_type=media_type, size=len(content), sha256=digest, caption=caption.strip())
        session.add(row)
        session.flush()
        return row.id


def evidence_list(store: Store, case_id: str) -> list[EvidenceInfo]:
    with store.read() as session:
        rows = session.execute(
            select(EvidenceFile).where(EvidenceFile.case_id == case_id, ~EvidenceFile.voided)
            .order_by(EvidenceFile.created_at)
        ).scalars()
        return [EvidenceInfo(r.id, r.case_id, r.owner_table, r.owner_id, r.file_name, r.media_type, r.size,
                             r.sha256, r.caption, r.created_at) for r in rows]


def evidence_content(store: Store, evidence_id: str) -> bytes:
    """The stored bytes, checked against their SHA-256."""
    with store.read() as session:
        row = session.get(EvidenceFile, evidence_id)
        if row is None:
            raise NotFoundError("佐证材料不存在")
        blob = session.get(EvidenceBlob, row.sha256)
        if blob is None or hashlib.sha256(blob.content).hexdigest() != row.sha256:
            raise ValidationError(f"佐证材料“{row.file_name}”的内容与校验值不符，可能已损坏")
        return bytes(blob.content)


# --- overview ---------------------------------------------------------------------------------

@dataclass
class Overview:
    open_count: int
    deferred_count: int
    by_status: dict[str, int]
    semester: SemesterSpan
    month_start: dt.date
    today: dt.date
    new_semester: int
    closed_semester: int
    new_month: int
    closed_month: int
    by_reason: list[tuple[str, int]]
    by_grade: list[tuple[str, int]]
    by_township: list[tuple[str, int]]
    trend: list[tuple[str, int, int]]  # (YYYY-MM, new, closed) for the last 12 months


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    out = []
    y, m = today.year, today.month
    for _ in range(months):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(out))


AnySelect = Select[*tuple[Any, ...]]


@cache
def _overview_statements() -> dict[str, AnySelect]:
    """The grouped queries the overview's figures come from, each answered from an index alone
    (``ix_cases_figures``, ``ix_cases_opened_on``, ``ix_cases_closed_on``, ``ix_cases_reminders``; the
    township joins students by their key).
    Built once, with the dates as parameters (``overview_parameters``)."""
    live = Case.voided.is_(False)
    open_ = Case.status.in_(CaseStatus.open_values())
    day = {name: bindparam(name, type_=Date) for name in (
        "span_start", "span_end", "month_start", "today", "from_", "to", "trend_start", "trend_end")}

    def counted(col: Any, low: str, high: str) -> Any:
        return func.count().filter(col >= day[low], col <= day[high])

    def per_month(col: Any) -> AnySelect:
        month = func.substr(sql_cast(col, String), 1, 7)  # "2026-11" on both backends (ISO dates)
        return select(month, func.count()).where(live, col >= day["trend_start"], col < day["trend_end"]) \
            .group_by(month)

    return {
        # status, reason and grade in one pass (a few hundred groups, summed in Python)
        "groups": select(Case.status, Case.dropout_reason, Case.grade, func.count()).where(live)
        .group_by(Case.status, Case.dropout_reason, Case.grade),
        "township": select(Student.hukou_township, func.count()).select_from(Case)
        .join(Student, Case.student_id == Student.id).where(live, open_).group_by(Student.hukou_township),
        "opened": select(counted(Case.opened_on, "span_start", "span_end"),
                         counted(Case.opened_on, "month_start", "today"))
        .where(live, Case.opened_on >= day["from_"], Case.opened_on <= day["to"]),
        "closed": select(counted(Case.closed_on, "span_start", "span_end"),
                         counted(Case.closed_on, "month_start", "today"))
        .where(live, Case.closed_on >= day["from_"], Case.closed_on <= day["to"]),
        "opened_trend": per_month(Case.opened_on),
        "closed_trend": per_month(Case.closed_on),
        # open cases a school handed over and the receiving school accepted (at the district, until the
        # sender's closing arrives): subtracted, so the child counts once, at the receiving school
        "handed_over": select(Case.status, Case.dropout_reason, Case.grade, Student.hukou_township, func.count())
        .select_from(Case).join(Student, Case.student_id == Student.id)
        .where(live, open_, Case.id.in_(handed_over_cases()))
        .group_by(Case.status, Case.dropout_reason, Case.grade, Student.hukou_township),
    }


def overview_parameters(today: dt.date, span: SemesterSpan) -> dict[str, dt.date]:
    month_start = today.replace(day=1)
    return {"span_start": span.start, "span_end": span.end, "month_start": month_start, "today": today,
            "from_": min(span.start, month_start), "to": max(span.end, today),
            "trend_start": _month_starts(today, 12)[0],
            "trend_end": dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1)}


def overview_selects(today: dt.date, span: SemesterSpan) -> dict[str, AnySelect]:
    """The overview's queries with this day's values bound: what the benchmark runs bare."""
    values = overview_parameters(today, span)
    return {key: stmt.params(values) for key, stmt in _overview_statements().items()}


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(value, count) largest first, then by value; empty values as ""."""
    return sorted(((k or "", n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))


def overview(store: Store, today: dt.date | None = None) -> Overview:
    today = _today(today)
    span = semesters.current(store, today)
    month_start = today.replace(day=1)
    stmts = _overview_statements()
    values = overview_parameters(today, span)
    open_values = CaseStatus.open_values()
    with store.read() as session:
        groups = cast("Sequence[tuple[str, str | None, str | None, int]]", session.execute(stmts["groups"]).all())
        township = cast("Sequence[tuple[str | None, int]]", session.execute(stmts["township"]).all())
        new_semester, new_month = session.execute(stmts["opened"], values).one()
        closed_semester, closed_month = session.execute(stmts["closed"], values).one()
        opened = dict(cast("Sequence[tuple[str, int]]", session.execute(stmts["opened_trend"], values).all()))
        closed = dict(cast("Sequence[tuple[str, int]]", session.execute(stmts["closed_trend"], values).all()))
        handed = cast("Sequence[tuple[str, str | None, str | None, str | None, int]]",
                      session.execute(stmts["handed_over"]).all())
    by_status: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    by_grade: dict[str, int] = {}
    by_township: dict[str, int] = {}
    for town, n in township:
        by_township[town or ""] = by_township.get(town or "", 0) + n
    for status, reason, grade, n in groups:
        by_status[status] = by_status.get(status, 0) + n
        if status in open_values:
            by_reason[reason or ""] = by_reason.get(reason or "", 0) + n
            by_grade[grade or ""] = by_grade.get(grade or "", 0) + n
    for status, reason, grade, town, n in handed:  # counted at the receiving school only
        by_status[status] = by_status.get(status, 0) - n
        by_reason[reason or ""] = by_reason.get(reason or "", 0) - n
        by_grade[grade or ""] = by_grade.get(grade or "", 0) - n
        by_township[town or ""] = by_township.get(town or "", 0) - n
    trend = [(f"{start:%Y-%m}", opened.get(f"{start:%Y-%m}", 0), closed.get(f"{start:%Y-%m}", 0))
             for start in _month_starts(today, 12)]
    return Overview(
        open_count=sum(by_status.get(s, 0) for s in open_values),
        deferred_count=by_status.get(CaseStatus.DEFERRED.value, 0),
        by_status={s.value: by_status.get(s.value, 0) for s in CaseStatus},
        semester=span, month_start=month_start, today=today,
        new_semester=new_semester or 0, closed_semester=closed_semester or 0,
        new_month=new_month or 0, closed_month=closed_month or 0,
        by_reason=_ranked(by_reason),
        by_grade=_ranked(by_grade),
        by_township=_ranked(by_township),
        trend=trend,
    )


# --- reminders (待办) ----------------------------------------------------------------------------

def thresholds(store: Store) -> rules.Thresholds:
    return rules.Thresholds(
        first_attempt_days=int(settings.get(store, FIRST_ATTEMPT_DAYS.key)),
        idle_days=int(settings.get(store, IDLE_DAYS.key)),
        deferred_grace_days=int(settings.get(store, DEFERRED_GRACE_DAYS.key)),
    )


@cache
def _reminder_statement() -> AnySelect:
    """The cases that have a reminder due, with what ``rules.reminders`` needs to word it (the day's
    values are parameters: ``reminder_parameters``).

    The conditions mirror ``rules.reminders`` (which decides again, exactly) so that only those cases
    leave the database: one grouped pass over the attempts (``ix_persuasion_attempts_case_id``
    covers it), no per-case Python work for the tens of thousands of cases without a reminder.
    """
    open_values = CaseStatus.open_values()
    attempts = (
        select(PersuasionAttempt.case_id.label("case_id"),
               func.max(PersuasionAttempt.attempt_date).label("last"),
               func.count().filter(PersuasionAttempt.is_joint.is_(True)).label("joint"))
        .where(PersuasionAttempt.voided.is_(False))
        .group_by(PersuasionAttempt.case_id)
        .subquery("attempts")
    )
    last, joint = attempts.c.last, func.coalesce(attempts.c.joint, 0)
    court = (select(CourtRuling.id).where(CourtRuling.case_id == Case.id, CourtRuling.guardian_duty_fulfilled,
                                          CourtRuling.voided.is_(False)).exists())
    rejected = select(DeferralDecision.application_id).where(DeferralDecision.approved.is_(False))
    applied = (select(DeferralApplication.id).where(DeferralApplication.case_id == Case.id,
                                                    DeferralApplication.voided.is_(False),
                                                    DeferralApplication.id.not_in(rejected)).exists())
    is_open = Case.status.in_(open_values)
    completion = [getattr(Case, key) for key, _label in rules.COMPLETION_FIELDS]
    semester_start = bindparam("semester_start", type_=Date)
    due = or_(
        and_(is_open, last.is_(None), Case.opened_on <= bindparam("first_attempt_due", type_=Date)),
        and_(is_open, last <= bindparam("idle_due", type_=Date)),
        and_(is_open, or_(joint >= rules.N11_JOINT_ATTEMPTS, court), ~applied),
        and_(Case.status == CaseStatus.DEFERRED.value, bindparam("deferred_due", type_=Boolean),
             or_(last.is_(None), last < semester_start)),
        *[or_(col.is_(None), col == "") for col in completion],
        and_(last.is_not(None), or_(Case.result.is_(None), Case.result == "")),
    )
    name = select(Student.name).where(Student.id == Case.student_id).scalar_subquery()  # for the few that are due
    return (
        select(Case.id, Case.status, Case.opened_on, name.label("name"), last.label("last"), joint.label("joint"),
               court.label("court"), applied.label("applied"), *completion, Case.result)
        .outerjoin(attempts, attempts.c.case_id == Case.id)
        .where(Case.voided.is_(False), Case.status.in_((*open_values, CaseStatus.DEFERRED.value)), due)
    )


def reminder_parameters(today: dt.date, thresholds: rules.Thresholds, semester_start: dt.date) -> dict[str, Any]:
    return {"first_attempt_due": today - dt.timedelta(days=thresholds.first_attempt_days),
            "idle_due": today - dt.timedelta(days=thresholds.idle_days),
            "deferred_due": today >= semester_start + dt.timedelta(days=thresholds.deferred_grace_days),
            "semester_start": semester_start}


def reminder_facts_select(today: dt.date, thresholds: rules.Thresholds, semester_start: dt.date) -> AnySelect:
    """The reminders' query with this day's values bound: what the benchmark runs bare."""
    return _reminder_statement().params(reminder_parameters(today, thresholds, semester_start))


def case_facts(store: Store, today: dt.date, thresholds: rules.Thresholds,
               semester_start: dt.date) -> list[rules.CaseFacts]:
    """The facts of every open or deferred case that has a reminder due on ``today``."""
    keys = (*(key for key, _label in rules.COMPLETION_FIELDS), "result")
    with store.read() as session:  # Core, not the ORM: the rows are plain tuples (tens of thousands of them)
        rows = session.connection().execute(_reminder_statement(),
                                            reminder_parameters(today, thresholds, semester_start)).all()
    facts = []
    missing_fields = rules.missing_fields
    for case_id, status, opened_on, name, last, joint, court, applied, *values in rows:
        f = rules.CaseFacts(case_id=case_id, name=name or "", status=status, opened_on=opened_on, last_attempt=last,
                            joint_attempts=int(joint or 0), court_ruling_fulfilled=bool(court),
                            has_application=bool(applied))
        if not all(values[:-1]) or (last is not None and not values[-1]):  # a form with a field still to fill
            f.missing_fields = missing_fields(dict(zip(keys, values, strict=True)), last is not None)
        facts.append(f)
    return facts


REMINDER_LABELS = {
    rules.REMIND_FIRST: "未及时劝返",
    rules.REMIND_IDLE: "劝返中断",
    rules.REMIND_APPLY: "可申请缓学",
    rules.REMIND_DEFERRED: "缓学跟踪",
    rules.REMIND_FORM: "表格未填完",
}


@todo.provider
def case_reminders(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """The school's persuasion reminders (the district supervises them through its figures instead)."""
    if _at_district(store):
        return []
    span = semesters.current(store, today)
    limits = thresholds(store)
    items = rules.reminders(case_facts(store, today, limits, span.start), today, limits, span.start)
    return [todo.TodoItem(r.due, r.title, r.detail, REMINDER_LABELS.get(r.kind, r.kind), ("case", r.case_id))
            for r in items]


def evidence_owners(store: Store, case_id: str) -> list[tuple[str, str, str]]:
    """What an evidence file can be attached to: the case, each active attempt, each closing."""
    with store.read() as session:
        case = _case(session, case_id)
        out = [("cases", case.id, "案件（一生一表）")]
        for i, a in enumerate(sorted(_active_attempts(session, case_id), key=lambda a: a.attempt_date), start=1):
            out.append(("persuasion_attempts", a.id, f"第{i}次劝返（{a.attempt_date}，{a.method}）"))
        for c in session.execute(select(CaseClosing).where(CaseClosing.case_id == case_id)
                                 .order_by(CaseClosing.created_at)).scalars():
            out.append(("case_closings", c.id, f"销号（{c.closed_on}，{c.reason}）"))
        return out
