"""Every write of the points ledger. Other modules earn points only through ``points_award``.

One posting (``_post``) is the only way entries are written: inside one transaction it locks the
accounts involved in ascending id order (so two postings never wait on each other in a cycle),
checks that no balance but a pool's goes below zero, writes the transfer and its entries (which
sum to zero) and moves the stored balances with F() expressions. The database backs each rule
with a constraint (balance ≥ 0 outside pools, entry ≠ 0, unique idempotency key, stock ≥ 0).

Caps: an award that would pass the rule's cap for its period is cut to what remains (the reason
says so); when nothing remains it is refused (``points.cap_reached``) and nothing is written.

Expiry: an award under a rule with ``expires_after_days`` carries ``expires_on``. Spending takes
points oldest first; ``points_expire`` (run daily: ``linli points expire``) returns to the pool
the unspent part of every award whose date has passed. Until that run, expired points can still
be spent.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F, Sum
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Area, Level
from linli.core.errors import LinliError, forbidden, invalid, not_found
from linli.core.services import audit_record
from linli.people.models import Resident
from linli.points import permissions
from linli.points.models import (
    Account,
    AccountKind,
    CapPeriod,
    EarningAction,
    EarningRule,
    Entry,
    Redemption,
    RedemptionStatus,
    Reward,
    Transfer,
    TransferKind,
)

ALREADY_AWARDED = "该记录已发放过积分"
# A resident (or their proxy) may take back their own redemption only this soon after making it:
# later they may already hold the item, and only the community's staff may cancel it.
SELF_CANCEL_MINUTES = 30
SELF_CANCEL_TOO_LATE = f"兑换超过 {SELF_CANCEL_MINUTES} 分钟后不能自行取消，如需取消请联系社区工作人员"


# --- small checks -------------------------------------------------------------------------


def whole_number(value: Any, *, field: str, label: str, minimum: int = 1, maximum: int = 10**9) -> int:
    """An amount of points (or units, or stock): a whole number in range, or a clear refusal."""
    if isinstance(value, bool) or value is None:
        raise invalid(field, label, "请填写整数")
    if isinstance(value, float | Decimal):
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise invalid(field, label, "积分只能是整数，不能有小数")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only: isdigit() also passes "²" and lets "--5" through, which int() refuses.
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise invalid(field, label, "请填写整数（不能有小数）")
        if len(text.lstrip("+-").lstrip("0")) > 18:
            raise invalid(field, label, "不能为负数" if text.startswith("-") else f"不能大于 {maximum}")
        value = int(text)
    if not isinstance(value, int):
        raise invalid(field, label, "请填写整数")
    if value < minimum:
        raise invalid(field, label, "不能为负数" if value < 0 else f"不能小于 {minimum}")
    if value > maximum:
        raise invalid(field, label, f"不能大于 {maximum}")
    return value


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field, label, "不能为空")
    if len(text) > max_length:
        raise invalid(field, label, f"不能超过 {max_length} 个字")
    if "\x00" in text:
        raise invalid(field, label, "包含无效字符")
    return text


def _community_of(resident: Resident) -> Area:
    return resident.community


def _community(area_code: str) -> Area:
    area = Area.objects.filter(code=area_code, level=Level.COMMUNITY).first()
    if area is None:
        raise invalid("area", "社区", "请选择一个社区")
    return area


# --- accounts --------------------------------------------------------------------------------


def _account(kind: str, area: Area) -> Account:
    account, _ = Account.objects.get_or_create(kind=kind, area=area)
    return account


def pool_account(area: Area) -> Account:
    return _account(AccountKind.POOL, area)


def sink_account(area: Area) -> Account:
    return _account(AccountKind.SINK, area)


def resident_account(resident: Resident) -> Account:
    account = Account.objects.filter(resident=resident).first()
    if account is None:
        account, _ = Account.objects.get_or_create(
            resident=resident, defaults={"kind": AccountKind.RESIDENT, "area": _community_of(resident)})
    return account


def points_balance(resident: Resident) -> int:
    """The stored balance: one indexed row read, never a sum of entries."""
    value = Account.objects.filter(resident=resident).values_list("balance", flat=True).first()
    return int(value or 0)


def _lock(accounts: Iterable[Account]) -> dict[int, Account]:
    ids = sorted({a.pk for a in accounts})
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _owner_name(account: Account) -> str:
    if account.resident_id is not None:
        return Resident.objects.filter(pk=account.resident_id).values_list("name", flat=True).first() or "居民"
    return account.get_kind_display()


def _source_label(source: models.Model) -> tuple[str, str]:
    return f"{source._meta.app_label}.{source._meta.model_name}", str(source.pk)


def _post(
    *,
    kind: str,
    area: Area,
    operator: Any,
    reason: str,
    lines: list[tuple[Account, int]],
    on: dt.date,
    action: str = "",
    units: int = 0,
    source: models.Model | None = None,
    key: str | None = None,
    reverses: Transfer | None = None,
    expires_on: dt.date | None = None,
    short: Callable[[Account, int, int], str] | None = None,
) -> Transfer:
    """Write one transfer; the caller is inside ``transaction.atomic``."""
    if sum(amount for _, amount in lines) != 0 or any(amount == 0 for _, amount in lines):
        raise ValueError("a transfer's entries must be non-zero and sum to zero")
    locked = _lock(a for a, _ in lines)
    for account, amount in lines:
        current = locked[account.pk]
        if current.kind != AccountKind.POOL and current.balance + amount < 0:
            message = short(current, current.balance, -amount) if short else \
                f"{_owner_name(current)}的积分不足：现有 {current.balance} 分，需要 {-amount} 分"
            raise LinliError("points.insufficient", message, field="amount")
    source_type, source_id = _source_label(source) if source is not None else ("", "")
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                kind=kind, area=area, operator=operator if getattr(operator, "pk", None) else None,
                reason=reason[:300], action=action, units=units, source_type=source_type, source_id=source_id,
                idempotency_key=key, reverses=reverses, on=on, expires_on=expires_on,
            )
    except IntegrityError:
        # Two postings for one source at the same moment: the unique key lets exactly one through.
        if reverses is not None:
            raise LinliError("points.already_reversed", "该流水已冲正过，不能重复冲正", status=409) from None
        raise LinliError("points.duplicate", ALREADY_AWARDED, status=409) from None
    Entry.objects.bulk_create([Entry(transfer=transfer, account=a, amount=amount) for a, amount in lines])
    for account, amount in lines:
        Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    return transfer


# --- earning rules ---------------------------------------------------------------------------


def active_rule(area: Area | str, action: str, on: dt.date | None = None) -> EarningRule | None:
    code = area if isinstance(area, str) else area.code
    on = on or timezone.localdate()
    return EarningRule.objects.filter(area_id=code, action=action, active=True, valid_from__lte=on).first()


@transaction.atomic
def rule_set(
    *,
    by: Any,
    area_code: str,
    action: str,
    points: Any,
    unit_label: str = "次",
    cap: Any = None,
    cap_period: str = "",
    expires_after_days: Any = None,
    active: bool = True,
    valid_from: dt.date | None = None,
) -> EarningRule:
    """Create or change the community's rule for an action (one rule per action)."""
    area = _community(area_code)
    if not has_permission(by, Perm.MANAGE_POINTS, area.code):
        raise forbidden("设置该社区的积分规则")
    if action not in EarningAction.values:
        raise invalid("action", "行为", "不是可选的积分行为")
    values = {
        "points": whole_number(points, field="points", label="每次积分"),
        "unit_label": _text(unit_label, field="unit_label", label="计量单位", max_length=16),
        "cap": None if cap in (None, "") else whole_number(cap, field="cap", label="周期上限"),
        "cap_period": cap_period or "",
        "expires_after_days": None if expires_after_days in (None, "") else whole_number(
            expires_after_days, field="expires_after_days", label="有效天数", maximum=36500),
        "active": bool(active),
        "valid_from": valid_from or timezone.localdate(),
    }
    if values["cap_period"] and values["cap_period"] not in CapPeriod.values:
        raise invalid("cap_period", "上限周期", "请选择天、周、月或年")
    if (values["cap"] is None) != (not values["cap_period"]):
        raise invalid("cap_period" if values["cap"] else "cap", "上限周期" if values["cap"] else "周期上限",
                      "上限和周期要一起填写，或都不填")
    rule = EarningRule.objects.select_for_update().filter(area=area, action=action).first()
    if rule is None:
        rule = EarningRule.objects.create(area=area, action=action, **values)
    else:
        for name, value in values.items():
            setattr(rule, name, value)
        rule.save()
    audit_record(actor=by, action="points.rule_set", target=rule, area_code=area.code,
                 data={k: str(v) for k, v in values.items()})
    return rule


