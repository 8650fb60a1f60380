"""Reads of the area tree. Area names are public facts; which areas a user works in is not."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from linli.areas.models import Area, Level
from linli.areas.visibility import visible
from linli.core.errors import not_found


def areas_visible(user: Any, permission: str, *, within: str | None = None) -> QuerySet[Area]:
    return visible(Area.objects.all(), user, permission, field="code", within=within)


def area_get(user: Any, code: str, permission: str) -> Area:
    area = areas_visible(user, permission).select_related("parent").filter(code=code).first()
    if area is None:
        raise not_found("地区")
    return area


def children_of(area: Area) -> QuerySet[Area]:
    return Area.objects.filter(parent=area).annotate(child_count=Count("children")).order_by("code")


def ancestors(area: Area) -> list[Area]:
    """From the province down to the area's parent: one query (codes are prefixes)."""
    lengths = [n for n in (2, 4, 6, 9, 12) if n < len(area.code)]
    codes = [area.code[:n] for n in lengths]
    found = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def communities_under(code: str) -> QuerySet[Area]:
    return Area.objects.filter(code__startswith=code, level=Level.COMMUNITY).order_by("code")
