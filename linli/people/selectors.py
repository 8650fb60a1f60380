"""Reads about residents and households, scoped by the area visibility rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from linli.accounts.roles import Perm
from linli.areas.models import Area
from linli.areas.visibility import visible
from linli.core import idcard, phone, protected
from linli.core.errors import not_found
from linli.core.ids import db_id_or_404
from linli.people.models import Household, ProxyBinding, Resident, Tag

AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-17": (0, 17),
    "18-59": (18, 59),
    "60-69": (60, 69),
    "70-79": (70, 79),
    "80+": (80, None),
}


def _birth_range(band: str, today: dt.date) -> Q:
    low, high = AGE_BANDS[band]
    # age >= low  <=> born on or before today minus low years
    q = Q(birth_date__lte=_years_before(today, low))
    if high is not None:
        q &= Q(birth_date__gt=_years_before(today, high + 1))
    return q


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _search(text: str) -> Q:
    text = text.strip()
    compact = text.replace(" ", "").upper()
    if len(compact) == 18 and compact[:17].isdigit():
        return Q(id_number_hash=protected.blind_index(idcard.normalize(compact)))
    digits = phone.normalize(text)
    if len(digits) == 11 and digits.isdigit():
        return Q(phone_hash=protected.blind_index(digits))
    return Q(name__icontains=text) | Q(address__icontains=text)


def residents_visible(
    user: Any,
    *,
    within: str | None = None,
    search: str = "",
    tag: str = "",
    sex: str = "",
    age_band: str = "",
    include_archived: bool = False,
    permission: str = Perm.VIEW_RESIDENT,
    today: dt.date | None = None,
) -> QuerySet[Resident]:
    qs = visible(Resident.objects.all(), user, permission, within=within)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if search.strip():
        qs = qs.filter(_search(search))
    if tag:
        qs = qs.filter(tags__code=tag)
    if sex:
        qs = qs.filter(sex=sex)
    if age_band in AGE_BANDS:
        qs = qs.filter(_birth_range(age_band, today or dt.date.today()))
    return qs.select_related("area__parent").prefetch_related("tags").order_by("area_id", "name", "pk")


def resident_get(user: Any, pk: Any, *, permission: str = Perm.VIEW_RESIDENT) -> Resident:
    """The resident, if the user may see them; otherwise the same 'not found' as for a missing one."""
    pk = db_id_or_404(pk, "居民")
    resident = (
        visible(Resident.objects.all(), user, permission)
        .select_related("area__parent")
        .prefetch_related("tags")
        .filter(pk=pk)
        .first()
    )
    if resident is None:
        raise not_found("居民")
    return resident


def resident_by_phone(number: str) -> Resident | None:
    """For login: the active resident with this (already validated) mobile number."""
    return (
        Resident.objects.filter(phone_hash=protected.blind_index(number), archived_at__isnull=True)
        .order_by("pk")
        .first()
    )


def resident_by_id_number(number: str) -> Resident | None:
    return Resident.objects.select_related("area__parent").filter(id_number_hash=protected.blind_index(number)).first()


def tags_all() -> QuerySet[Tag]:
    return Tag.objects.all()


def household_of(resident: Resident) -> Household | None:
    membership = resident.memberships.filter(left_at__isnull=True).select_related("household").first()
    return membership.household if membership else None


def household_members(household: Household) -> list:
    return list(
        household.members.filter(left_at__isnull=True).select_related("resident").order_by("relation", "resident__name")
    )


def households_visible(user: Any, *, within: str | None = None) -> QuerySet[Household]:
    return visible(Household.objects.filter(dissolved_at__isnull=True), user, Perm.VIEW_RESIDENT, within=within)


def residence_history(resident: Resident) -> QuerySet:
    return resident.residences.select_related("area__parent").order_by("-moved_in_at")


def proxies_of(resident: Resident) -> QuerySet[ProxyBinding]:
    return resident.proxies.filter(revoked_at__isnull=True).select_related("agent").order_by("granted_at")


def principals_for(agent: Any) -> QuerySet[ProxyBinding]:
    """The residents this user may act for (the proxy mode's choices)."""
    return ProxyBinding.objects.filter(agent=agent, revoked_at__isnull=True, principal__archived_at__isnull=True).select_related(
        "principal__area"
    )


def resident_by_id_number_hash(id_hash: str) -> Resident | None:
    return Resident.objects.select_related("area__parent").filter(id_number_hash=id_hash).first()


# --- figures for the dashboard: one aggregate query each ----------------------------------


def _age_filters(today: dt.date) -> dict[str, Q]:
    return {band: _birth_range(band, today) for band in AGE_BANDS}


def age_band_counts(user: Any, within: str | None = None, *, today: dt.date | None = None) -> list[tuple[str, int]]:
    filters = _age_filters(today or dt.date.today())
    qs = residents_visible(user, within=within).order_by()
    row = qs.aggregate(**{f"b{i}": Count("pk", filter=q) for i, q in enumerate(filters.values())})
    return [(f"{band} 岁", row[f"b{i}"] or 0) for i, band in enumerate(filters)]


def counts_by_community(user: Any, within: str | None = None) -> list[tuple[str, int]]:
    qs = residents_visible(user, within=within).order_by()
    rows = qs.annotate(community_code=Substr("area_id", 1, 12)).values("community_code").annotate(n=Count("pk"))
    counts = {r["community_code"]: r["n"] for r in rows}
    names = dict(Area.objects.filter(code__in=counts).values_list("code", "name"))
    return sorted(((names.get(code, code), n) for code, n in counts.items()), key=lambda x: -x[1])


def counts_by_tag(user: Any, within: str | None = None) -> list[tuple[str, int]]:
    ids = residents_visible(user, within=within).order_by().values("pk")
    rows = Tag.objects.annotate(n=Count("residents", filter=Q(residents__in=ids))).order_by("order")
    return [(t.name, t.n) for t in rows]


def count_visible(user: Any, within: str | None = None, **filters: Any) -> int:
    return residents_visible(user, within=within, **filters).order_by().count()


def count_aged(user: Any, within: str | None, years: int, *, today: dt.date | None = None) -> int:
    born_by = _years_before(today or dt.date.today(), years)
    return residents_visible(user, within=within).filter(birth_date__lte=born_by).order_by().count()
