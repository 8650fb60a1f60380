"""Enrollment (报名): first come with a waitlist, or applications closed by a seeded lottery.

OWNER: helper H1. Signatures below are fixed (other helpers code against them).

Seats are the ENROLLED and OFFERED enrollments of a course. Every write that can take or free a
seat locks the course's EnrollmentPolicy row first (select_for_update), so seats never exceed the
capacity under concurrency; on SQLite the IMMEDIATE transaction serialises writers anyway.

Invariants kept by every function here (and tested by ``tests/test_enrollment_stateful.py``):
seats ≤ capacity; no free seat while someone waits (a freed seat is offered at once, stale
offers expire before anyone new is counted, so no cron job is needed for correctness); one
active place per resident and course (also a database constraint).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.college import lottery
from linli.college.models import (
    ACTIVE_STATUSES,
    SEATED_STATUSES,
    CollegeSettings,
    Course,
    CourseStatus,
    EnrollChannel,
    Enrollment,
    EnrollmentPolicy,
    EnrollmentStatus,
    EnrollMode,
    LotteryDraw,
    PriorityGroup,
    WeeklySlot,
)
from linli.college.services import common
from linli.college.services.common import WEEKDAYS, CollegeErrorCode
from linli.core.errors import CoreErrorCode, LinliError, forbidden, invalid
from linli.core.services import audit_record
from linli.notices.models import Notice
from linli.notices.services import notice_send
from linli.people.models import ProxyBinding, ProxyScope, Resident, Tag

log = logging.getLogger("linli.college")

COURSES_LINK = "/m/courses/"
ALONE_TAG = "elder_alone"  # people.Tag 独居老人
DEFAULT_MAX_PER_TERM = 3
STATUS_LABELS = dict(EnrollmentStatus.choices)
LIVE_COURSE = (CourseStatus.PLANNED, CourseStatus.OPEN)  # a place in any other course holds nothing


# --- small helpers -----------------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def local_text(moment: dt.datetime) -> str:
    """“12月1日 08:00” in local time."""
    t = timezone.localtime(moment)
    return f"{t.month}月{t.day}日 {t:%H:%M}"


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _locked_policy(course: Course, *, with_course: bool = False) -> EnrollmentPolicy:
    """The seat lock. ``with_course``: the course's row as it is now comes along (not locked)."""
    qs = EnrollmentPolicy.objects.filter(course_id=course.pk)
    qs = qs.select_related("course").select_for_update(of=("self",)) if with_course else qs.select_for_update()
    policy = qs.first()
    if policy is None:
        raise LinliError(CollegeErrorCode.ENROLL_CLOSED, f"“{course.title}”还没有开放报名")
    return policy


def _locked_enrollment(enrollment: Enrollment) -> Enrollment:
    """Lock the course's policy (the seat lock), then read the enrollment as it is now."""
    course = Course.objects.get(pk=enrollment.course_id)
    policy = _locked_policy(course)
    fresh = Enrollment.objects.select_related("resident").get(pk=enrollment.pk)
    fresh.course = course
    course.policy = policy
    return fresh


def _copy(target: Enrollment, source: Enrollment) -> Enrollment:
    """Bring the caller's object up to date (they hold it, and pass it on to pages)."""
    for field in ("status", "queue_no", "offer_expires_at", "ended_at", "ended_by_id", "end_reason", "updated_at",
                  "group", "channel", "by_id", "enrolled_at"):
        setattr(target, field, getattr(source, field))
    return target


def _is_staff(by: Any, course: Course) -> bool:
    return has_permission(by, Perm.MANAGE_COLLEGE, course.area_id)


def _proxy_binding(by: Any, resident: Resident) -> ProxyBinding | None:
    if not getattr(by, "pk", None):
        return None
    return ProxyBinding.objects.filter(principal_id=resident.pk, agent_id=by.pk, revoked_at__isnull=True).first()


def channel_of(by: Any, course: Course, resident: Resident) -> str:
    """Who may act for ``resident`` on ``course``: themself, a proxy with the 报名 scope, or staff at the desk."""
    if getattr(by, "pk", None) and resident.user_id == by.pk:
        return EnrollChannel.SELF
    binding = _proxy_binding(by, resident)
    if binding is not None and ProxyScope.ENROLL in binding.scopes:
        return EnrollChannel.PROXY
    if getattr(by, "pk", None) and _is_staff(by, course):
        return EnrollChannel.DESK
    if binding is not None:
        raise LinliError(CollegeErrorCode.NOT_PROXY,
                         f"您对{resident.name}的代办授权不包括“报名课程”，请{resident.name}或社区工作人员补充授权",
                         status=403)
    raise LinliError(CollegeErrorCode.NOT_PROXY, f"您不是{resident.name}的代办人，不能为其报名", status=403)


