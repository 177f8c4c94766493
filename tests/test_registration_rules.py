"""The registration form's rules, below the GUI."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_app.domain.contact import Address, phone_error, student_number_error
from desktop_app.domain.registration import RegistrationForm, village_of
from tests.factories import ID_NUMBER, full_form


def fields_of(form: RegistrationForm) -> dict[str, str]:
    return {e.field: e.message for e in form.errors()}


def test_a_complete_form_has_no_errors_and_derives_birth_sex_age() -> None:
    form = full_form()
    assert form.errors() == []
    assert form.birth_date == dt.date(2013, 5, 17)
    assert form.sex == "男"
    assert form.age == 13
    assert form.attempt_count == 2
    assert form.persuasion_started


def test_an_empty_form_lists_every_required_field_at_once() -> None:
    errs = fields_of(RegistrationForm())
    for field in ("name", "id_number", "guardian1_name", "guardian1_relation", "guardian1_phone",
                  "hukou", "residence", "dropout_reason"):
        assert field in errs, field
    assert "姓名不能为空" in errs["name"]


def test_typed_birth_date_and_sex_are_overridden_by_the_identity_number() -> None:
    form = full_form(birth_date=dt.date(2000, 1, 1), sex="女")
    assert form.errors() == []
    assert (form.birth_date, form.sex) == (dt.date(2013, 5, 17), "男")


def test_child_without_identity_number_needs_L_number_birth_date_and_sex() -> None:
    form = full_form(id_number="", student_number="", birth_date=None, sex="")
    errs = fields_of(form)
    assert "L开头" in errs["id_number"]
    assert "birth_date" in errs and "sex" in errs
    form = full_form(id_number="", student_number="L20260001", birth_date=dt.date(2014, 3, 1), sex="女")
    assert form.errors() == []


@pytest.mark.parametrize(
    ("number", "fault"),
    [
        ("G110105194912310021", "校验码"),
        ("X123", "应以G"),
        ("L12", "6-24位"),
        ("G11010519491231002X", "不一致"),
    ],
)
def test_student_number(number: str, fault: str) -> None:
    err = student_number_error(number, ID_NUMBER)
    assert err is not None and fault in err.message


def test_student_number_g_plus_own_identity_number_is_fine() -> None:
    assert student_number_error("g" + ID_NUMBER.lower(), ID_NUMBER) is None


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "023-44551234", "02344551234",
                                   "0832-1234567", "023-44551234-801"])
def test_valid_phones(phone: str) -> None:
    assert phone_error(phone, "p", "电话", required=True) is None


@pytest.mark.parametrize(("phone", "fault"), [("1381234567", "手机号码"), ("12812345678", "手机号码"),
                                              ("44551234", "区号"), ("abc", "格式")])
def test_invalid_phones(phone: str, fault: str) -> None:
    err = phone_error(phone, "guardian1_phone", "监护人1联系电话", required=True)
    assert err is not None and fault in err.message and "监护人1联系电话" in err.message


def test_address_parts_are_each_required() -> None:
    errs = fields_of(full_form(hukou=Address("重庆市", "重庆市", "潼南区", "", "")))
    assert "乡镇" in errs["hukou"] and "门牌" in errs["hukou"]


def test_reason_other_needs_text_and_not_returned_needs_reason() -> None:
    errs = fields_of(full_form(dropout_reason="其他", reason_detail="", not_returned_reason=""))
    assert "reason_detail" in errs and "not_returned_reason" in errs


def test_deferral_needs_date_and_document() -> None:
    errs = fields_of(full_form(deferral_approved=True))
    assert "deferral_approval_date" in errs and "deferral_document" in errs


def test_attempt_in_the_future_is_refused() -> None:
    form = full_form()
    form.attempts[0].attempt_date = dt.date.today() + dt.timedelta(days=3)
    assert "晚于今天" in fields_of(form)["attempts"]


def test_voided_attempts_do_not_count() -> None:
    form = full_form()
    form.attempts[0].voided = True
    assert form.attempt_count == 1


def test_village_from_address_detail() -> None:
    assert village_of("青龙村3组12号") == "青龙村"
    assert village_of("凉风垭社区5栋") == "凉风垭社区"
    assert village_of("兴发路8号") == ""
