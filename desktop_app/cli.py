"""baoxue-cli: the same services from a terminal, for batch work and scripts.

Expected errors print one Chinese line on stderr and exit with status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from database.engine import is_busy
from desktop_app import APP_NAME, __version__, terminal
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import BaoxueError, StoreBusy, ValidationError
from desktop_app.domain.roles import ADMIN_ROLES, password_problem
from desktop_app.services import (
    about,
    accounts,
    backup,
    cases,
    demo,
    encryption,
    exports,
    installation,
    keyslots,
    places,
    printing,
    server,
    sync,
    todo,
)
from desktop_app.services import lifecycle as _lifecycle  # noqa: F401 - registers the case reminders
from desktop_app.services.integrity.rescue import StoreMissing
from desktop_app.services.paths import resolve_data_dir
from desktop_app.services.store import Store, default_user

USER_ENV = "BAOXUE_USER"
PASSWORD_ENV = "BAOXUE_PASSWORD"
PASSPHRASE_ENV = "BAOXUE_BACKUP_PASSPHRASE"
RECOVERY_ENV = encryption.RECOVERY_ENV
NEW_PASSWORD_ENV = "BAOXUE_NEW_PASSWORD"
DB_PASSWORD_ENV = "BAOXUE_DB_PASSWORD"


class CliError(BaoxueError):
    """A command-line problem (missing account name, passwords that differ …)."""


@contextlib.contextmanager
def _database_url(url: str | None) -> Iterator[None]:
    """--database-url: every store this command opens is that PostgreSQL database (checked first)."""
    if not url:
        yield
        return
    server.parse_url(url)  # a malformed URL refused in one line before anything opens
    before = os.environ.get(server.URL_ENV)
    os.environ[server.URL_ENV] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(server.URL_ENV, None)
        else:
            os.environ[server.URL_ENV] = before


def _open(args: argparse.Namespace, *, record: bool = False) -> Store:
    """Open the encrypted store: with the recovery key (--recovery-key or BAOXUE_RECOVERY_KEY), else
    unlocked with the account of --user / BAOXUE_USER and its password (``record``: a sign-in in the
    history, for commands acting for an administrator; otherwise the check writes nothing)."""
    if code := (getattr(args, "recovery_key", None) or os.environ.get(RECOVERY_ENV)):
        store = encryption.open_with_recovery(args.data_dir, code)
    else:
        try:
            store = Store.open(args.data_dir)
        except keyslots.StoreLocked as exc:
            user = args.user or os.environ.get(USER_ENV)
            if not user:
                raise CliError(f"数据文件已加密：请用 --user 或环境变量 {USER_ENV} 指定账户（密码在提示时输入，"
                               f"或由 {PASSWORD_ENV} 提供），或用 --recovery-key / {RECOVERY_ENV} 提供恢复密钥") from exc
            store = encryption.unlock(args.data_dir, user, _password(f"{user} 的密码："), record=record)
        except StoreMissing as exc:
            user = args.user or os.environ.get(USER_ENV)
            if exc.key is not None or not user:
                raise
            try:  # the automatic copies are encrypted: check them with the store key from the account's slot
                key = encryption.key_for(args.data_dir, user, _password(f"{user} 的密码："))
            except BaoxueError:
                raise exc from None
            store = Store.open(args.data_dir, key=key)  # refuses again, naming the newest good copy
    if store.conversion:
        print(store.conversion, file=sys.stderr)
    return store


@contextlib.contextmanager
def _store(args: argparse.Namespace, *, record: bool = False) -> Iterator[Store]:
    """The store of --data-dir, unlocked; closed when the command ends."""
    store = _open(args, record=record)
    _warn(places.store_cloud_warning(store.data_dir))
    try:
        yield store
    finally:
        store.close()


def _warn(message: str | None) -> None:
    """One warning line on stderr (the command goes on)."""
    if message:
        print(f"警告：{message}", file=sys.stderr)


def _prompt(prompt: str, again: str | None, *, mismatch: str, unreadable: str) -> str:
    """A secret typed at the terminal; typed a second time when ``again`` is given.

    Without a console (a scheduled task, input from a pipe or a file) this fails at once: on
    Windows getpass reads the console directly and would wait for a key nobody presses.
    """
    if not terminal.can_prompt(sys.stdin):
        raise CliError(f"{unreadable}（没有可以输入的控制台：计划任务中运行，或输入来自管道、文件）")
    try:
        first = getpass.getpass(prompt)
        if again is not None and getpass.getpass(again) != first:
            raise CliError(mismatch)
    except EOFError as exc:
        raise CliError(unreadable) from exc
    return first


def _password(prompt: str, *, confirm: bool = False) -> str:
    if value := os.environ.get(PASSWORD_ENV):
        return value
    return _prompt(prompt, "再输入一次：" if confirm else None, mismatch="两次输入的密码不一致",
                   unreadable=f"无法读取密码：请在终端中输入，或设置环境变量 {PASSWORD_ENV}")


def _act_for_admin(store: Store, args: argparse.Namespace) -> None:
    """Commands that read or change personal data act for an administrator account
    (--user or BAOXUE_USER, the password from a prompt or BAOXUE_PASSWORD)."""
    if store.account.user_name == encryption.RECOVERY_ACTOR:
        return  # opened with the recovery key: an administrator's rights
    if not store.account.is_system:  # the password that unlocked the store signed the account in
        if store.account.role not in ADMIN_ROLES:
            raise CliError(f"账户“{store.account.user_name}”不是管理员；命令行工具只供管理员使用")
        return
    if not accounts.has_accounts(store):
        return  # a store from before accounts, or not set up yet: nothing to sign in to
    user = args.user or os.environ.get(USER_ENV)
    if not user:
        raise CliError(f"请用 --user 或环境变量 {USER_ENV} 指定管理员账户")
    actor = accounts.sign_in(store, user, _password(f"{user} 的密码："))
    if actor.role not in ADMIN_ROLES:
        raise CliError(f"账户“{user}”不是管理员；命令行工具只供管理员使用")


@contextlib.contextmanager
def _admin_store(args: argparse.Namespace) -> Iterator[Store]:
    """The store of --data-dir, acting for an administrator; closed when the command ends."""
    with _store(args, record=True) as store:
        _act_for_admin(store, args)
        yield store


def _full_numbers(args: argparse.Namespace) -> tuple[bool, str]:
    """--full-numbers and --reason: full identity and phone numbers only with a reason (else masked)."""
    full, reason = bool(getattr(args, "full_numbers", False)), (getattr(args, "reason", None) or "").strip()
    if full and not reason:
        raise CliError("导出完整的身份证号码和电话号码须说明原因：请加 --reason 原因（记入历史记录）")
    return full, reason


def _privacy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--full-numbers", action="store_true",
                        help="写出完整的身份证号码和电话号码（默认部分隐藏；须同时用 --reason 说明原因，仅管理员）")
    parser.add_argument("--reason", help="导出原因（记入历史记录；导出完整号码时必填）")


def _setup_store(args: argparse.Namespace) -> contextlib.AbstractContextManager[Store]:
    """The store a set-up writes: the data folder's file, or (a district with --server) a new database
    on a PostgreSQL server, whose settings are kept in the data folder."""
    if not getattr(args, "server", None):
        return _store(args)
    if args.kind != installation.DISTRICT:
        raise ValidationError("只有区教委可以把台账放在数据库服务器上；学校的台账始终是本机的加密文件")
    password = os.environ.get(DB_PASSWORD_ENV, "")
    if not password and args.db_user and terminal.can_prompt(sys.stdin):
        password = _prompt(f"数据库用户 {args.db_user} 的密码：", None, mismatch="",
                           unreadable=f"无法读取数据库密码：请在终端中输入，或设置环境变量 {DB_PASSWORD_ENV}")
    settings = server.ServerSettings(args.server, args.port, args.database, args.db_user or "", password)
    store = server.connect(resolve_data_dir(args.data_dir), settings)

    @contextlib.contextmanager
    def opened() -> Iterator[Store]:
        try:
            yield store
        finally:
            store.close()

    return opened()


def cmd_setup(args: argparse.Namespace) -> int:
    with _setup_store(args) as store:
        info = installation.InstallationInfo(
            kind=args.kind, name=args.name, code=args.code, township_centre=args.township or "",
            contact_name=args.contact or "", contact_phone=args.phone or "",
        )
        if errs := info.errors():
            raise ValidationError(errs)
        if store.installation() is not None:
            raise ValidationError("本机已设置过单位信息，请在“设置”中修改")
        password = _password(f"为管理员账户 {args.admin} 设置密码：", confirm=True)
        if problem := password_problem(password, args.admin):
            raise ValidationError(problem)
        inst = installation.setup(store, info)
        accounts.create_first_admin(store, args.admin, password)
        accounts.sign_in(store, args.admin, password)
        where = f"数据库：{store.location}" if store.is_server else f"数据文件：{store.path}"
        print(f"已设置为{installation.KIND_LABELS[inst.kind]}：{inst.name}（{inst.code}），{where}")
        print(f"管理员账户：{args.admin}")
        _show_recovery_key(store, args.recovery_sheet)
        return 0


def _show_recovery_key(store: Store, sheet: str | None) -> None:
    code = encryption.new_recovery_key(store)
    print(f"恢复密钥：{keyslots.format_code(code)}")
    print("（只显示这一次。忘记所有管理员密码或密钥文件损坏时，用它打开台账。请抄下或打印，存放在本单位保险柜。）")
    if sheet:
        path = encryption.write_recovery_sheet(store, code, sheet)
        print(f"恢复密钥单（A4，可打印）：{path}")


def cmd_recovery_key(args: argparse.Namespace) -> int:
    """A new recovery key (the old one stops working)."""
    with _admin_store(args) as store:
        _show_recovery_key(store, args.sheet)
        print("原来的恢复密钥已作废。")
        return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    """After opening with the recovery key: a new password for an administrator."""
    with _store(args) as store:
        if store.account.user_name != encryption.RECOVERY_ACTOR:
            raise CliError(f"此命令须用恢复密钥打开（--recovery-key 或环境变量 {RECOVERY_ENV}）；"
                           "管理员可在“账户”页为他人重置密码")
        password = os.environ.get(NEW_PASSWORD_ENV) or _prompt(
            f"为 {args.account} 设置新密码：", "再输入一次：", mismatch="两次输入的密码不一致",
            unreadable=f"无法读取密码：请在终端中输入，或设置环境变量 {NEW_PASSWORD_ENV}")
        encryption.set_password_after_recovery(store, args.account, password)
        print(f"已为管理员账户 {args.account} 设置新密码，密钥文件已重建。请用新密码登录。")
        return 0


def cmd_demo(args: argparse.Namespace) -> int:
    with _store(args) as store:
        if args.district:
            return _demo_district(store, args)
        inst = store.installation()
        if inst is not None and inst.kind == installation.DISTRICT:  # a district's demo is its schools
            return _demo_district(store, args)
        if inst is None:
            installation.setup(store, installation.InstallationInfo(
                kind=installation.SCHOOL, name="潼南区演示学校（九年一贯制）", code="2150022301",
                township_centre="梓潼教管中心", contact_name="演示联系人", contact_phone="023-44551234",
            ))
            accounts.create_first_admin(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD, display_name="演示管理员")
            accounts.sign_in(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
            print("空数据文件夹：已设置演示学校“潼南区演示学校（九年一贯制）”（仅供演示）")
            print(f"管理员账户：{accounts.DEMO_ADMIN}，密码：{accounts.DEMO_PASSWORD}（仅用于演示数据，请勿用于真实数据）")
            fresh = True
        else:
            _act_for_admin(store, args)
            fresh = False
        added = demo.load(store, count=args.count, seed=args.seed)
        print(f"已载入演示案件 {added} 件（虚构数据，仅供演示）")
        if fresh:
            children = demo.load_census(store)
            print(f"已载入演示摸排花名册 {children} 名适龄儿童（虚构数据，约三分之二已核查）")
            cared = demo.load_care(store)
            print(f"已载入演示特殊学生 {cared} 名（其中一名送教上门）")
        return 0


def _demo_district(store: Store, args: argparse.Namespace) -> int:
    """``demo --district``: the district office's demonstration (a demonstration district on an empty folder)."""
    from desktop_app.services import demo_district

    if store.installation() is None:
        demo_district.setup_demo_district(store)
        print(f"空数据文件夹：已设置演示区教委“{demo_district.DEMO_DISTRICT.name}”（仅供演示）")
        print(f"管理员账户：{accounts.DEMO_ADMIN}，密码：{accounts.DEMO_PASSWORD}（仅用于演示数据，请勿用于真实数据）")
    else:
        _act_for_admin(store, args)

    def progress(done: int, total: int, name: str) -> None:
        if name:
            print(f"[{done + 1}/{total}] 正在生成演示学校“{name}”并导入其数据包…", flush=True)

    added = demo_district.load_district(store, args.schools, progress=progress)
    print(f"已载入演示学校 {added} 所（虚构数据；各校数据经签名加密的数据包导入）")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    with _store(args) as store:
        result = store.verify()
        if result.ok:
            print(result.message)
            return 0
        print(f"校验失败：{result.message}", file=sys.stderr)
        for line in getattr(result, "lines", list)():
            if line != result.message:
                print(f"  {line}", file=sys.stderr)
        return 1


