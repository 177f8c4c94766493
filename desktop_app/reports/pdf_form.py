"""The registration form (一生一表) as PDF, in the layout of the district's official attachment.

A4 portrait: the title, the header line (单位（盖章）, 学校联系人及电话, 填表日期), the ruled table of
基本信息 and 核查劝返情况 with the official labels in the official order, and the detailed
persuasion record filling the rest of the page and continuing on numbered attached pages (附页).
Every page carries the signature places, the print date, the page number within the form, the
verification code as text and as a QR code. The bundled CJK font is embedded as a subset.

Drawn straight onto a reportlab canvas (no platypus) so a batch of a thousand forms stays quick.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from desktop_app import APP_NAME, __version__
from desktop_app.domain import form_fields as ff
from desktop_app.domain.registration import RegistrationForm
from desktop_app.reports import verification as v
from desktop_app.reports.fonts import register_cjk_font, text_width, wrap

if TYPE_CHECKING:
    from reportlab.pdfgen.pathobject import PDFPathObject

FORM_TITLE = "重庆市潼南区义务教育阶段辍学学生登记表"
ADDRESS_TEMPLATE = (
    "______省(市、自治区)______市(州)______县(市、区)________乡镇(街道、办事处)"
    "______________（村、小区、门牌号码等）"
)
RECORD_HINT = "示例：1.什么时间，具体人员，赴什么地方，如何开展劝返工作，结果如何？（分次记录、简明扼要，可附页）"

PAGE_W, PAGE_H = A4
MARGIN_X = 40.0
MARGIN_TOP = 36.0
MARGIN_BOTTOM = 30.0
TABLE_X = MARGIN_X
TABLE_W = PAGE_W - 2 * MARGIN_X
SECTION_W = 22.0
INNER_X = TABLE_X + SECTION_W
INNER_W = TABLE_W - SECTION_W
LABEL_W = 64.0
FOOTER_TOP = MARGIN_BOTTOM + 84.0
TABLE_TOP = PAGE_H - MARGIN_TOP - 62  # the top of the form's table, and of an attached page's record box
QR_SIZE = 62.0
QR_MASK = 1  # a fixed mask pattern: choosing the "best" one costs 20 ms a form and changes nothing for a scanner

SIZE = 10.0  # body text
LINE = 13.5  # line pitch of body text
PAD = 3.5
MIN_ROW = 24.0
GREY = 0.45


@dataclass
class FormSheet:
    """One form ready to draw: the record's printed content, or a blank form.

    ``shown`` replaces the printed text of some fields (a privacy rule on identity numbers)
    without changing ``content``, from which the verification digest is computed.
    """

    unit: str
    content: dict[str, str] = field(default_factory=dict)
    code: v.PrintCode | None = None
    shown: dict[str, str] = field(default_factory=dict)
    blank: bool = False

    @classmethod
    def for_form(cls, form: RegistrationForm, unit: str, shown: dict[str, str] | None = None) -> FormSheet:
        content = v.record_content(form)  # once: the printed text and the code's digest
        code = v.make_code(form, content) if form.case_id and form.case_version is not None else None
        return cls(unit, content, code, dict(shown or {}))

    @classmethod
    def blank_form(cls, unit: str = "") -> FormSheet:
        return cls(unit, {}, None, {}, blank=True)

    def get(self, key: str) -> str:
        """The text printed for a field."""
        if key in self.shown:
            return self.shown[key]
        return self.content.get(key, "")

    def records(self) -> list[str]:
        out, i = [], 1
        while (text := self.content.get(v.record_key(i))) is not None:
            out.append(text)
            i += 1
        return out


@dataclass
class _Cell:
    text: str
    width: float
    label: bool = False
    grey: bool = False
    size: float = SIZE
    lines: list[str] = field(default_factory=list)


@dataclass
class _Row:
    cells: list[_Cell]
    height: float = 0.0
    top: float = 0.0


def _cells(*spec: tuple[str, float, bool]) -> list[_Cell]:
    """Cells from (text, width, is_label); a width of 0 takes what is left of the row."""
    fixed = sum(w for _t, w, _l in spec)
    rest = INNER_W - LABEL_W - fixed if spec[0][1] == 0 else INNER_W - fixed
    return [_Cell(t, w or rest, label) for t, w, label in spec]


def _layout(row: _Row, min_height: float = MIN_ROW) -> _Row:
    tallest = 0
    for cell in row.cells:
        cell.lines = wrap(cell.text, cell.width - 2 * PAD, cell.size) if cell.text else []
        tallest = max(tallest, len(cell.lines))
    row.height = max(min_height, tallest * LINE + 2 * PAD)
    return row


# The rows the layout below places by hand (the header line's, the table's, the record's).
LAID_OUT = frozenset({
    v.CONTACT, v.FILL_DATE, v.NAME, v.ID_NUMBER, v.BIRTH_DATE, v.SEX, v.AGE, v.ETHNIC, v.HEALTH, v.STUDENT_NUMBER,
    *(v.guardian_key(n, part) for n in (1, 2) for part in ("name", "relation", "phone")),
    v.HUKOU, v.REGISTRY, v.RESIDENCE, v.REASON, v.FAMILY, v.STARTED, v.COUNT, v.RESULT, v.NOT_RETURNED, v.UNIT,
    v.RESPONSIBLE, v.RESPONSIBLE_PHONE, v.DEFERRAL,
})


def extra_rows() -> list[str]:
    """Printed rows of declared fields the hand layout does not place (a field added since)."""
    return [row for row in ff.printed_rows() if row not in LAID_OUT]


class FormPdf:
    """Writes forms one after another into one PDF; each form numbers its own pages."""

    def __init__(self, target: str | Path | IO[bytes], printed_at: dt.datetime | None = None,
                 title: str = "一生一表") -> None:
        self.font = register_cjk_font()
        self.printed_at = printed_at or dt.datetime.now()
        self.canvas = Canvas(target if not isinstance(target, Path) else str(target), pagesize=A4,
                             pageCompression=1, initialFontName=self.font, initialFontSize=SIZE)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(APP_NAME)
        self.canvas.setCreator(f"{APP_NAME} {__version__}")
        self.canvas.setSubject(FORM_TITLE)
        self.pages = 0

    # --- public ---------------------------------------------------------------------------

    def add(self, sheet: FormSheet) -> int:
        """Draw one form (first page and any attached pages); returns its page count."""
        rows = self._rows(sheet)
        record_top = rows[-1].top - rows[-1].height
        first_room = record_top - FOOTER_TOP - 2 * PAD
        record_w = INNER_W - LABEL_W - 2 * PAD
        if sheet.blank:
            entries = [wrap(RECORD_HINT, record_w, SIZE - 1)]
        else:
            entries = [wrap(entry, record_w, SIZE) for entry in sheet.records()]
        per_first = max(int(first_room // LINE), 1)
        per_cont = int((TABLE_TOP - FOOTER_TOP - 2 * PAD) // LINE)
        chunks = _paginate(entries, per_first, per_cont)
        total = len(chunks)
        self._first_page(sheet, rows, record_top, chunks[0], total)
        for n, chunk in enumerate(chunks[1:], start=1):
            self._continuation_page(sheet, n, chunk, total)
        return total

    def save(self) -> None:
        self.canvas.save()

    # --- the first page ---------------------------------------------------------------------

    def _rows(self, sheet: FormSheet) -> list[_Row]:
        g = sheet.get
        blank = sheet.blank
        birth = "　　　年　　月　　日" if blank else g(v.BIRTH_DATE)
        rows_basic = [
            _cells(("姓  名", LABEL_W, True), (g(v.NAME), 118, False), ("居民身份证号码", 96, True),
                   (g(v.ID_NUMBER), 0, False)),
            _cells(("出生日期", LABEL_W, True), (birth, 118, False), ("性别", 38, True), (g(v.SEX), 36, False),
                   ("年龄", 38, True), (g(v.AGE), 36, False), ("民族", 38, True), (g(v.ETHNIC), 0, False)),
            _cells(("健康情况", LABEL_W, True), (g(v.HEALTH), 118, False), ("全国学籍号", 96, True),
                   (g(v.STUDENT_NUMBER), 0, False)),
        ]
        for n in (1, 2):
            rows_basic.append(_cells(
                (f"监护人{n}", LABEL_W, True), (g(v.guardian_key(n, "name")), 118, False),
                ("与被核查人关系", 96, True), (g(v.guardian_key(n, "relation")), 66, False),
                ("联系电话", 56, True), (g(v.guardian_key(n, "phone")), 0, False),
            ))
        for key, hint in ((v.HUKOU, ADDRESS_TEMPLATE), (v.REGISTRY, ADDRESS_TEMPLATE), (v.RESIDENCE, ADDRESS_TEMPLATE)):
            cells = _cells((key, LABEL_W, True), (hint if blank else g(key), 0, False))
            if blank:
                # the official instruction, on one line, small and grey: the blanks are written on
                cells[1].grey = True
                cells[1].size = min(SIZE, (cells[1].width - 2 * PAD) / text_width(hint, 1.0))
            rows_basic.append(cells)
        rows_basic.append(_cells(("辍学\n原因", LABEL_W, True), (g(v.REASON), 118, False),
                                 ("家庭情况简述", 96, True), (g(v.FAMILY), 0, False)))
        rows_check = [
            _cells(("是否已开展\n劝返工作", LABEL_W, True), (g(v.STARTED), 38, False), ("劝返\n次数", 38, True),
                   (g(v.COUNT), 42, False), ("劝返\n结果", 38, True), (g(v.RESULT), 66, False),
                   ("未复学\n原因", 56, True), (g(v.NOT_RETURNED), 0, False)),
            _cells(("劝返单位", LABEL_W, True), (g(v.UNIT), 118, False), ("劝返\n责任人", 96, True),
                   (g(v.RESPONSIBLE), 66, False), ("联系\n电话", 56, True), (g(v.RESPONSIBLE_PHONE), 0, False)),
            _cells((v.DEFERRAL, LABEL_W + 118 + 96 + 66, True), (g(v.DEFERRAL), 0, False)),
        ]
        # A printed row declared with the form's fields but not laid out above: a full-width row of its section.
        for key in extra_rows():
            target = rows_check if ff.printed_in(key)[0].section == ff.PERSUASION else rows_basic
            target.insert(len(target) - (0 if target is rows_check else 1),
                          _cells((key, LABEL_W, True), ("" if blank else g(key), 0, False)))
        top = TABLE_TOP
        out = []
        reason_row = rows_basic[-1]
        for cells in rows_basic + rows_check:
            # reason and family situation get room to write on a blank form
            row = _layout(_Row(cells), (58 if blank else 40) if cells is reason_row else MIN_ROW)
            row.top = top
            top -= row.height
            out.append(row)
        self._basic_count = len(rows_basic)
        return out

    def _header(self, title: str, size: float) -> None:
        c = self.canvas
        c.setFont(self.font, size)
        c.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN_TOP - size, title)

    def _first_page(self, sheet: FormSheet, rows: list[_Row], record_top: float, lines: list[str],
                    total: int) -> None:
        c = self.canvas
        self._header(FORM_TITLE, 17)
        fill = "　　　年　　月　　日" if sheet.blank else sheet.get(v.FILL_DATE)
        self._spread(PAGE_H - MARGIN_TOP - 46, [
            "单位（盖章）：" + sheet.unit,
            "学校联系人及电话：" + (sheet.get(v.CONTACT) or "　" * 8),
            "填表日期：" + fill,
        ])

        path = c.beginPath()
        for row in rows:
            self._draw_row(row, path)
        # the record row fills the page down to the footer
        record_h = record_top - FOOTER_TOP
        path.rect(INNER_X, FOOTER_TOP, LABEL_W, record_h)
        path.rect(INNER_X + LABEL_W, FOOTER_TOP, INNER_W - LABEL_W, record_h)
        self._label(INNER_X, record_top, LABEL_W, record_h, ["劝返", "过程", "详细", "记录"])
        # the two section cells on the left
        basic_top, basic_bottom = rows[0].top, rows[self._basic_count - 1].top - rows[self._basic_count - 1].height
        path.rect(TABLE_X, basic_bottom, SECTION_W, basic_top - basic_bottom)
        path.rect(TABLE_X, FOOTER_TOP, SECTION_W, basic_bottom - FOOTER_TOP)
        self._vertical(TABLE_X, basic_top, SECTION_W, basic_top - basic_bottom, "基本信息")
        self._vertical(TABLE_X, basic_bottom, SECTION_W, basic_bottom - FOOTER_TOP, "核查劝返情况")
        c.setLineWidth(0.8)
        c.drawPath(path, stroke=1, fill=0)
        self._record_lines(record_top, lines, sheet.blank, more=total > 1, next_page=1)
        self._footer(sheet, 1, total)
        c.showPage()
        self.pages += 1

    def _spread(self, y: float, parts: list[str], size: float = 10.5, gap: float = 14.0) -> None:
        """Parts on one line across the table's width: first at the left, last at the right."""
        widths = [text_width(p, 1.0) for p in parts]
        size = min(size, (TABLE_W - gap * (len(parts) - 1)) / sum(widths))
        free = (TABLE_W - sum(widths) * size) / (len(parts) - 1)
        c = self.canvas
        c.setFont(self.font, size)
        x = TABLE_X
        for part, width in zip(parts, widths, strict=True):
            c.drawString(x, y, part)
            x += width * size + free

    def _draw_row(self, row: _Row, path: PDFPathObject) -> None:
        x = INNER_X
        for cell in row.cells:
            path.rect(x, row.top - row.height, cell.width, row.height)
            if cell.label:
                self._label(x, row.top, cell.width, row.height, cell.lines, cell.size)
            else:
                self._value(x, row.top, row.height, cell)
            x += cell.width

    def _label(self, x: float, top: float, width: float, height: float, lines: list[str],
               size: float = SIZE) -> None:
        c = self.canvas
        c.setFont(self.font, size)
        y = top - (height - len(lines) * LINE) / 2 - LINE + (LINE - size) / 2 + 1.5
        for line in lines:
            c.drawCentredString(x + width / 2, y, line)
            y -= LINE

    def _value(self, x: float, top: float, height: float, cell: _Cell) -> None:
        c = self.canvas
        if cell.grey:
            c.setFillGray(GREY)
        c.setFont(self.font, cell.size)
        y = top - (height - len(cell.lines) * LINE) / 2 - LINE + (LINE - cell.size) / 2 + 1.5
        for line in cell.lines:
            c.drawString(x + PAD, y, line)
            y -= LINE
        if cell.grey:
            c.setFillGray(0)

    def _vertical(self, x: float, top: float, width: float, height: float, text: str) -> None:
        c = self.canvas
        c.setFont(self.font, 11)
        step = min(16.0, height / max(len(text), 1))
        y = top - (height - step * len(text)) / 2 - step + (step - 11) / 2 + 1.5
        for ch in text:
            c.drawCentredString(x + width / 2, y, ch)
            y -= step

    def _record_lines(self, top: float, lines: list[str], blank: bool, *, more: bool, next_page: int) -> None:
        c = self.canvas
        x = INNER_X + LABEL_W + PAD
        y = top - PAD - LINE + 3
        if blank:
            c.setFillGray(GREY)
            c.setFont(self.font, SIZE - 1)
            for line in lines:
                c.drawString(x, y, line)
                y -= LINE
            c.setFillGray(0)
            # ruled lines to write on
            c.setLineWidth(0.3)
            c.setStrokeGray(0.6)
            rule_y = y - 8
            while rule_y > FOOTER_TOP + 10:
                c.line(x, rule_y, INNER_X + INNER_W - PAD, rule_y)
                rule_y -= 24
            c.setStrokeGray(0)
            return
        c.setFont(self.font, SIZE)
        for line in lines:
            c.drawString(x, y, line)
            y -= LINE
        if more:
            c.setFont(self.font, SIZE - 1)
            c.drawRightString(INNER_X + INNER_W - PAD, FOOTER_TOP + PAD + 2, f"（续见附页{next_page}）")

    # --- attached pages ---------------------------------------------------------------------

    def _continuation_page(self, sheet: FormSheet, n: int, lines: list[str], total: int) -> None:
        c = self.canvas
        self._header(f"附页{n}　劝返过程详细记录（续）", 15)
        self._spread(PAGE_H - MARGIN_TOP - 46, [
            FORM_TITLE, f"姓名：{sheet.get(v.NAME)}", f"居民身份证号码：{sheet.get(v.ID_NUMBER)}",
        ])
        top = TABLE_TOP
        c.setLineWidth(0.8)
        path = c.beginPath()
        path.rect(TABLE_X, FOOTER_TOP, SECTION_W + LABEL_W, top - FOOTER_TOP)
        path.rect(INNER_X + LABEL_W, FOOTER_TOP, INNER_W - LABEL_W, top - FOOTER_TOP)
        c.drawPath(path, stroke=1, fill=0)
        self._label(TABLE_X, top, SECTION_W + LABEL_W, top - FOOTER_TOP, ["劝返", "过程", "详细", "记录", "（续）"])
        self._record_lines(top, lines, False, more=n + 1 < total, next_page=n + 1)
        self._footer(sheet, n + 1, total)
        c.showPage()
        self.pages += 1

    # --- footer -------------------------------------------------------------------------

    def _footer(self, sheet: FormSheet, page: int, total: int) -> None:
        c = self.canvas
        c.setFont(self.font, 10.5)
        sig_y = FOOTER_TOP - 30
        c.drawString(TABLE_X, sig_y, "填表人（签字）：")
        c.drawString(TABLE_X + 170, sig_y, "学校负责人（签字）：")
        c.setLineWidth(0.5)
        c.line(TABLE_X + 84, sig_y - 3, TABLE_X + 160, sig_y - 3)
        c.line(TABLE_X + 275, sig_y - 3, TABLE_X + 360, sig_y - 3)
        c.setFont(self.font, 8)
        c.setFillGray(0.25)
        printed = f"打印日期：{self.printed_at:%Y年%m月%d日 %H:%M}"
        if sheet.code is not None:
            c.drawString(TABLE_X, MARGIN_BOTTOM + 12, f"{printed}　核验码：{sheet.code.short_text()}")
            c.drawString(TABLE_X, MARGIN_BOTTOM,
                         "扫描右侧二维码或在“报表与打印—核对纸质表”中输入核验码，可核对纸质表与台账是否一致（人账相符）")
        else:
            c.drawString(TABLE_X, MARGIN_BOTTOM + 12, f"{printed}　空白表：入户填写后请录入台账，并打印正式表签字盖章")
        c.drawRightString(TABLE_X + TABLE_W - QR_SIZE - 8, MARGIN_BOTTOM, f"第{page}页／共{total}页")
        c.setFillGray(0)
        if sheet.code is not None:
            self._qr(sheet.code.qr_payload(), TABLE_X + TABLE_W - QR_SIZE, MARGIN_BOTTOM - 6, QR_SIZE)

    def _qr(self, payload: str, x: float, y: float, size: float) -> None:
        qr = segno.make(payload, error="m", micro=False, mask=QR_MASK)
        matrix = qr.matrix
        module = size / len(matrix)
        path = self.canvas.beginPath()
        for r, row in enumerate(matrix):
            top = y + size - (r + 1) * module
            start = None
            for col, dark in enumerate(bytes(row) + b"\x00"):
                if dark and start is None:
                    start = col
                elif not dark and start is not None:
                    path.rect(x + start * module, top, (col - start) * module, module)
                    start = None
        self.canvas.drawPath(path, stroke=0, fill=1)


