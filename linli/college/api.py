"""The college on the API: alliances, clubs, teachers, venues and courses (and class orders).

Reads go through the scoped selectors; a record out of reach is the same 404 as a missing one.
A teacher's phone is only ever masked here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from linli.college import catalog, permissions
from linli.college.api_orders import router as orders_router
from linli.college.models import Alliance, ClassOrder, Club, Course, Teacher, Venue
from linli.college.schemas import (
    AllianceFilters,
    AllianceId,
    AllianceOut,
    AlliancePage,
    ClubFilters,
    ClubId,
    ClubIn,
    ClubOut,
    ClubPage,
    CourseFilters,
    CourseId,
    CourseIn,
    CourseOut,
    CoursePage,
    TeacherFilters,
    TeacherId,
    TeacherIn,
    TeacherOut,
    TeacherPage,
    VenueFilters,
    VenueId,
    VenueIn,
    VenueOut,
    VenuePage,
    WindowOut,
)
from linli.college.selectors import clubs as club_selectors
from linli.college.selectors import courses as course_selectors
from linli.college.selectors import teachers as teacher_selectors
from linli.college.selectors import venues as venue_selectors
from linli.college.services import clubs as club_services
from linli.college.services import courses as course_services
from linli.college.services import teachers as teacher_services
from linli.college.services import venues as venue_services
from linli.college.services.common import WEEKDAYS, hhmm
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.schemas import paged, responses
from linli.people.selectors import residents_visible

router = Router(tags=["社区学院"])
router.add_router("/orders", orders_router)

# The services name the page forms' fields; the API's inputs name some of them differently.
_API_FIELD = {"area": "area_code", "alliance": "alliance_id", "leader": "leader_id", "resident": "resident_id",
              "teacher": "teacher_id", "venue": "venue_id", "club": "club_id", "order": "order_id"}


class _renamed:
    """Re-raise a service's refusal with the field named as the API names it."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if isinstance(exc, LinliError):
            exc.field = _API_FIELD.get(exc.field or "", exc.field)


def _require_view(request: HttpRequest) -> None:
    if not permissions.can_view_college(request.user):
        raise forbidden("查看社区学院")


def _windows(obj: Teacher | Venue) -> list[WindowOut]:
    return [WindowOut(weekday=w.weekday, weekday_label=WEEKDAYS[w.weekday], starts=hhmm(w.starts), ends=hhmm(w.ends))
            for w in obj.windows.all()]


# --- alliances ------------------------------------------------------------------------------


def _alliance_out(a: Alliance) -> AllianceOut:
    return AllianceOut(id=a.pk, name=a.name, area_code=a.area_id, community=a.area.name, position=a.position,
                       head_id=a.head_id, head_name=a.head.name if a.head else "", club_count=getattr(a, "club_count", 0))


@router.get("/alliances", response=responses({200: AlliancePage}, 403), summary="社团联盟")
def alliance_list(request: HttpRequest, filters: Query[AllianceFilters]):
    _require_view(request)
    return paged(club_selectors.alliances_visible(request.user, within=filters.area or None), filters, _alliance_out,
                 AlliancePage)


@router.get("/alliances/{alliance_id}", response=responses({200: AllianceOut}, 403, 404), summary="社团联盟详情")
def alliance_detail(request: HttpRequest, alliance_id: AllianceId):
    return _alliance_out(club_selectors.alliance_get(request.user, alliance_id))


# --- clubs ----------------------------------------------------------------------------------


def _club_out(c: Club) -> ClubOut:
    return ClubOut(id=c.pk, name=c.name, area_code=c.area_id, community=c.area.name, alliance_id=c.alliance_id,
                   alliance=c.alliance.name, leader_id=c.leader_id, leader_name=c.leader.name if c.leader else "",
                   description=c.description, founded_on=c.founded_on, archived=c.archived_at is not None,
                   member_count=getattr(c, "member_count", 0),
                   course_count=getattr(c, "course_count", 0))


@router.get("/clubs", response=responses({200: ClubPage}, 403), summary="社团")
def club_list(request: HttpRequest, filters: Query[ClubFilters]):
    _require_view(request)
    qs = club_selectors.clubs_visible(request.user, within=filters.area or None, alliance_id=filters.alliance_id,
                                      q=filters.q, include_archived=filters.include_archived)
    return paged(qs, filters, _club_out, ClubPage)


