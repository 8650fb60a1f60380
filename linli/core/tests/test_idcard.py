"""Resident ID numbers (GB 11643-1999): parse, check digit, birth date, sex, mask."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.core import idcard

CLASSIC = "11010519491231002X"  # the standard's own example: 北京市朝阳区, 1949-12-31, woman
TODAY = dt.date(2026, 1, 15)


def _with_last(number: str, last: str) -> str:
    return number[:17] + last


def _wrong_last(number: str) -> str:
    return _with_last(number, "0" if number[-1] != "0" else "1")


def test_the_classic_example_parses():
    info = idcard.parse(CLASSIC, today=TODAY)
    assert info.number == CLASSIC
    assert info.address_code == "110105"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "F"  # sequence 002 is even


def test_built_numbers_parse_with_sex_from_the_sequence():
    man = idcard.build("500112", dt.date(1948, 5, 17), 13)
    woman = idcard.build("500112", dt.date(1948, 5, 17), 14)
    assert idcard.parse(man, today=TODAY).sex == "M"
    assert idcard.parse(woman, today=TODAY).sex == "F"
    assert idcard.parse(man, today=TODAY).birth_date == dt.date(1948, 5, 17)
    assert man[:17] == "50011219480517013"


def test_lowercase_x_spaces_and_fullwidth_x_are_accepted():
    assert idcard.parse("11010519491231002x", today=TODAY).number == CLASSIC
    assert idcard.parse(" 110105 19491231 002x ", today=TODAY).number == CLASSIC
    assert idcard.parse("11010519491231002Ｘ", today=TODAY).number == CLASSIC


def test_fullwidth_digits_become_the_same_ascii_number():
    # Typed with a Chinese input method in full-width mode: must be the same number, so that the
    # blind index (duplicate check, search) finds the same person.
    fullwidth = CLASSIC[:6] + "".join(chr(ord(c) + 0xFEE0) for c in CLASSIC[6:17]) + "X"
    assert idcard.parse(fullwidth, today=TODAY).number == CLASSIC


@pytest.mark.parametrize("odd_digit", ["²", "٣", "𝟗"])
def test_non_ascii_digits_are_an_id_number_error_not_a_crash(odd_digit):
    number = CLASSIC[:14] + odd_digit + CLASSIC[15:]
    with pytest.raises(idcard.IdNumberError):
        idcard.parse(number, today=TODAY)


def test_wrong_check_digit_says_what_it_should_be():
    with pytest.raises(idcard.IdNumberError, match="校验位错误：最后一位应为 X"):
        idcard.parse(_with_last(CLASSIC, "3"), today=TODAY)


@pytest.mark.parametrize("number", [CLASSIC[:17], CLASSIC + "1", "", "110105491231002"])
def test_wrong_length(number):
    with pytest.raises(idcard.IdNumberError, match="应为 18 位"):
        idcard.parse(number, today=TODAY)


@pytest.mark.parametrize("number", ["1101051949123100AX", "A1010519491231002X", "11010519491231002Y"])
def test_letters_are_refused(number):
    with pytest.raises(idcard.IdNumberError, match="前 17 位应为数字"):
        idcard.parse(number, today=TODAY)


def test_birth_date_after_today_is_refused():
    number = idcard.build("500112", dt.date(2026, 1, 16), 1)
    with pytest.raises(idcard.IdNumberError, match="晚于今天"):
        idcard.parse(number, today=TODAY)
    assert idcard.parse(number, today=dt.date(2026, 1, 16)).birth_date == dt.date(2026, 1, 16)


def test_birth_date_far_in_the_past_is_refused():
    body = "110105" + "18891231" + "002"
    with pytest.raises(idcard.IdNumberError, match="过早"):
        idcard.parse(body + idcard.check_character(body), today=TODAY)


@pytest.mark.parametrize("date", ["19490230", "19491301", "19490229", "19490000"])
def test_impossible_dates_are_refused(date):
    body = "110105" + date + "002"
    with pytest.raises(idcard.IdNumberError, match=f"出生日期 {date} 不是有效日期"):
        idcard.parse(body + idcard.check_character(body), today=TODAY)


def test_29_february_of_a_leap_year_is_fine():
    body = "110105" + "19480229" + "002"
    assert idcard.parse(body + idcard.check_character(body), today=TODAY).birth_date == dt.date(1948, 2, 29)


@pytest.mark.parametrize("province", ["00", "10", "19", "66", "99"])
def test_unknown_province_code_is_refused(province):
    body = province + "0105" + "19491231" + "002"
    with pytest.raises(idcard.IdNumberError, match=f"地址码 {province}0105 不存在"):
        idcard.parse(body + idcard.check_character(body), today=TODAY)


def test_mask_keeps_area_code_and_last_four():
    assert idcard.mask(CLASSIC) == "110105********002X"
    assert idcard.mask("123") == "***"


def test_build_refuses_bad_arguments():
    with pytest.raises(ValueError):
        idcard.build("11010", dt.date(1949, 12, 31), 2)
    with pytest.raises(ValueError):
        idcard.build("110105", dt.date(1949, 12, 31), 1000)


# --- properties ---------------------------------------------------------------------------

PROVINCES = sorted(idcard._PROVINCES)
addresses = st.builds(lambda p, rest: p + rest, st.sampled_from(PROVINCES),
                      st.text(alphabet="0123456789", min_size=4, max_size=4))
births = st.dates(min_value=idcard.EARLIEST_BIRTH, max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@given(address=addresses, birth=births, sequence=sequences)
def test_build_always_parses_back(address, birth, sequence):
    number = idcard.build(address, birth, sequence)
    info = idcard.parse(number, today=TODAY)
    assert info.number == number
    assert info.address_code == address
    assert info.birth_date == birth
    assert info.sex == ("M" if sequence % 2 else "F")


@given(address=addresses, birth=births, sequence=sequences, data=st.data())
def test_any_single_digit_change_breaks_the_check(address, birth, sequence, data):
    """ISO 7064 MOD 11-2 detects every single-digit substitution in the first 17 characters."""
    number = idcard.build(address, birth, sequence)
    position = data.draw(st.integers(min_value=0, max_value=16), label="position")
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]), label="digit")
    changed = number[:position] + digit + number[position + 1 :]
    assert idcard.check_character(changed[:17]) != changed[17]
    with pytest.raises(idcard.IdNumberError):
        idcard.parse(changed, today=TODAY)
