"""Accounts and roles below the GUI: each role allowed and refused on each action, sign-in and
the wait after wrong passwords, password reset in the history, masking."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from database.accounts import Account
from database.models import AuditEntry, Student
from desktop_app.domain.errors import PermissionDenied, SignInError, ValidationError
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.registration import RegistrationForm
from desktop_app.domain.roles import (
    ROLE_PERMISSIONS,
    Permission,
    Purpose,
    Role,
    mask_phone,
    may_see_full,
    password_problem,
    wait_after_failures,
)
from desktop_app.services import accounts, backup, cases, demo, installation, privacy, semesters, settings
from desktop_app.services.store import Actor, Store
from tests.conftest import SCHOOL
from tests.factories import full_form
from tests.helpers.stores import iterdump

PASSWORD = "Mixin2026!"
_seq = iter(range(201, 999, 2))


def new_form(name: str) -> RegistrationForm:
    """Another student's form (a fresh identity number each call)."""
    number = make_id_number("500223", dt.date(2014, 3, 9), next(_seq))
    return full_form(name=name, id_number=number, student_number="G" + number)
DISTRICT = installation.InstallationInfo(kind=installation.DISTRICT, name="潼南区教委", code="500152")


def dump(store: Store) -> str:
    """Everything in the store, for "nothing changed" comparisons."""
    with store.engine.connect() as conn:
        return hashlib.sha256("\n".join(iterdump(conn.connection)).encode()).hexdigest()  # type: ignore[attr-defined]


def make_store(folder: Path, info: installation.InstallationInfo) -> Store:
    s = Store.open(folder, user="setup")
    installation.setup(s, info)
    accounts.create_first_admin(s, "admin", PASSWORD, display_name="管理员甲")
    return s


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path / "school", SCHOOL)
    accounts.sign_in(s, "admin", PASSWORD)
    cases.save_form(s, full_form())
    yield s
    s.close()


@pytest.fixture
def district(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path / "district", DISTRICT)
    yield s
    s.close()


def become(store: Store, role: str) -> None:
    """Sign in as an account of ``role`` (made by the administrator)."""
    accounts.sign_in(store, "admin", PASSWORD)
    if role in (Role.ADMIN, Role.DISTRICT_ADMIN):
        return
    name = f"u_{role}"
    accounts.create_account(store, name, PASSWORD, role, display_name=f"{role}用户")
    accounts.sign_in(store, name, PASSWORD)


ACTIONS: dict[str, tuple[Permission, Callable[[Store, Path], object]]] = {
    "save_form": (Permission.EDIT_RECORDS, lambda s, _t: cases.save_form(s, new_form("李小红"))),
    "update_unit": (Permission.MANAGE_SETTINGS, lambda s, _t: installation.update(
        s, installation.InstallationInfo(kind="", name="新名称", code=s.installation().code))),
    "put_setting": (Permission.MANAGE_SETTINGS, lambda s, _t: settings.put(s, backup.KEEP_DAILY.key, 9)),
    "semester_dates": (Permission.MANAGE_SETTINGS, lambda s, _t: semesters.set_dates(
        s, "2027春", dt.date(2027, 2, 24), dt.date(2027, 7, 5))),
    "load_demo": (Permission.LOAD_DEMO, lambda s, _t: demo.load(s, 3)),
    "create_account": (Permission.MANAGE_ACCOUNTS, lambda s, _t: accounts.create_account(
        s, "newcomer", PASSWORD, accounts.roles_for(s.installation().kind)[-1])),
    "reset_password": (Permission.MANAGE_ACCOUNTS, lambda s, _t: accounts.reset_password(s, "admin", "Another2026#")),
    "export": (Permission.EXPORT, lambda s, _t: privacy.record_export(s, "台账Excel", 1, reason="区教委检查")),
    "print": (Permission.PRINT, lambda s, _t: privacy.record_print(s, "一生一表", "x", pages=2)),
    "backup": (Permission.BACKUP, lambda s, t: backup.write_encrypted(s, t, "usb-passphrase")),
}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TEACHER, Role.READONLY, Role.DISTRICT_ADMIN, Role.SUPERVISOR])
def test_each_role_is_allowed_or_refused_each_action(role: Role, school: Store, district: Store,
                                                     tmp_path: Path) -> None:
    store = district if role in (Role.DISTRICT_ADMIN, Role.SUPERVISOR) else school
    become(store, role)
    for name, (permission, action) in ACTIONS.items():
        if name == "save_form" and store is district:
            continue  # a district office has no school's cases to register
        target = tmp_path / f"usb-{role}-{name}"
        target.mkdir()
        before = dump(store)
        if permission in ROLE_PERMISSIONS[role]:
            action(store, target)
            assert dump(store) != before, f"{role} {name} should have changed the store"
        else:
            with pytest.raises(PermissionDenied, match="无权|联系管理员") as info:
                action(store, target)
            assert dump(store) == before, f"{role} {name} was refused but changed the store"
            assert not list(target.iterdir())
            assert store.account.user_name in str(info.value)