def _deadline(course: Course, policy: EnrollmentPolicy) -> dt.datetime:
    if policy.cancel_until is not None:
        return policy.cancel_until
    return timezone.make_aware(dt.datetime.combine(course.starts_on, dt.time()), timezone.get_default_timezone())


def _audit(by: Any, action: str, enrollment: Enrollment, course: Course, **data: Any) -> None:
    audit_record(actor=by, action=f"college.{action}", target=enrollment, area_code=course.area_id,
                 data={"course": course.pk, "resident": enrollment.resident_id, "status": enrollment.status, **data},
                 on_behalf_of=enrollment.resident_id)


def notices_send_many(items: Iterable[tuple[Resident, str, bool]], *, link: str = COURSES_LINK) -> int:
    """Like ``notices.services.notice_send`` for many residents at once: one INSERT for the in-page
    messages, the text messages (where ``sms``) sent after the commit."""
    from linli.accounts.sms import send_sms

    rows: list[Notice] = []
    texts: list[tuple[str, str]] = []
    for resident, text, sms in items:
        phone = resident.phone if sms else ""
        rows.append(Notice(resident=resident, text=text[:300], link=link[:200], sms_sent=bool(phone)))
        if phone:
            texts.append((phone, f"【邻里】{text}"))
    Notice.objects.bulk_create(rows, batch_size=1000)

    def send() -> None:
        for phone, text in texts:
            try:
                send_sms(phone, text)
            except Exception:  # a gateway failure must not undo the draw; the in-page message stands
                log.exception("短信发送失败")

    if texts:
        transaction.on_commit(send)
    return len(rows)


# --- policy ------------------------------------------------------------------------------------


def _aware(value: Any, field: str, label: str, *, required: bool = True) -> dt.datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, dt.datetime):
        raise invalid(field, label, "请填写日期和时间")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _age(value: Any, field: str, label: str) -> int | None:
    if value is None or value == "":
        return None
    return common.whole_number(value, field, label, 0, 120, unit=" 岁")


def _priorities(raw: Iterable[str]) -> list[str]:
    result: list[str] = []
    for item in raw or ():
        value = str(item)
        if value not in PriorityGroup.values:
            choices = "、".join(f"{v}（{label}）" for v, label in PriorityGroup.choices)
            raise invalid("priorities", "摇号优先顺序", f"不认识“{value[:20]}”，可选：{choices}")
        if value in result:
            raise invalid("priorities", "摇号优先顺序", f"“{PriorityGroup(value).label}”重复出现")
        result.append(value)
    return result


@transaction.atomic
def policy_set(*, by: Any, course: Course, mode: str, opens_at: dt.datetime, closes_at: dt.datetime,
               cancel_until: dt.datetime | None = None, confirm_hours: int = 24, min_age: int | None = None,
               max_age: int | None = None, only_community: bool = False, required_tag: Any = None,
               priorities: Iterable[str] = ()) -> EnrollmentPolicy:
    """Create or change a course's enrollment settings (MANAGE_COLLEGE on the course's area)."""
    common.require_manage(by, course.area_id, f"设置“{course.title}”的报名")
    if mode not in EnrollMode.values:
        raise invalid("mode", "报名方式", "应为 先到先得 或 报名摇号")
    opens = _aware(opens_at, "opens_at", "报名开始")
    closes = _aware(closes_at, "closes_at", "报名截止")
    assert opens is not None and closes is not None
    if closes <= opens:
        raise invalid("closes_at", "报名截止", f"应晚于报名开始（{local_text(opens)}）")
    cancel = _aware(cancel_until, "cancel_until", "退课截止", required=False)
    hours = common.whole_number(confirm_hours, "confirm_hours", "候补确认时限", 1, 168, unit=" 小时")
    low = _age(min_age, "min_age", "最低年龄")
    high = _age(max_age, "max_age", "最高年龄")
    if low is not None and high is not None and high < low:
        raise invalid("max_age", "最高年龄", f"不能小于最低年龄（{low} 岁）")
    tag = None
    if required_tag not in (None, ""):
        code = getattr(required_tag, "pk", required_tag)
        tag = Tag.objects.filter(Q(pk=str(code)) | Q(name=str(code))).first()
        if tag is None:
            raise invalid("required_tag", "仅限人群", f"标签“{str(code)[:20]}”不存在")
    groups = _priorities(priorities)

    policy = EnrollmentPolicy.objects.select_for_update().filter(course_id=course.pk).first()
    created = policy is None
    if policy is None:
        seed = lottery.new_seed()
        policy = EnrollmentPolicy(course=course, seed=seed, seed_hash=lottery.seed_hash(seed))
    elif policy.mode != mode and Enrollment.objects.filter(course_id=course.pk).exists():
        raise LinliError(CollegeErrorCode.STATUS,
                         f"“{course.title}”已有人报名，不能再改报名方式（现为{EnrollMode(policy.mode).label}）",
                         field="mode")
    elif LotteryDraw.objects.filter(course_id=course.pk).exists():
        # The draw closed the window for good: reopening it would take applications nobody draws.
        if list(groups) != list(policy.priorities):
            raise LinliError(CollegeErrorCode.STATUS, f"“{course.title}”已经摇号，不能再改优先顺序", field="priorities")
        if opens != policy.opens_at:
            raise LinliError(CollegeErrorCode.STATUS, f"“{course.title}”已经摇号，不能再改报名开始时间", field="opens_at")
        if closes != policy.closes_at:
            raise LinliError(CollegeErrorCode.STATUS,
                             f"“{course.title}”已于 {local_text(policy.closes_at)} 截止申请并已摇号，不能再改报名截止时间",
                             field="closes_at")
    policy.mode = mode
    policy.opens_at = opens
    policy.closes_at = closes
    policy.cancel_until = cancel
    policy.confirm_hours = hours
    policy.min_age = low
    policy.max_age = high
    policy.only_community = bool(only_community)
    policy.required_tag = tag
    policy.priorities = groups
    common.full_clean(policy, exclude=["course", "required_tag"])
    policy.save()
    audit_record(actor=by, action="college.enroll_policy_set", target=course, area_code=course.area_id,
                 data={"created": created, "mode": mode, "opens_at": opens.isoformat(), "closes_at": closes.isoformat(),
                       "cancel_until": cancel.isoformat() if cancel else None, "confirm_hours": hours,
                       "min_age": low, "max_age": high, "only_community": policy.only_community,
                       "required_tag": getattr(tag, "pk", None), "priorities": groups,
                       "seed_hash": policy.seed_hash})
    return policy


