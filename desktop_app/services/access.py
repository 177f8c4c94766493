"""Role checks for the write services: ``require(store, Permission.X)`` before acting.

Every service that changes or exports data calls ``require`` first (before opening its
transaction), so a refused action changes nothing and says why::

    from desktop_app.services.access import Permission, require

    def save_visit(store: Store, ...) -> str:
        require(store, Permission.EDIT_RECORDS, student_id=student_id)
        with store.write() as session:
            ...
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.accounts import StudentAssignment
from desktop_app.domain.errors import PermissionDenied
from desktop_app.domain.roles import PERMISSION_LABELS, ROLE_LABELS, Permission, Role, allowed
from desktop_app.services.store import Store

__all__ = ["Permission", "PermissionDenied", "can", "require", "require_student"]


def can(store: Store, permission: str, *, student_id: str | None = None) -> bool:
    """Whether the store's account may do this (for enabling buttons; services use ``require``)."""
    try:
        require(store, permission, student_id=student_id)
    except PermissionDenied:
        return False
    return True


def require(store: Store, permission: str, *, student_id: str | None = None) -> None:
    """Refuse (PermissionDenied, a Chinese sentence) unless the store's account may do this.

    Args:
        permission: a ``Permission`` value.
        student_id: the student whose records are changed; a teacher limited to assigned
            students may change only theirs. None for a new student.
    """
    actor = store.account
    if not actor.role:  # fails closed: a store opened without a signed-in account may do nothing
        raise PermissionDenied(
            f"尚未登录：{PERMISSION_LABELS.get(permission, permission)}须先以有此权限的账户登录"
        )
    if not allowed(actor.role, permission):
        role = ROLE_LABELS.get(actor.role, actor.role)
        raise PermissionDenied(
            f"{role}账户“{actor.label}”无权{PERMISSION_LABELS.get(permission, permission)}，"
            "如需办理请联系管理员"
        )
    if permission == Permission.EDIT_RECORDS and student_id:
        with store.read() as session:
            require_student(session, store, student_id)


def require_student(session: Session, store: Store, student_id: str) -> None:
    """Inside a transaction: refuse a teacher limited to assigned students a student not theirs."""
    actor = store.account
    if actor.role != Role.TEACHER or actor.all_students or not actor.account_id:
        return
    assigned = session.execute(
        select(StudentAssignment.id).where(
            StudentAssignment.account_id == actor.account_id,
            StudentAssignment.student_id == student_id,
            StudentAssignment.active.is_(True),
        )
    ).first()
    if assigned is None:
        raise PermissionDenied("您的账户只能修改分配给您的学生的记录；此学生未分配给您，请联系管理员")


def require_case(store: Store, permission: str, case_id: str) -> None:
    """``require`` for an action on a case: a limited teacher only for the case of an assigned student."""
    from database.models import Case

    require(store, permission)
    with store.read() as session:
        student_id = session.execute(select(Case.student_id).where(Case.id == case_id)).scalar_one_or_none()
        if student_id:
            require_student(session, store, student_id)
