"""Census (摸排核查) rules: statuses, the age window, roster kinds and their columns, cell cleaning.

Pure Python: the roster reader hands over raw cell values (str, float, int, date, datetime, None)
and this module turns one row into a clean record or a Chinese reason for refusing it.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from desktop_app.domain import codes
from desktop_app.domain.contact import normalize_phone
from desktop_app.domain.identity import age_on, id_number_error, normalize_id_number, region_known
from desktop_app.domain.names import name_problem
from desktop_app.domain.semester import default_span


class ChildStatus(str, Enum):
    """Where a school-age child studies this semester (one per child per semester)."""

    HERE = "本校在读"
    OTHER_SCHOOL = "区内他校在读"
    OUT_OF_DISTRICT = "区外就读"
    INCLUSION = "随班就读"
    HOME_TEACHING = "送教上门"
    SPECIAL_SCHOOL = "特殊学校"
    NOT_ENROLLED = "未入学"
    SUSPECTED = "疑似辍学"
    DEFERRED = "延缓入学/休学"
    MOVED_OUT = "户籍迁出"
    DECEASED = "死亡"
    OTHER = "其他"


IN_SCHOOL = frozenset({
    ChildStatus.HERE.value, ChildStatus.OTHER_SCHOOL.value, ChildStatus.OUT_OF_DISTRICT.value,
    ChildStatus.INCLUSION.value, ChildStatus.HOME_TEACHING.value, ChildStatus.SPECIAL_SCHOOL.value,
})

CHECK_METHODS: tuple[str, ...] = ("全国学籍管理系统", "村(居)委", "邻居", "监护人电话", "入户走访")

CONTACT_METHODS: tuple[str, ...] = ("电话", "微信", "入户走访", "其他")


class ReturnResult(str, Enum):
    """返校核查: what became of last semester's student."""

    RETURNED = "已返校"
    TRANSFERRED = "转学"
    NOT_RETURNED = "未返校"


class RosterKind(str, Enum):
    CENSUS = "census"
    ENROLLED = "enrolled"
    MONITORED = "monitored"
    DISABLED = "disabled"
    KINDERGARTEN = "kindergarten"

    @property
    def label(self) -> str:
        return ROSTER_LABELS[self.value]


ROSTER_LABELS = {
    "census": "户籍适龄儿童名册",
    "enrolled": "本校在籍学生名册（学籍系统导出）",
    "monitored": "边缘户/监测户儿童名单",
    "disabled": "残疾儿童名单",
    "kindergarten": "幼儿园毕业儿童名单",
}


@dataclass(frozen=True)
class RosterField:
    key: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False


_COMMON = (
    RosterField("name", "姓名", ("姓名", "学生姓名", "儿童姓名", "名字"), required=True),
    RosterField("id_number", "身份证号码",
                ("身份证号码", "身份证号", "公民身份号码", "身份证件号", "证件号码", "证件号")),
    RosterField("birth_date", "出生日期", ("出生日期", "出生年月", "出生年月日", "生日")),
    RosterField("sex", "性别", ("性别",)),
    RosterField("guardian_name", "监护人姓名", ("监护人姓名", "监护人", "家长姓名", "户主姓名", "户主", "父亲姓名")),
    RosterField("guardian_phone", "监护人电话", ("监护人电话", "联系电话", "家长电话", "电话", "手机号码", "联系方式")),
    RosterField("township", "乡镇(街道)", ("乡镇", "乡镇(街道)", "镇街", "乡镇街道", "街道")),
    RosterField("village", "村(社区)", ("村(社区)", "村社区", "村", "社区", "村(居)", "所在村")),
    RosterField("address", "户籍地址", ("户籍地址", "户籍所在地", "家庭住址", "住址", "详细地址")),
)

ROSTER_FIELDS: dict[str, tuple[RosterField, ...]] = {
    "census": _COMMON,
    "enrolled": (
        *_COMMON,
        RosterField("student_number", "全国学籍号", ("全国学籍号", "学籍号", "学籍辅号")),
        RosterField("grade", "年级", ("年级", "所在年级", "就读年级"), required=True),
        RosterField("class_name", "班级", ("班级", "班级名称", "班")),
        RosterField("school", "学校", ("学校", "学校名称", "就读学校")),
    ),
    "monitored": (
        *_COMMON,
        RosterField("household_type", "户类型", ("户类型", "监测对象类型", "类型", "户别", "监测类型")),
    ),
    "disabled": (
        *_COMMON,
        RosterField("disability", "残疾类别", ("残疾类别", "残疾类型", "残疾情况")),
        RosterField("disability_grade", "残疾等级", ("残疾等级", "等级")),
        RosterField("certificate", "残疾证号", ("残疾证号", "残疾证号码")),
    ),
    "kindergarten": (
        *_COMMON,
        RosterField("school", "幼儿园", ("幼儿园", "幼儿园名称", "学校", "学校名称")),
    ),
}