# --- enrolling ---------------------------------------------------------------------------------


def _refuse_window(course: Course, policy: EnrollmentPolicy, now: dt.datetime) -> None:
    if course.status not in LIVE_COURSE:
        raise LinliError(CollegeErrorCode.ENROLL_CLOSED, f"“{course.title}”{CourseStatus(course.status).label}，不能报名")
    if now < policy.opens_at:
        raise LinliError(CollegeErrorCode.ENROLL_CLOSED, f"“{course.title}”报名将于 {local_text(policy.opens_at)} 开始")
    if now >= policy.closes_at:
        raise LinliError(CollegeErrorCode.ENROLL_CLOSED, f"“{course.title}”已于 {local_text(policy.closes_at)} 截止报名")


def _place_text(enrollment: Enrollment) -> str:
    from linli.college.selectors.enrollment import waitlist_position

    label = STATUS_LABELS.get(enrollment.status, enrollment.status)
    place = waitlist_position(enrollment)
    return f"{label}，排第 {place} 位" if place else str(label)


def _refuse_limits(course: Course, policy: EnrollmentPolicy, resident: Resident, now: dt.datetime) -> None:
    today = timezone.localdate(now)
    if policy.min_age is not None or policy.max_age is not None:
        age = resident.age(today)
        if policy.min_age is not None and age < policy.min_age:
            raise LinliError(CollegeErrorCode.ENROLL_LIMIT,
                             f"“{course.title}”仅限 {policy.min_age} 岁及以上的居民报名，{resident.name} 今年 {age} 岁")
        if policy.max_age is not None and age > policy.max_age:
            raise LinliError(CollegeErrorCode.ENROLL_LIMIT,
                             f"“{course.title}”仅限 {policy.max_age} 岁及以下的居民报名，{resident.name} 今年 {age} 岁")
    if policy.only_community and not resident.area_id.startswith(course.area_id):
        raise LinliError(CollegeErrorCode.ENROLL_LIMIT,
                         f"“{course.title}”仅限{course.area.name}的居民报名，{resident.name} 不是本社区居民")
    if policy.required_tag_id and not resident.tags.filter(pk=policy.required_tag_id).exists():
        tag = Tag.objects.filter(pk=policy.required_tag_id).values_list("name", flat=True).first()
        raise LinliError(CollegeErrorCode.ENROLL_LIMIT,
                         f"“{course.title}”仅限“{tag}”报名，{resident.name} 的居民登记中没有这一项")