@router.get("/clubs/{club_id}", response=responses({200: ClubOut}, 403, 404), summary="社团详情")
def club_detail(request: HttpRequest, club_id: ClubId):
    return _club_out(club_selectors.club_get(request.user, club_id))


def _require_manage(request: HttpRequest, area_code: str, action: str) -> None:
    # Checked before any id is looked up, so ids in others' areas tell nothing.
    if not permissions.can_manage_area(request.user, area_code):
        raise forbidden(action)


@router.post("/clubs", response=responses({201: ClubOut}, 400, 403, 409), summary="成立社团")
def club_create(request: HttpRequest, payload: ClubIn):
    _require_manage(request, payload.area_code, "在该社区成立社团")
    alliance = Alliance.objects.filter(pk=payload.alliance_id, area_id=payload.area_code).first()
    if alliance is None:
        raise invalid("alliance_id", "所属联盟", "不是该社区的社团联盟")
    leader = None
    if payload.leader_id:
        leader = residents_visible(request.user, within=payload.area_code).filter(pk=payload.leader_id).first()
        if leader is None:
            raise invalid("leader_id", "团长", "该社区没有这位居民")
    with _renamed():
        club = club_services.club_create(by=request.user, area_code=payload.area_code, alliance=alliance,
                                         name=payload.name, leader=leader, description=payload.description,
                                         founded_on=payload.founded_on)
    return Status(201, _club_out(club_selectors.club_get(request.user, club.pk)))


# --- teachers -------------------------------------------------------------------------------


def _teacher_out(request: HttpRequest):
    def out(t: Teacher) -> TeacherOut:
        return TeacherOut(
            id=t.pk, name=t.name, area_code=t.area_id, area_name=t.area.name, kind=t.kind,
            kind_label=t.get_kind_display(), status=t.status, status_label=t.get_status_display(), skills=t.skills,
            phone_masked=t.phone_masked, bio=t.bio, windows=_windows(t), course_count=getattr(t, "course_count", 0),
            editable=permissions.can_manage(request.user, t),
        )

    return out


@router.get("/teachers", response=responses({200: TeacherPage}, 403), summary="师资库（电话脱敏）")
def teacher_list(request: HttpRequest, filters: Query[TeacherFilters]):
    _require_view(request)
    qs = teacher_selectors.teachers_visible(request.user, within=filters.area or None, kind=filters.kind,
                                           status=filters.status, q=filters.q)
    return paged(qs, filters, _teacher_out(request), TeacherPage)


@router.get("/teachers/{teacher_id}", response=responses({200: TeacherOut}, 403, 404), summary="老师详情（电话脱敏）")
def teacher_detail(request: HttpRequest, teacher_id: TeacherId):
    return _teacher_out(request)(teacher_selectors.teacher_get(request.user, teacher_id))


@router.post("/teachers", response=responses({201: TeacherOut}, 400, 403), summary="登记老师")
def teacher_create(request: HttpRequest, payload: TeacherIn):
    _require_manage(request, payload.area_code, "在该地区登记老师")
    with _renamed():
        teacher = teacher_services.teacher_create(
            by=request.user, area_code=payload.area_code, name=payload.name, kind=payload.kind, skills=payload.skills,
            phone=payload.phone, bio=payload.bio, status=payload.status,
            windows=[(w.weekday, w.starts, w.ends) for w in payload.windows],
        )
    return Status(201, _teacher_out(request)(teacher_selectors.teacher_get(request.user, teacher.pk)))


# --- venues ---------------------------------------------------------------------------------


def _venue_out(request: HttpRequest):
    def out(v: Venue) -> VenueOut:
        return VenueOut(
            id=v.pk, name=v.name, area_code=v.area_id, area_name=v.area.name, address=v.address, capacity=v.capacity,
            floor_area=float(v.floor_area) if v.floor_area is not None else None, features=v.features,
            feature_labels=v.feature_labels, owner_kind=v.owner_kind, owner_name=v.owner_name, shared=v.shared,
            archived=v.archived_at is not None, windows=_windows(v), editable=permissions.can_manage(request.user, v),
        )

    return out


@router.get("/venues", response=responses({200: VenuePage}, 403), summary="场地（含本社区可用的街道及共用场地）")
def venue_list(request: HttpRequest, filters: Query[VenueFilters]):
    _require_view(request)
    qs = venue_selectors.venues_visible(request.user, within=filters.area or None, feature=filters.feature,
                                        q=filters.q, include_archived=filters.include_archived)
    return paged(qs, filters, _venue_out(request), VenuePage)


