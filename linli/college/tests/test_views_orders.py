"""The class-order pages: the ranked list, its filters and export, the detail, opening a class,
dismissing and restoring, and the threshold settings."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from linli.college.models import ClassOrder, Club, CollegeSettings, Course, OrderStatus
from linli.college.services import orders as services
from linli.college.tests.interest import answer, make_interest_survey
from linli.college.tests.orders_kit import FROZEN, crowd, orders_from
from linli.college.tests.parts import teacher, venue
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, with_token

pytestmark = pytest.mark.django_db

HEADERS = ["课程", "社区", "想学人数", "开班门槛", "状态", "进展", "主要年龄段", "大家方便的时间", "来自问卷"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def orders(personas):
    """邢家桥: 绘画 8 (reached), 快板 5, 象棋 3; 金竹苑: 腰鼓 2."""
    xjq = orders_from(personas.district_admin, {"绘画": 8, "快板": 5, "象棋": 3})
    jzy = orders_from(personas.district_admin, {"腰鼓": 2}, area=JINZHUYUAN)
    return {**xjq, **jzy}


def _subjects(html: str) -> list[str]:
    """The classes in the list's order (the subject column links to the detail)."""
    return re.findall(r'<td><a href="/college/orders/\d+/">([^<]+)</a></td>', html)


def _match(pattern: str, html: str) -> str:
    m = re.search(pattern, html, re.S)
    assert m is not None, pattern
    return m.group(1)


def _field_error(html: str, field: str) -> str:
    """The error text shown under a form field ('' if none)."""
    m = re.search(rf'<div class="form-row has-error">\s*<label for="id_{field}">.*?<ul class="errorlist">(.*?)</ul>',
                  html, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)) if m else ""


# --- the list ---------------------------------------------------------------------------------


