"""Small predicates: may this user do this to this resident?"""

from __future__ import annotations

from typing import Any

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.people.models import ProxyBinding, Resident


def can_view_resident(user: Any, resident: Resident) -> bool:
    return has_permission(user, Perm.VIEW_RESIDENT, resident.area_id)


def can_change_resident(user: Any, resident: Resident) -> bool:
    return has_permission(user, Perm.CHANGE_RESIDENT, resident.area_id)


def can_unmask(user: Any, resident: Resident) -> bool:
    return has_permission(user, Perm.UNMASK_PII, resident.area_id)


def can_manage_proxy(user: Any, resident: Resident) -> bool:
    return has_permission(user, Perm.MANAGE_PROXY, resident.area_id)


def can_act_for(user: Any, resident: Resident, scope: str) -> bool:
    """An agent acts for a resident only within an active binding's scopes."""
    if not getattr(user, "is_authenticated", False):
        return False
    binding = ProxyBinding.objects.filter(principal=resident, agent=user, revoked_at__isnull=True).first()
    return binding is not None and scope in binding.scopes