def _refuse_held(course: Course, resident: Resident, held: list[Enrollment]) -> None:
    """Already in this course, the term's maximum, a clashing weekly slot."""
    for e in held:
        if e.course_id == course.pk:
            raise LinliError(CollegeErrorCode.ENROLL_DUPLICATE,
                             f"{resident.name} 已报名“{course.title}”（{_place_text(e)}），不用重复报名", status=409)
    same_term = [e.course for e in held if e.course.term == course.term]
    if same_term:
        limit = (CollegeSettings.objects.filter(area_id=course.area_id).values_list("max_courses_per_term", flat=True)
                 .first()) or DEFAULT_MAX_PER_TERM
        if len(same_term) >= limit:
            names = "、".join(f"“{c.title}”" for c in same_term)
            raise LinliError(CollegeErrorCode.ENROLL_LIMIT,
                             f"每人每学期最多报名 {limit} 门课程，{resident.name} 本学期（{course.term}）已报 {names}")
    others = [e.course for e in held if e.course.starts_on <= course.ends_on and course.starts_on <= e.course.ends_on]
    if not others:
        return
    slots: dict[int, list[WeeklySlot]] = {}
    for slot in WeeklySlot.objects.filter(course_id__in=[course.pk, *[c.pk for c in others]]).order_by("weekday"):
        slots.setdefault(slot.course_id, []).append(slot)
    mine = slots.get(course.pk, [])
    for other in others:
        for theirs in slots.get(other.pk, []):
            a0 = _minutes(theirs.starts_at)
            a1 = a0 + other.session_minutes
            for slot in mine:
                b0 = _minutes(slot.starts_at)
                if slot.weekday == theirs.weekday and b0 < a1 and a0 < b0 + course.session_minutes:
                    raise LinliError(
                        CollegeErrorCode.ENROLL_CLASH,
                        f"与已报名的“{other.title}”（每{WEEKDAYS[theirs.weekday]} {_hhmm(a0)}–{_hhmm(a1)}）时间冲突",
                        status=409)


@transaction.atomic
def enrollment_create(*, by: Any, course: Course, resident: Resident, at: dt.datetime | None = None) -> Enrollment:
    """Enroll ``resident`` (first come: ENROLLED while seats last, else WAITLISTED; lottery: APPLIED).

    ``by`` is the resident's own user, a proxy holding the 报名 scope (channel PROXY), or staff with
    MANAGE_COLLEGE on the course's area (channel DESK). Refused with a clear message (and nothing
    written) when: already enrolled, outside the window, age/group/community limits, the per-term
    maximum reached, a clash with the resident's other courses' weekly slots, course not open."""
    now = _now(at)
    channel = channel_of(by, course, resident)
    policy = EnrollmentPolicy.objects.filter(course_id=course.pk).first()
    if policy is None:
        raise LinliError(CollegeErrorCode.ENROLL_CLOSED, f"“{course.title}”还没有开放报名")
    if resident.archived_at:
        raise LinliError(CollegeErrorCode.ENROLL_LIMIT, f"{resident.name} 的居民登记已注销，不能报名")
    _refuse_window(course, policy, now)  # the quick answer; asked again under the lock below
    _refuse_limits(course, policy, resident, now)
    # The resident's row is the lock of their own places: two enrollments of one resident in two
    # courses at once are taken one after the other, so the term's maximum and the clash check
    # below see each other. (Lock order everywhere: resident, then the course's policy.)
    list(Resident.objects.select_for_update().filter(pk=resident.pk).values_list("pk", flat=True))
    held = list(Enrollment.objects.filter(resident_id=resident.pk, status__in=ACTIVE_STATUSES,
                                          course__status__in=LIVE_COURSE)
                .select_related("course").only("pk", "status", "queue_no", "course_id", "course__title",
                                               "course__term", "course__starts_on", "course__ends_on",
                                               "course__session_minutes"))
    _refuse_held(course, resident, held)

    # Under the seat lock from here to the commit: keep it short.
    policy = _locked_policy(course, with_course=True)
    # Asked again now that nobody can change them: the window (moved, or closed while we waited),
    # the course's status (cancelled meanwhile), and whether the lottery has been drawn.
    course.status = policy.course.status
    _refuse_window(course, policy, now)
    if policy.mode == EnrollMode.LOTTERY:
        if LotteryDraw.objects.filter(course_id=course.pk).exists():
            raise LinliError(CollegeErrorCode.ENROLL_CLOSED, f"“{course.title}”已经摇号，不能再申请")
        if Enrollment.objects.filter(course_id=course.pk, resident_id=resident.pk,
                                     status=EnrollmentStatus.CANCELLED).exists():
            # Else a withdrawn application could be made again and again for a better number.
            raise LinliError(CollegeErrorCode.ENROLL_DUPLICATE,
                             f"{resident.name} 已撤回过“{course.title}”的申请，撤回后不能再次申请本次摇号", status=409)
    state = _course_state(course, resident, now)
    if state["mine"]:  # the same request twice at once: the second waited for the lock
        e = Enrollment.objects.filter(course_id=course.pk, resident_id=resident.pk, status__in=ACTIVE_STATUSES).first()
        raise LinliError(CollegeErrorCode.ENROLL_DUPLICATE,
                         f"{resident.name} 已报名“{course.title}”（{_place_text(e) if e else '已报名'}），不用重复报名",
                         status=409)
    seated = state["seated"]
    if policy.mode == EnrollMode.LOTTERY:
        status = EnrollmentStatus.APPLIED
    else:
        if state["stale"] or (state["waiting"] and seated < course.capacity):
            _expire_stale(course, policy, now)
            waitlist_promote(course=course, at=now)
            seated = Enrollment.objects.filter(course_id=course.pk, status__in=SEATED_STATUSES).count()
        status = EnrollmentStatus.ENROLLED if seated < course.capacity else EnrollmentStatus.WAITLISTED
    enrollment = Enrollment.objects.create(course=course, resident=resident, status=status, channel=channel, by=by,
                                           queue_no=(state["last"] or 0) + 1,
                                           enrolled_at=now if status == EnrollmentStatus.ENROLLED else None)
    _audit(by, "enrollment_create", enrollment, course, channel=channel, queue_no=enrollment.queue_no)
    return enrollment


