"""Start the GUI: Qt application, Chinese translations, the store, first-run set-up, the main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import APP_NAME, ORGANIZATION, __version__
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import accounts, backup, demo, installation
from desktop_app.services.store import Store


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="baoxue", description=f"{APP_NAME} {__version__}")
    parser.add_argument("--data-dir", help="数据文件夹")
    parser.add_argument("--demo", action="store_true", help="空数据文件夹时设置演示学校并载入演示数据")
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_known_args(list(argv))[0]


def install_translations(app: QApplication) -> None:
    """Qt's own Chinese strings for standard buttons and dialogs."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load("qtbase_zh_CN", path):
        app.installTranslator(translator)


def sign_in_at_start(store: Store, *, demo_start: bool = False) -> bool:
    """Set-up on an empty store (with the first administrator), then sign-in; False to quit.

    ``--demo`` on an empty store sets up the demonstration school with the administrator
    ``admin`` / ``baoxue-demo`` and signs it in, so the demonstration starts without typing.
    """
    from desktop_app.ui.accounts.dialogs import ChangePasswordDialog, SignInDialog
    from desktop_app.ui.setup_dialog import FirstAdminDialog, SetupDialog

    if demo_start and store.installation() is None:
        installation.setup(store, installation.InstallationInfo(
            kind=installation.SCHOOL, name="潼南区演示小学", code="2150022301",
            township_centre="梓潼教管中心", contact_name="演示联系人", contact_phone="023-44551234",
        ))
        accounts.create_first_admin(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD, display_name="演示管理员")
        accounts.sign_in(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
        demo.load(store, 80)
        return True
    if store.installation() is None:
        return SetupDialog.ask(store)  # signs the new administrator in
    if not accounts.has_accounts(store):
        return FirstAdminDialog.ask(store)  # a store from before accounts
    demo_hint = accounts.DEMO_PASSWORD if demo_start else ""
    if not SignInDialog.ask(store, None, accounts.DEMO_ADMIN if demo_start else "", demo_hint):
        return False
    return not accounts.must_change_password(store) or ChangePasswordDialog.ask(store, None, required=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv[1:])
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    install_translations(app)
    try:
        store = Store.open(args.data_dir)
    except BaoxueError as exc:
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    if not sign_in_at_start(store, demo_start=args.demo):
        store.close()
        return 0
    try:
        backup.daily_if_due(store)
    except BaoxueError as exc:
        QMessageBox.warning(None, APP_NAME, str(exc))
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(store)
    window.show()
    if args.smoke_test:
        QTimer.singleShot(500, window.close)
    code = app.exec()
    store.close()
    return code
