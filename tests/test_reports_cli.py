"""baoxue-cli print-forms, export-ledger, monthly-report and check-print."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from desktop_app.domain.codes import CaseStatus
from desktop_app.services import accounts, cases, encryption, printing
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.cli import run


@pytest.fixture(autouse=True)
def _demo_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that read personal data act for an administrator (the demo school's is admin)."""
    monkeypatch.setenv("BAOXUE_USER", "admin")
    monkeypatch.setenv("BAOXUE_PASSWORD", "baoxue-demo")


@pytest.fixture
def school(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    folder = str(tmp_path / "school")
    assert run(capsys, "--data-dir", folder, "demo", "--count", "12")[0] == 0
    return folder


def test_print_all_forms_into_one_pdf(school: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "all.pdf"
    code, stdout, _ = run(capsys, "--data-dir", school, "print-forms", str(out), "--all")
    assert code == 0 and "12 份" in stdout
    assert len(PdfReader(out).pages) >= 12
    store = encryption.unlock(school, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    open_ids = printing.case_ids(store, cases.LedgerQuery(statuses=CaseStatus.open_values()))
    first = cases.load_form(store, open_ids[0])
    store.close()
    code, stdout, _ = run(capsys, "--data-dir", school, "print-forms", str(tmp_path / "open.pdf"), "--open")
    assert code == 0 and f"{len(open_ids)} 份" in stdout
    assert first.name in "".join(PdfReader(tmp_path / "open.pdf").pages[0].extract_text().split())


def test_print_one_case_then_check_the_paper(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             store: Store) -> None:
    case_id = cases.save_form(store, full_form())
    folder = str(store.data_dir)
    out = tmp_path / "one.pdf"
    code, stdout, _ = run(capsys, "--data-dir", folder, "print-forms", str(out), "--case", case_id)
    assert code == 0 and "1 份，共 1 页" in stdout
    short = [c for c in printing.write_forms_pdf(store, [case_id], tmp_path / "again.pdf").codes][0].short_text()
    assert short in "".join(PdfReader(out).pages[0].extract_text().split())

    code, stdout, _ = run(capsys, "--data-dir", folder, "check-print", short)
    assert code == 0 and "人账相符" in stdout

    form = cases.load_form(store, case_id)
    form.result = "已复学"
    form.not_returned_reason = ""
    cases.save_form(store, form)
    code, stdout, _ = run(capsys, "--data-dir", folder, "check-print", short)
    assert code == 1 and "人账不符" in stdout and "劝返结果" in stdout and "已复学" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check-print", "whatever"], "核验码格式不对"),
        (["check-print", "BX1-ABCDEF01-1-0123456789AB"], "没有此核验码对应的案件"),
        (["print-forms", "{tmp}/x.pdf", "--case", "nope"], "案件不存在"),
        (["print-forms", "{tmp}/x.pdf"], "没有要打印的案件"),
        (["print-forms", "{tmp}/no/x.pdf", "--all"], "不存在"),
        (["export-ledger", "{tmp}/no/x.xlsx"], "不存在"),
        (["monthly-report", "{tmp}/m.xlsx", "--month", "2026/9"], "年-月"),
        (["monthly-report", "{tmp}/m.xlsx", "--month", "2026-13"], "月份无效"),
    ],
)
def test_expected_errors_are_one_line_and_exit_1(school: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 args: list[str], message: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, _, err = run(capsys, "--data-dir", school, *args)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_reading_personal_data_needs_the_administrator(school: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOXUE_PASSWORD", "wrong password")
    code, _, err = run(capsys, "--data-dir", school, "print-forms", str(tmp_path / "x.pdf"), "--all")
    assert code == 1 and not (tmp_path / "x.pdf").exists() and len(err.strip().splitlines()) == 1


def test_export_ledgers_and_monthly_report(school: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(capsys, "--data-dir", school, "export-ledger", str(tmp_path / "open.xlsx"),
                          "--reason", "上报区教委")
    assert code == 0 and "未销号案件台账" in stdout
    code, stdout, _ = run(capsys, "--data-dir", school, "export-ledger", str(tmp_path / "all.xlsx"),
                          "--ledger", "suspected")
    assert code == 0 and "疑似辍学学生台账 12 行" in stdout
    assert load_workbook(tmp_path / "all.xlsx").active.max_row == 12 + 3
    code, stdout, _ = run(capsys, "--data-dir", school, "monthly-report", str(tmp_path / "m.xlsx"),
                          "--month", "2026-09")
    assert code == 0 and (tmp_path / "m.xlsx").exists()
    code, stdout, _ = run(capsys, "--data-dir", school, "print-forms", str(tmp_path / "blank.pdf"), "--blank", "3")
    assert code == 0 and len(PdfReader(tmp_path / "blank.pdf").pages) == 3