def cmd_about(args: argparse.Namespace) -> int:
    with _store(args) as store:
        for label, value in about.info(store).lines():
            print(f"{label}：{value}")
    problems = about.self_check()
    for problem in problems:
        print(f"错误：{problem}", file=sys.stderr)
    if args.licences:
        for lib in about.libraries():
            print(f"{lib.name} {lib.version}：{lib.licence}")
        for name, _text in about.font_licences():
            print(f"字体许可证：{name}")
    return 1 if problems else 0


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_file:
        try:
            return Path(args.passphrase_file).read_text(encoding="utf-8").strip("\r\n")
        except OSError as exc:
            raise CliError(f"无法读取备份密码文件 {args.passphrase_file}：{exc.strerror or exc}") from exc
    if value := os.environ.get(PASSPHRASE_ENV):
        return value
    return _prompt("备份密码：", "再输入一次备份密码：" if confirm else None, mismatch="两次输入的备份密码不一致",
                   unreadable=f"无法读取备份密码：请在终端中输入，或用 --passphrase-file / {PASSPHRASE_ENV}")


def cmd_backup(args: argparse.Namespace) -> int:
    target = Path(args.file)
    _warn(places.cloud_warning(target if target.is_dir() else target.parent, "备份"))
    with _admin_store(args) as store:
        written = backup.write_encrypted(store, Path(args.file), _passphrase(args, confirm=True))
        print(f"已写入加密备份：{written}（已读回核对，可以取下U盘）")
        return 0


