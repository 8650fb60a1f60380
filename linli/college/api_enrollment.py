"""Enrollment, the lottery, sessions and attendance on the API (mounted under /college).

Enrollment records are about persons: they follow the PLAIN visibility rule on the course's area
(a grid worker does not see rosters). A record out of reach is the same 404 as a missing one; a
write needs MANAGE_COLLEGE (403, checked before any id is looked at when the caller has it
nowhere). Phones only ever masked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from linli.accounts.roles import Perm
from linli.college import permissions
from linli.college.models import (
    AttendanceMethod,
    Course,
    Enrollment,
    EnrollmentStatus,
    LotteryDraw,
    PriorityGroup,
    Session,
)
from linli.college.schemas_enrollment import (
    AttendanceLine,
    AttendanceOut,
    CancelIn,
    CourseId,
    EnrollIn,
    EnrollmentFilters,
    EnrollmentId,
    EnrollmentOut,
    EnrollmentPage,
    LotteryApplicant,
    LotteryOut,
    RosterIn,
    SessionId,
    SessionOut,
)
from linli.college.selectors import enrollment as selectors
from linli.college.selectors import sessions as session_selectors
from linli.college.services import attendance as attendance_services
from linli.college.services import enrollment as services
from linli.core.errors import LinliError, forbidden, invalid, not_found
from linli.core.names import mask_name
from linli.core.schemas import paged, responses
from linli.people.selectors import residents_visible

router = Router(tags=["社区学院 · 报名与考勤"])


def _require_manage_anywhere(request: HttpRequest, action: str) -> None:
    if not permissions.can_manage_college_anywhere(request.user):
        raise forbidden(action)


def _course(request: HttpRequest, course_id: int, *, manage: str = "") -> Course:
    """The course, if the caller sees its enrollments; ``manage``: the action a write needs MANAGE for."""
    if manage:
        _require_manage_anywhere(request, manage)
    if not permissions.can_view_college(request.user):
        raise forbidden("查看社区学院")
    course = selectors.roster_course_get(request.user, course_id)
    if manage and not permissions.can_manage(request.user, course):
        raise forbidden(manage)
    return course


def _session(request: HttpRequest, session_id: int) -> Session:
    if not permissions.can_view_college(request.user):
        raise forbidden("查看社区学院")
    return selectors.session_get(request.user, session_id)


def _community(resident: Any) -> str:
    area = resident.area
    return area.parent.name if area.level == "grid" and area.parent else area.name


def _by(e: Enrollment) -> str:
    return (e.by.full_name or e.by.username) if e.by_id else ""


def _enrollment_out(e: Enrollment, position: int | None = None) -> EnrollmentOut:
    r = e.resident
    return EnrollmentOut(
        id=e.pk, course_id=e.course_id, resident_id=r.pk, name=r.name, phone_masked=r.phone_masked,
        community=_community(r), status=e.status, status_label=e.get_status_display(), channel=e.channel,
        channel_label=e.get_channel_display(), by=_by(e), queue_no=e.queue_no, waitlist_position=position,
        offer_expires_at=e.offer_expires_at, created_at=e.created_at, ended_at=e.ended_at, end_reason=e.end_reason,
    )


def _with_position(e: Enrollment) -> EnrollmentOut:
    position = selectors.waitlist_position(e) if e.status == EnrollmentStatus.WAITLISTED else None
    return _enrollment_out(e, position)


@router.get("/courses/{course_id}/enrollments", response=responses({200: EnrollmentPage}, 403, 404),
            summary="课程报名名单（电话脱敏）")
def enrollment_list(request: HttpRequest, course_id: CourseId, filters: Query[EnrollmentFilters]):
    course = _course(request, course_id)
    statuses = (filters.status,) if filters.status else None
    qs = selectors.roster(course, statuses=statuses).select_related("resident__area__parent", "by")
    if filters.status == EnrollmentStatus.WAITLISTED:
        # In queue order: the place is the row's index, without a query per row.
        start = (filters.page - 1) * filters.page_size
        rows = list(qs[start : start + filters.page_size])
        items = [_enrollment_out(e, start + i) for i, e in enumerate(rows, start=1)]
        return EnrollmentPage(count=qs.count(), page=filters.page, page_size=filters.page_size, items=items)
    return paged(qs, filters, _enrollment_out, EnrollmentPage)


@router.post("/courses/{course_id}/enrollments", response=responses({201: EnrollmentOut}, 400, 403, 404, 409),
             summary="窗口报名：工作人员为到场的居民报名（满员则候补，摇号课程为申请）")
def enrollment_create(request: HttpRequest, course_id: CourseId, payload: EnrollIn):
    course = _course(request, course_id, manage="为居民报名")
    resident = residents_visible(request.user).filter(pk=payload.resident_id).first()
    if resident is None:
        raise invalid("resident_id", "居民", "没有找到这位居民（须为您负责地区登记在册的居民）")
    try:
        enrollment = services.enrollment_create(by=request.user, course=course, resident=resident)
    except LinliError as exc:
        if exc.field == "resident":
            exc.field = "resident_id"
        raise
    e = selectors.roster(course).select_related("resident__area__parent", "by").get(pk=enrollment.pk)
    return Status(201, _with_position(e))


@router.post("/enrollments/{enrollment_id}/cancel", response=responses({200: EnrollmentOut}, 400, 403, 404, 409),
             summary="为居民退课（须填写原因）")
def enrollment_cancel(request: HttpRequest, enrollment_id: EnrollmentId, payload: CancelIn):
    _require_manage_anywhere(request, "为居民退课")
    found = selectors.enrollments_visible(request.user, Perm.VIEW_COLLEGE).filter(pk=enrollment_id).first()
    if found is None:
        raise not_found("报名记录")
    if not permissions.can_manage_area(request.user, found.course.area_id):
        raise forbidden("为居民退课")
    reason = " ".join(payload.reason.split())
    if not reason:
        raise invalid("reason", "退课原因", "不能为空")
    services.enrollment_cancel(by=request.user, enrollment=found, reason=reason)
    e = selectors.roster(found.course).select_related("resident__area__parent", "by").get(pk=found.pk)
    return _enrollment_out(e)


# --- the lottery ------------------------------------------------------------------------------


def _lottery_out(course: Course) -> LotteryOut:
    policy = selectors.policy_of(course)
    if policy is None:
        raise not_found("报名设置")
    draw = LotteryDraw.objects.filter(course=course).first()
    labels = [PriorityGroup(p).label for p in (draw.priorities if draw else policy.priorities)
              if p in PriorityGroup.values]
    if draw is None:
        return LotteryOut(course_id=course.pk, mode=policy.mode, opens_at=policy.opens_at, closes_at=policy.closes_at,
                          seed_hash=policy.seed_hash, drawn=False, seats=course.capacity, priorities=labels,
                          applicants=selectors.roster(course, statuses=(EnrollmentStatus.APPLIED,)).count(),
                          seed=None, drawn_at=None, results=[], record=None)
    rank = {no: i for i, no in enumerate(draw.order, start=1)}
    enrollments = {e.pk: e for e in selectors.roster(course).filter(pk__in=[a["no"] for a in draw.applicants])}
    results = []
    for a in sorted(draw.applicants, key=lambda a: rank.get(a["no"], 10**9)):
        e = enrollments.get(a["no"])
        g = a.get("group")
        results.append(LotteryApplicant(
            no=a["no"], name_masked=mask_name(e.resident.name) if e else "",
            group=labels[g] if isinstance(g, int) and 0 <= g < len(labels) else "其他居民",
            rank=rank.get(a["no"]), selected=rank.get(a["no"], 10**9) <= draw.seats, status=e.status if e else ""))
    return LotteryOut(course_id=course.pk, mode=policy.mode, opens_at=policy.opens_at, closes_at=policy.closes_at,
                      seed_hash=policy.seed_hash, drawn=True, seats=draw.seats, priorities=labels,
                      applicants=len(draw.applicants), seed=draw.seed, drawn_at=draw.drawn_at, results=results,
                      record=selectors.lottery_record(draw))


@router.get("/courses/{course_id}/lottery", response=responses({200: LotteryOut}, 403, 404),
            summary="摇号：摇号前公示种子摘要和申请人数，摇号后公开种子、名单和结果")
def lottery_detail(request: HttpRequest, course_id: CourseId):
    return _lottery_out(_course(request, course_id))


@router.post("/courses/{course_id}/lottery/draw", response=responses({200: LotteryOut}, 400, 403, 404, 409),
             summary="申请截止后摇号（只能一次）")
def lottery_draw(request: HttpRequest, course_id: CourseId):
    course = _course(request, course_id, manage="为该课程摇号")
    services.lottery_draw(by=request.user, course=course)
    return _lottery_out(course)


# --- sessions and attendance -------------------------------------------------------------------


def _session_out(s: Session) -> SessionOut:
    return SessionOut(id=s.pk, course_id=s.course_id, starts_at=s.starts_at, ends_at=s.ends_at, venue_id=s.venue_id,
                      venue=s.venue.name if s.venue else "", status=s.status, status_label=s.get_status_display(),
                      cancel_reason=s.cancel_reason, closed_at=s.closed_at)


@router.get("/courses/{course_id}/sessions", response=responses({200: list[SessionOut]}, 403, 404),
            summary="课程的课次")
def session_list(request: HttpRequest, course_id: CourseId):
    course = _course(request, course_id)
    return [_session_out(s) for s in session_selectors.sessions_of(course)]


def _attendance_out(session: Session) -> AttendanceOut:
    lines = []
    counts = {"present": 0, "absent": 0, "excused": 0}
    for e, a in session_selectors.attendance_of(session):
        if a is not None:
            counts[a.status] = counts.get(a.status, 0) + 1
        lines.append(AttendanceLine(
            enrollment_id=e.pk, resident_id=e.resident_id, name=e.resident.name, phone_masked=e.resident.phone_masked,
            enrollment_status=e.status, status=a.status if a else None,
            status_label=a.get_status_display() if a else "未签到", method=a.method if a else None,
            recorded_at=a.recorded_at if a else None))
    return AttendanceOut(session=_session_out(session), lines=lines, **counts)


@router.get("/sessions/{session_id}/attendance", response=responses({200: AttendanceOut}, 403, 404),
            summary="课次考勤名单（电话脱敏）")
def attendance_detail(request: HttpRequest, session_id: SessionId):
    return _attendance_out(_session(request, session_id))


@router.post("/sessions/{session_id}/attendance", response=responses({200: AttendanceOut}, 400, 403, 404, 409),
             summary="录入纸质签到表：到课、请假的报名编号，下课后其余记为缺勤并结束本次考勤（下课前只保存到课与请假）")
def attendance_submit(request: HttpRequest, session_id: SessionId, payload: RosterIn):
    _require_manage_anywhere(request, "录入考勤")
    session = _session(request, session_id)
    if not permissions.can_take_attendance(request.user, session):
        raise forbidden("为该课次登记考勤")
    attendance_services.roll_call_submit(by=request.user, session=session, present=payload.present,
                                         excused=payload.excused, method=AttendanceMethod.ROSTER,
                                         at=timezone.now())
    session.refresh_from_db()
    return _attendance_out(session)
