"""What a teacher reads is plain Chinese: history entries in words, no requirement ids, sync states in words."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from desktop_app.services import case_history, demo, exports, printing, privacy
from desktop_app.services.store import Store
from desktop_app.ui.lifecycle.history import CaseHistoryDialog

ROOT = Path(__file__).resolve().parents[1]


def _events(store: Store, case_id: str) -> list[case_history.HistoryLine]:
    return [line for line in case_history.case_history(store, case_id) if line.what not in ("新建",)
            and line.record != "学生基本信息" and not line.old]


def test_prints_and_exports_read_as_sentences(store: Store, tmp_path: Path) -> None:
    demo.load(store, 2)
    case_id = printing.case_ids(store)[0]
    name = printing.load_forms(store, [case_id]).__next__().name
    printing.write_forms_pdf(store, [case_id], tmp_path / "家访表.pdf")
    _pdf, job = printing.forms_pdf_bytes(store, [case_id])
    printing.record_prints(store, job, printing.EVENT_PRINT, "打印机：教务处HP")
    exports.export_form(store, case_id, tmp_path / "一生一表.xlsx", reason="报送教管中心")
    code = job.codes[0].short_text()
    lines = {line.what: line for line in case_history.case_history(store, case_id)}
    saved = lines[printing.EVENT_PDF].new
    assert saved == f"{name}的一生一表保存为PDF文件“家访表.pdf”，核验码 {code}（第1版）"
    assert lines[printing.EVENT_PRINT].new == f"{name}的一生一表在打印机“教务处HP”上打印，核验码 {code}（第1版）"
    assert lines[exports.EVENT_FORM].new == "一生一表导出到Excel文件“一生一表.xlsx”"
    for line in case_history.case_history(store, case_id):
        assert "{" not in line.new and '"' not in line.new, line  # no raw JSON, no English keys
        assert not re.search(r"[a-z]{3,}_[a-z]", line.record + line.what), line  # no internal names


def test_privacy_events_in_words() -> None:
    export = privacy.json.dumps({"内容": "疑似辍学学生台账", "条数": 12, "原因": "督导检查", "完整号码": False,
                                 "位置": "台账.xlsx"}, ensure_ascii=False)
    assert case_history.describe_event("导出", export) == (
        "导出疑似辍学学生台账，12条，到文件“台账.xlsx”，原因：督导检查，号码部分隐藏")
    printed = privacy.json.dumps({"内容": "送教档案", "页数": 3, "完整号码": True}, ensure_ascii=False)
    assert case_history.describe_event("打印", printed) == "打印送教档案，3页，号码完整"
    assert case_history.describe_event("核对纸质表", "BX1-1：相符") == "BX1-1：相符"


def test_the_history_window_shows_the_sentences(qtbot, store: Store, tmp_path: Path) -> None:  # noqa: ANN001
    demo.load(store, 1)
    case_id = printing.case_ids(store)[0]
    printing.write_forms_pdf(store, [case_id], tmp_path / "表.pdf")
    dialog = CaseHistoryDialog(store, case_id)
    qtbot.addWidget(dialog)
    model = dialog.model
    texts = [model.index(r, 5).data() for r in range(model.rowCount())]
    assert any("保存为PDF文件“表.pdf”" in t for t in texts)
    assert not any(t.lstrip().startswith("{") for t in texts)


def _shown_strings(path: Path) -> list[tuple[int, str]]:
    """String literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs]


def test_no_requirement_ids_in_anything_a_user_reads() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {text}"
             for path in sorted((ROOT / "desktop_app").rglob("*.py"))
             for line, text in _shown_strings(path) if re.search(r"\bN-\d", text)]
    assert not found


def test_the_case_panel_names_the_deferral_conditions_in_words(qtbot, store: Store) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QLabel

    from desktop_app.ui.main_window import MainWindow

    demo.load(store, 1)
    window = MainWindow(store)
    qtbot.addWidget(window)
    form = window.open_case(printing.case_ids(store)[0])
    labels = [label.text() for label in form.findChildren(QLabel)]
    assert "申请缓学的条件：" in labels
    assert not any("N-11" in text for text in labels)
    form.close()
