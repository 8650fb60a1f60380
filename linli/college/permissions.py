"""Small predicates: may this user do this to this record of the college?

A record is managed where it belongs: a community's by its workers (and the street and district
above), a street's by the street. Seeing a record the community may use from its street does not
make it the community's to change.
"""

from __future__ import annotations

from typing import Any

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission, has_permission_anywhere


def can_view_college(user: Any) -> bool:
    return has_permission_anywhere(user, Perm.VIEW_COLLEGE)


def can_manage_college_anywhere(user: Any) -> bool:
    return has_permission_anywhere(user, Perm.MANAGE_COLLEGE)


def can_manage(user: Any, obj: Any) -> bool:
    """``obj`` is any college record with an area: an alliance, club, teacher, venue, course."""
    return has_permission(user, Perm.MANAGE_COLLEGE, obj.area_id)


def can_manage_area(user: Any, area_code: str) -> bool:
    return has_permission(user, Perm.MANAGE_COLLEGE, area_code)


def can_unmask_teacher(user: Any, teacher: Any) -> bool:
    return has_permission(user, Perm.UNMASK_PII, teacher.area_id)


def can_take_attendance(user: Any, session: Any) -> bool:
    """The club's leader, the course's teacher (when they are a resident with a login), or staff
    managing the course's area. OWNER: helper H2."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    course = session.course
    if has_permission(user, Perm.MANAGE_COLLEGE, course.area_id):
        return True
    from linli.people.models import Resident

    own = Resident.objects.filter(user=user, archived_at__isnull=True).values_list("pk", flat=True).first()
    if own is None:
        return False
    if course.club_id is not None and course.club.leader_id == own:
        return True
    return course.teacher_id is not None and course.teacher.resident_id == own
