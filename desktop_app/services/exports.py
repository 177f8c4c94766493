"""Excel exports: the ledgers, one case's form, the school's monthly report (四个一).

Each export is recorded in the history (who exported what, how many rows, to which file).
Other areas add their ledgers (the school-age children ledger of the census) with
``register_ledger``; ``baoxue-cli export-ledger --ledger KEY`` and the 报表与打印 page offer
every registered ledger.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, and_, func, or_, select

from database.models import Case, PersuasionAttempt, Student
from desktop_app.domain import codes, form_fields
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.contact import Address
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.roles import Permission
from desktop_app.reports import excel
from desktop_app.reports.excel import DATE, NUMBER, TEXT, Column
from desktop_app.services import audit, cases, printing, privacy
from desktop_app.services.access import require
from desktop_app.services.store import Store

EVENT_LEDGER = "导出台账"
EVENT_FORM = "导出一生一表Excel"
EVENT_MONTHLY = "导出月报"

Progress = Callable[[int, int], bool]


@dataclass(frozen=True)
class LedgerExport:
    """A ledger that can be exported: its title, its columns and a function writing its rows."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Store, cases.LedgerQuery | None, bool], Iterator[Sequence[Any]]]
    count: Callable[[Store, cases.LedgerQuery | None], int]
    description: str = ""


LEDGERS: dict[str, LedgerExport] = {}


def register_ledger(ledger: LedgerExport) -> LedgerExport:
    LEDGERS[ledger.key] = ledger
    return ledger


# --- the case ledgers ---------------------------------------------------------------------

# The case ledger's columns: the registration form's exported fields (declared once in
# desktop_app.domain.form_fields) between the ledger's own. A field declared with an ``exported``
# heading and not placed here is added at the end.
_LEDGER_OWN: dict[str, Column] = {
    "#": Column("序号", NUMBER, 6),
    "township": Column("乡镇(街道)", TEXT, 12),
    "village": Column("村(社区)", TEXT, 12),
    "opened_on": Column("立案日期", DATE, 11),
    "status": Column("状态", TEXT, 10),
    "last_attempt": Column("最近劝返日期", DATE, 12),
    "closed_on": Column("销号日期", DATE, 11),
}
_LEDGER_ORDER = (
    "#", "name", "sex", "id_number", "birth_date", "ethnic_group", "student_number", "grade", "hukou", "township",
    "village", "guardian1_name", "guardian1_phone", "dropout_reason", "reason_detail", "opened_on", "status",
    "attempt_count", "last_attempt", "result", "responsible_person", "closed_on",
)
LEDGER_KEYS: tuple[str, ...] = (
    *(k for k in _LEDGER_ORDER if k in _LEDGER_OWN or form_fields.BY_KEY[k].exported),
    *(f.key for f in form_fields.exported() if f.key not in _LEDGER_ORDER),
)


def _form_column(f: form_fields.FormField) -> Column:
    kind = DATE if f.kind == form_fields.DATE else NUMBER if f.kind == form_fields.NUMBER else TEXT
    return Column(f.exported, kind, f.width)


CASE_COLUMNS: tuple[Column, ...] = tuple(
    _LEDGER_OWN[k] if k in _LEDGER_OWN else _form_column(form_fields.BY_KEY[k]) for k in LEDGER_KEYS)

_MODELS = {form_fields.STUDENTS: Student, form_fields.CASES: Case}


def _last_attempt() -> Any:
    return (
        select(func.max(PersuasionAttempt.attempt_date))
        .where(PersuasionAttempt.case_id == Case.id, PersuasionAttempt.voided.is_(False))
        .correlate(Case)
        .scalar_subquery()
    )


def _stored_columns(f: form_fields.FormField) -> list[Any]:
    """The model columns of an exported field, labelled ``<column>`` (an address: ``<column>_<part>``)."""
    model = _MODELS.get(f.table)
    if model is None:  # derived: stored by the case under its key (the attempt count)
        return [getattr(Case, f.key)] if hasattr(Case, f.key) else []
    if f.kind == form_fields.ADDRESS:
        return [getattr(model, f"{f.column}_{part}").label(f"{f.column}_{part}") for part in Address.PARTS]
    return [getattr(model, f.column).label(f.column)]


def _case_select(query: cases.LedgerQuery) -> Any:
    # the ledger page's own select (filters, search and order), with the columns the file needs
    base = cases.ledger_page_select(query, 0, None)
    have = set(base.selected_columns.keys())
    extra = [c for k in LEDGER_KEYS if k in form_fields.BY_KEY for c in _stored_columns(form_fields.BY_KEY[k])
             if c.key not in have]
    return base.add_columns(*{c.key: c for c in extra}.values(), Case.closed_on, _last_attempt().label("last_attempt"))


