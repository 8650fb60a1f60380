"""The weekly time-slot grid residents mark their preferences on: day of week × part of day.

A slot is written ``"<day>-<part>"`` with day 1 (Monday) to 7 (Sunday), e.g. ``"2-am"`` for
Tuesday morning. Pure, no Django: the college's demand and timetable code read the same keys.
"""

from __future__ import annotations

DAYS: tuple[tuple[int, str], ...] = (
    (1, "周一"), (2, "周二"), (3, "周三"), (4, "周四"), (5, "周五"), (6, "周六"), (7, "周日"),
)
PARTS: tuple[tuple[str, str], ...] = (("am", "上午"), ("pm", "下午"), ("eve", "晚上"))

ALL: tuple[str, ...] = tuple(f"{d}-{p}" for d, _ in DAYS for p, _ in PARTS)
_DAY = dict(DAYS)
_PART = dict(PARTS)


def label(slot: str) -> str:
    """``"2-am"`` → ``"周二上午"``."""
    day, part = slot.split("-", 1)
    return f"{_DAY[int(day)]}{_PART[part]}"


def is_valid(slot: str) -> bool:
    return slot in ALL
