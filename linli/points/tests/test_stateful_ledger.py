"""Random sequences of awards, transfers, redemptions, cancellations, reversals and expiry runs keep every invariant:
all accounts sum to zero, no negative balance outside the pools, stored balance = sum of entries,
stock never negative. Refusals (not enough points, out of stock, twice) must leave the ledger as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from linli.core.errors import LinliError
from linli.points import services
from linli.points.models import Account, Entry, Redemption, RedemptionStatus, Transfer
from linli.points.tests.kit import assert_ledger_sound, record, reward, rules


@pytest.mark.django_db
def test_ledger_invariants_hold_under_random_operations(personas):
    p = personas
    rules(p, expires=10)  # service points expire 10 days after the award

    class Ledger(RuleBasedStateMachine):
        @initialize()
        def start(self):
            # Each example runs in a savepoint rolled back at its end: examples do not see each other.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.residents = p.xjq_residents + p.jzy_residents
            self.rewards = [reward(p, cost=30, stock=2), reward(p, code="500112022006", cost=15, stock=1)]

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _quiet(self, fn):
            before = (Transfer.objects.count(), Entry.objects.count())
            try:
                with transaction.atomic():
                    fn()
            except LinliError:
                assert (Transfer.objects.count(), Entry.objects.count()) == before

        @rule(i=st.integers(0, 5), units=st.integers(1, 12), by_rule=st.booleans())
        def award(self, i, units, by_rule):
            who = self.residents[i]
            if by_rule:
                self._quiet(lambda: services.points_award(by=None, resident=who, action="service_half_hour",
                                                          units=units, source=record()))
            else:
                by = p.xjq_worker if who in p.xjq_residents else p.jzy_worker
                self._quiet(lambda: services.points_award(by=by, resident=who, action="manual", units=units,
                                                          source=None, reason="奖励"))

        @rule(i=st.integers(0, 5), j=st.integers(0, 1))
        def redeem(self, i, j):
            who = self.residents[i]
            self._quiet(lambda: services.redemption_create(by=p.district_admin, resident=who, reward=self.rewards[j]))

        @rule(k=st.integers(0, 50))
        def cancel(self, k):
            pending = list(Redemption.objects.filter(status=RedemptionStatus.PENDING).order_by("pk"))
            if pending:
                self._quiet(lambda: services.redemption_cancel(by=p.district_admin, redemption=pending[k % len(pending)]))

        @rule(k=st.integers(0, 50))
        def reverse(self, k):
            transfers = list(Transfer.objects.order_by("pk"))
            if transfers:
                self._quiet(lambda: services.points_reverse(by=p.district_admin, transfer=transfers[k % len(transfers)],
                                                            reason="更正"))

        @rule(i=st.integers(0, 5), j=st.integers(0, 5), amount=st.integers(1, 40))
        def transfer(self, i, j, amount):
            # A raw posting between two residents' accounts through the one posting path.
            a, b = self.residents[i], self.residents[j]
            if a == b:
                return
            src, dst = services.resident_account(a), services.resident_account(b)
            self._quiet(lambda: services._post(kind="award", area=a.community, operator=None, reason="转赠",
                                               lines=[(src, -amount), (dst, amount)], on=services.timezone.localdate()))

        @rule(days=st.integers(0, 30))
        def expire(self, days):
            # An expiry run as if on a later day: the unspent part of older awards goes back to the pool.
            on = services.timezone.localdate() + dt.timedelta(days=days)
            self._quiet(lambda: services.points_expire(today=on))

        @invariant()
        def sound(self):
            assert_ledger_sound()
            for account in Account.objects.filter(resident__isnull=False):
                assert services.points_balance(account.resident) == account.balance

    Ledger.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None,
                                        suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
    Ledger.TestCase().runTest()
