"""The visibility rule, in one place.

A staff member sees exactly the records whose area code starts with the code of an area on
which they hold a role (granting the permission the read needs). Area codes are fixed-width
per level, so a prefix is exactly "this area and everything below it".
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet


def minimal_codes(codes: Iterable[str]) -> list[str]:
    """Drop codes already covered by a shorter held code."""
    result: list[str] = []
    for code in sorted(set(codes), key=lambda c: (len(c), c)):
        if not any(code.startswith(kept) for kept in result):
            result.append(code)
    return result


def narrow(codes: Iterable[str], within: str | None) -> list[str]:
    """The held codes restricted to the area ``within`` (the area switcher's choice)."""
    held = minimal_codes(codes)
    if not within:
        return held
    if any(within.startswith(code) for code in held):
        return [within]
    return [code for code in held if code.startswith(within)]


def covers(codes: Iterable[str], area_code: str) -> bool:
    return any(area_code.startswith(code) for code in codes)


def scope(qs: QuerySet, codes: Iterable[str], *, field: str = "area__code") -> QuerySet:
    codes = minimal_codes(codes)
    if not codes:
        return qs.none()
    return qs.filter(reduce(or_, (Q(**{f"{field}__startswith": code}) for code in codes)))


def visible(qs: QuerySet, user: Any, permission: str, *, field: str = "area__code", within: str | None = None) -> QuerySet:
    """``qs`` reduced to what ``user`` may see with ``permission``; ``field`` holds the area code."""
    from linli.accounts.selectors import codes_with_permission

    return scope(qs, narrow(codes_with_permission(user, permission), within), field=field)


COMMUNITY_CODE_LENGTH = 12


def lift_to_community(code: str) -> str:
    """A grid's code → its community's; other codes unchanged."""
    return code[:COMMUNITY_CODE_LENGTH] if len(code) > COMMUNITY_CODE_LENGTH else code


def community_codes(user: Any, permission: str, within: str | None = None) -> list[str]:
    """Like the rule's codes, but a grant on a grid counts for its whole community.

    For records that belong to a community as a whole (classes, venues, activities, rewards): the
    grid worker who serves residents there needs to see them. Records of a person stay on
    ``visible``, which keeps a grid worker to their grid."""
    from linli.accounts.selectors import codes_with_permission

    held = [lift_to_community(code) for code in codes_with_permission(user, permission)]
    return narrow(held, lift_to_community(within) if within else None)


def community_visible(qs: QuerySet, user: Any, permission: str, *, field: str = "area__code",
                      within: str | None = None) -> QuerySet:
    """``visible`` for community-wide records: see ``community_codes``."""
    return scope(qs, community_codes(user, permission, within), field=field)
