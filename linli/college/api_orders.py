"""Class orders on the API: read them ranked by demand, and open one as a course."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.college.models import ClassOrder, Club
from linli.college.permissions import can_view_college
from linli.college.schemas_orders import (
    OrderFilters,
    OrderId,
    OrderOpenIn,
    OrderOpenOut,
    OrderOut,
    OrderPage,
    SlotCount,
)
from linli.college.selectors import orders as selectors
from linli.college.services import orders as services
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.schemas import paged, responses
from linli.surveys import slots

router = Router(tags=["社区学院"])

# The services name the page form's fields; the API's input names them with an id suffix.
_API_FIELD = {"teacher": "teacher_id", "venue": "venue_id", "club": "club_id"}


def _out(order: ClassOrder, matcher: selectors.Matcher) -> OrderOut:
    readiness = matcher.readiness(order)
    ranked = sorted(order.slot_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return OrderOut(
        id=order.pk, subject=order.subject, area_code=order.area_id, community=order.area.name,
        survey_id=order.survey_id, demand=order.demand, threshold=readiness.threshold, status=order.status,
        status_label=order.get_status_display(), progress=selectors.progress_text(order, readiness),
        age_profile=order.age_profile,
        slots=[SlotCount(slot=k, label=slots.label(k), count=v) for k, v in ranked if slots.is_valid(k)],
        teacher_ids=[t.pk for t in readiness.teachers], venue_ids=[v.pk for v in readiness.venues],
    )


@router.get("", response=responses({200: OrderPage}, 403), summary="兴趣订单（按想学人数排序）")
def order_list(request: HttpRequest, filters: Query[OrderFilters]):
    if not can_view_college(request.user):
        raise forbidden("查看社区学院")
    qs = selectors.orders_visible(request.user, within=filters.area or None, status=filters.status, q=filters.q)
    matcher = selectors.Matcher()
    return paged(qs.order_by("-demand", "subject", "pk"), filters, lambda o: _out(o, matcher), OrderPage)


@router.get("/{order_id}", response=responses({200: OrderOut}, 403, 404), summary="兴趣订单详情")
def order_detail(request: HttpRequest, order_id: OrderId):
    return _out(selectors.order_get(request.user, order_id), selectors.Matcher())


@router.post("/{order_id}/open", response=responses({201: OrderOpenOut}, 400, 403, 404, 409),
             summary="订单开班：人数达到门槛、选定老师和场地后生成课程")
def order_open(request: HttpRequest, order_id: OrderId, payload: OrderOpenIn):
    from linli.college.selectors.teachers import teachers_usable
    from linli.college.selectors.venues import venues_usable

    order = selectors.order_get(request.user, order_id)
    if not has_permission(request.user, Perm.MANAGE_COLLEGE, order.area_id):
        raise forbidden("处理该社区的兴趣订单")  # before the ids are looked at: a viewer learns nothing
    # An id the community may not use is the same as no choice: the service says what is missing.
    teacher = teachers_usable(order.area_id).filter(pk=payload.teacher_id).first() if payload.teacher_id else None
    venue = venues_usable(order.area_id).filter(pk=payload.venue_id).first() if payload.venue_id else None
    club = Club.objects.filter(area_id=order.area_id, pk=payload.club_id).first() if payload.club_id else None
    if payload.teacher_id and teacher is None:
        raise invalid("teacher_id", "老师", "不在本社区可请的师资中")
    if payload.venue_id and venue is None:
        raise invalid("venue_id", "场地", "不是本社区可用的场地")
    if payload.club_id and club is None:
        raise invalid("club_id", "社团", "不是本社区的社团")
    try:
        course = services.order_open(
            by=request.user, order=order, teacher=teacher, venue=venue, club=club, club_name=payload.club_name,
            title=payload.title, term=payload.term, capacity=payload.capacity, starts_on=payload.starts_on,
            ends_on=payload.ends_on, sessions_per_week=payload.sessions_per_week,
            session_minutes=payload.session_minutes,
        )
    except LinliError as exc:
        exc.field = _API_FIELD.get(exc.field or "", exc.field)
        raise
    order = selectors.order_get(request.user, order_id)
    return Status(201, OrderOpenOut(course_id=course.pk, order=_out(order, selectors.Matcher())))
