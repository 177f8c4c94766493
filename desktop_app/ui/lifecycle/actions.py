"""The lifecycle actions on one case, shared by the form's 案件处理 tab and the ledger's context menu.

Each asks its dialog, calls the service, and shows the service's sentence when it refuses; it
returns True when the store changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from desktop_app.domain.errors import BaoxueError, ValidationError
from desktop_app.domain.lifecycle import Action
from desktop_app.services import cases, handover, lifecycle
from desktop_app.services.store import Store
from desktop_app.ui.lifecycle.dialogs import (
    ApplicationDialog,
    ClosingDialog,
    CourtRulingDialog,
    DecisionDialog,
    JointReportDialog,
    ReopenDialog,
)
from desktop_app.ui.lifecycle.handover import HandoverDialog, WithdrawHandoverDialog
from desktop_app.ui.widgets import Messages


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseActions", text)


def _failed(parent: QWidget | None, title: str, exc: BaoxueError) -> None:
    Messages.error(parent, title, str(exc))


def _township(store: Store, case_id: str) -> str:
    return cases.load_form(store, case_id).hukou.township


def report_joint(parent: QWidget | None, store: Store, case_id: str) -> bool:
    inst = store.installation()
    value = JointReportDialog.ask(parent, _township(store, case_id), inst.name if inst else "")
    if value is None:
        return False
    try:
        lifecycle.report_joint(store, case_id, value.report_date, value.reported_to, value.reported_by, value.note)
    except BaoxueError as exc:
        _failed(parent, tr("未能上报联合劝返"), exc)
        return False
    return True


def record_court_ruling(parent: QWidget | None, store: Store, case_id: str) -> bool:
    value = CourtRulingDialog.ask(parent)
    if value is None:
        return False
    try:
        lifecycle.record_court_ruling(store, case_id, value.ruling_date, value.court, value.document_number,
                                      value.fulfilled, value.note)
    except BaoxueError as exc:
        _failed(parent, tr("未能登记法院判决"), exc)
        return False
    return True


def apply_deferral(parent: QWidget | None, store: Store, case_id: str) -> bool:
    elig = lifecycle.eligibility(store, case_id)
    if not elig.eligible:
        Messages.error(parent, tr("不能申请"), tr("不符合申请延缓入学/休学的条件：") + elig.basis)
        return False
    value = ApplicationDialog.ask(parent, elig.basis, _township(store, case_id))
    if value is None:
        return False
    try:
        lifecycle.apply_deferral(store, case_id, value.kind, value.application_date, value.reported_by, value.note)
    except BaoxueError as exc:
        _failed(parent, tr("未能登记申请"), exc)
        return False
    return True


def decide_deferral(parent: QWidget | None, store: Store, case_id: str) -> bool:
    pending = lifecycle.state(store, case_id).pending_application
    if pending is None:
        Messages.error(parent, tr("没有待审批的申请"), tr("此案件没有待区领导小组审批的延缓入学/休学申请"))
        return False
    value = DecisionDialog.ask(parent)
    if value is None:
        return False
    try:
        lifecycle.decide_deferral(store, pending, value.approved, value.decision_date, value.document_number,
                                  value.approver, value.note)
    except BaoxueError as exc:
        _failed(parent, tr("未能登记审批结果"), exc)
        return False
    return True


def _ask_until_saved(parent: QWidget | None, ask: Callable[[Any], Any], save: Callable[[Any], object],
                     title: str) -> bool:
    """Ask with a dialog and save what it gives; a refused value (ValidationError) is shown and the dialog
    offered again with what was typed; any other refusal is shown and ends the action."""
    previous = None
    while True:
        value = ask(previous)
        if value is None:
            return False
        try:
            save(value)
        except ValidationError as exc:
            _failed(parent, title, exc)
            previous = value
            continue
        except BaoxueError as exc:
            _failed(parent, title, exc)
            return False
        return True


def close_case(parent: QWidget | None, store: Store, case_id: str) -> bool:
    """销号; a refusal shows what evidence is missing and offers the dialog again with what was typed."""
    return _ask_until_saved(parent, lambda previous: ClosingDialog.ask(parent, previous),
                            lambda closing: lifecycle.close_case(store, case_id, closing), tr("未销号"))


def reopen_case(parent: QWidget | None, store: Store, case_id: str) -> bool:
    value = ReopenDialog.ask(parent)
    if value is None:
        return False
    try:
        lifecycle.reopen_case(store, case_id, value.reopen_date, value.reason)
    except BaoxueError as exc:
        _failed(parent, tr("未能重新立案"), exc)
        return False
    return True


def handover_case(parent: QWidget | None, store: Store, case_id: str) -> bool:
    """移交 to another school of the district; a refusal shows why and offers the dialog again."""
    inst = store.installation()
    if inst is None or inst.kind != "school":
        Messages.error(parent, tr("不能移交"), tr("移交由学校办理：区教委转交学校发来的移交"))
        return False
    try:
        schools = handover.district_schools(store)
    except BaoxueError as exc:
        _failed(parent, tr("不能移交"), exc)
        return False
    return _ask_until_saved(parent, lambda previous: HandoverDialog.ask(parent, schools, previous),
                            lambda request: handover.request_handover(store, case_id, request), tr("未移交"))


def withdraw_handover(parent: QWidget | None, store: Store, case_id: str) -> bool:
    """撤回移交 while the receiving school has not answered; a refusal shows why."""
    line = handover.in_flight_request(store, case_id)
    if not line:
        Messages.error(parent, tr("不能撤回"), tr("此案件没有等待对方接收的移交，无需撤回"))
        return False
    reason = WithdrawHandoverDialog.ask(parent, line)
    if reason is None:
        return False
    try:
        handover.withdraw_handover(store, case_id, reason)
    except BaoxueError as exc:
        _failed(parent, tr("未撤回"), exc)
        return False
    return True


ActionFn = Callable[[QWidget | None, Store, str], bool]

# (label, action the status must allow or None, function)
ACTIONS: tuple[tuple[str, Action | None, ActionFn], ...] = (
    ("上报联合劝返…", Action.REPORT_JOINT, report_joint),
    ("登记法院判决…", None, record_court_ruling),
    ("申请延缓入学/休学…", Action.APPLY_DEFERRAL, apply_deferral),
    ("登记区领导小组审批…", None, decide_deferral),
    ("销号…", Action.CLOSE, close_case),
    ("移交…", Action.CLOSE, handover_case),
    ("重新立案…", Action.REOPEN, reopen_case),
)
