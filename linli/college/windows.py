"""Weekly availability windows as minutes of the day (pure: no Django import).

Teachers and venues list when they are free as windows (weekday, from, to). Two windows of one day
that touch or overlap are one stretch of free time: a class from 09:00 to 10:30 fits 08:00–09:30
plus 09:30–12:00. The slot checks and the timetable's problem builder read them the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def merged(windows: Iterable[Any]) -> list[tuple[int, int, int]]:
    """The windows (objects with ``weekday``, ``starts``, ``ends``) as (weekday, start, end) minutes,
    touching or overlapping ones of a day merged, in order."""
    out: list[tuple[int, int, int]] = []
    for weekday, start, end in sorted((w.weekday, minutes(w.starts), minutes(w.ends)) for w in windows):
        if out and out[-1][0] == weekday and start <= out[-1][2]:
            out[-1] = (weekday, out[-1][1], max(out[-1][2], end))
        else:
            out.append((weekday, start, end))
    return out


def covers(windows: Iterable[Any], weekday: int, start: int, end: int) -> bool:
    """Whether [start, end) minutes of ``weekday`` lie inside one stretch of merged free time."""
    return any(d == weekday and s <= start and end <= e for d, s, e in merged(windows))
