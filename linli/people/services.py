"""Every write about residents, households and proxy bindings. Each is audited."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.accounts.models import RoleGrant, User
from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.core import protected
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import access_log_record, audit_record
from linli.people import permissions, selectors, validation
from linli.people.errors import PeopleErrorCode
from linli.people.models import (
    Household,
    HouseholdMember,
    ProxyBinding,
    ProxyScope,
    Relation,
    ResidenceHistory,
    Resident,
)


def _login_user_id(resident: Resident) -> int | None:
    # Read from the database: the login account may have been made since ``resident`` was loaded.
    return Resident.objects.filter(pk=resident.pk).values_list("user_id", flat=True).first()


def _is_self(by: Any, resident: Resident) -> bool:
    user_id = _login_user_id(resident)
    return user_id is not None and getattr(by, "pk", None) == user_id


def _place_label(resident: Resident) -> str:
    community = resident.community
    street = community.parent.name if community.parent_id else ""
    return f"{street}{community.name}"


def _refuse_duplicate(id_hash: str, *, exclude_pk: int | None = None) -> None:
    existing = selectors.resident_by_id_number_hash(id_hash)
    if existing is not None and existing.pk != exclude_pk:
        raise validation.duplicate_error(_place_label(existing))


@transaction.atomic
def resident_create(
    *,
    by: Any,
    name: str,
    id_number: str,
    area_code: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    address: str = "",
    tags: Iterable[str] = (),
    note: str = "",
) -> Resident:
    clean_name = validation.name(name)
    info = validation.id_number(id_number)
    sex, birth_date = validation.sex_and_birth(info, sex, birth_date)
    number = validation.phone_number(phone)
    area = validation.residence_area(by, area_code, Perm.CHANGE_RESIDENT)
    tag_objs = validation.tags(tags)
    id_hash = protected.blind_index(info.number)
    _refuse_duplicate(id_hash)
    resident = Resident(
        name=clean_name,
        sex=sex,
        birth_date=birth_date,
        id_number=info.number,
        id_number_hash=id_hash,
        phone=number,
        phone_hash=protected.blind_index(number) if number else "",
        area=area,
        address=address.strip(),
        note=note.strip(),
        checkin_code=new_checkin_code(),
    )
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        # Two workers registering the same person at once: the unique hash decides.
        _refuse_duplicate(id_hash)
        raise
    resident.tags.set(tag_objs)
    ResidenceHistory.objects.create(
        resident=resident, area=area, address=resident.address, moved_in_at=timezone.now(), reason="登记", recorded_by=by
    )
    audit_record(actor=by, action="resident.create", target=resident, area_code=area.code)
    return resident


@transaction.atomic
def resident_update(
    *,
    by: Any,
    resident: Resident,
    name: str,
    id_number: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    address: str = "",
    tags: Iterable[str] = (),
    note: str = "",
) -> Resident:
    """Correct a resident's record. Moving between communities or grids is ``resident_move``."""
    if not permissions.can_change_resident(by, resident):
        raise forbidden("修改该居民信息")
    if resident.archived_at:
        raise LinliError(PeopleErrorCode.ARCHIVED, "该居民已注销，不能修改")
    info = validation.id_number(id_number)
    sex, birth_date = validation.sex_and_birth(info, sex, birth_date)
    number = validation.phone_number(phone)
    id_hash = protected.blind_index(info.number)
    _refuse_duplicate(id_hash, exclude_pk=resident.pk)
    changed = []
    new_values = {
        "name": validation.name(name),
        "sex": sex,
        "birth_date": birth_date,
        "address": address.strip(),
        "note": note.strip(),
    }
    for field, value in new_values.items():
        if getattr(resident, field) != value:
            setattr(resident, field, value)
            changed.append(field)
    if id_hash != resident.id_number_hash:
        resident.id_number, resident.id_number_hash = info.number, id_hash
        changed.append("id_number")
    if number != resident.phone:
        resident.phone = number
        resident.phone_hash = protected.blind_index(number) if number else ""
        changed.append("phone")
    resident.save()
    tag_objs = validation.tags(tags)
    if {t.code for t in tag_objs} != {t.code for t in resident.tags.all()}:
        resident.tags.set(tag_objs)
        changed.append("tags")
    # Protected values are named, never recorded, in the audit row.
    audit_record(actor=by, action="resident.update", target=resident, area_code=resident.area_id,
                 data={"fields": changed})
    return resident


