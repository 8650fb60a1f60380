"""The volunteering demo: built through the services on top of the lead's demo and the points demo."""

from __future__ import annotations

import pytest

from linli.demo.builder import demo_load
from linli.volunteering.demo import JINZHUYUAN, XINGJIAQIAO
from linli.volunteering.models import (
    Activity,
    ActivityStatus,
    Certificate,
    Nomination,
    NominationStatus,
    RecordStatus,
    ServiceRecord,
    Team,
    Volunteer,
)


@pytest.mark.django_db
def test_demo_builds_teams_hours_points_certificate_and_role_model():
    from linli.points.services import points_balance

    demo_load(areas_prefix="50", size=60)  # the builder runs the points demo, then this one

    assert Team.objects.filter(area_id=XINGJIAQIAO, name="生态花园先锋志愿者").exists()
    assert Team.objects.filter(area_id=JINZHUYUAN).exists()
    assert 20 <= Volunteer.objects.count() <= 40
    finished = Activity.objects.filter(status=ActivityStatus.FINISHED)
    assert finished.filter(area_id=XINGJIAQIAO).count() == 3 and finished.filter(area_id=JINZHUYUAN).count() == 2
    assert Activity.objects.filter(status=ActivityStatus.OPEN, signups__isnull=False).distinct().count() == 1
    confirmed = ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED)
    assert confirmed.count() > 30 and confirmed.filter(points__gt=0).exists()
    some = confirmed.filter(points__gt=0).first()
    assert points_balance(some.volunteer.resident) >= some.points
    cert = Certificate.objects.get()
    assert cert.record_count == 2 and cert.total_hours > 0
    assert Nomination.objects.filter(status=NominationStatus.PUBLISHED).count() == 1


@pytest.mark.django_db
def test_a_small_demo_goes_without_volunteering():
    demo_load(areas_prefix="50", size=10)
    assert not Volunteer.objects.exists() and not Team.objects.exists()