@router.get("/venues/{venue_id}", response=responses({200: VenueOut}, 403, 404), summary="场地详情")
def venue_detail(request: HttpRequest, venue_id: VenueId):
    return _venue_out(request)(venue_selectors.venue_get(request.user, venue_id))


@router.post("/venues", response=responses({201: VenueOut}, 400, 403), summary="登记场地")
def venue_create(request: HttpRequest, payload: VenueIn):
    _require_manage(request, payload.area_code, "在该地区登记场地")
    with _renamed():
        venue = venue_services.venue_create(
            by=request.user, area_code=payload.area_code, name=payload.name, capacity=payload.capacity,
            features=payload.features, floor_area=payload.floor_area, address=payload.address,
            owner_kind=payload.owner_kind, owner_name=payload.owner_name, shared=payload.shared, note=payload.note,
            windows=[(w.weekday, w.starts, w.ends) for w in payload.windows],
        )
    return Status(201, _venue_out(request)(venue_selectors.venue_get(request.user, venue.pk)))


# --- courses --------------------------------------------------------------------------------


def _course_out(c: Course) -> CourseOut:
    return CourseOut(
        id=c.pk, title=c.title, area_code=c.area_id, community=c.area.name, club_id=c.club_id, club=c.club.name,
        term=c.term, sessions_per_week=c.sessions_per_week, session_minutes=c.session_minutes, capacity=c.capacity,
        teacher_id=c.teacher_id, teacher=c.teacher.name if c.teacher else "", venue_id=c.venue_id,
        venue=c.venue.name if c.venue else "", needed_features=c.needed_features, starts_on=c.starts_on,
        ends_on=c.ends_on, status=c.status, status_label=c.get_status_display(), order_id=c.order_id,
        description=c.description,
    )


@router.get("/courses", response=responses({200: CoursePage}, 403), summary="课程")
def course_list(request: HttpRequest, filters: Query[CourseFilters]):
    _require_view(request)
    qs = course_selectors.courses_visible(request.user, within=filters.area or None, status=filters.status,
                                          term=filters.term, club_id=filters.club_id, q=filters.q)
    return paged(qs, filters, _course_out, CoursePage)


@router.get("/courses/{course_id}", response=responses({200: CourseOut}, 403, 404), summary="课程详情")
def course_detail(request: HttpRequest, course_id: CourseId):
    return _course_out(course_selectors.course_get(request.user, course_id))


@router.post("/courses", response=responses({201: CourseOut}, 400, 403, 404), summary="开设课程")
def course_create(request: HttpRequest, payload: CourseIn):
    club = club_selectors.club_get(request.user, payload.club_id)  # 404 when out of sight
    if not permissions.can_manage(request.user, club):
        raise forbidden("为该社团开设课程")
    # A teacher or venue the caller sees goes to the service, which says why it cannot be used.
    teacher = venue = order = None
    if payload.teacher_id:
        teacher = teacher_selectors.teachers_visible(request.user).filter(pk=payload.teacher_id).first()
        if teacher is None:
            raise invalid("teacher_id", "老师", "师资库中没有这位老师")
    if payload.venue_id:
        venue = venue_selectors.venues_visible(request.user, include_archived=True).filter(pk=payload.venue_id).first()
        if venue is None:
            raise invalid("venue_id", "场地", "没有这个场地")
    if payload.order_id:
        order = ClassOrder.objects.filter(pk=payload.order_id, area_id=club.area_id).first()
        if order is None:
            raise invalid("order_id", "兴趣订单", "不是本社区的兴趣订单")
    features = payload.needed_features
    if features is None:
        features = list(catalog.kind_of(payload.title).features)
    with _renamed():
        course = course_services.course_create(
            by=request.user, club=club, title=payload.title, term=payload.term, capacity=payload.capacity,
            starts_on=payload.starts_on, ends_on=payload.ends_on, sessions_per_week=payload.sessions_per_week,
            session_minutes=payload.session_minutes, teacher=teacher, venue=venue, needed_features=features,
            description=payload.description, order=order, status=payload.status,
        )
    return Status(201, _course_out(course_selectors.course_get(request.user, course.pk)))