def cmd_restore(args: argparse.Namespace) -> int:
    with _admin_store(args) as store:
        source = Path(args.file)
        passphrase = _passphrase(args, confirm=False) if backup.is_encrypted(source) else None
        info = backup.restore(store, source, passphrase)
        print(f"已从备份恢复：{info.unit_name}（{info.unit_code}），{info.cases}件案件，备份时间 {info.created_at}")
        print(f"恢复前的数据已另存到 {backup.backups_dir(store)}")
        return 0


def _semester(store: Store, name: str | None) -> str:
    from desktop_app.domain.semester import default_span
    from desktop_app.services import semesters

    if not name:
        return semesters.current(store).name
    try:
        default_span(name)
    except ValueError as exc:
        raise BaoxueError(str(exc)) from exc
    return name


def cmd_care_export(args: argparse.Namespace) -> int:
    from desktop_app.services import care

    full, reason = _full_numbers(args)
    with _admin_store(args) as store:
        count = care.export_register(store, Path(args.out), full_numbers=full, reason=reason)
        print(f"已导出特殊学生关爱帮扶名册：{count}人，{args.out}")
        return 0


def cmd_home_teaching(args: argparse.Namespace) -> int:
    from desktop_app.services import home_teaching

    full, reason = _full_numbers(args)
    with _admin_store(args) as store:
        semester = _semester(store, args.semester)
        if args.action == "calendar":
            print(home_teaching.propose_calendar(store, semester).message)
            warning = home_teaching.calendar_warning(store, semester)
            return 1 if warning and args.strict else 0
        if not args.out:
            raise BaoxueError("请用 --out 指定导出的Excel文件")
        count = home_teaching.export_log(store, semester, Path(args.out), full_numbers=full, reason=reason)
        print(f"已导出{semester}送教上门记录：{count}名学生，{args.out}")
        return 0


def cmd_todo(args: argparse.Namespace) -> int:
    """待办: every reminder due today (or on --date), most overdue first."""
    try:
        today = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    except ValueError as exc:
        raise BaoxueError(f"日期“{args.date}”无效，请写成 2026-10-09 的形式") from exc
    with _admin_store(args) as store:
        items = todo.collect(store, today)
        for item in items:
            print(f"{item.due}\t{item.kind}\t{item.title}\t{item.detail}")
        print(f"共 {len(items)} 项待办", file=sys.stderr)
        return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    _warn(places.cloud_warning(args.outdir, "登记包"))
    with _admin_store(args) as store:
        path = sync.enrol(store, sync.SchoolInfo(args.school, args.name, args.township or ""), Path(args.outdir))
        print(f"已登记 {args.name}（{args.school}），登记包：{path}")
        print(f"本单位密钥指纹：{sync.own_fingerprint(store)}（请电话告知学校核对）")
        return 0


