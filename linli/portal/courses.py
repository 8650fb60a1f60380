"""The 课程 tab's cards: when a course meets, where its enrollment window stands, and the one thing
the resident can do about it now (报名 / 候补 / 申请摇号, or their own place: 已报名, 候补第 N 位…)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from linli.college.models import (
    ACTIVE_STATUSES,
    SEATED_STATUSES,
    Course,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    EnrollMode,
    WeeklySlot,
)
from linli.college.selectors.enrollment import waitlist_position
from linli.college.services.common import WEEKDAYS
from linli.people.models import Resident


def day_time(moment: dt.datetime) -> str:
    """12月1日 08:00"""
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def day(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日"


def weekly(course: Course) -> str:
    """每周二 09:00–10:30，每周四 09:00–10:30 (empty when the course has no timetable yet)."""
    minutes = dt.timedelta(minutes=course.session_minutes)
    parts = []
    for slot in sorted(course.slots.all(), key=lambda s: (s.weekday, s.starts_at)):
        start = dt.datetime.combine(dt.date(2000, 1, 3), slot.starts_at)
        parts.append(f"每{WEEKDAYS[slot.weekday]} {start:%H:%M}–{start + minutes:%H:%M}")
    return "，".join(parts)


def cancel_deadline(course: Course) -> dt.datetime:
    """退课截止: the policy's, else the course's first day 00:00 (local)."""
    policy = getattr(course, "policy", None)
    if policy is not None and policy.cancel_until is not None:
        return policy.cancel_until
    return timezone.make_aware(dt.datetime.combine(course.starts_on, dt.time()))


@dataclass
class CourseCard:
    course: Course
    when: str  # 每周二 09:00–10:30
    window: str  # 报名中，还剩 5 个名额
    action: str = ""  # enroll | waitlist | apply | "" (nothing to press)
    action_label: str = ""
    mine: Enrollment | None = None
    status_text: str = ""  # the resident's own place, in words
    may_cancel: bool = False
    cancel_label: str = ""
    notes: list[str] = field(default_factory=list)
    # The lottery, open to checking: the seed's digest while applications are open, the
    # resident's application number, and after the draw their place, the seed and the public record.
    seed_hash: str = ""
    application_no: int | None = None
    draw_place: int | None = None
    draw_result: str = ""
    seed: str = ""
    record_url: str = ""


def _policy(course: Course) -> Any:
    try:
        return course.policy
    except Exception:  # RelatedObjectDoesNotExist: no enrollment settings yet
        return None


def _window(course: Course, now: dt.datetime) -> tuple[str, str, str]:
    """(what the window says, action, button label) for someone without a place."""
    policy = _policy(course)
    if policy is None:
        return "报名还没开始，开放报名时会在这里显示", "", ""
    if course.status not in (CourseStatus.PLANNED, CourseStatus.OPEN):
        return f"课程{CourseStatus(course.status).label}", "", ""
    if now < policy.opens_at:
        return f"{day_time(policy.opens_at)} 开始报名", "", ""
    lottery = policy.mode == EnrollMode.LOTTERY
    if now >= policy.closes_at:
        if lottery and not getattr(course, "drawn", False):
            return f"报名已于 {day_time(policy.closes_at)} 截止，等待公开摇号", "", ""
        return f"报名已于 {day_time(policy.closes_at)} 截止", "", ""
    if lottery:
        return f"摇号报名中，{day(policy.closes_at)} 截止后公开摇号（名额 {course.capacity} 人）", "apply", "申请摇号"
    free = course.capacity - getattr(course, "n_seated", 0)
    if free > 0:
        return f"报名中，还剩 {free} 个名额", "enroll", "报名"
    return f"已满，可以候补，前面有 {getattr(course, 'n_waiting', 0)} 人", "waitlist", "候补"


def course_cards(resident: Resident, *, at: dt.datetime | None = None) -> list[CourseCard]:
    """The community's planned and open courses, and the courses the resident holds a place in,
    in a fixed number of queries."""
    now = at or timezone.now()
    mine = {e.course_id: e for e in Enrollment.objects.filter(resident=resident, status__in=ACTIVE_STATUSES)}
    courses = (
        Course.objects.filter(Q(area_id=resident.community.code, status__in=[CourseStatus.PLANNED, CourseStatus.OPEN])
                              | Q(pk__in=list(mine)))
        .select_related("club", "teacher", "venue", "policy", "lottery")
        .prefetch_related(Prefetch("slots", queryset=WeeklySlot.objects.order_by("weekday", "starts_at")))
        .annotate(n_seated=Count("enrollments", filter=Q(enrollments__status__in=SEATED_STATUSES)),
                  n_waiting=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)))
        .order_by("status", "starts_on", "title")
    )
    places = {e.pk: waitlist_position(e) for e in mine.values() if e.status == EnrollmentStatus.WAITLISTED}
    cards = []
    for course in courses:
        try:
            course.drawn = course.lottery is not None  # type: ignore[attr-defined]
        except Exception:
            course.drawn = False  # type: ignore[attr-defined]
        window, action, label = _window(course, now)
        card = CourseCard(course=course, when=weekly(course), window=window, action=action, action_label=label)
        e = mine.get(course.pk)
        if e is not None:
            card.mine, card.action, card.action_label = e, "", ""
            deadline = cancel_deadline(course)
            open_to_cancel = now < deadline
            if e.status == EnrollmentStatus.ENROLLED:
                card.status_text = "已报名"
                card.may_cancel, card.cancel_label = open_to_cancel, "退课"
                card.notes.append(f"{day_time(deadline)} 前可以退课" if open_to_cancel else "已过退课时间")
            elif e.status == EnrollmentStatus.WAITLISTED:
                card.status_text = f"候补第 {places.get(e.pk) or 1} 位"
                card.may_cancel, card.cancel_label = True, "放弃候补"
                card.notes.append("有空位时会短信通知您")
            elif e.status == EnrollmentStatus.OFFERED:
                until = day_time(e.offer_expires_at) if e.offer_expires_at else "规定时间"
                card.status_text = f"有空位了，请在 {until} 前确认"
            elif e.status == EnrollmentStatus.APPLIED:
                card.status_text = "已申请摇号"
                card.may_cancel, card.cancel_label = open_to_cancel, "撤回申请"
        _lottery(card, course, e)
        cards.append(card)
    return cards


def _lottery(card: CourseCard, course: Course, e: Enrollment | None) -> None:
    policy = _policy(course)
    if policy is None or policy.mode != EnrollMode.LOTTERY:
        return
    draw = course.lottery if getattr(course, "drawn", False) else None
    card.record_url = reverse("resident_college:lottery_public", args=[course.pk])
    applied = e is not None and (e.status == EnrollmentStatus.APPLIED or (draw is not None and e.pk in draw.order))
    if applied:
        assert e is not None
        card.application_no = e.pk
    if draw is None:
        card.seed_hash = policy.seed_hash
        return
    card.seed, card.seed_hash = draw.seed, policy.seed_hash
    if e is not None and applied:
        place = draw.order.index(e.pk) + 1
        card.draw_place = place
        card.draw_result = "中签" if place <= draw.seats else f"未中签，按摇号顺序候补（第 {place - draw.seats} 位）"
