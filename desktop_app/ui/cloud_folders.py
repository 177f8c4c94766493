"""Asking before files go into a folder that a cloud client (OneDrive, WPS 云文档, 百度网盘) uploads."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from desktop_app.services import places
from desktop_app.ui.widgets import Messages


def _tr(text: str) -> str:
    return QCoreApplication.translate("CloudFolders", text)


def confirm_output_folder(parent: QWidget | None, folder: Path, what: str) -> bool:
    """True when ``folder`` is not cloud-synced, or the user chose to write ``what`` there anyway."""
    warning = places.cloud_warning(folder, what)
    if warning is None:
        return True
    return Messages.confirm(parent, _tr("网盘同步文件夹"), warning + _tr("\n\n仍要保存到这里吗？"))


def confirm_data_folder(parent: QWidget | None, data_dir: Path) -> bool:
    """True when the data folder is not cloud-synced, or the user chose to keep the store there."""
    warning = places.store_cloud_warning(data_dir)
    if warning is None:
        return True
    return Messages.confirm(parent, _tr("网盘同步文件夹"), warning + _tr("\n\n仍要使用此数据文件夹吗？"))
