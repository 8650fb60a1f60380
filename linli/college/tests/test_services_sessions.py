"""Weekly slots and dated sessions: the slot's rules (venue and teacher double-booking, availability
windows, the same day), generating the sessions (past and attended ones kept), cancelling one."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from linli.accounts import sms
from linli.college.models import (
    Attendance,
    Course,
    Enrollment,
    Session,
    SessionStatus,
    TeacherWindow,
    VenueWindow,
    WeeklySlot,
)
from linli.college.services import sessions as services
from linli.college.services.courses import course_status_set
from linli.college.tests import parts
from linli.college.tests.enroll_kit import NOW, open_course, residents, session
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.notices.models import Notice

pytestmark = pytest.mark.django_db

TUESDAYS = [dt.date(2026, 12, 1) + dt.timedelta(weeks=i) for i in range(9)]  # 12-01 … 2027-01-26


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def bare(p, **kwargs) -> Course:
    """An open course (teacher, venue, 90 minutes) without slots."""
    return open_course(p, slots=(), **kwargs)


def starts(course: Course) -> list[dt.datetime]:
    return list(Session.objects.filter(course=course).order_by("starts_at").values_list("starts_at", flat=True))


def enroll(course, resident, status="enrolled", by=None):
    return Enrollment.objects.create(course=course, resident=resident, status=status, by=by or course.created_by)


# --- slots -----------------------------------------------------------------------------------


def test_a_slot_makes_the_sessions_in_local_time_over_the_course_dates(personas):
    course = bare(personas)
    slot = services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9))
    assert (slot.weekday, slot.starts_at, slot.venue_id) == (2, dt.time(9), None)  # the course's venue
    assert starts(course) == [local(d, 9) for d in TUESDAYS]
    first = Session.objects.filter(course=course).order_by("starts_at").first()
    assert first.starts_at == dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Chongqing
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=90)
    assert first.venue_id == course.venue_id
    assert len({s.checkin_token for s in Session.objects.filter(course=course)}) == 9
    audit = AuditEntry.objects.get(action="college.slot_set")
    assert (audit.actor, audit.area_code, audit.data["weekday"], audit.data["sessions"]) == (
        personas.xjq_worker, course.area_id, 2, 9)


def test_the_same_weekday_moves_the_slot_and_its_future_sessions(personas):
    course = bare(personas)
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9))
    tokens = set(Session.objects.values_list("checkin_token", flat=True))
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(14, 30))
    assert WeeklySlot.objects.filter(course=course).count() == 1
    assert starts(course) == [local(d, 14, 30) for d in TUESDAYS]
    assert not tokens & set(Session.objects.values_list("checkin_token", flat=True))
    services.slot_set(by=personas.xjq_worker, course=course, weekday=4, starts_at=dt.time(9))
    assert Session.objects.filter(course=course).count() == 18  # Tuesdays and Thursdays 12-03 … 01-28


def test_setting_the_same_slot_again_keeps_the_sessions_and_their_codes(personas):
    course = bare(personas)
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9))
    before = dict(Session.objects.values_list("pk", "checkin_token"))
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9), locked=True)
    assert dict(Session.objects.values_list("pk", "checkin_token")) == before
    assert WeeklySlot.objects.get(course=course).locked is True


@pytest.mark.parametrize(("weekday", "starts_at", "field", "words"), [
    (0, dt.time(9), "weekday", "星期：应为 1（周一）到 7（周日），不能是 0"),
    (8, dt.time(9), "weekday", "不能是 8"),
    ("2", dt.time(9), "weekday", "不能是 2"),
    (True, dt.time(9), "weekday", "应为 1（周一）到 7（周日）"),
    (2, "09:00", "starts_at", "请填写时间"),
    (2, dt.time(23), "starts_at", "须当天结束"),
])
def test_bad_slots_are_refused_by_field_and_nothing_changes(personas, weekday, starts_at, field, words):
    course = bare(personas)
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=course, weekday=weekday, starts_at=starts_at)
    assert exc.value.field == field
    assert words in exc.value.message
    assert not WeeklySlot.objects.exists() and not Session.objects.exists()


def test_a_slot_ending_at_midnight_is_the_same_day(personas):
    course = bare(personas)
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(22, 30))
    s = Session.objects.filter(course=course).order_by("starts_at").first()
    assert timezone.localtime(s.ends_at) == local(dt.date(2026, 12, 2), 0)


def test_only_the_courses_managers_place_slots(personas):
    course = bare(personas)
    for who in (personas.jzy_worker, personas.xjq_grid_worker, personas.resident_user):
        with pytest.raises(LinliError) as exc:
            services.slot_set(by=who, course=course, weekday=2, starts_at=dt.time(9))
        assert exc.value.status == 403
    assert not WeeklySlot.objects.exists() and not Session.objects.exists()


def test_an_ended_course_gets_no_slots(personas):
    course = bare(personas)
    course_status_set(by=personas.xjq_worker, course=course, status="ended")
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9))
    assert exc.value.status == 409 and "已结课" in exc.value.message
    assert not WeeklySlot.objects.exists()


def test_the_venue_must_suit_the_course(personas):
    course = bare(personas, capacity=30)
    small = parts.venue(personas, capacity=10, name="小会议室")
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9), venue=small)
    assert exc.value.field == "venue"
    assert exc.value.message == "场地：“小会议室”只能容纳 10 人，少于课程名额 30 人"
    jzy_room = parts.venue(personas, "500112022006", capacity=40, name="金竹苑活动室")
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9), venue=jzy_room)
    assert "不是本社区可用的场地" in exc.value.message
    assert not WeeklySlot.objects.exists()


def test_a_venue_is_not_booked_twice_at_overlapping_times(personas):
    first = bare(personas, title="书法")
    services.slot_set(by=personas.xjq_worker, course=first, weekday=2, starts_at=dt.time(9))
    second = bare(personas, title="太极拳")
    room = first.venue
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=second, weekday=2, starts_at=dt.time(10), venue=room)
    assert exc.value.status == 409 and exc.value.field == "venue"
    assert exc.value.message == (f"场地“{room.name}”在 周二 10:00–11:30 已被“书法”（{first.club.name}，"
                                 "周二 09:00–10:30）占用")
    assert not WeeklySlot.objects.filter(course=second).exists()
    assert not Session.objects.filter(course=second).exists()
    # Right after it, another day, or the other course's slot in its own venue: fine.
    services.slot_set(by=personas.xjq_worker, course=second, weekday=2, starts_at=dt.time(10, 30), venue=room)
    services.slot_set(by=personas.xjq_worker, course=second, weekday=3, starts_at=dt.time(9), venue=room)
    assert WeeklySlot.objects.filter(course=second).count() == 2


def test_a_slot_typed_without_a_venue_counts_for_the_courses_venue(personas):
    first = bare(personas, title="书法")
    WeeklySlot.objects.create(course=first, weekday=5, starts_at=dt.time(15))  # venue empty: the course's
    second = bare(personas)
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=second, weekday=5, starts_at=dt.time(14), venue=first.venue)
    assert "“书法”" in exc.value.message and "周五 15:00–16:30" in exc.value.message


def test_courses_on_other_dates_or_cancelled_do_not_clash(personas):
    spring = bare(personas, title="书法", term="2027年春季", starts_on=dt.date(2027, 3, 1), ends_on=dt.date(2027, 6, 30))
    services.slot_set(by=personas.xjq_worker, course=spring, weekday=2, starts_at=dt.time(9))
    dropped = bare(personas, title="剪纸")
    services.slot_set(by=personas.xjq_worker, course=dropped, weekday=2, starts_at=dt.time(9))
    course_status_set(by=personas.xjq_worker, course=dropped, status="cancelled", reason="老师生病")
    now = bare(personas)
    services.slot_set(by=personas.xjq_worker, course=now, weekday=2, starts_at=dt.time(9), venue=spring.venue)
    services.slot_set(by=personas.xjq_worker, course=now, weekday=4, starts_at=dt.time(9), venue=dropped.venue)
    assert WeeklySlot.objects.filter(course=now).count() == 2


def test_a_teacher_is_not_booked_twice(personas):
    first = bare(personas, title="书法")
    services.slot_set(by=personas.xjq_worker, course=first, weekday=3, starts_at=dt.time(14))
    club = parts.club(personas)
    second = parts.course(personas, club, title="硬笔", capacity=20, teacher=first.teacher,
                          venue=parts.venue(personas), starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 1, 31))
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=second, weekday=3, starts_at=dt.time(15))
    assert exc.value.status == 409
    assert exc.value.message == (f"老师 {first.teacher.name} 在 周三 15:00–16:30 已有课“书法”（{first.club.name}，"
                                 "周三 14:00–15:30）")
    assert not WeeklySlot.objects.filter(course=second).exists()
    services.slot_set(by=personas.xjq_worker, course=second, weekday=3, starts_at=dt.time(15, 30))


def test_a_slot_must_fall_inside_the_teachers_and_the_venues_windows(personas):
    course = bare(personas)
    TeacherWindow.objects.create(teacher=course.teacher, weekday=2, starts=dt.time(8), ends=dt.time(12))
    TeacherWindow.objects.create(teacher=course.teacher, weekday=4, starts=dt.time(14), ends=dt.time(17))
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(11))
    assert exc.value.message == (f"上课时间：周二 11:00–12:30 不在老师 {course.teacher.name} 的可用时间内"
                                 "（周二 08:00–12:00、周四 14:00–17:00）")
    with pytest.raises(LinliError):
        services.slot_set(by=personas.xjq_worker, course=course, weekday=3, starts_at=dt.time(9))
    VenueWindow.objects.create(venue=course.venue, weekday=2, starts=dt.time(9, 30), ends=dt.time(18))
    with pytest.raises(LinliError) as exc:
        services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9))
    assert exc.value.field == "venue"
    assert f"不在场地“{course.venue.name}”的可用时间内（周二 09:30–18:00）" in exc.value.message
    assert not WeeklySlot.objects.exists()
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(10))
    with pytest.raises(LinliError) as exc:  # inside the teacher's Thursday, but the venue has no Thursday
        services.slot_set(by=personas.xjq_worker, course=course, weekday=4, starts_at=dt.time(15, 30))
    assert exc.value.field == "venue"
    assert list(WeeklySlot.objects.values_list("weekday", flat=True)) == [2]


def test_removing_a_slot_removes_its_future_sessions(personas):
    course = bare(personas)
    slot = services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9))
    with pytest.raises(LinliError):
        services.slot_remove(by=personas.jzy_worker, slot=slot)
    assert Session.objects.count() == 9
    services.slot_remove(by=personas.xjq_worker, slot=slot)
    assert not WeeklySlot.objects.exists() and not Session.objects.exists()
    assert AuditEntry.objects.filter(action="college.slot_remove", target_id=str(course.pk)).count() == 1


# --- generation ------------------------------------------------------------------------------


def test_generation_keeps_past_sessions_and_ones_with_attendance(personas):
    """A course under way moves from Tuesday to Thursday: what happened stays."""
    course = open_course(personas, slots=((2, "09:00"),), starts_on=dt.date(2026, 11, 1))
    assert services.sessions_generate(by=personas.xjq_worker, course=course,
                                      at=local(dt.date(2026, 10, 30), 8)) == 13  # 11-03 … 01-26
    past = set(Session.objects.filter(starts_at__lt=NOW).values_list("pk", "checkin_token"))
    assert len(past) == 3
    dec1 = Session.objects.get(starts_at=local(dt.date(2026, 12, 1), 9))
    someone = enroll(course, residents(1)[0])
    Attendance.objects.create(session=dec1, enrollment=someone, status="excused", method="roster",
                              recorded_by=personas.xjq_worker, recorded_at=NOW)
    dec8 = Session.objects.get(starts_at=local(dt.date(2026, 12, 8), 9))
    Session.objects.filter(pk=dec8.pk).update(status=SessionStatus.CANCELLED, cancel_reason="场地维修")

    WeeklySlot.objects.filter(course=course).delete()
    services.slot_set(by=personas.xjq_worker, course=course, weekday=4, starts_at=dt.time(9))

    assert past <= set(Session.objects.values_list("pk", "checkin_token"))  # untouched, tokens too
    assert Session.objects.filter(pk=dec1.pk).exists()  # has attendance
    assert Session.objects.filter(pk=dec8.pk, status="cancelled").exists()  # a cancellation residents were told of
    thursdays = [dt.date(2026, 11, 26) + dt.timedelta(weeks=i) for i in range(10)]  # 11-26 … 01-28
    assert starts(course) == sorted([local(d, 9) for d in (dt.date(2026, 11, 3), dt.date(2026, 11, 10),
                                                           dt.date(2026, 11, 17), dt.date(2026, 12, 1),
                                                           dt.date(2026, 12, 8))] + [local(d, 9) for d in thursdays])


def test_generation_starts_after_now_and_only_managers_run_it(personas):
    course = open_course(personas, slots=((1, "09:00"), (3, "19:00")),
                         starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30))
    # Monday 11-23 09:00 has passed at NOW (18:00); Wednesday 11-25 19:00 and Monday 11-30 are ahead.
    assert services.sessions_generate(by=personas.xjq_worker, course=course) == 2
    assert starts(course) == [local(dt.date(2026, 11, 25), 19), local(dt.date(2026, 11, 30), 9)]
    with pytest.raises(LinliError):
        services.sessions_generate(by=personas.jzy_worker, course=course)


def test_a_sessions_venue_follows_its_slot(personas):
    course = bare(personas)
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9))
    other = parts.venue(personas, name="二楼舞蹈室")
    services.slot_set(by=personas.xjq_worker, course=course, weekday=2, starts_at=dt.time(9), venue=other)
    assert set(Session.objects.values_list("venue_id", flat=True)) == {other.pk}


# --- cancelling ------------------------------------------------------------------------------


def test_cancelling_a_session_tells_the_seated_residents(personas, django_capture_on_commit_callbacks):
    course = open_course(personas)
    s = session(course, local(dt.date(2026, 12, 1), 9))
    seated, offered, waiting, gone = residents(4)
    enroll(course, seated)
    enroll(course, offered, "offered")
    enroll(course, waiting, "waitlisted")
    enroll(course, gone, "cancelled")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(by=personas.xjq_worker, session=s, reason="  老师生病  ")
    s.refresh_from_db()
    assert (s.status, s.cancel_reason) == ("cancelled", "老师生病")
    text = "12月1日（周二）09:00 的“太极拳”停课：老师生病"
    assert sorted(Notice.objects.values_list("resident_id", "text", "link")) == sorted(
        [(seated.pk, text, "/m/college/week/"), (offered.pk, text, "/m/college/week/")])
    assert sorted(sms.outbox) == sorted([(seated.phone, f"【邻里】{text}"), (offered.phone, f"【邻里】{text}")])
    audit = AuditEntry.objects.get(action="college.session_cancel")
    assert (audit.target_id, audit.data["told"], audit.data["reason"]) == (str(s.pk), 2, "老师生病")


def test_a_cancelled_or_past_session_cannot_be_cancelled(personas):
    course = open_course(personas)
    s = session(course, local(dt.date(2026, 12, 1), 9))
    enroll(course, residents(1)[0])
    with pytest.raises(LinliError) as exc:
        services.session_cancel(by=personas.xjq_worker, session=s, reason=" ")
    assert exc.value.field == "reason"
    with pytest.raises(LinliError) as exc:
        services.session_cancel(by=personas.jzy_worker, session=s, reason="下雨")
    assert exc.value.status == 403
    services.session_cancel(by=personas.xjq_worker, session=s, reason="下雨")
    with pytest.raises(LinliError) as exc:
        services.session_cancel(by=personas.xjq_worker, session=s, reason="又下雨")
    assert exc.value.status == 409 and exc.value.message == "12月1日（周二）09:00 的课已经停课（下雨）"
    past = session(course, local(dt.date(2026, 11, 23), 9))
    with pytest.raises(LinliError) as exc:
        services.session_cancel(by=personas.xjq_worker, session=past, reason="下雨")
    assert exc.value.message == "11月23日（周一）09:00 的课已经开始或已经过去，不能停课"
    past.refresh_from_db()
    assert past.status == "scheduled"
    assert Notice.objects.count() == 1  # only the first cancellation told anyone
