"""ID numbers (GB 11643) and credit codes (GB 32100): real and broken."""
from __future__ import annotations

import pytest

from app.validators import (
    InvalidValue, mask_id_number, mask_name, normalize_credit_code, normalize_id_number,
)
from tests import factories

# Published sample numbers with correct check characters.
REAL_ID_NUMBERS = ["11010519491231002X", "440524188001010014"]
REAL_CREDIT_CODES = ["91110000600037341L", "91370200163562681G"]


@pytest.mark.parametrize("number", REAL_ID_NUMBERS)
def test_real_id_numbers_pass(ctx, number):
    assert normalize_id_number(number) == number


def test_lower_case_x_and_spaces_are_normalised(ctx):
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"


def test_qingdao_number_born_before_its_district_code_existed_passes(ctx):
    # 370202 (市南区) dates from 1983; numbers issued later carry it for older people.
    number = factories.id_number("370202", born="19650315")
    assert normalize_id_number(number) == number


@pytest.mark.parametrize("number,message", [
    ("11010519491231002", "18"),
    ("1101051949123100AX", "有效"),
    ("110105194912310021", "校验码"),
    ("110105194913310020", "出生日期"),
    ("990105194912310021", "地区码"),
    ("", "请填写"),
])
def test_broken_id_numbers_are_refused_in_chinese(ctx, number, message):
    if message in ("出生日期", "地区码"):
        body = number[:17]
        from stdnum.cn import ric
        number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(InvalidValue) as exc:
        normalize_id_number(number)
    assert message in str(exc.value)


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_pass(ctx, code):
    assert normalize_credit_code(code) == code


@pytest.mark.parametrize("code,message", [
    ("91110000600037341", "18"),
    ("91110000600037341M", "校验码"),
    ("9111000060003734IL", "有效"),
    ("", "请填写"),
])
def test_broken_credit_codes_are_refused_in_chinese(ctx, code, message):
    with pytest.raises(InvalidValue) as exc:
        normalize_credit_code(code)
    assert message in str(exc.value)


def test_masks():
    assert mask_id_number("370203198001011234") == "370203********1234"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
