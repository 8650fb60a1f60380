"""The demo's enrollment, timetable and attendance in 邢家桥: built through the services, once."""

from __future__ import annotations

import pytest
from django.db.models import Count

from linli.college.models import (
    SEATED_STATUSES,
    Attendance,
    AttendanceStatus,
    Course,
    EnrollChannel,
    Enrollment,
    EnrollmentPolicy,
    EnrollmentStatus,
    LotteryDraw,
    Session,
    WeeklySlot,
)
from linli.demo import enrollment as plan
from linli.demo.builder import demo_load
from linli.demo.places import PROXY, XINGJIAQIAO
from linli.notices.models import Notice
from linli.people.models import Resident
from linli.points.models import Transfer


def _snapshot() -> dict[str, int]:
    models = (EnrollmentPolicy, Enrollment, LotteryDraw, WeeklySlot, Session, Attendance, Notice, Transfer)
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_the_demo_has_enrollments_a_lottery_and_attendance_history_and_a_second_build_adds_nothing():
    assert demo_load(areas_prefix="50").built
    courses = {c.title: c for c in Course.objects.filter(area_id=XINGJIAQIAO)}
    assert set(courses) == set(plan.SLOTS)
    assert EnrollmentPolicy.objects.filter(course__area_id=XINGJIAQIAO).count() == len(plan.SLOTS)

    # One class at a time per venue and weekday, and sessions from the term's first day on.
    slots = list(WeeklySlot.objects.filter(course__area_id=XINGJIAQIAO).select_related("course"))
    assert len(slots) == len(plan.SLOTS)
    assert len({(s.course.venue_id, s.weekday, s.starts_at) for s in slots}) == len(slots)
    for title, course in courses.items():
        sessions = Session.objects.filter(course=course)
        if title == plan.OPEN_LOTTERY:
            assert not sessions.filter(starts_at__date__lt=course.starts_on).exists()
        else:
            assert sessions.filter(closed_at__isnull=False).count() >= 3, title  # four weeks of history

    # The full class: every seat taken, a waitlist, and one offer waiting to be confirmed.
    full = courses[plan.FULL]
    rows = Enrollment.objects.filter(course=full)
    assert rows.filter(status__in=SEATED_STATUSES).count() == full.capacity
    assert rows.filter(status=EnrollmentStatus.WAITLISTED).count() >= 1
    offer = rows.get(status=EnrollmentStatus.OFFERED)
    assert offer.offer_expires_at is not None
    assert rows.filter(status=EnrollmentStatus.CANCELLED).count() == 1

    # The drawn lottery has its record; the open one has applications in and no draw yet.
    drawn = courses[plan.DRAWN]
    record = LotteryDraw.objects.get(course=drawn)
    assert record.seats == drawn.capacity and len(record.order) == len(record.applicants) > drawn.capacity
    assert Enrollment.objects.filter(course=drawn, status__in=SEATED_STATUSES).count() == drawn.capacity
    assert not Enrollment.objects.filter(course=drawn, status=EnrollmentStatus.APPLIED).exists()
    assert not LotteryDraw.objects.filter(course=courses[plan.OPEN_LOTTERY]).exists()
    assert Enrollment.objects.filter(course=courses[plan.OPEN_LOTTERY], status=EnrollmentStatus.APPLIED).count() >= 5

    # Channels: mostly the residents themselves, some at the desk, 王桂英 through her daughter.
    channels = dict(Enrollment.objects.filter(course__area_id=XINGJIAQIAO).values_list("channel")
                    .annotate(n=Count("pk")).values_list("channel", "n"))
    assert channels[EnrollChannel.SELF] > channels[EnrollChannel.DESK] > 0
    proxied = list(Enrollment.objects.filter(channel=EnrollChannel.PROXY).select_related("resident"))
    assert proxied and {e.resident.phone for e in proxied} == {PROXY.phone}
    assert all(e.by_id != e.resident.user_id for e in proxied)

    # The named residents, and the choir's leader calling the roll.
    named = {r.name: r for r in Resident.objects.filter(area__code__startswith=XINGJIAQIAO, name__in=plan.NAMED)}
    for name in ("尹必芝", "尹必珍"):
        titles = set(Enrollment.objects.filter(resident=named[name], status__in=SEATED_STATUSES)
                     .values_list("course__title", flat=True))
        assert titles == {"绘画", "音乐", "手工编织"}, name
    choir = courses["合唱"]
    assert Enrollment.objects.filter(course=choir, resident=named["孟吉伦"], status=EnrollmentStatus.ENROLLED).exists()
    assert Attendance.objects.filter(session__course=choir, recorded_by=named["孟吉伦"].user).exists()

    # Attendance: mostly present, a few absent; one dancer reminded after two absences running.
    marks = dict(Attendance.objects.filter(session__course__area_id=XINGJIAQIAO).values_list("status")
                 .annotate(n=Count("pk")).values_list("status", "n"))
    assert marks[AttendanceStatus.PRESENT] > 10 * marks[AttendanceStatus.ABSENT] > 0
    warned = Enrollment.objects.filter(course__area_id=XINGJIAQIAO, warned_at__isnull=False)
    assert list(warned.values_list("course__title", flat=True)) == [plan.WARNED]
    assert Notice.objects.filter(resident=warned.get().resident, text__contains="连续 2 次").exists()
    assert not Enrollment.objects.filter(course__area_id=XINGJIAQIAO, status=EnrollmentStatus.RELEASED).exists()
    # Each attendance earned the community's points through the ledger.
    assert Transfer.objects.filter(action="class_attended").count() == marks[AttendanceStatus.PRESENT]

    before = _snapshot()
    again = demo_load(areas_prefix="50")
    assert not again.built
    assert _snapshot() == before