def _course_state(course: Course, resident: Resident, now: dt.datetime) -> dict[str, Any]:
    """One query: seats taken, people waiting, offers gone stale, the last queue number, and this resident's
    active places (the duplicate check again, under the lock)."""
    return Enrollment.objects.filter(course_id=course.pk).aggregate(
        seated=Count("pk", filter=Q(status__in=SEATED_STATUSES)),
        waiting=Count("pk", filter=Q(status=EnrollmentStatus.WAITLISTED)),
        stale=Count("pk", filter=Q(status=EnrollmentStatus.OFFERED, offer_expires_at__lte=now)),
        last=Max("queue_no"),
        mine=Count("pk", filter=Q(resident_id=resident.pk, status__in=ACTIVE_STATUSES)),
    )


# --- the waitlist ------------------------------------------------------------------------------


def _expire_stale(course: Course, policy: EnrollmentPolicy, now: dt.datetime) -> list[Enrollment]:
    """Offers of this course not confirmed in time become EXPIRED (caller holds the policy lock)."""
    stale = list(Enrollment.objects.filter(course_id=course.pk, status=EnrollmentStatus.OFFERED,
                                           offer_expires_at__lte=now).select_related("resident"))
    for e in stale:
        e.status = EnrollmentStatus.EXPIRED
        e.ended_at = now
        e.ended_by = None
        e.end_reason = "候补名额逾期未确认"
        e.updated_at = now
    if stale:
        Enrollment.objects.bulk_update(stale, ["status", "ended_at", "ended_by", "end_reason", "updated_at"])
        for e in stale:
            _audit(None, "offer_expire", e, course)
        notices_send_many((e.resident, f"您候补的“{course.title}”名额已超过确认时间，已让给下一位候补的邻居。", False)
                          for e in stale)
    return stale


@transaction.atomic
def waitlist_promote(*, course: Course, at: dt.datetime | None = None) -> list[Enrollment]:
    """Offer every free seat to the waitlist in order (caller holds the policy lock), notifying each
    promoted resident by SMS and in-page message with the time to confirm."""
    now = _now(at)
    policy = _locked_policy(course)  # already held by the caller: taking it again costs nothing
    if Course.objects.filter(pk=course.pk).values_list("status", flat=True).get() not in LIVE_COURSE:
        return []  # an ended or cancelled course offers nobody a seat
    seated = Enrollment.objects.filter(course_id=course.pk, status__in=SEATED_STATUSES).count()
    free = course.capacity - seated
    if free <= 0:
        return []
    offered = list(Enrollment.objects.filter(course_id=course.pk, status=EnrollmentStatus.WAITLISTED)
                   .select_related("resident").order_by("queue_no", "pk")[:free])
    if not offered:
        return []
    expires = now + dt.timedelta(hours=policy.confirm_hours)
    for e in offered:
        e.status = EnrollmentStatus.OFFERED
        e.offer_expires_at = expires
        e.updated_at = now
    Enrollment.objects.bulk_update(offered, ["status", "offer_expires_at", "updated_at"])
    for e in offered:
        _audit(None, "waitlist_promote", e, course, offer_expires_at=expires.isoformat())
        notice_send(resident=e.resident, link=COURSES_LINK, sms=True,
                    text=f"您候补的“{course.title}”有空位了，请在 {local_text(expires)} 前打开邻里“课程”确认，"
                         "逾期名额将让给下一位。")
    return offered