def _form_value(store: Store, f: form_fields.FormField, row: Any, full: bool) -> Any:
    if f.kind == form_fields.ADDRESS:
        return " ".join(p for p in (row[f"{f.column}_{part}"] for part in Address.PARTS) if p)
    value = row[f.column or f.key]
    if f.masked == form_fields.ID:
        return printing.shown_id_number(store, value, printing.LEDGER, full=full)
    if f.masked == form_fields.PHONE:
        return privacy.shown_phone(store, value or "", printing.LEDGER, full=full)
    return value


def _case_rows(store: Store, query: cases.LedgerQuery | None, full: bool = True) -> Iterator[Sequence[Any]]:
    query = query or cases.LedgerQuery()
    fields = [form_fields.BY_KEY.get(k) for k in LEDGER_KEYS]
    with store.read() as session:
        result = session.execute(_case_select(query).execution_options(yield_per=2000))
        for n, r in enumerate(result, start=1):
            row = r._mapping
            yield tuple(
                n if key == "#" else _form_value(store, f, row, full) if f is not None else row[key]
                for key, f in zip(LEDGER_KEYS, fields, strict=True)
            )


def _with_statuses(statuses: tuple[str, ...]) -> Callable[[cases.LedgerQuery | None], cases.LedgerQuery]:
    def make(query: cases.LedgerQuery | None) -> cases.LedgerQuery:
        query = query or cases.LedgerQuery()
        if statuses and not query.statuses:
            query = cases.LedgerQuery(**{**query.__dict__, "statuses": statuses})
        return query
    return make


def _case_ledger(key: str, title: str, statuses: tuple[str, ...], description: str) -> LedgerExport:
    adjust = _with_statuses(statuses)
    return register_ledger(LedgerExport(
        key, title, CASE_COLUMNS,
        rows=lambda store, query, full: _case_rows(store, adjust(query), full),
        count=lambda store, query: cases.ledger_count(store, adjust(query)),
        description=description,
    ))


# The two national ledgers as the ledger page defines its views, and the open cases (the default).
OPEN_LEDGER = _case_ledger("open", "未销号案件台账", CaseStatus.open_values(), "疑似辍学、劝返中、联合劝返，默认")
ALL_LEDGER = _case_ledger("suspected", "疑似辍学学生台账", (), "所有曾列为疑似辍学的学生及其现状，含已销号")
DROPOUT_LEDGER = _case_ledger(
    "dropout", "辍学学生台账",
    (CaseStatus.PERSUADING.value, CaseStatus.JOINT.value, CaseStatus.DEFERRED.value),
    "正在劝返、联合劝返及缓学跟踪的学生",
)


# --- the school-age children ledger of the census (摸排核查) -----------------------------------------

CENSUS_COLUMNS: tuple[Column, ...] = (
    Column("序号", NUMBER, 6), Column("姓名", TEXT, 10), Column("性别", TEXT, 5), Column("居民身份证号码", TEXT, 20),
    Column("出生日期", DATE, 11), Column("乡镇(街道)", TEXT, 12), Column("村(社区)", TEXT, 12),
    Column("监护人", TEXT, 10), Column("监护人联系电话", TEXT, 14), Column("就读情况", TEXT, 12),
    Column("核查方式", TEXT, 12), Column("核查人", TEXT, 10), Column("核查日期", DATE, 11),
    Column("就读学校", TEXT, 20), Column("就读地点", TEXT, 20), Column("备注", TEXT, 30),
)


def _census_query(store: Store) -> Any:
    from desktop_app.services import census

    return census, census.ChildQuery(census.current_semester(store))


def _census_rows(store: Store, _query: cases.LedgerQuery | None, full: bool) -> Iterator[Sequence[Any]]:
    census, query = _census_query(store)
    rows = census.children_page(store, query, 0, census.children_count(store, query) or 1,
                                purpose=privacy.Purpose.EXPORT, full=full)
    for n, r in enumerate(rows, start=1):
        yield (
            n, r["name"], r["sex"], printing.shown_id_number(store, r["id_number"], printing.LEDGER, full=full),
            r["birth_date"], r["township"], r["village"], r["guardian1_name"],
            privacy.shown_phone(store, r["guardian1_phone"] or "", printing.LEDGER, full=full),
            r["status"] or census.UNCHECKED, r["method"] or "", r["checked_by"] or "", r["checked_on"],
            r["school"] or "", r["place"] or "", r["note"] or "",
        )


