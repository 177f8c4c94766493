"""The registration form (一生一表) as a value, and its validation.

Derived values are never typed: birth date and sex come from the identity number (typed only
for a child without one), age from the birth date and the form date, the attempt count and
"has persuasion started" from the attempt log.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from desktop_app.domain import codes
from desktop_app.domain.contact import (
    Address,
    address_errors,
    normalize_phone,
    normalize_student_number,
    phone_error,
    student_number_error,
)
from desktop_app.domain.errors import FieldError, ValidationError
from desktop_app.domain.identity import age_on, id_number_error, normalize_id_number, parse_id_number
from desktop_app.domain.names import name_problem

_VILLAGE = re.compile(r"^(.+?(?:村|社区|居委会|小区))")


def village_of(detail: str) -> str:
    """The village or community at the start of an address detail (``青龙村3组`` → ``青龙村``)."""
    match = _VILLAGE.match((detail or "").strip())
    return match.group(1) if match else ""


@dataclass
class Attempt:
    """One persuasion attempt as entered in the log."""

    attempt_date: dt.date
    people: str = ""
    place: str = ""
    method: str = ""
    result: str = ""
    is_joint: bool = False
    id: str | None = None
    voided: bool = False
    void_reason: str = ""

    def summary(self, index: int) -> str:
        """One line of 劝返过程详细记录: when, who, where, how, result."""
        joint = "（联合劝返）" if self.is_joint else ""
        return (
            f"{index}. {self.attempt_date:%Y年%m月%d日}，{self.people}赴{self.place}，"
            f"以{self.method}方式开展劝返{joint}，结果：{self.result}"
        )


@dataclass
class RegistrationForm:
    """Every field of the official form plus the few the ledger needs (grade)."""

    name: str = ""
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    ethnic_group: str = "汉族"
    health: str = "健康"
    student_number: str = ""
    grade: str = ""
    guardian1_name: str = ""
    guardian1_relation: str = ""
    guardian1_phone: str = ""
    guardian2_name: str = ""
    guardian2_relation: str = ""
    guardian2_phone: str = ""
    hukou: Address = field(default_factory=Address)
    registry: Address = field(default_factory=Address)
    residence: Address = field(default_factory=Address)
    dropout_reason: str = ""
    reason_detail: str = ""
    family_situation: str = ""
    fill_date: dt.date = field(default_factory=dt.date.today)
    contact_name: str = ""
    contact_phone: str = ""
    result: str = ""
    not_returned_reason: str = ""
    persuading_unit: str = ""
    responsible_person: str = ""
    responsible_phone: str = ""
    deferral_approved: bool = False
    deferral_approval_date: dt.date | None = None
    deferral_document: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    # Identity of the stored records being edited, None for a new case.
    case_id: str | None = None
    student_id: str | None = None
    case_version: int | None = None
    student_version: int | None = None
    status: str = codes.CaseStatus.SUSPECTED.value

    @property
    def active_attempts(self) -> list[Attempt]:
        return sorted((a for a in self.attempts if not a.voided), key=lambda a: a.attempt_date)

    @property
    def attempt_count(self) -> int:
        return len(self.active_attempts)

    @property
    def persuasion_started(self) -> bool:
        return self.attempt_count > 0

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, self.fill_date) if self.birth_date else None

    def normalize(self) -> None:
        """Clean what was typed and derive what is never typed."""
        for name in (
            "name", "guardian1_name", "guardian2_name", "persuading_unit", "responsible_person",
            "contact_name", "deferral_document",
        ):
            setattr(self, name, " ".join(getattr(self, name).split()))
        self.id_number = normalize_id_number(self.id_number)
        self.student_number = normalize_student_number(self.student_number)
        for name in ("guardian1_phone", "guardian2_phone", "responsible_phone", "contact_phone"):
            setattr(self, name, normalize_phone(getattr(self, name)))
        if self.id_number and id_number_error(self.id_number) is None:
            info = parse_id_number(self.id_number)
            self.birth_date = info.birth_date
            self.sex = info.sex.value

    def errors(self) -> list[FieldError]:
        """Every problem at once, each naming its field; empty when the form can be saved."""
        self.normalize()
        errs: list[FieldError] = []
        if not self.name:
            errs.append(FieldError("name", "姓名不能为空"))
        elif len(self.name) > 30:
            errs.append(FieldError("name", "姓名过长（最多30个字）"))
        for key, label in (("name", "姓名"), ("guardian1_name", "监护人1姓名"), ("guardian2_name", "监护人2姓名")):
            if problem := name_problem(getattr(self, key), label):
                errs.append(FieldError(key, problem))
        if self.id_number:
            if err := id_number_error(self.id_number):
                errs.append(err)
        elif not self.student_number.startswith("L"):
            errs.append(FieldError(
                "id_number", "居民身份证号码不能为空；没有身份证号码的儿童请填写以L开头的全国学籍号"
            ))
        if not self.id_number:
            if self.birth_date is None:
                errs.append(FieldError("birth_date", "没有身份证号码时须填写出生日期"))
            if self.sex not in ("男", "女"):
                errs.append(FieldError("sex", "没有身份证号码时须选择性别"))
        if self.birth_date and self.birth_date > self.fill_date:
            errs.append(FieldError("birth_date", "出生日期晚于填表日期"))
        if self.ethnic_group not in codes.ETHNIC_GROUPS:
            errs.append(FieldError("ethnic_group", "民族须从56个民族及“其他”“外国血统”中选择"))
        if err := student_number_error(self.student_number, self.id_number):
            errs.append(err)
        if not self.guardian1_name:
            errs.append(FieldError("guardian1_name", "监护人1姓名不能为空"))
        if not self.guardian1_relation:
            errs.append(FieldError("guardian1_relation", "请选择监护人1与被核查人关系"))
        if err := phone_error(self.guardian1_phone, "guardian1_phone", "监护人1联系电话", required=True):
            errs.append(err)
        if self.guardian2_name or self.guardian2_phone or self.guardian2_relation:
            if not self.guardian2_name:
                errs.append(FieldError("guardian2_name", "填写了监护人2的信息时，监护人2姓名不能为空"))
            if not self.guardian2_relation:
                errs.append(FieldError("guardian2_relation", "请选择监护人2与被核查人关系"))
            if err := phone_error(self.guardian2_phone, "guardian2_phone", "监护人2联系电话", required=True):
                errs.append(err)
        errs += address_errors(self.hukou, "hukou", "户籍所在地", required=True)
        errs += address_errors(self.registry, "registry", "学籍所在地", required=False)
        errs += address_errors(self.residence, "residence", "现居住地", required=True)
        if not self.dropout_reason:
            errs.append(FieldError("dropout_reason", "请选择辍学原因"))
        elif self.dropout_reason not in codes.DROPOUT_REASONS:
            errs.append(FieldError("dropout_reason", f"辍学原因“{self.dropout_reason}”不在代码表中"))
        elif self.dropout_reason == "其他" and not self.reason_detail.strip():
            errs.append(FieldError("reason_detail", "辍学原因选“其他”时须说明具体原因"))
        if self.grade and self.grade not in codes.GRADES:
            errs.append(FieldError("grade", f"年级“{self.grade}”无效"))
        if self.fill_date > dt.date.today():
            errs.append(FieldError("fill_date", "填表日期不能晚于今天"))
        if err := phone_error(self.contact_phone, "contact_phone", "学校联系人电话", required=False):
            errs.append(err)
        if err := phone_error(self.responsible_phone, "responsible_phone", "劝返责任人联系电话", required=False):
            errs.append(err)
        if self.result and self.result not in codes.PERSUASION_RESULTS:
            errs.append(FieldError("result", f"劝返结果“{self.result}”不在代码表中"))
        if self.result == "未复学" and not self.not_returned_reason.strip():
            errs.append(FieldError("not_returned_reason", "劝返结果为“未复学”时须填写未复学原因"))
        if self.deferral_approved:
            if self.deferral_approval_date is None:
                errs.append(FieldError("deferral_approval_date", "经领导小组同意延缓入学或休学的，须填写同意日期"))
            if not self.deferral_document.strip():
                errs.append(FieldError("deferral_document", "经领导小组同意延缓入学或休学的，须填写批准文号"))
        for i, attempt in enumerate(self.active_attempts, start=1):
            if attempt.attempt_date > dt.date.today():
                errs.append(FieldError("attempts", f"第{i}次劝返记录的日期晚于今天"))
            if self.birth_date and attempt.attempt_date < self.birth_date:
                errs.append(FieldError("attempts", f"第{i}次劝返记录的日期早于出生日期"))
            if not attempt.people.strip():
                errs.append(FieldError("attempts", f"第{i}次劝返记录缺少劝返人员"))
            if not attempt.method.strip():
                errs.append(FieldError("attempts", f"第{i}次劝返记录缺少劝返方式"))
        return errs

    def validate(self) -> None:
        """Raises ValidationError listing every problem."""
        if errs := self.errors():
            raise ValidationError(errs)