def _end(enrollment: Enrollment, status: str, by: Any, reason: str, now: dt.datetime) -> None:
    enrollment.status = status
    enrollment.ended_at = now
    enrollment.ended_by = by if getattr(by, "pk", None) else None
    enrollment.end_reason = reason[:200]
    enrollment.offer_expires_at = enrollment.offer_expires_at if status == EnrollmentStatus.EXPIRED else None
    enrollment.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "offer_expires_at", "updated_at"])


def _refuse_inactive(enrollment: Enrollment, course: Course, wanted: tuple[str, ...], what: str) -> None:
    if enrollment.status not in wanted:
        label = STATUS_LABELS.get(enrollment.status, enrollment.status)
        raise LinliError(CollegeErrorCode.STATUS, f"{enrollment.resident.name} 在“{course.title}”的报名现为“{label}”，不能{what}",
                         status=409)


@transaction.atomic
def enrollment_cancel(*, by: Any, enrollment: Enrollment, reason: str = "",
                      at: dt.datetime | None = None) -> Enrollment:
    """Cancel (退课 / 放弃候补 / 撤回申请). Residents and proxies until the cancellation deadline, staff
    any time. A freed seat is offered to the waitlist at once (``waitlist_promote``)."""
    now = _now(at)
    e = _locked_enrollment(enrollment)
    course = e.course
    policy: EnrollmentPolicy = course.policy
    channel = channel_of(by, course, e.resident)
    _refuse_inactive(e, course, ACTIVE_STATUSES, "退课")
    seated = e.status in SEATED_STATUSES
    if channel != EnrollChannel.DESK:
        if seated:
            deadline = _deadline(course, policy)
            if now >= deadline:
                raise LinliError(CollegeErrorCode.CANCEL_CLOSED,
                                 f"“{course.title}”的退课已于 {local_text(deadline)} 截止，如确需退课请联系社区工作人员")
        elif course.status in (CourseStatus.ENDED, CourseStatus.CANCELLED) or timezone.localdate(now) > course.ends_on:
            raise LinliError(CollegeErrorCode.CANCEL_CLOSED, f"“{course.title}”已结束，不能再撤回")
    reason = common.text(reason, "reason", "退课原因", 200, required=False)
    if not reason:
        reason = {"applied": "撤回摇号申请", "waitlisted": "放弃候补"}.get(str(e.status), "退课")
    before = e.status
    _end(e, EnrollmentStatus.CANCELLED, by, reason, now)
    _audit(by, "enrollment_cancel", e, course, before=before, channel=channel, reason=reason)
    if seated:
        waitlist_promote(course=course, at=now)
    return _copy(enrollment, e)


@transaction.atomic
def _offer_expire_one(e: Enrollment, now: dt.datetime) -> None:
    course = e.course
    _expire_stale(course, course.policy, now)
    waitlist_promote(course=course, at=now)


def offer_confirm(*, by: Any, enrollment: Enrollment, at: dt.datetime | None = None) -> Enrollment:
    """The promoted resident confirms in time: OFFERED → ENROLLED."""
    now = _now(at)
    with transaction.atomic():
        e = _locked_enrollment(enrollment)
        course = e.course
        channel = channel_of(by, course, e.resident)
        _refuse_inactive(e, course, (EnrollmentStatus.OFFERED,), "确认候补名额")
        if course.status not in LIVE_COURSE:
            raise LinliError(CollegeErrorCode.STATUS,
                             f"“{course.title}”{CourseStatus(course.status).label}，不能再确认候补名额", status=409)
        expired = e.offer_expires_at is not None and now >= e.offer_expires_at
        if expired:
            _offer_expire_one(e, now)
        else:
            e.status = EnrollmentStatus.ENROLLED
            e.offer_expires_at = None
            e.enrolled_at = now
            e.save(update_fields=["status", "offer_expires_at", "enrolled_at", "updated_at"])
            _audit(by, "offer_confirm", e, course, channel=channel)
    if expired:
        assert e.offer_expires_at is not None
        _copy(enrollment, Enrollment.objects.get(pk=e.pk))
        raise LinliError(CollegeErrorCode.STATUS,
                         f"“{course.title}”的候补名额须在 {local_text(e.offer_expires_at)} 前确认，已逾期，名额已让给下一位",
                         status=409)
    return _copy(enrollment, e)


@transaction.atomic
def offer_decline(*, by: Any, enrollment: Enrollment, at: dt.datetime | None = None) -> Enrollment:
    """The promoted resident gives the seat up: it goes to the next on the waitlist."""
    now = _now(at)
    e = _locked_enrollment(enrollment)
    course = e.course
    channel = channel_of(by, course, e.resident)
    _refuse_inactive(e, course, (EnrollmentStatus.OFFERED,), "放弃候补名额")
    _end(e, EnrollmentStatus.CANCELLED, by, "放弃候补名额", now)
    _audit(by, "offer_decline", e, course, channel=channel)
    waitlist_promote(course=course, at=now)
    return _copy(enrollment, e)


