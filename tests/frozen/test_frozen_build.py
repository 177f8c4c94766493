"""The frozen program: build the PyInstaller folder from build.spec, then run it.

Part of the default run (CI runs it); the build takes about half a minute here. Run it alone:

    .venv/bin/python -m pytest -m frozen -v

or leave it out while working: ``-m "not frozen"``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app import APP_ID, APP_NAME_ASCII, __version__
from desktop_app.services.paths import PORTABLE_MARKER, STORE_FILE

pytestmark = pytest.mark.frozen

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""
# What offscreen Qt says on stderr about window hints it cannot apply; nothing else is allowed.
HARMLESS_STDERR = re.compile(r"^This plugin does not support (propagateSizeHints|raise|requestActivate)\(\)$")
# A windowed Windows executable has no stdout: there the exit status (0: the window was shown and
# closed by itself; 2: a problem) is all the GUI tells.
WINDOWED_OUTPUT = sys.platform != "win32"
SIZE_LIMIT_MB = 300
PASSWORD = "Mixin2026!"  # Linux folder; the Windows folder is smaller (no ICU, no X libraries)


@dataclass
class Build:
    folder: Path
    seconds: float

    @property
    def gui(self) -> Path:
        return self.folder / f"{APP_NAME_ASCII}{EXE}"

    @property
    def cli(self) -> Path:
        return self.folder / f"{APP_ID}-cli{EXE}"

    def size_mb(self) -> float:
        files = [p for p in self.folder.rglob("*") if p.is_file() and not p.is_symlink()]
        return sum(p.stat().st_size for p in files) / 2**20


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    out = tmp_path_factory.mktemp("pyinstaller")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "build"), str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    built = Build(out / "dist" / APP_NAME_ASCII, time.monotonic() - started)
    print(f"\nfrozen build: {built.seconds:.0f} s, {built.size_mb():.0f} MB in {built.folder}")
    return built


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    runtime = tmp_path / "xdg-runtime"
    runtime.mkdir(mode=0o700)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BAOXUE_"))}
    environ.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
                   XDG_DATA_HOME=str(tmp_path / "xdg-data"), XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
                   # the CLI acts for an administrator; scripts give name and passwords like this
                   BAOXUE_USER="admin", BAOXUE_PASSWORD=PASSWORD, BAOXUE_BACKUP_PASSPHRASE="U盘备份口令-2026")
    return environ


def run(exe: Path, *args: str, env: dict[str, str], expect: int = 0, timeout: float = 120) -> tuple[str, str]:
    result = subprocess.run([str(exe), *args], capture_output=True, text=True, encoding="utf-8", env=env,
                            timeout=timeout)
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err, f"{exe.name} {args}:\n{out}\n{err}"
    assert result.returncode == expect, f"{exe.name} {args} exited {result.returncode}:\n{out}\n{err}"
    return out, err


def unexpected(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and not HARMLESS_STDERR.match(line)]


def test_folder_holds_both_executables_and_no_unused_parts(build: Build) -> None:
    assert build.gui.is_file() and build.cli.is_file()
    internal = build.folder / "_internal"
    names = {p.name for p in internal.rglob("*")}
    assert "env.py" in names and any(n.startswith("0001_") for n in names), "migrations missing"
    assert "qtbase_zh_CN.qm" in names
    assert "loc.dat" in names
    assert "baoxue.png" in names
    unused = [n for n in names if re.match(r"(lib)?Qt6(Qml|Quick|Sql|Test|Designer|Pdf|WebEngine)", n)
              or n in {"tkinter", "_tkinter", "libtk8.6.so", "tcl86t.dll", "opengl32sw.dll"}]
    assert unused == []
    size = build.size_mb()
    assert size < SIZE_LIMIT_MB, f"the folder grew to {size:.0f} MB"


def test_cli_sets_up_loads_demo_verifies_and_exports(build: Build, env: dict[str, str], tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    out, err = run(build.cli, "--version", env=env)
    assert __version__ in out
    out, err = run(build.cli, "--data-dir", data, "setup", "school", "--code", "2150022302",
                   "--name", "米心镇中心小学", env=env)
    assert "米心镇中心小学" in out and err == ""
    assert "恢复密钥：" in out
    # the store is SQLCipher: not a plain SQLite file; closed after set-up, reopened with the password
    assert not (tmp_path / "data" / STORE_FILE).read_bytes().startswith(b"SQLite format 3")
    out, err = run(build.cli, "--data-dir", data, "demo", "--count", "30", env=env)
    assert "30" in out and err == ""
    out, err = run(build.cli, "--data-dir", data, "verify", env=env)
    assert "校验通过" in out and err == ""
    # The program's own files (migrations, stdnum's region table, pinyin, reportlab, icons).
    out, err = run(build.cli, "--data-dir", data, "about", "--licences", env=env)
    assert err == "" and "数据结构版本" in out and "SQLAlchemy" in out
    assert "加密：SQLCipher 4（AES-256），密钥槽 2 个" in out
    # An encrypted backup (PyNaCl and argon2's compiled parts are in the folder).
    usb = tmp_path / "usb"
    usb.mkdir()
    out, err = run(build.cli, "--data-dir", data, "backup", str(usb), env=env, timeout=300)
    assert err == ""
    assert [p.suffix for p in usb.iterdir()] == [".bxbak"]
    help_text, _ = run(build.cli, "--help", env=env)
    exports = {  # every export command the CLI has (openpyxl, reportlab and the font in the folder)
        "care-export": (["care-export", "--out", str(tmp_path / "关爱名册.xlsx")], tmp_path / "关爱名册.xlsx"),
        "home-teaching": (["home-teaching", "export", "--out", str(tmp_path / "送教.xlsx")], tmp_path / "送教.xlsx"),
        "export-ledger": (["export-ledger", str(tmp_path / "台账.xlsx")], tmp_path / "台账.xlsx"),
        "print-forms": (["print-forms", str(tmp_path / "一生一表.pdf"), "--all"], tmp_path / "一生一表.pdf"),
    }
    ran = 0
    for command, (args, target) in exports.items():
        if re.search(rf"^\s+{command}\s", help_text, re.MULTILINE):
            out, err = run(build.cli, "--data-dir", data, *args, env=env, timeout=300)
            assert err == ""
            assert target.stat().st_size > 0
            ran += 1
    assert ran >= 1, help_text


def test_cli_expected_error_is_one_chinese_line(build: Build, env: dict[str, str], tmp_path: Path) -> None:
    _out, err = run(build.cli, "--data-dir", str(tmp_path / "data"), "setup", "school", "--code", "12",
                    "--name", "某小学", env=env, expect=1)
    assert len(err.strip().splitlines()) == 1 and err.startswith("错误：")


def test_gui_shows_its_main_window_and_quits(build: Build, env: dict[str, str], tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    out, err = run(build.gui, "--data-dir", data, "--demo", "--smoke-test", env=env, timeout=120)
    if WINDOWED_OUTPUT:
        assert "smoke-test: 主窗口已显示：保学台账 — 潼南区演示学校（九年一贯制）" in out
    assert unexpected(err) == []
    assert (tmp_path / "data" / STORE_FILE).is_file()
    assert (tmp_path / "data" / "settings.ini").is_file()
    # the encrypted store the first start created, closed and reopened by a second start
    assert not (tmp_path / "data" / STORE_FILE).read_bytes().startswith(b"SQLite format 3")
    out, err = run(build.gui, "--data-dir", data, "--demo", "--smoke-test", env=env, timeout=120)
    if WINDOWED_OUTPUT:
        assert "smoke-test: 主窗口已显示" in out
    assert unexpected(err) == []


def test_portable_marker_keeps_data_beside_the_program(build: Build, env: dict[str, str]) -> None:
    marker = build.folder / PORTABLE_MARKER
    marker.write_text("", encoding="utf-8")
    try:
        out, err = run(build.gui, "--demo", "--smoke-test", env=env)
        assert unexpected(err) == []
        if WINDOWED_OUTPUT:
            assert "便携模式" in out
        # the demonstration store is encrypted: about unlocks it with the demonstration administrator
        out, err = run(build.cli, "about", env={**env, "BAOXUE_PASSWORD": "baoxue-demo"})
        assert f"数据文件夹：{build.folder / 'data'}" in out
        assert (build.folder / "data" / STORE_FILE).is_file()
        assert (build.folder / "data" / "settings.ini").is_file()
        assert not Path(env["XDG_DATA_HOME"]).exists()  # nothing in the user's folders
    finally:
        marker.unlink()


def test_second_start_on_the_same_folder_activates_the_first(build: Build, env: dict[str, str], tmp_path: Path,
                                                              qtbot) -> None:  # noqa: ANN001
    from desktop_app.ui.single_instance import SingleInstance

    data = tmp_path / "data"
    data.mkdir()
    first = SingleInstance(data)
    assert first.acquire()
    try:
        proc = subprocess.Popen([str(build.gui), "--data-dir", str(data)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with qtbot.waitSignal(first.activated, timeout=30000):
            pass
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and unexpected(err) == [], err
        assert not (data / STORE_FILE).exists()  # the second start did not open the store
    finally:
        first.release()
