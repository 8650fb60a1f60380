"""The ledger's services: awards by rule, idempotency, caps, reversal, redemption, expiry, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction

from linli.core.errors import LinliError
from linli.core.testing import XINGJIAQIAO
from linli.points import services
from linli.points.models import (
    Account,
    AccountKind,
    Entry,
    Redemption,
    RedemptionStatus,
    Reward,
    Transfer,
    TransferKind,
)
from linli.points.tests.kit import TODAY, assert_ledger_sound, give, record, reward, rules

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0), tick=False):
        yield


@pytest.fixture
def p(personas):
    rules(personas)
    return personas


def _counts():
    return Transfer.objects.count(), Entry.objects.count(), list(Account.objects.order_by("pk").values_list("balance"))


def test_award_moves_rule_points_from_the_pool(p):
    r = p.xjq_residents[1]
    source = record()
    t = services.points_award(by=p.xjq_worker, resident=r, action="service_half_hour", units=3, source=source)
    assert services.points_balance(r) == 15
    pool = Account.objects.get(kind=AccountKind.POOL, area_id=XINGJIAQIAO)
    assert pool.balance == -15
    assert t.idempotency_key == f"award:core.auditentry:{source.pk}:service_half_hour"
    assert t.operator == p.xjq_worker and t.source_type == "core.auditentry" and t.source_id == str(source.pk)
    assert_ledger_sound()


def test_awarding_twice_for_one_record_is_refused_and_writes_nothing(p):
    r, source = p.xjq_residents[1], record()
    services.points_award(by=p.xjq_worker, resident=r, action="service_half_hour", units=2, source=source)
    before = _counts()
    with pytest.raises(LinliError) as exc:
        services.points_award(by=p.xjq_worker, resident=r, action="service_half_hour", units=2, source=source)
    assert exc.value.status == 409 and exc.value.message == "该记录已发放过积分"
    assert _counts() == before
    # the same record for another action is another award
    services.points_award(by=p.xjq_worker, resident=r, action="session_taught", source=source)
    assert services.points_balance(r) == 10 + 20


def test_the_unique_key_holds_even_if_the_check_is_passed(p):
    r, source = p.xjq_residents[1], record()
    services.points_award(by=p.xjq_worker, resident=r, action="service_half_hour", source=source)
    key = services.award_key(source, "service_half_hour")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(kind="award", area_id=XINGJIAQIAO, reason="x", on=TODAY, idempotency_key=key)


def test_no_active_rule_is_a_clear_refusal(p):
    with pytest.raises(LinliError) as exc:
        services.points_award(by=p.xjq_worker, resident=p.xjq_residents[1], action="class_attended", units=1,
                              source=record())
    assert exc.value.code == "points.no_rule" and "参加课程一次" in exc.value.message
    assert Transfer.objects.count() == 0


@pytest.mark.parametrize("units", [0, -1, 1.5, Decimal("2.5"), "1.5", "abc", None, True])
def test_negative_or_fractional_units_are_refused(p, units):
    with pytest.raises(LinliError) as exc:
        services.points_award(by=p.xjq_worker, resident=p.xjq_residents[1], action="service_half_hour", units=units,
                              source=record())
    assert exc.value.field == "units" and "数量" in exc.value.message
    assert Transfer.objects.count() == 0


@pytest.mark.parametrize("points", [0, -5, 2.5, "3.5"])
def test_rule_points_must_be_positive_whole_numbers(p, points):
    with pytest.raises(LinliError) as exc:
        services.rule_set(by=p.xjq_worker, area_code=XINGJIAQIAO, action="class_attended", points=points)
    assert exc.value.field == "points"


def test_award_needs_a_source_except_manual_and_the_right_person(p):
    r = p.xjq_residents[1]
    with pytest.raises(LinliError) as exc:
        services.points_award(by=p.xjq_worker, resident=r, action="service_half_hour", source=None)
    assert exc.value.code == "points.no_source"
    for who in (p.jzy_worker, p.outsider, p.assistance_officer, p.xjq_grid_worker):
        with pytest.raises(LinliError) as exc:
            services.points_award(by=who, resident=r, action="service_half_hour", source=record())
        assert exc.value.status == 403
    with pytest.raises(LinliError):
        services.points_award(by=None, resident=r, action="manual", units=5, source=None)
    # the system may award by rule for a record
    services.points_award(by=None, resident=r, action="service_half_hour", source=record())
    assert services.points_balance(r) == 5


def test_monthly_cap_cuts_then_refuses_and_never_exceeds(personas):
    rules(personas, service_cap=20)
    r = personas.xjq_residents[1]
    services.points_award(by=None, resident=r, action="service_half_hour", units=3, source=record())  # 15
    t = services.points_award(by=None, resident=r, action="service_half_hour", units=3, source=record())  # cut to 5
    assert services.points_balance(r) == 20
    assert "按上限发放 5 分" in t.reason
    with pytest.raises(LinliError) as exc:
        services.points_award(by=None, resident=r, action="service_half_hour", units=1, source=record())
    assert exc.value.code == "points.cap_reached"
    # next month starts afresh; a reversed award no longer counts
    services.points_award(by=None, resident=r, action="service_half_hour", units=1, source=record(),
                          on=dt.date(2026, 12, 1))
    assert services.points_balance(r) == 25
    services.points_reverse(by=personas.xjq_worker, transfer=t, reason="登记错误")
    services.points_award(by=None, resident=r, action="service_half_hour", units=2, source=record())
    assert services.points_balance(r) == 25 - 5 + 5
    assert_ledger_sound()


def test_reverse_once_only_and_never_below_zero(p):
    r = p.xjq_residents[1]
    t = give(p, r, 100)
    rev = services.points_reverse(by=p.xjq_worker, transfer=t, reason="重复登记")
    assert services.points_balance(r) == 0 and rev.reverses == t
    with pytest.raises(LinliError) as exc:
        services.points_reverse(by=p.xjq_worker, transfer=t, reason="再来")
    assert exc.value.status == 409
    with pytest.raises(LinliError) as exc:
        services.points_reverse(by=p.xjq_worker, transfer=rev, reason="冲正冲正")
    assert exc.value.code == "points.not_reversible"
    # spent points cannot be taken back: the message says so, nothing is written
    t2 = give(p, r, 60)
    services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, cost=50))
    before = _counts()
    with pytest.raises(LinliError) as exc:
        services.points_reverse(by=p.xjq_worker, transfer=t2, reason="错发")
    assert "现有 10 分" in exc.value.message and "60 分" in exc.value.message
    assert _counts() == before
    with pytest.raises(LinliError) as exc:
        services.points_reverse(by=p.xjq_worker, transfer=t2, reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(LinliError) as exc:
        services.points_reverse(by=p.jzy_worker, transfer=t2, reason="越权")
    assert exc.value.status == 403
    assert_ledger_sound()


def test_redeem_takes_points_and_stock_then_cancel_returns_both(p):
    r = p.xjq_residents[1]
    give(p, r, 120)
    item = reward(p, cost=50, stock=2)
    red = services.redemption_create(by=p.xjq_worker, resident=r, reward=item)
    assert services.points_balance(r) == 70 and Reward.objects.get(pk=item.pk).stock == 1
    assert len(red.pickup_code) == 8 and red.status == RedemptionStatus.PENDING
    sink = Account.objects.get(kind=AccountKind.SINK, area_id=XINGJIAQIAO)
    assert sink.balance == 50
    services.redemption_cancel(by=p.xjq_worker, redemption=red, reason="不要了")
    assert services.points_balance(r) == 120 and Reward.objects.get(pk=item.pk).stock == 2
    with pytest.raises(LinliError) as exc:
        services.redemption_cancel(by=p.xjq_worker, redemption=red)
    assert exc.value.status == 409
    assert_ledger_sound()


def test_redeeming_more_points_than_held_is_refused_with_the_figures(p):
    r = p.xjq_residents[1]
    give(p, r, 30)
    item = reward(p, cost=50)
    before = _counts()
    with pytest.raises(LinliError) as exc:
        services.redemption_create(by=p.xjq_worker, resident=r, reward=item)
    assert exc.value.code == "points.insufficient"
    assert "现有 30 分" in exc.value.message and "需要 50 分" in exc.value.message
    assert _counts() == before and Reward.objects.get(pk=item.pk).stock == 3


def test_last_item_cannot_be_redeemed_twice(p):
    a, b = p.xjq_residents[1], p.xjq_residents[2]
    give(p, a, 100)
    give(p, b, 100)
    item = reward(p, cost=50, stock=1)
    services.redemption_create(by=p.xjq_worker, resident=a, reward=item)
    with pytest.raises(LinliError) as exc:
        services.redemption_create(by=p.xjq_worker, resident=b, reward=item)
    assert exc.value.code == "points.out_of_stock" and exc.value.status == 409
    assert services.points_balance(b) == 100
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=item.pk).update(stock=-1)  # the database refuses, too


def test_other_communitys_or_inactive_reward_is_refused(p):
    r = p.xjq_residents[1]
    give(p, r, 500)
    with pytest.raises(LinliError) as exc:
        services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, code="500112022006"))
    assert exc.value.code == "points.other_community"
    item = reward(p)
    services.reward_update(by=p.xjq_worker, reward=item, name=item.name, giver=item.giver, cost=50, stock=3,
                           active=False)
    with pytest.raises(LinliError) as exc:
        services.redemption_create(by=p.xjq_worker, resident=r, reward=item)
    assert exc.value.code == "points.inactive"


def test_who_may_redeem_for_whom(p):
    from linli.people.services import proxy_bind

    r = p.xjq_residents[0]  # has a login: p.resident_user
    give(p, r, 200)
    item = reward(p, cost=10, stock=10)
    services.redemption_create(by=p.resident_user, resident=r, reward=item)  # themself
    for who in (p.jzy_worker, p.outsider, p.assistance_officer, p.xjq_grid_worker):
        with pytest.raises(LinliError) as exc:
            services.redemption_create(by=who, resident=r, reward=item)
        assert exc.value.status == 403
    binding = proxy_bind(by=p.xjq_worker, principal=r, relation="family", scopes=["points"],
                         agent_phone="13811112222", agent_name="家属")
    services.redemption_create(by=binding.agent, resident=r, reward=item)
    other = proxy_bind(by=p.xjq_worker, principal=p.xjq_residents[1], relation="family", scopes=["survey"],
                       agent_phone="13811113333", agent_name="另一家属")
    with pytest.raises(LinliError):
        services.redemption_create(by=other.agent, resident=p.xjq_residents[1], reward=item)


def test_pickup_by_giver_or_code_once(p):
    r = p.xjq_residents[1]
    give(p, r, 200)
    item = reward(p, cost=10)
    red = services.redemption_create(by=p.xjq_worker, resident=r, reward=item)
    with pytest.raises(LinliError) as exc:
        services.redemption_pickup_by_code(by=p.jzy_worker, code=red.pickup_code)
    assert exc.value.status == 404
    with pytest.raises(LinliError) as exc:
        services.redemption_pickup_by_code(by=p.xjq_worker, code="12ab")
    assert exc.value.field == "code"
    with pytest.raises(LinliError):
        services.redemption_pickup(by=p.xjq_grid_worker, redemption=red)
    done = services.redemption_pickup_by_code(by=p.xjq_worker, code=red.pickup_code)
    assert done.status == RedemptionStatus.PICKED_UP and done.picked_up_by == p.xjq_worker
    with pytest.raises(LinliError) as exc:
        services.redemption_pickup_by_code(by=p.xjq_worker, code=red.pickup_code)
    assert exc.value.status == 409
    with pytest.raises(LinliError):
        services.redemption_cancel(by=p.xjq_worker, redemption=red)  # picked up: no cancel
    assert Redemption.objects.get(pk=red.pk).status == RedemptionStatus.PICKED_UP


@pytest.mark.parametrize(("field", "kwargs"), [
    ("cost", {"cost": 0}), ("cost", {"cost": 2.5}), ("stock", {"stock": -1}), ("stock", {"stock": "1.5"}),
    ("name", {"name": " "}), ("giver", {"giver": ""}),
])
def test_reward_bad_input(p, field, kwargs):
    values = {"name": "大米", "giver": "社区超市", "cost": 10, "stock": 1, **kwargs}
    with pytest.raises(LinliError) as exc:
        services.reward_create(by=p.xjq_worker, area_code=XINGJIAQIAO, **values)
    assert exc.value.field == field
    assert not Reward.objects.exists()


def test_reward_needs_manage_points_on_the_community(p):
    for who in (p.jzy_worker, p.xjq_grid_worker, p.assistance_officer, p.outsider):
        with pytest.raises(LinliError) as exc:
            services.reward_create(by=who, area_code=XINGJIAQIAO, name="x", giver="y", cost=1, stock=1)
        assert exc.value.status == 403


def test_entries_are_immutable(p):
    give(p, p.xjq_residents[1], 5)
    entry = Entry.objects.first()
    entry.amount = 500
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(kind=AccountKind.RESIDENT).update(balance=-1)


def test_expiry_returns_unspent_points_oldest_first(personas):
    rules(personas, expires=30)
    p, r = personas, personas.xjq_residents[1]
    old = services.points_award(by=None, resident=r, action="service_half_hour", units=10, source=record(),
                                on=dt.date(2026, 10, 1))  # 50, due 10-31
    services.points_award(by=None, resident=r, action="service_half_hour", units=4, source=record(),
                          on=dt.date(2026, 11, 20))  # 20, due 12-20
    assert old.expires_on == dt.date(2026, 10, 31)
    services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, cost=30))  # spends 30 of the oldest
    assert services.points_expire(today=dt.date(2026, 11, 25)) == 20
    assert services.points_balance(r) == 20
    assert services.points_expire(today=dt.date(2026, 11, 25)) == 0  # once only
    assert services.points_expire(today=dt.date(2026, 12, 21)) == 20
    assert services.points_balance(r) == 0
    assert Transfer.objects.filter(kind=TransferKind.EXPIRE).count() == 2
    assert_ledger_sound()


def test_verify_command_reports_and_fails_on_a_mismatch(p, capsys):
    give(p, p.xjq_residents[1], 40)
    call_command("points", "verify")
    out = capsys.readouterr().out
    assert "账目一致" in out
    Account.objects.filter(resident=p.xjq_residents[1]).update(balance=41)  # tampered
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("points", "verify")
    out = capsys.readouterr().out
    assert "记录余额 41 分，按明细合计 40 分" in out


def test_expire_command(personas, capsys):
    rules(personas, expires=10)
    services.points_award(by=None, resident=personas.xjq_residents[1], action="service_half_hour", source=record(),
                          on=dt.date(2026, 11, 1))
    call_command("points", "expire", "--today", "2026-11-25")
    assert "已将 5 分过期积分退回" in capsys.readouterr().out