def test_the_list_ranks_classes_by_demand_with_threshold_status_and_progress(personas, orders):
    response = _client(personas.xjq_worker).get("/college/orders/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _subjects(html) == ["绘画", "快板", "象棋"]
    row = _match(r"<tr><td><a[^>]*>绘画</a></td>(.*?)</tr>", html)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[:5] == ["邢家桥社区", "8", "8", "人数已满足",
                         "缺老师（师资库中没有会“绘画”的老师）；缺场地（没有具备桌椅、能容纳 8 人的场地）"]
    assert cells[5] == "70–79岁（8）"
    assert "周二上午（8）" in cells[6]
    row = _match(r"<tr><td><a[^>]*>象棋</a></td>(.*?)</tr>", html)
    assert "征集中" in row and "还差 5 人" in row
    assert 'href="/college/settings/"' in html  # the manager's button to the threshold


def test_the_list_filters_by_status_community_and_name(personas, orders):
    client = _client(personas.district_admin)
    assert _subjects(client.get("/college/orders/").content.decode()) == ["绘画", "快板", "象棋", "腰鼓"]
    assert _subjects(client.get("/college/orders/", {"status": "reached"}).content.decode()) == ["绘画"]
    assert _subjects(client.get("/college/orders/", {"status": "collecting"}).content.decode()) == [
        "快板", "象棋", "腰鼓"]
    assert _subjects(client.get("/college/orders/", {"community": JINZHUYUAN}).content.decode()) == ["腰鼓"]
    assert _subjects(client.get("/college/orders/", {"community": XINGJIAQIAO, "q": "棋"}).content.decode()) == [
        "象棋"]
    assert _subjects(client.get("/college/orders/", {"q": "钢琴"}).content.decode()) == []
    # A status that does not exist is a filter error, not a silent "everything".
    html = client.get("/college/orders/", {"status": "bogus"}).content.decode()
    assert "筛选条件有误" in html


def test_the_list_sorts_by_a_column_on_request(personas, orders):
    html = _client(personas.xjq_worker).get("/college/orders/", {"sort": "0"}).content.decode()
    assert _subjects(html) == sorted(["绘画", "快板", "象棋"])


def test_the_htmx_request_gets_the_table_alone(personas, orders):
    response = _client(personas.xjq_worker).get(
        "/college/orders/", {"status": "collecting"}, headers={"HX-Request": "true", "HX-Target": "list-table"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="list-filters"' not in html
    assert _subjects(html) == ["快板", "象棋"]
    assert '<span class="muted" id="list-count">共 2 条</span>' in html
    assert "export=xlsx" in html and "status=collecting" in html  # the export follows the filters
    assert "HX-Request" in response["Vary"]


def test_the_export_has_the_header_row_and_the_ranked_rows(personas, orders):
    response = _client(personas.xjq_worker).get("/college/orders/", {"export": "xlsx", "status": "collecting"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows[1:]] == [
        ("快板", "邢家桥社区", 5, 8, "征集中"), ("象棋", "邢家桥社区", 3, 8, "征集中")]
    assert rows[1][7] == "周二上午（5）"  # the chips, joined


def test_an_empty_list_says_how_orders_come_about(personas):
    html = _client(personas.xjq_worker).get("/college/orders/").content.decode()
    assert "还没有兴趣订单" in html and "社区学院兴趣调查" in html


# --- the detail -------------------------------------------------------------------------------


@pytest.fixture
def painting(personas):
    """绘画 wanted by 8 residents of 邢家桥: all on Tuesday morning, 3 of them on Saturday evening too;
    one 60-something among seven in their seventies."""
    survey = make_interest_survey(personas.district_admin)
    people = crowd(7) + crowd(1, birth=dt.date(1960, 6, 1))
    for i, who in enumerate(people):
        answer(survey, who, ["绘画"], ["2-am", "6-eve"] if i < 3 else ["2-am"])
    services.orders_refresh(survey=survey, community_code=XINGJIAQIAO)
    return ClassOrder.objects.get(survey=survey, subject="绘画")


@pytest.fixture
def pool(personas):
    """Who and where could teach 绘画 in 邢家桥, and who and what could not."""
    return {
        "teacher": teacher(personas, name="冯小玲", skills=["绘画", "书法"]),
        "other_teacher": teacher(personas, name="太极老师", skills=["太极拳"]),
        "venue": venue(personas, name="街边门市", capacity=12, features=["tables"]),
        "yard": venue(personas, name="小区坝坝", capacity=40, features=["open_air"]),
        "tiny": venue(personas, name="小书房", capacity=4, features=["tables"]),
    }


def _grid(html: str, day: str) -> list[str]:
    row = _match(rf"<tr><th>{day}</th>(.*?)</tr>", html)
    return re.findall(r"<td[^>]*>(\d*)</td>", row)


def test_the_detail_shows_the_figures_the_slot_grid_and_the_candidates(personas, painting, pool):
    html = _client(personas.xjq_worker).get(f"/college/orders/{painting.pk}/").content.decode()
    assert re.search(r'id="order-demand">8 人<', html)
    assert re.search(r"开班门槛</div><div class=\"stat-value\">8 人<", html)
    assert "可以开班" in html
    assert _grid(html, "周二") == ["8", "", ""]
    assert _grid(html, "周六") == ["", "", "3"]
    assert _grid(html, "周一") == ["", "", ""]
    assert "<td>70–79岁</td><td>7 人</td>" in html and "<td>60–69岁</td><td>1 人</td>" in html
    teachers = html.split("可以请的老师")[1].split("合适的场地")[0]
    assert "冯小玲" in teachers and "太极老师" not in teachers
    venues = html.split("合适的场地")[1].split("</div>\n<div")[0]
    assert "街边门市" in venues and "小区坝坝" not in venues and "小书房" not in venues
    assert f'action="/college/orders/{painting.pk}/open/"' in html
    # The open form proposes the matching teacher and venue, and the demand as the capacity.
    form = html.split(f'action="/college/orders/{painting.pk}/open/"')[1].split("</form>")[0]
    assert re.search(rf'<option value="{pool["teacher"].pk}" selected>冯小玲', form)
    assert re.search(rf'<option value="{pool["venue"].pk}" selected>街边门市', form)
    assert 'name="capacity" value="8"' in form


def test_the_detail_says_what_is_missing_without_teacher_or_venue(personas, painting):
    html = _client(personas.xjq_worker).get(f"/college/orders/{painting.pk}/").content.decode()
    assert "缺老师（师资库中没有会“绘画”的老师）；缺场地（没有具备桌椅、能容纳 8 人的场地）" in html
    assert "师资库中还没有会“绘画”的老师" in html and "没有合适的场地" in html


def test_the_open_form_is_only_for_managers_and_only_once_reached(personas, orders, pool):
    reached, collecting = orders["绘画"], orders["象棋"]
    manager = _client(personas.xjq_worker)
    assert "确认开班" in manager.get(f"/college/orders/{reached.pk}/").content.decode()
    html = manager.get(f"/college/orders/{collecting.pk}/").content.decode()
    assert "确认开班" not in html and "想学的人数到达门槛后即可开班" in html and "还差 5 人" in html
    assert "标记为暂不开设" in html

    grid = _client(personas.xjq_grid_worker).get(f"/college/orders/{reached.pk}/")
    assert grid.status_code == 200
    html = grid.content.decode()
    assert "8 人" in html and "确认开班" not in html and "标记为暂不开设" not in html
    assert 'action="/college/orders/' not in html


# --- opening a class through the page ---------------------------------------------------------


def _open_data(pool, **over) -> dict:
    data = {"title": "绘画", "club": "", "club_name": "", "teacher": str(pool["teacher"].pk),
            "venue": str(pool["venue"].pk), "term": "2026年秋季", "capacity": "10", "sessions_per_week": "1",
            "session_minutes": "90", "starts_on": "2026-12-09", "ends_on": "2027-03-31"}
    return data | over


def test_opening_through_the_page_makes_the_course_and_redirects(personas, painting, pool):
    client = _client(personas.xjq_worker)
    response = client.post(f"/college/orders/{painting.pk}/open/", with_token(personas.xjq_worker, _open_data(pool)))
    assert response.status_code == 302 and response["Location"] == f"/college/orders/{painting.pk}/"
    course = Course.objects.get()
    assert (course.title, course.teacher, course.venue, course.capacity, course.order, course.area_id) == (
        "绘画", pool["teacher"], pool["venue"], 10, painting, XINGJIAQIAO)
    assert (course.club.name, course.club.alliance.name) == ("绘画班", "艺术")
    assert (course.starts_on, course.ends_on, course.needed_features) == (
        dt.date(2026, 12, 9), dt.date(2027, 3, 31), ["tables"])
    painting.refresh_from_db()
    assert painting.status == OrderStatus.OPENED
    html = client.get(response["Location"]).content.decode()
    assert "已开班" in html and "“绘画”已开班" in html and "已开的班" in html and "确认开班" not in html
    assert AuditEntry.objects.filter(action="college.order_open", target_id=str(painting.pk)).count() == 1


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"teacher": ""}, "teacher", "没有老师不能开班"),
    ({"capacity": "0"}, "capacity", "1"),
    ({"ends_on": "2026-12-01"}, "ends_on", "不能早于开课日期（2026-12-09）"),
    ({"capacity": "20"}, "venue", "只能容纳 12 人，少于课程名额 20 人"),
    ({"venue": "yard"}, "venue", "缺少：桌椅"),
    ({"teacher": "999999"}, "teacher", "999999"),
])
def test_bad_input_shows_the_field_error_and_changes_nothing(personas, painting, pool, over, field, message):
    if over.get("venue") == "yard":
        over = {"venue": str(pool["yard"].pk)}
    response = _client(personas.xjq_worker).post(f"/college/orders/{painting.pk}/open/",
                                                 with_token(personas.xjq_worker, _open_data(pool, **over)))
    assert response.status_code == 400
    error = _field_error(response.content.decode(), field)
    assert message in error, (field, error)
    assert not Course.objects.exists() and not Club.objects.exists()
    painting.refresh_from_db()
    assert painting.status == OrderStatus.REACHED
    assert not AuditEntry.objects.filter(action="college.order_open").exists()


