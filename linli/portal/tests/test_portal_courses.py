"""The residents' 课程 tab: their community's classes being prepared or running, and how the
classes they asked for are coming along (还差 N 人开班 / 正在找老师和场地 / 已开班)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from linli.college.models import ClassOrder, Course, CourseStatus
from linli.college.services import orders as order_services
from linli.college.services.courses import course_status_set
from linli.college.tests.interest import answer, make_interest_survey
from linli.college.tests.orders_kit import FROZEN, crowd
from linli.college.tests.parts import club, course, teacher, venue
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO
from linli.people.services import proxy_bind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _courses_shown(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'id="course-(\d+)"', html)}


def _wishes(html: str) -> dict[str, str]:
    return dict(re.findall(r'<li><strong>([^<]+)</strong><span[^>]*>([^<]+)</span></li>', html))


@pytest.fixture
def classes(personas):
    """邢家桥: a planned and an open course, a cancelled and an ended one; 金竹苑: a planned one."""
    p = personas
    t = teacher(p, name="冯小玲", skills=["书法", "太极拳"])
    v = venue(p, name="街边门市", capacity=30, features=["tables", "quiet", "open_air"], address="邢家桥路 8 号")
    c = club(p, name="书画社")
    made = {
        "planned": course(p, c, title="太极拳入门"),
        "open": course(p, c, title="周二书法", teacher=t, venue=v, sessions_per_week=2, session_minutes=60),
        "cancelled": course(p, c, title="剪纸（取消）"),
        "ended": course(p, c, title="合唱（结课）", teacher=t, venue=v),
        "jzy": course(p, club(p, JINZHUYUAN, name="金竹苑腰鼓队", alliance_name="体育"), title="金竹苑腰鼓"),
    }
    course_status_set(by=p.xjq_worker, course=made["open"], status=CourseStatus.OPEN)
    course_status_set(by=p.xjq_worker, course=made["cancelled"], status=CourseStatus.CANCELLED, reason="老师生病")
    course_status_set(by=p.xjq_worker, course=made["ended"], status=CourseStatus.OPEN)
    course_status_set(by=p.xjq_worker, course=made["ended"], status=CourseStatus.ENDED)
    return made


def test_the_tab_shows_the_communitys_planned_and_open_courses_only(personas, classes):
    html = _login(personas.resident_user).get("/m/courses/").content.decode()
    assert _courses_shown(html) == {classes["planned"].pk, classes["open"].pk}
    for gone in ("剪纸（取消）", "合唱（结课）", "金竹苑腰鼓"):
        assert gone not in html
    assert "邢家桥社区的课程" in html
    card = html.split(f'id="course-{classes["open"].pk}"')[1].split('<div class="card')[0]
    for shown in ("周二书法", "开课中", "书画社", "冯小玲", "街边门市（邢家桥路 8 号）", "每周 2 次，每次 60 分钟",
                  "12月1日 至 3月1日", "20 人"):
        assert shown in card, shown
    card = html.split(f'id="course-{classes["planned"].pk}"')[1].split('<div class="card')[0]
    assert "筹备中" in card and "<dd>待定</dd>" in card  # no teacher yet


def test_another_communitys_resident_sees_their_own_courses(personas, classes):
    from linli.people.services import resident_login_account

    jzy_user = resident_login_account(resident=personas.jzy_residents[0])
    html = _login(jzy_user).get("/m/courses/").content.decode()
    assert _courses_shown(html) == {classes["jzy"].pk}
    assert "金竹苑社区的课程" in html and "周二书法" not in html


def test_no_courses_yet_says_how_classes_come_about(personas):
    html = _login(personas.resident_user).get("/m/courses/").content.decode()
    assert "邢家桥社区还没有开设的课程" in html and "想学的人够了就开班" in html
    assert "我想学的" not in html


@pytest.fixture
def wishes(personas):
    """邢居民0 wants 绘画 (8 want it: enough), 象棋 (3: 5 short), 快板 (opened) and 腰鼓 (dismissed);
    others also want 太极拳, which 邢居民0 does not. 邢居民1 wants 剪纸."""
    p = personas
    me, elder = p.xjq_residents[0], p.xjq_residents[1]
    survey = make_interest_survey(p.district_admin)
    answer(survey, me, ["绘画", "象棋", "快板"], other="腰鼓")
    answer(survey, elder, ["剪纸"])
    for i, who in enumerate(crowd(7)):
        answer(survey, who, ["绘画", "快板", "太极拳"] + (["象棋"] if i < 2 else []))
    order_services.orders_refresh(survey=survey, community_code=XINGJIAQIAO)
    orders = {o.subject: o for o in ClassOrder.objects.filter(survey=survey)}
    order_services.order_open(
        by=p.xjq_worker, order=orders["快板"], teacher=teacher(p, name="快板王", skills=["快板"]),
        venue=venue(p, name="小区坝坝", capacity=30, features=["open_air"]), term="2026年秋季", capacity=20,
        starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 3, 1))
    order_services.order_dismiss(by=p.xjq_worker, order=orders["腰鼓"], reason="场地不够")
    return survey


def test_my_wishes_say_how_each_class_is_coming_along(personas, wishes):
    html = _login(personas.resident_user).get("/m/courses/").content.decode()
    assert "我想学的" in html
    assert _wishes(html) == {
        "绘画": "已有 8 人想学，正在找老师和场地",
        "快板": "已开班",
        "象棋": "已有 3 人想学，还差 5 人开班",
        "腰鼓": "社区暂不开设",
    }
    assert "太极拳" not in _wishes(html)  # wanted by others, not by me
    assert re.search(r'<strong>快板</strong><span class="ok">已开班</span>', html)
    opened = Course.objects.get(title="快板")
    assert _courses_shown(html) == {opened.pk} and "快板班" in html  # the opened class, to join


def test_a_lower_threshold_changes_what_my_wishes_say(personas, wishes):
    order_services.threshold_set(by=personas.xjq_worker, area_code=XINGJIAQIAO, threshold=10)
    html = _login(personas.resident_user).get("/m/courses/").content.decode()
    assert _wishes(html)["绘画"] == "已有 8 人想学，还差 2 人开班"
    order_services.threshold_set(by=personas.xjq_worker, area_code=XINGJIAQIAO, threshold=3)
    html = _login(personas.resident_user).get("/m/courses/").content.decode()
    assert _wishes(html)["象棋"] == "已有 3 人想学，正在找老师和场地"


def test_a_wish_named_in_two_surveys_is_listed_once_from_the_latest(personas, wishes):
    me = personas.xjq_residents[0]
    later = make_interest_survey(personas.district_admin)
    answer(later, me, ["象棋"])
    for who in crowd(5):
        answer(later, who, ["象棋", "绘画"])
    order_services.orders_refresh(survey=later, community_code=XINGJIAQIAO)
    shown = _wishes(_login(personas.resident_user).get("/m/courses/").content.decode())
    html = _login(personas.resident_user).get("/m/courses/").content.decode()
    assert html.count("<strong>象棋</strong>") == 1
    assert shown["象棋"] == "已有 6 人想学，还差 2 人开班"  # the later survey's order
    # 绘画 was asked for in the first survey only: its order there, not the later one's.
    assert html.count("<strong>绘画</strong>") == 1
    assert shown["绘画"] == "已有 8 人想学，正在找老师和场地"


def test_proxy_mode_shows_the_elders_courses_and_wishes(personas, classes, wishes):
    elder = personas.xjq_residents[1]
    binding = proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=["enroll"],
                         agent_phone="13512345678", agent_name="邢女儿")
    client = _login(binding.agent)
    assert "我想学的" not in client.get("/m/courses/").content.decode()  # the agent's own: none
    client.post(f"/m/proxy/{binding.pk}/start/")
    html = client.get("/m/courses/").content.decode()
    assert 'id="proxy-banner"' in html and elder.name in html
    assert _wishes(html) == {"剪纸": "已有 1 人想学，还差 7 人开班"}
    opened = Course.objects.get(title="快板")  # opened from the 快板 order: planned in 邢家桥
    assert _courses_shown(html) == {classes["planned"].pk, classes["open"].pk, opened.pk}

    jzy_elder = personas.jzy_residents[0]
    other = proxy_bind(by=personas.jzy_worker, principal=jzy_elder, relation="family", scopes=["enroll"],
                       agent=binding.agent)
    client.post(f"/m/proxy/{other.pk}/start/")
    html = client.get("/m/courses/").content.decode()
    assert _courses_shown(html) == {classes["jzy"].pk}
    assert "我想学的" not in html


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/m/courses/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_courses_or_wishes(personas, wishes):
    p = personas
    t = teacher(p, name="冯小玲", skills=["书法"])
    v = venue(p, name="街边门市", capacity=30, features=["tables"])
    c = club(p, name="书画社")
    for i in range(2):
        course(p, c, title=f"书法{i}", teacher=t, venue=v)
    client = _login(p.resident_user)
    client.get("/m/courses/")
    few = _queries(client)
    for i in range(2, 10):
        course(p, c, title=f"书法{i}", teacher=t, venue=v if i % 2 else None)
    more = make_interest_survey(p.district_admin)
    answer(more, p.xjq_residents[0], ["书法", "剪纸", "摄影", "川剧"])
    order_services.orders_refresh(survey=more, community_code=XINGJIAQIAO)
    html = client.get("/m/courses/").content.decode()
    assert len(_courses_shown(html)) == 11 and len(_wishes(html)) == 8  # and the 快板 course
    assert _queries(client) == few


def test_a_general_survey_asking_what_to_learn_does_not_hide_my_wish(personas, wishes):
    from linli.surveys.models import SurveyPurpose

    general = make_interest_survey(personas.district_admin)
    general.purpose = SurveyPurpose.GENERAL
    general.save(update_fields=["purpose"])
    answer(general, personas.xjq_residents[0], ["象棋", "绘画"])
    shown = _wishes(_login(personas.resident_user).get("/m/courses/").content.decode())
    assert shown["象棋"] == "已有 3 人想学，还差 5 人开班"
    assert shown["绘画"] == "已有 8 人想学，正在找老师和场地"