@transaction.atomic
def resident_move(*, by: Any, resident: Resident, area_code: str, address: str = "", reason: str = "") -> Resident:
    """Move to another community or grid; the residence history keeps where they were."""
    if not permissions.can_change_resident(by, resident):
        raise forbidden("为该居民办理迁移")
    if resident.archived_at:
        raise LinliError(PeopleErrorCode.ARCHIVED, "该居民已注销，不能办理迁移")
    area = validation.residence_area(by, area_code, Perm.CHANGE_RESIDENT)
    new_address = address.strip() or resident.address  # no address given: the same address
    if area.code == resident.area_id and new_address == resident.address:
        raise invalid("area", "迁入地", "与现住址相同")
    now = timezone.now()
    ResidenceHistory.objects.filter(resident=resident, moved_out_at__isnull=True).update(moved_out_at=now)
    from_code = resident.area_id
    resident.area = area
    resident.address = new_address
    resident.save(update_fields=["area", "address", "updated_at"])
    ResidenceHistory.objects.create(
        resident=resident, area=area, address=resident.address, moved_in_at=now, reason=reason.strip(), recorded_by=by
    )
    audit_record(actor=by, action="resident.move", target=resident, area_code=area.code,
                 data={"from": from_code, "to": area.code, "reason": reason})
    return resident


@transaction.atomic
def resident_archive(*, by: Any, resident: Resident, reason: str) -> Resident:
    """Close a record (moved away, deceased): nothing is deleted."""
    if not permissions.can_change_resident(by, resident):
        raise forbidden("注销该居民")
    if resident.archived_at:
        raise LinliError(PeopleErrorCode.ARCHIVED, f"{resident.name} 已于 {resident.archived_at:%Y-%m-%d} 注销")
    if not reason.strip():
        raise invalid("reason", "注销原因", "不能为空")
    resident.archived_at = timezone.now()
    resident.archived_reason = reason.strip()[:200]
    resident.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    ResidenceHistory.objects.filter(resident=resident, moved_out_at__isnull=True).update(moved_out_at=resident.archived_at)
    HouseholdMember.objects.filter(resident=resident, left_at__isnull=True).update(left_at=resident.archived_at)
    # The resident's phone login ends with the record, unless the account still acts for
    # someone else or holds a staff role.
    user_id = _login_user_id(resident)
    if user_id and not ProxyBinding.objects.filter(agent_id=user_id, revoked_at__isnull=True).exists() \
            and not RoleGrant.objects.filter(user_id=user_id, revoked_at__isnull=True).exists():
        User.objects.filter(pk=user_id).update(is_active=False)
    audit_record(actor=by, action="resident.archive", target=resident, area_code=resident.area_id,
                 data={"reason": reason})
    return resident


def new_checkin_code() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def resident_checkin_code_renew(*, by: Any, resident: Resident) -> Resident:
    """A new check-in code for a lost or shown-around card; the old one stops working."""
    if not permissions.can_change_resident(by, resident) and getattr(by, "pk", None) != resident.user_id:
        raise forbidden("为该居民补办签到卡")
    resident.checkin_code = new_checkin_code()
    resident.save(update_fields=["checkin_code", "updated_at"])
    audit_record(actor=by, action="resident.checkin_code_renew", target=resident, area_code=resident.area_id)
    return resident


