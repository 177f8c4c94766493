"""Local accounts: creation, sign-in with a wait after wrong passwords, password reset, roles.

Passwords are hashed with Argon2id (argon2-cffi). Account changes go to the history as events,
naming the account and the change, never the hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database.accounts import Account, StudentAssignment
from database.models import Student, utcnow
from desktop_app.domain.contact import normalize_phone, phone_error
from desktop_app.domain.errors import FieldError, NotFoundError, SignInError, ValidationError
from desktop_app.domain.roles import (
    ADMIN_ROLES,
    ROLE_LABELS,
    Permission,
    Role,
    password_problem,
    roles_for,
    user_name_problem,
    wait_after_failures,
)
from desktop_app.services import audit, keyslots, settings
from desktop_app.services.access import require
from desktop_app.services.store import Actor, Store

if TYPE_CHECKING:
    from argon2 import PasswordHasher

IDLE_LOCK_MINUTES = settings.declare("accounts.idle_lock_minutes", "无操作自动锁定（分钟）", 10,
                                     minimum=1, maximum=240, unit="分钟")


_hasher: PasswordHasher | None = None  # made at the first password hashed or checked (tests set a cheaper one)


def _password_hasher() -> PasswordHasher:
    """argon2-cffi's hasher, made at the first sign-in, not at every start (argon2 imports ``platform``)."""
    global _hasher  # noqa: PLW0603 - one hasher for the process, made when first needed
    if _hasher is None:
        from argon2 import PasswordHasher  # noqa: PLC0415 - see above

        _hasher = PasswordHasher()
    return _hasher


