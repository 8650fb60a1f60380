"""Every view of a household's assistance data writes the access log: detail, list page, API reads."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from linli.assistance import services
from linli.assistance.tests.factories import NOW, make_world
from linli.core.models import AccessLog
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, Api

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


def test_alert_view_log(world):
    alert = world.xjq[1]
    services.alert_view_log(by=world.p.assistance_officer, alert=alert, what="查看预警详情")
    assert rows() == [("xjqaid", "assistance.alert", str(alert.pk), "assistance", "查看预警详情", XINGJIAQIAO)]
    assert AccessLog.objects.get().target_label == "2 自付医疗费用高"


def test_list_log_one_row_per_page_and_area(world):
    services.alert_list_log(by=world.county_officer, area_code=None, what="查看监测预警列表（第 1 页）")
    services.alert_list_log(by=world.county_officer, area_code=JINZHUYUAN, what="导出监测预警")
    assert rows() == [
        ("yubeiaid", "areas.area", "500112", "assistance", "查看监测预警列表（第 1 页）", "500112"),
        ("yubeiaid", "areas.area", JINZHUYUAN, "assistance", "导出监测预警", JINZHUYUAN),
    ]


def test_list_log_outside_the_users_areas_writes_nothing_to_see(world):
    services.alert_list_log(by=world.p.assistance_officer, area_code=JINZHUYUAN, what="查看")
    assert rows() == []


def test_api_reads_write_the_log(world):
    api = Api(world.street_officer)
    alert = world.xjq[0]
    assert api.get("/assistance/alerts", {"page_size": 1}).status_code == 200
    assert api.get(f"/assistance/alerts/{alert.pk}").status_code == 200
    assert rows() == [
        ("renheaid", "areas.area", "500112009", "assistance", "接口查询监测预警列表（第 1 页，1 条）", "500112009"),
        ("renheaid", "assistance.alert", str(alert.pk), "assistance", "接口查看预警详情", XINGJIAQIAO),
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