def _census_count(store: Store, _query: cases.LedgerQuery | None) -> int:
    census, query = _census_query(store)
    return int(census.children_count(store, query))


CENSUS_LEDGER = register_ledger(LedgerExport(
    "census", "适龄儿童摸排核查台账", CENSUS_COLUMNS, rows=_census_rows, count=_census_count,
    description="本学期户籍适龄儿童及其就读情况",
))


def ledger_title(store: Store, ledger: LedgerExport) -> str:
    return f"{printing.unit_name(store)}{ledger.title}"


def export_ledger(store: Store, path: str | Path, key: str = "open", query: cases.LedgerQuery | None = None,
                  progress: Progress | None = None, today: dt.date | None = None, *, reason: str = "",
                  full_numbers: bool = False, view: str = "") -> int:
    """Write a ledger to an .xlsx file; returns the number of rows.

    ``view`` names what the rows are (the ledger page's view, 全部案件 …) for the sheet, the title
    and the history; without it the ledger's own title is used.

    ``query`` narrows the ledger as the ledger page's filters do. ``progress(done, total)`` may
    return False to cancel (OutputCancelled; no file is written). With ``reason`` the export is
    checked and recorded by ``privacy.record_export`` (the GUI always asks for one);
    ``full_numbers`` False masks identity and student numbers.

    Raises:
        ValidationError: no such ledger.
        ExportError: the file cannot be written.
    """
    require(store, Permission.EXPORT)
    ledger = LEDGERS.get(key)
    if ledger is None:
        raise ValidationError(f"没有“{key}”台账，可选：{'、'.join(f'{k}（{v.title}）' for k, v in LEDGERS.items())}")
    target = Path(path)
    total = ledger.count(store, query)
    inst = store.installation()
    today = today or dt.date.today()
    unit = f"{inst.name}（{inst.code}）" if inst else ""
    subtitle = f"单位：{unit}　导出日期：{today:%Y年%m月%d日}　共{total}人"
    if narrowing := describe_query(query):
        subtitle += f"　筛选：{narrowing}"

    def report(done: int) -> bool:
        return progress(done, total) if progress is not None else True

    name = view or ledger.title
    privacy.record_numbers_export(store, name, total, full_numbers=full_numbers, reason=reason, target=target.name)
    sheet = re.sub(r"[\[\]:*?/\\]", "", name)[:31]  # what Excel allows as a sheet name
    rows = excel.write_rows(target, sheet, f"{printing.unit_name(store)}{name}", subtitle, ledger.columns,
                            ledger.rows(store, query, full_numbers), progress=report if progress else None)
    with store.write() as session:
        audit.record_event(session, "reports", key, EVENT_LEDGER, f"{name}：{rows}行 → {target.name}")
    return rows


def describe_query(query: cases.LedgerQuery | None) -> str:
    if query is None:
        return ""
    parts = []
    if query.statuses:
        parts.append("状态：" + "、".join(query.statuses))
    for label, value in (("年级", query.grade), ("乡镇", query.township), ("村(社区)", query.village),
                         ("搜索", query.search)):
        if value:
            parts.append(f"{label}：{value}")
    return "；".join(parts)


# --- one case's form ----------------------------------------------------------------------


def export_form(store: Store, case_id: str, path: str | Path, *, reason: str = "") -> Path:
    """One case's registration form as a sheet (label, value), in the official order."""
    require(store, Permission.EXPORT)
    form = cases.load_form(store, case_id)
    sheet = printing.sheet_for(store, form)
    if reason:
        privacy.record_export(store, f"一生一表Excel（{form.name}）", 1, reason=reason, full_numbers=True,
                              target=Path(path).name)
    workbook = excel.new_workbook()
    excel.write_form_sheet(
        workbook, f"{printing.unit_name(store)}义务教育阶段辍学学生登记表（{form.name}）",
        f"单位：{printing.unit_name(store)}　导出日期：{dt.date.today():%Y年%m月%d日}　"
        f"核验码：{sheet.code.short_text() if sheet.code else ''}",
        sheet.content, sheet.records(), shown=sheet.shown,
    )
    target = excel.save_workbook(workbook, path)
    with store.write() as session:
        audit.record_event(session, "cases", case_id, EVENT_FORM, target.name)
    return target


# --- the monthly report (四个一) -----------------------------------------------------------------


@dataclass
class ReasonFigures:
    reason: str
    new: int = 0  # 本月新增疑似辍学
    returned: int = 0  # 本月劝返复学
    other_closed: int = 0  # 本月其他销号（转学、区外就读等）
    still_open: int = 0  # 月末仍在劝返（未销号）


