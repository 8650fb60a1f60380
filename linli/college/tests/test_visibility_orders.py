"""Who sees and who handles which class orders, on every page and endpoint, and query counts that
do not grow with the number of orders.

The world: orders in 邢家桥 (绘画 reached, 象棋 collecting), in its street's other community
人和二社区 (快板 reached) and in 金竹苑 of another street (腰鼓 reached).
"""

from __future__ import annotations

import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from linli.accounts.web import SESSION_AREA
from linli.college.models import ClassOrder, CollegeSettings, Course, OrderStatus
from linli.college.selectors import orders as selectors
from linli.college.tests.orders_kit import FROZEN, orders_from
from linli.college.tests.parts import SIBLING, sibling_community, teacher, venue
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID, Api, with_token

pytestmark = pytest.mark.django_db

# persona -> the communities' orders it sees; an int: the status of every page and endpoint.
SEES: dict[str, set[str] | int] = {
    "xjq_worker": {"xjq"},
    "xjq_grid_worker": {"xjq"},
    "jzy_worker": {"jzy"},
    "renhe_admin": {"xjq", "sib"},
    "district_admin": {"xjq", "sib", "jzy"},
    "assistance_officer": 403,
    "outsider": 403,
    "resident_user": 403,
    "anonymous": 302,
}
MANAGES = {"xjq_worker": {"xjq"}, "jzy_worker": {"jzy"}, "renhe_admin": {"xjq", "sib"},
           "district_admin": {"xjq", "sib", "jzy"}}
TAG = {XINGJIAQIAO: "xjq", SIBLING: "sib", JINZHUYUAN: "jzy"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def world(personas):
    sibling_community()
    orders = {
        **orders_from(personas.district_admin, {"绘画": 8, "象棋": 3}),
        **orders_from(personas.district_admin, {"快板": 8}, area=SIBLING),
        **orders_from(personas.district_admin, {"腰鼓": 8}, area=JINZHUYUAN),
    }
    return orders


def _client(personas, who) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(personas, who))
    return client


def _api(personas, who) -> Api:
    return Api(None if who == "anonymous" else getattr(personas, who))


def _seen(world, who) -> set[str]:
    sees = SEES[who]
    assert isinstance(sees, set)
    return {s for s, o in world.items() if TAG[o.area_id] in sees}


def _managed(order, who) -> bool:
    return TAG[order.area_id] in MANAGES.get(who, set())


def _refused(who) -> int | None:
    sees = SEES[who]
    return sees if isinstance(sees, int) else None


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", SEES)
def test_the_list_shows_exactly_the_personas_orders(personas, world, who):
    response = _client(personas, who).get("/college/orders/")
    if _refused(who):
        assert response.status_code == _refused(who)
        assert "绘画" not in response.content.decode()
        return
    assert response.status_code == 200
    html = response.content.decode()
    shown = {s for s, o in world.items() if f'href="/college/orders/{o.pk}/"' in html}
    assert shown == _seen(world, who)


@pytest.mark.parametrize("who", SEES)
def test_the_export_holds_exactly_the_personas_orders(personas, world, who):
    response = _client(personas, who).get("/college/orders/", {"export": "xlsx"})
    if _refused(who):
        assert response.status_code == _refused(who)
        return
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == _seen(world, who)


@pytest.mark.parametrize("who", SEES)
def test_the_detail_opens_only_for_visible_orders(personas, world, who):
    client = _client(personas, who)
    for subject, order in world.items():
        response = client.get(f"/college/orders/{order.pk}/")
        if who in ("outsider", "resident_user", "anonymous"):
            assert response.status_code == _refused(who)
        elif who == "assistance_officer":  # a staff member without the college: as for a stranger's record
            assert response.status_code == 404
        elif subject in _seen(world, who):
            assert response.status_code == 200, (who, subject)
            assert subject in response.content.decode()
        else:
            assert response.status_code == 404, (who, subject)
        if response.status_code != 200:
            assert subject not in response.content.decode()


def _expected(world, who, subject) -> int:
    """The status of a write on ``subject``'s order by ``who`` (before the write's own checks)."""
    if who in ("outsider", "resident_user"):
        return 403
    if who == "anonymous":
        return 302
    if who == "assistance_officer" or subject not in _seen(world, who):
        return 404
    return 0 if _managed(world[subject], who) else 403


