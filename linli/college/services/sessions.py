"""The weekly timetable of a course (its slots) and its dated sessions.

OWNER: helper H2. Signatures below are fixed (other helpers code against them).

A slot is refused, naming the other course and its time, when its venue or its teacher already
meets another live course at an overlapping time on that weekday within overlapping course dates,
and when it falls outside the teacher's or the venue's availability windows (when they have any).
Every slot change regenerates the course's future sessions: past sessions, sessions with
attendance and cancelled sessions are never touched.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linli.college.models import (
    SEATED_STATUSES,
    Course,
    CourseStatus,
    Enrollment,
    Session,
    SessionStatus,
    Teacher,
    Venue,
    WeeklySlot,
)
from linli.college.services import common
from linli.college.services.common import WEEKDAYS, CollegeErrorCode, hhmm
from linli.college.services.courses import check_venue
from linli.college.windows import covers
from linli.college.windows import minutes as minute_of_day
from linli.core.errors import LinliError, invalid
from linli.core.services import audit_record

DEAD = (CourseStatus.ENDED, CourseStatus.CANCELLED)
DAY_MINUTES = 24 * 60
WEEK_LINK = "/m/college/week/"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span(weekday: int, start: int, end: int) -> str:
    return f"{WEEKDAYS[weekday]} {_clock(start)}–{_clock(end)}"


def when(moment: dt.datetime) -> str:
    """12月1日（周二）09:00: how a session's time is said to residents."""
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日（{WEEKDAYS[local.isoweekday()]}）{local:%H:%M}"


def _refuse_dead(course: Course) -> None:
    if course.status in DEAD:
        raise LinliError(CollegeErrorCode.STATUS, f"课程“{course.title}”{course.get_status_display()}，不能再安排课表",
                         status=409)


def _clean_slot_time(course: Course, weekday: Any, starts_at: Any) -> tuple[int, dt.time, int, int]:
    if isinstance(weekday, bool) or not isinstance(weekday, int) or weekday not in WEEKDAYS:
        raise invalid("weekday", "星期", f"应为 1（周一）到 7（周日），不能是 {weekday}")
    if not isinstance(starts_at, dt.time) or isinstance(starts_at, dt.datetime):
        raise invalid("starts_at", "开始时间", "请填写时间，如 09:00")
    if starts_at.tzinfo is not None:
        raise invalid("starts_at", "开始时间", "不能带时区")
    starts_at = starts_at.replace(second=0, microsecond=0)
    start = minute_of_day(starts_at)
    end = start + course.session_minutes
    if end > DAY_MINUTES:
        raise invalid("starts_at", "开始时间", f"每次课 {course.session_minutes} 分钟，{hhmm(starts_at)} 开始将跨过午夜，"
                                              "须当天结束")
    return weekday, starts_at, start, end


def _check_windows(owner: Teacher | Venue, what: str, weekday: int, start: int, end: int) -> None:
    """Inside one of the owner's availability windows, when it has any."""
    windows = list(owner.windows.all())
    if not windows:
        return
    if covers(windows, weekday, start, end):  # touching windows count as one stretch
        return
    listed = "、".join(f"{WEEKDAYS[w.weekday]} {hhmm(w.starts)}–{hhmm(w.ends)}"
                      for w in sorted(windows, key=lambda w: (w.weekday, w.starts)))
    field = "venue" if isinstance(owner, Venue) else "starts_at"
    raise invalid(field, "上课时间", f"{_span(weekday, start, end)} 不在{what}的可用时间内（{listed}）")