REVEALABLE = {"id_number": "身份证号", "phone": "手机号"}


@transaction.atomic
def resident_reveal(*, by: Any, resident: Resident, field: str, reason: str) -> str:
    """The unmasked value, for someone allowed to see it, with the reason logged."""
    if field not in REVEALABLE:
        raise invalid("field", "字段", f"{field} 不能查看")
    if not permissions.can_unmask(by, resident):
        raise forbidden(f"查看完整{REVEALABLE[field]}")
    reason = " ".join(reason.split())
    if len(reason) < 2:
        raise invalid("reason", "查看事由", "请写明为什么需要查看（至少 2 个字）")
    access_log_record(actor=by, target=resident, field=field, reason=reason, area_code=resident.area_id)
    return getattr(resident, field)


@transaction.atomic
def resident_login_account(*, resident: Resident) -> User:
    """The resident's own login account, made the first time they log in by phone."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.user_id:
        return resident.user  # type: ignore[return-value]
    user = User.objects.filter(phone_hash=resident.phone_hash).first() if resident.phone_hash else None
    if user is None:
        user = User(username=f"r{resident.pk}", kind=User.Kind.RESIDENT, full_name=resident.name,
                    phone=resident.phone, phone_hash=resident.phone_hash)
        user.set_unusable_password()
        user.save()
    resident.user = user
    resident.save(update_fields=["user", "updated_at"])
    audit_record(actor=user, action="resident.login_account", target=resident, area_code=resident.area_id)
    return user


# --- households ---------------------------------------------------------------------------


@transaction.atomic
def household_create(*, by: Any, head: Resident, address: str = "") -> Household:
    if not permissions.can_change_resident(by, head):
        raise forbidden("为该居民建立家庭户")
    if selectors.household_of(head) is not None:
        raise LinliError(PeopleErrorCode.ALREADY_IN_HOUSEHOLD, f"{head.name} 已在一个家庭户中，请先移出", field="head")
    household = Household.objects.create(area=head.area, address=(address or head.address).strip() or "（未填写）")
    HouseholdMember.objects.create(household=household, resident=head, relation=Relation.HEAD, joined_at=timezone.now())
    audit_record(actor=by, action="household.create", target=household, area_code=household.area_id,
                 data={"head": head.pk})
    return household


@transaction.atomic
def household_member_add(*, by: Any, household: Household, resident: Resident, relation: str) -> HouseholdMember:
    # Both the person and the household must be in the caller's areas.
    if not permissions.can_change_resident(by, resident) or not has_permission(
        by, Perm.CHANGE_RESIDENT, household.area_id
    ):
        raise forbidden("将该居民加入家庭户")
    if household.dissolved_at:
        raise LinliError(PeopleErrorCode.HOUSEHOLD_HEAD, "该家庭户已撤销，不能再加入成员", field="household")
    if relation not in Relation.values:
        raise invalid("relation", "与户主关系", "请选择")
    if relation == Relation.HEAD:
        raise LinliError(PeopleErrorCode.HOUSEHOLD_HEAD, "一户只能有一位户主", field="relation")
    current = selectors.household_of(resident)
    if current is not None:
        raise LinliError(
            PeopleErrorCode.ALREADY_IN_HOUSEHOLD,
            f"{resident.name} 已在“{current.address}”户中，一人同时只能在一个家庭户",
            field="resident",
        )
    member = HouseholdMember.objects.create(household=household, resident=resident, relation=relation,
                                            joined_at=timezone.now())
    audit_record(actor=by, action="household.member_add", target=household, area_code=household.area_id,
                 data={"resident": resident.pk, "relation": relation})
    return member


@transaction.atomic
def household_member_remove(*, by: Any, member: HouseholdMember) -> None:
    if not permissions.can_change_resident(by, member.resident):
        raise forbidden("将该居民移出家庭户")
    if member.relation == Relation.HEAD and member.household.members.filter(left_at__isnull=True).count() > 1:
        raise LinliError(PeopleErrorCode.HOUSEHOLD_HEAD, "请先移出其他成员或更换户主，再移出户主", field="member")
    member.left_at = timezone.now()
    member.save(update_fields=["left_at"])
    if member.relation == Relation.HEAD:
        Household.objects.filter(pk=member.household_id).update(dissolved_at=member.left_at)
    audit_record(actor=by, action="household.member_remove", target=member.household,
                 area_code=member.household.area_id, data={"resident": member.resident_id})


# --- proxy bindings (代办) -----------------------------------------------------------------


def _agent_for_phone(number: str, name: str) -> User:
    phone_hash = protected.blind_index(number)
    user = User.objects.filter(phone_hash=phone_hash).first()
    if user is not None:
        return user
    resident = selectors.resident_by_phone(number)
    if resident is not None:
        return resident_login_account(resident=resident)
    if not name.strip():
        raise invalid("agent_name", "代办人姓名", "该手机号未登记，请填写代办人姓名")
    user = User(username=f"a{phone_hash[:16]}", kind=User.Kind.AGENT, full_name=name.strip(), phone=number,
                phone_hash=phone_hash)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def proxy_bind(
    *,
    by: Any,
    principal: Resident,
    relation: str,
    scopes: Iterable[str],
    agent: User | None = None,
    agent_phone: str = "",
    agent_name: str = "",
) -> ProxyBinding:
    """Record a resident's permission for ``agent`` to act for them: by the resident themself,
    or by a worker from a signed paper form."""
    is_self = _is_self(by, principal)
    if not (is_self or permissions.can_manage_proxy(by, principal)):
        raise forbidden("为该居民办理代办授权")
    if relation not in ProxyBinding.Relation.values:
        raise invalid("relation", "关系", "请选择")
    scope_list = sorted(set(scopes))
    if not scope_list:
        raise LinliError(PeopleErrorCode.PROXY_SCOPE, "可代办事项：至少选择一项", field="scopes")
    unknown = [s for s in scope_list if s not in ProxyScope.values]
    if unknown:
        raise LinliError(PeopleErrorCode.PROXY_SCOPE, f"可代办事项：没有“{'、'.join(unknown)}”这一项", field="scopes")
    if agent is None:
        agent = _agent_for_phone(validation.phone_number(agent_phone) or _required_phone(), agent_name)
        # The phone may be the principal's own, whose login account was just made for it.
        principal.refresh_from_db(fields=["user"])
    if principal.user_id and agent.pk == principal.user_id:
        raise invalid("agent_phone", "代办人", "不能为本人办理代办")
    binding = ProxyBinding.objects.filter(principal=principal, agent=agent, revoked_at__isnull=True).first()
    if binding is None:
        binding = ProxyBinding.objects.create(principal=principal, agent=agent, relation=relation, scopes=scope_list,
                                              granted_by=by)
    else:
        binding.relation, binding.scopes = relation, scope_list
        binding.save(update_fields=["relation", "scopes"])
    audit_record(actor=by, action="proxy.bind", target=principal, area_code=principal.area_id,
                 data={"agent": agent.pk, "scopes": scope_list})
    return binding


def _required_phone() -> str:
    raise invalid("agent_phone", "代办人手机号", "不能为空")


@transaction.atomic
def proxy_revoke(*, by: Any, binding: ProxyBinding) -> None:
    """Ended by a worker, or by the resident who gave it."""
    is_self = _is_self(by, binding.principal)
    if not (is_self or permissions.can_manage_proxy(by, binding.principal)):
        raise forbidden("撤销该代办授权")
    if binding.revoked_at:
        return  # already ended: keep the first date
    binding.revoked_at = timezone.now()
    binding.revoked_by = by
    binding.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=by, action="proxy.revoke", target=binding.principal, area_code=binding.principal.area_id,
                 data={"agent": binding.agent_id})
