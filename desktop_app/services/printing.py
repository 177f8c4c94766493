"""Printing registration forms (一生一表) and checking printed forms against the ledger (人账相符).

Every PDF written and every print sent to a printer is recorded in the history, with the
verification code and the content the form showed, so a paper form brought back later can be
checked: its code names the case, the version and a digest of what was printed; the record as
it is now either still prints the same (人账相符) or the fields that changed since are listed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from database.models import AuditEntry, Case
from desktop_app.domain.contact import Address
from desktop_app.domain.errors import NotFoundError
from desktop_app.domain.registration import Attempt, RegistrationForm
from desktop_app.domain.roles import Permission, Purpose
from desktop_app.reports import verification
from desktop_app.reports.files import OutputCancelled, atomic_output
from desktop_app.reports.pdf_form import FormPdf, FormSheet
from desktop_app.reports.verification import PrintCode
from desktop_app.services import audit, cases, privacy
from desktop_app.services.access import require
from desktop_app.services.store import Store

EVENT_PDF = "导出一生一表PDF"
EVENT_PRINT = "打印一生一表"
EVENT_BLANK = "导出空白一生一表"
EVENT_CHECK = "核对纸质表"
PRINT_EVENTS = (EVENT_PDF, EVENT_PRINT)

Progress = Callable[[int, int], bool]


PrintCancelled = OutputCancelled  # the user cancelled a batch: no file left behind, nothing recorded

FORM = Purpose.PRINT  # the official form, signed and sealed, for the township and district
LEDGER = Purpose.EXPORT  # Excel ledgers and reports


def shown_id_number(store: Store, number: str, purpose: str = FORM, *, full: bool = True) -> str:
    """The identity (or student) number as it appears on paper or in an exported file.

    The one place printing and exports decide it, through the privacy rule
    (``privacy.shown_id_number``: full on the printed form for accounts that may print, full in
    exports for administrators, masked otherwise). The verification digest always covers the full
    number, so codes do not depend on it.
    """
    return privacy.shown_id_number(store, number, purpose, full=full)


def unit_name(store: Store) -> str:
    inst = store.installation()
    return inst.name if inst else ""


def sheet_for(store: Store, form: RegistrationForm, *, full: bool = True) -> FormSheet:
    """The form as printed; identity and student numbers (which holds the identity number) as
    ``shown_id_number`` decides; ``full`` False masks them and the guardians' phones as well."""
    shown = {
        verification.ID_NUMBER: shown_id_number(store, form.id_number, FORM, full=full),
        verification.STUDENT_NUMBER: shown_id_number(store, form.student_number, FORM, full=full),
    }
    if not full:
        for n in (1, 2):
            shown[verification.guardian_key(n, "phone")] = privacy.mask_phone(getattr(form, f"guardian{n}_phone"))
    return FormSheet.for_form(form, unit_name(store), shown)


@dataclass
class PrintJob:
    """What a PDF of forms holds: one entry per case, in order."""

    path: Path
    pages: int
    codes: list[PrintCode] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    contents: list[dict[str, str]] = field(default_factory=list)


def write_forms_pdf(store: Store, case_ids: Sequence[str], path: str | Path,
                    progress: Progress | None = None, *, record: bool = True, full_numbers: bool = True) -> PrintJob:
    """Write the forms of ``case_ids`` into one PDF at ``path``, each form with its attached pages.

    ``progress(done, total)`` may return False to cancel: PrintCancelled is raised and no file is
    left behind. With ``record`` (the default) one history event per case says who wrote which
    version to which file; a print preview passes False and records when it is really printed.
    ``full_numbers`` False masks identity, student and guardian phone numbers (the command line's default).

    Raises:
        NotFoundError: a case does not exist.
        ExportError: the file cannot be written.
        PrintCancelled: the user cancelled.
    """
    require(store, Permission.PRINT)
    target = Path(path)
    if not case_ids:
        raise NotFoundError("没有要打印的案件")
    with atomic_output(target) as temp:
        job = _draw(store, case_ids, temp, progress, full_numbers)
    job.path = target
    if record:
        record_prints(store, job, EVENT_PDF)
    return job


def forms_pdf_bytes(store: Store, case_ids: Sequence[str], progress: Progress | None = None) -> tuple[bytes, PrintJob]:
    """The same PDF in memory, for a print preview: no copy of the children's data on disk.

    Nothing is recorded; call ``record_prints`` once the forms are really printed.
    """
    require(store, Permission.PRINT)
    if not case_ids:
        raise NotFoundError("没有要打印的案件")
    buffer = io.BytesIO()
    job = _draw(store, case_ids, buffer, progress)
    return buffer.getvalue(), job


