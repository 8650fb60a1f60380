"""The demo's community college: the seeds' clubs, classes and venues, built through the services."""

from __future__ import annotations

from collections import Counter

import pytest

from linli.college.models import (
    Alliance,
    ClassOrder,
    Club,
    Course,
    OrderStatus,
    TaskForceMember,
    Teacher,
    TeacherStatus,
    Venue,
)
from linli.demo import college_data as data
from linli.demo.builder import demo_load
from linli.demo.places import JINZHUYUAN, XINGJIAQIAO
from linli.people.models import Resident
from linli.surveys.models import Response


@pytest.mark.django_db
def test_the_demo_college_is_the_seeds_college():
    """One full-size build (as `linli demo` makes it), checked part by part below."""
    result = demo_load(areas_prefix="50")
    assert result.built
    _jinzhuyuan_has_five_alliances_and_thirty_four_clubs()
    _xingjiaqiao_orders_come_from_answers_and_open_eleven_classes_in_three_venues()
    _seed_people_carry_their_names_and_talents_become_invitations()


def _jinzhuyuan_has_five_alliances_and_thirty_four_clubs():
    alliances = list(Alliance.objects.filter(area_id=JINZHUYUAN).order_by("position"))
    assert [a.name for a in alliances] == ["艺术", "体育", "科技", "文化", "便民服务"]
    assert all(a.head_id for a in alliances)
    clubs = Club.objects.filter(area_id=JINZHUYUAN)
    assert clubs.count() == 34
    assert {"巧心思手工", "启迪智慧", "碗碗茶闲聊", "非洲鼓"} <= set(clubs.values_list("name", flat=True))
    assert not clubs.filter(leader__isnull=True).exists()
    roles = Counter(TaskForceMember.objects.filter(area_id=JINZHUYUAN).values_list("role", flat=True))
    assert roles == {"commander": 1, "deputy": 2}


def _xingjiaqiao_orders_come_from_answers_and_open_eleven_classes_in_three_venues():
    orders = {o.subject: o for o in ClassOrder.objects.filter(area_id=XINGJIAQIAO)}
    for spec in data.XJQ_CLASSES:
        assert orders[spec.subject].demand == spec.demand, spec.subject
        assert orders[spec.subject].status == OrderStatus.OPENED
    for subject, demand, _ in data.XJQ_WISHES_BELOW:
        assert (orders[subject].demand, orders[subject].status) == (demand, OrderStatus.COLLECTING)
    assert Response.objects.filter(area_id=XINGJIAQIAO).count() > 40
    courses = Course.objects.filter(area_id=XINGJIAQIAO).select_related("venue", "teacher")
    assert courses.count() == 11
    rooms = {c.title: c.venue.name for c in courses}
    assert {rooms[t] for t in ("绘画", "象棋", "手工编织")} == {"街边门市（画室）"}
    assert {rooms[t] for t in ("舞蹈", "走秀", "音乐")} == {"原工商所办公场地"}
    assert {rooms[t] for t in ("快板", "腰鼓")} == {"小区坝坝空地"}
    assert Venue.objects.filter(area_id=XINGJIAQIAO).count() == 3
    assert courses.get(title="绘画").teacher.name == "冯小玲"


def _seed_people_carry_their_names_and_talents_become_invitations():
    choir = Club.objects.get(area_id=XINGJIAQIAO, courses__title="合唱")
    assert choir.leader.name == "孟吉伦"
    assert Resident.objects.filter(area__code__startswith=XINGJIAQIAO, name__in=["尹必芝", "尹必珍"]).count() == 2
    invited = Teacher.objects.filter(area_id=XINGJIAQIAO, status=TeacherStatus.INVITED)
    assert invited.count() == len(data.XJQ_TALENTS)
    assert all(t.resident_id for t in invited)
