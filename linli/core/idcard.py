"""Resident ID numbers (居民身份证号码), GB 11643-1999. Pure Python: no Django.

An 18-character number: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit sequence
(odd for men, even for women) and a check character computed by ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Province codes of the mainland, Hong Kong / Macao / Taiwan residence permits (81-83).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}
EARLIEST_BIRTH = dt.date(1890, 1, 1)
# Full-width digits and X, as typed with a Chinese input method, are the same characters.
_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


class IdNumberError(ValueError):
    """The number is not a valid ID number; ``str(error)`` says why, in Chinese."""


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    address_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def normalize(raw: str) -> str:
    return "".join(raw.split()).translate(_FULLWIDTH).upper()


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def parse(raw: str, *, today: dt.date | None = None) -> IdNumberInfo:
    number = normalize(raw)
    if len(number) != 18:
        raise IdNumberError(f"应为 18 位，实际 {len(number)} 位")
    body, last = number[:17], number[17]
    # isdecimal() alone would let other scripts' digits (٣, 𝟗) through: only ASCII is a digit here.
    if not (body.isascii() and body.isdecimal()) or last not in "0123456789X":
        raise IdNumberError("前 17 位应为数字，最后一位为数字或 X")
    if body[:2] not in _PROVINCES:
        raise IdNumberError(f"地址码 {body[:6]} 不存在")
    try:
        birth = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"出生日期 {body[6:14]} 不是有效日期") from exc
    if birth > (today or dt.date.today()):
        raise IdNumberError(f"出生日期 {birth.isoformat()} 晚于今天")
    if birth < EARLIEST_BIRTH:
        raise IdNumberError(f"出生日期 {birth.isoformat()} 过早")
    expected = check_character(body)
    if last != expected:
        raise IdNumberError(f"校验位错误：最后一位应为 {expected}")
    sex = "M" if int(body[16]) % 2 == 1 else "F"
    return IdNumberInfo(number=number, address_code=body[:6], birth_date=birth, sex=sex)


def build(address_code: str, birth_date: dt.date, sequence: int) -> str:
    """Make a valid number (demo data and tests): sequence 0-999, odd for men."""
    if not (len(address_code) == 6 and address_code.isdigit()) or not 0 <= sequence <= 999:
        raise ValueError("address_code must be 6 digits and sequence 0-999")
    body = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


def mask(number: str) -> str:
    """110105********002X: area code and last four kept."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
