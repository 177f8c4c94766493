"""One running program per data folder: a second start brings the first one forward."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services.paths import STORE_FILE
from desktop_app.ui import app as app_module
from desktop_app.ui.single_instance import LOCK_FILE, SingleInstance, server_name

HOLD_LOCK = """
import sys, time
from PySide6.QtCore import QLockFile
lock = QLockFile(sys.argv[1])
lock.setStaleLockTime(0)
assert lock.tryLock(0)
print("locked", flush=True)
if sys.argv[2] == "crash":
    import os
    os._exit(0)  # leaves the lock file behind, as a crash or a power cut does
time.sleep(60)
"""


@pytest.fixture
def instances() -> Iterator[list[SingleInstance]]:
    made: list[SingleInstance] = []
    yield made
    for inst in made:
        inst.release()


def make(instances: list[SingleInstance], folder: Path) -> SingleInstance:
    folder.mkdir(parents=True, exist_ok=True)
    inst = SingleInstance(folder)
    instances.append(inst)
    return inst


def hold_lock(folder: Path, mode: str) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(folder / LOCK_FILE), mode],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_instance_on_the_same_folder_activates_the_first(qtbot, instances, tmp_path: Path) -> None:  # noqa: ANN001
    first = make(instances, tmp_path / "data")
    second = make(instances, tmp_path / "data")
    assert first.acquire()
    assert not second.acquire()
    with qtbot.waitSignal(first.activated, timeout=5000):
        assert second.notify_running()
    first.release()
    assert second.acquire()  # once the first has quit, the folder is free


def test_other_folders_are_independent(instances, tmp_path: Path) -> None:  # noqa: ANN001
    assert make(instances, tmp_path / "school").acquire()
    assert make(instances, tmp_path / "district").acquire()
    assert server_name(tmp_path / "school") != server_name(tmp_path / "district")
    assert server_name(tmp_path / "school") == server_name(tmp_path / "x" / ".." / "school")


def test_second_program_start_exits_and_brings_the_first_forward(qtbot, instances, tmp_path: Path) -> None:  # noqa: ANN001
    data = tmp_path / "data"
    first = make(instances, data)
    assert first.acquire()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from desktop_app.ui.app import main; sys.exit(main())",
         "--data-dir", str(data)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        with qtbot.waitSignal(first.activated, timeout=30000):
            pass
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert not (data / STORE_FILE).exists()  # the second start never opened the store


def test_lock_left_by_a_crashed_program_is_taken_over(instances, tmp_path: Path) -> None:  # noqa: ANN001
    proc = hold_lock(tmp_path / "data", "crash")
    proc.wait(timeout=30)
    assert (tmp_path / "data" / LOCK_FILE).exists()
    assert make(instances, tmp_path / "data").acquire()


def test_lock_from_another_pc_is_taken_over_only_when_the_user_says_so(instances, messages, tmp_path: Path) -> None:  # noqa: ANN001
    """A USB stick unplugged while the program ran on another PC: its lock cannot be checked from here."""
    hold_lock(tmp_path / "data", "crash").wait(timeout=30)
    lock = tmp_path / "data" / LOCK_FILE
    lines = lock.read_text(encoding="utf-8").splitlines()
    lines[2] = "OTHER-PC"  # pid, application name, host name, ...
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    messages.answer = True
    assert app_module.claim_data_dir(make(instances, tmp_path / "data"))
    if sys.platform == "win32":  # Windows cannot tell whether a process on another PC still runs
        assert "正被另一个程序使用：OTHER-PC 上的进程" in messages.texts("confirm")[0]
    else:  # on Unix, no process holds the file's native lock, so QLockFile knows it is left over
        assert messages.texts("confirm") == []


def test_folder_held_by_a_live_program_is_never_taken_over(instances, messages, tmp_path: Path) -> None:  # noqa: ANN001
    """A program that holds the lock but does not answer (hung): the user is asked, and even a yes is refused."""
    proc = hold_lock(tmp_path / "data", "hold")
    try:
        messages.answer = False
        assert not app_module.claim_data_dir(make(instances, tmp_path / "data"))
        assert "正被另一个程序使用" in messages.texts("confirm")[0] and messages.texts("error") == []
        messages.answer = True
        assert not app_module.claim_data_dir(make(instances, tmp_path / "data"))
        assert "仍在使用" in messages.texts("error")[0]
    finally:
        proc.kill()
        proc.wait()


def test_activation_brings_the_minimised_main_window_forward(qtbot, store, instances, tmp_path: Path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    window.showMinimized()
    assert window.isMinimized()
    first = make(instances, store.data_dir)
    assert first.acquire()
    first.activated.connect(lambda: app_module.bring_forward(QApplication.instance()))
    second = make(instances, store.data_dir)
    with qtbot.waitSignal(first.activated, timeout=5000):
        assert second.notify_running()
    assert window.isVisible() and not window.isMinimized()
