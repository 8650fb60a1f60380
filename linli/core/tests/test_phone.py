"""Mainland mobile numbers: what is accepted, what is refused and why, and the mask."""

from __future__ import annotations

import pytest

from linli.core import phone


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13800001234", "13800001234"),
        ("+8613800001234", "13800001234"),
        ("+86 138 0000 1234", "13800001234"),
        ("008613800001234", "13800001234"),
        ("8613800001234", "13800001234"),
        ("138-0000-1234", "13800001234"),
        ("（138）0000 1234", "13800001234"),
        (" 19912345678\n", "19912345678"),
        ("１３８００００１２３４", "13800001234"),  # full-width, from a Chinese input method
        ("＋８６ 138 0000 1234", "13800001234"),
    ],
)
def test_valid_numbers_are_normalized(raw, number):
    assert phone.parse(raw) == number


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1380000123", "手机号应为 11 位，实际 10 位"),
        ("138000012345", "手机号应为 11 位，实际 12 位"),
        ("+86 138 0000 123", "手机号应为 11 位，实际 10 位"),
        ("1380000123a", "只能包含数字"),
        ("138.0000.1234", "只能包含数字"),
        ("138０000123٤", "只能包含数字"),  # an Arabic-Indic digit is not a digit here
        ("12800001234", "应以 13-19 开头"),
        ("23800001234", "应以 13-19 开头"),
        ("02388881234", "应以 13-19 开头"),  # a landline with area code, 11 digits
    ],
)
def test_invalid_numbers_say_why(raw, reason):
    with pytest.raises(phone.PhoneError, match=reason):
        phone.parse(raw)


def test_mixed_width_digits_give_the_ascii_number():
    # A number stored with full-width digits would never match the same number typed in ASCII.
    assert phone.parse("138００００1234") == "13800001234"
    assert phone.parse("138００００1234").isascii()


def test_mask():
    assert phone.mask("13800001234") == "138****1234"
    assert phone.mask("1234") == "****"
    assert phone.mask("") == ""
