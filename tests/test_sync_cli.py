"""baoxue-cli enrol / export-package / import-package between a district and a school folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import run

PASSWORD = "Tongnan2026!"


@pytest.fixture(autouse=True)
def _admin_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both installations' first administrator is admin with this password (no prompt in tests)."""
    monkeypatch.setenv("BAOXUE_USER", "admin")
    monkeypatch.setenv("BAOXUE_PASSWORD", PASSWORD)


def test_enrol_export_import_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d, s, usb = str(tmp_path / "d"), str(tmp_path / "s"), tmp_path / "usb"
    usb.mkdir()
    assert run(capsys, "--data-dir", d, "setup", "district", "--code", "500152", "--name", "潼南区教委")[0] == 0
    assert run(capsys, "--data-dir", s, "setup", "school", "--code", "2150022302", "--name", "米心镇中心小学")[0] == 0
    code, out, _ = run(capsys, "--data-dir", d, "enrol", "--school", "2150022302", "--name", "米心镇中心小学",
                       "--township", "米心镇", str(usb))
    assert code == 0
    assert "密钥指纹" in out
    [enrolment] = usb.glob("*登记.bxpkg")
    code, out, _ = run(capsys, "--data-dir", s, "import-package", str(enrolment))
    assert code == 0
    assert "已登记到 潼南区教委" in out
    assert run(capsys, "--data-dir", s, "demo", "--count", "3")[0] == 0
    code, out, _ = run(capsys, "--data-dir", s, "export-package", "--to", "district", str(usb))
    assert code == 0
    assert "可以拔出U盘" in out
    package = usb / "2150022302-500152-1.bxpkg"
    code, out, err = run(capsys, "--data-dir", d, "import-package", str(package))  # first contact: no confirmation
    assert code == 1
    assert "--confirm" in err and "未导入" in err
    code, about_out, _ = run(capsys, "--data-dir", s, "about")
    fingerprint = next(line.split("：", 1)[1] for line in about_out.splitlines() if line.startswith("密钥指纹"))
    code, out, err = run(capsys, "--data-dir", d, "import-package", str(package), "--confirm",
                         fingerprint.replace("-", "").lower())  # as on the receipt, without the dashes
    assert code == 0
    assert "新增" in out
    assert err == ""
    code, out, err = run(capsys, "--data-dir", d, "import-package", str(package))
    assert code == 1
    assert "已导入过" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, _out, err = run(capsys, "--data-dir", d, "export-package", "--to", "2150022302", str(tmp_path / "gone"))
    assert code == 1
    assert "U盘可能已拔出" in err
    code, _out, err = run(capsys, "--data-dir", d, "export-package", "--to", "9999999999", str(usb))
    assert code == 1
    assert err.startswith("错误：没有登记代码为 9999999999")
    assert run(capsys, "--data-dir", d, "export-package", "--to", "2150022302", str(usb))[0] == 0
    code, out, _ = run(capsys, "--data-dir", s, "import-package", str(usb / "500152-2150022302-1.bxpkg"))
    assert code == 0
