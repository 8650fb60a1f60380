"""Courses (课程): a club's weekly class for a term, with a teacher and a venue the community may use.

A course says what its room needs (mirror, sound, open air…). It is refused, with the reason,
when no venue the community may use has all of that, when the chosen venue lacks something or
is too small, or when the teacher is not one the community may call on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.college.models import (
    SEATED_STATUSES,
    ClassOrder,
    Club,
    Course,
    CourseStatus,
    Enrollment,
    EnrollmentPolicy,
    Feature,
    Session,
    SessionStatus,
    Teacher,
    Venue,
)
from linli.college.selectors.teachers import teachers_usable
from linli.college.selectors.venues import venues_usable
from linli.college.services import common
from linli.college.services.common import CollegeErrorCode
from linli.college.services.venues import clean_features
from linli.core.errors import LinliError, invalid
from linli.core.services import audit_record

# Which status may follow which.
TRANSITIONS: dict[str, set[str]] = {
    CourseStatus.PLANNED: {CourseStatus.OPEN, CourseStatus.CANCELLED},
    CourseStatus.OPEN: {CourseStatus.ENDED, CourseStatus.CANCELLED},
    CourseStatus.ENDED: set(),
    CourseStatus.CANCELLED: set(),
}


def _labels(features: Iterable[str]) -> str:
    return "、".join(str(Feature(f).label) for f in features)


def check_venue(community_code: str, venue: Venue | None, needed: list[str], capacity: int, *,
                must_be_usable: bool = True) -> None:
    """Whether the course's room needs can be met: by some usable venue, and by the chosen one."""
    usable = list(venues_usable(community_code).select_related(None).prefetch_related(None).only("pk", "features"))
    if needed and not any(set(needed) <= set(v.features) for v in usable):
        raise invalid("needed_features", "场地要求",
                      f"没有可用场地同时具备：{_labels(needed)}。请先在“场地”中登记具备这些条件的场地，或修改场地要求。")
    if venue is None:
        return
    if must_be_usable and venue.pk not in {v.pk for v in usable}:
        raise invalid("venue", "场地", f"“{venue.name}”不是本社区可用的场地（本社区的、街道的或其他社区共用的，且未停用）")
    missing = [f for f in needed if f not in venue.features]
    if missing:
        raise invalid("venue", "场地", f"“{venue.name}”缺少：{_labels(missing)}，请换一个场地或修改场地要求")
    if venue.capacity < capacity:
        raise invalid("venue", "场地", f"“{venue.name}”只能容纳 {venue.capacity} 人，少于课程名额 {capacity} 人")


def check_teacher(community_code: str, teacher: Teacher | None) -> None:
    if teacher is not None and not teachers_usable(community_code).filter(pk=teacher.pk).exists():
        raise invalid("teacher", "老师", f"{teacher.name} 不是本社区可以安排的老师（须为本社区或本街道师资库中“在库”的老师）")


def _fields(*, title: str, term: str, capacity: Any, starts_on: Any, ends_on: Any, sessions_per_week: Any,
            session_minutes: Any, needed_features: Iterable[str], description: str) -> dict[str, Any]:
    if not isinstance(starts_on, dt.date):
        raise invalid("starts_on", "开课日期", "请填写日期")
    if not isinstance(ends_on, dt.date):
        raise invalid("ends_on", "结课日期", "请填写日期")
    if ends_on < starts_on:
        raise invalid("ends_on", "结课日期", f"不能早于开课日期（{starts_on:%Y-%m-%d}）")
    return {
        "title": common.text(title, "title", "课程名称", 64),
        "term": common.text(term, "term", "学期", 32),
        "capacity": common.whole_number(capacity, "capacity", "名额", 1, common.MAX_SMALL, unit=" 人"),
        "sessions_per_week": common.whole_number(sessions_per_week, "sessions_per_week", "每周次数", 1, 7, unit=" 次"),
        "session_minutes": common.whole_number(session_minutes, "session_minutes", "每次时长", 15, 480, unit=" 分钟"),
        "needed_features": clean_features(needed_features, field="needed_features", label="场地要求"),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "description": common.long_text(description, "description", "课程介绍"),
    }


@transaction.atomic
def course_create(
    *,
    by: Any,
    club: Club,
    title: str,
    term: str,
    capacity: int,
    starts_on: dt.date,
    ends_on: dt.date,
    sessions_per_week: int = 1,
    session_minutes: int = 90,
    teacher: Teacher | None = None,
    venue: Venue | None = None,
    needed_features: Iterable[str] = (),
    description: str = "",
    order: ClassOrder | None = None,
    status: str = CourseStatus.PLANNED,
) -> Course:
    common.require_manage(by, club.area_id, "为该社团开设课程")
    common.refuse_archived(club, "社团", field="club")
    if status not in (CourseStatus.PLANNED, CourseStatus.OPEN):
        raise invalid("status", "状态", "新课程应为 筹备中 或 开课中")
    if status == CourseStatus.OPEN and (teacher is None or venue is None):
        raise invalid("teacher" if teacher is None else "venue", "状态", "直接开课须已安排老师和场地")
    if order is not None and order.area_id != club.area_id:
        raise invalid("order", "兴趣订单", "应为本社区的兴趣订单")
    fields = _fields(title=title, term=term, capacity=capacity, starts_on=starts_on, ends_on=ends_on,
                     sessions_per_week=sessions_per_week, session_minutes=session_minutes,
                     needed_features=needed_features, description=description)
    check_teacher(club.area_id, teacher)
    check_venue(club.area_id, venue, fields["needed_features"], fields["capacity"])
    course = Course(area_id=club.area_id, club=club, teacher=teacher, venue=venue, order=order, status=status,
                    created_by=by, **fields)
    common.full_clean(course, exclude=["area", "club", "teacher", "venue", "order", "created_by"])
    course.save()
    audit_record(actor=by, action="college.course_create", target=course, area_code=club.area_id,
                 data={"title": course.title, "club": club.pk, "teacher": getattr(teacher, "pk", None),
                       "venue": getattr(venue, "pk", None), "order": getattr(order, "pk", None)})
    return course


