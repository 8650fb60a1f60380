"""Small predicates: may this user do this to this volunteering record?"""

from __future__ import annotations

from typing import Any

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission, has_permission_anywhere
from linli.areas.visibility import lift_to_community
from linli.people.models import ProxyBinding, ProxyScope

# A family member who may sign the elder up for classes may sign them up for service too.
PROXY_SCOPE = ProxyScope.ENROLL


def can_view(user: Any) -> bool:
    return has_permission_anywhere(user, Perm.VIEW_VOLUNTEERING)


def can_manage_anywhere(user: Any) -> bool:
    return has_permission_anywhere(user, Perm.MANAGE_VOLUNTEERING)


def can_manage_area(user: Any, area_code: str) -> bool:
    return has_permission(user, Perm.MANAGE_VOLUNTEERING, area_code)


def can_manage_volunteer(user: Any, volunteer: Any) -> bool:
    return has_permission(user, Perm.MANAGE_VOLUNTEERING, volunteer.area_id)


def can_manage(user: Any, obj: Any) -> bool:
    """A team, activity or nomination: managed by those who manage its community."""
    return has_permission(user, Perm.MANAGE_VOLUNTEERING, lift_to_community(obj.area_id))


def can_confirm(user: Any, record: Any) -> bool:
    """谁记录谁证明: an activity's hours by its organiser; other hours by whoever recorded them."""
    if not has_permission(user, Perm.MANAGE_VOLUNTEERING, record.organisation_area_id):
        return False
    owner_id = record.activity.organiser_id if record.activity_id else record.recorded_by_id
    return owner_id == getattr(user, "pk", None)


def acts_for(user: Any, resident: Any) -> bool:
    """The resident themself, or an agent holding an active binding with the sign-up scope."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "resident", None) is not None and user.resident.pk == resident.pk:
        return True
    binding = ProxyBinding.objects.filter(principal=resident, agent=user, revoked_at__isnull=True).first()
    return binding is not None and PROXY_SCOPE in binding.scopes
