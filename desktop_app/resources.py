"""Files in the top-level ``resources/`` folder (fonts, icons, reference data).

``resources/`` is not a Python package: it sits beside ``desktop_app`` in a checkout (and an
editable install), and PyInstaller's ``build.spec`` copies it to ``resources/`` inside the bundle
(``sys._MEIPASS``). Never resolve these paths against the working directory.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from desktop_app.domain.errors import StoreError


def _candidates() -> list[Path]:
    found = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        found.append(Path(frozen) / "resources")
    found.append(Path(__file__).resolve().parent.parent / "resources")
    found.append(Path(sys.prefix) / "share" / "baoxue" / "resources")
    return found


@cache
def resources_dir() -> Path:
    """The ``resources`` folder of this installation."""
    for folder in _candidates():
        if folder.is_dir():
            return folder
    raise StoreError("找不到程序的资源文件夹（resources），请重新安装本程序")


def resource_path(*parts: str) -> Path:
    """A file under ``resources/``; raises StoreError naming it when it is missing."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise StoreError(f"缺少程序文件 resources/{'/'.join(parts)}，请重新安装本程序")
    return path


CJK_FONT = ("fonts", "wqy-microhei.ttc")


def cjk_font_path() -> Path:
    """The bundled TrueType CJK font (WenQuanYi Micro Hei, Apache-2.0) embedded in every PDF."""
    return resource_path(*CJK_FONT)
