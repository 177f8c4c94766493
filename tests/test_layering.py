"""The layers hold (nothing outside desktop_app/ui imports PySide6, conventions §1); ruff and mypy are clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_qt_import_below_ui_even_inside_functions() -> None:
    offenders = []
    for path in [*ROOT.joinpath("desktop_app").rglob("*.py"), *ROOT.joinpath("database").rglob("*.py")]:
        if "ui" in path.relative_to(ROOT).parts[1:2]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("PySide6", "shiboken6") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_ruff_finds_nothing() -> None:
    """The project's lint rules (pyproject.toml [tool.ruff]) hold for the whole tree."""
    exe = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(exe), "check", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing() -> None:
    """The type checks (pyproject.toml [tool.mypy]: desktop_app and database, every def typed) hold.

    The cache is the checkout's .mypy_cache (ignored by git): a repeated run takes a second or two.
    """
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
