"""The schools' program travels with the district's packages: signed by the publisher, checked at the
school, installed beside the old folder, which goes only after the new program has started and verified."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from desktop_app.services import encryption, updates
from desktop_app.services.store import Store
from tests.sync_helpers import dump, send

PUBLISHER = SigningKey.generate()
IMPOSTOR = SigningKey.generate()


@pytest.fixture(autouse=True)
def _test_publisher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "TRUSTED_PUBLISHER_KEYS", (PUBLISHER.verify_key.encode().hex(),))


def release(folder: Path, version: str = "0.3.0", key: SigningKey = PUBLISHER,
            members: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"baoxue-{version}-{updates.PLATFORM}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in (members or {"baoxue.exe": "new program", "_internal/VERSION": version}).items():
            zf.writestr(name, text)
    updates.sign(path, version, updates.PLATFORM, key.encode().hex())
    return path


def test_release_travels_with_the_package_and_is_installed_beside_the_old_folder(
        pair: tuple[Store, Store], usb: Path, tmp_path: Path) -> None:
    school, dist = pair
    send(school, "district", dist, usb)  # the district learns the school's version
    attached = updates.attach(dist, release(tmp_path / "publisher"))
    assert attached.version == "0.3.0"
    result = send(dist, school.installation().code, school, usb)  # type: ignore[union-attr]
    assert "随包收到新版本程序 0.3.0" in result.message
    assert (usb / attached.zip_name).is_file()  # written beside the package
    assert updates.offered(school) == attached

    old = tmp_path / "programs" / "baoxue"
    old.mkdir(parents=True)
    (old / "baoxue.exe").write_text("old program")
    new = updates.install(school, current=old)
    assert (new / "baoxue.exe").read_text() == "new program"
    assert old.is_dir()  # kept until the new one has started once and verified
    assert updates.after_start(school, running=old) == ""  # the old program starting again changes nothing
    message = updates.after_start(school, running=new)
    assert "已更新到 0.3.0 版" in message
    assert not old.exists()
    assert updates.state(school)["status"] == "confirmed"  # type: ignore[index]
    assert updates.offered(school) is None


def test_new_program_that_fails_verify_keeps_the_old_folder(pair: tuple[Store, Store], usb: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    school, dist = pair
    send(school, "district", dist, usb)
    updates.attach(dist, release(tmp_path / "publisher"))
    send(dist, school.installation().code, school, usb)  # type: ignore[union-attr]
    old = tmp_path / "programs" / "baoxue"
    old.mkdir(parents=True)
    new = updates.install(school, current=old)
    from desktop_app.services import audit

    monkeypatch.setattr(Store, "verify", lambda self: audit.VerifyResult(False, 0, "历史记录第3条被改动"))
    message = updates.after_start(school, running=new)
    assert "校验未通过" in message and str(old) in message
    assert old.is_dir()


def test_release_signed_by_another_key_is_refused_at_the_district(pair: tuple[Store, Store], tmp_path: Path) -> None:
    _school, dist = pair
    with pytest.raises(updates.UpdateError, match="发布者签名无效"):
        updates.attach(dist, release(tmp_path / "x", key=IMPOSTOR))
    assert updates.attached(dist) is None


def test_package_with_a_changed_release_beside_it_is_refused_and_changes_nothing(
        pair: tuple[Store, Store], usb: Path, tmp_path: Path) -> None:
    school, dist = pair
    send(school, "district", dist, usb)
    attached = updates.attach(dist, release(tmp_path / "publisher"))
    from desktop_app.services import sync

    path = sync.export_package(dist, school.installation().code, usb).path  # type: ignore[union-attr]
    with zipfile.ZipFile(usb / attached.zip_name, "a") as zf:
        zf.writestr("evil.exe", "payload")
    before = dump(school)
    with pytest.raises(sync.PackageRefused, match="与其签名不符"):
        sync.import_package(school, path, backup_first=False)
    assert dump(school) == before
    assert updates.offered(school) is None


def test_signature_file_with_a_forged_version_is_refused(tmp_path: Path) -> None:
    path = release(tmp_path / "p", version="0.3.0")
    sig = path.with_name(path.name + ".sig")
    fields = json.loads(sig.read_text())
    fields["version"] = "9.9.9"  # the zip is the same; the version claimed is not the one signed
    sig.write_text(json.dumps(fields))
    with pytest.raises(updates.UpdateError, match="发布者签名无效"):
        updates.read_signature_file(sig)


def test_release_with_a_path_outside_its_folder_is_not_unpacked(pair: tuple[Store, Store], usb: Path,
                                                                tmp_path: Path) -> None:
    school, dist = pair
    send(school, "district", dist, usb)
    updates.attach(dist, release(tmp_path / "publisher", members={"../../escaped.txt": "x"}))
    send(dist, school.installation().code, school, usb)  # type: ignore[union-attr]
    old = tmp_path / "programs" / "baoxue"
    old.mkdir(parents=True)
    with pytest.raises(updates.UpdateError, match="不安全的路径"):
        updates.install(school, current=old)
    assert not (tmp_path / "escaped.txt").exists()
    assert sorted(p.name for p in old.parent.iterdir()) == ["baoxue"]


def test_no_release_is_offered_to_a_school_already_on_it(pair: tuple[Store, Store], usb: Path, tmp_path: Path) -> None:
    school, dist = pair
    send(school, "district", dist, usb)
    from desktop_app import __version__
    from desktop_app.services import compat

    updates.attach(dist, release(tmp_path / "publisher", version=compat.release_of(__version__).base_version))
    result = send(dist, school.installation().code, school, usb)  # type: ignore[union-attr]
    assert "新版本" not in result.message
    assert not list(usb.glob("*.zip"))


def test_school_installs_the_received_release_from_the_help_menu(qtbot, pair: tuple[Store, Store], usb: Path,
                                                                  tmp_path: Path, messages,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.ui.main_window import MainWindow

    school, dist = pair
    send(school, "district", dist, usb)
    window = MainWindow(school)
    qtbot.addWidget(window)
    assert not window.update_action.isEnabled()  # nothing received yet
    updates.attach(dist, release(tmp_path / "publisher"))
    send(dist, school.installation().code, school, usb)  # type: ignore[union-attr]
    old = tmp_path / "programs" / "baoxue"
    old.mkdir(parents=True)
    monkeypatch.setattr(updates, "program_folder", lambda: old)
    window._refresh_update_action()
    assert window.update_action.isEnabled() and "0.3.0" in window.update_action.text()
    window.update_action.trigger()
    assert "发布者签名已核对" in messages.texts("confirm")[-1]
    assert (tmp_path / "programs" / "baoxue-0.3.0" / "baoxue.exe").is_file()
    assert "已安装到" in messages.texts("info")[-1]
    assert old.is_dir()


def test_cli_attach_at_the_district_and_install_at_the_school(pair: tuple[Store, Store], usb: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.cli import run

    school, dist = pair
    send(school, "district", dist, usb)
    zip_path = release(tmp_path / "publisher")
    from tests.helpers.accounts import ADMIN_PASSWORD

    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PASSWORD)  # each office's administrator (tests/sync_helpers.py)
    monkeypatch.setenv("BAOXUE_USER", "督导员")
    code, out, err = run(capsys, "--data-dir", str(dist.data_dir), "update-attach", str(zip_path))
    assert code == 0 and "已核对发布者签名" in out, err
    dist.close()
    dist_again = encryption.unlock(dist.data_dir, "督导员", ADMIN_PASSWORD)
    send(dist_again, school.installation().code, school, usb)  # type: ignore[union-attr]
    dist_again.close()
    old = tmp_path / "programs" / "baoxue"
    old.mkdir(parents=True)
    monkeypatch.setenv("BAOXUE_USER", "周老师")
    code, out, err = run(capsys, "--data-dir", str(school.data_dir), "update-install", "--program-dir", str(old))
    assert code == 0 and "已把 0.3.0 版安装到" in out, err
    code, _out, err = run(capsys, "--data-dir", str(school.data_dir), "update-install", "--program-dir", str(old))
    assert code == 1 and "已存在" in err and "Traceback" not in err  # a second install never overwrites the first
