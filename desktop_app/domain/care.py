"""Special students (特殊学生关爱, N-7) and disabled children (一人一案、一人一档, N-8): the coded lists and rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desktop_app.domain.errors import FieldError, ValidationError

HARDSHIP = "家庭困难"
DISABLED = "身体残疾"
TAGS: tuple[str, ...] = (
    HARDSHIP, DISABLED, "困境儿童", "孤儿/事实无人抚养", "随迁子女", "留守儿童", "返乡儿童", "学习困难",
    "有外出打工倾向",
)
HARDSHIP_KINDS: tuple[str, ...] = ("脱贫户", "边缘户", "监测户", "低保", "特困")
CARE_KINDS: tuple[str, ...] = ("心理疏导", "困难帮扶", "家访", "电话联系", "资助落实")
AID_KINDS: tuple[str, ...] = (
    "营养改善计划", "生活补助", "免住宿费", "免作业本费", "国家助学金", "临时困难救助", "其他",
)

DISABILITY_KINDS: tuple[str, ...] = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
DISABILITY_GRADES: tuple[str, ...] = ("一级", "二级", "三级", "四级")
REGULAR_CLASS = "随班就读"
SPECIAL_SCHOOL = "特殊学校就读"
HOME_TEACHING = "送教上门"
ONLINE_TEACHING = "网络送教"
PLACEMENTS: tuple[str, ...] = (REGULAR_CLASS, SPECIAL_SCHOOL, HOME_TEACHING, ONLINE_TEACHING)
TAUGHT_AT_HOME: tuple[str, ...] = (HOME_TEACHING, ONLINE_TEACHING)


@dataclass(frozen=True)
class Tag:
    """One tag of a student; ``detail`` is the hardship kind for 家庭困难 (empty otherwise)."""

    tag: str
    detail: str = ""

    def label(self) -> str:
        return f"{self.tag}（{self.detail}）" if self.detail else self.tag


def check_tags(tags: list[Tag]) -> list[Tag]:
    """Validate a student's set of tags (no repeats, hardship with its kind); returns them in list order."""
    problems: list[FieldError] = []
    seen: set[str] = set()
    for t in tags:
        if t.tag not in TAGS:
            problems.append(FieldError("tags", f"没有“{t.tag}”这一类特殊学生"))
        elif t.tag in seen:
            problems.append(FieldError("tags", f"“{t.tag}”重复"))
        elif t.tag == HARDSHIP and t.detail not in HARDSHIP_KINDS:
            problems.append(FieldError("tags", "家庭困难须选择类别：" + "、".join(HARDSHIP_KINDS)))
        elif t.tag != HARDSHIP and t.detail:
            problems.append(FieldError("tags", f"“{t.tag}”不需要类别"))
        seen.add(t.tag)
    if problems:
        raise ValidationError(problems)
    return sorted(tags, key=lambda t: TAGS.index(t.tag))


def tags_text(tags: list[Tag]) -> str:
    return "、".join(t.label() for t in tags)


@dataclass
class CareEntry:
    """One care record (关爱记录): a talk, help, a home visit, a call, aid delivered."""

    record_date: dt.date
    kind: str
    notes: str = ""
    people: str = ""

    def validate(self, today: dt.date | None = None) -> None:
        problems: list[FieldError] = []
        if self.kind not in CARE_KINDS:
            problems.append(FieldError("kind", "请选择关爱方式：" + "、".join(CARE_KINDS)))
        if self.record_date > (today or dt.date.today()):
            problems.append(FieldError("record_date", "关爱日期不能晚于今天"))
        if not self.people.strip():
            problems.append(FieldError("people", "请填写开展关爱的人员"))
        if not self.notes.strip():
            problems.append(FieldError("notes", "请简要记录关爱内容"))
        if problems:
            raise ValidationError(problems)


def parse_amount(text: str) -> int:
    """An amount in yuan as typed (``1,250.5`` or ``800``) → fen (分)."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "").removesuffix("元")
    try:
        value = round(float(cleaned) * 100)
    except ValueError as exc:
        raise ValidationError(FieldError("amount", f"金额“{text}”不是数字")) from exc
    if value < 0:
        raise ValidationError(FieldError("amount", "金额不能为负数"))
    if value > 100_000_00:
        raise ValidationError(FieldError("amount", "金额超过10万元，请核对"))
    return value


def amount_text(fen: int) -> str:
    return f"{fen / 100:.2f}"


@dataclass
class DisabilityFile:
    """一人一档: what is known of one disabled child."""

    kind: str = ""
    grade: str = ""
    certificate_number: str = ""
    placement: str = ""
    placement_start: dt.date | None = None
    registry_confirmed: bool = False
    notes: str = ""

    def validate(self) -> None:
        problems: list[FieldError] = []
        if self.kind not in DISABILITY_KINDS:
            problems.append(FieldError("kind", "请选择残疾类别：" + "、".join(DISABILITY_KINDS)))
        if self.grade and self.grade not in DISABILITY_GRADES:
            problems.append(FieldError("grade", "残疾等级应为一级至四级"))
        cert = self.certificate_number.strip()
        if cert and not (cert.isalnum() and 8 <= len(cert) <= 30):
            problems.append(FieldError("certificate_number", "残疾证号应为8-30位数字或字母（新版为身份证号加2位）"))
        if self.placement not in PLACEMENTS:
            problems.append(FieldError("placement", "请选择安置方式：" + "、".join(PLACEMENTS)))
        elif self.placement_start is None:
            problems.append(FieldError("placement_start", "请填写安置开始日期"))
        if problems:
            raise ValidationError(problems)