def test_a_double_submit_opens_the_class_once(personas, painting, pool):
    client = _client(personas.xjq_worker)
    data = with_token(personas.xjq_worker, _open_data(pool))
    first = client.post(f"/college/orders/{painting.pk}/open/", data)
    second = client.post(f"/college/orders/{painting.pk}/open/", data)
    assert first.status_code == 302 and second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Course.objects.count() == 1 and Club.objects.count() == 1
    html = client.get(second["Location"]).content.decode()
    assert "这张表单已经提交过了，没有重复保存" in html


def test_an_opened_order_cannot_be_opened_again_with_a_new_form(personas, painting, pool):
    client = _client(personas.xjq_worker)
    client.post(f"/college/orders/{painting.pk}/open/", with_token(personas.xjq_worker, _open_data(pool)))
    again = client.post(f"/college/orders/{painting.pk}/open/", with_token(personas.xjq_worker, _open_data(pool)))
    assert again.status_code == 400
    assert "“绘画”已经开班" in again.content.decode()
    assert Course.objects.count() == 1


def test_an_order_below_the_threshold_cannot_be_opened_by_posting_anyway(personas, orders, pool):
    chess = orders["象棋"]
    response = _client(personas.xjq_worker).post(
        f"/college/orders/{chess.pk}/open/", with_token(personas.xjq_worker, _open_data(pool, title="象棋")))
    assert response.status_code == 400
    assert "想学“象棋”的居民有 3 人，还差 5 人才到开班门槛（8 人）" in response.content.decode()
    assert not Course.objects.exists() and not Club.objects.exists()


