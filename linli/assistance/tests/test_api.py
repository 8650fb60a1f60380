"""The API: assistance officers only, each within their areas; filters, detail, home check, runs, overdue."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from linli.assistance.models import Alert, AlertStatus, HomeCheck
from linli.assistance.monitoring.schema import CLASSES, RULES
from linli.assistance.schemas import AlertClass, RuleCode
from linli.assistance.tests.factories import MATRIX, NOW, alert_row, expected, import_rows, make_world, user
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, Api, make_id_number

pytestmark = pytest.mark.django_db
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        yield


@pytest.fixture
def world(personas):
    return make_world(personas)


@pytest.mark.parametrize("who", MATRIX)
def test_every_read_is_scoped(world, who):
    api = Api(user(world, who))
    sees = MATRIX[who]
    paths = ["/assistance/alerts", "/assistance/runs", "/assistance/overdue",
             *(f"/assistance/alerts/{a.pk}" for a in world.xjq + world.jzy)]
    if sees is None:
        # A resident's login has no role at all: the API refuses it before the router does.
        assert {api.get(path).status_code for path in paths} == {403}
        return
    listed = api.get("/assistance/alerts").json()
    assert {item["id"] for item in listed["items"]} == expected(world, who) and listed["count"] == 2 * len(sees)
    for a in world.xjq + world.jzy:
        assert api.get(f"/assistance/alerts/{a.pk}").status_code == (200 if a.pk in expected(world, who) else 404)
    assert [r["id"] for r in api.get("/assistance/runs").json()["items"]] == [world.run.pk]
    overdue = api.get("/assistance/overdue").json()
    assert sorted(r["code"] for r in overdue) == sorted({"xjq": XINGJIAQIAO, "jzy": JINZHUYUAN}[s] for s in sees)


def test_list_items_are_masked_and_flag_overdue(world):
    items = {i["household_key"]: i for i in Api(world.county_officer).get("/assistance/alerts").json()["items"]}
    assert items["2"]["head_name_masked"] == "李*国" and items["2"]["overdue"] is True
    assert items["1"]["overdue"] is False and items["1"]["street"] == "人和街道"
    assert items["4"]["rule_label"] == "定期复核到期" and items["4"]["alert_class_label"] == "到期复核"
    assert items["1"]["as_of"] == "2026-11-20" and "head_name" not in items["1"]


@pytest.mark.parametrize(("params", "keys"), [
    ({"overdue": "true"}, {"2", "4"}),
    ({"overdue": "false"}, {"1", "3"}),
    ({"alert_class": "proactive"}, {"2"}),
    ({"rule": "review_due"}, {"4"}),
    ({"status": "open", "area": JINZHUYUAN}, {"3", "4"}),
    ({"status": "checked"}, set()),
    ({"q": "赵春"}, {"3"}),
    ({"q": "1"}, {"1"}),
])
def test_list_filters(world, params, keys):
    response = Api(world.county_officer).get("/assistance/alerts", params)
    assert {i["household_key"] for i in response.json()["items"]} == keys


@pytest.mark.parametrize("params", [{"rule": "nope"}, {"alert_class": "x"}, {"status": "closed"}, {"page": 0},
                                    {"area": "50x"}, {"page_size": 500}])
def test_bad_filters_are_422(world, params):
    response = Api(world.county_officer).get("/assistance/alerts", params)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_filter_literals_match_the_schema():
    assert set(AlertClass.__args__) == {"", *CLASSES}
    assert set(RuleCode.__args__) == {"", *RULES}


def test_pagination(world):
    import_rows(world.county_officer, XINGJIAQIAO, [alert_row(household_id=100 + i) for i in range(5)])
    page = Api(world.county_officer).get("/assistance/alerts", {"page": 2, "page_size": 3}).json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (9, 2, 3, 3)


def test_detail_has_evidence_deadline_and_full_name(world):
    number = make_id_number(dt.date(1958, 4, 9))
    import_rows(world.p.assistance_officer, XINGJIAQIAO,
                [alert_row(household_id=2, rule="vehicle_registered", head_id_number=number, value=88000.0,
                           threshold=50000.0, event_date=dt.date(2026, 9, 1))])
    alert = world.xjq[1]
    body = Api(world.p.assistance_officer).get(f"/assistance/alerts/{alert.pk}").json()
    assert body["head_name"] == "李建国" and body["deadline"] == "2026-11-10" and body["overdue"] is True
    assert body["evidence"] == {
        "value": "23000.00", "value_label": "近12个月自付医疗费用（元）", "threshold": "20000.00",
        "threshold_label": "预警线（元）", "event_date": None, "income_pc": "1024.50", "members": 2,
        "params_document": "示例参数（非任何地区的正式标准）"}
    assert body["home_check"] is None
    assert [o["rule"] for o in body["other_alerts"]] == ["vehicle_registered"]
    other = Api(world.p.assistance_officer).get(f"/assistance/alerts/{body['other_alerts'][0]['id']}").json()
    assert other["head_id_number_masked"] == number[:6] + "********" + number[-4:]


def test_home_check_through_the_api(world):
    alert = world.xjq[0]
    api = Api(world.p.assistance_officer)
    path = f"/assistance/alerts/{alert.pk}/home-check"
    missing = api.post(path, {"outcome": "referred", "visited_on": str(TODAY), "note": "需转介"})
    assert missing.status_code == 400 and missing.json()["field"] == "referred_to"
    future = api.post(path, {"outcome": "confirmed", "visited_on": "2026-11-21", "note": "已入户"})
    assert future.status_code == 400 and future.json()["field"] == "visited_on"
    assert api.post(path, {"outcome": "maybe", "visited_on": str(TODAY), "note": "x"}).status_code == 422
    ok = api.post(path, {"outcome": "referred", "visited_on": str(TODAY), "note": "需医疗救助",
                         "referred_to": "区医保局"})
    assert ok.status_code == 201
    assert ok.json() | {"recorded_at": None} == {
        "outcome": "referred", "outcome_label": "转介处理", "visited_on": str(TODAY), "note": "需医疗救助",
        "referred_to": "区医保局", "recorded_by": "救助专干", "recorded_at": None}
    again = api.post(path, {"outcome": "cleared", "visited_on": str(TODAY), "note": "再来"})
    assert again.status_code == 409 and "不能重复记录" in again.json()["message"]
    detail = api.get(f"/assistance/alerts/{alert.pk}").json()
    assert detail["status"] == AlertStatus.CHECKED and detail["home_check"]["referred_to"] == "区医保局"


def test_home_check_refused_outside_the_area_and_for_other_roles(world):
    alert = world.xjq[0]
    path = f"/assistance/alerts/{alert.pk}/home-check"
    body = {"outcome": "confirmed", "visited_on": str(TODAY), "note": "已入户"}
    assert Api(world.jzy_officer).post(path, body).status_code == 404
    for who in ("xjq_worker", "renhe_admin", "district_admin"):
        assert Api(getattr(world.p, who)).post(path, body).status_code == 403
    assert Api(world.p.assistance_officer, csrf_header=False).post(path, body).status_code == 403
    assert Api().post(path, body).status_code == 401  # not logged in
    assert HomeCheck.objects.count() == 0 and Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_runs_list(world):
    items = Api(world.county_officer).get("/assistance/runs").json()["items"]
    assert items[0] | {"imported_at": None} == {
        "id": world.run.pk, "run_id": world.run.run_id, "engine": "duckdb", "as_of": "2026-11-20",
        "params_documents": ["示例参数（非任何地区的正式标准）"], "params_example": True, "area_code": "500112",
        "area_name": "渝北区", "alerts_total": 4, "alerts_imported": 4, "alerts_repeated": 0,
        "alerts_out_of_scope": 0, "alerts_covered": 0, "alerts_cleared": 0, "alerts_no_community": 0,
        "deadline_shift": 0, "imported_by": "渝北区救助专干", "imported_at": None}


def test_a_runs_totals_are_only_for_those_holding_its_area(world):
    """The county's import counts the county: a community officer gets nulls, not the county's figures."""
    item = Api(world.p.assistance_officer).get("/assistance/runs").json()["items"][0]
    assert item["id"] == world.run.pk and item["area_name"] == "渝北区"
    assert {k: item[k] for k in ("alerts_total", "alerts_imported", "alerts_repeated", "alerts_out_of_scope",
                                 "alerts_covered", "alerts_cleared", "alerts_no_community")} == dict.fromkeys(
        ("alerts_total", "alerts_imported", "alerts_repeated", "alerts_out_of_scope", "alerts_covered",
         "alerts_cleared", "alerts_no_community"))


def test_overdue_summary(world):
    rows = Api(world.street_officer).get("/assistance/overdue").json()
    assert rows == [{"code": XINGJIAQIAO, "name": "邢家桥社区", "street": "人和街道", "open": 2, "overdue": 1,
                     "escalated": 0}]


def test_errors_are_json_in_the_shared_shape(world):
    response = Api(world.p.assistance_officer).get("/assistance/alerts/999999")
    assert response.status_code == 404 and json.loads(response.content)["code"] == "not_found"


def test_list_query_count_does_not_grow(world, django_assert_max_num_queries):
    api = Api(world.county_officer)
    api.get("/assistance/alerts")  # warm the session
    with django_assert_max_num_queries(12) as small:
        api.get("/assistance/alerts")
    import_rows(world.county_officer, XINGJIAQIAO, [alert_row(household_id=100 + i) for i in range(30)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get("/assistance/alerts")
    assert len(response.json()["items"]) == 34
