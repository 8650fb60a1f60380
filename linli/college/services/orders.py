"""Class orders (兴趣订单): demand from the interest survey, the threshold, opening a class.

Orders are recomputed from the answers each time one arrives (the survey hook below), inside
the answer's transaction. The community's settings row is locked first, so two answers arriving
together are counted one after the other and neither is lost.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Area, Level
from linli.college import catalog, demand
from linli.college.models import (
    DEFAULT_THRESHOLD,
    Alliance,
    ClassOrder,
    Club,
    CollegeSettings,
    Course,
    OrderStatus,
    Teacher,
    Venue,
)
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import audit_record
from linli.surveys.models import Answer, QuestionKind, QuestionRole, Response, Survey

MAX_THRESHOLD = 500
split_names = demand.split_names


def _settings_locked(community_code: str) -> CollegeSettings:
    try:
        with transaction.atomic():
            CollegeSettings.objects.get_or_create(area_id=community_code)
    except IntegrityError:  # created by a concurrent answer a moment ago
        pass
    return CollegeSettings.objects.select_for_update().get(area_id=community_code)


def _rows(survey: Survey, community_code: str, today: dt.date) -> list[demand.AnswerRow]:
    answers = (
        Answer.objects.filter(
            response__survey=survey,
            response__area_id=community_code,
            question__role__in=[QuestionRole.WANTED_CLASSES, QuestionRole.PREFERRED_SLOTS],
        )
        .values_list("response__resident_id", "response__resident__birth_date", "question__role", "choices", "text")
        .order_by("response_id")
    )
    wanted: dict[int, list[str]] = defaultdict(list)
    slots: dict[int, list[str]] = defaultdict(list)
    born: dict[int, dt.date] = {}
    for resident_id, birth_date, role, choices, text in answers:
        born[resident_id] = birth_date
        if role == QuestionRole.WANTED_CLASSES:
            wanted[resident_id] += [str(c) for c in choices or []] + split_names(text)
        else:
            slots[resident_id] += [str(c) for c in choices or []]

    def age(birth: dt.date) -> int:
        return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

    return [
        demand.AnswerRow(community=community_code, resident_id=rid, age=age(born[rid]),
                         wanted=tuple(names), slots=tuple(slots.get(rid, ())))
        for rid, names in wanted.items()
    ]


def _status_for(order: ClassOrder, threshold: int) -> str:
    if order.status in (OrderStatus.OPENED, OrderStatus.DISMISSED):
        return order.status  # a worker's decision stands
    return OrderStatus.REACHED if order.demand >= threshold else OrderStatus.COLLECTING


@transaction.atomic
def orders_refresh(*, survey: Survey, community_code: str, today: dt.date | None = None) -> list[ClassOrder]:
    """Recount one community's orders for one survey from its answers."""
    settings = _settings_locked(community_code)
    demands = demand.aggregate(_rows(survey, community_code, today or timezone.localdate()))
    existing = {o.subject: o for o in ClassOrder.objects.filter(area_id=community_code, survey=survey)}
    new: list[ClassOrder] = []
    changed: list[ClassOrder] = []
    for d in demands:
        order = existing.get(d.subject) or ClassOrder(area_id=community_code, survey=survey, subject=d.subject)
        order.demand = d.count
        order.age_profile = d.age_profile()
        order.slot_counts = dict(sorted(d.slots.items()))
        order.status = _status_for(order, settings.order_threshold)
        (changed if order.pk else new).append(order)
    ClassOrder.objects.bulk_create(new)
    ClassOrder.objects.bulk_update(changed, ["demand", "age_profile", "slot_counts", "status", "updated_at"])
    return sorted(new + changed, key=lambda o: (-o.demand, o.subject))


def orders_refresh_for_response(response: Response) -> None:
    """The survey hook: recount the orders of the answer's community and invite offered talents."""
    from linli.college.services.teachers import teacher_invite_from_answer

    orders_refresh(survey=response.survey, community_code=response.area_id)
    talents = Answer.objects.filter(response=response, question__kind=QuestionKind.TALENT).exclude(text="")
    for answer in talents:
        skills = split_names(answer.text)
        if skills:
            teacher_invite_from_answer(answer=answer, resident=response.resident, skills=skills)


def threshold_of(community_code: str) -> int:
    row = CollegeSettings.objects.filter(area_id=community_code).first()
    return row.order_threshold if row else DEFAULT_THRESHOLD


