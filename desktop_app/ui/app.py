"""Start the GUI: Qt application, Chinese translations, the store, first-run set-up, the main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QLibraryInfo, QLocale, QThread, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app import APP_NAME, ORGANIZATION, __version__
from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.roles import ADMIN_ROLES
from desktop_app.services import accounts, installation, keyslots, paths, viewing
from desktop_app.services.store import Store
from desktop_app.ui.cloud_folders import confirm_data_folder
from desktop_app.ui.common import files
from desktop_app.ui.single_instance import SingleInstance
from desktop_app.ui.splash import StartupStatus
from desktop_app.ui.widgets import Messages

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="baoxue", description=f"{APP_NAME} {__version__}")
    parser.add_argument("--data-dir", help="数据文件夹")
    parser.add_argument("--demo", action="store_true", help="空数据文件夹时设置演示学校并载入演示数据")
    parser.add_argument("--demo-district", action="store_true",
                        help="空数据文件夹时设置演示区教委，生成若干演示学校并导入其数据包")
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_known_args(list(argv))[0]


def translation_folders() -> list[str]:
    """Where Qt's own translations may be: Qt's configured folder, then PySide6's (a frozen folder's
    qt.conf can point Qt elsewhere, and then the file dialog spoke English)."""
    import PySide6

    package = Path(PySide6.__file__).resolve().parent
    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
               str(package / "Qt" / "translations"), str(package / "translations")]
    return list(dict.fromkeys(f for f in folders if f))


def install_translations(app: QApplication) -> bool:
    """Qt's own Chinese strings for standard buttons and dialogs; False when they were not found."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    files.size_file_dialogs(app)
    translator = QTranslator(app)
    for folder in translation_folders():
        if translator.load("qtbase_zh_CN", folder):
            app.installTranslator(translator)
            return True
    return False


def app_icon() -> QIcon:
    path = paths.resources_dir() / "icons" / "baoxue.png"
    return QIcon(str(path)) if path.is_file() else QIcon()


def claim_data_dir(instance: SingleInstance) -> bool:
    """Take the data folder for this program; False when another program has it (it was told to come forward)."""
    if instance.acquire():
        return True
    if instance.lock_error() != instance.lock.LockError.LockFailedError:
        Messages.error(None, APP_NAME, f"无法在数据文件夹 {instance.data_dir} 中建立锁文件，请检查该文件夹能否写入")
        return False
    for _attempt in range(3):  # the first program may be between taking the lock and listening
        if instance.notify_running():
            return False
        QThread.msleep(300)
    if Messages.confirm(None, APP_NAME, (
        f"数据文件夹 {instance.data_dir} 正被另一个程序使用：{instance.holder()}。\n"
        "两个程序同时打开同一份台账会互相覆盖。如果确认那个程序已经关闭（例如U盘上次在另一台电脑上未正常退出），"
        "可以继续打开。\n继续打开吗？"
    )):
        if instance.force():
            return True
        Messages.error(None, APP_NAME, f"另一个程序仍在使用数据文件夹 {instance.data_dir}，请先关闭它。")
    return False


def bring_forward(app: QApplication) -> None:
    """Show the program's window (or its open dialog) in front of the others."""
    widget: QWidget | None = app.activeModalWidget() or next(
        (w for w in app.topLevelWidgets() if w.isVisible() and w.isWindow()), None
    )
    if widget is None:
        return
    if hasattr(widget, "bring_to_front"):
        widget.bring_to_front()
        return
    widget.showNormal() if widget.isMinimized() else widget.show()
    widget.raise_()
    widget.activateWindow()


def run_smoke_test(app: QApplication, window: MainWindow, translated: bool) -> None:
    """--smoke-test: visit every page, open the About box, check the bundled data files, quit.

    Prints one line on stdout when the main window was shown; problems go to stderr and the exit
    status is 2 (the frozen smoke test fails on either).
    """
    from desktop_app.services import about
    from desktop_app.ui.about_dialog import AboutDialog
    from desktop_app.ui.help.guide import guide_file

    problems = about.self_check()
    if not Path(guide_file()).is_file():
        problems.append("使用指南 resources/guide/guide.html 未找到")
    if not translated:
        problems.append("Qt 中文翻译 qtbase_zh_CN.qm 未找到")
    nav = getattr(window, "nav", None)
    if nav is not None:
        for row in range(nav.count()):
            nav.setCurrentRow(row)
        nav.setCurrentRow(0)
    dialog = AboutDialog(window.store, window)
    dialog.show()
    dialog.close()
    print(f"smoke-test: 主窗口已显示：{window.windowTitle()}", flush=True)
    for problem in problems:
        print(f"smoke-test: {problem}", file=sys.stderr, flush=True)
    QTimer.singleShot(500, window.close)
    if problems:
        QTimer.singleShot(600, lambda: app.exit(2))