def _clashes(course: Course, weekday: int, start: int, end: int, venue: Venue,
             teacher_id: int | None) -> None:
    """Another live course's slot on the same day, in the same venue or with the same teacher, overlapping."""
    same = Q(venue=venue) | Q(venue__isnull=True, course__venue=venue)
    if teacher_id is not None:
        same |= Q(course__teacher_id=teacher_id)
    others = (WeeklySlot.objects.filter(same, weekday=weekday)
              .exclude(course=course).exclude(course__status__in=DEAD)
              .filter(course__starts_on__lte=course.ends_on, course__ends_on__gte=course.starts_on)
              .select_related("course", "course__club", "course__teacher", "venue", "course__venue")
              .order_by("starts_at", "pk"))
    for other in others:
        o_start = minute_of_day(other.starts_at)
        o_end = o_start + other.course.session_minutes
        if not (o_start < end and start < o_end):
            continue
        other_venue_id = other.venue_id or other.course.venue_id
        where = f"“{other.course.title}”（{other.course.club.name}，{_span(weekday, o_start, o_end)}）"
        if other_venue_id == venue.pk:
            raise LinliError(CollegeErrorCode.DUPLICATE,
                             f"场地“{venue.name}”在 {_span(weekday, start, end)} 已被{where}占用", field="venue",
                             status=409)
        teacher = other.course.teacher
        raise LinliError(CollegeErrorCode.DUPLICATE,
                         f"老师 {teacher.name if teacher else ''} 在 {_span(weekday, start, end)} 已有课{where}",
                         field="starts_at", status=409)


@transaction.atomic
def slot_set(*, by: Any, course: Course, weekday: int, starts_at: dt.time, venue: Venue | None = None,
             locked: bool = False) -> WeeklySlot:
    """Place (or move) the course's meeting on ``weekday`` (1–7)."""
    common.require_manage(by, course.area_id, "安排该课程的课表")
    course = (Course.objects.select_for_update(of=("self",)).select_related("teacher", "venue", "club")
              .get(pk=course.pk))
    _refuse_dead(course)
    weekday, starts_at, start, end = _clean_slot_time(course, weekday, starts_at)
    place = venue or course.venue
    if place is None:
        raise invalid("venue", "场地", "课程还没有安排场地，请先为课程选择场地或在此指定场地")
    common.refuse_archived(place, "场地", field="venue")
    check_venue(course.area_id, place, list(course.needed_features), course.capacity,
                must_be_usable=place.pk != course.venue_id)
    # One booking at a time per venue and teacher: two workers cannot take the same hour together.
    Venue.objects.select_for_update().filter(pk=place.pk).first()
    if course.teacher_id is not None:
        Teacher.objects.select_for_update().filter(pk=course.teacher_id).first()
    _clashes(course, weekday, start, end, place, course.teacher_id)
    if course.teacher is not None:
        _check_windows(course.teacher, f"老师 {course.teacher.name} ", weekday, start, end)
    _check_windows(place, f"场地“{place.name}”", weekday, start, end)
    slot = WeeklySlot.objects.filter(course=course, weekday=weekday).first()
    before = None if slot is None else {"starts_at": hhmm(slot.starts_at), "venue": slot.venue_id, "locked": slot.locked}
    if slot is None:
        slot = WeeklySlot(course=course, weekday=weekday)
    slot.starts_at, slot.venue, slot.locked = starts_at, venue, bool(locked)
    slot.save()
    count = sessions_generate(by=by, course=course)
    audit_record(actor=by, action="college.slot_set", target=course, area_code=course.area_id,
                 data={"weekday": weekday, "starts_at": hhmm(starts_at), "venue": place.pk, "locked": slot.locked,
                       "before": before, "sessions": count})
    return slot


@transaction.atomic
def slot_remove(*, by: Any, slot: WeeklySlot) -> None:
    course = slot.course
    common.require_manage(by, course.area_id, "修改该课程的课表")
    course = Course.objects.select_for_update().get(pk=course.pk)
    _refuse_dead(course)
    data = {"weekday": slot.weekday, "starts_at": hhmm(slot.starts_at), "venue": slot.venue_id}
    WeeklySlot.objects.filter(pk=slot.pk).delete()
    data["sessions"] = sessions_generate(by=by, course=course)
    audit_record(actor=by, action="college.slot_remove", target=course, area_code=course.area_id, data=data)