def _hash_errors() -> tuple[type[Exception], ...]:
    """What a wrong password or a damaged hash raises (looked up only when one was raised)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError  # noqa: PLC0415

    return VerifyMismatchError, VerificationError, InvalidHashError


DEMO_ADMIN = "admin"
DEMO_PASSWORD = "baoxue-demo"


@dataclass(frozen=True)
class AccountInfo:
    """What the accounts page lists (no hash)."""

    id: str
    user_name: str
    display_name: str
    phone: str
    role: str
    all_students: bool
    active: bool
    must_change_password: bool
    last_sign_in: dt.datetime | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def _info(a: Account) -> AccountInfo:
    return AccountInfo(a.id, a.user_name, a.display_name, a.phone, a.role, a.all_students, a.active,
                       a.must_change_password, a.last_sign_in)


def _actor(a: Account) -> Actor:
    return Actor(a.user_name, a.role, a.display_name, a.id, a.all_students)


def hash_password(password: str) -> str:
    return _password_hasher().hash(password)


def _event(session: Session, account: Account, what: str, detail: str = "") -> None:
    audit.record_event(session, "accounts", account.id, what, detail or account.user_name)


def has_accounts(store: Store) -> bool:
    with store.read() as session:
        return bool(session.execute(select(func.count()).select_from(Account)).scalar_one())


def list_accounts(store: Store) -> list[AccountInfo]:
    require(store, Permission.MANAGE_ACCOUNTS)
    with store.read() as session:
        rows = session.execute(select(Account).order_by(Account.created_at, Account.user_name)).scalars()
        return [_info(a) for a in rows]


def get_account(store: Store, user_name: str) -> AccountInfo:
    with store.read() as session:
        return _info(_find(session, user_name))


def _find(session: Session, user_name: str) -> Account:
    account = session.execute(select(Account).where(Account.user_name == user_name)).scalar_one_or_none()
    if account is None:
        raise NotFoundError(f"没有用户名为“{user_name}”的账户")
    return account


def _check_new(store: Store, session: Session, user_name: str, password: str, role: str,
               phone: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if problem := user_name_problem(user_name):
        errs.append(FieldError("user_name", problem))
    elif session.execute(select(Account.id).where(Account.user_name == user_name)).first():
        errs.append(FieldError("user_name", f"用户名“{user_name}”已被使用"))
    if problem := password_problem(password, user_name):
        errs.append(FieldError("password", problem))
    inst = store.installation()
    if role not in roles_for(inst.kind if inst else "school"):
        errs.append(FieldError("role", "请选择本单位可用的角色"))
    if err := phone_error(phone, "phone", "手机号码", required=False):
        errs.append(err)
    return errs


def create_account(store: Store, user_name: str, password: str, role: str, *, display_name: str = "",
                   phone: str = "", all_students: bool = True) -> str:
    """An administrator adds an account; returns its id."""
    require(store, Permission.MANAGE_ACCOUNTS)
    return _create(store, user_name.strip(), password, role, display_name, phone, all_students)


def create_first_admin(store: Store, user_name: str, password: str, *, display_name: str = "",
                       phone: str = "") -> str:
    """The first account, made at set-up: the installation's administrator. Refused once any
    account exists."""
    if has_accounts(store):
        raise ValidationError("本机已有账户，请由管理员登录后在“账户”中添加")
    inst = store.installation()
    role = Role.DISTRICT_ADMIN if inst and inst.kind == "district" else Role.ADMIN
    return _create(store, user_name.strip(), password, role, display_name, phone, True)


def _create(store: Store, user_name: str, password: str, role: str, display_name: str, phone: str,
            all_students: bool) -> str:
    phone = normalize_phone(phone)
    with store.write() as session:
        if errs := _check_new(store, session, user_name, password, role, phone):
            raise ValidationError(errs)
        account = Account(user_name=user_name, display_name=display_name.strip(), phone=phone, role=role,
                          all_students=all_students, password_hash=hash_password(password))
        session.add(account)
        session.flush()
        _event(session, account, "账户建立", f"{user_name}（{ROLE_LABELS[role]}）")
        keyslots.sync(store, session=session)  # the new account's key slot
        return account.id


# --- sign-in --------------------------------------------------------------------------------


def sign_in(store: Store, user_name: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check the password; on success the store acts for this account from now on.

    Five wrong passwords in a row make the next try wait (30 s, doubling); the wait is kept in
    the store, so restarting the program does not skip it.

    Raises:
        SignInError: wrong user name or password (one message for both), disabled, or waiting.
    """
    now = now or utcnow()
    user_name = user_name.strip()
    with store.read() as session:
        account = session.execute(select(Account).where(Account.user_name == user_name)).scalar_one_or_none()
    if account is None:
        # Hash anyway so a missing user name takes as long as a wrong password.
        _password_hasher().hash(password or "-")
        raise SignInError("用户名或密码不正确")
    if not account.active:
        raise SignInError("此账户已停用，请联系管理员")
    if account.locked_until and account.locked_until > now:
        wait = int((account.locked_until - now).total_seconds() + 0.999)
        raise SignInError(f"密码连续输错{account.failed_attempts}次，请{wait}秒后再试", wait)
    ok: bool
    try:
        ok = _password_hasher().verify(account.password_hash, password)
    except _hash_errors():
        ok = False
    wait = 0
    actor = _actor(account)
    previous = store.account
    store.act_as(actor)  # failures and the sign-in are recorded as this account's
    try:
        with store.write() as session:
            row = session.get(Account, account.id)
            assert row is not None
            if not ok:
                row.failed_attempts += 1
                wait = wait_after_failures(row.failed_attempts)
                row.locked_until = now + dt.timedelta(seconds=wait) if wait else None
                if wait:
                    _event(session, row, "登录失败",
                           f"{row.user_name} 连续输错密码{row.failed_attempts}次，等待{wait}秒")
            else:
                row.failed_attempts, row.locked_until, row.last_sign_in = 0, None, now
                if _password_hasher().check_needs_rehash(row.password_hash):
                    row.password_hash = hash_password(password)
                    keyslots.sync(store, session=session)  # the slot follows the new hash
                _event(session, row, "登录")
    except Exception:
        store.act_as(previous)
        raise
    if not ok:
        store.act_as(previous)
        if wait:
            raise SignInError(f"密码连续输错{row.failed_attempts}次，请{wait}秒后再试", wait)
        left = 5 - row.failed_attempts
        raise SignInError("用户名或密码不正确" + (f"（再错{left}次须等待后重试）" if 0 < left < 3 else ""))
    return actor


