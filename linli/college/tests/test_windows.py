"""Availability windows: touching or overlapping windows of a day are one stretch of free time."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from linli.college.windows import covers, merged


def w(day: int, starts: str, ends: str) -> SimpleNamespace:
    return SimpleNamespace(weekday=day, starts=dt.time.fromisoformat(starts), ends=dt.time.fromisoformat(ends))


def test_touching_and_overlapping_windows_merge_per_day():
    windows = [w(1, "09:30", "12:00"), w(1, "08:00", "09:30"), w(1, "11:00", "11:30"), w(2, "08:00", "09:00")]
    assert merged(windows) == [(1, 480, 720), (2, 480, 540)]


def test_a_class_across_two_touching_windows_fits_but_not_across_a_gap():
    windows = [w(1, "08:00", "09:30"), w(1, "09:30", "12:00"), w(3, "08:00", "09:00"), w(3, "09:15", "12:00")]
    assert covers(windows, 1, 9 * 60, 10 * 60 + 30)
    assert not covers(windows, 3, 8 * 60 + 30, 10 * 60)
    assert not covers(windows, 2, 9 * 60, 10 * 60)
