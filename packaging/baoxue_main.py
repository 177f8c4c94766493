"""Entry point of the frozen program: one script, two executables.

build.spec makes ``Baoxue`` (windowed GUI) and ``baoxue-cli`` (console) from this script; the
name of the executable that started decides which one runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def is_cli(executable: str) -> bool:
    return Path(executable).stem.lower().startswith("baoxue-cli")


def run() -> int:
    # A windowed executable on Windows has no console: print() and argparse would fail on None.
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
        elif not stream.isatty():
            # Redirected to a file or a pipe: UTF-8 for the GUI's messages (cp1252 cannot hold Chinese);
            # baoxue-cli then chooses what its reader expects (desktop_app.terminal, --encoding).
            stream.reconfigure(encoding="utf-8", errors="replace")
    if is_cli(sys.executable if getattr(sys, "frozen", False) else sys.argv[0]):
        from desktop_app.cli import main as cli_main

        return cli_main()
    from desktop_app.ui.splash import early_splash

    early_splash(sys.argv)  # something on screen before the heavy imports below
    from desktop_app.ui.app import main as gui_main

    return gui_main()


if __name__ == "__main__":
    sys.exit(run())