@dataclass
class MonthlyReport:
    year: int
    month: int
    rows: list[ReasonFigures] = field(default_factory=list)
    open_cases: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def total(self) -> ReasonFigures:
        t = ReasonFigures("合计")
        for r in self.rows:
            t.new += r.new
            t.returned += r.returned
            t.other_closed += r.other_closed
            t.still_open += r.still_open
        return t


MONTHLY_HEADERS = (
    "辍学原因", "本月新增疑似辍学（人）", "本月劝返复学（人）", "本月其他销号（人）", "月末仍未复学（人）",
)


def monthly_report(store: Store, year: int, month: int) -> MonthlyReport:
    """The month's figures by dropout reason: new cases, returned, other closings, still open at month end."""
    if not (1 <= month <= 12) or not (2000 <= year <= 2100):
        raise ValidationError("月份无效：请填写2000至2100年之间的年份和1至12月")
    report = MonthlyReport(year, month)
    first, last = report.first, report.last
    closed = Case.status == CaseStatus.CLOSED.value
    closed_in_month = and_(closed, Case.closed_on >= first, Case.closed_on <= last)
    returned = and_(closed_in_month, Case.result == "已复学")
    open_at_end = and_(
        Case.opened_on <= last,
        or_(~closed, Case.closed_on > last),
    )
    with store.read() as session:
        figures = session.execute(
            select(
                Case.dropout_reason,
                func.sum(and_(Case.opened_on >= first, Case.opened_on <= last).cast(Integer)),
                func.sum(returned.cast(Integer)),
                func.sum(and_(closed_in_month, ~returned).cast(Integer)),
                func.sum(open_at_end.cast(Integer)),
            ).where(Case.voided.is_(False)).group_by(Case.dropout_reason)
        ).all()
        by_reason = {reason or "未填写": ReasonFigures(reason or "未填写", *(int(x or 0) for x in rest))
                     for reason, *rest in figures}
        order = [*codes.DROPOUT_REASONS, *sorted(set(by_reason) - set(codes.DROPOUT_REASONS))]
        report.rows = [by_reason.get(r, ReasonFigures(r)) for r in order]
        listing = session.execute(
            select(Student.name, Student.sex, Case.grade, Student.hukou_township, Student.village,
                   Case.dropout_reason, Case.opened_on, Case.status, Case.attempt_count, Case.responsible_person)
            .join(Student, Case.student_id == Student.id)
            .where(Case.voided.is_(False), open_at_end)
            .order_by(Case.opened_on, Student.name_pinyin)
        )
        report.open_cases = [dict(r._mapping) for r in listing]
    return report


OPEN_LIST_COLUMNS = (
    "姓名", "性别", "年级", "乡镇(街道)", "村(社区)", "辍学原因", "立案日期", "状态", "劝返次数", "劝返责任人",
)


def export_monthly(store: Store, year: int, month: int, path: str | Path, *, reason: str = "") -> Path:
    """The monthly report as a workbook: the figures by reason, and the students still not returned."""
    require(store, Permission.EXPORT)
    report = monthly_report(store, year, month)
    if reason:
        privacy.record_export(store, f"月报（{year}年{month}月）", len(report.open_cases), reason=reason,
                              target=Path(path).name)
    unit = printing.unit_name(store)
    workbook = excel.new_workbook()
    stamp = (f"单位：{unit}　统计期间：{report.first:%Y年%m月%d日}至{report.last:%Y年%m月%d日}"
             f"　导出日期：{dt.date.today():%Y年%m月%d日}")
    figures = excel.SheetWriter(workbook, "月报", f"{unit}控辍保学月报（{year}年{month}月）", stamp,
                                [Column(h, NUMBER if i else TEXT, 14) for i, h in enumerate(MONTHLY_HEADERS)])
    for r in [*report.rows, report.total]:
        figures.append_styled([r.reason, r.new, r.returned, r.other_closed, r.still_open], bold=r.reason == "合计")
    listing = excel.SheetWriter(
        workbook, "月末未复学名单", f"{unit}月末仍未复学学生名单（{year}年{month}月）", stamp,
        [Column(h, DATE if h == "立案日期" else NUMBER if h == "劝返次数" else TEXT, 10) for h in OPEN_LIST_COLUMNS],
    )
    for row in report.open_cases:
        listing.append(list(row.values()))
    listing.finish()
    target = excel.save_workbook(workbook, path)
    with store.write() as session:
        audit.record_event(session, "reports", f"{year}-{month:02d}", EVENT_MONTHLY, target.name)
    return target
