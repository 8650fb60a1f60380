"""Every read of the points ledger, scoped by the visibility rule.

A resident's account, statement and redemptions are a person's records: seen through the
resident's own area (``visible``). Pools, earning rules and the reward catalogue belong to the
community as a whole (``community_visible``: a grid worker sees their community's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.areas.models import Area, Level
from linli.areas.visibility import community_visible, visible
from linli.core.errors import not_found
from linli.core.ids import db_id
from linli.people.models import Resident
from linli.points.models import (
    Account,
    AccountKind,
    EarningAction,
    EarningRule,
    Entry,
    Redemption,
    RedemptionStatus,
    Reward,
    Transfer,
)


def accounts_visible(user: Any, *, within: str | None = None, q: str = "",
                     permission: str = Perm.VIEW_POINTS) -> QuerySet[Account]:
    qs = visible(Account.objects.filter(kind=AccountKind.RESIDENT), user, permission, field="resident__area__code",
                 within=within)
    if q.strip():
        qs = qs.filter(resident__name__icontains=q.strip())
    return qs.select_related("resident__area__parent", "area").order_by("area_id", "resident__name", "pk")


def account_get(user: Any, pk: Any, *, permission: str = Perm.VIEW_POINTS) -> Account:
    """A resident's account (by the resident's area) or a community's pool or sink."""
    key = db_id(pk)
    if key is None:
        raise not_found("积分账户")
    account = (
        visible(Account.objects.filter(kind=AccountKind.RESIDENT), user, permission, field="resident__area__code")
        .select_related("resident__area__parent", "area").filter(pk=key).first()
    ) or (
        community_visible(Account.objects.exclude(kind=AccountKind.RESIDENT), user, permission, field="area__code")
        .select_related("area").filter(pk=key).first()
    )
    if account is None:
        raise not_found("积分账户")
    return account


def community_accounts(user: Any, *, within: str | None = None) -> QuerySet[Account]:
    return community_visible(Account.objects.exclude(kind=AccountKind.RESIDENT), user, Perm.VIEW_POINTS,
                             field="area__code", within=within).select_related("area").order_by("area_id", "kind")


def statement(account: Account) -> QuerySet[Entry]:
    """The account's lines, newest first: walks the (account, id) index."""
    return (Entry.objects.filter(account=account).select_related("transfer__operator", "transfer__reversed_by")
            .order_by("-id"))


def transfer_get(user: Any, pk: Any, *, permission: str = Perm.VIEW_POINTS) -> Transfer:
    key = db_id(pk)
    transfer = None
    if key is not None:
        # A transfer is seen by whoever sees one of its accounts.
        accounts = accounts_visible(user, permission=permission).values("pk")
        communities = community_visible(Area.objects.all(), user, permission, field="code").values("code")
        transfer = (Transfer.objects.filter(pk=key)
                    .filter(Q(entries__account__in=accounts) | Q(area__in=communities))
                    .select_related("area", "reversed_by").first())
    if transfer is None:
        raise not_found("积分流水")
    return transfer


def communities_visible(user: Any, permission: str = Perm.VIEW_POINTS, *, within: str | None = None) -> QuerySet[Area]:
    return community_visible(Area.objects.filter(level=Level.COMMUNITY), user, permission, field="code",
                             within=within).order_by("code")


@dataclass(frozen=True)
class RuleRow:
    action: str
    label: str
    rule: EarningRule | None


def rules_table(area: Area) -> list[RuleRow]:
    rules = {r.action: r for r in EarningRule.objects.filter(area=area)}
    return [RuleRow(value, label, rules.get(value)) for value, label in EarningAction.choices]


def rules_visible(user: Any, *, within: str | None = None) -> QuerySet[EarningRule]:
    return community_visible(EarningRule.objects.all(), user, Perm.VIEW_POINTS, field="area__code",
                             within=within).select_related("area").order_by("area_id", "action")


