"""Class orders on the API: the ranked list, one order, opening it as a course; errors name the
API's own fields (teacher_id, venue_id, club_id)."""

from __future__ import annotations

import pytest
import time_machine

from linli.college.models import ClassOrder, Club, Course, OrderStatus
from linli.college.services import orders as services
from linli.college.tests.orders_kit import FROZEN, orders_from
from linli.college.tests.parts import club, teacher, venue
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def orders(personas):
    """邢家桥: 绘画 8 (reached), 快板 5, 象棋 3; 金竹苑: 腰鼓 2."""
    xjq = orders_from(personas.district_admin, {"绘画": 8, "快板": 5, "象棋": 3})
    jzy = orders_from(personas.district_admin, {"腰鼓": 2}, area=JINZHUYUAN)
    return {**xjq, **jzy}


@pytest.fixture
def pool(personas):
    return {
        "teacher": teacher(personas, name="冯小玲", skills=["绘画"]),
        "venue": venue(personas, name="街边门市", capacity=12, features=["tables"]),
        "yard": venue(personas, name="小区坝坝", capacity=40, features=["open_air"]),
        "jzy_teacher": teacher(personas, JINZHUYUAN, name="金老师", skills=["绘画"]),
        "jzy_venue": venue(personas, JINZHUYUAN, name="金竹苑画室", capacity=30, features=["tables"]),
        "jzy_club": club(personas, JINZHUYUAN, name="金竹苑画社"),
    }


def _body(pool, **over) -> dict:
    body = {"teacher_id": pool["teacher"].pk, "venue_id": pool["venue"].pk, "term": "2026年秋季", "capacity": 10,
            "starts_on": "2026-12-09", "ends_on": "2027-03-31"}
    return body | over


def test_the_list_is_ranked_by_demand_with_figures(personas, orders, pool):
    response = Api(personas.xjq_worker).get("/college/orders")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 50)
    assert [(i["subject"], i["demand"], i["threshold"], i["status"]) for i in body["items"]] == [
        ("绘画", 8, 8, "reached"), ("快板", 5, 8, "collecting"), ("象棋", 3, 8, "collecting")]
    painting = body["items"][0]
    assert painting == {
        "id": orders["绘画"].pk, "subject": "绘画", "area_code": XINGJIAQIAO, "community": "邢家桥社区",
        "survey_id": orders["绘画"].survey_id, "demand": 8, "threshold": 8, "status": "reached",
        "status_label": "人数已满足", "progress": "可以开班",
        "age_profile": {"40岁以下": 0, "40–59岁": 0, "60–69岁": 0, "70–79岁": 8, "80岁及以上": 0},
        "slots": [{"slot": "2-am", "label": "周二上午", "count": 8}],
        "teacher_ids": [pool["teacher"].pk], "venue_ids": [pool["venue"].pk],
    }
    assert body["items"][2]["progress"] == "还差 5 人；缺老师（师资库中没有会“象棋”的老师）；缺场地（没有具备桌椅、安静、能容纳 8 人的场地）"


def test_the_list_filters_and_pages(personas, orders):
    api = Api(personas.district_admin)

    def subjects(**params):
        return [i["subject"] for i in api.get("/college/orders", params).json()["items"]]

    assert subjects() == ["绘画", "快板", "象棋", "腰鼓"]
    assert subjects(status="reached") == ["绘画"]
    assert subjects(area=JINZHUYUAN) == ["腰鼓"]
    assert subjects(area="500112009") == ["绘画", "快板", "象棋"]
    assert subjects(q="棋") == ["象棋"]
    assert subjects(page_size=2, page=2) == ["象棋", "腰鼓"]
    assert api.get("/college/orders", {"page_size": 2}).json()["count"] == 4
    assert api.get("/college/orders", {"status": "bogus"}).status_code == 422
    assert api.get("/college/orders", {"page_size": 0}).status_code == 422


def test_the_detail_of_one_order(personas, orders):
    api = Api(personas.xjq_worker)
    body = api.get(f"/college/orders/{orders['象棋'].pk}").json()
    assert (body["subject"], body["demand"], body["status"], body["progress"]) == (
        "象棋", 3, "collecting", "还差 5 人；缺老师（师资库中没有会“象棋”的老师）；缺场地（没有具备桌椅、安静、能容纳 8 人的场地）")
    assert api.get("/college/orders/999999").status_code == 404