def _period(on: dt.date, period: str) -> tuple[dt.date, dt.date]:
    if period == CapPeriod.DAY:
        return on, on + dt.timedelta(days=1)
    if period == CapPeriod.WEEK:
        start = on - dt.timedelta(days=on.weekday())
        return start, start + dt.timedelta(days=7)
    if period == CapPeriod.MONTH:
        start = on.replace(day=1)
        return start, (start + dt.timedelta(days=32)).replace(day=1)
    start = on.replace(month=1, day=1)
    return start, start.replace(year=start.year + 1)


def awarded_in_period(account: Account, action: str, on: dt.date, period: str) -> int:
    """Points the account got for ``action`` in the period holding ``on`` (reversed awards do not count)."""
    start, end = _period(on, period)
    total = Entry.objects.filter(
        account=account, transfer__kind=TransferKind.AWARD, transfer__action=action, transfer__on__gte=start,
        transfer__on__lt=end, transfer__reversed_by__isnull=True,
    ).aggregate(n=Sum("amount"))["n"]
    return int(total or 0)


def _may_award(by: Any, resident: Resident, action: str) -> bool:
    if by is None:
        return action != EarningAction.MANUAL  # the system awards only by rule, for a record
    if action == EarningAction.MANUAL:
        return has_permission(by, Perm.MANAGE_POINTS, resident.area_id)
    return any(has_permission(by, perm, resident.area_id)
               for perm in (Perm.MANAGE_POINTS, Perm.MANAGE_VOLUNTEERING, Perm.MANAGE_COLLEGE))