def _paginate(entries: list[list[str]], first: int, following: int) -> list[list[str]]:
    """Split the record's lines into pages of ``first`` then ``following`` lines.

    An entry is kept on one page when it fits there; a page that continues keeps its last line
    free for the pointer to the next attached page.
    """
    total = sum(len(e) for e in entries)
    if total <= first:
        return [[line for e in entries for line in e]]
    pages: list[list[str]] = [[]]
    room = first - 1
    for entry in entries:
        lines = list(entry)
        while lines:
            if len(lines) <= room - len(pages[-1]):
                pages[-1] += lines
                break
            if len(lines) <= following - 1 and pages[-1]:
                pages.append([])  # start the entry on the next page rather than split it
                room = following - 1
                continue
            take = room - len(pages[-1])  # an entry longer than a page: split it
            pages[-1] += lines[:take]
            lines = lines[take:]
            pages.append([])
            room = following - 1
    if not pages[-1]:
        pages.pop()
    return pages


def write_forms(target: str | Path | IO[bytes], sheets: Iterable[FormSheet],
                progress: Callable[[int], bool] | None = None,
                printed_at: dt.datetime | None = None, title: str = "一生一表") -> int:
    """Write the sheets into one PDF; returns the number of pages.

    ``progress(done)`` is called after each form; returning False stops (the caller discards
    the partial file).
    """
    pdf = FormPdf(target, printed_at, title)
    for done, sheet in enumerate(sheets, start=1):
        pdf.add(sheet)
        if progress is not None and progress(done) is False:
            return pdf.pages
    pdf.save()
    return pdf.pages
