"""The reusable list piece, seen through the residents' list: sorting, htmx fragments, stale sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from linli.core.testing import XINGJIAQIAO, resident

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[str]:
    return re.findall(r'href="/people/(\d+)/"', html)


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sorting_by_a_column_both_ways(personas):
    client = _login(personas.district_admin)
    youngest_first = _ids(client.get("/people/", {"sort": "2"}).content.decode())  # column 2: 年龄
    oldest_first = _ids(client.get("/people/", {"sort": "-2"}).content.decode())
    assert youngest_first == list(reversed(oldest_first))
    assert len(youngest_first) == 6


def test_unknown_sort_key_falls_back(personas):
    response = _login(personas.district_admin).get("/people/", {"sort": "birth_date;drop"})
    assert response.status_code == 200 and len(_ids(response.content.decode())) == 6


def test_htmx_request_gets_only_the_table(personas):
    client = _login(personas.district_admin)
    response = client.get("/people/", {"q": "金居民"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-table")
    html = response.content.decode()
    assert "<html" not in html and "<table" in html
    assert set(_ids(html)) == {str(r.pk) for r in personas.jzy_residents}
    assert "HX-Request" in response["Vary"]


def test_stale_fragment_after_logout_sends_the_page_to_login(personas):
    client = _login(personas.district_admin)
    client.post("/accounts/logout/")
    response = client.get("/people/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-table")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert "<table" not in response.content.decode()


def test_pagination_keeps_filters(personas):
    for i in range(55):
        resident(XINGJIAQIAO, f"分页{i}", birth=dt.date(1950, 1, 1) + dt.timedelta(days=i))
    client = _login(personas.xjq_worker)
    html = client.get("/people/", {"q": "分页"}).content.decode()
    assert len(_ids(html)) == 50 and "第 1 / 2 页" in html
    assert "q=%E5%88%86%E9%A1%B5&amp;page=2" in html
    second = client.get("/people/", {"q": "分页", "page": "2"}).content.decode()
    assert len(_ids(second)) == 5
