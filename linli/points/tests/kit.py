"""What the points tests share: rules for both communities, record sources, a ledger check."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import Sum

from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO
from linli.points import services
from linli.points.models import Account, AccountKind, Entry, Reward

TODAY = dt.date(2026, 11, 25)
_seq = itertools.count(1)


def rules(p, *, service_cap: int | None = None, expires: int | None = None) -> None:
    for worker, code in ((p.xjq_worker, XINGJIAQIAO), (p.jzy_worker, JINZHUYUAN)):
        services.rule_set(by=worker, area_code=code, action="service_half_hour", points=5, unit_label="半小时",
                          cap=service_cap, cap_period="month" if service_cap else "", expires_after_days=expires,
                          valid_from=dt.date(2026, 1, 1))
        services.rule_set(by=worker, area_code=code, action="manual", points=1, unit_label="分",
                          valid_from=dt.date(2026, 1, 1))
        services.rule_set(by=worker, area_code=code, action="session_taught", points=20,
                          valid_from=dt.date(2026, 1, 1))


def record() -> AuditEntry:
    """A saved record standing in for a service record, an attendance…"""
    return AuditEntry.objects.create(action="test.source", target_type="test.thing", target_id=str(next(_seq)))


def give(p, resident, points: int, by=None, on: dt.date = TODAY):
    """``points`` (a multiple of 1) to ``resident`` by a manual award."""
    by = by or (p.xjq_worker if resident.area_id.startswith(XINGJIAQIAO) else p.jzy_worker)
    return services.points_award(by=by, resident=resident, action="manual", units=points, source=None,
                                 reason="测试", on=on)


def reward(p, *, code: str = XINGJIAQIAO, cost: int = 50, stock: int = 3, name: str = "大米 5kg") -> Reward:
    by = p.xjq_worker if code == XINGJIAQIAO else p.jzy_worker
    return services.reward_create(by=by, area_code=code, name=name, giver="社区超市", cost=cost, stock=stock)


def assert_ledger_sound() -> None:
    total = Entry.objects.aggregate(n=Sum("amount"))["n"] or 0
    assert total == 0
    for account in Account.objects.all():
        summed = Entry.objects.filter(account=account).aggregate(n=Sum("amount"))["n"] or 0
        assert account.balance == summed, account
        if account.kind != AccountKind.POOL:
            assert account.balance >= 0, account
    for t_sum in Entry.objects.values("transfer_id").annotate(n=Sum("amount")).values_list("n", flat=True):
        assert t_sum == 0
    assert not Reward.objects.filter(stock__lt=0).exists()
