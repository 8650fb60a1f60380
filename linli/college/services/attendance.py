"""Attendance (签到/考勤): card scans, the session's QR code, roll call, the paper roster.

OWNER: helper H2. Signatures below are fixed (other helpers code against them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from linli.college.models import Attendance, Session
from linli.people.models import Resident


def attendance_check_in(*, by: Any, session: Session, resident: Resident, method: str,
                        at: dt.datetime | None = None) -> Attendance:
    """The leader, teacher or a worker checks a resident in (scanning their card, or a tap in roll call)."""
    raise NotImplementedError


def attendance_scan(*, by: Any, token: str, resident: Resident | None, at: dt.datetime | None = None) -> Attendance:
    """The resident (or their proxy) scans the session's QR code."""
    raise NotImplementedError


def roll_call_submit(*, by: Any, session: Session, present: Iterable[int], excused: Iterable[int] = (),
                     method: str = "roll_call", at: dt.datetime | None = None) -> Session:
    """Record the whole roster at once (enrollment ids present / excused; the rest absent) and close
    the session: roll call on the leader's phone, or the paper roster typed in later (method roster)."""
    raise NotImplementedError


def session_close(*, by: Any, session: Session, at: dt.datetime | None = None) -> Session:
    """Mark everyone without a record absent, apply the repeated-absence rule, award the teacher."""
    raise NotImplementedError


def sessions_close_due(*, at: dt.datetime | None = None) -> int:
    """Close every session that ended more than a day ago and is still open (run daily)."""
    raise NotImplementedError
