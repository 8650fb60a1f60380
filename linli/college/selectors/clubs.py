"""Reads of alliances, clubs, their members and the task force, scoped by the college's rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from linli.accounts.roles import Perm
from linli.areas.models import Area, Level
from linli.college.models import Alliance, Club, ClubMember, Course, TaskForceMember, TaskForceRole
from linli.college.selectors import scope
from linli.core.errors import not_found
from linli.core.ids import db_id_or_404
from linli.people.models import Resident


def _count(model: Any, field_name: str) -> Coalesce:
    """A correlated count: counts side by side on one row without multiplying each other."""
    rows = model.objects.filter(**{field_name: OuterRef("pk")}).order_by().values(field_name)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), Value(0))


def communities_visible(user: Any, *, within: str | None = None, permission: str = Perm.VIEW_COLLEGE) -> QuerySet[Area]:
    """The communities whose college the user sees (a grid worker: their grid's community)."""
    codes = scope.college_codes(user, permission, within)
    if not codes:
        return Area.objects.none()
    q = Q()
    for code in codes:
        q |= Q(code__startswith=code)
    return Area.objects.filter(q, level=Level.COMMUNITY).select_related("parent").order_by("code")


def clubs_annotated(qs: QuerySet[Club]) -> QuerySet[Club]:
    return qs.select_related("area", "alliance", "leader").annotate(
        member_count=_count(ClubMember, "club"), course_count=_count(Course, "club")
    )


def alliances_visible(
    user: Any, *, within: str | None = None, permission: str = Perm.VIEW_COLLEGE
) -> QuerySet[Alliance]:
    qs = scope.college_visible(Alliance.objects.all(), user, permission, within=within)
    return qs.select_related("area", "head").annotate(
        club_count=Count("clubs", filter=Q(clubs__archived_at__isnull=True))
    ).order_by("area_id", "position", "pk")


def alliance_get(user: Any, pk: Any, *, manage: bool = False) -> Alliance:
    permission = Perm.MANAGE_COLLEGE if manage else Perm.VIEW_COLLEGE
    alliance = alliances_visible(user, permission=permission).filter(pk=db_id_or_404(pk, "社团联盟")).first()
    if alliance is None:
        raise not_found("社团联盟")
    return alliance


def alliances_with_clubs(community_code: str, *, include_archived: bool = False) -> list[Alliance]:
    """One community's alliances, each with its clubs and their counts (a fixed number of queries).
    The caller has checked that the user sees the community."""
    clubs = Club.objects.all() if include_archived else Club.objects.filter(archived_at__isnull=True)
    return list(
        Alliance.objects.filter(area_id=community_code).select_related("head").prefetch_related(
            Prefetch("clubs", queryset=clubs_annotated(clubs).order_by("archived_at", "name"))
        ).order_by("position", "pk")
    )


def clubs_visible(
    user: Any,
    *,
    within: str | None = None,
    alliance_id: int | None = None,
    q: str = "",
    include_archived: bool = False,
    permission: str = Perm.VIEW_COLLEGE,
) -> QuerySet[Club]:
    qs = scope.college_visible(Club.objects.all(), user, permission, within=within)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if alliance_id:
        qs = qs.filter(alliance_id=alliance_id)
    text = " ".join((q or "").split())
    if text:
        qs = qs.filter(name__icontains=text)
    return clubs_annotated(qs).order_by("area_id", "alliance__position", "name", "pk")


def club_choices(user: Any, *, within: str | None = None) -> QuerySet[Club]:
    """Clubs by name only, for a filter's choices."""
    qs = scope.college_visible(Club.objects.filter(archived_at__isnull=True), user, Perm.VIEW_COLLEGE, within=within)
    return qs.only("pk", "name").order_by("name", "pk")


def club_get(user: Any, pk: Any, *, manage: bool = False) -> Club:
    permission = Perm.MANAGE_COLLEGE if manage else Perm.VIEW_COLLEGE
    club = clubs_visible(user, include_archived=True, permission=permission).filter(pk=db_id_or_404(pk, "社团")).first()
    if club is None:
        raise not_found("社团")
    return club


def club_members(club: Club) -> QuerySet[ClubMember]:
    return club.members.select_related("resident__area").order_by("joined_on", "pk")


def club_member(club: Club, member_id: int) -> ClubMember | None:
    return club.members.select_related("resident", "club").filter(pk=member_id).first()


def club_courses(club: Club) -> QuerySet[Course]:
    return club.courses.select_related("teacher", "venue").order_by("-starts_on", "pk")


@dataclass
class TaskForce:
    """工作专班: the named commander and deputies; the heads and leaders read from alliances and clubs."""

    commanders: list[TaskForceMember] = field(default_factory=list)
    deputies: list[TaskForceMember] = field(default_factory=list)
    alliance_heads: list[Alliance] = field(default_factory=list)
    club_leaders: list[Club] = field(default_factory=list)
    alliances_without_head: list[Alliance] = field(default_factory=list)
    clubs_without_leader: list[Club] = field(default_factory=list)


def task_force(community_code: str) -> TaskForce:
    """The caller has checked that the user sees the community. Four queries, whatever its size."""
    tf = TaskForce()
    for m in TaskForceMember.objects.filter(area_id=community_code).order_by("pk"):
        (tf.commanders if m.role == TaskForceRole.COMMANDER else tf.deputies).append(m)
    for a in Alliance.objects.filter(area_id=community_code).select_related("head").order_by("position", "pk"):
        (tf.alliance_heads if a.head_id else tf.alliances_without_head).append(a)
    clubs = Club.objects.filter(area_id=community_code, archived_at__isnull=True).select_related("leader", "alliance")
    for c in clubs.order_by("alliance__position", "name"):
        (tf.club_leaders if c.leader_id else tf.clubs_without_leader).append(c)
    return tf


def task_force_member(user: Any, pk: int) -> TaskForceMember:
    qs = scope.college_visible(TaskForceMember.objects.all(), user, Perm.MANAGE_COLLEGE)
    member = qs.filter(pk=db_id_or_404(pk, "专班成员")).first()
    if member is None:
        raise not_found("专班成员")
    return member


def alliance_head_choices(alliance: Alliance) -> list[Any]:
    """Whom to offer as head: the members of the alliance's clubs, and the present head."""
    ids = ClubMember.objects.filter(club__alliance=alliance).values("resident_id")
    qs = Resident.objects.filter(Q(pk__in=ids) | Q(pk=alliance.head_id or 0), archived_at__isnull=True)
    return list(qs.order_by("name", "pk").distinct()[:500])


def club_leader_choices(club: Club) -> list[Any]:
    ids = club.members.values("resident_id")
    qs = Resident.objects.filter(Q(pk__in=ids) | Q(pk=club.leader_id or 0), archived_at__isnull=True)
    return list(qs.order_by("name", "pk").distinct()[:500])