def cmd_export_package(args: argparse.Namespace) -> int:
    _warn(places.cloud_warning(args.outdir, "数据包"))
    with _admin_store(args) as store:
        result = sync.export_package(store, args.to, Path(args.outdir))
        print(f"已写出 {result.path}：{result.records}条记录，{result.history}条历史；已读回核对，可以拔出U盘{result.note}")
        return 0


def cmd_update_attach(args: argparse.Namespace) -> int:
    from desktop_app.services import updates

    with _admin_store(args) as store:
        inst = store.installation()
        if inst is None or inst.kind != installation.DISTRICT:
            raise ValidationError("只有区教委可以随数据包下发新版本程序")
        release = updates.attach(store, Path(args.zip))
        print(f"已核对发布者签名：{release.zip_name}（{release.version} 版）将随以后发给旧版本学校的数据包一起写出")
        return 0


def cmd_update_install(args: argparse.Namespace) -> int:
    from desktop_app.services import updates

    with _admin_store(args) as store:
        release = updates.offered(store)
        if release is None:
            raise ValidationError("没有收到可安装的新版本程序（新版本随区教委的数据包送达）")
        target = updates.install(store, Path(args.program_dir) if args.program_dir else None)
        print(f"已把 {release.version} 版安装到 {target}；请从新文件夹启动程序。旧版本保留到新版本首次启动并校验通过")
        return 0


def cmd_import_package(args: argparse.Namespace) -> int:
    with _admin_store(args) as store:
        status = 0
        for name in args.files:
            try:
                result = sync.import_package(store, Path(name), confirm=args.confirm)
                print(f"{Path(name).name}：{result.message}")
            except sync.PackageRefused as exc:
                print(f"{Path(name).name}：未导入：{exc}", file=sys.stderr)
                status = 1
        return status


def cmd_enrol_receipt(args: argparse.Namespace) -> int:
    with _admin_store(args) as store:
        path = sync.write_receipt(store, Path(args.out))
        print(f"已写出数据交换登记回执：{path}（请打印、签字盖章后报送区教委）")
        print(f"本校密钥指纹：{sync.own_fingerprint(store)}")
        return 0


def cmd_reenrol(args: argparse.Namespace) -> int:
    with _admin_store(args) as store:
        path = sync.reenrol(store, args.school, Path(args.outdir), args.reason)
        print(f"已吊销 {args.school} 的旧密钥并重新登记，新的登记包：{path}")
        print("该校新电脑导入登记包后，须报送新的登记回执；其第一个数据包导入时须用 --confirm 核对新指纹")
        return 0


def _progress(label: str) -> Callable[[int, int], bool]:
    """A progress callback printing to stderr about every 10%."""
    step = {"next": 0}

    def report(done: int, total: int) -> bool:
        if total and done * 10 >= step["next"] * total:
            print(f"{label}：{done}/{total}", file=sys.stderr)
            step["next"] = done * 10 // total + 1
        return True

    return report


def cmd_print_forms(args: argparse.Namespace) -> int:
    from desktop_app.services import privacy

    full, reason = _full_numbers(args)
    with _admin_store(args) as store:
        if args.blank:
            path = printing.write_blank_pdf(store, args.out, copies=args.blank)
            print(f"已生成空白一生一表 {args.blank} 份：{path}")
            return 0
        if args.all or args.open:
            ids = printing.case_ids(store, cases.LedgerQuery(statuses=CaseStatus.open_values() if args.open else ()))
        else:
            ids = list(dict.fromkeys(args.case or []))
        if not ids:
            print("错误：没有要打印的案件：请用 --case 指定案件编号，或用 --all / --open", file=sys.stderr)
            return 1
        privacy.record_numbers_export(store, "一生一表PDF", len(ids), full_numbers=full, reason=reason,
                                      target=Path(args.out).name)
        job = printing.write_forms_pdf(store, ids, args.out, progress=_progress("正在生成") if len(ids) > 50 else None,
                                       full_numbers=full)
        print(f"已生成一生一表 {len(job.codes)} 份，共 {job.pages} 页：{job.path}")
        return 0


def cmd_export_ledger(args: argparse.Namespace) -> int:
    full, reason = _full_numbers(args)
    with _admin_store(args) as store:
        rows = exports.export_ledger(store, args.out, args.ledger, progress=_progress("正在导出"),
                                     reason=reason, full_numbers=full)
        print(f"已导出{exports.LEDGERS[args.ledger].title} {rows} 行：{args.out}")
        return 0


def cmd_monthly_report(args: argparse.Namespace) -> int:
    try:
        year, month = (int(x) for x in args.month.split("-"))
    except ValueError:
        print("错误：月份应写成 年-月，如 2026-09", file=sys.stderr)
        return 1
    with _admin_store(args) as store:
        path = exports.export_monthly(store, year, month, args.out, reason=args.reason or "")
        print(f"已导出{year}年{month}月月报：{path}")
        return 0


def cmd_check_print(args: argparse.Namespace) -> int:
    with _admin_store(args) as store:
        result = printing.check_print(store, args.code)
        print(result.report())
        return 0 if result.matches else 1