def award_key(source: models.Model, action: str) -> str:
    source_type, source_id = _source_label(source)
    return f"award:{source_type}:{source_id}:{action}"


@transaction.atomic
def points_award(
    *,
    by: Any,
    resident: Resident,
    action: str,
    units: int = 1,
    source: models.Model | None,
    reason: str = "",
    on: dt.date | None = None,
) -> Transfer:
    """Award the community's rule for ``action`` × ``units`` from its pool to the resident.

    ``source`` is the record that earned the points (its app, model, pk and the action make the
    idempotency key: a second award for it is refused with 409 and nothing is written). Only a
    manual award (``action="manual"``, by a worker holding MANAGE_POINTS) may have no source."""
    if action not in EarningAction.values:
        raise invalid("action", "积分行为", "不是可选的积分行为")
    units = whole_number(units, field="units", label="数量", maximum=10_000)
    if source is None and action != EarningAction.MANUAL:
        raise LinliError("points.no_source", "发放积分须注明来源记录（如服务记录、签到记录）")
    if source is not None and getattr(source, "pk", None) is None:
        raise LinliError("points.no_source", "来源记录尚未保存，不能据此发放积分")
    if not _may_award(by, resident, action):
        raise forbidden("为该居民发放积分")
    if resident.archived_at:
        raise LinliError("points.archived", f"{resident.name}的登记已注销，不能发放积分")
    on = on or timezone.localdate()
    community = _community_of(resident)
    rule = active_rule(community, action, on)
    if rule is None:
        raise LinliError("points.no_rule",
                         f"{community.name}还没有启用“{EarningAction(action).label}”的积分规则，请先在积分规则中设置")
    key = award_key(source, action) if source is not None else None
    if key and Transfer.objects.filter(idempotency_key=key).exists():
        raise LinliError("points.duplicate", ALREADY_AWARDED, status=409)
    account = resident_account(resident)
    pool = pool_account(community)
    _lock([account, pool])  # before reading the period's total: awards to one resident queue here
    amount = rule.points * units
    label = reason.strip()[:200] or f"{EarningAction(action).label} × {units}"
    if rule.cap:
        already = awarded_in_period(account, action, on, rule.cap_period)
        left = rule.cap - already
        period = CapPeriod(rule.cap_period).label
        if left <= 0:
            raise LinliError("points.cap_reached",
                             f"{resident.name}{period}“{EarningAction(action).label}”积分已达上限 {rule.cap} 分，本次不再发放")
        if amount > left:
            label = f"{label}（{period}上限 {rule.cap} 分，已得 {already} 分，本次应得 {amount} 分，按上限发放 {left} 分）"
            amount = left
    transfer = _post(
        kind=TransferKind.AWARD, area=community, operator=by, reason=label, lines=[(pool, -amount), (account, amount)],
        on=on, action=action, units=units, source=source, key=key,
        expires_on=on + dt.timedelta(days=rule.expires_after_days) if rule.expires_after_days else None,
    )
    audit_record(actor=by, action="points.award", target=transfer, area_code=resident.area_id,
                 data={"resident": resident.pk, "amount": amount, "action": action, "units": units})
    return transfer


