"""The volunteering API: volunteers, activities, service records and the honor roll (reads), sign-up and
confirmation of hours (writes). Thin: selectors read, services write; every list already scoped."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Status

from linli.core.errors import forbidden, not_found
from linli.core.schemas import paged, responses
from linli.volunteering import permissions, selectors, services
from linli.volunteering.models import Activity, ServiceRecord, Signup, Volunteer
from linli.volunteering.schemas import (
    ActivityDetailOut,
    ActivityFilters,
    ActivityId,
    ActivityOut,
    ActivityPage,
    ConfirmIn,
    RecordFilters,
    RecordId,
    RecordOut,
    RecordPage,
    RoleOut,
    RollFilters,
    RollRowOut,
    SignupConfirmIn,
    SignupId,
    SignupIn,
    SignupOut,
    VolunteerFilters,
    VolunteerId,
    VolunteerOut,
    VolunteerPage,
)

router = Router(tags=["志愿服务"])


def _require_view(request: HttpRequest) -> None:
    if not permissions.can_view(request.user):
        raise forbidden("查看志愿服务")


def _volunteer_out(v: Volunteer) -> VolunteerOut:
    return VolunteerOut(id=v.pk, number=v.number or "", name=v.resident.name, area_code=v.area_id, status=v.status,
                        skills=v.skills, availability=v.availability,
                        hours=getattr(v, "hours_total", None) or Decimal(0))


def _activity_out(a: Activity) -> ActivityOut:
    return ActivityOut(id=a.pk, title=a.title, area_code=a.area_id, community=a.area.name,
                       team=a.team.name if a.team else None, place=a.place, starts_at=a.starts_at, ends_at=a.ends_at,
                       status=a.status, organiser=str(a.organiser), signed=getattr(a, "signed", 0),
                       capacity=getattr(a, "capacity", 0))


def _record_out(r: ServiceRecord) -> RecordOut:
    return RecordOut(id=r.pk, volunteer_id=r.volunteer_id, volunteer_name=r.volunteer.resident.name,
                     activity_id=r.activity_id, organisation=r.organisation, content=r.content, place=r.place,
                     starts_at=r.starts_at, ends_at=r.ends_at, hours=r.hours, points=r.points, status=r.status,
                     confirmed_by=str(r.confirmed_by) if r.confirmed_by else None, confirmed_at=r.confirmed_at)


def _signup_out(s: Signup) -> SignupOut:
    return SignupOut(id=s.pk, activity_id=s.activity_id, volunteer_id=s.volunteer_id, role=s.role.name,
                     status=s.status, checked_in_at=s.checked_in_at, checked_out_at=s.checked_out_at)


@router.get("/volunteers", response=responses({200: VolunteerPage}, 403), summary="志愿者列表（按所持地区过滤）")
def volunteer_list(request: HttpRequest, filters: Query[VolunteerFilters]):
    _require_view(request)
    qs = selectors.volunteers_visible(request.user, within=filters.area or None, status=filters.status,
                                      q=filters.q).order_by("area_id", "resident__name", "pk")
    return paged(qs, filters, _volunteer_out, VolunteerPage)


@router.get("/volunteers/{volunteer_id}", response=responses({200: VolunteerOut}, 403, 404), summary="志愿者详情")
def volunteer_detail(request: HttpRequest, volunteer_id: VolunteerId):
    _require_view(request)
    return _volunteer_out(selectors.volunteer_get(request.user, volunteer_id))


@router.get("/activities", response=responses({200: ActivityPage}, 403), summary="志愿服务活动列表")
def activity_list(request: HttpRequest, filters: Query[ActivityFilters]):
    _require_view(request)
    qs = selectors.activities_visible(request.user, within=filters.area or None, status=filters.status,
                                      q=filters.q).order_by("-starts_at", "pk")
    return paged(qs, filters, _activity_out, ActivityPage)


@router.get("/activities/{activity_id}", response=responses({200: ActivityDetailOut}, 403, 404),
            summary="活动详情（含岗位和已报名人数）")
def activity_detail(request: HttpRequest, activity_id: ActivityId):
    _require_view(request)
    a = selectors.activities_visible(request.user).filter(pk=activity_id).first()
    if a is None:
        raise not_found("活动")
    roles = [RoleOut(id=r.pk, name=r.name, headcount=r.headcount, taken=getattr(r, "taken", 0))
             for r in selectors.roles_with_counts(a)]
    return ActivityDetailOut(**_activity_out(a).dict(), description=a.description, roles=roles)


@router.post("/activities/{activity_id}/signups", response=responses({201: SignupOut}, 400, 403, 404, 409),
             summary="为志愿者报名（名额满、重复报名：409）")
def signup_create(request: HttpRequest, activity_id: ActivityId, payload: SignupIn):
    _require_view(request)
    activity = selectors.activity_get(request.user, activity_id)
    volunteer = selectors.volunteer_get(request.user, payload.volunteer_id)
    role = activity.roles.filter(pk=payload.role_id).first()
    if role is None:
        raise not_found("岗位")
    signup = services.signup_create(by=request.user, activity=activity, volunteer=volunteer, role=role)
    return Status(201, _signup_out(signup))


@router.post("/signups/{signup_id}/confirm", response=responses({200: RecordOut}, 400, 403, 404, 409),
             summary="组织者确认报名者的服务时长并发放积分（谁记录谁证明）")
def signup_confirm(request: HttpRequest, signup_id: SignupId, payload: SignupConfirmIn):
    _require_view(request)
    activities = selectors.activities_visible(request.user)
    signup = Signup.objects.filter(pk=signup_id, activity__in=activities).select_related("activity").first()
    if signup is None:
        raise not_found("报名")
    record = services.service_record_confirm_signup(by=request.user, signup=signup, hours=payload.hours,
                                                    starts_at=payload.starts_at, ends_at=payload.ends_at)
    return _record_out(selectors.record_get(request.user, record.pk))


@router.get("/records", response=responses({200: RecordPage}, 403), summary="服务记录列表")
def record_list(request: HttpRequest, filters: Query[RecordFilters]):
    _require_view(request)
    qs = selectors.records_visible(request.user, within=filters.area or None, status=filters.status,
                                   since=filters.since, until=filters.until).order_by("-starts_at", "pk")
    if filters.volunteer_id:
        qs = qs.filter(volunteer_id=filters.volunteer_id)
    return paged(qs, filters, _record_out, RecordPage)


@router.post("/records/{record_id}/confirm", response=responses({200: RecordOut}, 400, 403, 404, 409),
             summary="确认服务时长并发放积分（重叠、重复确认：409）")
def record_confirm(request: HttpRequest, record_id: RecordId, payload: ConfirmIn):
    _require_view(request)
    record = selectors.record_get(request.user, record_id)
    services.service_record_confirm(by=request.user, record=record, hours=payload.hours)
    return _record_out(selectors.record_get(request.user, record_id))


@router.get("/honor-roll", response=responses({200: list[RollRowOut]}, 403, 404),
            summary="光荣榜：社区或街道的月榜、年榜，按服务时长或志愿积分")
def honor_roll(request: HttpRequest, filters: Query[RollFilters]):
    _require_view(request)
    rows = selectors.honor_roll(request.user, area_code=filters.area, year=filters.year, month=filters.month,
                                order=filters.order, limit=filters.limit)
    return [RollRowOut(**row.__dict__) for row in rows]
