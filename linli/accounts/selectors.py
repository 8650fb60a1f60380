"""Reads about users and what they hold. Grants are loaded once per user object (one query a request)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from linli.accounts.models import RoleGrant, User
from linli.accounts.roles import ROLE_PERMISSIONS
from linli.areas import visibility
from linli.areas.models import Area

_CACHE = "_linli_grants"


def active_grants(user: Any) -> list[RoleGrant]:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=user, revoked_at__isnull=True).select_related("area"))
        setattr(user, _CACHE, cached)
    return cached


def forget_grants(user: Any) -> None:
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def codes_with_permission(user: Any, permission: str) -> list[str]:
    return visibility.minimal_codes(g.area_id for g in active_grants(user) if permission in ROLE_PERMISSIONS[g.role])


def has_permission(user: Any, permission: str, area_code: str) -> bool:
    return visibility.covers(codes_with_permission(user, permission), area_code)


def has_permission_anywhere(user: Any, permission: str) -> bool:
    return bool(codes_with_permission(user, permission))


def held_areas(user: Any) -> list[Area]:
    """The areas the user holds a role on, outermost first: the area switcher's choices."""
    codes = visibility.minimal_codes(g.area_id for g in active_grants(user))
    areas = {g.area_id: g.area for g in active_grants(user)}
    return [areas[c] for c in codes]


def user_by_phone_hash(phone_hash: str) -> User | None:
    return User.objects.filter(phone_hash=phone_hash, is_active=True).first()


def staff_visible(user: Any, *, within: str | None = None) -> QuerySet[User]:
    """Staff holding a role inside the areas where ``user`` manages staff."""
    grants = visibility.visible(RoleGrant.objects.filter(revoked_at__isnull=True), user, "manage_staff", within=within)
    return User.objects.filter(pk__in=grants.values("user_id")).order_by("username")


def grants_visible(user: Any, *, within: str | None = None) -> QuerySet[RoleGrant]:
    return visibility.visible(
        RoleGrant.objects.filter(revoked_at__isnull=True), user, "manage_staff", within=within
    ).select_related("area", "user")


def grants_of(user: User) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(user=user, revoked_at__isnull=True).select_related("area").order_by("area_id")
