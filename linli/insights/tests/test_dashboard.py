"""The dashboard: figures for the selected area only, constant queries."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from linli.core.testing import XINGJIAQIAO, resident

pytestmark = pytest.mark.django_db


def _charts(html: str) -> dict[str, dict]:
    found = re.findall(r'<script id="(chart-[^"]+)-data" type="application/json">(.*?)</script>', html, re.S)
    return {json.loads(body)["title"]: json.loads(body) for _id, body in found}


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_figures_follow_the_visibility_rule(personas):
    resident(XINGJIAQIAO, "独居者", tags=("elder_alone",), birth=dt.date(1938, 1, 1))
    html = _login(personas.renhe_admin).get("/").content.decode()
    charts = _charts(html)
    assert dict(zip(charts["各社区居民人数"]["labels"], charts["各社区居民人数"]["values"], strict=True)) == {"邢家桥社区": 4}
    ages = dict(zip(charts["年龄结构"]["labels"], charts["年龄结构"]["values"], strict=True))
    assert sum(ages.values()) == 4 and ages["80+ 岁"] >= 1
    tags = dict(zip(charts["重点人群标签"]["labels"], charts["重点人群标签"]["values"], strict=True))
    assert tags["独居老人"] == 1


def test_district_admin_sees_both_and_can_narrow(personas):
    client = _login(personas.district_admin)
    counts = _charts(client.get("/").content.decode())["各社区居民人数"]
    assert set(counts["labels"]) == {"邢家桥社区", "金竹苑社区"}
    client.post("/accounts/area/", {"area": "500112022"})
    counts = _charts(client.get("/").content.decode())["各社区居民人数"]
    assert counts["labels"] == ["金竹苑社区"]


def test_residents_are_sent_to_their_pages(personas):
    response = _login(personas.resident_user).get("/")
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert Client().get("/").status_code == 302


def test_dashboard_uses_the_vendored_echarts_only(personas):
    html = _login(personas.xjq_worker).get("/").content.decode()
    assert "/static/vendor/echarts-6.1.0/echarts.common.min.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_dashboard_query_count_is_constant(personas):
    client = _login(personas.district_admin)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(20):
        resident(XINGJIAQIAO, f"多{i}", tags=("party_member",))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many.captured_queries) == len(few.captured_queries)
