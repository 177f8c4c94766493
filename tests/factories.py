"""A complete, valid registration form as a teacher would fill it (invented person)."""

from __future__ import annotations

import datetime as dt

from desktop_app.domain.contact import Address
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.registration import Attempt, RegistrationForm

ID_NUMBER = make_id_number("500223", dt.date(2013, 5, 17), 123)  # odd sequence: male


def full_form(**overrides: object) -> RegistrationForm:
    form = RegistrationForm(
        name="张小明", id_number=ID_NUMBER, ethnic_group="土家族", health="一般",
        student_number="G" + ID_NUMBER, grade="七年级",
        guardian1_name="张大山", guardian1_relation="父亲", guardian1_phone="13812345678",
        guardian2_name="李秀英", guardian2_relation="母亲", guardian2_phone="023-44556677",
        hukou=Address("重庆市", "重庆市", "潼南区", "米心镇", "青龙村3组12号"),
        registry=Address("重庆市", "重庆市", "潼南区", "米心镇", "米心镇中心小学"),
        residence=Address("广东省", "东莞市", "长安镇", "乌沙社区", "兴发路8号"),
        dropout_reason="外出务工", reason_detail="随父亲到东莞打工",
        family_situation="父母在外务工，家庭经济困难。", fill_date=dt.date(2026, 10, 9),
        contact_name="周老师", contact_phone="023-44551234",
        result="未复学", not_returned_reason="学生本人不愿返校",
        persuading_unit="米心镇中心小学", responsible_person="王校长", responsible_phone="13900001111",
        attempts=[
            Attempt(dt.date(2026, 10, 10), "王校长、李老师", "学生家中", "上门家访", "家长同意配合"),
            Attempt(dt.date(2026, 10, 20), "王校长、镇政府干部", "村委会", "联合劝返", "学生仍不愿返校", True),
        ],
    )
    for key, value in overrides.items():
        setattr(form, key, value)
    return form