REVERSIBLE = {TransferKind.AWARD, TransferKind.EXPIRE}


@transaction.atomic
def points_reverse(*, by: Any, transfer: Transfer, reason: str) -> Transfer:
    """A transfer with every entry negated: the only way to correct the ledger. Once per transfer."""
    if not has_permission(by, Perm.MANAGE_POINTS, transfer.area_id):
        raise forbidden("冲正积分")
    reason = _text(reason, field="reason", label="冲正原因", max_length=200)
    if transfer.kind not in REVERSIBLE:
        if transfer.kind in (TransferKind.REDEEM, TransferKind.CANCEL):
            raise LinliError("points.not_reversible", "兑换的积分请通过“取消兑换”退回，不能冲正")
        raise LinliError("points.not_reversible", "冲正记录不能再冲正")
    lines = [(e.account, -e.amount) for e in transfer.entries.select_related("account")]
    _lock(a for a, _ in lines)  # an expiry of this award waits, or has finished: decide after it
    if Transfer.objects.filter(reverses=transfer).exists():
        raise LinliError("points.already_reversed", "该流水已冲正过，不能重复冲正", status=409)
    if transfer.kind == TransferKind.AWARD and _expiries_of(transfer).filter(reversed_by__isnull=True).exists():
        # Its unspent part already went back to the pool; reversing the whole award would take it twice.
        raise LinliError("points.expired", "这笔积分已过期，未用的部分已退回积分池，不能再冲正。"
                         "如需更正，请先冲正对应的“积分过期”流水", status=409)

    def short(account: Account, has: int, needs: int) -> str:
        return (f"{_owner_name(account)}的积分已用掉一部分，不能冲正：现有 {has} 分，冲正需扣回 {needs} 分。"
                "如需更正，请先取消相关兑换")

    reversal = _post(
        kind=TransferKind.REVERSE, area=transfer.area, operator=by, reason=f"冲正：{reason}", lines=lines,
        on=timezone.localdate(), action=transfer.action, units=transfer.units, source=transfer, reverses=transfer,
        key=f"reverse:{transfer.pk}", short=short,
    )
    audit_record(actor=by, action="points.reverse", target=reversal, area_code=transfer.area_id,
                 data={"reverses": transfer.pk, "reason": reason})
    return reversal


