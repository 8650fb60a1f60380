"""Shared fixtures: a points rule in both communities, an organiser's activity, volunteers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

NOW = dt.datetime(2026, 5, 20, 9, 0)  # local time (Asia/Shanghai), a Wednesday


def at(day: int, hour: int, minute: int = 0, month: int = 5) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.make_aware(NOW), tick=False) as traveller:
        yield traveller


@dataclass
class World:
    p: Any
    xjq_volunteers: list
    jzy_volunteers: list
    activity: Any  # 邢家桥, open, 5-22 09:00–11:30, two roles
    role: Any  # headcount 2
    other_role: Any  # headcount 5


@pytest.fixture
def world(personas, frozen) -> World:
    from linli.points.services import rule_set
    from linli.volunteering import services

    p = personas
    for code in (XINGJIAQIAO, JINZHUYUAN):
        rule_set(by=p.district_admin, area_code=code, action="service_half_hour", points=5, unit_label="半小时",
                 valid_from=dt.date(2026, 1, 1))
    xjq = [services.volunteer_register(by=p.xjq_worker, resident=r, skills=["园艺"], availability=["6-am"])
           for r in p.xjq_residents]
    jzy = [services.volunteer_register(by=p.jzy_worker, resident=r) for r in p.jzy_residents]
    a = services.activity_create(by=p.xjq_worker, area_code=XINGJIAQIAO, title="生态花园除草", place="生态花园",
                                 starts_at=at(22, 9), ends_at=at(22, 11, 30), roles=[("除草", 2), ("浇水", 5)])
    services.activity_publish(by=p.xjq_worker, activity=a)
    roles = list(a.roles.order_by("pk"))
    return World(p=p, xjq_volunteers=xjq, jzy_volunteers=jzy, activity=a, role=roles[0], other_role=roles[1])