@transaction.atomic
def sessions_generate(*, by: Any, course: Course, at: dt.datetime | None = None) -> int:
    """Make the dated sessions from the slots over the course's dates; future sessions without
    attendance are replaced, past ones and ones with attendance are kept. Returns how many exist."""
    common.require_manage(by, course.area_id, "生成该课程的课次")
    now = at or timezone.now()
    course = Course.objects.select_related("venue").get(pk=course.pk)
    if course.status in DEAD:
        return Session.objects.filter(course=course).count()
    minutes = dt.timedelta(minutes=course.session_minutes)
    slots = {s.weekday: s for s in WeeklySlot.objects.filter(course=course)}
    wanted: dict[dt.datetime, Any] = {}  # start → venue id
    day = max(course.starts_on, timezone.localdate(now))
    while day <= course.ends_on:
        slot = slots.get(day.isoweekday())
        if slot is not None:
            starts = timezone.make_aware(dt.datetime.combine(day, slot.starts_at))
            if starts > now:
                wanted[starts] = slot.venue_id or course.venue_id
        day += dt.timedelta(days=1)
    future = Session.objects.filter(course=course, starts_at__gt=now, closed_at__isnull=True)
    existing = {s.starts_at: s for s in Session.objects.filter(course=course)}
    with_attendance = set(future.filter(attendance__isnull=False).values_list("pk", flat=True))
    stale = [s.pk for s in future.filter(status=SessionStatus.SCHEDULED)
             if s.starts_at not in wanted and s.pk not in with_attendance]
    Session.objects.filter(pk__in=stale).delete()
    for starts, venue_id in wanted.items():
        kept = existing.get(starts)
        if kept is None or kept.pk in stale or kept.starts_at <= now or kept.pk in with_attendance:
            continue
        if kept.status == SessionStatus.SCHEDULED and (kept.venue_id, kept.ends_at) != (venue_id, starts + minutes):
            kept.venue_id, kept.ends_at = venue_id, starts + minutes  # the slot moved room, or the length changed
            kept.save(update_fields=["venue", "ends_at"])
    new = [Session(course=course, starts_at=starts, ends_at=starts + minutes, venue_id=venue_id,
                   checkin_token=secrets.token_urlsafe(16))
           for starts, venue_id in sorted(wanted.items()) if starts not in existing]
    Session.objects.bulk_create(new)
    return Session.objects.filter(course=course).count()


@transaction.atomic
def session_cancel(*, by: Any, session: Session, reason: str) -> Session:
    """停课: the enrolled residents are told (in-page message and SMS)."""
    from linli.notices.services import notice_send

    common.require_manage(by, session.course.area_id, "为该课程停课")
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    if session.status == SessionStatus.CANCELLED:
        raise LinliError(CollegeErrorCode.STATUS, f"{when(session.starts_at)} 的课已经停课（{session.cancel_reason}）",
                         status=409)
    if session.starts_at <= timezone.now():
        raise LinliError(CollegeErrorCode.STATUS, f"{when(session.starts_at)} 的课已经开始或已经过去，不能停课",
                         status=409)
    reason = common.text(reason, "reason", "停课原因", 200)
    session.status, session.cancel_reason = SessionStatus.CANCELLED, reason
    session.save(update_fields=["status", "cancel_reason"])
    told = 0
    for enrollment in (Enrollment.objects.filter(course=session.course, status__in=SEATED_STATUSES)
                       .select_related("resident").order_by("pk")):
        notice_send(resident=enrollment.resident, link=WEEK_LINK,
                    text=f"{when(session.starts_at)} 的“{session.course.title}”停课：{reason}")
        told += 1
    audit_record(actor=by, action="college.session_cancel", target=session, area_code=session.course.area_id,
                 data={"course": session.course_id, "starts_at": session.starts_at.isoformat(), "reason": reason,
                       "told": told})
    return session
