"""The demo: built with the real services, so it must obey every rule the product does."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings

from linli.accounts import services as accounts
from linli.accounts import sms
from linli.accounts.models import RoleGrant, User
from linli.areas.models import Area
from linli.core import idcard, phone, protected
from linli.core.models import AuditEntry
from linli.demo import places
from linli.demo.builder import demo_load
from linli.demo.places import COMMUNITIES, PROXY, STAFF
from linli.demo.population import plan_demo
from linli.people.models import Household, HouseholdMember, ProxyBinding, ProxyScope, Relation, Resident
from linli.people.selectors import principals_for

SIZE = 20  # residents per community: enough for every kind of household, quick to build
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the tests' settings (conftest)



@pytest.fixture(scope="module")
def _built_demo(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs in
    a savepoint within it (the ``db`` fixture), so tests still cannot see each other's changes."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        # Only Chongqing's official areas: the whole country is slow and not needed here.
        yield demo_load(size=SIZE, areas_prefix="50")
        transaction.set_rollback(True)


@pytest.fixture
def demo(_built_demo, db):
    return _built_demo


def _demo_residents():
    return Resident.objects.filter(area__code__startswith="500112")


def _snapshot() -> dict[str, int]:
    models = (Area, User, RoleGrant, Resident, Household, HouseholdMember, ProxyBinding, AuditEntry)
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_communities_and_grids_sit_under_their_streets(demo):
    xjq, jzy = (Area.objects.get(code=c.code) for c in COMMUNITIES)
    assert (xjq.name, xjq.level, xjq.parent_id, xjq.parent.name) == ("邢家桥社区", "community", "500112009", "人和街道")
    assert (jzy.name, jzy.level, jzy.parent_id, jzy.parent.name) == ("金竹苑社区", "community", "500112022", "康美街道")
    assert xjq.parent.parent.name == "渝北区"
    for community in COMMUNITIES:
        grids = Area.objects.filter(parent_id=community.code).order_by("code")
        assert [g.code for g in grids] == [f"{community.code}{i:03d}" for i in range(1, len(community.grids) + 1)]
        assert {g.level for g in grids} == {"grid"}
        assert 3 <= grids.count() <= 4


@pytest.mark.django_db
def test_every_id_number_is_valid_unique_and_agrees_with_sex_and_birth(demo):
    residents = list(_demo_residents())
    assert len(residents) == 2 * SIZE == demo.residents
    for code in (c.code for c in COMMUNITIES):
        assert sum(r.area_id.startswith(code) for r in residents) == SIZE
    for r in residents:
        info = idcard.parse(r.id_number)
        assert (info.sex, info.birth_date, info.address_code) == (r.sex, r.birth_date, "500112")
        assert r.id_number_hash == protected.blind_index(r.id_number)
        if r.phone:
            assert phone.parse(r.phone) == r.phone
            assert r.phone_hash == protected.blind_index(r.phone)
        assert r.residences.filter(moved_out_at__isnull=True).count() == 1
    assert len({r.id_number_hash for r in residents}) == len(residents)
    phones = [r.phone for r in residents if r.phone]
    assert len(set(phones)) == len(phones)
    assert any(r.area.level == "grid" for r in residents)


@pytest.mark.django_db
def test_every_resident_is_in_one_household_with_one_head(demo):
    households = Household.objects.filter(area__code__startswith="500112")
    assert households.count() == demo.households
    for household in households:
        relations = Counter(m.relation for m in household.members.filter(left_at__isnull=True))
        assert relations[Relation.HEAD] == 1, household.address
    members = HouseholdMember.objects.filter(left_at__isnull=True, resident__in=_demo_residents())
    assert members.count() == _demo_residents().count()


@pytest.mark.django_db
def test_elders_living_alone_are_alone_in_their_household(demo):
    alone = _demo_residents().filter(tags__code="elder_alone")
    assert alone.exists()
    for elder in alone:
        assert elder.age(places.AGE_REFERENCE) >= 60
        membership = elder.memberships.get(left_at__isnull=True)
        assert membership.relation == Relation.HEAD
        assert membership.household.members.filter(left_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_staff_hold_their_role_on_the_right_area(demo):
    for spec in STAFF:
        user = User.objects.get(username=spec.username)
        assert user.kind == User.Kind.STAFF and user.full_name == spec.full_name
        assert user.check_password(places.PASSWORD)
        grants = {(g.role, g.area_id) for g in RoleGrant.objects.filter(user=user, revoked_at__isnull=True)}
        assert grants == {(spec.role, spec.area_code)}
        assert Area.objects.filter(code=spec.area_code).exists()


@pytest.mark.django_db
def test_the_printed_phones_log_in_and_the_daughter_acts_for_her_mother(demo, django_capture_on_commit_callbacks):
    elder = Resident.objects.get(phone_hash=protected.blind_index(PROXY.phone))
    assert elder.name == PROXY.name and elder.area_id == places.XJQ.code + PROXY.grid
    binding = ProxyBinding.objects.get(principal=elder, revoked_at__isnull=True)
    assert sorted(binding.scopes) == sorted(ProxyScope.values)
    for number in (PROXY.phone, PROXY.agent_phone):
        sms.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):  # the code goes out after commit
            accounts.login_code_request(phone=number)
        code = re.search(r"\d{6}", sms.outbox[-1][1]).group()
        user = accounts.login_code_verify(phone=number, code=code)
        if number == PROXY.phone:
            assert user.resident == elder
        else:
            assert user.full_name == PROXY.agent_name and user == binding.agent
            assert [b.principal for b in principals_for(user)] == [elder]


@pytest.mark.django_db
def test_a_second_run_adds_nothing(demo):
    before = _snapshot()
    again = demo_load(size=SIZE, areas_prefix="50")
    assert not again.built and demo.built
    assert (again.residents, again.households) == (demo.residents, demo.households)
    assert _snapshot() == before


def test_the_demo_communities_are_the_personas_communities():
    from linli.core import testing

    assert (places.XINGJIAQIAO, places.JINZHUYUAN) == (testing.XINGJIAQIAO, testing.JINZHUYUAN)


def test_the_plan_is_the_same_every_time_and_leans_old():
    first = plan_demo(COMMUNITIES, size=300, seed=places.SEED, proxy=PROXY)
    assert first == plan_demo(COMMUNITIES, size=300, seed=places.SEED, proxy=PROXY)
    people = [p for families in first.values() for f in families for p in f.members]
    assert len(people) == 600
    ages = [p.age for p in people]
    assert sum(a >= 60 for a in ages) / len(ages) > 0.3
    assert sum(a >= 80 for a in ages) / len(ages) > 0.05
    assert sum(not p.phone for p in people if p.age >= 80) > 0  # some elders have no phone