def test_open_answers_201_with_the_course_and_the_opened_order(personas, orders, pool):
    painting = orders["绘画"]
    response = Api(personas.xjq_worker).post(f"/college/orders/{painting.pk}/open", _body(pool))
    assert response.status_code == 201, response.json()
    body = response.json()
    course = Course.objects.get()
    assert body["course_id"] == course.pk
    assert (body["order"]["id"], body["order"]["status"], body["order"]["status_label"], body["order"]["progress"]) == (
        painting.pk, "opened", "已开班", "已开班")
    assert (course.title, course.teacher, course.venue, course.capacity, course.club.name, course.order_id) == (
        "绘画", pool["teacher"], pool["venue"], 10, "绘画班", painting.pk)


def test_open_into_a_named_club_with_a_title(personas, orders, pool):
    mine = club(personas, name="丹青社")
    response = Api(personas.xjq_worker).post(f"/college/orders/{orders['绘画'].pk}/open",
                                             _body(pool, club_id=mine.pk, title="周二国画"))
    assert response.status_code == 201
    course = Course.objects.get()
    assert (course.club, course.title) == (mine, "周二国画")


def test_opening_twice_is_409(personas, orders, pool):
    api = Api(personas.xjq_worker)
    url = f"/college/orders/{orders['绘画'].pk}/open"
    assert api.post(url, _body(pool)).status_code == 201
    again = api.post(url, _body(pool))
    assert again.status_code == 409
    assert again.json()["code"] == "college.order_opened"
    assert "“绘画”已经开班" in again.json()["message"]
    assert Course.objects.count() == 1 and Club.objects.filter(area_id=XINGJIAQIAO).count() == 1


@pytest.mark.parametrize(("over", "field", "words"), [
    ({"teacher_id": None}, "teacher_id", "请选择老师"),
    ({"venue_id": None}, "venue_id", "请选择场地"),
    ({"teacher_id": "jzy_teacher"}, "teacher_id", "不在本社区可请的师资中"),
    ({"venue_id": "jzy_venue"}, "venue_id", "不是本社区可用的场地"),
    ({"club_id": "jzy_club"}, "club_id", "不是本社区的社团"),
    ({"teacher_id": 999999}, "teacher_id", "不在本社区可请的师资中"),
    ({"venue_id": "yard"}, "venue_id", "缺少：桌椅"),
    ({"capacity": 20}, "venue_id", "只能容纳 12 人，少于课程名额 20 人"),
    ({"ends_on": "2026-12-01"}, "ends_on", "不能早于开课日期"),
    ({"term": "  "}, "term", "学期：不能为空"),
])
def test_open_refusals_name_the_api_field_and_change_nothing(personas, orders, pool, over, field, words):
    over = {k: pool[v].pk if isinstance(v, str) and v in pool else v for k, v in over.items()}
    painting = orders["绘画"]
    response = Api(personas.xjq_worker).post(f"/college/orders/{painting.pk}/open", _body(pool, **over))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["field"] == field
    assert words in body["message"]
    assert not Course.objects.exists() and not Club.objects.filter(area_id=XINGJIAQIAO).exists()
    assert ClassOrder.objects.get(pk=painting.pk).status == OrderStatus.REACHED


@pytest.mark.parametrize("body", [{"capacity": 0}, {"capacity": 501}, {"teacher_id": 0}, {"term": "a\x00b"},
                                  {"starts_on": "not a date"}, {"sessions_per_week": 8}])
def test_open_input_out_of_range_is_422(personas, orders, pool, body):
    response = Api(personas.xjq_worker).post(f"/college/orders/{orders['绘画'].pk}/open", _body(pool, **body))
    assert response.status_code == 422
    assert not Course.objects.exists()


def test_open_below_the_threshold_or_dismissed_is_refused_with_the_reason(personas, orders, pool):
    api = Api(personas.xjq_worker)
    chess = orders["象棋"]
    response = api.post(f"/college/orders/{chess.pk}/open", _body(pool))
    assert response.status_code == 400
    assert response.json()["code"] == "college.below_threshold"
    assert "还差 5 人" in response.json()["message"]

    services.order_dismiss(by=personas.xjq_worker, order=orders["绘画"], reason="暂无老师")
    response = api.post(f"/college/orders/{orders['绘画'].pk}/open", _body(pool))
    assert response.status_code == 400
    assert response.json()["code"] == "college.order_dismissed"
    assert not Course.objects.exists()


def test_the_threshold_in_the_api_follows_the_communitys_setting(personas, orders):
    services.threshold_set(by=personas.xjq_worker, area_code=XINGJIAQIAO, threshold=4)
    items = {i["subject"]: i for i in Api(personas.district_admin).get("/college/orders").json()["items"]}
    assert (items["快板"]["threshold"], items["快板"]["status"]) == (4, "reached")
    assert (items["象棋"]["threshold"], items["象棋"]["progress"].split("；")[0]) == (4, "还差 1 人")
    assert (items["腰鼓"]["threshold"], items["腰鼓"]["status"]) == (8, "collecting")
