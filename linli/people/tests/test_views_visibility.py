"""The visibility rule over every resident page and the export: zero leaks, for every persona."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from linli.core.testing import with_token

pytestmark = pytest.mark.django_db

# persona -> which communities' residents it may see ("xjq", "jzy"); None = no back office at all.
MATRIX = {
    "xjq_worker": {"xjq"},
    "jzy_worker": {"jzy"},
    "renhe_admin": {"xjq"},
    "district_admin": {"xjq", "jzy"},
    "xjq_grid_worker": {"xjq-grid"},
    "assistance_officer": {"xjq"},
    "outsider": None,
    "resident_user": None,
    "anonymous": None,
}


def _client(personas, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(personas, who))
    return client


def _expected(personas, who: str) -> set[int]:
    sees = MATRIX[who] or set()
    ids: set[int] = set()
    if "xjq" in sees:
        ids |= {r.pk for r in personas.xjq_residents}
    if "xjq-grid" in sees:
        ids |= {personas.xjq_residents[0].pk}  # the only one registered in the grid
    if "jzy" in sees:
        ids |= {r.pk for r in personas.jzy_residents}
    return ids


def _all(personas):
    return personas.xjq_residents + personas.jzy_residents


@pytest.mark.parametrize("who", MATRIX)
def test_list_shows_exactly_the_visible_residents(personas, who):
    response = _client(personas, who).get("/people/")
    if MATRIX[who] is None:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    html = response.content.decode()
    for r in _all(personas):
        link = f'href="/people/{r.pk}/"'
        assert (link in html) == (r.pk in _expected(personas, who)), (who, r.name)


@pytest.mark.parametrize("who", MATRIX)
def test_detail_pages_open_only_for_visible_residents(personas, who):
    client = _client(personas, who)
    for r in _all(personas):
        for suffix in ("", "edit/"):
            response = client.get(f"/people/{r.pk}/{suffix}")
            if MATRIX[who] is None:
                assert response.status_code in (302, 403)
            elif r.pk in _expected(personas, who) and (suffix == "" or who != "assistance_officer"):
                assert response.status_code == 200, (who, r.name, suffix)
            else:
                assert response.status_code in (403, 404), (who, r.name, suffix)
                assert r.name not in response.content.decode()


@pytest.mark.parametrize("who", MATRIX)
def test_export_contains_exactly_the_visible_residents(personas, who):
    response = _client(personas, who).get("/people/?export=xlsx")
    if MATRIX[who] is None:
        assert response.status_code in (302, 403)
        return
    if who in ("xjq_grid_worker", "assistance_officer"):  # roles without the export permission
        assert response.status_code == 403
        return
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = {r.name for r in _all(personas) if r.pk in _expected(personas, who)}
    assert names == expected
    for r in _all(personas):  # masked, always
        assert r.id_number not in response.content.decode("latin-1")


@pytest.mark.parametrize("who", ["xjq_worker", "renhe_admin", "xjq_grid_worker", "jzy_worker"])
def test_writes_to_another_communitys_resident_are_refused(personas, who):
    client = _client(personas, who)
    target = personas.jzy_residents[1] if who != "jzy_worker" else personas.xjq_residents[1]
    posts = {
        "move/": {"area": target.area_id, "address": "x"},
        "archive/": {"reason": "测试"},
        "reveal/": {"field": "id_number", "reason": "测试事由"},
        "proxies/": {"agent_phone": "13911112222", "agent_name": "某人", "relation": "family", "scopes": ["enroll"]},
        "household/": {},
    }
    for suffix, data in posts.items():
        response = client.post(f"/people/{target.pk}/{suffix}", with_token(getattr(personas, who), data))
        assert response.status_code in (403, 404), (who, suffix)
    target.refresh_from_db()
    assert target.archived_at is None
    from linli.core.models import AccessLog
    from linli.people.models import ProxyBinding

    assert not AccessLog.objects.exists()
    assert not ProxyBinding.objects.filter(principal=target).exists()


def test_area_switcher_narrows_and_cannot_widen(personas):
    client = _client(personas, "district_admin")
    client.post("/accounts/area/", {"area": "500112022", "next": "/people/"})
    html = client.get("/people/").content.decode()
    assert all(f'href="/people/{r.pk}/"' in html for r in personas.jzy_residents)
    assert not any(f'href="/people/{r.pk}/"' in html for r in personas.xjq_residents)
    # A worker cannot switch into an area they do not hold.
    worker = _client(personas, "xjq_worker")
    response = worker.post("/accounts/area/", {"area": "500112022006", "next": "/people/"}, follow=True)
    html = response.content.decode()
    assert "您没有该地区的角色" in html
    assert not any(f'href="/people/{r.pk}/"' in html for r in personas.jzy_residents)


def test_area_pages_follow_the_rule(personas):
    client = _client(personas, "xjq_worker")
    assert client.get("/areas/500112009011/").status_code == 200
    assert client.get("/areas/500112022006/").status_code == 404
    assert client.get("/areas/500112009/").status_code == 404  # the street is above the worker
