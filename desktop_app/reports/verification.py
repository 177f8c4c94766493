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

from desktop_app.domain.contact import Address
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.registration import RegistrationForm

CODE_VERSION = "BX1"
DIGEST_LENGTH = 12  # hex characters (48 bits): enough to tell any edit of the record apart

# The printed fields, in the order of the official form. Keys are the labels a user reads.
CONTACT = "学校联系人及电话"
FILL_DATE = "填表日期"
NAME = "姓名"
ID_NUMBER = "居民身份证号码"
BIRTH_DATE = "出生日期"
SEX = "性别"
AGE = "年龄"
ETHNIC = "民族"
HEALTH = "健康情况"
STUDENT_NUMBER = "全国学籍号"
HUKOU = "户籍所在地"
REGISTRY = "学籍所在地"
RESIDENCE = "现居住地"
REASON = "辍学原因"
FAMILY = "家庭情况简述"
STARTED = "是否已开展劝返工作"
COUNT = "劝返次数"
RESULT = "劝返结果"
NOT_RETURNED = "未复学原因"
UNIT = "劝返单位"
RESPONSIBLE = "劝返责任人"
RESPONSIBLE_PHONE = "劝返责任人联系电话"
DEFERRAL = "是否属于经区县扶贫工作领导小组核实同意、准许先办理延缓入学或休学手续的学生"
RECORD = "劝返过程详细记录"


def guardian_key(n: int, part: str) -> str:
    return {"name": f"监护人{n}", "relation": f"监护人{n}与被核查人关系", "phone": f"监护人{n}联系电话"}[part]


def record_key(i: int) -> str:
    return f"{RECORD}第{i}条"


def cn_date(value: dt.date | None) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日" if value else ""


def address_text(address: Address) -> str:
    return " ".join(p for p in (getattr(address, part).strip() for part in Address.PARTS) if p)


def joined(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in (s.strip() for s in parts) if p)


def record_content(form: RegistrationForm) -> dict[str, str]:
    """What the printed form shows about the record, label → text, in the form's order."""
    content: dict[str, str] = {
        CONTACT: joined(form.contact_name, form.contact_phone),
        FILL_DATE: cn_date(form.fill_date),
        NAME: form.name,
        ID_NUMBER: form.id_number,
        BIRTH_DATE: cn_date(form.birth_date),
        SEX: form.sex,
        AGE: str(form.age) if form.age is not None else "",
        ETHNIC: form.ethnic_group,
        HEALTH: form.health,
        STUDENT_NUMBER: form.student_number,
    }
    for n in (1, 2):
        content[guardian_key(n, "name")] = getattr(form, f"guardian{n}_name")
        content[guardian_key(n, "relation")] = getattr(form, f"guardian{n}_relation")
        content[guardian_key(n, "phone")] = getattr(form, f"guardian{n}_phone")
    content[HUKOU] = address_text(form.hukou)
    content[REGISTRY] = address_text(form.registry)
    content[RESIDENCE] = address_text(form.residence)
    content[REASON] = joined(form.dropout_reason, form.reason_detail, sep="：")
    content[FAMILY] = form.family_situation.strip()
    content[STARTED] = "是" if form.persuasion_started else "否"
    content[COUNT] = str(form.attempt_count)
    content[RESULT] = form.result
    content[NOT_RETURNED] = form.not_returned_reason.strip()
    content[UNIT] = form.persuading_unit
    content[RESPONSIBLE] = form.responsible_person
    content[RESPONSIBLE_PHONE] = form.responsible_phone
    if form.deferral_approved:
        content[DEFERRAL] = "是（" + joined(
            f"{cn_date(form.deferral_approval_date)}同意" if form.deferral_approval_date else "",
            form.deferral_document, sep="，",
        ) + "）"
    else:
        content[DEFERRAL] = "否"
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
