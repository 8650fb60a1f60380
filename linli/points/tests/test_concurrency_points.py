"""50 residents redeem the last 3 items at once: exactly 3 succeed, stock 0, balances right.

PostgreSQL only (SQLite serialises every write, so it proves nothing there):
``DATABASE_URL=postgres://postgres@127.0.0.1:54330/linli .venv/bin/pytest linli/points/tests/test_concurrency_points.py``
"""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from linli.core.errors import LinliError
from linli.core.testing import XINGJIAQIAO, resident
from linli.points import services
from linli.points.models import Account, AccountKind, Redemption, Reward
from linli.points.tests.kit import assert_ledger_sound, give, record, reward, rules

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]


def _all_at_once(jobs) -> tuple[list, list[BaseException]]:
    start = threading.Barrier(len(jobs))
    results: list = []
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait(timeout=20)
            results.append(job())
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung: a lock was never released"
    return results, errors


def test_fifty_residents_redeem_the_last_three_items(personas):
    p = personas
    rules(p)
    crowd = [resident(XINGJIAQIAO, f"抢兑{i}") for i in range(50)]
    for who in crowd:
        give(p, who, 100)
    item = reward(p, cost=60, stock=3)
    results, errors = _all_at_once([
        (lambda who=who: services.redemption_create(by=p.xjq_worker, resident=who, reward=item)) for who in crowd
    ])
    assert len(results) == 3
    assert len(errors) == 47 and all(isinstance(e, LinliError) and e.code == "points.out_of_stock" for e in errors)
    assert Reward.objects.get(pk=item.pk).stock == 0
    winners = set(Redemption.objects.values_list("resident_id", flat=True))
    assert len(winners) == 3
    for who in crowd:
        assert services.points_balance(who) == (40 if who.pk in winners else 100)
    assert Account.objects.get(kind=AccountKind.SINK, area_id=XINGJIAQIAO).balance == 180
    assert_ledger_sound()


def test_one_record_awarded_from_many_threads_at_once_pays_once(personas):
    p = personas
    rules(p)
    who, source = p.xjq_residents[1], record()
    results, errors = _all_at_once([
        lambda: services.points_award(by=None, resident=who, action="service_half_hour", units=2, source=source)
        for _ in range(10)
    ])
    assert len(results) == 1
    assert all(isinstance(e, LinliError) and e.status == 409 for e in errors)
    assert services.points_balance(who) == 10
    assert_ledger_sound()


def test_awards_and_redemptions_on_one_account_interleave_safely(personas):
    p = personas
    rules(p)
    who = p.xjq_residents[1]
    give(p, who, 50)
    item = reward(p, cost=10, stock=100)
    jobs = [lambda: services.redemption_create(by=p.xjq_worker, resident=who, reward=item) for _ in range(10)]
    jobs += [lambda: services.points_award(by=None, resident=who, action="service_half_hour", source=record())
             for _ in range(10)]
    _results, errors = _all_at_once(jobs)
    assert all(isinstance(e, LinliError) and e.code == "points.insufficient" for e in errors)
    redeemed = Redemption.objects.count()
    assert services.points_balance(who) == 50 + 50 - 10 * redeemed >= 0
    assert_ledger_sound()