# --- expiry ------------------------------------------------------------------------------------


def unspent_lots(account: Account) -> dict[int, int]:
    """What is left of each credit to ``account`` (by transfer id), spending oldest first.

    A reversal takes back from the credit it reverses, an expiry from the award it expires; what
    they cannot take there, and every other debit, comes from the oldest credits. Cancelling a
    redemption puts its points back into the credits the redemption took them from."""
    lots: dict[int, int] = {}
    spent: dict[int, list[tuple[int, int]]] = {}  # redemption's transfer id → (lot, points) it took
    rows = Entry.objects.filter(account=account).order_by("id").values_list(
        "amount", "transfer_id", "transfer__kind", "transfer__reverses_id", "transfer__source_id",
        "transfer__cancelled_redemption__transfer_id")
    for amount, transfer_id, kind, reverses_id, source_id, cancels_id in rows:
        if amount > 0:
            if kind == TransferKind.CANCEL and cancels_id in spent:
                # A cancelled redemption gives its points back to the lots it took them from, so they
                # keep their expiry dates (and their place in the oldest-first order).
                for tid, take in spent.pop(cancels_id):
                    lots[tid] = lots.get(tid, 0) + take
                continue
            lots[transfer_id] = amount
            continue
        need = -amount
        target = reverses_id if kind == TransferKind.REVERSE else int(source_id) if kind == TransferKind.EXPIRE else None
        taken: list[tuple[int, int]] = []
        for tid in ([target] if target in lots else []) + sorted(lots):
            take = min(need, lots.get(tid, 0))
            if take:
                lots[tid] -= take
                need -= take
                taken.append((tid, take))
            if not need:
                break
        if kind == TransferKind.REDEEM:
            spent[transfer_id] = taken
        lots = {tid: left for tid, left in lots.items() if left}
    return lots


def _expiries_of(award: Transfer) -> models.QuerySet[Transfer]:
    source_type, source_id = _source_label(award)
    return Transfer.objects.filter(kind=TransferKind.EXPIRE, source_type=source_type, source_id=source_id)


@transaction.atomic
def _expire_account(account_id: int, today: dt.date) -> int:
    account = Account.objects.get(pk=account_id)
    # Every account this run may post to, locked in the one ascending order all postings use
    # (the resident's account and the pools of its due awards), before anything is read.
    areas = Transfer.objects.filter(
        entries__account=account, kind=TransferKind.AWARD, expires_on__lt=today,
    ).values_list("area_id", flat=True).distinct()
    pools = {code: pool_account(area) for code, area in Area.objects.in_bulk(list(areas)).items()}
    _lock([account, *pools.values()])
    lots = unspent_lots(account)
    due = Transfer.objects.filter(
        pk__in=list(lots), kind=TransferKind.AWARD, expires_on__lt=today, reversed_by__isnull=True,
    ).select_related("area").order_by("id")
    returned = 0
    for award in due:
        left = lots[award.pk]
        done = _expiries_of(award).count()  # points given back by a cancelled redemption expire again
        _post(kind=TransferKind.EXPIRE, area=award.area, operator=None,
              reason=f"{award.on:%Y-%m-%d} 获得的积分已于 {award.expires_on:%Y-%m-%d} 到期，未用的 {left} 分退回积分池",
              lines=[(account, -left), (pools[award.area_id], left)], on=today, action=award.action,
              source=award, key=f"expire:{award.pk}" + (f":{done + 1}" if done else ""))
        returned += left
    return returned


def points_expire(*, today: dt.date | None = None) -> int:
    """Return to the pools the unspent part of every award past its date. Safe to run again."""
    today = today or timezone.localdate()
    accounts = Entry.objects.filter(
        amount__gt=0, transfer__kind=TransferKind.AWARD, transfer__expires_on__lt=today,
        account__kind=AccountKind.RESIDENT,
    ).values_list("account_id", flat=True).distinct()
    return sum(_expire_account(account_id, today) for account_id in sorted(set(accounts)))


