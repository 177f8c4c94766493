"""The printed content of a registration form, its digest and the verification code (核验码).

Every printed form carries a code naming the case, the case's version and a digest of what the
form shows about the record. Reading the code back (typed or scanned from the QR code) and
recomputing the digest from the record as it is now tells whether the paper still matches the
ledger (人账相符). The digest covers the record's values (full identity number, whatever a
privacy rule does to the printed text) and not the print date or page numbers, so two prints of
the same record carry the same code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from desktop_app.domain import form_fields as ff
from desktop_app.domain.contact import Address
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.registration import RegistrationForm

CODE_VERSION = "BX1"
DIGEST_LENGTH = 12  # hex characters (48 bits): enough to tell any edit of the record apart

# The printed rows, in the order of the official form, are declared with the form's fields
# (desktop_app.domain.form_fields); their names are re-exported here for the printed layout.
CONTACT, FILL_DATE, NAME, ID_NUMBER, BIRTH_DATE = ff.CONTACT, ff.FILL_DATE, ff.NAME, ff.ID_NUMBER, ff.BIRTH_DATE
SEX, AGE, ETHNIC, HEALTH, STUDENT_NUMBER = ff.SEX, ff.AGE, ff.ETHNIC, ff.HEALTH, ff.STUDENT_NUMBER
HUKOU, REGISTRY, RESIDENCE, REASON, FAMILY = ff.HUKOU, ff.REGISTRY, ff.RESIDENCE, ff.REASON, ff.FAMILY
STARTED, COUNT, RESULT, NOT_RETURNED, UNIT = ff.STARTED, ff.COUNT, ff.RESULT, ff.NOT_RETURNED, ff.UNIT
RESPONSIBLE, RESPONSIBLE_PHONE, DEFERRAL = ff.RESPONSIBLE, ff.RESPONSIBLE_PHONE, ff.DEFERRAL
guardian_key = ff.guardian_key
RECORD = "劝返过程详细记录"
# Rows printed with their surrounding blanks removed (as the digest of every code made so far has them).
_STRIPPED = {FAMILY, NOT_RETURNED}


def record_key(i: int) -> str:
    return f"{RECORD}第{i}条"


def cn_date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日" if value else ""


def address_text(address: Address) -> str:
    return " ".join(p for p in (getattr(address, part).strip() for part in Address.PARTS) if p)


def joined(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in (s.strip() for s in parts) if p)


def field_text(form: RegistrationForm, field: ff.FormField) -> str:
    """A field's value as the printed form writes it."""
    value = getattr(form, field.key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return cn_date(value)
    if isinstance(value, Address):
        return address_text(value)
    return str(value)


def _deferral_text(form: RegistrationForm) -> str:
    if not form.deferral_approved:
        return "否"
    return "是（" + joined(
        f"{cn_date(form.deferral_approval_date)}同意" if form.deferral_approval_date else "",
        form.deferral_document, sep="，",
    ) + "）"


# Rows whose text is not simply their fields' texts joined.
_COMPOSED = {DEFERRAL: _deferral_text}


def record_content(form: RegistrationForm) -> dict[str, str]:
    """What the printed form shows about the record, label → text, in the form's order."""
    content: dict[str, str] = {}
    for row in ff.printed_rows():
        fields = ff.printed_in(row)
        if row in _COMPOSED:
            text = _COMPOSED[row](form)
        elif len(fields) == 1:
            text = field_text(form, fields[0])
        else:
            text = joined(*(field_text(form, f) for f in fields), sep=ff.ROW_SEPARATORS.get(row, " "))
        content[row] = text.strip() if row in _STRIPPED else text
    for i, attempt in enumerate(form.active_attempts, start=1):
        content[record_key(i)] = attempt.summary(i)
    return content


def content_digest(content: dict[str, str]) -> str:
    """SHA-256 of the content (labels and values, in order), shortened to DIGEST_LENGTH hex digits."""
    payload = json.dumps(list(content.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:DIGEST_LENGTH].upper()


@dataclass(frozen=True)
class PrintCode:
    """The verification code of one printed form.

    ``case_id`` is the full case id in a code made by this program, or an 8-character prefix in
    a code typed from the short text printed under the QR code.
    """

    case_id: str
    version: int
    digest: str

    @property
    def is_short(self) -> bool:
        return len(self.case_id) < 36

    def qr_payload(self) -> str:
        """What the QR code holds: ``BX1:<case id>:<version>:<digest>``, upper case so the QR code
        uses its compact alphanumeric mode (a smaller symbol, easier to scan)."""
        return f"{CODE_VERSION}:{self.case_id.upper()}:{self.version}:{self.digest}"

    def short_text(self) -> str:
        """The code printed as text, short enough to type: ``BX1-3F2A9C1D-5-7A3B9C0D1E2F``."""
        return f"{CODE_VERSION}-{self.case_id[:8].upper()}-{self.version}-{self.digest}"


def make_code(form: RegistrationForm, content: dict[str, str] | None = None) -> PrintCode:
    """The code of a saved form; ``content`` is its ``record_content`` when the caller has it already."""
    if not form.case_id or form.case_version is None:
        raise ValidationError("尚未保存的登记表没有核验码，请先保存")
    return PrintCode(form.case_id, form.case_version,
                     content_digest(record_content(form) if content is None else content))


_FULL = re.compile(
    r"^BX1:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,9}):([0-9A-F]{12})$", re.I
)
_SHORT = re.compile(r"^BX1-([0-9A-F]{8})-(\d{1,9})-([0-9A-F]{12})$", re.I)


def parse_code(text: str) -> PrintCode:
    """Read a code as scanned (QR payload) or typed (short text); spaces and case do not matter.

    Raises:
        ValidationError: the text is not a verification code of this program.
    """
    cleaned = re.sub(r"\s+", "", text or "").replace("－", "-").replace("：", ":")
    if match := _FULL.match(cleaned):
        return PrintCode(match.group(1).lower(), int(match.group(2)), match.group(3).upper())
    if match := _SHORT.match(cleaned):
        return PrintCode(match.group(1).lower(), int(match.group(2)), match.group(3).upper())
    raise ValidationError(
        "核验码格式不对：应为扫码得到的“BX1:…”，或纸质表二维码下方印的“BX1-XXXXXXXX-版本-12位校验码”"
    )