def cmd_import_roster(args: argparse.Namespace) -> int:
    from desktop_app.services import census

    with _store(args) as store:
        if store.installation() is None:
            raise CliError("本机尚未设置单位信息，请先运行 baoxue-cli setup")
        _act_for_admin(store, args)
        result = census.import_roster(store, args.file, args.kind, semester=args.semester, report_path=args.report)
        print(result.summary())
        if result.report_note:
            print(result.report_note, file=sys.stderr)
        elif result.report_path:
            print(f"未导入的行及原因已写入：{result.report_path}")
        return 1 if result.accepted == 0 and result.duplicates == 0 else 0


def cmd_match(args: argparse.Namespace) -> int:
    """全区联查 at the district: match every school's children and keep the answers."""
    from desktop_app.services import matching

    with _admin_store(args) as store:
        semester = _semester(store, args.semester)
        print(matching.run_match(store, semester).line())
        return 0


def cmd_transitions(args: argparse.Namespace) -> int:
    """衔接: leavers found or not (the district across all schools, a school over its own data)."""
    from desktop_app.services import matching

    with _admin_store(args) as store:
        semester = _semester(store, args.semester)
        report = matching.transitions(store, semester, args.kind)
        print(report.line())
        if args.out:
            path = matching.export_transitions(store, report, Path(args.out), reason=args.reason or "")
            print(f"已导出{semester}{args.kind}名单 {len(report.leavers)} 人：{path}")
        return 0


def cmd_accept_proposals(args: argparse.Namespace) -> int:
    """At a school: accept the district's 联查建议 received in its packages (one transaction)."""
    from desktop_app.services.census import proposals

    with _admin_store(args) as store:
        inst = store.installation()
        if inst is None or inst.kind != "school":
            raise BaoxueError("联查建议只在学校接受：区教委的联查结果随数据包发给各校")
        semester = _semester(store, args.semester) if args.semester else None
        result = proposals.accept_all(store, semester)
        print(result.line())
        for line in result.skipped:
            print(f"  {line}")
        return 0


