"""Speed and memory of printing and exporting, each beside the plain library doing the same work.

- 1,000 registration forms into one PDF (loading each case, layout, QR code, drawing) against
  plain reportlab replaying exactly the same canvas calls (the drawing alone).
- The ledger of 100,000 cases to xlsx (query, formatting, writing) against plain openpyxl
  write-only appending the same rows, already in memory.

Run: .venv/bin/python -m pytest --benchmark-enable --benchmark-only -p no:cacheprovider \
     tests/benchmarks/test_reports_bench.py -s   (BAOXUE_BENCH_CASES=2000 for a quick try)
The ratio (ours / plain) and the peak memory (tracemalloc) of both are printed and stored in
the benchmark's extra_info.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from desktop_app.reports import pdf_form
from desktop_app.services import demo, exports, installation, printing
from desktop_app.services.store import Store
from tests.conftest import SCHOOL

FORMS = 1_000
LEDGER_CASES = int(os.environ.get("BAOXUE_BENCH_CASES", "100000"))  # smaller for a quick try


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.open(tmp_path_factory.mktemp("bench") / "data", user="bench")
    installation.setup(store, SCHOOL)
    demo.load(store, LEDGER_CASES, batch=5000)
    yield store
    store.close()


def measure(fn: Callable[[], Any]) -> tuple[float, int]:
    """Seconds (without tracing) and peak traced memory in bytes (a second, traced run)."""
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak


def report(benchmark: Any, name: str, ours: tuple[float, int], plain: tuple[float, int]) -> None:
    ratio = ours[0] / plain[0]
    benchmark.extra_info.update({
        "ours_seconds": round(ours[0], 3), "plain_seconds": round(plain[0], 3), "ratio": round(ratio, 2),
        "ours_peak_mib": round(ours[1] / 2**20, 1), "plain_peak_mib": round(plain[1] / 2**20, 1),
    })
    print(f"\n{name}: ours {ours[0]:.2f} s (peak {ours[1] / 2**20:.1f} MiB), "
          f"plain {plain[0]:.2f} s (peak {plain[1] / 2**20:.1f} MiB), ratio {ratio:.2f}")


# --- PDF --------------------------------------------------------------------------------


class _PathRecorder:
    def __init__(self, path: Any) -> None:
        self.path = path
        self.ops: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            self.ops.append((name, args))
            return getattr(self.path, name)(*args)
        return call


class _CanvasRecorder:
    """Passes every call to the real canvas and keeps a list of them to replay."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.ops: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def beginPath(self) -> _PathRecorder:  # noqa: N802 - reportlab's name
        return _PathRecorder(self.canvas.beginPath())

    def drawPath(self, path: _PathRecorder, **kwargs: Any) -> None:  # noqa: N802
        self.ops.append(("drawPath", (list(path.ops),), kwargs))
        self.canvas.drawPath(path.path, **kwargs)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.ops.append((name, args, kwargs))
            return getattr(self.canvas, name)(*args, **kwargs)
        return call


def replay(ops: list[tuple[str, tuple[Any, ...], dict[str, Any]]], target: Path, font: str) -> None:
    canvas = Canvas(str(target), pagesize=A4, pageCompression=1, initialFontName=font)
    for name, args, kwargs in ops:
        if name == "drawPath":
            path = canvas.beginPath()
            for op, op_args in args[0]:
                getattr(path, op)(*op_args)
            canvas.drawPath(path, **kwargs)
        else:
            getattr(canvas, name)(*args, **kwargs)


def test_thousand_forms_into_one_pdf(benchmark: Any, big_store: Store, tmp_path: Path) -> None:
    ids = printing.case_ids(big_store)[:FORMS]

    # record the canvas calls of our writer once, to replay them with plain reportlab
    sheets = [printing.sheet_for(big_store, printing.cases.load_form(big_store, i)) for i in ids]
    pdf = pdf_form.FormPdf(tmp_path / "recorded.pdf", printed_at=dt.datetime(2026, 11, 1))
    recorder = _CanvasRecorder(pdf.canvas)
    pdf.canvas = recorder  # type: ignore[assignment]
    for sheet in sheets:
        pdf.add(sheet)
    pdf.save()
    font = pdf.font

    def ours() -> None:
        printing.write_forms_pdf(big_store, ids, tmp_path / "ours.pdf", record=False)

    def plain() -> None:
        replay(recorder.ops, tmp_path / "plain.pdf", font)

    plain_result = measure(plain)
    ours_result = measure(ours)
    benchmark.pedantic(ours, rounds=1, iterations=1)
    report(benchmark, f"{FORMS} forms → PDF", ours_result, plain_result)
    assert (tmp_path / "ours.pdf").stat().st_size > 0


# --- Excel ------------------------------------------------------------------------------


def test_hundred_thousand_case_ledger_to_xlsx(benchmark: Any, big_store: Store, tmp_path: Path) -> None:
    rows = list(exports.ALL_LEDGER.rows(big_store, None, True))
    assert len(rows) == LEDGER_CASES
    headers = [c.header for c in exports.CASE_COLUMNS]

    def plain() -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("台账")
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        workbook.save(tmp_path / "plain.xlsx")

    def ours() -> None:
        exports.export_ledger(big_store, tmp_path / "ours.xlsx", "suspected")

    plain_result = measure(plain)
    ours_result = measure(ours)
    benchmark.pedantic(ours, rounds=1, iterations=1)
    report(benchmark, f"{LEDGER_CASES} cases → xlsx", ours_result, plain_result)
    assert (tmp_path / "ours.xlsx").stat().st_size > 0
