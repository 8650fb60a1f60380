"""Who sees which roster, lottery, session and attendance record, on every new page and endpoint;
and list pages whose query count does not grow with their rows.

Enrollment records are about persons: the PLAIN visibility rule on the course's area. So 邢家桥's
worker sees 邢家桥's roster, 金竹苑's worker gets the same 404 as for a missing record, the grid
worker (who may see the course itself) sees no roster, the assistance officer and the outsider see
nothing; the street and district admins above see it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from linli.college.models import Attendance, Enrollment, LotteryDraw
from linli.college.tests.enroll_kit import NOW, open_course, residents, session
from linli.core.testing import Api

pytestmark = pytest.mark.django_db

SEES = {"xjq_worker": True, "renhe_admin": True, "district_admin": True, "jzy_worker": False,
        "xjq_grid_worker": False, "assistance_officer": False, "outsider": False}
MANAGES = {"xjq_worker", "renhe_admin", "district_admin"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(personas):
    p = personas
    course = open_course(p, title="邢家桥太极", capacity=5)
    people = residents(2)
    enrollments = [Enrollment.objects.create(course=course, resident=r, status="enrolled", by=r.user, queue_no=i)
                   for i, r in enumerate(people, start=1)]
    s = session(course, NOW - dt.timedelta(hours=2))
    Attendance.objects.create(session=s, enrollment=enrollments[0], status="present", method="roster",
                              recorded_by=p.xjq_worker, recorded_at=NOW)
    lottery = open_course(p, title="邢家桥书法", mode="lottery", capacity=1)
    (applicant,) = residents(1)
    e = Enrollment.objects.create(course=lottery, resident=applicant, status="enrolled", by=applicant.user, queue_no=1)
    LotteryDraw.objects.create(course=lottery, seed=lottery.policy.seed, seats=1, priorities=[],
                               applicants=[{"no": e.pk, "group": 0}], order=[e.pk], drawn_at=NOW,
                               drawn_by=p.xjq_worker)
    return {"course": course, "session": s, "people": people, "enrollments": enrollments, "lottery": lottery}


def _client(personas, who) -> Client:
    client = Client()
    client.force_login(getattr(personas, who))
    return client


def _pages(w) -> list[str]:
    c, s, lot = w["course"].pk, w["session"].pk, w["lottery"].pk
    return [f"/college/courses/{c}/enrollment/panel/", f"/college/courses/{c}/enrollment/",
            f"/college/courses/{c}/enrollment/?tab=ended&export=xlsx", f"/college/courses/{c}/lottery/",
            f"/college/courses/{lot}/lottery/", f"/college/courses/{lot}/lottery.json",
            f"/college/courses/{c}/attendance/", f"/college/courses/{c}/attendance/?export=xlsx",
            f"/college/sessions/{s}/", f"/college/sessions/{s}/poster/", f"/college/sessions/{s}/sheet/"]


def _manage_pages(w) -> list[str]:
    return [f"/college/courses/{w['course'].pk}/enrollment/settings/", f"/college/sessions/{w['session'].pk}/roster/",
            f"/college/courses/{w['lottery'].pk}/lottery/draw/"]


@pytest.mark.parametrize("who", SEES)
def test_every_page_opens_only_for_those_who_see_the_courses_enrollments(personas, world, who):
    client = _client(personas, who)
    name = world["people"][0].name
    for path in _pages(world):
        response = client.get(path)
        if SEES[who]:
            assert response.status_code == 200, (who, path)
        else:
            assert response.status_code in (403, 404), (who, path, response.status_code)
            assert name not in response.content.decode()
    for path in _manage_pages(world):
        response = client.get(path)
        if who in MANAGES:
            assert response.status_code == 200, (who, path)
        else:
            assert response.status_code in (403, 404), (who, path)


def test_the_grid_worker_sees_the_course_but_not_its_roster(personas, world):
    client = _client(personas, "xjq_grid_worker")
    assert client.get(f"/college/courses/{world['course'].pk}/").status_code == 200
    assert client.get(f"/college/courses/{world['course'].pk}/enrollment/").status_code == 404


def test_residents_and_strangers_are_kept_out(personas, world):
    assert Client().get(f"/college/courses/{world['course'].pk}/enrollment/").status_code == 302
    client = Client()
    client.force_login(personas.resident_user)
    assert client.get(f"/college/courses/{world['course'].pk}/enrollment/").status_code in (302, 403)


@pytest.mark.parametrize("who", [w for w in SEES if w not in MANAGES])
def test_writes_by_those_who_do_not_manage_change_nothing(personas, world, who):
    client = _client(personas, who)
    c, s = world["course"], world["session"]
    e = world["enrollments"][0]
    outsider = residents(1)[0]
    posts = [(f"/college/courses/{c.pk}/enrollment/{e.pk}/cancel/", {"reason": "x"}),
             (f"/college/courses/{c.pk}/enrollment/{e.pk}/release/", {"reason": "x"}),
             (f"/college/courses/{c.pk}/enrollment/desk/", {"resident": outsider.pk}),
             (f"/college/courses/{c.pk}/slots/", {"weekday": "4", "starts_at": "10:00"}),
             (f"/college/sessions/{s.pk}/cancel/", {"reason": "x"}),
             (f"/college/sessions/{s.pk}/close/", {}),
             (f"/college/sessions/{s.pk}/roster/", {f"mark-{e.pk}": "absent"})]
    for path, data in posts:
        response = client.post(path, data)
        assert response.status_code in (302, 403, 404), (who, path)
        if response.status_code == 302:  # only the submit-once guard may answer so: nothing written
            assert "/login" not in response["Location"]
    e.refresh_from_db()
    s.refresh_from_db()
    assert e.status == "enrolled" and s.status == "scheduled" and s.closed_at is None
    assert not Enrollment.objects.filter(resident=outsider).exists()
    assert c.slots.count() == 1


# --- the API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", SEES)
def test_every_endpoint_answers_only_for_those_who_see_the_courses_enrollments(personas, world, who):
    api = Api(getattr(personas, who))
    c, s, lot = world["course"].pk, world["session"].pk, world["lottery"].pk
    for path in (f"/college/courses/{c}/enrollments", f"/college/courses/{lot}/lottery",
                 f"/college/courses/{c}/sessions", f"/college/sessions/{s}/attendance"):
        response = api.get(path)
        if SEES[who]:
            assert response.status_code == 200, (who, path)
        else:
            assert response.status_code in (403, 404), (who, path)
            assert world["people"][0].name not in response.content.decode()
    e = world["enrollments"][0]
    outsider = residents(1)[0]
    writes = [(f"/college/courses/{c}/enrollments", {"resident_id": outsider.pk}),
              (f"/college/enrollments/{e.pk}/cancel", {"reason": "x"}),
              (f"/college/courses/{c}/lottery/draw", {}),
              (f"/college/sessions/{s}/attendance", {"present": []})]
    for path, data in writes:
        response = api.post(path, data)
        if who in MANAGES:
            continue
        expected = {404} if who == "jzy_worker" else {403}
        assert response.status_code in expected, (who, path, response.status_code)
    if who not in MANAGES:
        e.refresh_from_db()
        assert e.status == "enrolled" and not Enrollment.objects.filter(resident=outsider).exists()
        assert not Attendance.objects.filter(session_id=s, status="absent").exists()


# --- query counts ------------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(ctx.captured_queries)


def test_list_pages_and_endpoints_do_not_grow_with_their_rows(personas, world):
    p = personas
    c, s = world["course"], world["session"]
    client = _client(p, "xjq_worker")
    api = Api(p.xjq_worker)
    paths = [f"/college/courses/{c.pk}/enrollment/", f"/college/courses/{c.pk}/enrollment/?tab=waitlisted",
             f"/college/courses/{c.pk}/attendance/", f"/college/sessions/{s.pk}/",
             f"/college/sessions/{s.pk}/sheet/", f"/college/courses/{c.pk}/enrollment/panel/"]
    api_paths = [f"/college/courses/{c.pk}/enrollments", f"/college/sessions/{s.pk}/attendance",
                 f"/college/courses/{c.pk}/sessions"]
    (first,) = residents(1)  # every list has a row to start with: then only more rows are added
    Enrollment.objects.create(course=c, resident=first, status="waitlisted", by=first.user, queue_no=9)
    before = [_queries(client, path) for path in paths]
    before_api = [_queries(api.client, f"/api/v1{path}") for path in api_paths]
    more = residents(8)
    for i, r in enumerate(more):
        e = Enrollment.objects.create(course=c, resident=r, status="enrolled" if i < 4 else "waitlisted", by=r.user,
                                      channel="proxy" if i % 2 else "desk", queue_no=10 + i)
        if i < 4:
            Attendance.objects.create(session=s, enrollment=e, status="present", method="roster",
                                      recorded_by=p.xjq_worker, recorded_at=NOW)
    for i in range(3):
        session(c, NOW + dt.timedelta(days=10 + i))
    assert [_queries(client, path) for path in paths] == before
    assert [_queries(api.client, f"/api/v1{path}") for path in api_paths] == before_api
