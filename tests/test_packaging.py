"""The Windows version resource and the frozen entry point (build.spec's parts that run without a build)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import desktop_app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import baoxue_main  # noqa: E402
import versioninfo  # noqa: E402


@pytest.mark.parametrize(("version", "expected"), [
    ("0.1.0", (0, 1, 0, 0)), ("1.2.3.4", (1, 2, 3, 4)), ("2.0", (2, 0, 0, 0)), ("1.3.0rc2", (1, 3, 0, 0)),
])
def test_version_tuple(version: str, expected: tuple[int, int, int, int]) -> None:
    assert versioninfo.version_tuple(version) == expected


def test_version_resource_is_the_expression_pyinstaller_evaluates(tmp_path: Path) -> None:
    """PyInstaller eval()s this text with its VSVersionInfo classes (pyi-grab_version's format)."""
    path = versioninfo.write_version_file(
        tmp_path / "version.txt", version=desktop_app.__version__, name=desktop_app.APP_NAME,
        ascii_name="Baoxue", description=desktop_app.APP_NAME, exe_name="Baoxue.exe",
    )
    tree = ast.parse(path.read_text(encoding="utf-8"), mode="eval")
    assert isinstance(tree.body, ast.Call) and tree.body.func.id == "VSVersionInfo"  # type: ignore[attr-defined]
    strings = {
        node.args[0].value: node.args[1].value for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StringStruct"
    }
    assert strings["ProductName"] == desktop_app.APP_NAME
    assert strings["ProductVersion"] == desktop_app.__version__
    assert strings["OriginalFilename"] == "Baoxue.exe"
    ffi = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "FixedFileInfo")
    filevers = next(k.value for k in ffi.keywords if k.arg == "filevers")
    assert ast.literal_eval(filevers) == versioninfo.version_tuple(desktop_app.__version__)


@pytest.mark.parametrize(("executable", "cli"), [
    (r"C:\Program Files\Baoxue\baoxue-cli.exe", True), ("/opt/Baoxue/baoxue-cli", True),
    (r"E:\Baoxue\Baoxue.exe", False), ("/opt/Baoxue/Baoxue", False),
])
def test_the_executable_name_picks_gui_or_cli(executable: str, cli: bool) -> None:
    assert baoxue_main.is_cli(executable.replace("\\", "/")) is cli


def test_smoke_test_flag_opens_every_page_and_quits(tmp_path: Path) -> None:
    """What the frozen smoke test asks of Baoxue.exe, from the checkout (fast, no build)."""
    import os
    import subprocess

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(tmp_path / "data"), "--demo", "--smoke-test"],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "smoke-test: 主窗口已显示：保学台账 — 潼南区演示学校（九年一贯制）" in result.stdout
    assert "Traceback" not in result.stderr
    assert "smoke-test:" not in result.stderr  # no missing file reported