@transaction.atomic
def course_update(
    *,
    by: Any,
    course: Course,
    title: str,
    term: str,
    capacity: int,
    starts_on: dt.date,
    ends_on: dt.date,
    sessions_per_week: int = 1,
    session_minutes: int = 90,
    teacher: Teacher | None = None,
    venue: Venue | None = None,
    needed_features: Iterable[str] = (),
    description: str = "",
    club: Club | None = None,
) -> Course:
    common.require_manage(by, course.area_id, "修改该课程")
    if course.status in (CourseStatus.ENDED, CourseStatus.CANCELLED):
        raise LinliError(CollegeErrorCode.STATUS, f"课程{course.get_status_display()}，不能再修改", status=409)
    club = club or course.club
    if club.pk != course.club_id:
        if club.area_id != course.area_id:
            raise invalid("club", "社团", "请选择本社区的社团")
        common.refuse_archived(club, "社团", field="club")
    fields = _fields(title=title, term=term, capacity=capacity, starts_on=starts_on, ends_on=ends_on,
                     sessions_per_week=sessions_per_week, session_minutes=session_minutes,
                     needed_features=needed_features, description=description)
    # The capacity is the seat rule's bound: change it under the seat lock (the course's enrollment
    # policy row, as every enrollment write does), never below the seats taken, and when it grows
    # offer the new seats to the waitlist at once.
    policy = EnrollmentPolicy.objects.select_for_update().filter(course_id=course.pk).first()
    if policy is not None and fields["capacity"] != course.capacity:
        seated = Enrollment.objects.filter(course_id=course.pk, status__in=SEATED_STATUSES).count()
        if fields["capacity"] < seated:
            raise invalid("capacity", "名额", f"已有 {seated} 人报名，名额不能少于 {seated}")
    grew = fields["capacity"] > course.capacity
    # A teacher or venue kept as it was is not checked again: one that has since left stays on record.
    if getattr(teacher, "pk", None) != course.teacher_id:
        check_teacher(course.area_id, teacher)
    venue_changed = getattr(venue, "pk", None) != course.venue_id
    if venue_changed or fields["needed_features"] != course.needed_features or fields["capacity"] > course.capacity:
        check_venue(course.area_id, venue, fields["needed_features"], fields["capacity"], must_be_usable=venue_changed)
    changed = [f for f, v in fields.items() if getattr(course, f) != v]
    changed += [f for f, v in (("club", club), ("teacher", teacher), ("venue", venue)) if getattr(course, f) != v]
    for f, v in fields.items():
        setattr(course, f, v)
    course.club, course.teacher, course.venue = club, teacher, venue
    course.save()
    audit_record(actor=by, action="college.course_update", target=course, area_code=course.area_id,
                 data={"fields": changed})
    if policy is not None and grew:
        from linli.college.services.enrollment import waitlist_promote

        waitlist_promote(course=course)
    return course


@transaction.atomic
def course_status_set(*, by: Any, course: Course, status: str, reason: str = "") -> Course:
    """Planned → open → ended; a planned or open course may be cancelled."""
    common.require_manage(by, course.area_id, "更改该课程的状态")
    if status not in CourseStatus.values:
        raise invalid("status", "状态", "应为 筹备中、开课中、已结课 或 已取消")
    course = Course.objects.select_for_update().get(pk=course.pk)
    if status == course.status:
        return course
    if status not in TRANSITIONS[course.status]:
        raise LinliError(CollegeErrorCode.STATUS, f"“{course.get_status_display()}”的课程不能改为"
                                                  f"“{CourseStatus(status).label}”", field="status", status=409)
    reason = common.text(reason, "reason", "原因", 200, required=status == CourseStatus.CANCELLED)
    if status == CourseStatus.OPEN and course.teacher_id is None:
        raise invalid("teacher", "老师", "开课前请先安排老师")
    if status == CourseStatus.OPEN and course.venue_id is None:
        raise invalid("venue", "场地", "开课前请先安排场地")
    before = course.status
    course.status = status
    course.save(update_fields=["status"])
    audit_record(actor=by, action="college.course_status", target=course, area_code=course.area_id,
                 data={"from": before, "to": status, "reason": reason})
    if status == CourseStatus.CANCELLED:
        # Nobody keeps a place in a cancelled course, and none of its classes will meet.
        from linli.college.services.enrollment import enrollments_end_for_course

        now = timezone.now()
        enrollments_end_for_course(by=by, course=course, reason=reason, at=now)
        Session.objects.filter(course_id=course.pk, status=SessionStatus.SCHEDULED, starts_at__gt=now).update(
            status=SessionStatus.CANCELLED, cancel_reason=f"课程已取消：{reason}"[:200])
    return course
