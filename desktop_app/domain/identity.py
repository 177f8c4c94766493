"""Resident identity numbers (居民身份证号码, GB 11643-1999).

Validation is delegated to python-stdnum's ``cn.ric`` (region code, birth date, ISO 7064
MOD 11-2 check character); this module normalises what people type and turns stdnum's
exceptions into Chinese messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any

from desktop_app.domain.errors import FieldError


class Sex(str, Enum):
    MALE = "男"
    FEMALE = "女"


@dataclass(frozen=True)
class IdentityInfo:
    """What an identity number tells: the normalised number, birth date, sex and region."""

    number: str
    birth_date: dt.date
    sex: Sex
    region_code: str


def normalize_id_number(text: str) -> str:
    """Trim spaces, turn full-width digits and letters into ASCII and a final x into X."""
    if text and text.isascii() and text.isalnum():  # the common case, with nothing to normalise
        return text.upper()
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if not ch.isspace() and ch not in "-")
    return text.upper()


@functools.cache
def _ric() -> Any:
    """python-stdnum's ``cn.ric``, imported at the first number checked: stdnum imports pydoc, which a
    start of the program does not need (about 10 ms)."""
    from stdnum.cn import ric

    return ric


def _ric_errors() -> type[Exception]:
    from stdnum.exceptions import ValidationError

    return ValidationError


def id_number_error(text: str, field: str = "id_number", label: str = "居民身份证号码") -> FieldError | None:
    """Return the problem with an identity number, or None when it is valid."""
    number = normalize_id_number(text)
    if not number:
        return FieldError(field, f"{label}不能为空")
    if len(number) != 18:
        return FieldError(field, f"{label}应为18位，现为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return FieldError(field, f"{label}前17位应为数字，最后一位应为数字或X")
    ric = _ric()
    if number[17] != ric.calc_check_digit(number):
        return FieldError(field, f"{label}校验码错误，请核对每一位数字")
    try:
        birth = ric.get_birth_date(number)
    except _ric_errors():
        return FieldError(field, f"{label}中的出生日期（第7-14位）不是有效日期")
    if birth > dt.date.today() or birth.year < 1900:
        return FieldError(field, f"{label}中的出生日期（第7-14位）不合理")
    if not region_known(number[:6]):
        return FieldError(field, f"{label}的地区码（前6位）{number[:6]}不存在")
    return None


def region_known(code: str) -> bool:
    """Whether a 6-digit region code was ever assigned to a county.

    stdnum's own check also requires the county to exist in the birth year, which refuses
    children registered late (a 2014 birth given Tongnan's 2015 code 500152), so only the
    code's existence is checked here.
    """
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info


def parse_id_number(text: str) -> IdentityInfo:
    """Validate and decode an identity number.

    Raises:
        ValidationError: with the Chinese message naming the fault.
    """
    from desktop_app.domain.errors import ValidationError

    err = id_number_error(text)
    if err:
        raise ValidationError(err)
    number = normalize_id_number(text)
    return IdentityInfo(
        number=number,
        birth_date=_ric().get_birth_date(number),
        sex=Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE,
        region_code=number[:6],
    )


def make_id_number(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid number (for demonstration and test data only)."""
    body = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + _ric().calc_check_digit(body + "0")


def mask_id_number(number: str) -> str:
    """5101********1234: the first four and the last four characters."""
    if not number or len(number) < 9:
        return number or ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Full years of age on a given day (周岁)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return max(years, 0)