GRADE_ALIASES = {
    "1": "一年级", "2": "二年级", "3": "三年级", "4": "四年级", "5": "五年级", "6": "六年级",
    "7": "七年级", "8": "八年级", "9": "九年级", "初一": "七年级", "初二": "八年级", "初三": "九年级",
}


def fields_for(kind: str) -> tuple[RosterField, ...]:
    return ROSTER_FIELDS[kind]


def header_key(text: Any) -> str:
    """A header cell reduced for comparison: NFKC, no spaces, no line breaks, no * or ：."""
    value = unicodedata.normalize("NFKC", cell_text(text))
    return re.sub(r"[\s*:：]", "", value)


def guess_mapping(kind: str, headers: list[str]) -> dict[str, int]:
    """Field key → column index, guessed from the header texts (exact synonym first, then containment)."""
    keys = [header_key(h) for h in headers]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for exact in (True, False):
        for f in fields_for(kind):
            if f.key in mapping:
                continue
            for syn in f.synonyms:
                syn_key = header_key(syn)
                hit = next((i for i, k in enumerate(keys) if i not in used and k and (
                    k == syn_key if exact else (syn_key in k and len(syn_key) >= 2)
                )), None)
                if hit is not None:
                    mapping[f.key] = hit
                    used.add(hit)
                    break
    return mapping


def header_score(kind: str, row: list[Any]) -> int:
    """How many cells of a row look like known column titles."""
    known = {header_key(s) for f in fields_for(kind) for s in f.synonyms}
    return sum(1 for cell in row if isinstance(cell, str) and header_key(cell) in known)


# --- cell values ----------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """Any cell as clean text: NFKC (full-width to half-width), trimmed, floats without ``.0``."""
    if value is None:
        return ""
    if type(value) is str:
        if not value.isascii() and not unicodedata.is_normalized("NFKC", value):
            value = unicodedata.normalize("NFKC", value)
        return " ".join(value.split())
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


_region_known = functools.lru_cache(maxsize=8192)(region_known)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_WEIGHT_OFFSET = 48 * sum(_WEIGHTS)
_CHECK = "10X98765432"
_TODAY = dt.date.today()


@functools.lru_cache(maxsize=8192)
def _id_birth(digits: str) -> dt.date | None:
    """The birth date of an identity number's digits 7-14 (YYYYMMDD), None when no such day (cached: the
    children of a roster share a few thousand birthdays)."""
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def id_problem(number: str) -> str | None:
    """The reason an 18-character identity number is refused, or None (a fast path for bulk imports;
    any fault is described by ``identity.id_number_error``)."""
    if len(number) == 18 and number[:17].isdigit() and number.isascii():
        # the digits' bytes are their codes (48 + digit): subtract 48 × the weights' sum afterwards
        check = _CHECK[(sum(map(operator.mul, number[:17].encode(), _WEIGHTS)) - _WEIGHT_OFFSET) % 11]
        if number[17] == check:
            birth = _id_birth(number[6:14])
            if birth and birth.year >= 1900 and birth <= _TODAY and _region_known(number[:6]):
                return None
    err = id_number_error(number)
    return err.message if err else None


