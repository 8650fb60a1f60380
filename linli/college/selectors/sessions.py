"""Reading slots, sessions and attendance: a course's sessions, a leader's sessions today,
a resident's week, attendance statistics.

OWNER: helper H2. Signatures below are fixed (other helpers code against them).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import codes_with_permission
from linli.college.models import (
    SEATED_STATUSES,
    Attendance,
    AttendanceStatus,
    Course,
    Enrollment,
    EnrollmentStatus,
    Session,
    SessionStatus,
)
from linli.people.models import Resident

CARD_PREFIX = "LINLI-R:"  # linli.portal.qr.CHECKIN_PREFIX (the college does not import the portal)
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CARD_URL = re.compile(r"/r/([A-Za-z0-9_-]{1,32})/?(?:[?#].*)?$")


def sessions_of(course: Course) -> QuerySet[Session]:
    return Session.objects.filter(course=course).select_related("venue").order_by("starts_at", "pk")


def _last_segment(text: str) -> str:
    """A bare code, or the last path segment of a URL carrying it (…/checkin/<token>/)."""
    text = text.split("?", 1)[0].split("#", 1)[0]
    return text.rstrip("/").rsplit("/", 1)[-1] if "/" in text else text


def session_by_token(token: str) -> Session | None:
    code = _last_segment(str(token or "").strip())
    if not _CODE.match(code):
        return None
    return (Session.objects.filter(checkin_token=code)
            .select_related("course", "course__club", "course__teacher", "venue").first())


def card_code(raw: str) -> str | None:
    """The code inside what a card's QR holds: the bare code, ``LINLI-R:<code>``, or a URL ending in ``/r/<code>/``."""
    text = str(raw or "").strip()
    if text.upper().startswith(CARD_PREFIX):
        text = text[len(CARD_PREFIX):].strip()
    elif "/" in text:
        match = _CARD_URL.search(text)
        if match is None:
            return None
        text = match.group(1)
    return text if _CODE.match(text) and len(text) <= 24 else None


def resident_by_card(code: str) -> Resident | None:
    """The resident whose QR card carries ``code`` (the bare code, or the card's whole payload/URL)."""
    bare = card_code(code)
    if bare is None:
        return None
    return Resident.objects.filter(checkin_code=bare, archived_at__isnull=True).first()


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def sessions_led_by(user: Any, *, day: dt.date) -> QuerySet[Session]:
    """Sessions on ``day`` the user may take attendance for: as club leader, teacher or staff.

    Cancelled sessions are included (the page says 已停课)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Session.objects.none()
    who = Q(course__club__leader__user=user) | Q(course__teacher__resident__user=user)
    codes = codes_with_permission(user, Perm.MANAGE_COLLEGE)
    if codes:
        who |= reduce(or_, (Q(course__area__code__startswith=code) for code in codes))
    start, end = _day_bounds(day)
    return (Session.objects.filter(who, starts_at__gte=start, starts_at__lt=end)
            .select_related("course", "course__club", "venue").order_by("starts_at", "course__title", "pk"))


@dataclass(frozen=True)
class WeekItem:
    session: Session
    status: str  # the resident's enrollment status for the course


def week_of(resident: Resident, *, monday: dt.date) -> list[WeekItem]:
    """The resident's sessions in the week starting ``monday`` (enrolled or offered courses).

    Cancelled sessions are included (the page says 停课 and why)."""
    statuses = dict(Enrollment.objects.filter(resident=resident, status__in=SEATED_STATUSES)
                    .values_list("course_id", "status"))
    if not statuses:
        return []
    start, _ = _day_bounds(monday)
    _, end = _day_bounds(monday + dt.timedelta(days=6))
    sessions = (Session.objects.filter(course_id__in=statuses.keys(), starts_at__gte=start, starts_at__lt=end)
                .select_related("course", "course__club", "course__venue", "venue").order_by("starts_at", "pk"))
    return [WeekItem(session=s, status=statuses[s.course_id]) for s in sessions]


@dataclass(frozen=True)
class AttendanceRow:
    enrollment_id: int
    name: str
    present: int
    absent: int
    excused: int
    rate: float | None  # present / (present + absent), None before any closed session


def _count(status: str) -> Count:
    return Count("attendance", filter=Q(attendance__status=status))


def attendance_stats(course: Course) -> list[AttendanceRow]:
    """One row per enrolled (or released) resident of the course, in one query."""
    rows = (Enrollment.objects.filter(course=course, status__in=(EnrollmentStatus.ENROLLED, EnrollmentStatus.RELEASED))
            .annotate(n_present=_count(AttendanceStatus.PRESENT), n_absent=_count(AttendanceStatus.ABSENT),
                      n_excused=_count(AttendanceStatus.EXCUSED))
            .values_list("pk", "resident__name", "n_present", "n_absent", "n_excused")
            .order_by("resident__name", "pk"))
    return [AttendanceRow(enrollment_id=pk, name=name, present=p, absent=a, excused=x,
                          rate=(p / (p + a)) if p + a else None)
            for pk, name, p, a, x in rows]


def attendance_of(session: Session) -> list[tuple[Enrollment, Attendance | None]]:
    """The roll call's and the roster's lines: every ENROLLED resident of the course, and anyone else
    with a record for this session (e.g. released since), with their record or None."""
    records = {a.enrollment_id: a for a in Attendance.objects.filter(session=session).select_related("recorded_by")}
    enrollments = (Enrollment.objects.filter(Q(course_id=session.course_id, status=EnrollmentStatus.ENROLLED)
                                             | Q(pk__in=list(records)))
                   .select_related("resident").order_by("resident__name", "pk"))
    return [(e, records.get(e.pk)) for e in enrollments]


AWAITING_ROSTER = "待补录：请录入纸质签到表"


def is_awaiting_roster(session: Session, *, records: int, at: dt.datetime | None = None) -> bool:
    """待补录: the session is over and still open, and nobody recorded anything for it (the daily
    close leaves it so): the paper sign-in sheet is to be typed in. ``records``: its attendance count."""
    now = at or timezone.now()
    return (session.status == SessionStatus.SCHEDULED and session.closed_at is None and session.ends_at <= now
            and records == 0)


def awaiting_roster(session: Session, *, at: dt.datetime | None = None) -> bool:
    return is_awaiting_roster(session, records=Attendance.objects.filter(session=session).count(), at=at)


@dataclass(frozen=True)
class SessionSummary:
    session: Session
    present: int
    absent: int
    excused: int
    enrolled: int  # closed: the records made at the close (everyone enrolled then); open: enrolled now
    records: int = 0  # attendance records of the session (0 and over and open: 待补录)

    @property
    def rate(self) -> float | None:
        seen = self.present + self.absent
        return self.present / seen if seen else None


def course_attendance_summary(course: Course) -> list[SessionSummary]:
    """Per session of the course, in order: counts of present, absent, excused, and how many were enrolled."""
    enrolled_now = Enrollment.objects.filter(course=course, status=EnrollmentStatus.ENROLLED).count()
    sessions = (Session.objects.filter(course=course).select_related("venue")
                .annotate(n_present=_count(AttendanceStatus.PRESENT), n_absent=_count(AttendanceStatus.ABSENT),
                          n_excused=_count(AttendanceStatus.EXCUSED), n_records=Count("attendance"))
                .order_by("starts_at", "pk"))
    return [SessionSummary(session=s, present=s.n_present, absent=s.n_absent, excused=s.n_excused,
                           enrolled=s.n_records if s.closed_at else enrolled_now, records=s.n_records)
            for s in sessions]
