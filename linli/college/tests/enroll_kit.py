"""Building blocks for the enrollment, session and attendance tests.

The policy, slots and sessions are written to the models directly, so that each test file can
set up what it needs without going through the service under test elsewhere.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets

from django.utils import timezone

from linli.college.models import Course, EnrollmentPolicy, Session, WeeklySlot
from linli.college.tests import parts
from linli.core.testing import XINGJIAQIAO, resident
from linli.people.services import resident_login_account

# Tests freeze time here (a Monday); the course starts a week later.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
_n = itertools.count(1)


def open_course(p, *, capacity: int = 30, mode: str = "first_come", code: str = XINGJIAQIAO, title: str = "太极拳",
                slots: tuple[tuple[int, str], ...] = ((2, "09:00"),), term: str = "2026年秋季",
                starts_on: dt.date = dt.date(2026, 11, 30), ends_on: dt.date = dt.date(2027, 1, 31),
                **policy) -> Course:
    """An open course with a teacher, a venue, weekly slots and an enrollment window around NOW."""
    club = parts.club(p, code)
    course = parts.course(p, club, title=title, capacity=capacity, term=term, starts_on=starts_on, ends_on=ends_on,
                          teacher=parts.teacher(p, code), venue=parts.venue(p, code, capacity=max(capacity, 30)),
                          status="open")
    policy.setdefault("opens_at", NOW - dt.timedelta(days=1))
    policy.setdefault("closes_at", NOW + dt.timedelta(days=6))
    seed = secrets.token_hex(16)
    import hashlib

    EnrollmentPolicy.objects.create(course=course, mode=mode, seed=seed,
                                    seed_hash=hashlib.sha256(seed.encode()).hexdigest(), **policy)
    for weekday, start in slots:
        WeeklySlot.objects.create(course=course, weekday=weekday, starts_at=dt.time.fromisoformat(start))
    return course


def session(course: Course, starts_at: dt.datetime, minutes: int | None = None) -> Session:
    return Session.objects.create(course=course, starts_at=starts_at,
                                  ends_at=starts_at + dt.timedelta(minutes=minutes or course.session_minutes),
                                  venue=course.venue, checkin_token=secrets.token_urlsafe(16))


def residents(n: int, code: str = XINGJIAQIAO, *, login: bool = True, birth: dt.date = dt.date(1950, 1, 1)):
    """``n`` residents of ``code`` (with their own login when ``login``), distinct names and ID numbers,
    born within 100 days after ``birth`` whatever the order the tests run in."""
    out = []
    for _ in range(n):
        i = next(_n)
        r = resident(code, f"学员{i}", birth=birth + dt.timedelta(days=i % 100), phone=f"1391{i:07d}")
        if login:
            resident_login_account(resident=r)
            r.refresh_from_db()
        out.append(r)
    return out


def now() -> dt.datetime:
    return timezone.now()
