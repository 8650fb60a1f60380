"""Every view of a household's assistance data writes the access log: detail, list page (one row per
alert shown), export (one per row), API reads; and the log itself tells its readers nothing of it."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from linli.assistance import services
from linli.assistance.monitoring.schema import RULES
from linli.assistance.tests.factories import NOW, alert_row, import_rows, make_world
from linli.core.models import AccessLog
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, Api, make_id_number, with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        yield


@pytest.fixture
def world(personas):
    return make_world(personas)


def rows() -> list[tuple]:
    return list(AccessLog.objects.order_by("pk").values_list("actor__username", "target_type", "target_id", "field",
                                                               "reason", "area_code"))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_alert_view_log(world):
    alert = world.xjq[1]
    services.alert_view_log(by=world.p.assistance_officer, alert=alert, what="查看预警详情")
    assert rows() == [("xjqaid", "assistance.alert", str(alert.pk), "assistance", "查看预警详情", XINGJIAQIAO)]
    assert AccessLog.objects.get().target_label == f"监测预警 #{alert.pk}"  # no rule, no household


def test_list_log_one_row_per_alert_in_one_statement(world, django_assert_num_queries):
    shown = [(a.pk, a.area_id, a.area.name) for a in world.xjq + world.jzy]
    with django_assert_num_queries(1):
        assert services.alert_list_log(by=world.county_officer, shown=shown, what="查看预警列表") == 4
    assert rows() == [("yubeiaid", "assistance.alert", str(a.pk), "assistance", "查看预警列表", a.area_id)
                      for a in world.xjq + world.jzy]
    assert list(AccessLog.objects.order_by("pk").values_list("target_label", flat=True)) == [
        "邢家桥社区", "邢家桥社区", "金竹苑社区", "金竹苑社区"]


def test_the_list_page_logs_each_alert_it_shows(world):
    officer = world.street_officer
    assert _client(officer).get("/assistance/", {"q": "李建国"}).status_code == 200
    assert rows() == [("renheaid", "assistance.alert", str(world.xjq[1].pk), "assistance",
                       "查看预警列表（按关键词搜索）", XINGJIAQIAO)]
    AccessLog.objects.all().delete()
    assert _client(world.county_officer).get("/assistance/", {"area": JINZHUYUAN}).status_code == 200
    assert {(r[2], r[4]) for r in rows()} == {(str(a.pk), "查看预警列表") for a in world.jzy}


def test_the_export_logs_every_row_exported(world):
    import_rows(world.county_officer, XINGJIAQIAO, [alert_row(household_id=100 + i) for i in range(60)])
    response = _client(world.county_officer).get("/assistance/", {"export": "xlsx"})
    assert response.status_code == 200
    logged = rows()
    assert len(logged) == 64 and {r[4] for r in logged} == {"导出预警列表"}
    assert len({r[2] for r in logged}) == 64


def test_the_list_page_log_costs_one_query_however_many_rows(world, django_assert_max_num_queries):
    client = _client(world.county_officer)
    client.get("/assistance/")  # warm the session
    with django_assert_max_num_queries(30) as few:
        client.get("/assistance/")
    import_rows(world.county_officer, XINGJIAQIAO, [alert_row(household_id=100 + i) for i in range(30)])
    AccessLog.objects.all().delete()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/assistance/")
    assert AccessLog.objects.count() == 34


def test_api_reads_write_the_log(world):
    api = Api(world.street_officer)
    alert = world.xjq[0]
    first = api.get("/assistance/alerts", {"page_size": 1}).json()["items"][0]["id"]
    assert api.get(f"/assistance/alerts/{alert.pk}").status_code == 200
    assert api.get("/assistance/alerts", {"q": "王秀兰"}).status_code == 200
    assert rows() == [
        ("renheaid", "assistance.alert", str(first), "assistance", "接口查询预警列表", XINGJIAQIAO),
        ("renheaid", "assistance.alert", str(alert.pk), "assistance", "接口查看预警详情", XINGJIAQIAO),
        ("renheaid", "assistance.alert", str(alert.pk), "assistance", "接口查询预警列表（按关键词搜索）", XINGJIAQIAO),
    ]


def test_refused_reads_write_nothing(world):
    Api(world.jzy_officer).get(f"/assistance/alerts/{world.xjq[0].pk}")  # 404: not theirs
    Api(world.p.xjq_worker).get("/assistance/alerts")  # 403: not an assistance role
    Api(world.p.xjq_worker).get(f"/assistance/alerts/{world.xjq[0].pk}")
    assert rows() == []


def test_runs_and_overdue_counts_are_not_household_data(world):
    api = Api(world.county_officer)
    api.get("/assistance/runs")
    api.get("/assistance/overdue")
    assert rows() == []


def test_a_refused_home_check_form_still_writes_its_log(world):
    """The form comes back (400) with the household on it: that view is logged though the write rolled back."""
    officer = world.p.assistance_officer
    alert = world.xjq[0]
    response = _client(officer).post(f"/assistance/alerts/{alert.pk}/check/", with_token(officer, {
        "outcome": "referred", "visited_on": NOW.date().isoformat(), "note": "需转介", "referred_to": ""}))
    assert response.status_code == 400 and "王秀兰" in response.content.decode()
    assert rows() == [("xjqaid", "assistance.alert", str(alert.pk), "assistance", "查看预警详情", XINGJIAQIAO)]


def test_the_access_log_page_tells_its_readers_nothing_of_the_households(world):
    number = make_id_number(__import__("datetime").date(1961, 3, 4))
    import_rows(world.county_officer, XINGJIAQIAO, [alert_row(household_id=77, head_name="孙淑芬",
                                                              head_id_number=number, rule="vehicle_registered")])
    officer = world.county_officer
    client = _client(officer)
    client.get("/assistance/", {"q": "孙淑芬"})
    client.get("/assistance/", {"q": number})
    client.get("/assistance/", {"rule": "vehicle_registered", "export": "xlsx"})
    for alert in world.xjq:
        client.get(f"/assistance/alerts/{alert.pk}/")
    Api(officer).get("/assistance/alerts", {"q": "王秀兰"})
    assert AccessLog.objects.count() >= 6
    body = _client(world.p.district_admin).get("/access-log/").content.decode()
    assert "按关键词搜索" in body and "查看预警详情" in body and "邢家桥社区" in body
    for secret in ("孙淑芬", "孙*芬", "王秀兰", "李建国", number, number[-4:], "77 "):
        assert secret not in body, secret
    for _klass, title in RULES.values():
        assert title not in body, title
