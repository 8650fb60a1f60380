"""The points ledger on the API (staff only): accounts, statements, rewards, redemption at the desk, reversal.

Reads go through the scoped selectors; a record out of reach is the same 404 as a missing one.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from linli.accounts.roles import Perm
from linli.core.errors import forbidden
from linli.core.schemas import paged, responses
from linli.points import permissions, selectors, services
from linli.points.models import Account, Entry, Reward
from linli.points.schemas import (
    AccountFilters,
    AccountId,
    AccountOut,
    AccountPage,
    LineOut,
    Paging,
    RedemptionIn,
    RedemptionOut,
    ReverseIn,
    RewardFilters,
    RewardOut,
    RewardPage,
    StatementOut,
    TransferId,
    TransferOut,
)

router = Router(tags=["积分"])


def _require_view(request: HttpRequest) -> None:
    if not permissions.can_view_points(request.user):
        raise forbidden("查看积分")


def _account_out(a: Account) -> AccountOut:
    assert a.resident is not None
    return AccountOut(id=a.pk, resident_id=a.resident.pk, resident=a.resident.name, area_code=a.resident.area_id,
                      community=a.resident.community.name, balance=a.balance)


def _line_out(e: Entry) -> LineOut:
    t = e.transfer
    operator = (t.operator.full_name or t.operator.username) if t.operator else None
    return LineOut(id=e.pk, transfer_id=t.pk, kind=t.kind, kind_label=t.get_kind_display(), on=t.on, amount=e.amount,
                   reason=t.reason, operator=operator, reversed=hasattr(t, "reversed_by"), expires_on=t.expires_on)


def _reward_out(r: Reward) -> RewardOut:
    return RewardOut(id=r.pk, area_code=r.area_id, community=r.area.name, name=r.name, description=r.description,
                     giver=r.giver, cost=r.cost, stock=r.stock, active=r.active)


@router.get("/accounts", response=responses({200: AccountPage}, 403), summary="居民积分账户（按所持地区过滤）")
def account_list(request: HttpRequest, filters: Query[AccountFilters]):
    _require_view(request)
    qs = selectors.accounts_visible(request.user, within=filters.area or None, q=filters.q)
    return paged(qs, filters, _account_out, AccountPage)


@router.get("/accounts/{account_id}/statement", response=responses({200: StatementOut}, 403, 404),
            summary="积分账户明细（新的在前）")
def account_statement(request: HttpRequest, account_id: AccountId, paging: Query[Paging]):
    _require_view(request)
    account = selectors.account_get(request.user, account_id)
    start = (paging.page - 1) * paging.page_size
    lines = [_line_out(e) for e in selectors.statement(account)[start : start + paging.page_size]]
    return StatementOut(account_id=account.pk, balance=account.balance, page=paging.page, page_size=paging.page_size,
                        items=lines)


@router.get("/rewards", response=responses({200: RewardPage}, 403), summary="兑换礼品目录")
def reward_list(request: HttpRequest, filters: Query[RewardFilters]):
    _require_view(request)
    qs = selectors.rewards_visible(request.user, within=filters.area or None, q=filters.q)
    return paged(qs, filters, _reward_out, RewardPage)


@router.post("/redemptions", response=responses({201: RedemptionOut}, 400, 403, 404, 409),
             summary="窗口兑换：为居民兑换礼品（扣积分、减库存）")
def redemption_create(request: HttpRequest, payload: RedemptionIn):
    if not permissions.can_manage_points_anywhere(request.user):
        raise forbidden("为居民兑换积分")
    resident = selectors.resident_for_points(request.user, payload.resident_id, permission=Perm.MANAGE_POINTS)
    reward = selectors.reward_for_resident(resident, payload.reward_id)
    r = services.redemption_create(by=request.user, resident=resident, reward=reward)
    return Status(201, RedemptionOut(id=r.pk, resident_id=resident.pk, reward_id=reward.pk, reward=reward.name,
                                     cost=r.cost, status=r.status, pickup_code=r.pickup_code,
                                     balance=services.points_balance(resident)))


@router.post("/transfers/{transfer_id}/reverse", response=responses({201: TransferOut}, 400, 403, 404, 409),
             summary="冲正一笔积分流水（写一笔相反的流水，原记录保留；每笔只能冲正一次）")
def transfer_reverse(request: HttpRequest, transfer_id: TransferId, payload: ReverseIn):
    if not permissions.can_manage_points_anywhere(request.user):
        raise forbidden("冲正积分")
    transfer = selectors.transfer_get(request.user, transfer_id, permission=Perm.MANAGE_POINTS)
    reversal = services.points_reverse(by=request.user, transfer=transfer, reason=payload.reason)
    return Status(201, TransferOut(id=reversal.pk, kind=reversal.kind, reverses_id=reversal.reverses_id,
                                   reason=reversal.reason, on=reversal.on))
