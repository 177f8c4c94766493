"""Start the GUI: Qt application, Chinese translations, the store, first-run set-up, the main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop_app import APP_NAME, ORGANIZATION, __version__
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import demo, installation
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
    if args.demo and store.installation() is None:
        installation.setup(store, installation.InstallationInfo(
            kind=installation.SCHOOL, name="潼南区演示小学", code="2150022301",
            township_centre="梓潼教管中心", contact_name="演示联系人", contact_phone="023-44551234",
        ))
        demo.load(store, 80)
    if store.installation() is None:
        from desktop_app.ui.setup_dialog import SetupDialog

        if SetupDialog(store).exec() != QDialog.DialogCode.Accepted:
            return 0
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(store)
    window.show()
    if args.smoke_test:
        QTimer.singleShot(500, window.close)
    code = app.exec()
    store.close()
    return code