def sign_in_at_start(store: Store, *, demo_start: bool = False, demo_district: bool = False) -> bool:
    """Set-up on an empty store (with the first administrator), then sign-in; False to quit.

    ``--demo`` on an empty store sets up the demonstration school with the administrator
    ``admin`` / ``baoxue-demo`` and signs it in, so the demonstration starts without typing.
    """
    from desktop_app.ui.accounts.dialogs import ChangePasswordDialog, SignInDialog
    from desktop_app.ui.setup_dialog import FirstAdminDialog, SetupDialog

    if demo_district and store.installation() is None:
        from desktop_app.services import demo_district as district_demo
        from desktop_app.ui.common import operations

        # Several seconds, once, on an empty folder: on a worker thread, so the progress window is painted.
        def build(report: Callable[[int, int], bool]) -> int:
            district_demo.setup_demo_district(store)
            return district_demo.load_district(store, progress=lambda done, total, _name: report(done, total))

        operations.wait(None, "正在生成演示学校并导入其数据包…", build, total=len(district_demo.SCHOOLS), title=APP_NAME)
        return True
    demo_start = demo_start or demo_district
    if demo_start and store.installation() is None:
        installation.setup(store, installation.InstallationInfo(
            kind=installation.SCHOOL, name="潼南区演示学校（九年一贯制）", code="2150022301",
            township_centre="梓潼教管中心", contact_name="演示联系人", contact_phone="023-44551234",
        ))
        accounts.create_first_admin(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD, display_name="演示管理员")
        accounts.sign_in(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
        from desktop_app.services import demo, semesters

        demo.load(store, 80)
        demo.load_census(store)
        demo.load_care(store)
        semesters.choose_current(store, semesters.current_name(store))  # the demonstration's term is set up
        return True
    if store.installation() is None or not accounts.has_accounts(store):
        # set-up (or a store from before accounts): the new administrator is signed in, then the
        # recovery key is made and shown once
        done = SetupDialog.ask(store) if store.installation() is None else FirstAdminDialog.ask(store)
        if not done:
            return False
        if not store.account.is_system:  # the new administrator, signed in
            from desktop_app.ui.accounts.unlock import make_recovery_key

            make_recovery_key(store, at_setup=True)
            return done
        # joined the district's database on a server that another PC set up: its accounts sign in here
    demo_hint = accounts.DEMO_PASSWORD if demo_start else ""
    if not SignInDialog.ask(store, None, accounts.DEMO_ADMIN if demo_start else "", demo_hint):
        return False
    return not accounts.must_change_password(store) or ChangePasswordDialog.ask(store, None, required=True)


def open_store(data_dir: Path, *, demo_start: bool = False, smoke_test: bool = False) -> Store | None:
    """The store of ``data_dir``: opened directly when new or without accounts, else through the
    sign-in that unlocks it (or the recovery key). None when the user quit or it cannot be opened
    (the reason was shown). ``--demo --smoke-test`` reopens a demonstration store without asking."""
    from desktop_app.services import encryption
    from desktop_app.services.integrity.rescue import StoreMissing
    from desktop_app.ui.accounts.unlock import UnlockDialog
    from desktop_app.ui.rescue_dialog import StoreRescueDialog

    try:
        try:
            return Store.open(data_dir)
        except StoreMissing as exc:  # missing or damaged where a store existed: the automatic copies
            if StartupStatus.started():
                StartupStatus.current().hide()  # the question comes first
            if exc.key is None and needs_key_for_copies(data_dir):
                key = UnlockDialog.ask_key(data_dir, str(exc) + "\n自动备份已加密：请登录，以便校验并恢复它们。")
                if key is None:
                    return None
                try:
                    return Store.open(data_dir, key=key)
                except StoreMissing as checked:
                    exc = checked  # now with the copies checked
            if not StoreRescueDialog.ask(exc):
                return None
        return Store.open(data_dir)
    except keyslots.StoreLocked:
        message = ""
        if demo_start and smoke_test:
            try:
                return encryption.unlock(data_dir, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
            except BaoxueError as exc:
                message = str(exc)
    except keyslots.KeySlotError as exc:
        message = str(exc)
    except BaoxueError as exc:
        Messages.error(None, APP_NAME, str(exc))
        return None
    if StartupStatus.started():
        StartupStatus.current().hide()  # the sign-in comes first
    hint = (accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD) if demo_start else ("", "")
    return UnlockDialog.ask(data_dir, None, *hint, message=message)


def needs_key_for_copies(data_dir: Path) -> bool:
    """Whether the key slots beside a missing or damaged store are needed to check its copies."""
    try:
        return not keyslots.read(data_dir).open_key
    except keyslots.KeySlotError:
        return False


def offer_recovery_key(store: Store) -> None:
    """An administrator signed in to a store without a recovery key (converted from a plain store):
    offer to make one now."""
    from desktop_app.services import encryption

    if store.account.role not in ADMIN_ROLES or encryption.has_recovery_key(store):
        return
    if Messages.confirm(None, APP_NAME, "本机还没有恢复密钥：所有管理员都忘记密码或密钥文件损坏时，只有恢复密钥能打开台账。"
                        "现在生成并打印恢复密钥单吗？（也可以以后在“账户”页生成）"):
        from desktop_app.ui.accounts.unlock import make_recovery_key

        make_recovery_key(store)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv[1:])
    app = cast(QApplication, QApplication.instance() or QApplication(argv))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    translated = install_translations(app)
    status = StartupStatus.current()  # what the program is doing, for the steps that can take a while
    status.hide()  # while a question may be asked
    viewing.sweep_leftovers()  # evidence copies a crashed run left in %TEMP%
    data_dir = paths.resolve_data_dir(args.data_dir)
    if not confirm_data_folder(None, data_dir):  # OneDrive, WPS 云文档, 百度网盘: said before it is used
        StartupStatus.close_current()
        return 0
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        StartupStatus.close_current()
        Messages.error(None, APP_NAME, f"无法创建数据文件夹 {data_dir}：{exc.strerror}")
        return 1
    instance = SingleInstance(data_dir)
    if not claim_data_dir(instance):
        StartupStatus.close_current()
        return 0
    instance.activated.connect(lambda: bring_forward(app))
    status.show(app.translate("StartupStatus", "正在打开数据文件…"))
    try:
        store = open_store(data_dir, demo_start=args.demo or args.demo_district, smoke_test=args.smoke_test)
    except BaoxueError as exc:
        StartupStatus.close_current()
        Messages.error(None, APP_NAME, str(exc))
        instance.release()
        return 1
    status.hide()
    if store is None:
        StartupStatus.close_current()
        instance.release()
        return 1
    set_up_now = store.installation() is None and not (args.demo or args.demo_district)
    if store.conversion:
        Messages.info(None, APP_NAME, store.conversion)
    if store.account.is_system:
        started = sign_in_at_start(store, demo_start=args.demo, demo_district=args.demo_district)
    else:  # the password that unlocked the store signed the account in
        from desktop_app.ui.accounts.dialogs import ChangePasswordDialog

        started = not accounts.must_change_password(store) or ChangePasswordDialog.ask(store, None, required=True)
    if not started:
        StartupStatus.close_current()
        store.close()
        instance.release()
        return 0
    if not args.demo and not args.demo_district and not args.smoke_test:
        offer_recovery_key(store)
    status.show(app.translate("StartupStatus", "正在检查每日自动备份…"))
    from desktop_app.services import backup  # noqa: PLC0415 - after the sign-in, which comes up without it

    try:
        backup.daily_if_due(store)
    except BaoxueError as exc:
        status.hide()
        QMessageBox.warning(None, APP_NAME, str(exc))
    status.show(app.translate("StartupStatus", "正在检查程序更新…"))  # the first start of a new release verifies
    from desktop_app.services import updates

    if note := updates.after_start(store):  # the first start of a newly installed release
        status.hide()
        QMessageBox.information(None, APP_NAME, note)
    status.show(app.translate("StartupStatus", "正在准备主窗口…"))
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(store)
    if set_up_now:  # the first start after set-up: what to do first, until dismissed
        window.show_first_steps()
    window.show()
    status.finish(window)
    if args.smoke_test:
        QTimer.singleShot(0, lambda: run_smoke_test(app, window, translated))
    code = app.exec()
    store.close()
    instance.release()
    return code