def authenticate(store: Store, user_name: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check an account's password without writing anything (no counters, no history); on success the
    store acts for the account. For commands that only read (verify, about), so a check of the store
    does not change it.

    Raises:
        SignInError: wrong user name or password, disabled, or waiting after wrong passwords.
    """
    now = now or utcnow()
    with store.read() as session:
        account = session.execute(select(Account).where(Account.user_name == user_name.strip())).scalar_one_or_none()
    if account is None:
        raise SignInError("用户名或密码不正确")
    if not account.active:
        raise SignInError("此账户已停用，请联系管理员")
    if account.locked_until and account.locked_until > now:
        wait = int((account.locked_until - now).total_seconds() + 0.999)
        raise SignInError(f"密码连续输错{account.failed_attempts}次，请{wait}秒后再试", wait)
    try:
        _password_hasher().verify(account.password_hash, password)
    except _hash_errors() as exc:
        raise SignInError("用户名或密码不正确") from exc
    actor = _actor(account)
    store.act_as(actor)
    return actor


def unlock(store: Store, password: str, now: dt.datetime | None = None) -> Actor:
    """The locked window asks the signed-in account's password again (same wait rules)."""
    return sign_in(store, store.account.user_name, password, now)


def must_change_password(store: Store) -> bool:
    if store.account.is_system:
        return False
    with store.read() as session:
        row = session.get(Account, store.account.account_id)
        return bool(row and row.must_change_password)


def change_own_password(store: Store, old: str, new: str) -> None:
    actor = store.account
    if actor.is_system:
        raise ValidationError("未登录账户，不能修改密码")
    with store.read() as session:
        row = session.get(Account, actor.account_id)
        if row is None:
            raise NotFoundError("账户不存在")
        try:
            _password_hasher().verify(row.password_hash, old)
        except _hash_errors() as exc:
            raise ValidationError(FieldError("old_password", "原密码不正确")) from exc
    if problem := password_problem(new, actor.user_name):
        raise ValidationError(FieldError("password", problem))
    if new == old:
        raise ValidationError(FieldError("password", "新密码不能与原密码相同"))
    with store.write() as session:
        row = session.get(Account, actor.account_id)
        assert row is not None
        row.password_hash, row.must_change_password = hash_password(new), False
        _event(session, row, "修改密码")
        keyslots.sync(store, session=session)  # this account's slot is rewrapped


def reset_password(store: Store, user_name: str, new_password: str, *, must_change: bool | None = None) -> None:
    """An administrator sets a new password for a forgotten one; the account must change it at
    its next sign-in (unless ``must_change`` says otherwise). The reset (who reset whose password)
    is in the history, and the account's key slot is rewrapped."""
    require(store, Permission.MANAGE_ACCOUNTS)
    if problem := password_problem(new_password, user_name):
        raise ValidationError(FieldError("password", problem))
    with store.write() as session:
        row = _find(session, user_name)
        row.password_hash = hash_password(new_password)
        row.must_change_password = row.id != store.account.account_id if must_change is None else must_change
        row.failed_attempts, row.locked_until = 0, None
        _event(session, row, "密码重置", f"{store.account.user_name} 重置了 {user_name} 的密码")
        keyslots.sync(store, session=session)


def update_account(store: Store, user_name: str, *, display_name: str | None = None, phone: str | None = None,
                   role: str | None = None, all_students: bool | None = None, active: bool | None = None) -> None:
    """Change an account's details, role, scope or whether it may sign in; each change is in the history."""
    require(store, Permission.MANAGE_ACCOUNTS)
    with store.write() as session:
        row = _find(session, user_name)
        changes: list[audit.Change] = []
        if phone is not None:
            phone = normalize_phone(phone)
            if err := phone_error(phone, "phone", "手机号码", required=False):
                raise ValidationError(err)
        if role is not None:
            inst = store.installation()
            if role not in roles_for(inst.kind if inst else "school"):
                raise ValidationError(FieldError("role", "请选择本单位可用的角色"))
        if (role is not None and role not in ADMIN_ROLES) or active is False:
            if row.id == store.account.account_id:
                raise ValidationError("不能停用自己的账户或取消自己的管理员角色")
            if row.role in ADMIN_ROLES and row.active and _active_admins(session) <= 1:
                raise ValidationError("这是唯一的管理员账户，不能停用或改为其他角色")
        for name, value in (("display_name", display_name), ("phone", phone), ("role", role),
                            ("all_students", all_students), ("active", active)):
            if value is None:
                continue
            if isinstance(value, str):
                value = value.strip()
            old = getattr(row, name)
            if old != value:
                changes.append(audit.Change("update", "accounts", row.id, name, audit.to_text(old),
                                            audit.to_text(value)))
                setattr(row, name, value)
        audit.append(session, changes)
        if any(c.field == "active" for c in changes):
            keyslots.sync(store, session=session)  # a disabled account loses its key slot


def _active_admins(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(Account).where(Account.role.in_(ADMIN_ROLES), Account.active.is_(True))
    ).scalar_one()


# --- teachers' assigned students -------------------------------------------------------------


def assign_students(store: Store, user_name: str, student_ids: list[str], assigned: bool = True) -> int:
    """Assign (or withdraw) students to a teacher limited to assigned students; returns the count changed."""
    require(store, Permission.MANAGE_ACCOUNTS)
    changed = 0
    with store.write() as session:
        account = _find(session, user_name)
        for sid in student_ids:
            if session.get(Student, sid) is None:
                raise NotFoundError("学生不存在")
            row = session.execute(select(StudentAssignment).where(
                StudentAssignment.account_id == account.id, StudentAssignment.student_id == sid,
            )).scalar_one_or_none()
            if row is None and assigned:
                session.add(StudentAssignment(account_id=account.id, student_id=sid, active=True))
            elif row is not None and row.active != assigned:
                row.active = assigned
            else:
                continue
            changed += 1
            audit.record_event(session, "student_assignments", sid, "分配学生" if assigned else "取消分配",
                               user_name)
    return changed


def assigned_student_ids(store: Store, user_name: str) -> set[str]:
    with store.read() as session:
        account = _find(session, user_name)
        return set(session.execute(select(StudentAssignment.student_id).where(
            StudentAssignment.account_id == account.id, StudentAssignment.active.is_(True),
        )).scalars())


def assign_new_student(session: Session, actor: Actor, student_id: str) -> None:
    """Inside a write: a teacher limited to assigned students who registers a new student gets it."""
    if actor.role == Role.TEACHER and not actor.all_students and actor.account_id:
        session.add(StudentAssignment(account_id=actor.account_id, student_id=student_id, active=True))


@dataclass(frozen=True)
class StudentChoice:
    id: str
    name: str
    id_number: str
    township: str
    village: str


def assignable_students(store: Store) -> list[StudentChoice]:
    """The school's students, for assigning them to teachers (ordered by pinyin)."""
    require(store, Permission.MANAGE_ACCOUNTS)
    with store.read() as session:
        rows = session.execute(
            select(Student.id, Student.name, Student.id_number, Student.hukou_township, Student.village)
            .order_by(Student.name_pinyin, Student.id)
        )
        return [StudentChoice(*r) for r in rows]


def set_assigned_students(store: Store, user_name: str, student_ids: set[str]) -> int:
    """Make ``student_ids`` exactly the students assigned to this teacher; returns the count changed."""
    current = assigned_student_ids(store, user_name)
    changed = assign_students(store, user_name, sorted(student_ids - current), True) if student_ids - current else 0
    if current - student_ids:
        changed += assign_students(store, user_name, sorted(current - student_ids), False)
    return changed