def test_opening_into_an_existing_club(personas, painting, pool):
    from linli.college.tests.parts import club

    existing = club(personas, name="丹青社")
    response = _client(personas.xjq_worker).post(
        f"/college/orders/{painting.pk}/open/",
        with_token(personas.xjq_worker, _open_data(pool, club=str(existing.pk), title="周二国画")))
    assert response.status_code == 302
    course = Course.objects.get()
    assert (course.club, course.title) == (existing, "周二国画")
    assert Club.objects.count() == 1


# --- dismissing and restoring ----------------------------------------------------------------


def test_dismiss_with_a_reason_then_restore(personas, painting):
    client = _client(personas.xjq_worker)
    url = f"/college/orders/{painting.pk}/dismiss/"
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 400
    assert "这个字段是必填项" in _field_error(empty.content.decode(), "reason")
    painting.refresh_from_db()
    assert painting.status == OrderStatus.REACHED

    response = client.post(url, {"reason": "暂时找不到老师，下学期再开"})
    assert response.status_code == 302
    painting.refresh_from_db()
    assert (painting.status, painting.note) == (OrderStatus.DISMISSED, "暂时找不到老师，下学期再开")
    html = client.get(f"/college/orders/{painting.pk}/").content.decode()
    assert "暂不开设：暂时找不到老师，下学期再开" in html and "恢复征集" in html and "确认开班" not in html

    assert client.post(url, {"restore": "1"}).status_code == 302
    painting.refresh_from_db()
    assert (painting.status, painting.note) == (OrderStatus.REACHED, "")
    actions = list(AuditEntry.objects.filter(target_id=str(painting.pk), action__startswith="college.order")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["college.order_dismiss", "college.order_restore"]


def test_an_opened_order_cannot_be_dismissed(personas, painting, pool):
    client = _client(personas.xjq_worker)
    client.post(f"/college/orders/{painting.pk}/open/", with_token(personas.xjq_worker, _open_data(pool)))
    response = client.post(f"/college/orders/{painting.pk}/dismiss/", {"reason": "不办了"})
    assert response.status_code == 400
    painting.refresh_from_db()
    assert painting.status == OrderStatus.OPENED


# --- the threshold settings --------------------------------------------------------------------


def test_the_settings_page_lists_the_communities_thresholds(personas):
    services.threshold_set(by=personas.jzy_worker, area_code=JINZHUYUAN, threshold=5)
    html = _client(personas.district_admin).get("/college/settings/").content.decode()
    assert "<td>邢家桥社区</td><td>8 人</td>" in html and "<td>金竹苑社区</td><td>5 人</td>" in html
    html = _client(personas.xjq_worker).get("/college/settings/").content.decode()
    assert "<td>邢家桥社区</td><td>8 人</td>" in html and "金竹苑社区" not in html


@pytest.mark.parametrize(("value", "message"), [("0", "至少为 1 人"), ("-2", "至少为 1 人"),
                                                ("501", "不能超过 500 人")])
def test_a_threshold_out_of_range_is_refused_at_the_field(personas, orders, value, message):
    response = _client(personas.xjq_worker).post("/college/settings/", {"area": XINGJIAQIAO, "threshold": value})
    assert response.status_code == 400
    assert message in _field_error(response.content.decode(), "threshold")
    assert CollegeSettings.objects.get(area_id=XINGJIAQIAO).order_threshold == 8
    assert ClassOrder.objects.get(pk=orders["绘画"].pk).status == OrderStatus.REACHED


def test_a_saved_threshold_changes_the_orders_statuses(personas, orders):
    client = _client(personas.xjq_worker)
    response = client.post("/college/settings/", {"area": XINGJIAQIAO, "threshold": "3"})
    assert response.status_code == 302 and response["Location"] == "/college/settings/"
    assert CollegeSettings.objects.get(area_id=XINGJIAQIAO).order_threshold == 3
    status = dict(ClassOrder.objects.values_list("subject", "status"))
    assert status == {"绘画": "reached", "快板": "reached", "象棋": "reached", "腰鼓": "collecting"}
    assert "开班门槛已保存" in client.get("/college/settings/").content.decode()

    client.post("/college/settings/", {"area": XINGJIAQIAO, "threshold": "6"})
    status = dict(ClassOrder.objects.values_list("subject", "status"))
    assert status == {"绘画": "reached", "快板": "collecting", "象棋": "collecting", "腰鼓": "collecting"}
    html = client.get("/college/orders/").content.decode()
    assert "还差 1 人" in html  # 快板: 5 of 6


def test_a_worker_cannot_set_another_communitys_threshold_through_the_form(personas):
    response = _client(personas.xjq_worker).post("/college/settings/", {"area": JINZHUYUAN, "threshold": "3"})
    assert response.status_code == 400  # not among the form's choices
    assert _field_error(response.content.decode(), "area")
    assert not CollegeSettings.objects.exists()
