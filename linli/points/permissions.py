"""Small predicates: may this user do this with points?"""

from __future__ import annotations

from typing import Any

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission, has_permission_anywhere
from linli.areas.visibility import community_codes, covers
from linli.people.models import ProxyScope, Resident
from linli.people.permissions import can_act_for
from linli.points.models import Reward


def can_view_points(user: Any) -> bool:
    return has_permission_anywhere(user, Perm.VIEW_POINTS)


def can_manage_points_anywhere(user: Any) -> bool:
    return has_permission_anywhere(user, Perm.MANAGE_POINTS)


def can_manage_community(user: Any, community_code: str) -> bool:
    return has_permission(user, Perm.MANAGE_POINTS, community_code)


def can_view_community(user: Any, community_code: str) -> bool:
    return covers(community_codes(user, Perm.VIEW_POINTS), community_code)


def can_manage_reward(user: Any, reward: Reward) -> bool:
    return has_permission(user, Perm.MANAGE_POINTS, reward.area_id)


def can_manage_resident(user: Any, resident: Resident) -> bool:
    return has_permission(user, Perm.MANAGE_POINTS, resident.area_id)


def can_redeem_for(user: Any, resident: Resident) -> bool:
    """The resident themself, an agent with the 积分兑换 scope, or a worker at the desk."""
    if not getattr(user, "is_authenticated", False):
        return False
    if Resident.objects.filter(pk=resident.pk, user_id=user.pk).exists():  # read now: the login may be new
        return True
    return can_act_for(user, resident, ProxyScope.POINTS) or can_manage_resident(user, resident)
