"""Running baoxue-cli in the test's process: its exit status, standard output and standard error."""

from __future__ import annotations

import pytest

from desktop_app import cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err
