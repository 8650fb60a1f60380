import datetime as dt

import pytest

from linli.points import demo
from linli.points.models import EarningRule, Redemption, Reward
from linli.points.tests.kit import assert_ledger_sound


@pytest.mark.django_db
def test_demo_build_through_the_services(personas):
    from linli.core.testing import resident

    for i in range(2):
        resident("500112009011", f"补{i}")
    p = personas
    staff = {"xjq": p.xjq_worker, "jzy": p.jzy_worker}
    demo.demo_build(staff=staff, today=dt.date(2026, 11, 25))
    assert EarningRule.objects.count() == 10 and Reward.objects.count() == 8
    assert Redemption.objects.count() == 1
    assert_ledger_sound()
