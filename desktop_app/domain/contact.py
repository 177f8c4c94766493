"""Phone numbers, national student numbers and structured addresses."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

from desktop_app.domain.errors import FieldError
from desktop_app.domain.identity import id_number_error, normalize_id_number

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0 + 2-3 digits, then a 7-8 digit number, an optional extension.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_phone(text: str) -> str:
    if text and text.isascii() and text.isdigit():  # the common case, with nothing to normalise
        return text
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = re.sub(r"[\s()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    return text


def phone_error(text: str, field: str, label: str, *, required: bool) -> FieldError | None:
    """Mainland mobile (11 digits, 1[3-9]…) or landline with area code (023-12345678)."""
    phone = normalize_phone(text)
    if not phone:
        return FieldError(field, f"{label}不能为空") if required else None
    if _MOBILE.match(phone) or _LANDLINE.match(phone):
        return None
    if phone.isdigit() and phone.startswith("1"):
        return FieldError(field, f"{label}“{phone}”不是有效的手机号码（11位，以13-19开头）")
    return FieldError(field, f"{label}“{phone}”格式不对：手机号为11位，座机须带区号，如023-44551234")


def normalize_student_number(text: str) -> str:
    return normalize_id_number(text)


def student_number_error(text: str, id_number: str, field: str = "student_number") -> FieldError | None:
    """全国学籍号: "G" + identity number, or "L" + a temporary number for children without one."""
    number = normalize_student_number(text)
    if not number:
        return None
    if number[0] == "G":
        if id_error := id_number_error(number[1:], field, "全国学籍号中G后的身份证号码"):
            return id_error
        if id_number and number[1:] != normalize_id_number(id_number):
            return FieldError(field, "全国学籍号应为“G”加本人身份证号码，与填写的身份证号码不一致")
        return None
    if number[0] == "L":
        if re.fullmatch(r"L[0-9A-Z]{6,24}", number):
            return None
        return FieldError(field, "全国学籍号以L开头时，后接6-24位临时编号（数字或字母）")
    return FieldError(field, "全国学籍号应以G（身份证号码）或L（临时编号）开头")


@dataclass
class Address:
    """户籍所在地 / 学籍所在地 / 现居住地: province, city, county, township, detail."""

    province: str = ""
    city: str = ""
    county: str = ""
    township: str = ""
    detail: str = ""

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name).strip() for f in fields(self))

    def text(self) -> str:
        return "".join(getattr(self, f.name).strip() for f in fields(self))

    PARTS = ("province", "city", "county", "township", "detail")
    LABELS = {
        "province": "省(市、自治区)",
        "city": "市(州)",
        "county": "县(市、区)",
        "township": "乡镇(街道、办事处)",
        "detail": "村、小区、门牌号码等",
    }


def address_errors(address: Address, field: str, label: str, *, required: bool) -> list[FieldError]:
    if address.is_empty():
        return [FieldError(field, f"{label}不能为空")] if required else []
    missing = [Address.LABELS[p] for p in Address.PARTS if not getattr(address, p).strip()]
    if missing:
        return [FieldError(field, f"{label}缺少：{'、'.join(missing)}")]
    return []
