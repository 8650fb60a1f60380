"""Reading slots, sessions and attendance: a course's sessions, a leader's sessions today,
a resident's week, attendance statistics.

OWNER: helper H2. Signatures below are fixed (other helpers code against them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from linli.college.models import Course, Session
from linli.people.models import Resident


def sessions_of(course: Course) -> QuerySet[Session]:
    raise NotImplementedError


def session_by_token(token: str) -> Session | None:
    raise NotImplementedError


def resident_by_card(code: str) -> Resident | None:
    """The resident whose QR card carries ``code`` (the bare code, or the card's whole payload/URL)."""
    raise NotImplementedError


def sessions_led_by(user: Any, *, day: dt.date) -> QuerySet[Session]:
    """Sessions on ``day`` the user may take attendance for: as club leader, teacher or staff."""
    raise NotImplementedError


@dataclass(frozen=True)
class WeekItem:
    session: Session
    status: str  # the resident's enrollment status for the course


def week_of(resident: Resident, *, monday: dt.date) -> list[WeekItem]:
    """The resident's sessions in the week starting ``monday`` (enrolled or offered courses)."""
    raise NotImplementedError


@dataclass(frozen=True)
class AttendanceRow:
    enrollment_id: int
    name: str
    present: int
    absent: int
    excused: int
    rate: float | None  # present / (present + absent), None before any closed session


def attendance_stats(course: Course) -> list[AttendanceRow]:
    raise NotImplementedError
