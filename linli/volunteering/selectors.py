"""Every read of volunteering, already scoped by the visibility rule.

Volunteers, their hours and certificates are records of a person: ``visible`` on the resident's own
area (a grid worker sees their grid). Teams, activities, nominations and honor rolls belong to the
community as a whole: ``community_visible`` (a grid worker sees their whole community).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.areas.models import Area, Level
from linli.areas.visibility import community_codes, community_visible, visible
from linli.core.errors import not_found
from linli.volunteering.models import (
    Activity,
    ActivityRole,
    ActivityStatus,
    Certificate,
    Nomination,
    NominationStatus,
    RecordStatus,
    ServiceRecord,
    Signup,
    SignupStatus,
    Team,
    Volunteer,
)

VIEW = Perm.VIEW_VOLUNTEERING


def _pk(value: Any) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


# --- volunteers ---------------------------------------------------------------------------


def volunteers_visible(user: Any, *, within: str | None = None, status: str = "", q: str = "",
                       permission: str = VIEW) -> QuerySet[Volunteer]:
    qs = visible(Volunteer.objects.all(), user, permission, field="area__code", within=within)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(Q(resident__name__icontains=q.strip()) | Q(number__iexact=q.strip()))
    return qs.select_related("resident", "area__parent").annotate(
        hours_total=Sum("records__hours", filter=Q(records__status=RecordStatus.CONFIRMED)))


def volunteer_get(user: Any, pk: Any, *, permission: str = VIEW) -> Volunteer:
    key = _pk(pk)
    v = volunteers_visible(user, permission=permission).filter(pk=key).first() if key else None
    if v is None:
        raise not_found("志愿者")
    return v


def volunteer_of(resident: Any) -> Volunteer | None:
    if resident is None:
        return None
    return Volunteer.objects.filter(resident=resident).select_related("resident").first()


# --- teams --------------------------------------------------------------------------------


def teams_visible(user: Any, *, within: str | None = None, permission: str = VIEW) -> QuerySet[Team]:
    return (community_visible(Team.objects.filter(archived_at__isnull=True), user, permission, within=within)
            .select_related("area", "leader").annotate(member_count=Count("members", distinct=True)))


def team_get(user: Any, pk: Any, *, permission: str = VIEW) -> Team:
    key = _pk(pk)
    team = teams_visible(user, permission=permission).filter(pk=key).first() if key else None
    if team is None:
        raise not_found("服务队")
    return team


def team_members(team: Team) -> QuerySet[Volunteer]:
    return team.members.select_related("resident", "area").order_by("resident__name", "pk")


# --- activities ---------------------------------------------------------------------------


def activities_visible(user: Any, *, within: str | None = None, status: str = "", q: str = "",
                       permission: str = VIEW) -> QuerySet[Activity]:
    qs = community_visible(Activity.objects.all(), user, permission, within=within)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    signed = (Signup.objects.filter(activity=OuterRef("pk"), status=SignupStatus.SIGNED).order_by()
              .values("activity").annotate(n=Count("pk")).values("n"))
    capacity = (ActivityRole.objects.filter(activity=OuterRef("pk")).order_by().values("activity")
                .annotate(n=Sum("headcount")).values("n"))
    return qs.select_related("area", "team", "organiser").annotate(
        signed=Coalesce(Subquery(signed), 0), capacity=Coalesce(Subquery(capacity), 0))


def activity_get(user: Any, pk: Any, *, permission: str = VIEW) -> Activity:
    key = _pk(pk)
    a = (community_visible(Activity.objects.all(), user, permission).select_related("area", "team", "organiser")
         .filter(pk=key).first()) if key else None
    if a is None:
        raise not_found("活动")
    return a


def roles_with_counts(activity: Activity) -> list[ActivityRole]:
    return list(activity.roles.annotate(
        taken=Count("signups", filter=Q(signups__status=SignupStatus.SIGNED))).order_by("pk"))


def signups_of(activity: Activity) -> QuerySet[Signup]:
    return (activity.signups.filter(status=SignupStatus.SIGNED)
            .select_related("volunteer__resident", "role", "record").order_by("role_id", "pk"))


def activity_by_token(token: str) -> Activity | None:
    return Activity.objects.select_related("area").filter(checkin_token=str(token or "")[:64]).first()


def open_activities_for(resident: Any, *, now: dt.datetime | None = None) -> list[Activity]:
    """The open, upcoming activities of the resident's community, with the roles' free places."""
    if resident is None:
        return []
    community = resident.community.code
    now = now or timezone.now()
    activities = list(Activity.objects.filter(area_id=community, status=ActivityStatus.OPEN, starts_at__gt=now)
                      .select_related("team").prefetch_related("roles").order_by("starts_at")[:50])
    taken = dict(Signup.objects.filter(activity__in=activities, status=SignupStatus.SIGNED).values_list("role_id")
                 .annotate(n=Count("pk")).values_list("role_id", "n"))
    mine = {}
    volunteer = volunteer_of(resident)
    if volunteer is not None:
        mine = {s.activity_id: s for s in Signup.objects.filter(volunteer=volunteer, activity__in=activities,
                                                                   status=SignupStatus.SIGNED).select_related("role")}
    for a in activities:
        a.role_rows = [{"role": r, "taken": taken.get(r.pk, 0),  # type: ignore[attr-defined]
                        "free": r.headcount - taken.get(r.pk, 0)} for r in a.roles.all()]
        a.my_signup = mine.get(a.pk)  # type: ignore[attr-defined]
    return activities


def signups_of_volunteer(volunteer: Volunteer) -> QuerySet[Signup]:
    return (volunteer.signups.filter(status=SignupStatus.SIGNED).select_related("activity", "role")
            .order_by("-activity__starts_at"))


# --- service records ----------------------------------------------------------------------


def records_visible(user: Any, *, within: str | None = None, status: str = "", volunteer: Any = None,
                    since: dt.date | None = None, until: dt.date | None = None,
                    permission: str = VIEW) -> QuerySet[ServiceRecord]:
    qs = visible(ServiceRecord.objects.all(), user, permission, field="area__code", within=within)
    if status:
        qs = qs.filter(status=status)
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    if since:
        qs = qs.filter(starts_at__date__gte=since)
    if until:
        qs = qs.filter(starts_at__date__lte=until)
    return qs.select_related("volunteer__resident", "activity", "confirmed_by", "organisation_area")


def record_get(user: Any, pk: Any, *, permission: str = VIEW) -> ServiceRecord:
    key = _pk(pk)
    r = records_visible(user, permission=permission).filter(pk=key).first() if key else None
    if r is None:
        raise not_found("服务记录")
    return r


def records_of(volunteer: Volunteer, *, confirmed_only: bool = True) -> QuerySet[ServiceRecord]:
    qs = volunteer.records.all()
    if confirmed_only:
        qs = qs.filter(status=RecordStatus.CONFIRMED)
    return qs.order_by("-starts_at", "pk")


def hours_of(volunteer: Volunteer) -> dict[str, Any]:
    totals = volunteer.records.filter(status=RecordStatus.CONFIRMED).aggregate(
        hours=Sum("hours"), points=Sum("points"), n=Count("pk"))
    return {"hours": totals["hours"] or Decimal(0), "points": totals["points"] or 0, "count": totals["n"]}


# --- certificates -------------------------------------------------------------------------


def certificates_visible(user: Any, *, within: str | None = None, permission: str = VIEW) -> QuerySet[Certificate]:
    return visible(Certificate.objects.all(), user, permission, field="area__code", within=within).select_related(
        "volunteer__resident", "issued_by")


def certificate_get(user: Any, pk: Any, *, permission: str = VIEW) -> Certificate:
    key = _pk(pk)
    c = certificates_visible(user, permission=permission).filter(pk=key).first() if key else None
    if c is None:
        raise not_found("证明")
    return c


def certificate_by_code(code: str) -> Certificate | None:
    """For the public check page: the code as printed (case and dashes forgiven)."""
    raw = "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:32]
    if len(raw) != 16:
        return None
    formatted = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
    return Certificate.objects.filter(code=formatted).first()


def certificates_of(volunteer: Volunteer) -> QuerySet[Certificate]:
    return volunteer.certificates.order_by("-issued_at", "pk")


# --- honor roll ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RollRow:
    rank: int
    volunteer_id: int
    name: str
    community: str
    hours: Decimal
    points: int
    records: int


def roll_areas(user: Any, *, within: str | None = None) -> list[Area]:
    """The communities and streets whose rolls the user may see."""
    codes = community_codes(user, VIEW, within)
    if not codes:
        return []
    q = Q()
    for code in codes:
        q |= Q(code__startswith=code)
    areas = Area.objects.filter(q, level__in=[Level.STREET, Level.COMMUNITY]).order_by("code")
    return list(areas)


def period_bounds(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month:
        start = dt.date(year, month, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return start, end
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def honor_roll(user: Any, *, area_code: str, year: int, month: int | None = None, order: str = "hours",
               limit: int = 20) -> list[RollRow]:
    """Top volunteers of a community or street in a month or year, by confirmed hours or points.

    The area must be one the user sees (else not found). Ties keep a stable order (name, id)."""
    if not any(area_code.startswith(code) for code in community_codes(user, VIEW)):
        raise not_found("光荣榜")
    start, end = period_bounds(year, month)
    grouped = (
        ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED, area__code__startswith=area_code,
                                     starts_at__date__gte=start, starts_at__date__lte=end)
        .values("volunteer_id", "volunteer__resident__name", "volunteer__area_id")
        .annotate(h=Sum("hours"), p=Sum("points"), n=Count("pk"))
    )
    key = ("-p", "-h") if order == "points" else ("-h", "-p")
    rows = list(grouped.order_by(*key, "volunteer__resident__name", "volunteer_id")[: max(1, min(limit, 100))])
    names = dict(Area.objects.filter(code__in={r["volunteer__area_id"][:12] for r in rows}).values_list("code", "name"))
    return [RollRow(rank=i, volunteer_id=r["volunteer_id"], name=r["volunteer__resident__name"],
                    community=names.get(r["volunteer__area_id"][:12], ""),
                    hours=Decimal(r["h"] or 0).quantize(Decimal("0.1")),
                    points=r["p"] or 0, records=r["n"])
            for i, r in enumerate(rows, start=1)]


# --- role models --------------------------------------------------------------------------


def nominations_visible(user: Any, *, within: str | None = None, status: str = "",
                        permission: str = VIEW) -> QuerySet[Nomination]:
    qs = community_visible(Nomination.objects.all(), user, permission, within=within)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("area", "resident", "nominated_by", "reviewer")


def nomination_get(user: Any, pk: Any, *, permission: str = VIEW) -> Nomination:
    key = _pk(pk)
    n = nominations_visible(user, permission=permission).filter(pk=key).first() if key else None
    if n is None:
        raise not_found("推荐")
    return n


def role_models_published(user: Any, *, within: str | None = None) -> QuerySet[Nomination]:
    return nominations_visible(user, within=within, status=NominationStatus.PUBLISHED).order_by("-published_at", "pk")


def count_volunteers(user: Any, within: str | None = None) -> int:
    return volunteers_visible(user, within=within).count()


def count_open_activities(user: Any, within: str | None = None) -> int:
    return activities_visible(user, within=within, status=ActivityStatus.OPEN).count()
