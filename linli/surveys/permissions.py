"""Small predicates: may this user do this with this survey, or for this resident?"""

from __future__ import annotations

from typing import Any

from linli.accounts.roles import Perm
from linli.accounts.selectors import codes_with_permission, has_permission
from linli.people.models import Resident
from linli.people.permissions import can_act_for
from linli.surveys.models import Channel, Survey


def can_manage(user: Any, survey: Survey) -> bool:
    """Write, publish and close: a role on the survey's own area (a community worker may not
    change the street's survey, though they see it)."""
    return has_permission(user, Perm.MANAGE_SURVEY, survey.area_id)


def can_view_results(user: Any, survey: Survey) -> bool:
    """Results and the export: someone who manages surveys on the survey's area or on a part of it
    (a community worker sees their own community's answers to the street's survey)."""
    return any(survey.area_id.startswith(c) or c.startswith(survey.area_id)
               for c in codes_with_permission(user, Perm.MANAGE_SURVEY))


def can_enter_paper(user: Any, resident: Resident) -> bool:
    return has_permission(user, Perm.ENTER_SURVEY, resident.area_id)


def is_resident_self(user: Any, resident: Resident) -> bool:
    user_id = Resident.objects.filter(pk=resident.pk).values_list("user_id", flat=True).first()
    return user_id is not None and getattr(user, "pk", None) == user_id


def can_answer_for(user: Any, resident: Resident, channel: str) -> bool:
    """Who may hand in a resident's answers, by the way they were given."""
    if not getattr(user, "is_authenticated", False):
        return False
    if channel == Channel.PHONE:
        return is_resident_self(user, resident)
    if channel == Channel.PROXY:
        return can_act_for(user, resident, "survey")
    if channel == Channel.PAPER:
        return can_enter_paper(user, resident)
    return False