@pytest.mark.parametrize("who", SEES)
def test_dismiss_and_restore_only_by_those_who_manage(personas, world, who):
    client = _client(personas, who)
    for subject, order in world.items():
        expected = _expected(world, who, subject)
        response = client.post(f"/college/orders/{order.pk}/dismiss/", {"reason": "暂时请不到老师"})
        order.refresh_from_db()
        if expected:
            assert response.status_code == expected, (who, subject)
            assert order.status != OrderStatus.DISMISSED
            # Refused before the form: an empty reason is refused the same way, not with a form error.
            assert client.post(f"/college/orders/{order.pk}/dismiss/", {"reason": ""}).status_code == expected
            assert client.post(f"/college/orders/{order.pk}/dismiss/", {"restore": "1"}).status_code == expected
        else:
            assert response.status_code == 302, (who, subject)
            assert order.status == OrderStatus.DISMISSED
            assert client.post(f"/college/orders/{order.pk}/dismiss/", {"restore": "1"}).status_code == 302
            order.refresh_from_db()
            assert order.status != OrderStatus.DISMISSED


@pytest.mark.parametrize("who", SEES)
def test_open_through_the_page_only_by_those_who_manage(personas, world, who):
    client = _client(personas, who)
    user = None if who == "anonymous" else getattr(personas, who)
    painting = world["绘画"]
    expected = _expected(world, who, "绘画")
    pool_teacher = teacher(personas, name="冯小玲", skills=["绘画"])
    pool_venue = venue(personas, name="街边门市", capacity=12, features=["tables"])
    data = {"title": "绘画", "teacher": str(pool_teacher.pk), "venue": str(pool_venue.pk), "term": "2026年秋季",
            "capacity": "10", "sessions_per_week": "1", "session_minutes": "90", "starts_on": "2026-12-09",
            "ends_on": "2027-03-31"}
    response = client.post(f"/college/orders/{painting.pk}/open/", with_token(user, data))
    if expected:
        assert response.status_code == expected
        assert not Course.objects.exists()
        # Refused before the form is read: an incomplete form gets the same answer.
        assert client.post(f"/college/orders/{painting.pk}/open/", with_token(user, {})).status_code == expected
    else:
        assert response.status_code == 302
        assert Course.objects.get().order == painting
    for subject in ("快板", "腰鼓"):  # another community's order, with 邢家桥's teacher and venue
        order = world[subject]
        response = client.post(f"/college/orders/{order.pk}/open/", with_token(user, data | {"title": subject}))
        exp = _expected(world, who, subject)
        assert response.status_code == (exp or 400), (who, subject)
        assert not Course.objects.filter(order=order).exists()


@pytest.mark.parametrize("who", SEES)
def test_the_settings_page_only_for_those_who_manage(personas, world, who):
    client = _client(personas, who)
    response = client.get("/college/settings/")
    if who not in MANAGES:
        expected = 302 if who == "anonymous" else 403
        assert response.status_code == expected
        assert client.post("/college/settings/", {"area": XINGJIAQIAO, "threshold": "2"}).status_code == expected
        assert CollegeSettings.objects.get(area_id=XINGJIAQIAO).order_threshold == 8
        return
    assert response.status_code == 200
    html = response.content.decode()
    names = {"xjq": "邢家桥社区", "sib": "人和二社区", "jzy": "金竹苑社区"}
    for tag, name in names.items():
        assert (f"<td>{name}</td>" in html) == (tag in MANAGES[who]), (who, name)
    for code, tag in TAG.items():
        response = client.post("/college/settings/", {"area": code, "threshold": "2"})
        changed = CollegeSettings.objects.get(area_id=code).order_threshold == 2
        assert changed == (tag in MANAGES[who]), (who, code)
        assert response.status_code == (302 if changed else 400)


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", SEES)
def test_every_endpoint_answers_by_the_same_rule(personas, world, who):
    api = _api(personas, who)
    listing = api.get("/college/orders", {"page_size": 200})
    refused = {"anonymous": 401, "outsider": 403, "resident_user": 403, "assistance_officer": 403}
    if who in refused:
        assert listing.status_code == refused[who]
        assert "绘画" not in listing.content.decode()
    else:
        assert listing.status_code == 200
        assert {i["subject"] for i in listing.json()["items"]} == _seen(world, who)
        assert listing.json()["count"] == len(_seen(world, who))
    for subject, order in world.items():
        detail = api.get(f"/college/orders/{order.pk}")
        opened = api.post(f"/college/orders/{order.pk}/open", {"term": "2026年秋季", "capacity": 10,
                                                              "starts_on": "2026-12-09", "ends_on": "2027-03-31"})
        if who in ("anonymous", "outsider", "resident_user"):
            assert (detail.status_code, opened.status_code) == (refused[who], refused[who])
        elif who == "assistance_officer" or subject not in _seen(world, who):
            assert (detail.status_code, opened.status_code) == (404, 404), (who, subject)
        else:
            assert detail.status_code == 200 and detail.json()["subject"] == subject
            # A manager reaches the service (no teacher chosen); a viewer is refused before it.
            expected = 400 if _managed(order, who) else 403
            assert opened.status_code == expected, (who, subject, opened.json())
        assert not Course.objects.exists()


