"""The visibility matrix: assistance data is seen by assistance officers only, each within their areas."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from linli.assistance import selectors
from linli.assistance.tests.factories import MATRIX, NOW, alert_row, expected, import_rows, make_world, user
from linli.core.errors import LinliError
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        yield


@pytest.fixture
def world(personas):
    return make_world(personas)


@pytest.mark.parametrize("who", MATRIX)
def test_alerts_visible_and_alert_get(world, who):
    u = user(world, who)
    assert set(selectors.alerts_visible(u).values_list("pk", flat=True)) == expected(world, who)
    for alert in world.xjq + world.jzy:
        if alert.pk in expected(world, who):
            assert selectors.alert_get(u, alert.pk).pk == alert.pk
        else:
            with pytest.raises(LinliError) as exc:
                selectors.alert_get(u, alert.pk)
            assert exc.value.status == 404


@pytest.mark.parametrize("who", MATRIX)
def test_counts_and_overdue_by_community(world, who):
    u = user(world, who)
    sees = MATRIX[who] or set()
    assert selectors.count_open_alerts(u, None) == 2 * len(sees)
    assert selectors.count_overdue_alerts(u, None) == len(sees)
    rows = selectors.overdue_by_community(u)
    names = {"xjq": "邢家桥社区", "jzy": "金竹苑社区"}
    assert {r["name"] for r in rows} == {names[s] for s in sees}
    for r in rows:
        assert (r["open"], r["overdue"], r["escalated"]) == (2, 1, 0)


@pytest.mark.parametrize("who", MATRIX)
def test_runs_visible(world, who):
    """A county run covers both communities; a community's own run is seen below the county only there."""
    xjq_run = import_rows(world.p.assistance_officer, XINGJIAQIAO, [alert_row(household_id=9)])
    u = user(world, who)
    sees = MATRIX[who] or set()
    runs = set(selectors.runs_visible(u).values_list("pk", flat=True))
    want = ({world.run.pk} if sees else set()) | ({xjq_run.pk} if "xjq" in sees else set())
    assert runs == want


def test_within_narrows_and_cannot_widen(world):
    county, officer = world.county_officer, world.p.assistance_officer
    assert set(selectors.alerts_visible(county, JINZHUYUAN).values_list("pk", flat=True)) == {a.pk for a in world.jzy}
    assert not selectors.alerts_visible(officer, JINZHUYUAN).exists()  # another community: nothing
    assert set(selectors.alerts_visible(officer, "500112").values_list("pk", flat=True)) == {a.pk for a in world.xjq}
    assert set(selectors.runs_visible(county, JINZHUYUAN).values_list("pk", flat=True)) == {world.run.pk}
    assert selectors.count_open_alerts(county, XINGJIAQIAO) == 2


def test_filters(world):
    qs = selectors.alerts_visible(world.county_officer)
    f = selectors.alerts_filter
    assert {a.household_key for a in f(qs, overdue=True)} == {"2", "4"}
    assert {a.household_key for a in f(qs, overdue=False)} == {"1", "3"}
    assert {a.household_key for a in f(qs, alert_class="review")} == {"4"}
    assert {a.household_key for a in f(qs, rule="high_medical")} == {"2"}
    assert {a.household_key for a in f(qs, community=JINZHUYUAN)} == {"3", "4"}
    assert {a.household_key for a in f(qs, q="3")} == {"3"}  # household number, exact
    assert {a.household_key for a in f(qs, q="建国")} == {"2"}  # part of the head's name
    assert {a.household_key for a in f(qs, status="checked")} == set()
    assert [a.overdue for a in qs.order_by("household_key")] == [False, True, False, True]


def test_filter_by_head_id_number(world):
    from linli.core.testing import make_id_number

    number = make_id_number(__import__("datetime").date(1960, 1, 2))
    import_rows(world.p.assistance_officer, XINGJIAQIAO, [alert_row(household_id=50, head_id_number=number)])
    qs = selectors.alerts_visible(world.p.assistance_officer)
    assert [a.household_key for a in selectors.alerts_filter(qs, q=number.lower())] == ["50"]


def test_household_alerts(world):
    officer = world.p.assistance_officer
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=1, rule="vehicle_registered", value=90000.0)])
    first = world.xjq[0]
    others = list(selectors.household_alerts(officer, first))
    assert [a.rule for a in others] == ["vehicle_registered"]
    assert list(selectors.household_alerts(world.jzy_officer, first)) == []


def test_list_queries_do_not_grow(world, django_assert_max_num_queries):
    officer = world.county_officer
    import_rows(officer, XINGJIAQIAO, [alert_row(household_id=100 + i) for i in range(20)])
    with django_assert_max_num_queries(2):  # the user's grants, then one query with everything a row shows
        rows = list(selectors.alerts_visible(officer))
        for a in rows:
            (a.area.name, a.area.parent.name, a.last_run.as_of, vars(a)["overdue"], hasattr(a, "home_check"))
    assert len(rows) == 24


def test_a_street_officer_sees_every_community_of_the_street(world):
    from linli.areas.models import Area, Level

    Area.objects.create(code="500112009012", name="人和社区", level=Level.COMMUNITY, parent_id="500112009")
    import_rows(world.street_officer, "500112009", [alert_row(household_id=60, area_code="500112009012")])
    street = set(selectors.alerts_visible(world.street_officer).values_list("household_key", flat=True))
    assert street == {"1", "2", "60"}
    assert set(selectors.alerts_visible(world.p.assistance_officer).values_list("household_key", flat=True)) == {"1", "2"}
    assert {r["name"] for r in selectors.overdue_by_community(world.street_officer)} == {"邢家桥社区", "人和社区"}
