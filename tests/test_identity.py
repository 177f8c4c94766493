"""Identity numbers (GB 11643-1999) against published examples and hypothesis properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.domain.errors import ValidationError
from desktop_app.domain.identity import (
    Sex,
    age_on,
    id_number_error,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)

# Examples published with GB 11643-1999 and in python-stdnum's documentation.
VALID = [
    ("11010519491231002X", dt.date(1949, 12, 31), Sex.FEMALE),
    ("440524188001010014", dt.date(1880, 1, 1), Sex.MALE),
    ("360426199101010071", dt.date(1991, 1, 1), Sex.MALE),
]


@pytest.mark.parametrize(("number", "birth", "sex"), VALID)
def test_published_valid_numbers(number: str, birth: dt.date, sex: Sex) -> None:
    if birth.year < 1900:
        # The 1880 example is valid by the standard; we refuse births before 1900 as implausible.
        assert "不合理" in id_number_error(number).message
        return
    info = parse_id_number(number)
    assert (info.number, info.birth_date, info.sex) == (number, birth, sex)


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("", "不能为空"),
        ("11010519491231002", "应为18位"),
        ("110105194912310021", "校验码错误"),
        ("11010519491231A02X", "前17位应为数字"),
        ("110105194902300025", "不是有效日期"),  # 30 February; check character recomputed below
        ("000000200001010011", "地区码"),
    ],
)
def test_invalid_numbers_name_the_fault(text: str, fault: str) -> None:
    if fault in ("不是有效日期", "地区码"):
        from stdnum.cn import ric

        text = text[:17] + ric.calc_check_digit(text[:17] + "0")
    err = id_number_error(text)
    assert err is not None
    assert fault in err.message
    assert "居民身份证号码" in err.message


def test_normalisation_of_what_people_type() -> None:
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert parse_id_number("110105 19491231 002x").number == "11010519491231002X"


def test_parse_raises_chinese_validation_error() -> None:
    with pytest.raises(ValidationError, match="校验码错误"):
        parse_id_number("110105194912310021")


def test_mask_and_age() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert age_on(dt.date(2012, 9, 1), dt.date(2026, 8, 31)) == 13
    assert age_on(dt.date(2012, 9, 1), dt.date(2026, 9, 1)) == 14
    assert age_on(dt.date(2012, 2, 29), dt.date(2026, 2, 28)) == 13


births = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2025, 12, 31))
regions = st.sampled_from(["500223", "500152", "110105", "510104", "440305"])


@given(region=regions, birth=births, seq=st.integers(0, 999))
def test_every_generated_number_is_valid(region: str, birth: dt.date, seq: int) -> None:
    number = make_id_number(region, birth, seq)
    assert id_number_error(number) is None
    info = parse_id_number(number)
    assert info.birth_date == birth
    assert info.sex == (Sex.MALE if seq % 2 else Sex.FEMALE)


@given(region=regions, birth=births, seq=st.integers(0, 999), pos=st.integers(0, 17), data=st.data())
def test_every_single_character_change_fails(region: str, birth: dt.date, seq: int, pos: int,
                                             data: st.DataObject) -> None:
    number = make_id_number(region, birth, seq)
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[pos]]))
    changed = number[:pos] + replacement + number[pos + 1:]
    assert id_number_error(changed) is not None
