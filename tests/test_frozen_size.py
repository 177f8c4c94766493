"""scripts/frozen_size.py: the folder's size by component, and build.spec's rules read as on Windows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def frozen_size():  # noqa: ANN201
    spec = importlib.util.spec_from_file_location("frozen_size", ROOT / "scripts" / "frozen_size.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["frozen_size"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("path", "expected"), [
    ("_internal/PySide6/Qt/lib/libQt6Gui.so.6", "Qt libraries"),
    ("_internal/PySide6/Qt6Core.dll", "Qt libraries"),
    ("_internal/PySide6/QtWidgets.pyd", "Qt libraries"),
    ("_internal/PySide6/Qt/plugins/platforms/libqxcb.so", "Qt plugins"),
    ("_internal/PySide6/plugins/platforms/qwindows.dll", "Qt plugins"),
    ("_internal/PySide6/Qt/translations/qtbase_zh_CN.qm", "Qt translations"),
    ("_internal/PySide6/Qt/lib/libicudata.so.73", "ICU"),
    ("_internal/libpython3.11.so.1.0", "Python"),
    ("_internal/python311.dll", "Python"),
    ("_internal/base_library.zip", "Python"),
    ("_internal/resources/fonts/wqy-microhei.ttc", "fonts"),
    ("_internal/reportlab/fonts/Vera.ttf", "fonts"),
    ("_internal/resources/reference/regions.csv", "our code and data"),
    ("_internal/database/migrations/versions/0013_covering_indexes_for_figures.py", "our code and data"),
    ("_internal/libX11.so.6", "system libraries (Linux)"),
    ("_internal/pypdfium2_raw/libpdfium.so", "library: pypdfium2"),
    ("_internal/pillow.libs/libjpeg-6dc8d115.so.62.4.0", "library: pil"),
])
def test_each_file_goes_to_its_component(frozen_size, path: str, expected: str) -> None:  # noqa: ANN001
    assert frozen_size.component(path) == expected


def test_the_spec_rules_are_read_as_on_windows(frozen_size) -> None:  # noqa: ANN001
    rules = frozen_size.spec_rules(ROOT / "build.spec")
    assert not rules.keep("PySide6/opengl32sw.dll")
    assert not rules.keep("PySide6/translations/qtbase_de.qm")
    assert rules.keep("PySide6/translations/qtbase_zh_CN.qm")
    assert not rules.keep("PySide6/plugins/tls/qschannelbackend.dll")
    assert not rules.keep("PySide6/plugins/imageformats/qtiff.dll")
    assert rules.keep("PySide6/plugins/platforms/qwindows.dll")
    assert rules.keep("libgio-2.0.so.0")  # a Linux-only rule does not apply on win32
    assert "PySide6.QtQuick" in rules.EXCLUDES


def test_a_folder_is_summed_by_component(frozen_size, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    for rel, size in (("_internal/PySide6/Qt6Core.dll", 3 << 20), ("_internal/resources/fonts/a.ttf", 1 << 20),
                      ("_internal/python311.dll", 2 << 20)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"\0" * size)
    parts, files = frozen_size.folder_parts(tmp_path)
    assert parts == {"Qt libraries": 3 << 20, "fonts": 1 << 20, "Python": 2 << 20}
    assert frozen_size.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "6.0 MiB" in out and "Qt libraries" in out and "50.0%" in out
