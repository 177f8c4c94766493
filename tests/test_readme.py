"""The README opens with the two commands, and CI runs the second one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_readme_starts_with_install_and_test_commands() -> None:
    start, test = readme_commands()
    assert "baoxue" in start and "--demo" in start
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = ROOT.joinpath(".ci", "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()
