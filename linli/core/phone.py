"""Mainland mobile phone numbers. Pure Python: no Django."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)
# Full-width digits and plus, as typed with a Chinese input method, are the same characters.
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


class PhoneError(ValueError):
    """Not a valid mobile number; ``str(error)`` says why, in Chinese."""


def normalize(raw: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", raw.translate(_FULLWIDTH))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def parse(raw: str) -> str:
    number = normalize(raw)
    if not number:
        raise PhoneError("不能为空")
    if not (number.isascii() and number.isdigit()):
        raise PhoneError("只能包含数字")
    if len(number) != 11:
        raise PhoneError(f"手机号应为 11 位，实际 {len(number)} 位")
    if not _MOBILE.match(number):
        raise PhoneError("不是有效的手机号（应以 13-19 开头）")
    return number


def mask(number: str) -> str:
    """138****1234."""
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]
