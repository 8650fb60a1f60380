"""Class orders: recounting from answers, the threshold, dismissing, opening a class."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from linli.college.models import (
    ClassOrder,
    Club,
    CollegeSettings,
    Course,
    OrderStatus,
    Teacher,
    TeacherStatus,
)
from linli.college.services import orders as services
from linli.college.services.teachers import teacher_create
from linli.college.services.venues import venue_create
from linli.college.tests.interest import answer, make_interest_survey
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0), tick=False):
        yield


def _crowd(n: int, area: str = XINGJIAQIAO, birth: dt.date = dt.date(1953, 1, 1), prefix: str = "学员"):
    return [resident(area, f"{prefix}{i}", birth=birth) for i in range(n)]


def _orders(survey, area=XINGJIAQIAO):
    return {o.subject: o for o in ClassOrder.objects.filter(survey=survey, area_id=area)}


def test_refresh_counts_each_community_with_age_and_slots(personas):
    survey = make_interest_survey(personas.district_admin)
    xjq = _crowd(3)
    answer(survey, xjq[0], ["绘画", "象棋"], ["2-am", "4-am"])
    answer(survey, xjq[1], ["绘画"], ["2-am"])
    answer(survey, xjq[2], ["绘画"], other="葫芦丝")
    answer(survey, personas.jzy_residents[0], ["绘画"])
    services.orders_refresh(survey=survey, community_code=XINGJIAQIAO)

    orders = _orders(survey)
    assert {s: o.demand for s, o in orders.items()} == {"绘画": 3, "象棋": 1, "葫芦丝": 1}
    assert orders["绘画"].slot_counts == {"2-am": 2, "4-am": 1}
    assert orders["绘画"].age_profile["70–79岁"] == 3  # born 1953: 73 on the frozen day
    assert orders["绘画"].status == OrderStatus.COLLECTING
    assert not _orders(survey, JINZHUYUAN)  # another community's answers wait for its own recount


def test_threshold_reached_changes_the_status_and_stays_for_decisions(personas):
    survey = make_interest_survey(personas.district_admin)
    crowd = _crowd(8)
    for r in crowd[:7]:
        answer(survey, r, ["太极拳"])
    services.orders_refresh(survey=survey, community_code=XINGJIAQIAO)
    assert _orders(survey)["太极拳"].status == OrderStatus.COLLECTING
    answer(survey, crowd[7], ["太极拳"])
    services.orders_refresh(survey=survey, community_code=XINGJIAQIAO)
    assert _orders(survey)["太极拳"].status == OrderStatus.REACHED

    services.threshold_set(by=personas.xjq_worker, area_code=XINGJIAQIAO, threshold=9)
    assert _orders(survey)["太极拳"].status == OrderStatus.COLLECTING
    services.threshold_set(by=personas.xjq_worker, area_code=XINGJIAQIAO, threshold=3)
    order = _orders(survey)["太极拳"]
    assert order.status == OrderStatus.REACHED
    services.order_dismiss(by=personas.xjq_worker, order=order, reason="暂无老师")
    services.orders_refresh(survey=survey, community_code=XINGJIAQIAO)
    assert _orders(survey)["太极拳"].status == OrderStatus.DISMISSED  # a recount keeps the decision
    services.order_restore(by=personas.xjq_worker, order=order)
    assert _orders(survey)["太极拳"].status == OrderStatus.REACHED


@pytest.mark.parametrize("bad", [0, -3, 501])
def test_threshold_out_of_range_is_refused_and_nothing_changes(personas, bad):
    with pytest.raises(LinliError) as err:
        services.threshold_set(by=personas.xjq_worker, area_code=XINGJIAQIAO, threshold=bad)
    assert err.value.field == "threshold"
    assert "开班人数门槛" in err.value.message
    assert not CollegeSettings.objects.exists()
    assert services.threshold_of(XINGJIAQIAO) == 8


def test_threshold_only_for_ones_own_community(personas):
    with pytest.raises(LinliError) as err:
        services.threshold_set(by=personas.jzy_worker, area_code=XINGJIAQIAO, threshold=5)
    assert err.value.status == 403
    with pytest.raises(LinliError) as err:
        services.threshold_set(by=personas.xjq_grid_worker, area_code=XINGJIAQIAO, threshold=5)
    assert err.value.status == 403
    with pytest.raises(LinliError) as err:
        services.threshold_set(by=personas.renhe_admin, area_code="500112009", threshold=5)
    assert err.value.field == "area"  # a street has no threshold of its own
    services.threshold_set(by=personas.renhe_admin, area_code=XINGJIAQIAO, threshold=5)
    assert services.threshold_of(XINGJIAQIAO) == 5


def test_talent_answers_become_teacher_invitations_once(personas):
    survey = make_interest_survey(personas.district_admin)
    talent = resident(XINGJIAQIAO, "冯小玲", phone="13912345678")
    response = answer(survey, talent, ["绘画"], talent="油画、素描")
    services.orders_refresh_for_response(response)
    services.orders_refresh_for_response(response)
    teacher = Teacher.objects.get()
    assert (teacher.name, teacher.status, teacher.skills, teacher.area_id) == (
        "冯小玲", TeacherStatus.INVITED, ["油画", "素描"], XINGJIAQIAO)
    assert teacher.resident == talent


def _ready_order(personas, n=8):
    survey = make_interest_survey(personas.district_admin)
    for r in _crowd(n):
        answer(survey, r, ["绘画"], ["2-am"])
    services.orders_refresh(survey=survey, community_code=XINGJIAQIAO)
    return _orders(survey)["绘画"]


def _open_args(personas, **over):
    args = dict(
        by=personas.xjq_worker,
        teacher=teacher_create(by=personas.xjq_worker, area_code=XINGJIAQIAO, name="冯小玲", kind="local",
                               skills=["绘画"]),
        venue=venue_create(by=personas.xjq_worker, area_code=XINGJIAQIAO, name="街边门市", capacity=12,
                           features=["tables"]),
        term="2026年秋季", capacity=11, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 3, 1),
    )
    return args | over


def test_open_a_class_makes_a_club_and_a_course(personas):
    order = _ready_order(personas)
    course = services.order_open(order=order, **_open_args(personas))
    order.refresh_from_db()
    assert order.status == OrderStatus.OPENED
    assert (course.title, course.club.name, course.club.alliance.name, course.order) == ("绘画", "绘画班", "艺术", order)
    assert course.needed_features == ["tables"]
    assert AuditEntry.objects.filter(action="college.order_open", target_id=str(order.pk)).exists()
    with pytest.raises(LinliError) as err:
        services.order_open(order=order, **_open_args(personas))
    assert err.value.status == 409


def test_open_below_threshold_says_how_many_are_missing(personas):
    order = _ready_order(personas, n=5)
    with pytest.raises(LinliError) as err:
        services.order_open(order=order, **_open_args(personas))
    assert "还差 3 人" in err.value.message
    assert not Course.objects.exists() and not Club.objects.exists()


@pytest.mark.parametrize("missing", ["teacher", "venue"])
def test_open_needs_a_teacher_and_a_venue(personas, missing):
    order = _ready_order(personas)
    with pytest.raises(LinliError) as err:
        services.order_open(order=order, **_open_args(personas, **{missing: None}))
    assert err.value.field == missing
    assert not Course.objects.exists() and not Club.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.REACHED


def test_open_with_a_venue_lacking_what_the_class_needs_changes_nothing(personas):
    order = _ready_order(personas)
    yard = venue_create(by=personas.xjq_worker, area_code=XINGJIAQIAO, name="小区坝坝", capacity=40,
                        features=["open_air"])
    with pytest.raises(LinliError) as err:
        services.order_open(order=order, **_open_args(personas, venue=yard))
    assert err.value.field == "venue"
    assert "桌椅" in err.value.message
    assert not Course.objects.exists() and not Club.objects.exists()


def test_open_by_another_community_is_refused(personas):
    order = _ready_order(personas)
    with pytest.raises(LinliError) as err:
        services.order_open(order=order, **_open_args(personas, by=personas.jzy_worker))
    assert err.value.status == 403


def test_dismiss_needs_a_reason(personas):
    order = _ready_order(personas)
    with pytest.raises(LinliError) as err:
        services.order_dismiss(by=personas.xjq_worker, order=order, reason="  ")
    assert err.value.field == "reason"
    order.refresh_from_db()
    assert order.status == OrderStatus.REACHED
