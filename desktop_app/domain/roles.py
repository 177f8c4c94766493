"""Roles and what each may do, password strength, and who may see personal numbers in full.

Pure rules: the services enforce them (``desktop_app.services.access.require``), the screens only
hide what a role cannot use.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    ADMIN = "admin"  # 管理员 (a school)
    TEACHER = "teacher"  # 教师
    READONLY = "readonly"  # 只读
    DISTRICT_ADMIN = "district_admin"  # 区管理员
    SUPERVISOR = "supervisor"  # 督导员 (read-only supervision)


ROLE_LABELS: dict[str, str] = {
    Role.ADMIN: "管理员",
    Role.TEACHER: "教师",
    Role.READONLY: "只读",
    Role.DISTRICT_ADMIN: "区管理员",
    Role.SUPERVISOR: "督导员",
}

SCHOOL_ROLES = (Role.ADMIN, Role.TEACHER, Role.READONLY)
DISTRICT_ROLES = (Role.DISTRICT_ADMIN, Role.SUPERVISOR)
ADMIN_ROLES = (Role.ADMIN, Role.DISTRICT_ADMIN)


def roles_for(kind: str) -> tuple[Role, ...]:
    """The roles an installation of ``kind`` ("school" / "district") offers."""
    return DISTRICT_ROLES if kind == "district" else SCHOOL_ROLES


class Permission(StrEnum):
    """What a service checks before it acts. Other areas use these names with ``require``."""

    VIEW = "view"  # read the ledger (masked numbers)
    EDIT_RECORDS = "records.edit"  # cases, persuasion attempts, census entries, care, home teaching
    CLOSE_CASES = "cases.close"  # 销号 / void with a reason
    EXPORT = "data.export"  # export personal data (Excel, packages)
    PRINT = "data.print"  # print forms and lists
    MANAGE_ACCOUNTS = "accounts.manage"
    MANAGE_SETTINGS = "settings.manage"  # unit details, business settings, semesters
    BACKUP = "backup.make"
    RESTORE = "backup.restore"
    EXCHANGE = "sync.exchange"  # make and import USB packages
    APPROVE = "district.approve"  # district approvals (deferral / suspension)
    MATCH = "district.match"  # 全区联查 over every school's data (the district's own work)
    LOAD_DEMO = "demo.load"


PERMISSION_LABELS: dict[str, str] = {
    Permission.VIEW: "查看台账",
    Permission.EDIT_RECORDS: "登记和修改记录",
    Permission.CLOSE_CASES: "销号或作废",
    Permission.EXPORT: "导出个人信息",
    Permission.PRINT: "打印",
    Permission.MANAGE_ACCOUNTS: "管理账户",
    Permission.MANAGE_SETTINGS: "修改设置",
    Permission.BACKUP: "备份",
    Permission.RESTORE: "从备份恢复",
    Permission.EXCHANGE: "数据交换",
    Permission.APPROVE: "区级审批",
    Permission.MATCH: "运行全区联查",
    Permission.LOAD_DEMO: "载入演示数据",
}

_ALL = frozenset(Permission)
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ADMIN: _ALL - {Permission.APPROVE, Permission.MATCH},
    Role.TEACHER: frozenset({Permission.VIEW, Permission.EDIT_RECORDS, Permission.PRINT}),
    Role.READONLY: frozenset({Permission.VIEW}),
    Role.DISTRICT_ADMIN: _ALL - {Permission.EDIT_RECORDS, Permission.CLOSE_CASES},
    Role.SUPERVISOR: frozenset({Permission.VIEW}),
}


def allowed(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


# --- passwords -----------------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 8
_COMMON = {"12345678", "123456789", "1234567890", "password", "password1", "88888888", "11111111",
           "00000000", "qwertyui", "abcd1234", "a1234567", "baoxue123"}


def password_problem(password: str, user_name: str = "") -> str | None:
    """Why a new password is too weak, or None. At least 8 characters, letters and digits (or
    other characters), not the user name, not a well-known password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}位"
    if password.lower() in _COMMON or len(set(password)) < 4:
        return "密码过于简单，请换一个不易猜到的密码"
    if user_name and user_name.lower() in password.lower():
        return "密码不能包含用户名"
    kinds = sum(bool(re.search(p, password)) for p in (r"[A-Za-z]", r"\d", r"[^A-Za-z\d]"))
    if kinds < 2:
        return "密码应同时包含字母和数字（或其他符号）"
    return None


USER_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}$")


def user_name_problem(name: str) -> str | None:
    if not USER_NAME_RE.match(name):
        return "用户名为2-32个字母、数字、汉字或 _ . -"
    return None


# --- sign-in throttling ---------------------------------------------------------------------

FREE_ATTEMPTS = 5
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 15 * 60


def wait_after_failures(failures: int) -> int:
    """Seconds to wait before the next try after ``failures`` wrong passwords in a row:
    none for the first four, 30 s after the fifth, doubling for each further one (at most 15 min)."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_ATTEMPTS), MAX_WAIT_SECONDS)


# --- privacy ----------------------------------------------------------------------------------


class Purpose(StrEnum):
    """Why a screen, export or printout shows a number."""

    LIST = "list"  # lists, overviews, the ledger
    FORM = "form"  # the registration form opened for editing
    EXPORT = "export"  # files leaving the program
    PRINT = "print"  # the printed registration form for signature and seal


class HasRole(Protocol):
    @property
    def role(self) -> str: ...


def may_see_full(account: HasRole | str | None, purpose: str) -> bool:
    """Whether identity and phone numbers are shown in full for this role and purpose.

    Lists never show them in full. The form shows them to those who edit records; the printed
    form (which is signed and sealed) to those who may print; an export only to administrators,
    and only an export that asks for full numbers should call this.
    """
    role = account if isinstance(account, str) else getattr(account, "role", "")
    if purpose == Purpose.LIST:
        return False
    if purpose == Purpose.FORM:
        return allowed(role, Permission.EDIT_RECORDS) or role in ADMIN_ROLES
    if purpose == Purpose.PRINT:
        return allowed(role, Permission.PRINT)
    if purpose == Purpose.EXPORT:
        return role in ADMIN_ROLES
    return False


def mask_phone(phone: str) -> str:
    """138****5678 for a mobile, 023-****1234 for a landline: the last four stay visible."""
    if not phone:
        return ""
    if "*" in phone:  # masked already (by the service that listed it)
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return phone
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if "-" in phone:
        area, _, rest = phone.partition("-")
        return area + "-" + "*" * max(len(rest) - 4, 0) + rest[-4:]
    return "*" * (len(phone) - 4) + phone[-4:]