def cmd_handovers(args: argparse.Namespace) -> int:
    """移交: the handovers this unit holds (a school: its own both ways; the district: all), in flight first."""
    from desktop_app.services import handover

    with _store(args) as store:
        rows = handover.handovers(store, in_flight_only=args.in_flight)
        print(f"移交在途 {sum(1 for h in rows if h.state == '待接收')} 件，共列出 {len(rows)} 件")
        for h in sorted(rows, key=lambda h: h.state != "待接收"):
            print("  " + "　".join(str(v) for v in h.row() if v != ""))
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baoxue-cli", description=f"{APP_NAME}命令行工具（版本 {__version__}）",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--encoding", help=f"输出编码（默认：控制台中为Unicode，重定向到文件或管道时用控制台代码页，"
                        f"如 936（GBK）；也可由环境变量 {terminal.ENCODING_ENV} 指定，如 utf-8）")
    parser.add_argument("--data-dir", help="数据文件夹（默认：用户数据文件夹，或环境变量 BAOXUE_DATA_DIR）")
    parser.add_argument("--database-url", help=f"区教委的 PostgreSQL 数据库（postgresql://用户@服务器:5432/数据库，"
                        f"或 postgresql:///?service=服务名）；默认：环境变量 {server.URL_ENV}，或设置时保存的数据库服务器")
    parser.add_argument("--recovery-key", help=f"用恢复密钥打开加密的数据文件（或环境变量 {RECOVERY_ENV}）")
    parser.add_argument("--user", help=f"代表哪个管理员账户执行（默认：环境变量 {USER_ENV}）；密码在提示时输入，"
                        f"或由环境变量 {PASSWORD_ENV} 提供")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    p_setup = sub.add_parser("setup", help="首次设置本机单位（学校或区教委）和第一个管理员账户")
    setup_sub = p_setup.add_subparsers(dest="kind", required=True, metavar="类型")
    for kind, label in ((installation.SCHOOL, "学校"), (installation.DISTRICT, "区教委")):
        p = setup_sub.add_parser(kind, help=f"设置为{label}")
        p.add_argument("--code", required=True, help="学校标识码（10位）或区县代码（6位）")
        p.add_argument("--name", required=True, help="单位名称")
        p.add_argument("--township", help="所属教管中心（学校）")
        p.add_argument("--contact", help="联系人")
        p.add_argument("--phone", help="联系电话")
        p.add_argument("--admin", default="admin",
                       help=f"第一个管理员的用户名（默认 admin；密码在提示时输入或由 {PASSWORD_ENV} 提供）")
        p.add_argument("--recovery-sheet", metavar="FILE.pdf", help="同时写出恢复密钥单（A4 PDF，打印后存放在保险柜）")
        if kind == installation.DISTRICT:
            p.add_argument("--server", help="把台账放在 PostgreSQL 数据库服务器上（14 或更新版本）：服务器地址")
            p.add_argument("--port", type=int, default=server.DEFAULT_PORT, help="数据库端口（默认 5432）")
            p.add_argument("--database", default="baoxue", help="数据库名称（默认 baoxue，须已由管理员建好）")
            p.add_argument("--db-user", help=f"数据库用户名（密码在提示时输入，或由环境变量 {DB_PASSWORD_ENV} 提供；"
                                             "也可写在 libpq 的 .pgpass 文件中）")
        p.set_defaults(func=cmd_setup)

    p_demo = sub.add_parser("demo", help="载入演示数据（空文件夹时先设置演示学校；--district 为区教委演示）")
    p_demo.add_argument("--count", type=int, default=80, help="演示案件数（默认80）")
    p_demo.add_argument("--seed", type=int, default=2026, help=argparse.SUPPRESS)
    p_demo.add_argument("--district", action="store_true",
                        help="区教委演示：空文件夹时先设置演示区教委，再生成若干演示学校并导入其数据包")
    p_demo.add_argument("--schools", type=int, default=6, help="区教委演示的学校数（默认6，最多8）")
    p_demo.set_defaults(func=cmd_demo)

    p_import = sub.add_parser("import-roster",
                              help="导入名册（Excel 或 CSV）：户籍适龄儿童、在籍学生、监测户、残疾儿童")
    p_import.add_argument("file", help="名册文件（.xlsx、.xls、.ods、.csv）")
    p_import.add_argument("--kind", required=True,
                          choices=["census", "enrolled", "monitored", "disabled", "kindergarten"],
                          help="census 户籍适龄儿童；enrolled 本校在籍学生；monitored 监测户/边缘户；"
                               "disabled 残疾儿童；kindergarten 幼儿园毕业儿童")
    p_import.add_argument("--semester", help="在籍名册所属学期，如 2026秋（默认当前学期）")
    p_import.add_argument("--report", help="未导入行报告的保存位置（默认与名册同一文件夹）")
    p_import.set_defaults(func=cmd_import_roster)

    p_recovery = sub.add_parser("recovery-key", help="生成新的恢复密钥（原恢复密钥作废），可同时写出恢复密钥单PDF")
    p_recovery.add_argument("--sheet", metavar="FILE.pdf", help="恢复密钥单（A4 PDF）")
    p_recovery.set_defaults(func=cmd_recovery_key)
    p_setpw = sub.add_parser("set-password", help="用恢复密钥打开后，为管理员设置新密码（忘记所有管理员密码时）")
    p_setpw.add_argument("account", help="管理员的用户名")
    p_setpw.set_defaults(func=cmd_set_password)

    p_verify = sub.add_parser("verify", help="校验数据文件和历史记录链")
    p_verify.set_defaults(func=cmd_verify)

    p_print = sub.add_parser("print-forms", help="一生一表PDF（可直接打印、签字盖章）")
    p_print.add_argument("out", metavar="OUT.pdf", help="输出的PDF文件")
    which = p_print.add_mutually_exclusive_group()
    which.add_argument("--case", action="append", metavar="ID", help="案件编号（可重复）")
    which.add_argument("--all", action="store_true", help="台账中全部案件（含已销号），按台账顺序合成一个PDF")
    which.add_argument("--open", action="store_true", help="全部未销号案件")
    which.add_argument("--blank", type=int, nargs="?", const=1, metavar="份数", help="空白表（入户先填纸质表用）")
    _privacy_options(p_print)
    p_print.set_defaults(func=cmd_print_forms)

    p_ledger = sub.add_parser("export-ledger", help="导出台账Excel")
    p_ledger.add_argument("out", metavar="OUT.xlsx", help="输出的Excel文件")
    p_ledger.add_argument("--ledger", default="open", choices=list(exports.LEDGERS),
                          help="；".join(f"{k}：{v.title}（{v.description}）" for k, v in exports.LEDGERS.items()))
    _privacy_options(p_ledger)
    p_ledger.set_defaults(func=cmd_export_ledger)

    p_month = sub.add_parser("monthly-report", help="导出月报Excel（新增、复学、其他销号、仍未复学，按辍学原因）")
    p_month.add_argument("out", metavar="OUT.xlsx", help="输出的Excel文件")
    p_month.add_argument("--month", required=True, metavar="YYYY-MM", help="统计月份，如 2026-09")
    p_month.add_argument("--reason", help="导出原因（记入历史记录）")
    p_month.set_defaults(func=cmd_monthly_report)

    p_check = sub.add_parser("check-print", help="核对纸质表：核验码与台账是否一致（人账相符）；不符时退出码为1")
    p_check.add_argument("code", metavar="CODE", help="扫码得到的 BX1:… 或纸质表上印的 BX1-XXXXXXXX-版本-校验码")
    p_check.set_defaults(func=cmd_check_print)

    p_about = sub.add_parser("about", help="版本、数据文件夹、数据结构版本、节点编号，并检查程序文件是否完整")
    p_about.add_argument("--licences", action="store_true", help="同时列出所用开源组件及其许可证")
    p_about.set_defaults(func=cmd_about)
    for name, func, text in (("backup", cmd_backup, "加密备份到文件或文件夹（如U盘）"),
                             ("restore", cmd_restore, "从备份恢复（先另存当前数据）")):
        p = sub.add_parser(name, help=text)
        p.add_argument("file", metavar="FILE", help="备份文件（.bxbak）或文件夹" if name == "backup" else "备份文件")
        p.add_argument("--passphrase-file", help=f"从文件读取备份密码（或环境变量 {PASSPHRASE_ENV}）")
        p.set_defaults(func=func)
    p_care = sub.add_parser("care-export", help="导出特殊学生关爱帮扶名册（Excel）")
    p_care.add_argument("--out", required=True, help="Excel文件（.xlsx）")
    _privacy_options(p_care)
    p_care.set_defaults(func=cmd_care_export)
    p_ht = sub.add_parser("home-teaching", help="送教上门：按法定节假日填入校历（calendar），导出记录（export）")
    p_ht.add_argument("action", choices=("calendar", "export"))
    p_ht.add_argument("--semester", help="学期，如 2026秋（默认当前学期）")
    p_ht.add_argument("--out", help="导出的Excel文件（export）")
    p_ht.add_argument("--strict", action="store_true", help="校历有未知年份时以状态1退出（calendar）")
    _privacy_options(p_ht)
    p_ht.set_defaults(func=cmd_home_teaching)
    p_todo = sub.add_parser("todo", help="列出待办提醒（未及时劝返、劝返中断、可申请缓学等）")
    p_todo.add_argument("--date", help="按哪一天计算（默认今天，格式 2026-10-09）")
    p_todo.set_defaults(func=cmd_todo)
    p_enrol = sub.add_parser("enrol", help="（区教委）登记学校并写出其登记包")
    p_enrol.add_argument("--school", required=True, help="学校标识码（10位）")
    p_enrol.add_argument("--name", required=True, help="学校名称")
    p_enrol.add_argument("--township", help="所属乡镇（教管中心）")
    p_enrol.add_argument("outdir", help="登记包写入的文件夹（如U盘）")
    p_enrol.set_defaults(func=cmd_enrol)

    p_export = sub.add_parser("export-package", help="写出发给某单位的数据包")
    p_export.add_argument("--to", required=True, help="学校标识码；学校端写 district 表示区教委")
    p_export.add_argument("outdir", help="数据包写入的文件夹（如U盘）")
    p_export.set_defaults(func=cmd_export_package)

    p_import = sub.add_parser("import-package", help="导入数据包（可一次多个）")
    p_import.add_argument("files", nargs="+", help=".bxpkg 文件")
    p_import.add_argument("--confirm", metavar="指纹",
                          help="（区教委）学校第一个数据包：该校登记回执上的密钥指纹（有无短横线均可）")
    p_import.set_defaults(func=cmd_import_package)

    p_receipt = sub.add_parser("enrol-receipt", help="（学校）导入登记包后，写出数据交换登记回执（PDF）")
    p_receipt.add_argument("out", help="PDF 文件")
    p_receipt.set_defaults(func=cmd_enrol_receipt)

    p_reenrol = sub.add_parser("reenrol", help="（区教委）学校更换电脑：吊销旧密钥，重新登记并写出登记包")
    p_reenrol.add_argument("--school", required=True, help="学校标识码（10位）")
    p_reenrol.add_argument("--reason", required=True, help="原因，如：学校更换电脑")
    p_reenrol.add_argument("outdir", help="登记包写入的文件夹（如U盘）")
    p_reenrol.set_defaults(func=cmd_reenrol)

    p_attach = sub.add_parser("update-attach",
                              help="（区教委）随以后的数据包下发新版本程序（zip，旁边须有发布者的 .sig 签名文件）")
    p_attach.add_argument("zip", help="新版本程序文件夹的 zip")
    p_attach.set_defaults(func=cmd_update_attach)

    p_install = sub.add_parser("update-install", help="（学校）安装随数据包收到的新版本程序（装在旧版本旁边）")
    p_install.add_argument("--program-dir", help="当前程序文件夹（默认：正在运行的程序所在文件夹）")
    p_install.set_defaults(func=cmd_update_install)

    p_match = sub.add_parser("match", help="（区教委）全区联查：在全区各校数据中查找儿童，打印找到、未找到和重复立案")
    p_match.add_argument("--semester", help="学期，如 2026秋（默认当前学期）")
    p_match.set_defaults(func=cmd_match)

    p_trans = sub.add_parser("transitions", help="衔接核查：小升初或幼升小毕业生是否已在下一学段入学"
                             "（区教委查全区，学校查本校数据）")
    p_trans.add_argument("--semester", help="新学期，如 2026秋（默认当前学期）")
    p_trans.add_argument("--kind", required=True, choices=("小升初", "幼升小"), help="小升初 或 幼升小")
    p_trans.add_argument("--out", help="名单写入的Excel文件（.xlsx）")
    p_trans.add_argument("--reason", help="导出原因（记入历史记录）")
    p_trans.set_defaults(func=cmd_transitions)

    p_accept = sub.add_parser("accept-proposals", help="（学校）接受区教委随数据包发来的联查建议，打印接受了多少条")
    p_accept.add_argument("--all", action="store_true", required=True, help="接受全部待确认的联查建议")
    p_accept.add_argument("--semester", help="只接受这个学期的，如 2026秋（默认全部学期）")
    p_accept.set_defaults(func=cmd_accept_proposals)
    p_hand = sub.add_parser("handovers", help="移交：列出经区教委转交的案件（在途的在前）")
    p_hand.add_argument("--in-flight", action="store_true", help="只列出在途（待接收）的移交")
    p_hand.set_defaults(func=cmd_handovers)

    p_sql = sub.add_parser("sql", help="（管理员，技术支持用）执行一条SQL语句并以表格显示结果；默认只读")
    p_sql.add_argument("statement", help="一条SQL语句")
    p_sql.add_argument("--write", action="store_true", help="允许修改数据（修改连同语句记入历史记录）")
    p_sql.set_defaults(func=cmd_sql)

    p_rc = sub.add_parser("restore-copy", help="数据文件丢失或损坏时，用最新一份通过校验的自动备份恢复")
    p_rc.set_defaults(func=cmd_restore_copy)

    p_mts = sub.add_parser("migrate-to-server", help="（区教委）把本机数据文件整体迁移到 PostgreSQL 数据库服务器上"
                           "的一个空数据库，迁移后在服务器上校验")
    p_mts.add_argument("url", help="数据库地址，如 postgresql://用户名:密码@服务器/数据库名")
    p_mts.set_defaults(func=cmd_migrate_to_server)
    p_mfs = sub.add_parser("migrate-from-server", help="把数据库服务器上的数据复制到一个空文件夹（测试用副本），"
                           "用原来的账户和密码打开")
    p_mfs.add_argument("url", help="数据库地址，如 postgresql://用户名:密码@服务器/数据库名")
    p_mfs.add_argument("folder", help="副本的数据文件夹（须为空）")
    p_mfs.set_defaults(func=cmd_migrate_from_server)
    p_us = sub.add_parser("use-server", help="（区教委）台账已迁移到数据库服务器、当时未改用时：核对服务器上是本机迁移"
                          "过去的台账后，本机改用它")
    p_us.add_argument("url", help="迁移时的数据库地址，如 postgresql://用户名:密码@服务器/数据库名")
    p_us.set_defaults(func=cmd_use_server)
    p_uf = sub.add_parser("use-file", help="（区教委）本机不再使用数据库服务器：把服务器上现在的台账复制回本机数据文件夹"
                          "（原数据文件另存到备份文件夹）")
    p_uf.set_defaults(func=cmd_use_file)

    return parser