def test_teacher_limited_to_assigned_students(school: Store) -> None:
    accounts.create_account(school, "t1", PASSWORD, Role.TEACHER, all_students=False)
    case_id = cases.ledger_page(school, cases.LedgerQuery())[0]["case_id"]
    accounts.sign_in(school, "t1", PASSWORD)
    form = cases.load_form(school, case_id)
    form.family_situation = "教师修改"
    before = dump(school)
    with pytest.raises(PermissionDenied, match="分配给您"):
        cases.save_form(school, form)
    assert dump(school) == before
    # a student the teacher registers is theirs
    new_id = cases.save_form(school, new_form("王小兰"))
    own = cases.load_form(school, new_id)
    own.family_situation = "可以修改"
    cases.save_form(school, own)
    # once the administrator assigns the first student, the teacher may edit it
    accounts.sign_in(school, "admin", PASSWORD)
    accounts.assign_students(school, "t1", [form.student_id])
    accounts.sign_in(school, "t1", PASSWORD)
    form = cases.load_form(school, case_id)
    form.family_situation = "教师修改"
    cases.save_form(school, form)
    assert cases.load_form(school, case_id).family_situation == "教师修改"
    assert school.verify().ok


def test_sign_in_wait_after_five_wrong_passwords(school: Store) -> None:
    t0 = dt.datetime(2026, 11, 28, 9, 0, 0)
    for i in range(4):
        with pytest.raises(SignInError, match="用户名或密码不正确") as info:
            accounts.sign_in(school, "admin", "wrong-one", now=t0)
        assert info.value.wait_seconds == 0, i
    with pytest.raises(SignInError, match="30秒后再试") as info:
        accounts.sign_in(school, "admin", "wrong-one", now=t0)
    assert info.value.wait_seconds == 30
    # even the right password waits until the time is up
    with pytest.raises(SignInError, match="秒后再试"):
        accounts.sign_in(school, "admin", PASSWORD, now=t0 + dt.timedelta(seconds=10))
    # a sixth wrong one after the wait doubles it
    with pytest.raises(SignInError, match="60秒后再试"):
        accounts.sign_in(school, "admin", "wrong-one", now=t0 + dt.timedelta(seconds=31))
    actor = accounts.sign_in(school, "admin", PASSWORD, now=t0 + dt.timedelta(seconds=92))
    assert actor.role == Role.ADMIN and school.user == "admin"
    with school.read() as session:
        row = session.execute(select(Account).where(Account.user_name == "admin")).scalar_one()
        assert row.failed_attempts == 0 and row.locked_until is None
    assert wait_after_failures(4) == 0 and wait_after_failures(20) == 15 * 60


def test_unknown_user_and_disabled_account(school: Store) -> None:
    with pytest.raises(SignInError, match="用户名或密码不正确"):
        accounts.sign_in(school, "nobody", PASSWORD)
    accounts.create_account(school, "t2", PASSWORD, Role.TEACHER)
    accounts.update_account(school, "t2", active=False)
    with pytest.raises(SignInError, match="已停用"):
        accounts.sign_in(school, "t2", PASSWORD)
    assert school.user == "admin"


def test_password_reset_is_in_the_history_and_forces_a_change(school: Store) -> None:
    accounts.create_account(school, "t3", PASSWORD, Role.TEACHER, display_name="陈老师")
    accounts.reset_password(school, "t3", "Temporary2026")
    with school.read() as session:
        event = session.execute(select(AuditEntry).where(AuditEntry.field == "密码重置")).scalar_one()
        assert event.user == "admin" and "t3" in (event.new_value or "")
        hashes = session.execute(select(Account.password_hash)).scalars().all()
        history = " ".join(str(v) for v in session.execute(select(AuditEntry.new_value)).scalars())
    assert all(h not in history for h in hashes)  # the history never holds a hash
    with pytest.raises(SignInError):
        accounts.sign_in(school, "t3", PASSWORD)
    accounts.sign_in(school, "t3", "Temporary2026")
    assert accounts.must_change_password(school)
    with pytest.raises(ValidationError, match="原密码不正确"):
        accounts.change_own_password(school, "bad", "Chosen2026x")
    accounts.change_own_password(school, "Temporary2026", "Chosen2026x")
    assert not accounts.must_change_password(school)
    assert school.verify().ok


