"""The weekly timetable of a course (its slots) and its dated sessions.

OWNER: helper H2. Signatures below are fixed (other helpers code against them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from linli.college.models import Course, Session, Venue, WeeklySlot


def slot_set(*, by: Any, course: Course, weekday: int, starts_at: dt.time, venue: Venue | None = None,
             locked: bool = False) -> WeeklySlot:
    """Place (or move) the course's meeting on ``weekday`` (1–7)."""
    raise NotImplementedError


def slot_remove(*, by: Any, slot: WeeklySlot) -> None:
    raise NotImplementedError


def sessions_generate(*, by: Any, course: Course, at: dt.datetime | None = None) -> int:
    """Make the dated sessions from the slots over the course's dates; future sessions without
    attendance are replaced, past ones and ones with attendance are kept. Returns how many exist."""
    raise NotImplementedError


def session_cancel(*, by: Any, session: Session, reason: str) -> Session:
    """停课: the enrolled residents are told (in-page message and SMS)."""
    raise NotImplementedError