def id_from_cell(value: Any) -> tuple[str, str | None]:
    """An identity number from a cell and the reason it is refused (None when valid or empty)."""
    if value is None or value == "":
        return "", None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        exact = isinstance(value, int) or (float(value).is_integer() and abs(value) < 2**53)
        number = str(int(value))
        if exact and id_problem(number) is None:
            return number, None
        if len(number) >= 17 and not exact:
            return number, ("身份证号码被Excel存成了数字，后几位已丢失（Excel只保留15位有效数字）；"
                            "请在原系统中把该列设为文本后重新导出")
        text = number
    else:
        text = normalize_id_number(cell_text(value))
        text = text.strip("'\"‘’")
    if len(text) == 15 and text.isdigit():
        return text, "这是15位旧身份证号码，请核对后改为18位号码"
    return text, id_problem(text)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def date_from_cell(value: Any) -> tuple[dt.date | None, str | None]:
    """A date from a cell: a real date, an Excel serial number, or text like 2013-05-17 / 2013年5月17日 / 20130517."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466 and not (19000101 <= value <= 21001231):
            return _EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        value = cell_text(value)
    text = cell_text(value).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
            except ValueError:
                break
    if re.fullmatch(r"\d{4}[-/.年]\d{1,2}月?", text):
        return None, f"出生日期“{text}”只有年月，缺少日"
    return None, f"出生日期“{text}”无法识别（应如2013-05-17）"


def grade_from_cell(value: Any) -> str:
    text = cell_text(value).replace("年级", "").strip() if cell_text(value) not in codes.GRADES else cell_text(value)
    if text in codes.GRADES:
        return text
    return GRADE_ALIASES.get(text, cell_text(value))


@dataclass(slots=True)
class RosterRecord:
    """One accepted row, cleaned (one per row of a roster: slotted, made fast)."""

    row_number: int  # 1-based row in the sheet
    name: str
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    township: str = ""
    village: str = ""
    address: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def match_key(self) -> tuple[str, ...]:
        """Identity number, or name + birth date + guardian for a child without one."""
        if self.id_number:
            return ("id", self.id_number)
        return ("nbg", self.name, self.birth_date.isoformat() if self.birth_date else "", self.guardian_name)


_VILLAGE_IN_ADDRESS = re.compile(r"([^省市区县镇乡街道]{1,12}?(?:村|社区|居委会))")


_DIGIT = re.compile(r"\d")  # str.isdigit's digits, as ``\d`` matches every Unicode decimal digit
_BASIC_KEYS = ("name", "id_number", "birth_date", "sex", "guardian_name", "guardian_phone", "township", "village",
               "address")


@functools.cache
def _extra_fields(kind: str) -> tuple[RosterField, ...]:
    """The columns of a roster kind kept in ``RosterRecord.extra``."""
    return tuple(f for f in fields_for(kind) if f.key not in _BASIC_KEYS)


def clean_row(kind: str, row_number: int, cells: dict[str, Any],
              today: dt.date | None = None) -> tuple[RosterRecord | None, str]:
    """Turn the mapped cells of one row into a record, or return the reason it is refused.

    ``today`` (default: the clock) is given once by bulk imports instead of being read per row.
    """
    name = cell_text(cells.get("name")).replace(" ", "")
    if not name:
        return None, "姓名为空"
    if len(name) > 30 or _DIGIT.search(name):
        return None, f"姓名“{name[:30]}”不像人名"
    if problem := name_problem(name):
        return None, problem
    id_number, id_reason = id_from_cell(cells.get("id_number"))
    if id_reason:
        return None, id_reason
    birth, birth_reason = date_from_cell(cells.get("birth_date"))
    sex = cell_text(cells.get("sex"))
    if id_number:
        id_birth = _id_birth(id_number[6:14])
        if id_birth is None:  # not for a number id_from_cell accepted
            return None, "身份证号码中的出生日期不存在"
        id_sex = "女" if id_number[16] in "02468" else "男"
        if birth and birth != id_birth:
            return None, f"出生日期{birth.isoformat()}与身份证号码中的{id_birth.isoformat()}不一致"
        birth, birth_reason = id_birth, None
        if sex in ("男", "女") and sex != id_sex:
            return None, f"性别“{sex}”与身份证号码不一致"
        sex = id_sex
    if birth_reason:
        return None, birth_reason
    if not id_number and birth is None:
        return None, "没有身份证号码时须有出生日期"
    guardian = cell_text(cells.get("guardian_name"))
    if problem := name_problem(guardian, "监护人姓名"):
        return None, problem
    if not id_number and not guardian:
        return None, "没有身份证号码时须有监护人姓名（用于比对）"
    if birth and birth > (today or dt.date.today()):
        return None, "出生日期晚于今天"
    if sex and sex not in ("男", "女"):
        sex = {"1": "男", "2": "女", "M": "男", "F": "女"}.get(sex.upper(), "")
    phone = normalize_phone(cell_text(cells.get("guardian_phone")))
    address = cell_text(cells.get("address"))
    village = cell_text(cells.get("village"))
    if not village and address:
        m = _VILLAGE_IN_ADDRESS.search(address)
        village = m.group(1) if m else ""
    extra: dict[str, str] = {}
    for f in _extra_fields(kind):
        text = grade_from_cell(cells.get(f.key)) if f.key == "grade" else cell_text(cells.get(f.key))
        if f.required and not text:
            return None, f"{f.label}为空"
        if f.key == "grade" and text not in codes.GRADES:
            return None, f"年级“{text}”无法识别"
        extra[f.key] = text
    return RosterRecord(row_number, name, id_number, birth, sex, guardian.replace(" ", ""), phone,  # in field order
                        cell_text(cells.get("township")), village, address, extra), ""


# --- the age window -------------------------------------------------------------------------

def school_year_cutoff(semester: str) -> dt.date:
    """31 August of the school year a semester belongs to (2026秋 and 2027春 → 2026-08-31)."""
    span = default_span(semester)
    year = span.start.year if span.start.month >= 9 else span.start.year - 1
    return dt.date(year, 8, 31)


def birth_window(semester: str, min_age: int, max_age: int) -> tuple[dt.date, dt.date]:
    """Earliest and latest birth dates of a child aged min_age..max_age on the cutoff day."""
    cutoff = school_year_cutoff(semester)
    latest = _years_before(cutoff, min_age)
    earliest = _years_before(cutoff, max_age + 1) + dt.timedelta(days=1)
    return earliest, latest


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def in_age_window(birth: dt.date | None, semester: str, min_age: int, max_age: int) -> bool:
    if birth is None:
        return False
    return min_age <= age_on(birth, school_year_cutoff(semester)) <= max_age


def next_grade(grade: str) -> str:
    """六年级 → 七年级; the grade a leaver of ``grade`` should be found in."""
    order = codes.GRADES[:9]
    if grade in order and grade != order[-1]:
        return order[order.index(grade) + 1]
    return ""