# --- narrowing -------------------------------------------------------------------------------


def test_the_area_switcher_narrows_the_list_and_never_widens_it(personas, world):
    client = _client(personas, "district_admin")
    session = client.session
    session[SESSION_AREA] = "500112009"
    session.save()
    html = client.get("/college/orders/").content.decode()
    assert {s for s, o in world.items() if f'href="/college/orders/{o.pk}/"' in html} == {"绘画", "象棋", "快板"}
    # The community filter inside the switcher's area narrows further; outside it, it cannot widen.
    html = client.get("/college/orders/", {"community": SIBLING}).content.decode()
    assert {s for s, o in world.items() if f'href="/college/orders/{o.pk}/"' in html} == {"快板"}
    html = client.get("/college/orders/", {"community": JINZHUYUAN}).content.decode()
    assert "筛选条件有误" in html
    assert f'href="/college/orders/{world["腰鼓"].pk}/"' not in html
    rows = list(load_workbook(io.BytesIO(client.get("/college/orders/", {"export": "xlsx"}).content))
                .active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {"绘画", "象棋", "快板"}

    worker = _client(personas, "xjq_worker")
    worker.post("/accounts/area/", {"area": JINZHUYUAN})  # not theirs: ignored
    html = worker.get("/college/orders/").content.decode()
    assert {s for s, o in world.items() if f'href="/college/orders/{o.pk}/"' in html} == {"绘画", "象棋"}

    api = Api(personas.xjq_worker)
    for area in (JINZHUYUAN, "500112022", SIBLING):
        assert api.get("/college/orders", {"area": area}).json()["items"] == [], area
    assert {i["subject"] for i in api.get("/college/orders", {"area": "500112"}).json()["items"]} == {"绘画", "象棋"}


def test_the_grid_workers_grant_counts_for_its_community_read_only(personas, world):
    from linli.accounts.roles import Perm

    user = personas.xjq_grid_worker
    assert {o.subject for o in selectors.orders_visible(user)} == {"绘画", "象棋"}
    assert {o.subject for o in selectors.orders_visible(user, within=XJQ_GRID)} == {"绘画", "象棋"}
    assert not selectors.orders_visible(user, permission=Perm.MANAGE_COLLEGE).exists()
    assert selectors.order_get(user, world["绘画"].pk) == world["绘画"]


# --- query counts ----------------------------------------------------------------------------


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _more_orders(personas, n: int) -> None:
    orders_from(personas.district_admin, {f"课程{i}": 1 + i % 9 for i in range(n)})


@pytest.mark.parametrize("who", ["xjq_worker", "district_admin"])
def test_query_counts_do_not_grow_with_the_orders(personas, who):
    sibling_community()
    teacher(personas, name="冯小玲", skills=["课程1"])
    venue(personas, name="街边门市", capacity=12, features=["tables"])
    orders_from(personas.district_admin, {"腰鼓": 2}, area=JINZHUYUAN)
    _more_orders(personas, 2)
    client, api = _client(personas, who), _api(personas, who)
    calls = {
        "page": lambda: client.get("/college/orders/"),
        "htmx": lambda: client.get("/college/orders/", headers={"HX-Request": "true", "HX-Target": "list-table"}),
        "export": lambda: client.get("/college/orders/", {"export": "xlsx"}),
        "api": lambda: api.get("/college/orders"),
    }
    for call in calls.values():
        call()  # a first request settles the session
    few = {name: _queries(call) for name, call in calls.items()}
    _more_orders(personas, 8)
    assert ClassOrder.objects.filter(area_id=XINGJIAQIAO).count() == 10
    many = {name: _queries(call) for name, call in calls.items()}
    assert many == few
