"""Edges of the ledger found in review: expiry against reversal and cancellation, the self-cancel
window, replayed redeem forms, lock order, odd number inputs, row locks, the bench's options."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core.errors import LinliError
from linli.core.testing import XINGJIAQIAO, with_token
from linli.points import services
from linli.points.models import (
    Account,
    AccountKind,
    Redemption,
    RedemptionStatus,
    Reward,
    Transfer,
    TransferKind,
)
from linli.points.tests.kit import assert_ledger_sound, give, record, reward, rules

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def p(personas):
    rules(personas, expires=30)
    return personas


def _pool() -> Account:
    return Account.objects.get(kind=AccountKind.POOL, area_id=XINGJIAQIAO)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- 1. an expired award is not reversed a second time --------------------------------------------


def test_reversing_an_award_whose_points_already_expired_is_refused(p):
    r = p.xjq_residents[1]
    award = services.points_award(by=None, resident=r, action="service_half_hour", units=10, source=record(),
                                  on=dt.date(2026, 10, 1))  # 50, due 10-31
    give(p, r, 100)  # points that never expire: enough to pay for a second taking
    assert services.points_expire(today=dt.date(2026, 11, 25)) == 50
    assert services.points_balance(r) == 100 and _pool().balance == -100
    with pytest.raises(LinliError) as exc:
        services.points_reverse(by=p.xjq_worker, transfer=award, reason="录错了")
    assert exc.value.code == "points.expired" and "已过期" in exc.value.message
    assert services.points_balance(r) == 100 and _pool().balance == -100  # nothing taken twice
    # Undo the expiry first: then the award can be reversed, and takes its 50 once.
    expiry = Transfer.objects.get(kind=TransferKind.EXPIRE)
    services.points_reverse(by=p.xjq_worker, transfer=expiry, reason="过期有误")
    assert services.points_balance(r) == 150
    services.points_reverse(by=p.xjq_worker, transfer=award, reason="录错了")
    assert services.points_balance(r) == 100 and _pool().balance == -100
    assert_ledger_sound()


def test_a_partly_spent_then_expired_award_is_not_reversed(p):
    r = p.xjq_residents[1]
    award = services.points_award(by=None, resident=r, action="service_half_hour", units=10, source=record(),
                                  on=dt.date(2026, 10, 1))
    give(p, r, 100)
    services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, cost=30))  # 30 of the award
    assert services.points_expire(today=dt.date(2026, 11, 25)) == 20
    with pytest.raises(LinliError) as exc:
        services.points_reverse(by=p.xjq_worker, transfer=award, reason="录错了")
    assert exc.value.code == "points.expired"
    assert services.points_balance(r) == 100
    assert_ledger_sound()


# --- 2. a replayed redeem form redeems once ---------------------------------------------------------


def test_portal_redeem_sent_twice_redeems_once(p):
    me = p.xjq_residents[0]
    give(p, me, 100)
    item = reward(p, cost=30, stock=5, name="免费理发券")
    c = _client(p.resident_user)
    url = reverse("points:portal_redeem", args=[item.pk])
    assert 'name="submit_token"' in c.get(url).content.decode()
    data = with_token(p.resident_user)
    assert c.post(url, data).status_code == 302
    assert c.post(url, data).status_code == 302  # the double tap
    assert Redemption.objects.filter(resident=me).count() == 1
    assert services.points_balance(me) == 70 and Reward.objects.get(pk=item.pk).stock == 4
    assert_ledger_sound()


# --- 3. expiry locks its accounts in the one order, before reading ----------------------------------


def test_expiry_locks_account_and_pool_in_order_before_reading(p, monkeypatch):
    r = p.xjq_residents[1]
    services.points_award(by=None, resident=r, action="service_half_hour", units=2, source=record(),
                          on=dt.date(2026, 10, 1))
    account, pool = services.resident_account(r), _pool()
    events: list[object] = []
    real_lock, real_lots = services._lock, services.unspent_lots

    def lock(accounts):
        ids = {a.pk for a in accounts}
        events.append(("lock", ids))
        return real_lock(Account.objects.filter(pk__in=ids))

    def lots(acct):
        events.append("read")
        return real_lots(acct)

    monkeypatch.setattr(services, "_lock", lock)
    monkeypatch.setattr(services, "unspent_lots", lots)
    assert services.points_expire(today=dt.date(2026, 11, 25)) == 10
    assert events[0] == ("lock", {account.pk, pool.pk}), events  # every row it will post to, first
    assert events.index("read") > 0
    assert_ledger_sound()


# --- 4. residents cancel only within 30 minutes; staff any time -------------------------------------


def test_resident_may_cancel_own_redemption_only_within_thirty_minutes(p):
    me = p.xjq_residents[0]
    give(p, me, 200)
    item = reward(p, cost=50, stock=5)
    early = services.redemption_create(by=p.resident_user, resident=me, reward=item)
    late = services.redemption_create(by=p.resident_user, resident=me, reward=item)
    assert services.self_cancel_until(late) == NOW + dt.timedelta(minutes=services.SELF_CANCEL_MINUTES)
    with time_machine.travel(NOW + dt.timedelta(minutes=29), tick=False):
        services.redemption_cancel(by=p.resident_user, redemption=early)
    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        with pytest.raises(LinliError) as exc:
            services.redemption_cancel(by=p.resident_user, redemption=late)
        assert exc.value.code == "points.cancel_too_late"
        assert exc.value.message == "兑换超过 30 分钟后不能自行取消，如需取消请联系社区工作人员"
        assert Redemption.objects.get(pk=late.pk).status == RedemptionStatus.PENDING
        services.redemption_cancel(by=p.xjq_worker, redemption=late, reason="居民来电")  # staff still may
    assert Redemption.objects.get(pk=late.pk).status == RedemptionStatus.CANCELLED
    assert services.points_balance(me) == 200
    assert_ledger_sound()


def test_a_proxy_is_held_to_the_same_window(p):
    from linli.people.services import proxy_bind

    me = p.xjq_residents[0]
    give(p, me, 100)
    binding = proxy_bind(by=p.xjq_worker, principal=me, relation="family", scopes=["points"],
                         agent_phone="13811112222", agent_name="女儿")
    red = services.redemption_create(by=binding.agent, resident=me, reward=reward(p, cost=50))
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False), pytest.raises(LinliError) as exc:
        services.redemption_cancel(by=binding.agent, redemption=red)
    assert exc.value.code == "points.cancel_too_late"


def test_residents_page_shows_the_deadline_then_hides_the_cancel_button(p):
    me = p.xjq_residents[0]
    give(p, me, 100)
    red = services.redemption_create(by=p.resident_user, resident=me, reward=reward(p, cost=50))
    cancel_url = reverse("points:portal_cancel", args=[red.pk])
    c = _client(p.resident_user)
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        html = c.get("/m/points/").content.decode()
        assert "前自行取消" in html and cancel_url in html
    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        html = c.get("/m/points/").content.decode()
        assert red.pickup_code in html and cancel_url not in html and "联系社区工作人员" in html
        c.post(cancel_url)
        assert Redemption.objects.get(pk=red.pk).status == RedemptionStatus.PENDING
        assert "不能自行取消" in c.get("/m/points/").content.decode()
    assert services.points_balance(me) == 50


# --- 5. points given back by a cancel keep their expiry -----------------------------------------------


def test_cancelled_redemption_gives_back_points_that_still_expire(p):
    r = p.xjq_residents[1]
    services.points_award(by=None, resident=r, action="service_half_hour", units=10, source=record(),
                          on=dt.date(2026, 11, 20))  # 50, due 12-20
    red = services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, cost=30))
    services.redemption_cancel(by=p.xjq_worker, redemption=red, reason="不要了")
    assert services.points_balance(r) == 50
    assert services.points_expire(today=dt.date(2026, 12, 21)) == 50
    assert services.points_balance(r) == 0 and _pool().balance == 0
    assert_ledger_sound()


def test_points_given_back_after_the_rest_expired_expire_on_the_next_run(p):
    r = p.xjq_residents[1]
    services.points_award(by=None, resident=r, action="service_half_hour", units=10, source=record(),
                          on=dt.date(2026, 10, 1))  # 50, due 10-31
    services.points_award(by=None, resident=r, action="service_half_hour", units=4, source=record(),
                          on=dt.date(2026, 11, 20))  # 20, due 12-20
    red = services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, cost=30))  # oldest first
    assert services.points_expire(today=dt.date(2026, 11, 25)) == 20
    services.redemption_cancel(by=p.xjq_worker, redemption=red)
    assert services.points_balance(r) == 50
    assert services.points_expire(today=dt.date(2026, 11, 26)) == 30  # the given-back 30 were due 10-31
    assert services.points_balance(r) == 20
    assert services.points_expire(today=dt.date(2026, 11, 26)) == 0
    assert services.points_expire(today=dt.date(2026, 12, 21)) == 20
    assert services.points_balance(r) == 0
    assert_ledger_sound()


def test_points_without_expiry_given_back_by_a_cancel_never_expire(p):
    r = p.xjq_residents[1]
    give(p, r, 40)  # manual: no expiry
    services.points_award(by=None, resident=r, action="service_half_hour", units=2, source=record(),
                          on=dt.date(2026, 11, 20))  # 10, due 12-20
    red = services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, cost=40))
    services.redemption_cancel(by=p.xjq_worker, redemption=red)
    assert services.points_expire(today=dt.date(2026, 12, 21)) == 10
    assert services.points_balance(r) == 40
    assert_ledger_sound()


# --- 6. odd number inputs are refused, never a 500 ----------------------------------------------------


@pytest.mark.parametrize("text", ["--5", "²", "٣", "+-5", "5-", "1_000", "9" * 5000, "-" + "9" * 5000, ""])
def test_whole_number_refuses_odd_text(text):
    with pytest.raises(LinliError) as exc:
        services.whole_number(text, field="amount", label="积分")
    assert exc.value.field == "amount"


@pytest.mark.parametrize(("text", "value"), [("12", 12), (" +7 ", 7), ("007", 7)])
def test_whole_number_reads_plain_digits(text, value):
    assert services.whole_number(text, field="amount", label="积分") == value


# --- 7. a redemption's lock holds only its own row ----------------------------------------------------


def test_pending_redemption_is_locked_without_its_joined_rows(p):
    r = p.xjq_residents[1]
    give(p, r, 100)
    red = services.redemption_create(by=p.xjq_worker, resident=r, reward=reward(p, cost=50))
    with CaptureQueriesContext(connection) as queries:
        services.redemption_pickup(by=p.xjq_worker, redemption=red)
    assert Redemption.objects.get(pk=red.pk).status == RedemptionStatus.PICKED_UP
    if connection.features.has_select_for_update_of:  # PostgreSQL; SQLite takes no row locks
        locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"] and "points_redemption" in q["sql"]]
        assert locks and all('FOR UPDATE OF "points_redemption"' in sql for sql in locks), locks
        assert not any('"points_reward"' in sql.split("FOR UPDATE", 1)[1] for sql in locks)


# --- 8. the bench refuses zero postings ---------------------------------------------------------------


@pytest.mark.parametrize("args", [["--postings", "0"], ["--postings", "-3"], ["--entries", "-1"]])
def test_bench_ledger_refuses_nonsense_counts(args):
    with pytest.raises(CommandError) as exc:
        call_command("bench", "ledger", *args)
    assert args[0] in str(exc.value)