def cmd_sql(args: argparse.Namespace) -> int:
    from desktop_app.services.integrity import support_sql

    with _admin_store(args) as store:
        result = support_sql.run(store, args.statement, write=args.write)
        print(support_sql.format_table(result))
        if args.write:
            print("已记入历史记录；用 verify 可查看这次修改对台账的影响")
        return 0


def cmd_restore_copy(args: argparse.Namespace) -> int:
    from desktop_app.services.integrity import rescue
    from desktop_app.services.paths import STORE_FILE, resolve_data_dir

    folder = resolve_data_dir(args.data_dir)
    if rescue.file_problem(folder / STORE_FILE) is None:
        raise CliError("数据文件完好，不需要恢复；确需用备份替换当前数据时请在程序的“设置—备份”中恢复")
    # the automatic copies are encrypted: the store key from the recovery key or an account's slot
    code = getattr(args, "recovery_key", None) or os.environ.get(RECOVERY_ENV) or ""
    user = "" if code else (args.user or os.environ.get(USER_ENV) or "")
    key = encryption.key_for(folder, user, _password(f"{user} 的密码：") if user else "", code)
    good = rescue.newest_good(folder, key)
    if good is None:
        hint = "" if key else f"（自动备份已加密：请用 --user 和密码，或 --recovery-key / {RECOVERY_ENV} 校验它们）"
        raise CliError(f"backups 文件夹中没有通过校验的自动备份，无法恢复{hint}")
    kept = rescue.restore_copy(folder, good.path, key=key)
    print(f"已用自动备份 {good.label} 恢复数据文件")
    if kept.name != STORE_FILE:
        print(f"原来损坏的文件保留为：{kept}")
    print("恢复已记入历史记录（历史记录回退），下一个数据包会告诉区教委")
    return 0