def rewards_visible(user: Any, *, within: str | None = None, q: str = "", active_only: bool = False,
                    permission: str = Perm.VIEW_POINTS) -> QuerySet[Reward]:
    qs = community_visible(Reward.objects.all(), user, permission, field="area__code", within=within)
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(giver__icontains=q.strip()))
    if active_only:
        qs = qs.filter(active=True)
    return qs.select_related("area").order_by("area_id", "-active", "cost", "pk")


def reward_get(user: Any, pk: Any, *, permission: str = Perm.VIEW_POINTS) -> Reward:
    key = db_id(pk)
    reward = rewards_visible(user, permission=permission).filter(pk=key).first() if key else None
    if reward is None:
        raise not_found("礼品")
    return reward


def redemptions_visible(user: Any, *, within: str | None = None, status: str = "", q: str = "",
                        permission: str = Perm.VIEW_POINTS) -> QuerySet[Redemption]:
    qs = visible(Redemption.objects.all(), user, permission, field="resident__area__code", within=within)
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(Q(resident__name__icontains=q.strip()) | Q(reward__name__icontains=q.strip()))
    return qs.select_related("reward__area", "resident__area", "picked_up_by").order_by("-created_at", "-pk")


def redemption_get(user: Any, pk: Any, *, permission: str = Perm.VIEW_POINTS) -> Redemption:
    key = db_id(pk)
    redemption = redemptions_visible(user, permission=permission).filter(pk=key).first() if key else None
    if redemption is None:
        raise not_found("兑换记录")
    return redemption


def resident_for_points(user: Any, pk: Any, *, permission: str = Perm.VIEW_POINTS) -> Resident:
    key = db_id(pk)
    resident = visible(Resident.objects.filter(archived_at__isnull=True), user, permission).select_related(
        "area__parent").filter(pk=key).first() if key else None
    if resident is None:
        raise not_found("居民")
    return resident


# --- the resident's own view -----------------------------------------------------------------


def resident_statement(resident: Resident, limit: int = 20) -> list[Entry]:
    account = Account.objects.filter(resident=resident).first()
    if account is None:
        return []
    return list(statement(account)[:limit])


def rewards_for(resident: Resident) -> QuerySet[Reward]:
    """What the resident's community offers now (in stock, on the shelf), cheapest first."""
    return Reward.objects.filter(area_id=resident.community.code, active=True, stock__gt=0).order_by("cost", "pk")


def reward_for_resident(resident: Resident, pk: Any) -> Reward:
    key = db_id(pk)
    reward = Reward.objects.filter(area_id=resident.community.code, pk=key).first() if key else None
    if reward is None:
        raise not_found("礼品")
    return reward


def redemptions_of(resident: Resident, *, pending_only: bool = False) -> QuerySet[Redemption]:
    qs = Redemption.objects.filter(resident=resident).select_related("reward")
    if pending_only:
        qs = qs.filter(status=RedemptionStatus.PENDING)
    return qs.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class PendingRedemption:
    """A redemption waiting to be picked up, with until when the resident may still cancel it."""

    redemption: Redemption
    cancel_until: dt.datetime
    may_cancel: bool


def pending_for_resident(resident: Resident) -> list[PendingRedemption]:
    from linli.points.services import self_cancel_until

    now = timezone.now()
    return [PendingRedemption(r, self_cancel_until(r), now <= self_cancel_until(r))
            for r in redemptions_of(resident, pending_only=True)]


# --- figures -----------------------------------------------------------------------------------


def count_pending_redemptions(user: Any, within: str | None = None) -> int:
    return redemptions_visible(user, within=within, status=RedemptionStatus.PENDING).order_by().count()


def count_rewards(user: Any, within: str | None = None) -> int:
    return rewards_visible(user, within=within, active_only=True).order_by().count()


def describe(entry: Entry) -> str:
    """A statement line in plain words, for residents and workers alike."""
    t = entry.transfer
    return t.reason or t.get_kind_display()
