"""Who sees which of the college's records: the visibility rule, read for the college.

The rule is ``areas.visibility``'s: a staff member sees the records whose area code starts with
a code they hold the permission on. The college reads it with two additions, both written here
and nowhere else:

- a grid worker's grant counts for the grid's whole community: classes, clubs and venues belong
  to the community, and the grid worker who carries the survey door to door needs to see them;
- a community's staff also see, read-only, what their community may use from its street: the
  street's own venues and teachers, and the venues other communities of the street share.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet

from linli.areas.models import CODE_LENGTH, Level
from linli.areas.visibility import community_codes

COMMUNITY_LEN = CODE_LENGTH[Level.COMMUNITY]
STREET_LEN = CODE_LENGTH[Level.STREET]


def college_codes(user: Any, permission: str, within: str | None = None) -> list[str]:
    """The area codes whose college records ``user`` sees with ``permission`` (narrowed to ``within``)."""
    return community_codes(user, permission, within)


def street_of(community_code: str) -> str:
    return community_code[:STREET_LEN]


def _own(codes: list[str]) -> Q | None:
    if not codes:
        return None
    return reduce(or_, (Q(area__code__startswith=code) for code in codes))


def _communities(codes: list[str]) -> list[str]:
    return [code for code in codes if len(code) == COMMUNITY_LEN]


def college_visible(qs: QuerySet, user: Any, permission: str, *, within: str | None = None) -> QuerySet:
    """Records that belong to an area: clubs, alliances, courses, the task force."""
    q = _own(college_codes(user, permission, within))
    return qs.filter(q) if q is not None else qs.none()


def usable_venue_q(community_code: str) -> Q:
    """The venues a community may use, other than its own: its street's, and shared ones of the street."""
    street = street_of(community_code)
    return Q(archived_at__isnull=True) & (Q(area_id=street) | Q(area__code__startswith=street, shared=True))


def usable_teacher_q(community_code: str) -> Q:
    """The teachers a community may call on, other than its own: its street's active teachers."""
    from linli.college.models import TeacherStatus

    return Q(area_id=street_of(community_code), status=TeacherStatus.ACTIVE)


def _with_usable(qs: QuerySet, user: Any, permission: str, within: str | None, usable: Any) -> QuerySet:
    codes = college_codes(user, permission, within)
    q = _own(codes)
    if q is None:
        return qs.none()
    for community in _communities(codes):
        q |= usable(community)
    return qs.filter(q)


def venues_scope(qs: QuerySet, user: Any, permission: str, *, within: str | None = None) -> QuerySet:
    """Venues: those of the user's areas, and (read-only) those their communities may use."""
    return _with_usable(qs, user, permission, within, usable_venue_q)


def teachers_scope(qs: QuerySet, user: Any, permission: str, *, within: str | None = None) -> QuerySet:
    """Teachers: those of the user's areas, and (read-only) their street's active teachers."""
    return _with_usable(qs, user, permission, within, usable_teacher_q)