def offers_expire(*, at: dt.datetime | None = None) -> int:
    """Offers not confirmed in time become EXPIRED and their seats go on down the waitlist."""
    now = _now(at)
    course_ids = sorted(set(Enrollment.objects.filter(status=EnrollmentStatus.OFFERED, offer_expires_at__lte=now)
                            .values_list("course_id", flat=True)))
    expired = 0
    for course_id in course_ids:
        with transaction.atomic():
            course = Course.objects.get(pk=course_id)
            policy = _locked_policy(course)
            expired += len(_expire_stale(course, policy, now))
            waitlist_promote(course=course, at=now)
    return expired


@transaction.atomic
def enrollment_release(*, by: Any, enrollment: Enrollment, reason: str, at: dt.datetime | None = None) -> Enrollment:
    """Release an enrolled resident's seat (the repeated-absence rule, or a worker); it goes to the waitlist.

    ``by`` is None when the absence rule runs on its own (the daily close), else staff with MANAGE_COLLEGE."""
    now = _now(at)
    e = _locked_enrollment(enrollment)
    course = e.course
    if by is not None and not _is_staff(by, course):
        raise forbidden(f"释放“{course.title}”的名额")
    reason = common.text(reason, "reason", "释放原因", 200)
    _refuse_inactive(e, course, (EnrollmentStatus.ENROLLED,), "释放名额")
    _end(e, EnrollmentStatus.RELEASED, by, reason, now)
    _audit(by, "enrollment_release", e, course, reason=reason)
    notice_send(resident=e.resident, link=COURSES_LINK, sms=True,
                text=f"您在“{course.title}”的名额已释放（{reason}），让给候补的邻居。如有疑问请联系社区。")
    waitlist_promote(course=course, at=now)
    return _copy(enrollment, e)


# --- the lottery -------------------------------------------------------------------------------


def _ranks(course: Course, policy: EnrollmentPolicy, applicants: list[Enrollment]) -> dict[int, tuple[int, str]]:
    """Each application's group rank and group name, with two queries for all of them."""
    priorities = list(policy.priorities)
    ids = [e.resident_id for e in applicants]
    alone: set[int] = set()
    classed: set[int] = set()
    if PriorityGroup.ALONE in priorities:
        alone = set(Resident.tags.through.objects.filter(tag_id=ALONE_TAG, resident_id__in=ids)
                    .values_list("resident_id", flat=True))
    if PriorityGroup.NO_CLASS in priorities:
        classed = set(Enrollment.objects.filter(resident_id__in=ids, status=EnrollmentStatus.ENROLLED,
                                                course__term=course.term).exclude(course_id=course.pk)
                      .values_list("resident_id", flat=True))
    result: dict[int, tuple[int, str]] = {}
    for e in applicants:
        member = {
            PriorityGroup.COMMUNITY: e.resident.area_id.startswith(course.area_id),
            PriorityGroup.ALONE: e.resident_id in alone,
            PriorityGroup.NO_CLASS: e.resident_id not in classed,
        }
        result[e.pk] = next(((i, g) for i, g in enumerate(priorities) if member.get(PriorityGroup(g))),
                            (len(priorities), ""))
    return result