@transaction.atomic
def threshold_set(*, by: Any, area_code: str, threshold: int) -> CollegeSettings:
    """A community's opening threshold; orders below and above it change state at once."""
    area = Area.objects.filter(code=area_code, level=Level.COMMUNITY).first()
    if area is None:
        raise invalid("area", "社区", "请选择一个社区")
    if not has_permission(by, Perm.MANAGE_COLLEGE, area.code):
        raise forbidden("修改该社区的开班门槛")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise invalid("threshold", "开班人数门槛", "至少为 1 人（为 0 时任何需求都会立即开班）")
    if threshold > MAX_THRESHOLD:
        raise invalid("threshold", "开班人数门槛", f"不能超过 {MAX_THRESHOLD} 人")
    settings = _settings_locked(area.code)
    before = settings.order_threshold
    settings.order_threshold = threshold
    settings.save()
    orders = list(ClassOrder.objects.filter(area_id=area.code).exclude(
        status__in=[OrderStatus.OPENED, OrderStatus.DISMISSED]))
    for order in orders:
        order.status = _status_for(order, threshold)
    ClassOrder.objects.bulk_update(orders, ["status"])
    audit_record(actor=by, action="college.threshold_set", target=settings, area_code=area.code,
                 data={"from": before, "to": threshold})
    return settings


def _locked_order(by: Any, order: ClassOrder) -> ClassOrder:
    if not has_permission(by, Perm.MANAGE_COLLEGE, order.area_id):
        raise forbidden("处理该社区的兴趣订单")
    return ClassOrder.objects.select_for_update().select_related("survey").get(pk=order.pk)


@transaction.atomic
def order_dismiss(*, by: Any, order: ClassOrder, reason: str) -> ClassOrder:
    order = _locked_order(by, order)
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "原因", "请写明暂不开设的原因，方便向居民说明")
    if len(reason) > 200:
        raise invalid("reason", "原因", "最多 200 字")
    if order.status == OrderStatus.OPENED:
        raise LinliError("college.order_opened", "该订单已开班，不能标记为暂不开设", field="reason")
    order.status, order.note = OrderStatus.DISMISSED, reason
    order.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=by, action="college.order_dismiss", target=order, area_code=order.area_id,
                 data={"reason": reason})
    return order


@transaction.atomic
def order_restore(*, by: Any, order: ClassOrder) -> ClassOrder:
    """Undo a dismissal: the order goes back to counting."""
    order = _locked_order(by, order)
    if order.status != OrderStatus.DISMISSED:
        raise LinliError("college.order_not_dismissed", "该订单没有被标记为暂不开设")
    order.status, order.note = OrderStatus.COLLECTING, ""
    order.status = _status_for(order, threshold_of(order.area_id))
    order.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=by, action="college.order_restore", target=order, area_code=order.area_id)
    return order


def _club_for(by: Any, order: ClassOrder, club: Club | None, club_name: str) -> Club:
    from linli.college.services.clubs import alliances_ensure_defaults, club_create

    if club is not None:
        if club.area_id != order.area_id or club.archived_at:
            raise invalid("club", "社团", "请选择本社区在册的社团")
        return club
    name = (club_name or f"{order.subject}班").strip()
    existing = Club.objects.filter(area_id=order.area_id, name=name, archived_at__isnull=True).first()
    if existing:
        return existing
    alliances = alliances_ensure_defaults(by=by, area_code=order.area_id)
    wanted = catalog.kind_of(order.subject).alliance
    alliance: Alliance = next((a for a in alliances if a.name == wanted), alliances[0])
    return club_create(by=by, area_code=order.area_id, alliance=alliance, name=name)


@transaction.atomic
def order_open(
    *,
    by: Any,
    order: ClassOrder,
    teacher: Teacher | None,
    venue: Venue | None,
    term: str,
    capacity: int,
    starts_on: dt.date,
    ends_on: dt.date,
    sessions_per_week: int = 1,
    session_minutes: int = 90,
    club: Club | None = None,
    club_name: str = "",
    title: str = "",
) -> Course:
    """订单式开班: enough residents, a teacher and a venue — then the class becomes a course."""
    from linli.college.services.courses import course_create

    order = _locked_order(by, order)
    if order.status == OrderStatus.OPENED:
        raise LinliError("college.order_opened", f"“{order.subject}”已经开班", status=409)
    if order.status == OrderStatus.DISMISSED:
        raise LinliError("college.order_dismissed", f"“{order.subject}”已标记为暂不开设，请先恢复")
    threshold = threshold_of(order.area_id)
    if order.demand < threshold:
        raise LinliError("college.below_threshold",
                         f"想学“{order.subject}”的居民有 {order.demand} 人，还差 {threshold - order.demand} 人才到开班门槛（{threshold} 人）")
    if teacher is None:
        raise invalid("teacher", "老师", "请选择老师：没有老师不能开班（可在“师资库”中登记或邀请）")
    if venue is None:
        raise invalid("venue", "场地", "请选择场地：没有场地不能开班（可在“场地”中登记）")
    course = course_create(
        by=by, club=_club_for(by, order, club, club_name), title=(title or order.subject).strip(), term=term,
        capacity=capacity, starts_on=starts_on, ends_on=ends_on, sessions_per_week=sessions_per_week,
        session_minutes=session_minutes, teacher=teacher, venue=venue,
        needed_features=list(catalog.kind_of(order.subject).features), order=order,
    )
    order.status = OrderStatus.OPENED
    order.save(update_fields=["status", "updated_at"])
    audit_record(actor=by, action="college.order_open", target=order, area_code=order.area_id,
                 data={"course": course.pk, "demand": order.demand})
    return course