def _copy_progress() -> Callable[[str, int, int], bool]:
    shown: set[str] = set()

    def report(table: str, done: int, total: int) -> bool:
        if done == total and table not in shown and total:
            shown.add(table)
            print(f"  {table}：{total}行", file=sys.stderr)
        return True

    return report


def cmd_migrate_to_server(args: argparse.Namespace) -> int:
    from desktop_app.services import server_migration

    target = server_migration.server_engine(args.url)
    try:
        with _admin_store(args) as store:
            server_migration.require_district_admin(store)
            server_migration.check_target(target)  # a refusal is the only line then, before anything is announced
            print(f"正在迁移到 {server_migration.describe(target)}（迁移期间请勿在其他电脑上使用本数据）…",
                  file=sys.stderr)
            done = server_migration.migrate_to_server(store, target, _copy_progress())
    finally:
        target.dispose()
    print(f"已迁移到 {done.target}：{len(done.report.tables)}张表共{done.report.rows}行，"
          f"用时{done.report.seconds:.1f}秒；逐行核对一致，迁移已记入服务器上的历史记录")
    print(f"服务器上{done.verify_message}")
    print("原数据文件保留未动，今后请不要再在原数据文件上工作：各电脑用 --database-url 或环境变量 "
          "BAOXUE_DATABASE_URL 指定服务器上的数据库")
    return 0


def cmd_use_server(args: argparse.Namespace) -> int:
    from desktop_app.services import server, server_switch

    settings = server.ServerSettings.from_url(server.parse_url(args.url))
    with _admin_store(args) as store:
        checked = server_switch.switch_to_server(store, settings)
    print(f"已核对：{checked.summary()}")
    print(f"本机从此使用 {checked.settings.label()} 上的台账（每次启动都连接它）；原数据文件保留不动，不再更新")
    return 0


def cmd_use_file(args: argparse.Namespace) -> int:
    from desktop_app.services import server_switch

    with _admin_store(args) as store:
        done = server_switch.back_to_own_file(store, _copy_progress())
    aside = f"；原有的数据文件已另存为 {done.set_aside}" if done.set_aside is not None else ""
    print(f"本机已改用数据文件 {done.path}（从服务器复制{done.rows}行，{done.verify_message}）{aside}")
    print("本机从此不再连接数据库服务器；服务器上的数据不变")
    return 0


def cmd_migrate_from_server(args: argparse.Namespace) -> int:
    from desktop_app.services import server_migration

    source = server_migration.server_engine(args.url)
    folder = Path(args.folder)
    try:
        who = getattr(args, "user", None) or os.environ.get(USER_ENV) or default_user()
        copy = server_migration.copy_to_folder(source, folder, _copy_progress(), user=who)
    finally:
        source.dispose()
    args.data_dir = str(folder)
    try:
        with _admin_store(args) as store:  # the copy opens with the server's accounts: an administrator's
            result = store.verify()
    except BaseException:
        server_migration.remove_copy(folder)
        raise
    print(f"已复制到 {folder}：{len(copy.report.tables)}张表共{copy.report.rows}行（测试用副本，用原来的账户和密码打开）")
    if not result.ok:
        print(f"副本校验失败：{result.message}", file=sys.stderr)
        return 1
    print(f"副本{result.message}")
    return 0


def _configure_output(argv: Sequence[str] | None) -> str | None:
    """Set the output encoding before anything is printed (help and usage errors too)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--encoding")
    known, _rest = early.parse_known_args(argv)
    try:
        terminal.configure_output(known.encoding)
    except terminal.UnknownEncoding as exc:
        return str(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    if problem := _configure_output(argv):
        print(f"错误：{problem}", file=sys.stderr)
        return 1
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _database_url(args.database_url):
            return int(args.func(args))
    except BaoxueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if is_busy(exc):  # SQLite's lock held by another program outside a write's bounded wait
            print(f"错误：{StoreBusy.MESSAGE}", file=sys.stderr)
            return 1
        raise
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