def _draw(store: Store, case_ids: Sequence[str], target: Path | io.BytesIO, progress: Progress | None,
          full_numbers: bool = True) -> PrintJob:
    total = len(case_ids)
    job = PrintJob(Path(target) if isinstance(target, Path) else Path(), 0)
    pdf = FormPdf(target, title=f"一生一表（{total}份）")
    for done, form in enumerate(load_forms(store, case_ids), start=1):
        sheet = sheet_for(store, form, full=full_numbers)
        pdf.add(sheet)
        assert sheet.code is not None
        job.codes.append(sheet.code)
        job.names.append(form.name)
        job.contents.append(sheet.content)
        if progress is not None and progress(done, total) is False:
            raise PrintCancelled
    pdf.save()
    job.pages = pdf.pages
    return job


def load_forms(store: Store, case_ids: Sequence[str], chunk: int = 200) -> Iterator[RegistrationForm]:
    """The forms of many cases in order, as ``cases.load_form`` gives them, loading a chunk at a time.

    Raises:
        NotFoundError: a case does not exist.
    """
    for start in range(0, len(case_ids), chunk):
        ids = list(case_ids[start:start + chunk])
        with store.read() as session:
            found = {
                case.id: case for case in session.execute(
                    select(Case).where(Case.id.in_(ids))
                    .options(selectinload(Case.student), selectinload(Case.attempts))
                ).scalars()
            }
            forms = []
            for case_id in ids:
                case = found.get(case_id)
                if case is None:
                    raise NotFoundError("案件不存在或已作废")
                forms.append(_form_of(case))
        yield from forms


def _form_of(case: Case) -> RegistrationForm:
    # the mapping of cases.load_form, over rows loaded in bulk (tests check both agree)
    student = case.student
    form = RegistrationForm(
        case_id=case.id, student_id=student.id, case_version=case.version,
        student_version=student.version, status=case.status,
    )
    for name in cases.STUDENT_FIELDS:
        setattr(form, name, getattr(student, name))
    for kind in cases.ADDRESS_KINDS:
        setattr(form, kind, Address(**{p: getattr(student, f"{kind}_{p}") for p in Address.PARTS}))
    for name in cases.CASE_FIELDS:
        setattr(form, name, getattr(case, name))
    form.attempts = [Attempt(**{n: getattr(a, n) for n in cases.ATTEMPT_FIELDS}, id=a.id) for a in case.attempts]
    return form


def record_prints(store: Store, job: PrintJob, what: str = EVENT_PRINT, detail: str = "") -> None:
    """History: one event per form printed or exported, with its code and printed content."""
    with store.write() as session:
        for code, content in zip(job.codes, job.contents, strict=True):
            audit.record_event(session, "cases", code.case_id, what, json.dumps({
                "code": code.short_text(), "version": code.version, "digest": code.digest,
                "file": job.path.name if what == EVENT_PDF else "", "note": detail, "content": content,
            }, ensure_ascii=False))


def _draw_blank(store: Store, target: Path | io.BytesIO, copies: int) -> None:
    require(store, Permission.PRINT)
    pdf = FormPdf(target, title="一生一表（空白）")
    for _ in range(copies):
        pdf.add(FormSheet.blank_form(unit_name(store)))
    pdf.save()


def _record_blank(store: Store, copies: int, where: str) -> None:
    with store.write() as session:
        audit.record_event(session, "reports", "blank_form", EVENT_BLANK, f"{copies}份 → {where}")


def write_blank_pdf(store: Store, path: str | Path, copies: int = 1) -> Path:
    """Blank forms (unit name filled in) for paper-first home visits, ``copies`` of them in one PDF."""
    copies = max(1, min(copies, 200))
    target = Path(path)
    with atomic_output(target) as temp:
        _draw_blank(store, temp, copies)
    _record_blank(store, copies, target.name)
    return target


def blank_pdf_bytes(store: Store, copies: int = 1) -> bytes:
    """The blank forms in memory, for printing; recorded when ``record_blank_print`` is called."""
    buffer = io.BytesIO()
    _draw_blank(store, buffer, max(1, min(copies, 200)))
    return buffer.getvalue()


def record_blank_print(store: Store, copies: int, printer: str = "") -> None:
    _record_blank(store, copies, f"打印机 {printer}" if printer else "打印")


# --- checking a paper form ----------------------------------------------------------------


