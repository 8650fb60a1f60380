"""From a handed-in answer sheet to class orders, end to end: ``response_submit`` on the real
17-question template, with the college's hook as registered at app start."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from linli.college.models import ClassOrder, OrderStatus, Teacher, TeacherKind, TeacherStatus
from linli.college.services.orders import order_dismiss, threshold_set
from linli.college.tests.orders_kit import (
    FROZEN,
    WANTED,
    crowd,
    orders_of,
    sheet,
    submit,
    template_survey,
)
from linli.college.tests.parts import RENHE, SIBLING, sibling_community
from linli.core.errors import LinliError
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, resident
from linli.people.services import proxy_bind
from linli.surveys.models import Channel, Response
from linli.surveys.services import question_add, response_submit, survey_close, survey_create, survey_publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _demand(survey, area=XINGJIAQIAO) -> dict[str, tuple[int, str]]:
    return {s: (o.demand, o.status) for s, o in orders_of(survey, area).items()}


def _snapshot() -> list[tuple]:
    return list(ClassOrder.objects.order_by("pk").values_list(
        "area_id", "subject", "demand", "status", "age_profile", "slot_counts"))


# --- who hands the sheet in -------------------------------------------------------------------


def test_paper_answers_typed_in_by_a_worker_update_the_orders_one_by_one(personas):
    survey = template_survey(personas.xjq_worker)
    people = crowd(8)
    submit(survey, people[0], personas.xjq_worker, wanted=["绘画", "象棋"], slots=["2-am", "4-am"])
    assert _demand(survey) == {"绘画": (1, "collecting"), "象棋": (1, "collecting")}
    submit(survey, people[1], personas.xjq_worker, wanted=["绘画"], slots=["2-am"])
    assert _demand(survey) == {"绘画": (2, "collecting"), "象棋": (1, "collecting")}

    painting = orders_of(survey)["绘画"]
    assert painting.slot_counts == {"2-am": 2, "4-am": 1}
    assert painting.age_profile == {"40岁以下": 0, "40–59岁": 0, "60–69岁": 0, "70–79岁": 2, "80岁及以上": 0}
    assert painting.area_id == XINGJIAQIAO and painting.survey == survey

    for who in people[2:7]:
        submit(survey, who, personas.xjq_worker, wanted=["绘画"])
    assert _demand(survey)["绘画"] == (7, OrderStatus.COLLECTING)
    submit(survey, people[7], personas.xjq_worker, wanted=["绘画"])  # the 8th: the default threshold
    assert _demand(survey)["绘画"] == (8, OrderStatus.REACHED)
    assert ClassOrder.objects.count() == 2


def test_a_grid_worker_types_in_the_paper_sheets_of_the_grids_residents(personas):
    survey = template_survey(personas.xjq_worker)
    in_grid = personas.xjq_residents[0]  # lives in 邢家桥一网格
    submit(survey, in_grid, personas.xjq_grid_worker, wanted=["快板"])
    order = orders_of(survey)["快板"]
    assert (order.area_id, order.demand) == (XINGJIAQIAO, 1)  # the grid's community, not the grid

    with pytest.raises(LinliError) as err:  # outside the grid: not theirs to type in
        submit(survey, personas.xjq_residents[1], personas.xjq_grid_worker, wanted=["快板"])
    assert err.value.status == 403
    assert orders_of(survey)["快板"].demand == 1


def test_a_residents_own_phone_answer_counts_at_once(personas):
    survey = template_survey(personas.xjq_worker)
    me = personas.xjq_residents[0]
    submit(survey, me, personas.resident_user, Channel.PHONE, wanted=["太极拳", "八段锦"], slots=["1-am"])
    assert _demand(survey) == {"太极拳": (1, "collecting"), "八段锦": (1, "collecting")}
    assert orders_of(survey)["太极拳"].slot_counts == {"1-am": 1}
    # 邢居民0 was born in 1945: 81 on the frozen day.
    assert orders_of(survey)["太极拳"].age_profile["80岁及以上"] == 1

    with pytest.raises(LinliError) as err:  # a resident answers only for themself
        submit(survey, personas.xjq_residents[1], personas.resident_user, Channel.PHONE, wanted=["太极拳"])
    assert err.value.status == 403
    assert orders_of(survey)["太极拳"].demand == 1


def test_a_family_members_proxy_answer_counts_for_the_elder(personas):
    survey = template_survey(personas.xjq_worker)
    elder = personas.xjq_residents[1]
    binding = proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=["survey"],
                         agent_phone="13512345678", agent_name="邢女儿")
    response = submit(survey, elder, binding.agent, Channel.PROXY, wanted=["剪纸"], slots=["6-pm"])
    assert (response.resident, response.channel) == (elder, Channel.PROXY)
    assert _demand(survey) == {"剪纸": (1, "collecting")}
    assert orders_of(survey)["剪纸"].slot_counts == {"6-pm": 1}

    no_survey_scope = proxy_bind(by=personas.xjq_worker, principal=personas.xjq_residents[2], relation="family",
                                 scopes=["enroll"], agent_phone="13512345679", agent_name="邢儿子")
    with pytest.raises(LinliError) as err:
        submit(survey, personas.xjq_residents[2], no_survey_scope.agent, Channel.PROXY, wanted=["剪纸"])
    assert err.value.status == 403
    assert orders_of(survey)["剪纸"].demand == 1


# --- what the sheet says ---------------------------------------------------------------------


def test_what_is_written_under_other_counts_as_classes(personas):
    survey = template_survey(personas.xjq_worker)
    a, b, c = crowd(3)
    submit(survey, a, personas.xjq_worker, wanted=["绘画"], other="葫芦丝、二胡")
    submit(survey, b, personas.xjq_worker, other="葫芦丝")  # nothing ticked, only written in
    submit(survey, c, personas.xjq_worker, wanted=["象棋"], other="象棋")  # written and ticked: once
    assert _demand(survey) == {"绘画": (1, "collecting"), "葫芦丝": (2, "collecting"),
                               "二胡": (1, "collecting"), "象棋": (1, "collecting")}
    assert "其他" not in _demand(survey)


def test_nothing_written_under_other_is_not_a_class(personas):
    survey = template_survey(personas.xjq_worker)
    a, b = crowd(2)
    submit(survey, a, personas.xjq_worker, wanted=["绘画"], other="无")
    submit(survey, b, personas.xjq_worker, wanted=["绘画"], other="没有，都可以")
    assert _demand(survey) == {"绘画": (2, "collecting")}


def test_a_talent_offered_becomes_a_teacher_invitation_in_the_community(personas):
    survey = template_survey(personas.xjq_worker)
    talent = resident(XINGJIAQIAO, "冯小玲", phone="13912345678", birth=dt.date(1960, 2, 2))
    submit(survey, talent, personas.xjq_worker, wanted=["绘画"], talent="油画、素描")
    teacher = Teacher.objects.get()
    assert (teacher.name, teacher.kind, teacher.status, teacher.skills, teacher.area_id, teacher.resident) == (
        "冯小玲", TeacherKind.LOCAL, TeacherStatus.INVITED, ["油画", "素描"], XINGJIAQIAO, talent)
    assert teacher.phone == "13912345678"  # kept encrypted, so the worker can call back
    assert teacher.source_answer is not None and teacher.source_answer.response.resident == talent
    assert _demand(survey) == {"绘画": (1, "collecting")}  # a talent is not a wish to learn


@pytest.mark.parametrize("nothing", ["", "无", "没有", " 暂无 ", "不会"])
def test_no_talent_no_invitation(personas, nothing):
    survey = template_survey(personas.xjq_worker)
    submit(survey, crowd(1)[0], personas.xjq_worker, wanted=["绘画"], talent=nothing)
    assert not Teacher.objects.exists()
    assert _demand(survey) == {"绘画": (1, "collecting")}


# --- refused sheets change nothing -----------------------------------------------------------


def _refusals(personas, survey, people):
    """name → (who, by, channel, answers) of a sheet the surveys app refuses."""
    worker = personas.xjq_worker
    return {
        "no such option": (people[1], worker, Channel.PAPER, sheet(survey, ["绘画", "飞行"], talent="剪纸")),
        "no such time slot": (people[1], worker, Channel.PAPER, sheet(survey, ["绘画"], slots=["8-am"])),
        "required question left out": (people[1], worker, Channel.PAPER, sheet(survey, ["绘画"], p1=None)),
        "other text too long": (people[1], worker, Channel.PAPER, sheet(survey, ["绘画"], other="画" * 501)),
        "answered twice": (people[0], worker, Channel.PAPER, sheet(survey, ["象棋"], talent="象棋")),
        "another community's worker": (people[1], personas.jzy_worker, Channel.PAPER, sheet(survey, ["绘画"])),
        "outside the survey's area": (personas.jzy_residents[0], personas.district_admin, Channel.PAPER,
                                      sheet(survey, ["绘画"])),
    }


@pytest.mark.parametrize("case", ["no such option", "no such time slot", "required question left out",
                                  "other text too long", "answered twice", "another community's worker",
                                  "outside the survey's area"])
def test_a_refused_sheet_leaves_the_orders_unchanged(personas, case):
    survey = template_survey(personas.xjq_worker)
    people = crowd(2)
    submit(survey, people[0], personas.xjq_worker, wanted=["绘画"], slots=["2-am"])
    before, responses = _snapshot(), Response.objects.count()
    who, by, channel, answers = _refusals(personas, survey, people)[case]
    with pytest.raises(LinliError):
        response_submit(by=by, survey=survey, resident=who, answers=answers, channel=channel)
    assert _snapshot() == before
    assert Response.objects.count() == responses
    assert not Teacher.objects.exists()
    assert not ClassOrder.objects.filter(area_id=JINZHUYUAN).exists()


def test_a_closed_or_unpublished_survey_takes_no_answers_and_makes_no_orders(personas):
    draft = template_survey(personas.xjq_worker, publish=False)
    with pytest.raises(LinliError) as err:
        submit(draft, crowd(1)[0], personas.xjq_worker, wanted=["绘画"])
    assert err.value.code == "surveys.not_open"

    survey = template_survey(personas.xjq_worker)
    first, late = crowd(2)
    submit(survey, first, personas.xjq_worker, wanted=["绘画"])
    survey_close(by=personas.xjq_worker, survey=survey)
    before = _snapshot()
    with pytest.raises(LinliError) as err:
        submit(survey, late, personas.xjq_worker, wanted=["绘画", "象棋"])
    assert err.value.code == "surveys.closed"
    assert _snapshot() == before
    assert _demand(survey) == {"绘画": (1, "collecting")}
    assert not ClassOrder.objects.filter(survey=draft).exists()


def test_a_sheet_after_the_closing_day_is_refused(personas):
    survey = template_survey(personas.xjq_worker)
    who = crowd(1)[0]
    with time_machine.travel(dt.datetime(2027, 1, 2, 10, 0), tick=False), pytest.raises(LinliError) as err:
        submit(survey, who, personas.xjq_worker, wanted=["绘画"])
    assert err.value.code == "surveys.closed"
    assert not ClassOrder.objects.exists()


# --- which surveys, which communities --------------------------------------------------------


def test_a_general_survey_makes_no_orders_even_with_a_classes_question(personas):
    by = personas.xjq_worker
    survey = survey_create(by=by, title="居民意见调查", area_code=XINGJIAQIAO, opens_on=dt.date(2026, 11, 1),
                           closes_on=dt.date(2026, 12, 31), purpose="general")
    wanted = question_add(by=by, survey=survey, kind="multiple", text="想学什么？", options=["绘画", "象棋"],
                          allow_other=True, role="wanted_classes")
    talent = question_add(by=by, survey=survey, kind="talent", text="能教什么？", required=False)
    survey_publish(by=by, survey=survey)
    response_submit(by=by, survey=survey, resident=crowd(1)[0], channel=Channel.PAPER,
                    answers={wanted.pk: {"choices": ["绘画"], "text": "二胡"}, talent.pk: {"text": "剪纸"}})
    assert Response.objects.filter(survey=survey).count() == 1
    assert not ClassOrder.objects.exists()
    assert not Teacher.objects.exists()


def test_a_street_wide_survey_counts_each_community_with_its_own_threshold(personas):
    sibling_community()
    threshold_set(by=personas.renhe_admin, area_code=XINGJIAQIAO, threshold=2)
    threshold_set(by=personas.renhe_admin, area_code=SIBLING, threshold=3)
    survey = template_survey(personas.renhe_admin, RENHE)
    xjq, sib = crowd(2), crowd(3, SIBLING)
    for who in xjq + sib[:2]:
        submit(survey, who, personas.renhe_admin, wanted=["太极拳"])
    assert _demand(survey, XINGJIAQIAO) == {"太极拳": (2, OrderStatus.REACHED)}
    assert _demand(survey, SIBLING) == {"太极拳": (2, OrderStatus.COLLECTING)}
    assert not ClassOrder.objects.filter(area_id=RENHE).exists()  # never one order for the whole street

    submit(survey, sib[2], personas.renhe_admin, wanted=["太极拳", "象棋"])
    assert _demand(survey, SIBLING) == {"太极拳": (3, OrderStatus.REACHED), "象棋": (1, OrderStatus.COLLECTING)}
    assert _demand(survey, XINGJIAQIAO) == {"太极拳": (2, OrderStatus.REACHED)}

    with pytest.raises(LinliError):  # 金竹苑 is in 康美街道: not this survey's residents
        submit(survey, personas.jzy_residents[0], personas.district_admin, wanted=["太极拳"])
    assert not ClassOrder.objects.filter(area_id=JINZHUYUAN).exists()


def test_a_workers_decision_stands_while_answers_keep_coming(personas):
    survey = template_survey(personas.xjq_worker)
    people = crowd(3)
    submit(survey, people[0], personas.xjq_worker, wanted=["川剧"])
    order_dismiss(by=personas.xjq_worker, order=orders_of(survey)["川剧"], reason="暂时请不到老师")
    for who in people[1:]:
        submit(survey, who, personas.xjq_worker, wanted=["川剧"])
    order = orders_of(survey)["川剧"]
    assert (order.demand, order.status, order.note) == (3, OrderStatus.DISMISSED, "暂时请不到老师")


def test_each_answer_only_recounts_its_own_community(personas):
    """A 金竹苑 survey's answers never touch 邢家桥's orders of another survey, and vice versa."""
    xjq_survey = template_survey(personas.xjq_worker)
    jzy_survey = template_survey(personas.jzy_worker, JINZHUYUAN)
    submit(xjq_survey, crowd(1)[0], personas.xjq_worker, wanted=["绘画"])
    submit(jzy_survey, personas.jzy_residents[0], personas.jzy_worker, wanted=["绘画", "腰鼓"])
    assert _demand(xjq_survey) == {"绘画": (1, "collecting")}
    assert _demand(jzy_survey, JINZHUYUAN) == {"绘画": (1, "collecting"), "腰鼓": (1, "collecting")}
    assert ClassOrder.objects.count() == 3


def test_the_wanted_question_is_the_third_of_the_template(personas):
    """The kit's positions follow the template: a change there must show here, not silently miscount."""
    survey = template_survey(personas.xjq_worker)
    q = survey.questions.get(position=WANTED)
    assert (q.role, q.allow_other) == ("wanted_classes", True)
