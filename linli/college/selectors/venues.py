"""Reads of venues, scoped by the college's visibility rule (see ``scope``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from linli.accounts.roles import Perm
from linli.college.models import CourseStatus, Feature, Venue, VenueWindow
from linli.college.selectors import scope
from linli.core.errors import not_found
from linli.core.ids import db_id_or_404


def _windows() -> Prefetch:
    return Prefetch("windows", queryset=VenueWindow.objects.order_by("weekday", "starts"))


def venues_usable(community_code: str) -> QuerySet[Venue]:
    """Not user-scoped: the venues a community may use — its own, its street's, and those other
    communities of the street share — that are not archived."""
    return (
        Venue.objects.filter(Q(area_id=community_code, archived_at__isnull=True) | scope.usable_venue_q(community_code))
        .select_related("area")
        .prefetch_related(_windows())
        .order_by("area_id", "name", "pk")
    )


def _scoped(user: Any, permission: str, within: str | None) -> QuerySet[Venue]:
    qs = Venue.objects.all()
    if permission == Perm.VIEW_COLLEGE:
        return scope.venues_scope(qs, user, permission, within=within)
    return scope.college_visible(qs, user, permission, within=within)


def venues_visible(
    user: Any,
    *,
    within: str | None = None,
    feature: str = "",
    q: str = "",
    include_archived: bool = False,
    permission: str = Perm.VIEW_COLLEGE,
) -> QuerySet[Venue]:
    """The user's areas' venues, and (read-only) those their communities may use from the street.
    ``active_courses`` counts the planned and open courses meeting there."""
    qs = _scoped(user, permission, within)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    text = " ".join((q or "").split())
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(address__icontains=text) | Q(owner_name__icontains=text))
    if feature in Feature.values:
        qs = qs.filter(feature_q(feature))
    return (
        qs.select_related("area").prefetch_related(_windows())
        .annotate(active_courses=Count("courses", filter=Q(courses__status__in=[CourseStatus.PLANNED, CourseStatus.OPEN])))
        .order_by("area_id", "name", "pk")
    )


def feature_q(feature: str) -> Q:
    """Venues offering ``feature``: the JSON list's text holds it in quotes on every database."""
    return Q(features__icontains=f'"{feature}"')


def venue_get(user: Any, pk: Any, *, manage: bool = False) -> Venue:
    pk = db_id_or_404(pk, "场地")
    venue = venues_visible(user, include_archived=True,
                           permission=Perm.MANAGE_COLLEGE if manage else Perm.VIEW_COLLEGE).filter(pk=pk).first()
    if venue is None:
        raise not_found("场地")
    return venue


def venue_window(venue: Venue, window_id: int) -> VenueWindow | None:
    return venue.windows.filter(pk=window_id).first()