@dataclass
class CheckResult:
    """The answer to “does this paper still match the ledger?”."""

    matches: bool
    message: str
    case_id: str = ""
    name: str = ""
    printed_version: int = 0
    current_version: int = 0
    printed_at: dt.datetime | None = None
    printed_by: str = ""
    differences: list[tuple[str, str, str]] = field(default_factory=list)  # label, on paper, now

    def report(self) -> str:
        """The message and, when the record changed, one line per changed field."""
        lines = [self.message]
        for label, old, new in self.differences:
            lines.append(f"  {label}：纸质表“{old or '（空）'}” → 台账现为“{new or '（空）'}”")
        return "\n".join(lines)


def _find_case(store: Store, code: PrintCode) -> str:
    with store.read() as session:
        if not code.is_short:
            found = session.get(Case, code.case_id)
            if found is None:
                raise NotFoundError("台账中没有此核验码对应的案件：纸质表不是由本台账打印，或核验码输错了")
            return found.id
        ids = session.execute(
            select(Case.id).where(Case.id.like(f"{code.case_id}%")).order_by(Case.id)
        ).scalars().all()
    if not ids:
        raise NotFoundError("台账中没有此核验码对应的案件：纸质表不是由本台账打印，或核验码输错了")
    if len(ids) == 1:
        return ids[0]
    # several cases share the 8-character prefix: the one that prints this digest now, or printed it
    for case_id in ids:
        if verification.content_digest(verification.record_content(cases.load_form(store, case_id))) == code.digest:
            return case_id
    for case_id in ids:
        if _print_event(store, case_id, code.digest) is not None:
            return case_id
    raise NotFoundError("此核验码的前8位对应多个案件，无法确定是哪一份：请扫描纸质表上的二维码核对")


def _print_event(store: Store, case_id: str, digest: str) -> tuple[AuditEntry, dict] | None:
    with store.read() as session:
        rows = session.execute(
            select(AuditEntry).where(
                AuditEntry.record_id == case_id, AuditEntry.action == "event",
                AuditEntry.field.in_(PRINT_EVENTS),
            ).order_by(AuditEntry.id.desc())
        ).scalars().all()
    for entry in rows:
        try:
            detail = json.loads(entry.new_value or "{}")
        except ValueError:
            continue
        if detail.get("digest") == digest:
            return entry, detail
    return None


def check_print(store: Store, text: str, *, record: bool = True) -> CheckResult:
    """Check a verification code read from a paper form against the record as it is now.

    Raises:
        ValidationError: the text is not a verification code.
        NotFoundError: no case of this ledger has this code.
    """
    require(store, Permission.VIEW)
    code = verification.parse_code(text)
    case_id = _find_case(store, code)
    form = cases.load_form(store, case_id)
    current = verification.record_content(form)
    digest = verification.content_digest(current)
    printed = _print_event(store, case_id, code.digest)
    result = CheckResult(
        matches=digest == code.digest, message="", case_id=case_id, name=form.name,
        printed_version=code.version, current_version=form.case_version or 0,
    )
    if printed is not None:
        entry, detail = printed
        result.printed_at, result.printed_by = entry.at, entry.user
    when = f"，{result.printed_at:%Y-%m-%d %H:%M}由{result.printed_by}打印" if result.printed_at else ""
    if result.matches:
        result.message = f"人账相符：纸质表与台账一致（{form.name}，案件版本{code.version}{when}）"
        if form.case_id and form.status:
            result.message += f"。案件现状态：{form.status}"
    elif printed is not None:
        old = printed[1].get("content", {})
        result.differences = [
            (label, old.get(label, ""), current.get(label, ""))
            for label in list(dict.fromkeys([*old, *current]))
            if old.get(label, "") != current.get(label, "")
        ]
        result.message = (
            f"人账不符：{form.name}的台账在打印后已修改（纸质表为版本{code.version}，台账现为版本"
            f"{result.current_version}），有{len(result.differences)}处不同，请打印新表重新签字盖章"
        )
    else:
        result.message = (
            f"人账不符：{form.name}的纸质表与台账现有内容不一致（纸质表为版本{code.version}，台账现为版本"
            f"{result.current_version}），且本台账没有这次打印的记录：请打印新表核对"
        )
    if record:
        with store.write() as session:
            audit.record_event(session, "cases", case_id, EVENT_CHECK,
                               f"{code.short_text()}：{'相符' if result.matches else '不符'}")
    return result


def case_ids(store: Store, query: cases.LedgerQuery | None = None, limit: int | None = None) -> list[str]:
    """The ids of the ledger's cases in the ledger's order (a filter as the ledger page shows it)."""
    query = query or cases.LedgerQuery()
    with store.read() as session:
        stmt = cases.ledger_page_select(query, 0, limit)  # None: no limit
        return [row.case_id for row in session.execute(stmt)]