# --- rewards -----------------------------------------------------------------------------------


def _reward_values(name: str, description: str, giver: str, cost: Any, stock: Any) -> dict[str, Any]:
    return {
        "name": _text(name, field="name", label="名称", max_length=64),
        "description": _text(description, field="description", label="说明", max_length=300, required=False),
        "giver": _text(giver, field="giver", label="提供单位", max_length=64),
        "cost": whole_number(cost, field="cost", label="所需积分"),
        "stock": whole_number(stock, field="stock", label="库存", minimum=0, maximum=1_000_000),
    }


@transaction.atomic
def reward_create(*, by: Any, area_code: str, name: str, giver: str, cost: Any, stock: Any, description: str = "",
                  active: bool = True) -> Reward:
    area = _community(area_code)
    if not has_permission(by, Perm.MANAGE_POINTS, area.code):
        raise forbidden("管理该社区的兑换礼品")
    reward = Reward.objects.create(area=area, active=active, **_reward_values(name, description, giver, cost, stock))
    audit_record(actor=by, action="points.reward_create", target=reward, area_code=area.code)
    return reward


@transaction.atomic
def reward_update(*, by: Any, reward: Reward, name: str, giver: str, cost: Any, stock: Any, description: str = "",
                  active: bool = True) -> Reward:
    if not permissions.can_manage_reward(by, reward):
        raise forbidden("管理该社区的兑换礼品")
    values = _reward_values(name, description, giver, cost, stock)
    locked = Reward.objects.select_for_update().get(pk=reward.pk)  # not while someone redeems it
    for field, value in {**values, "active": bool(active)}.items():
        setattr(locked, field, value)
    locked.save()
    audit_record(actor=by, action="points.reward_update", target=locked, area_code=locked.area_id,
                 data={k: str(v) for k, v in values.items()})
    return locked


# --- redemptions ---------------------------------------------------------------------------------


def _new_pickup_code() -> str:
    for _ in range(20):
        code = f"{secrets.randbelow(10**8):08d}"
        if not Redemption.objects.filter(pickup_code=code).exists():
            return code
    raise LinliError("points.code", "暂时无法生成领取码，请稍后再试", status=409)


