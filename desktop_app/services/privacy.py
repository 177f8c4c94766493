"""Privacy: masked numbers unless the role and the purpose need them, and every export and print
in the history (who, what, when, why).

Writers of exports and printouts call, before writing the file::

    privacy.record_export(store, "台账Excel", rows=len(rows), reason=reason, full_numbers=False)
    number = privacy.shown_id_number(store, student.id_number, Purpose.EXPORT, full=False)
"""

from __future__ import annotations

import json
import re
from typing import Any

from desktop_app.domain.errors import FieldError, PermissionDenied, ValidationError
from desktop_app.domain.identity import mask_id_number
from desktop_app.domain.roles import Permission, Purpose, mask_phone, may_see_full
from desktop_app.services import audit
from desktop_app.services.access import require
from desktop_app.services.store import Store

__all__ = ["Purpose", "mask_id_number", "mask_phone", "mask_rows", "mask_text", "may_see_full", "record_export", "record_print",
           "record_numbers_export", "shown_id_number", "shown_phone"]


def full_allowed(store: Store, purpose: str) -> bool:
    return may_see_full(store.account, purpose)


def shown_id_number(store: Store, number: str, purpose: str, *, full: bool = True) -> str:
    """The identity number as this account may see it for ``purpose`` (masked unless allowed and asked)."""
    return number if full and may_see_full(store.account, purpose) else mask_id_number(number)


def shown_phone(store: Store, phone: str, purpose: str, *, full: bool = True) -> str:
    return phone if full and may_see_full(store.account, purpose) else mask_phone(phone)


def mask_rows(store: Store, rows: list[dict[str, Any]], purpose: str = Purpose.LIST, *,
              ids: tuple[str, ...] = ("id_number",), phones: tuple[str, ...] = (), full: bool = True) -> None:
    """Mask, in place, the identity-like (``ids``) and phone (``phones``) values of ``rows`` as this
    account may see them for ``purpose``: the services decide, not the widgets."""
    if full and may_see_full(store.account, purpose):
        return
    for row in rows:
        for key in ids:
            if row.get(key):
                row[key] = mask_id_number(str(row[key]))
        for key in phones:
            if row.get(key):
                row[key] = mask_phone(str(row[key]))


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[GLgl]?\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1\d{10}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")


def mask_text(text: str) -> str:
    """Identity (and student) numbers and phone numbers inside free text (a history line, an event) masked."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


def record_numbers_export(store: Store, what: str, rows: int, *, full_numbers: bool, reason: str,
                          target: str) -> None:
    """An export that masks numbers unless asked: full numbers need an administrator and a reason
    (``record_export`` checks and records both); a masked export given a reason is recorded too."""
    if full_numbers or reason.strip():
        record_export(store, what, rows, reason=reason, full_numbers=full_numbers, target=target)


def record_export(store: Store, what: str, rows: int, *, reason: str = "", personal: bool = True,
                  full_numbers: bool = False, target: str = "") -> None:
    """Check and record an export before it is written.

    Args:
        what: what is exported (台账Excel, 数据包 …).
        rows: how many records.
        reason: why (required for personal data).
        personal: the file holds personal information (names, numbers …).
        full_numbers: identity and phone numbers unmasked (administrators only).

    Raises:
        PermissionDenied: the role may not export personal data or full numbers.
        ValidationError: a personal export without a reason.
    """
    require(store, Permission.EXPORT if personal else Permission.VIEW)
    if full_numbers and not may_see_full(store.account, Purpose.EXPORT):
        raise PermissionDenied("只有管理员可以导出完整的身份证号码和电话号码")
    reason = reason.strip()
    if full_numbers and not reason:
        raise ValidationError(FieldError("reason", "导出完整的身份证号码和电话号码须填写导出原因"))
    if personal and not reason:
        raise ValidationError(FieldError("reason", "导出个人信息须填写导出原因"))
    detail = json.dumps({"内容": what, "条数": rows, "原因": reason, "完整号码": full_numbers, "位置": target},
                        ensure_ascii=False)
    with store.write() as session:
        audit.record_event(session, "export", "", "导出", detail)


def record_print(store: Store, what: str, record_id: str = "", *, pages: int = 0, full_numbers: bool = False) -> None:
    """Check and record a printout (a registration form for signature, a list …)."""
    require(store, Permission.PRINT)
    if full_numbers and not may_see_full(store.account, Purpose.PRINT):
        raise PermissionDenied("您的账户打印时只能显示部分隐藏的号码")
    detail = json.dumps({"内容": what, "页数": pages, "完整号码": full_numbers}, ensure_ascii=False)
    with store.write() as session:
        audit.record_event(session, "print", record_id, "打印", detail)