def _set_drawn(rows: list[Enrollment], now: dt.datetime) -> None:
    """Write each application's status, place and group: one UPDATE … FROM (VALUES …) per thousand rows
    (PostgreSQL, and SQLite ≥ 3.33), instead of Django's per-row CASE expressions."""
    qn = connection.ops.quote_name
    table = qn(Enrollment._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = [v for e in chunk for v in (e.pk, e.queue_no, str(e.status), e.group)]
            cursor.execute(
                f"WITH drawn (id, queue_no, status, grp) AS (VALUES {values}) "
                f"UPDATE {table} SET {qn('status')} = drawn.status, {qn('queue_no')} = CAST(drawn.queue_no AS BIGINT), "
                f"{qn('group')} = drawn.grp, {qn('updated_at')} = %s, "
                f"{qn('enrolled_at')} = CASE WHEN drawn.status = %s THEN %s ELSE NULL END "
                f"FROM drawn WHERE {table}.{qn('id')} = CAST(drawn.id AS BIGINT)",
                [*params, now, str(EnrollmentStatus.ENROLLED), now])


@transaction.atomic
def lottery_draw(*, by: Any, course: Course, at: dt.datetime | None = None) -> LotteryDraw:
    """After the application window: draw with the policy's seed and priority groups, seat the first
    ``capacity``, waitlist the rest in drawn order, record everything, notify everyone."""
    now = _now(at)
    common.require_manage(by, course.area_id, f"为“{course.title}”摇号")
    policy = _locked_policy(course)
    if policy.mode != EnrollMode.LOTTERY:
        raise LinliError(CollegeErrorCode.STATUS, f"“{course.title}”是先到先得报名，不需要摇号", status=409)
    if LotteryDraw.objects.filter(course_id=course.pk).exists():
        raise LinliError(CoreErrorCode.CONFLICT, f"“{course.title}”已经摇过号，每门课程只摇一次", status=409)
    if now < policy.closes_at:
        raise LinliError(CollegeErrorCode.STATUS,
                         f"“{course.title}”的报名 {local_text(policy.closes_at)} 才截止，截止后才能摇号", status=409)
    if course.status not in (CourseStatus.PLANNED, CourseStatus.OPEN):
        raise LinliError(CollegeErrorCode.STATUS, f"“{course.title}”{CourseStatus(course.status).label}，不能摇号")
    applicants = list(Enrollment.objects.filter(course_id=course.pk, status=EnrollmentStatus.APPLIED)
                      .select_related("resident").only("pk", "resident_id", "resident__area_id", "resident__name")
                      .order_by("pk"))
    ranks = _ranks(course, policy, applicants)
    seated = Enrollment.objects.filter(course_id=course.pk, status__in=SEATED_STATUSES).count()
    seats = max(course.capacity - seated, 0)
    order = lottery.draw(policy.seed, [(e.pk, ranks[e.pk][0]) for e in applicants])
    place = {number: i for i, number in enumerate(order, start=1)}
    winners: list[int] = []
    for e in applicants:
        rank = place[e.pk]
        e.status = EnrollmentStatus.ENROLLED if rank <= seats else EnrollmentStatus.WAITLISTED
        e.queue_no = rank
        e.group = ranks[e.pk][1]
        e.updated_at = now
        e.enrolled_at = now if rank <= seats else None
        if rank <= seats:
            winners.append(e.pk)
    _set_drawn(applicants, now)
    draw = LotteryDraw.objects.create(
        course=course, seed=policy.seed, seats=seats, priorities=list(policy.priorities),
        applicants=[{"no": e.pk, "group": ranks[e.pk][0]} for e in applicants], order=order, drawn_at=now,
        drawn_by=by)
    audit_record(actor=by, action="college.lottery_draw", target=draw, area_code=course.area_id,
                 data={"course": course.pk, "seed": policy.seed, "seed_hash": policy.seed_hash, "seats": seats,
                       "applicants": len(applicants), "winners": len(winners)})
    # Winners get a text message too; everyone gets the in-page message.
    won = set(winners)
    full = {r.pk: r for r in Resident.objects.filter(pk__in=[e.resident_id for e in applicants if e.pk in won])}
    notes: list[tuple[Resident, str, bool]] = []
    for e in applicants:
        if e.status == EnrollmentStatus.ENROLLED:
            notes.append((full[e.resident_id], f"“{course.title}”摇号结果：您已中签，报名成功。"
                                               f"{course.starts_on.month}月{course.starts_on.day}日开课。", True))
        else:
            notes.append((e.resident, f"“{course.title}”摇号结果：这次没有摇中，您在候补名单第 {e.queue_no - seats} 位，"
                                      "有空位时会通知您。", False))
    notices_send_many(notes)
    return draw


def enrollments_end_for_course(*, by: Any, course: Course, reason: str, at: dt.datetime | None = None) -> int:
    """The course is cancelled: every active place ends (CANCELLED, “课程已取消”), and each resident is told.
    Called by ``courses.course_status_set`` inside its transaction; takes the seat lock."""
    now = _now(at)
    EnrollmentPolicy.objects.select_for_update().filter(course_id=course.pk).first()
    rows = list(Enrollment.objects.filter(course_id=course.pk, status__in=ACTIVE_STATUSES).select_related("resident"))
    why = f"课程已取消（{reason}）" if reason else "课程已取消"
    before = {e.pk: str(e.status) for e in rows}
    for e in rows:
        e.status = EnrollmentStatus.CANCELLED
        e.ended_at = now
        e.ended_by = by if getattr(by, "pk", None) else None
        e.end_reason = why[:200]
        e.offer_expires_at = None
        e.updated_at = now
    if rows:
        Enrollment.objects.bulk_update(rows, ["status", "ended_at", "ended_by", "end_reason", "offer_expires_at",
                                              "updated_at"])
        for e in rows:
            _audit(by, "enrollment_cancel", e, course, before=before[e.pk], channel=EnrollChannel.DESK, reason=why)
        notices_send_many((e.resident, f"很抱歉，“{course.title}”{why}，您的报名已随之取消。", True) for e in rows)
    return len(rows)