def test_account_rules(school: Store) -> None:
    with pytest.raises(ValidationError) as info:
        accounts.create_account(school, "admin", "short", Role.DISTRICT_ADMIN, phone="123")
    messages = str(info.value)
    assert "已被使用" in messages and "至少8位" in messages and "角色" in messages and "手机号码" in messages
    with pytest.raises(ValidationError, match="唯一的管理员|自己"):
        accounts.update_account(school, "admin", role=Role.TEACHER)
    with pytest.raises(ValidationError, match="已有账户"):
        accounts.create_first_admin(school, "second", PASSWORD)
    assert password_problem("abcdefgh") and password_problem("admin2026x", "admin")
    assert password_problem("Mixin2026!") is None


def test_history_names_the_signed_in_account(school: Store) -> None:
    accounts.create_account(school, "t4", PASSWORD, Role.TEACHER)
    accounts.sign_in(school, "t4", PASSWORD)
    cases.save_form(school, new_form("赵小军"))
    with school.read() as session:
        student = session.execute(select(Student).where(Student.name == "赵小军")).scalar_one()
        users = set(session.execute(select(AuditEntry.user).where(AuditEntry.record_id == student.id)).scalars())
    assert student.updated_by == "t4" and users == {"t4"}


def test_masking_policy(school: Store) -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("023-44551234") == "023-****1234"
    assert not may_see_full(Role.ADMIN, Purpose.LIST)
    assert may_see_full(Role.ADMIN, Purpose.EXPORT) and not may_see_full(Role.TEACHER, Purpose.EXPORT)
    assert may_see_full(Role.TEACHER, Purpose.FORM) and not may_see_full(Role.READONLY, Purpose.FORM)
    assert privacy.shown_id_number(school, "500223201305171235", Purpose.LIST) == "5002**********1235"
    with pytest.raises(ValidationError, match="导出原因"):
        privacy.record_export(school, "台账Excel", 10, reason=" ")
    privacy.record_export(school, "台账Excel", 10, reason="上报区教委", full_numbers=True, target="E:/台账.xlsx")
    with school.read() as session:
        event = session.execute(select(AuditEntry).where(AuditEntry.field == "导出")).scalar_one()
    assert event.user == "admin" and "上报区教委" in (event.new_value or "")
    accounts.create_account(school, "t5", PASSWORD, Role.TEACHER)
    accounts.sign_in(school, "t5", PASSWORD)
    privacy.record_print(school, "一生一表", "x")
    with pytest.raises(PermissionDenied, match="无权导出"):
        privacy.record_export(school, "台账Excel", 1, reason="x")


def test_store_opened_without_sign_in_may_do_nothing_that_needs_a_permission(data_dir: Path) -> None:
    """Fails closed: before, a Store opened without an account acted as an administrator."""
    from desktop_app.services import exports

    s = Store.open(data_dir, user="周老师")
    try:
        installation.setup(s, SCHOOL)  # first set-up: there is no account yet to act for
        assert s.account.is_system and not s.account.role
        with s.read() as session:
            before = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        for action in (lambda: cases.save_form(s, full_form()),
                       lambda: exports.export_ledger(s, data_dir / "台账.xlsx", reason="检查"),
                       lambda: privacy.record_export(s, "台账Excel", 1, reason="x"),
                       lambda: accounts.list_accounts(s)):
            with pytest.raises(PermissionDenied, match="尚未登录"):
                action()
        with s.read() as session:
            assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before
        assert not (data_dir / "台账.xlsx").exists()
        # the program's own task names itself in the history
        s.act_as(Actor.for_task("生成演示学校", Role.ADMIN, "演示学校"))
        cases.save_form(s, full_form())
        with s.read() as session:
            users = set(session.execute(text("SELECT DISTINCT user FROM audit_log")).scalars())
        assert "演示学校" in users
    finally:
        s.close()