@transaction.atomic
def redemption_create(*, by: Any, resident: Resident, reward: Reward) -> Redemption:
    """Take the points and one of the stock in one transaction (the reward's row is locked first)."""
    if not permissions.can_redeem_for(by, resident):
        raise forbidden("为该居民兑换积分")
    if resident.archived_at:
        raise LinliError("points.archived", f"{resident.name}的登记已注销，不能兑换")
    locked = Reward.objects.select_for_update().filter(pk=reward.pk).first()
    if locked is None:
        raise not_found("礼品")
    community = _community_of(resident)
    if locked.area_id != community.code:
        raise LinliError("points.other_community", f"“{locked.name}”是其他社区的礼品，只能兑换本社区（{community.name}）的礼品",
                         field="reward")
    if not locked.active:
        raise LinliError("points.inactive", f"“{locked.name}”已下架，不能兑换", field="reward")
    if locked.stock <= 0:
        raise LinliError("points.out_of_stock", f"“{locked.name}”已经兑完了", field="reward", status=409)
    account = resident_account(resident)

    def short(_account: Account, has: int, needs: int) -> str:
        return f"积分不够：{resident.name}现有 {has} 分，兑换“{locked.name}”需要 {needs} 分"

    transfer = _post(kind=TransferKind.REDEEM, area=community, operator=by, reason=f"兑换“{locked.name}”",
                     lines=[(account, -locked.cost), (sink_account(community), locked.cost)], on=timezone.localdate(),
                     source=locked, short=short)
    Reward.objects.filter(pk=locked.pk).update(stock=F("stock") - 1)
    redemption = Redemption.objects.create(
        reward=locked, resident=resident, cost=locked.cost, pickup_code=_new_pickup_code(), transfer=transfer,
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(actor=by, action="points.redeem", target=redemption, area_code=resident.area_id,
                 data={"reward": locked.pk, "cost": locked.cost})
    return redemption


def self_cancel_until(redemption: Redemption) -> dt.datetime:
    """Until when the resident (or their proxy) may cancel the redemption themselves."""
    return redemption.created_at + dt.timedelta(minutes=SELF_CANCEL_MINUTES)


def _locked_pending(redemption: Redemption) -> Redemption:
    # Only the redemption's row: the joined reward, resident and area stay free for others.
    locked = Redemption.objects.select_for_update(of=("self",)).select_related(
        "reward", "resident__area").get(pk=redemption.pk)
    if locked.status != RedemptionStatus.PENDING:
        raise LinliError("points.redemption_state", f"这笔兑换{locked.get_status_display()}，不能再办理", status=409)
    return locked


@transaction.atomic
def redemption_pickup(*, by: Any, redemption: Redemption) -> Redemption:
    """The giver (a worker holding MANAGE_POINTS on the reward's community) hands the item over."""
    if not permissions.can_manage_reward(by, redemption.reward):
        raise forbidden("确认领取")
    locked = _locked_pending(redemption)
    locked.status = RedemptionStatus.PICKED_UP
    locked.picked_up_at = timezone.now()
    locked.picked_up_by = by
    locked.save(update_fields=["status", "picked_up_at", "picked_up_by"])
    audit_record(actor=by, action="points.pickup", target=locked, area_code=locked.resident.area_id)
    return locked


@transaction.atomic
def redemption_pickup_by_code(*, by: Any, code: str) -> Redemption:
    """The resident shows the code; it works once, and only at the reward's community."""
    code = (code or "").strip()
    if not (len(code) == 8 and code.isdigit()):
        raise invalid("code", "领取码", "应为 8 位数字")
    redemption = Redemption.objects.select_related("reward").filter(pickup_code=code).first()
    if redemption is None or not permissions.can_manage_reward(by, redemption.reward):
        raise LinliError("points.code_unknown", "领取码不存在，或不是本社区的兑换", field="code", status=404)
    return redemption_pickup(by=by, redemption=redemption)


@transaction.atomic
def redemption_cancel(*, by: Any, redemption: Redemption, reason: str = "") -> Redemption:
    """Give back both the points and the stock. Only while waiting to be picked up."""
    reward = redemption.reward
    staff = permissions.can_manage_reward(by, reward)
    if not (staff or permissions.can_redeem_for(by, redemption.resident)):
        raise forbidden("取消该兑换")
    locked = _locked_pending(redemption)
    if not staff and timezone.now() > self_cancel_until(locked):
        raise LinliError("points.cancel_too_late", SELF_CANCEL_TOO_LATE, status=409)
    Reward.objects.select_for_update().filter(pk=reward.pk).first()  # the same order as redeeming: reward, then accounts
    community = Area.objects.get(code=reward.area_id)
    note = _text(reason, field="reason", label="取消原因", max_length=200, required=False)
    transfer = _post(kind=TransferKind.CANCEL, area=community, operator=by,
                     reason=f"取消兑换“{reward.name}”，积分退回" + (f"：{note}" if note else ""),
                     lines=[(sink_account(community), -locked.cost), (resident_account(locked.resident), locked.cost)],
                     on=timezone.localdate(), source=locked, key=f"cancel:{locked.pk}")
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + 1)
    locked.status = RedemptionStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = by if getattr(by, "pk", None) else None
    locked.cancel_transfer = transfer
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_transfer"])
    audit_record(actor=by, action="points.redemption_cancel", target=locked, area_code=locked.resident.area_id,
                 data={"reason": note})
    return locked
