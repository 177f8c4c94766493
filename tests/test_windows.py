"""Windows as teachers have it, imitated on Linux (issue 21): files held open for a moment by
Defender or OneDrive, odd folder names, cloud-synced and network folders, GBK consoles, no console."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.domain.errors import BaoxueError
from desktop_app.reports import excel, files
from desktop_app.services import backup, demo, exports, sync
from desktop_app.services.store import Store

PASSPHRASE = "u盘备份口令2026"
REAL_REPLACE = os.replace


def sharing_violation(path: object) -> PermissionError:
    """What Windows raises when another program holds the file: winerror 32, mapped to EACCES."""
    exc = PermissionError(errno.EACCES, "另一个程序正在使用此文件，进程无法访问。", str(path))
    exc.winerror = 32  # type: ignore[attr-defined]  # (only Windows sets it; the retry looks at it)
    return exc


class FlakyReplace:
    """``os.replace`` that fails ``failures`` times for targets named ``*suffix`` (forever with None)."""

    def __init__(self, suffix: str, failures: int | None) -> None:
        self.suffix, self.failures, self.calls = suffix, failures, 0

    def __call__(self, src: object, dst: object, **kwargs: object) -> None:
        if str(dst).endswith(self.suffix):
            self.calls += 1
            if self.failures is None or self.calls <= self.failures:
                raise sharing_violation(dst)
        REAL_REPLACE(src, dst, **kwargs)  # type: ignore[arg-type]


def _ledger(store: Store, folder: Path) -> Path:
    target = folder / "在册台账.xlsx"
    exports.export_ledger(store, target)
    return target


def _table(_store: Store, folder: Path) -> Path:
    target = folder / "名册.xlsx"
    excel.write_table(target, "名册", "测试", [("姓名", 10)], [["张小明"]])
    return target


def _backup(store: Store, folder: Path) -> Path:
    return backup.write_encrypted(store, folder / "备份.bxbak", PASSPHRASE)


WRITERS: dict[str, tuple[str, Callable[[Store, Path], Path]]] = {
    "ledger export (atomic_output)": (".xlsx", _ledger),
    "workbook save (excel.save)": (".xlsx", _table),
    "encrypted backup": (".bxbak", _backup),
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_file_held_for_a_moment_is_written_without_a_message(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str) -> None:
    demo.load(store, 3)
    suffix, write = WRITERS[writer]
    flaky = FlakyReplace(suffix, failures=2)
    monkeypatch.setattr(os, "replace", flaky)
    target = write(store, tmp_path)
    assert flaky.calls == 3
    assert target.is_file() and target.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [target.name]  # no temporary file left


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_file_really_held_open_is_named_in_chinese(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str) -> None:
    demo.load(store, 3)
    suffix, write = WRITERS[writer]
    flaky = FlakyReplace(suffix, failures=None)
    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(BaoxueError, match="文件被其他程序打开") as caught:
        write(store, tmp_path)
    assert flaky.calls == files.REPLACE_RETRIES + 1
    assert "Errno" not in str(caught.value)
    assert [p for p in tmp_path.iterdir() if p.is_file()] == []  # nothing half-written stays


def test_a_package_held_for_a_moment_is_written_and_checked(
        pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, _district = pair
    demo.load(school, 3)
    flaky = FlakyReplace(".bxpkg", failures=2)
    monkeypatch.setattr(os, "replace", flaky)
    result = sync.export_package(school, "district", usb)
    assert flaky.calls == 3 and result.path.is_file()
    assert not list(usb.glob("*.tmp"))


def test_a_package_file_really_held_open_is_named_in_chinese(
        pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school, _district = pair
    demo.load(school, 3)
    before = {p.name for p in usb.iterdir()}
    monkeypatch.setattr(os, "replace", FlakyReplace(".bxpkg", failures=None))
    with pytest.raises(BaoxueError, match="文件被其他程序打开.*数据包没有写成"):
        sync.export_package(school, "district", usb)
    assert {p.name for p in usb.iterdir()} == before


def test_other_errors_are_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def full(src: object, dst: object) -> None:
        calls.append(dst)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="No space"):
        files.replace_file(tmp_path / "a", tmp_path / "b")
    assert len(calls) == 1


# --- 7. a data folder named like D:\保学 #1 100%\数据 -------------------------------------------

def test_backup_and_restore_in_a_folder_with_hash_and_percent(tmp_path: Path) -> None:
    from desktop_app.services import installation
    from tests.conftest import SCHOOL
    from tests.helpers.accounts import sign_in_admin

    odd = tmp_path / "保学 #1 100%" / "数据"
    store = Store.open(odd, user="周老师")
    try:
        installation.setup(store, SCHOOL)
        sign_in_admin(store)
        demo.load(store, 4)
        written = backup.write_encrypted(store, odd.parent / "备份 #2 50%.bxbak", PASSPHRASE)
        info = backup.inspect(written, PASSPHRASE)
        assert info.cases == 4
        local = backup.take(store, backup.MANUAL)
        demo.load(store, 2)
        assert backup.restore(store, local).cases == 4  # a plain local copy, described inside the odd folder
        demo.load(store, 2)
        assert backup.restore(store, written, PASSPHRASE).cases == 4
        assert store.verify().ok
    finally:
        store.close()


# --- 2 and 6. cloud-synced and network folders ------------------------------------------------

@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """places as on Windows; ``drives`` maps a drive root to what GetDriveTypeW answers (3: local)."""
    from desktop_app.services import places

    drives: dict[str, int] = {}
    monkeypatch.setattr(places, "IS_WINDOWS", True)
    monkeypatch.setattr(places, "_drive_type", lambda root: drives.get(root, 3))
    for name in places.ONEDRIVE_ENV:
        monkeypatch.delenv(name, raising=False)
    return drives


@pytest.mark.parametrize(("path", "service"), [
    (r"C:\Users\lihua\OneDrive\文档\保学", "OneDrive"),
    (r"C:\Users\lihua\OneDrive - 潼南区教育委员会\Documents", "OneDrive"),
    (r"C:\Users\lihua\Documents\WPS Cloud Files\183377\台账", "WPS 云文档"),
    (r"D:\WPS云文档\备份", "WPS 云文档"),
    (r"D:\BaiduSyncdisk\保学", "百度网盘同步空间"),
    (r"C:\Users\lihua\Documents\保学", None),
    (r"E:\\", None),
    (r"C:\Users\lihua\AppData\Local\Baoxue", None),
])
def test_cloud_folders_are_recognised_by_name(windows: dict[str, int], path: str, service: str | None) -> None:
    from desktop_app.services import places

    assert places.cloud_service(path) == service


def test_onedrive_found_through_its_environment_variable(windows: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.services import places

    # Known Folder Move with a renamed folder: only the variable tells
    monkeypatch.setenv("OneDriveCommercial", r"C:\Users\lihua\区教委网盘")
    assert places.cloud_service(r"C:\Users\lihua\区教委网盘\Documents\保学") == "OneDrive"
    assert places.cloud_service(r"c:\users\LIHUA\区教委网盘") == "OneDrive"
    assert places.cloud_service(r"C:\Users\lihua\区教委") is None


@pytest.mark.parametrize(("path", "remote"), [
    (r"\\fileserver\教务\保学", "网络共享文件夹"),
    (r"\\?\UNC\fileserver\教务\保学", "网络共享文件夹"),
    (r"Z:\保学数据", "网络驱动器 Z:"),
    (r"C:\Users\lihua\AppData\Local\Baoxue", None),
    (r"E:\Baoxue\data", None),
])
def test_network_folders_on_windows(windows: dict[str, int], path: str, remote: str | None) -> None:
    from desktop_app.services import places

    windows["Z:\\"] = places.DRIVE_REMOTE
    found = places.network_share(path)
    assert (found is None) if remote is None else (found is not None and found.startswith(remote))


def test_network_folders_on_linux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.services import places

    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "//nas/teach /mnt/nas cifs rw 0 0\n"
        "server:/export /srv/nfs nfs4 rw 0 0\n"
        "lihua@host:/home /mnt/ssh\\040dir fuse.sshfs rw 0 0\n"
        "fuse-overlayfs /var/lib/overlay fuse.fuse-overlayfs rw 0 0\n"
        "tmpfs /mnt/nas/local tmpfs rw 0 0\n", encoding="utf-8")
    monkeypatch.setattr(places, "IS_WINDOWS", False)
    monkeypatch.setattr(places, "MOUNTS_FILE", mounts)
    assert places.network_share("/mnt/nas/保学/data") == "网络文件系统 cifs"
    assert places.network_share("/srv/nfs/x") == "网络文件系统 nfs4"
    assert places.network_share("/mnt/ssh dir/保学") == "网络文件系统 fuse.sshfs"
    assert places.network_share("/var/lib/overlay/保学") is None
    assert places.network_share("/mnt/nas/local/保学") is None  # the nearest mount decides
    assert places.network_share("/home/lihua") is None


def test_a_store_on_a_network_share_is_refused_before_it_is_opened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from desktop_app.services import places
    from tests.helpers.cli import run

    share = tmp_path / "映射的网络驱动器"
    share.mkdir()
    monkeypatch.setattr(places, "MOUNTS_FILE", tmp_path / "mounts")
    (tmp_path / "mounts").write_text(f"/dev/vda / ext4 rw 0 0\n//nas/x {share} cifs rw 0 0\n", encoding="utf-8")
    monkeypatch.setattr(places, "IS_WINDOWS", False)
    with pytest.raises(BaoxueError, match="网络文件系统 cifs.*本机硬盘"):
        Store.open(share / "数据")
    assert not (share / "数据").exists()  # nothing created
    code, _out, err = run(capsys, "--data-dir", str(share / "数据"), "verify")
    assert code == 1 and err.startswith("错误：数据文件夹") and "网络" in err and "Traceback" not in err
    assert not (share / "数据").exists()


def test_cli_says_so_when_the_store_or_a_package_goes_into_a_cloud_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers.cli import run

    monkeypatch.setenv("BAOXUE_USER", "admin")
    monkeypatch.setenv("BAOXUE_PASSWORD", "Mixin2026!")
    cloud = tmp_path / "OneDrive - 潼南区教育委员会" / "保学数据"
    code, out, err = run(capsys, "--data-dir", str(cloud), "setup", "district", "--code", "500152", "--name", "潼南区教委")
    assert code == 0 and "潼南区教委" in out
    assert err.startswith("警告：数据文件夹") and "OneDrive同步的文件夹" in err and "个人信息会被上传" in err
    local = str(tmp_path / "本机")
    code, _out, err = run(capsys, "--data-dir", local, "setup", "district", "--code", "500152", "--name", "潼南区教委")
    assert code == 0 and err == ""
    baidu = tmp_path / "BaiduSyncdisk"
    baidu.mkdir()
    code, out, err = run(capsys, "--data-dir", local, "enrol", "--school", "2150022302", "--name", "米心镇中心小学",
                         str(baidu))
    assert code == 0 and "已登记" in out
    assert "警告：" in err and "百度网盘同步空间同步的文件夹" in err and "登记包会被上传" in err
    code, _out, err = run(capsys, "--data-dir", local, "backup", str(baidu / "备份.bxbak"),
                          "--passphrase-file", str(_passphrase_file(tmp_path)))
    assert code == 0 and "备份会被上传" in err


def _passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "口令.txt"
    path.write_text(PASSPHRASE, encoding="utf-8")
    return path


def test_gui_asks_before_using_a_cloud_synced_data_folder(qapp, tmp_path: Path, messages) -> None:  # noqa: ANN001
    from desktop_app.ui import app

    cloud = tmp_path / "WPS Cloud Files" / "保学"
    messages.answer = False
    assert app.main(["Baoxue", "--data-dir", str(cloud)]) == 0
    assert not cloud.exists()  # the store was not put there
    (text,) = messages.texts("confirm")
    assert "WPS 云文档同步的文件夹" in text and "仍要使用此数据文件夹吗" in text


def test_gui_refuses_a_data_folder_on_a_network_share(
        qapp, tmp_path: Path, messages, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from desktop_app.services import places
    from desktop_app.ui import app

    monkeypatch.setattr(places, "network_share", lambda path: "网络驱动器 Z:")
    assert app.main(["Baoxue", "--data-dir", str(tmp_path / "数据")]) == 1
    (text,) = messages.texts("error")
    assert "网络驱动器 Z:" in text and "本机硬盘" in text
    assert not (tmp_path / "数据" / "baoxue.sqlite3").exists()


def test_gui_asks_before_a_package_goes_into_a_cloud_folder(
        qtbot, pair: tuple[Store, Store], tmp_path: Path, messages, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from desktop_app.ui.exchange import page as exchange_page

    school, _district = pair
    cloud = tmp_path / "OneDrive" / "数据包"
    cloud.mkdir(parents=True)
    monkeypatch.setattr(exchange_page.Pickers, "folder", staticmethod(lambda parent, title: cloud))
    widget = exchange_page.ExchangePage(school)
    qtbot.addWidget(widget)
    messages.answer = False
    assert widget.export_selected() is None
    assert not list(cloud.iterdir())
    assert "数据包会被上传到网盘" in messages.texts("confirm")[0]


# --- 3. baoxue-cli output in the encoding its reader expects ---------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _cli(args: list[str], env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOXUE_")} | {"PYTHONPATH": str(ROOT)}
    environ.pop("PYTHONIOENCODING", None)
    return subprocess.run([sys.executable, "-m", "desktop_app.cli", *args], capture_output=True,
                          env=environ | (env or {}), timeout=120, check=False, **kwargs)  # type: ignore[call-overload]


def redirect(monkeypatch: pytest.MonkeyPatch) -> tuple[io.BytesIO, io.BytesIO]:
    """Standard output and error redirected to files (``> out.txt 2> err.txt``): bytes to read back.

    (Called in the test itself: pytest puts its own capture back in place between fixtures and the test.)
    """
    out, err = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="utf-8", write_through=True))
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(err, encoding="utf-8", write_through=True))
    monkeypatch.delenv("BAOXUE_ENCODING", raising=False)
    return out, err


def test_redirected_output_follows_the_console_code_page_936(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from desktop_app import cli, terminal

    out, err = redirect(monkeypatch)
    monkeypatch.setattr(terminal, "console_output_codepage", lambda: 936)  # Chinese Windows, PowerShell 5.1
    assert cli.main(["--data-dir", str(tmp_path / "d"), "about"]) == 0
    text = out.getvalue().decode("gbk")  # what PowerShell's `> out.txt` / Select-String decode it as
    assert "版本" in text and "数据文件夹" in text
    with pytest.raises(UnicodeDecodeError):
        out.getvalue().decode("utf-8")
    # the error stream too, and a character GBK cannot hold is replaced, not a crash
    assert cli.main(["--data-dir", str(tmp_path / "d"), "restore", str(tmp_path / "备份😀.bxbak")]) == 1
    assert err.getvalue().decode("gbk").startswith("错误：无法读取备份文件") and "备份?.bxbak" in err.getvalue().decode("gbk")


def test_encoding_option_and_variable_win_over_the_code_page(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from desktop_app import cli, terminal

    out, _err = redirect(monkeypatch)
    monkeypatch.setattr(terminal, "console_output_codepage", lambda: 936)
    assert cli.main(["--encoding", "utf-8", "--data-dir", str(tmp_path / "d"), "about"]) == 0
    assert "版本" in out.getvalue().decode("utf-8")
    out.seek(0)
    out.truncate()
    monkeypatch.setenv("BAOXUE_ENCODING", "gb18030")
    assert cli.main(["--data-dir", str(tmp_path / "d"), "about"]) == 0
    assert "版本" in out.getvalue().decode("gb18030")


def test_a_console_keeps_unicode_and_no_console_means_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app import terminal

    class Console(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("BAOXUE_ENCODING", raising=False)
    monkeypatch.setattr(terminal, "console_output_codepage", lambda: 936)
    assert terminal.choose_encoding(Console()) is None  # the console shows Unicode itself
    assert terminal.choose_encoding(io.StringIO()) == "gbk"
    monkeypatch.setattr(terminal, "console_output_codepage", lambda: 65001)
    assert terminal.choose_encoding(io.StringIO()) == "utf-8"
    monkeypatch.setattr(terminal, "console_output_codepage", lambda: 0)  # a scheduled task: no console
    assert terminal.choose_encoding(io.StringIO()) == "utf-8"


def test_an_unknown_encoding_is_one_chinese_line(tmp_path: Path) -> None:
    result = _cli(["--encoding", "klingon", "--data-dir", str(tmp_path / "d"), "about"])
    assert result.returncode == 1
    assert result.stderr.decode("utf-8").strip() == "错误：不认识的输出编码“klingon”：可用 utf-8、gbk（即 cp936）、gb18030 等"


def test_real_process_redirected_on_linux_writes_utf8_or_the_chosen_encoding(tmp_path: Path) -> None:
    plain = _cli(["--data-dir", str(tmp_path / "d"), "about"])
    assert plain.returncode == 0 and "版本" in plain.stdout.decode("utf-8")
    gbk = _cli(["--data-dir", str(tmp_path / "d"), "about"], env={"BAOXUE_ENCODING": "cp936"})
    assert gbk.returncode == 0 and "版本" in gbk.stdout.decode("gbk")
    helped = _cli(["--encoding", "gbk", "--help"])
    assert helped.returncode == 0 and "输出编码" in helped.stdout.decode("gbk")  # help text too


# --- 5. no console and no BAOXUE_PASSWORD: fail at once ---------------------------------------

def test_no_console_and_no_password_fails_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import getpass

    from tests.helpers.cli import run

    def waits_forever(prompt: str = "") -> str:
        raise AssertionError("getpass would wait for a console nobody types at")

    monkeypatch.delenv("BAOXUE_PASSWORD", raising=False)
    monkeypatch.setattr(getpass, "getpass", waits_forever)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # a scheduled task: stdin is not a terminal
    code, _out, err = run(capsys, "--data-dir", str(tmp_path / "d"), "setup", "school", "--code", "5002230001",
                          "--name", "测试小学")
    assert code == 1
    assert err == ("错误：无法读取密码：请在终端中输入，或设置环境变量 BAOXUE_PASSWORD"
                   "（没有可以输入的控制台：计划任务中运行，或输入来自管道、文件）\n")
    code, _out, err = run(capsys, "--data-dir", str(tmp_path / "d"), "backup", str(tmp_path / "b.bxbak"))
    assert code == 1 and "BAOXUE_BACKUP_PASSPHRASE" in err and "没有可以输入的控制台" in err


def test_a_console_nobody_can_see_is_no_console(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A scheduled task run whether the user is signed in or not: stdin is a console, on an invisible desktop."""
    import getpass

    from desktop_app import terminal
    from tests.helpers.cli import run

    class Console(io.StringIO):
        def isatty(self) -> bool:
            return True

    typed: list[str] = []
    monkeypatch.delenv("BAOXUE_PASSWORD", raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": typed.append(prompt) or "Mixin2026!")
    monkeypatch.setattr(sys, "stdin", Console())
    monkeypatch.setattr(terminal, "visible_desktop", lambda: False)
    code, _out, err = run(capsys, "--data-dir", str(tmp_path / "d"), "setup", "school", "--code", "5002230001",
                          "--name", "测试小学")
    assert code == 1 and "没有可以输入的控制台" in err and typed == []
    monkeypatch.setattr(terminal, "visible_desktop", lambda: True)  # the same at a desk: asked twice
    code, out, _err = run(capsys, "--data-dir", str(tmp_path / "d"), "setup", "school", "--code", "5002230001",
                          "--name", "测试小学")
    assert code == 0 and "测试小学" in out and len(typed) == 2


def test_a_process_with_an_idle_pipe_for_input_does_not_hang(tmp_path: Path) -> None:
    """Like a scheduled task: input is a pipe nobody writes to (getpass fell back to it and waited)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOXUE_")} | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.cli", "--data-dir", str(tmp_path / "d"), "setup", "school",
         "--code", "5002230001", "--name", "测试小学"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ,
        start_new_session=True,  # no controlling terminal for getpass to open
    )
    try:
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        assert proc.stdin is not None and proc.stderr is not None and proc.stdout is not None
        proc.stdin.close()
        err = proc.stderr.read().decode("utf-8")
        proc.stdout.close()
        proc.stderr.close()
    assert code == 1 and "BAOXUE_PASSWORD" in err and "Traceback" not in err


# --- 4. evidence PDFs opened for viewing do not stay in %TEMP% --------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """%TEMP% for the test (shared by every user of the PC in the story)."""
    import tempfile

    from desktop_app.services import viewing

    folder = tmp_path / "TEMP"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setattr(viewing, "_open", {})
    return folder


def _held_open(monkeypatch: pytest.MonkeyPatch, held: set[Path]) -> None:
    """Windows: a file a reader holds open cannot be removed (shutil.rmtree fails with winerror 32)."""
    import shutil

    from desktop_app.services import viewing

    real = shutil.rmtree

    def rmtree(path: object, *args: object, **kwargs: object) -> None:
        if any(Path(str(path)) == h.parent for h in held):
            raise sharing_violation(path)
        real(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(viewing.shutil, "rmtree", rmtree)


def test_a_viewed_pdf_is_removed_once_the_reader_lets_go_and_at_quit(
        qtbot, store: Store, tmp_path: Path, temp_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from PySide6.QtGui import QDesktopServices

    from desktop_app.services import lifecycle, viewing
    from desktop_app.ui.lifecycle import evidence
    from tests.test_lifecycle import new_case

    case_id = new_case(store, plain=1)
    scan = tmp_path / "户口簿 张小明.pdf"
    scan.write_bytes(PDF)
    lifecycle.attach_evidence(store, case_id, scan)
    (info,) = lifecycle.evidence_list(store, case_id)
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))

    assert evidence.open_full_size(store, info, None) is None
    (shown,) = [Path(p) for p in opened]
    assert shown.read_bytes() == PDF and shown.name == "户口簿 张小明.pdf"
    assert shown.parent.parent == temp_folder and shown.parent.name.startswith("baoxue-evidence-")
    assert shown.stat().st_mode & 0o777 == 0o600 and shown.parent.stat().st_mode & 0o777 == 0o700
    # the reader has not had time to open it yet: kept
    assert viewing.release_idle() == 0 and shown.exists()
    # the reader holds it open (Windows): kept, and tried again later
    held = {shown}
    _held_open(monkeypatch, held)
    monkeypatch.setattr(viewing, "GRACE_SECONDS", 0.0)
    assert evidence._janitor is not None and evidence._janitor.isActive()
    evidence._janitor.timeout.emit()
    assert shown.exists()
    # the reader is closed: the next round removes it
    held.clear()
    evidence._janitor.timeout.emit()
    assert not shown.parent.exists() and viewing.pending() == []

    # a copy still open when the program quits is removed at quit
    monkeypatch.setattr(viewing, "GRACE_SECONDS", 120.0)
    evidence.open_full_size(store, info, None)
    second = Path(opened[-1])
    assert second.exists()
    qtbot.wait(1)
    from PySide6.QtWidgets import QApplication

    QApplication.instance().aboutToQuit.emit()  # type: ignore[union-attr]
    assert not second.parent.exists()
    assert list(temp_folder.iterdir()) == []


def test_leftovers_of_a_crashed_run_are_swept_at_start(
        qapp, tmp_path: Path, temp_folder: Path, messages, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import time

    from desktop_app.services import viewing
    from desktop_app.ui import app

    old = temp_folder / "baoxue-evidence-k2j4h1"
    old.mkdir()
    (old / "残疾证.pdf").write_bytes(PDF)
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    young = temp_folder / "baoxue-evidence-another-program"  # another Baoxue running right now
    young.mkdir()
    (young / "a.pdf").write_bytes(PDF)
    other = temp_folder / "someone-else"
    other.mkdir()
    os.utime(other, (time.time() - 3600, time.time() - 3600))
    messages.answer = False  # stop at the first question (a cloud folder): the sweep came first
    assert app.main(["Baoxue", "--data-dir", str(tmp_path / "OneDrive" / "保学")]) == 0
    assert not old.exists() and young.exists() and other.exists()
    assert viewing.sweep_leftovers(now=time.time() + 3600) == 1 and not young.exists()


# --- 8. comparing two builds ------------------------------------------------------------------

def test_build_manifest_tells_two_builds_apart(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_manifest
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    for name in ("a", "b"):
        (tmp_path / name / "_internal").mkdir(parents=True)
        (tmp_path / name / "Baoxue.exe").write_bytes(b"MZ" + name.encode())
        (tmp_path / name / "_internal" / "base_library.zip").write_bytes(b"same")
    a, b = build_manifest.manifest(tmp_path / "a"), build_manifest.manifest(tmp_path / "b")
    assert a[-1] != b[-1] and a[1] == b[1]  # the executables differ, the library does not
    skip = ["Baoxue.exe"]
    assert build_manifest.manifest(tmp_path / "a", skip) == build_manifest.manifest(tmp_path / "b", skip)
    assert a[1].endswith("  4  _internal/base_library.zip") and a[0].endswith("  3  Baoxue.exe")


def test_a_new_program_folder_held_by_antivirus_for_a_moment_is_still_installed(
        pair: tuple[Store, Store], usb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.services import updates
    from tests.sync_helpers import send
    from tests.test_updates import PUBLISHER, release

    monkeypatch.setattr(updates, "TRUSTED_PUBLISHER_KEYS", (PUBLISHER.verify_key.encode().hex(),))
    school, dist = pair
    send(school, "district", dist, usb)
    updates.attach(dist, release(tmp_path / "publisher"))
    send(dist, school.installation().code, school, usb)  # type: ignore[union-attr]
    old = tmp_path / "programs" / "baoxue"
    old.mkdir(parents=True)
    flaky = FlakyReplace("baoxue-0.3.0", failures=2)  # Defender scanning the unpacked baoxue.exe
    monkeypatch.setattr(os, "replace", flaky)
    new = updates.install(school, current=old)
    assert flaky.calls == 3 and (new / "baoxue.exe").read_text() == "new program"


def test_gui_asks_before_a_backup_goes_into_a_cloud_folder(
        qtbot, store: Store, tmp_path: Path, messages, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from desktop_app.ui.accounts.dialogs import PassphraseDialog
    from desktop_app.ui.settings.backup_box import BackupBox, FileChooser

    cloud = tmp_path / "BaiduSyncdisk"
    cloud.mkdir()
    asked: list[bool] = []
    monkeypatch.setattr(FileChooser, "folder", staticmethod(lambda *_a: cloud))
    monkeypatch.setattr(PassphraseDialog, "ask", classmethod(lambda *_a, **_k: asked.append(True) or "u盘备份密码2026"))
    box = BackupBox(store)
    qtbot.addWidget(box)
    messages.answer = False
    assert box.ask_backup_encrypted() is None
    assert asked == [] and list(cloud.iterdir()) == []
    assert "百度网盘同步空间同步的文件夹" in messages.texts("confirm")[0] and "备份会被上传" in messages.texts("confirm")[0]
