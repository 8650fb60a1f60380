"""Households: one household at a time, one head, and the head leaves last."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.core.errors import CoreErrorCode, LinliError
from linli.core.models import AuditEntry
from linli.people import services
from linli.people.errors import PeopleErrorCode
from linli.people.models import Household, HouseholdMember, Relation
from linli.people.selectors import household_members, household_of, households_visible

pytestmark = pytest.mark.django_db



@pytest.fixture
def family(personas):
    """邢家桥: residents 1 (head) and 2 (spouse) in one household; resident 0 on their own."""
    head, spouse = personas.xjq_residents[1], personas.xjq_residents[2]
    household = services.household_create(by=personas.xjq_worker, head=head, address="邢家桥路 12 号")
    services.household_member_add(by=personas.xjq_worker, household=household, resident=spouse,
                                  relation=Relation.SPOUSE)
    return household, head, spouse


def _member(household, resident) -> HouseholdMember:
    return HouseholdMember.objects.get(household=household, resident=resident, left_at__isnull=True)


def test_create_makes_the_head_a_member_and_audits(personas):
    head = personas.xjq_residents[1]
    household = services.household_create(by=personas.xjq_worker, head=head)
    assert household.area_id == head.area_id and household.address == head.address
    assert [(m.resident, m.relation) for m in household_members(household)] == [(head, Relation.HEAD)]
    assert household_of(head) == household
    assert AuditEntry.objects.filter(action="household.create", target_id=str(household.pk)).get().data == {
        "head": head.pk
    }


def test_members_and_visibility(personas, family):
    household, head, spouse = family
    assert {m.resident for m in household_members(household)} == {head, spouse}
    assert household in households_visible(personas.xjq_worker)
    assert household not in households_visible(personas.jzy_worker)
    assert AuditEntry.objects.filter(action="household.member_add").get().data == {
        "resident": spouse.pk, "relation": "spouse"
    }


def test_one_household_at_a_time(personas, family):
    _household, head, spouse = family
    with pytest.raises(LinliError) as as_head:
        services.household_create(by=personas.xjq_worker, head=spouse)
    assert as_head.value.code == PeopleErrorCode.ALREADY_IN_HOUSEHOLD
    other = services.household_create(by=personas.xjq_worker, head=personas.xjq_residents[0])
    with pytest.raises(LinliError) as as_member:
        services.household_member_add(by=personas.xjq_worker, household=other, resident=head, relation=Relation.CHILD)
    assert as_member.value.code == PeopleErrorCode.ALREADY_IN_HOUSEHOLD
    assert "邢家桥路 12 号" in as_member.value.message
    assert HouseholdMember.objects.filter(resident=head, left_at__isnull=True).count() == 1


def test_the_database_also_refuses_two_current_households(personas, family):
    household, head, _spouse = family
    other = Household.objects.create(area_id=household.area_id, address="另一户")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(household=other, resident=head, relation=Relation.CHILD, joined_at=timezone.now())


def test_one_head_per_household(personas, family):
    household, *_ = family
    with pytest.raises(LinliError) as caught:
        services.household_member_add(by=personas.xjq_worker, household=household, resident=personas.xjq_residents[0],
                                      relation=Relation.HEAD)
    assert caught.value.code == PeopleErrorCode.HOUSEHOLD_HEAD
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(household=household, resident=personas.xjq_residents[0], relation=Relation.HEAD,
                                       joined_at=timezone.now())


def test_unknown_relation_is_refused(personas, family):
    household, *_ = family
    with pytest.raises(LinliError) as caught:
        services.household_member_add(by=personas.xjq_worker, household=household, resident=personas.xjq_residents[0],
                                      relation="cousin")
    assert caught.value.field == "relation"


def test_head_cannot_leave_while_others_remain(personas, family):
    household, head, spouse = family
    with pytest.raises(LinliError) as caught:
        services.household_member_remove(by=personas.xjq_worker, member=_member(household, head))
    assert caught.value.code == PeopleErrorCode.HOUSEHOLD_HEAD
    assert household_of(head) == household
    # the spouse leaves first, then the head, which dissolves the household
    services.household_member_remove(by=personas.xjq_worker, member=_member(household, spouse))
    assert household_of(spouse) is None
    services.household_member_remove(by=personas.xjq_worker, member=_member(household, head))
    household.refresh_from_db()
    assert household.dissolved_at is not None
    assert household not in households_visible(personas.xjq_worker)
    # history is kept
    assert HouseholdMember.objects.filter(household=household, left_at__isnull=False).count() == 2


def test_a_member_who_left_can_join_another_household(personas, family):
    household, _head, spouse = family
    services.household_member_remove(by=personas.xjq_worker, member=_member(household, spouse))
    own = services.household_create(by=personas.xjq_worker, head=spouse)
    assert household_of(spouse) == own


def test_archiving_a_resident_takes_them_out_of_the_household(personas, family):
    household, _head, spouse = family
    services.resident_archive(by=personas.xjq_worker, resident=spouse, reason="去世")
    assert household_of(spouse) is None
    assert [m.resident for m in household_members(household)] == [family[1]]


def test_household_writes_outside_ones_area_are_forbidden(personas, family):
    household, _head, spouse = family
    jzy = personas.jzy_residents[0]
    with pytest.raises(LinliError) as create:
        services.household_create(by=personas.jzy_worker, head=personas.xjq_residents[0])
    assert create.value.code == CoreErrorCode.FORBIDDEN
    with pytest.raises(LinliError) as remove:
        services.household_member_remove(by=personas.jzy_worker, member=_member(household, spouse))
    assert remove.value.code == CoreErrorCode.FORBIDDEN
    # a jzy worker may not put their own resident into a 邢家桥 household either
    with pytest.raises(LinliError) as add:
        services.household_member_add(by=personas.jzy_worker, household=household, resident=jzy,
                                      relation=Relation.OTHER)
    assert add.value.code == CoreErrorCode.FORBIDDEN
    assert household_of(jzy) is None
