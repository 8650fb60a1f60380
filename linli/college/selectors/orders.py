"""Reads of class orders, and what still stands between an order and an opened class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from linli.accounts.roles import Perm
from linli.college import catalog
from linli.college.models import (
    DEFAULT_THRESHOLD,
    ClassOrder,
    CollegeSettings,
    Feature,
    OrderStatus,
    Teacher,
    Venue,
)
from linli.college.selectors.scope import college_visible
from linli.core.errors import not_found
from linli.surveys import slots


def orders_visible(
    user: Any, *, within: str | None = None, status: str = "", survey_id: int | None = None, q: str = "",
    permission: str = Perm.VIEW_COLLEGE,
) -> QuerySet[ClassOrder]:
    qs = ClassOrder.objects.select_related("area", "survey")
    if status:
        qs = qs.filter(status=status)
    if survey_id:
        qs = qs.filter(survey_id=survey_id)
    if q:
        qs = qs.filter(subject__icontains=q)
    return college_visible(qs, user, permission, within=within)


def order_get(user: Any, pk: int, permission: str = Perm.VIEW_COLLEGE) -> ClassOrder:
    order = college_visible(ClassOrder.objects.select_related("area", "survey"), user, permission).filter(pk=pk).first()
    if order is None:
        raise not_found("兴趣订单")
    return order


def thresholds(codes: set[str]) -> dict[str, int]:
    found = dict(CollegeSettings.objects.filter(area_id__in=codes).values_list("area_id", "order_threshold"))
    return {code: found.get(code, DEFAULT_THRESHOLD) for code in codes}


def skill_matches(subject: str, skills: list[str]) -> bool:
    """"太极" teaches "太极拳"; "绘画" teaches "油画绘画"."""
    return any(s and (s in subject or subject in s) for s in skills)


@dataclass
class Readiness:
    """What an order still needs, said the way a worker would say it."""

    threshold: int
    teachers: list[Teacher] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers


class Matcher:
    """Finds teachers and venues for orders, loading each community's pool once."""

    def __init__(self) -> None:
        self._pools: dict[str, tuple[list[Teacher], list[Venue]]] = {}
        self._thresholds: dict[str, int] = {}

    def _pool(self, community: str) -> tuple[list[Teacher], list[Venue]]:
        if community not in self._pools:
            from linli.college.selectors.teachers import teachers_usable
            from linli.college.selectors.venues import venues_usable

            self._pools[community] = (list(teachers_usable(community)), list(venues_usable(community)))
            self._thresholds |= thresholds({community})
        return self._pools[community]

    def readiness(self, order: ClassOrder) -> Readiness:
        teachers, venues = self._pool(order.area_id)
        r = Readiness(threshold=self._thresholds[order.area_id])
        needs = catalog.kind_of(order.subject).features
        r.teachers = [t for t in teachers if skill_matches(order.subject, t.skills)]
        r.venues = [v for v in venues if set(needs) <= set(v.features) and v.capacity >= r.threshold]
        if order.status == OrderStatus.OPENED:
            return r
        if order.status == OrderStatus.DISMISSED:
            r.blockers.append(f"暂不开设：{order.note}")
            return r
        if order.demand < r.threshold:
            r.blockers.append(f"还差 {r.threshold - order.demand} 人")
        if not r.teachers:
            r.blockers.append(f"缺老师（师资库中没有会“{order.subject}”的老师）")
        if not r.venues:
            labels = "、".join(Feature(f).label for f in needs)
            need = f"具备{labels}、" if labels else ""
            r.blockers.append(f"缺场地（没有{need}能容纳 {r.threshold} 人的场地）")
        return r


def progress_text(order: ClassOrder, readiness: Readiness) -> str:
    if order.status == OrderStatus.OPENED:
        return "已开班"
    return "；".join(readiness.blockers) if readiness.blockers else "可以开班"


def top_slots(order: ClassOrder, n: int = 3) -> list[str]:
    ranked = sorted(order.slot_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [f"{slots.label(k)}（{v}）" for k, v in ranked if slots.is_valid(k)]


def main_age_band(order: ClassOrder) -> str:
    if not order.age_profile:
        return ""
    band, count = max(order.age_profile.items(), key=lambda kv: kv[1])
    return f"{band}（{count}）" if count else ""
