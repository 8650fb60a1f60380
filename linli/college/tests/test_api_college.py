"""The college's JSON API: who sees what, creating with field errors, masking, paging, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.college.models import Alliance, Club, Course, Teacher, Venue
from linli.college.services.clubs import club_member_add
from linli.college.tests.parts import (
    RENHE,
    SIBLING,
    club,
    course,
    sibling_community,
    teacher,
    venue,
    xjq_and_jzy,
)
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, Api

pytestmark = pytest.mark.django_db

# persona -> the records it sees (tags as in test_visibility_college), or the refusal's status.
SEES: dict[str, set[str] | int] = {
    "xjq_worker": {"xjq", "usable"},
    "xjq_grid_worker": {"xjq", "usable"},
    "jzy_worker": {"jzy"},
    "renhe_admin": {"xjq", "usable", "renhe"},
    "district_admin": {"xjq", "usable", "renhe", "jzy"},
    "assistance_officer": 403,
    "outsider": 403,
    "resident_user": 403,
    "anonymous": 401,
}
ENDPOINTS = {"alliance": "/college/alliances", "club": "/college/clubs", "teacher": "/college/teachers",
             "venue": "/college/venues", "course": "/college/courses"}
MISSING = 987_654_321


@pytest.fixture
def world(personas):
    sibling_community()
    r = xjq_and_jzy(personas)
    tagged = [(key, kind, obj) for key in ("xjq", "jzy") for kind, obj in r[key].items() if kind != "alliance"]
    tagged += [(key, "alliance", a) for key, code in (("xjq", XINGJIAQIAO), ("jzy", JINZHUYUAN))
               for a in Alliance.objects.filter(area_id=code)]
    tagged += [
        ("usable", "teacher", teacher(personas, RENHE, name="街道专家", kind="expert")),
        ("renhe", "teacher", teacher(personas, RENHE, name="街道待邀请", status="invited")),
        ("usable", "venue", venue(personas, RENHE, name="人和文化站")),
        ("usable", "venue", venue(personas, SIBLING, name="二社区共用大厅", shared=True)),
        ("renhe", "venue", venue(personas, SIBLING, name="二社区自用小屋")),
    ]
    return tagged


def _api(personas, who: str) -> Api:
    return Api(None if who == "anonymous" else getattr(personas, who))


def _expected(world, who: str, kind: str) -> set[int]:
    sees = SEES[who]
    assert isinstance(sees, set)
    return {obj.pk for tag, k, obj in world if k == kind and tag in sees}


@pytest.mark.parametrize("who", SEES)
@pytest.mark.parametrize("kind", ENDPOINTS)
def test_lists_hold_exactly_what_the_persona_sees(personas, world, who, kind):
    response = _api(personas, who).get(ENDPOINTS[kind], {"page_size": 200})
    if isinstance(SEES[who], int):
        assert response.status_code == SEES[who], response.content
        return
    assert response.status_code == 200
    body = response.json()
    assert {i["id"] for i in body["items"]} == _expected(world, who, kind)
    assert body["count"] == len(_expected(world, who, kind))


@pytest.mark.parametrize("who", SEES)
@pytest.mark.parametrize("kind", ENDPOINTS)
def test_details_out_of_reach_are_the_same_404_as_missing_ones(personas, world, who, kind):
    api = _api(personas, who)
    missing = api.get(f"{ENDPOINTS[kind]}/{MISSING}")
    for _, k, obj in world:
        if k != kind:
            continue
        response = api.get(f"{ENDPOINTS[kind]}/{obj.pk}")
        if SEES[who] in (401,) or who in ("outsider", "resident_user"):
            assert response.status_code == SEES[who]
        elif isinstance(SEES[who], set) and obj.pk in _expected(world, who, kind):
            assert response.status_code == 200 and response.json()["id"] == obj.pk
        else:
            assert response.status_code == missing.status_code == 404
            assert response.json()["code"] == "not_found"


def test_the_streets_records_are_read_only_for_a_community(personas, world):
    api = _api(personas, "xjq_worker")
    venues = {v["name"]: v for v in api.get("/college/venues").json()["items"]}
    assert (venues["xjq活动室"]["editable"], venues["人和文化站"]["editable"], venues["二社区共用大厅"]["editable"]) == (
        True, False, False)
    teachers = {t["name"]: t for t in api.get("/college/teachers").json()["items"]}
    assert (teachers["xjq老师"]["editable"], teachers["街道专家"]["editable"]) == (True, False)


def test_teacher_phones_are_only_ever_masked(personas, world):
    api = _api(personas, "district_admin")
    responses = [api.get("/college/teachers", {"page_size": 200})]
    responses += [api.get(f"/college/teachers/{t.pk}") for t in Teacher.objects.all()]
    for response in responses:
        assert b"13812345678" not in response.content
    assert {i["phone_masked"] for i in responses[0].json()["items"] if i["name"] == "xjq老师"} == {"138****5678"}


def test_filters_narrow_and_cannot_widen(personas, world):
    api = _api(personas, "xjq_worker")
    assert api.get("/college/clubs", {"area": JINZHUYUAN}).json()["count"] == 0
    assert api.get("/college/venues", {"area": "500112"}).json()["count"] == 3
    assert api.get("/college/venues", {"feature": "open_air"}).json()["count"] == 1
    assert [t["name"] for t in api.get("/college/teachers", {"q": "专家"}).json()["items"]] == ["街道专家"]
    invited = _api(personas, "renhe_admin").get("/college/teachers", {"status": "invited"}).json()
    assert [t["name"] for t in invited["items"]] == ["街道待邀请"]
    assert api.get("/college/courses", {"status": "ended"}).json()["count"] == 0
    first = _api(personas, "district_admin").get("/college/venues", {"page_size": 2, "page": 3}).json()
    assert first["count"] == 5 and len(first["items"]) == 1


# --- creating ------------------------------------------------------------------------------


def _alliance_id(personas, code=XINGJIAQIAO):
    return club(personas, code).alliance_id


def test_a_club_is_created_and_refused_with_the_apis_field_names(personas):
    api = _api(personas, "xjq_worker")
    body = {"area_code": XINGJIAQIAO, "alliance_id": _alliance_id(personas), "name": "快板队",
            "leader_id": personas.xjq_residents[1].pk}
    response = api.post("/college/clubs", body)
    assert response.status_code == 201, response.content
    assert response.json()["leader_name"] == "邢居民1" and response.json()["member_count"] == 0
    again = api.post("/college/clubs", body)
    assert again.status_code == 409 and again.json()["field"] == "name"
    bad = api.post("/college/clubs", {**body, "name": "腰鼓队", "leader_id": personas.jzy_residents[0].pk})
    assert bad.status_code == 400 and bad.json()["field"] == "leader_id"
    foreign = api.post("/college/clubs", {**body, "name": "腰鼓队", "alliance_id": _alliance_id(personas, JINZHUYUAN)})
    assert foreign.status_code == 400 and foreign.json()["field"] == "alliance_id"
    assert api.post("/college/clubs", {**body, "area_code": JINZHUYUAN}).status_code == 403
    grid = _api(personas, "xjq_grid_worker").post("/college/clubs", {**body, "name": "舞蹈队"})
    assert grid.status_code == 403
    assert set(Club.objects.values_list("name", flat=True)) >= {"快板队"} and not Club.objects.filter(
        name__in=["腰鼓队", "舞蹈队"]).exists()


def test_a_teacher_is_created_and_a_zero_hour_window_refused(personas):
    api = _api(personas, "xjq_worker")
    body = {"area_code": XINGJIAQIAO, "name": "冯小玲", "kind": "local", "skills": ["油画"], "phone": "13900001234",
            "windows": [{"weekday": 2, "starts": "09:00", "ends": "11:00"}]}
    response = api.post("/college/teachers", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["phone_masked"] == "139****1234" and "13900001234" not in response.content.decode()
    assert out["windows"] == [{"weekday": 2, "weekday_label": "周二", "starts": "09:00", "ends": "11:00"}]
    zero = api.post("/college/teachers", {**body, "windows": [{"weekday": 2, "starts": "09:00", "ends": "09:00"}]})
    assert zero.status_code == 400 and zero.json()["field"] == "windows" and "可用时长为 0" in zero.json()["message"]
    day = api.post("/college/teachers", {**body, "windows": [{"weekday": 8, "starts": "09:00", "ends": "10:00"}]})
    assert day.status_code == 400 and day.json()["field"] == "windows"
    tz = api.post("/college/teachers", {**body, "windows": [{"weekday": 2, "starts": "09:00+08:00", "ends": "10:00"}]})
    assert tz.status_code in (400, 422)
    skills = api.post("/college/teachers", {**body, "skills": []})
    assert skills.status_code == 400 and skills.json()["field"] == "skills"
    assert Teacher.objects.count() == 1


def test_a_venue_is_created_and_bad_capacity_and_features_refused(personas):
    api = _api(personas, "xjq_worker")
    body = {"area_code": XINGJIAQIAO, "name": "活动室", "capacity": 30, "features": ["mirror"], "floor_area": "35.5"}
    response = api.post("/college/venues", body)
    assert response.status_code == 201, response.content
    assert response.json()["floor_area"] == 35.5 and response.json()["feature_labels"] == ["镜子"]
    for change, field in (({"capacity": 0}, "capacity"), ({"capacity": -1}, "capacity"),
                          ({"features": ["projector"]}, "features"), ({"floor_area": "-2"}, "floor_area"),
                          ({"owner_kind": "member_unit"}, "owner_name"), ({"area_code": XINGJIAQIAO + "999"}, "area_code")):
        refused = api.post("/college/venues", {**body, **change})
        assert refused.status_code == 400 and refused.json()["field"] == field, change
    assert Venue.objects.count() == 1


def test_a_course_takes_the_usual_room_needs_and_is_refused_when_no_venue_meets_them(personas):
    api = _api(personas, "xjq_worker")
    c = club(personas)
    body = {"club_id": c.pk, "title": "舞蹈", "term": "2026年秋季", "capacity": 20, "starts_on": "2026-12-01",
            "ends_on": "2027-03-01"}
    refused = api.post("/college/courses", body)
    assert refused.status_code == 400 and refused.json()["field"] == "needed_features"
    assert "没有可用场地同时具备：镜子、音响" in refused.json()["message"]
    v = venue(personas, features=["mirror", "sound"], capacity=15)
    small = api.post("/college/courses", {**body, "venue_id": v.pk})
    assert small.status_code == 400 and small.json()["field"] == "venue_id"
    ok = api.post("/college/courses", {**body, "venue_id": v.pk, "capacity": 15})
    assert ok.status_code == 201 and ok.json()["needed_features"] == ["mirror", "sound"]
    other = teacher(personas, JINZHUYUAN)
    foreign = api.post("/college/courses", {**body, "needed_features": [], "teacher_id": other.pk})
    assert foreign.status_code == 400 and foreign.json()["field"] == "teacher_id"
    dates = api.post("/college/courses", {**body, "needed_features": [], "ends_on": "2026-11-01"})
    assert dates.status_code == 400 and dates.json()["field"] == "ends_on"
    jzy_club = club(personas, JINZHUYUAN)
    assert api.post("/college/courses", {**body, "club_id": jzy_club.pk}).status_code == 404
    grid = _api(personas, "xjq_grid_worker").post("/college/courses", {**body, "needed_features": []})
    assert grid.status_code == 403
    assert Course.objects.count() == 1


# --- query counts ---------------------------------------------------------------------------


def _build(p, n: int) -> None:
    for i in range(n):
        c = club(p, leader=p.xjq_residents[1])
        club_member_add(by=p.xjq_worker, club=c, resident=p.xjq_residents[1])
        t = teacher(p, windows=[(i % 7 + 1, dt.time(9), dt.time(10))])
        v = venue(p, windows=[(i % 7 + 1, dt.time(9), dt.time(10))])
        course(p, c, teacher=t, venue=v)


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_list_endpoints_take_the_same_number_of_queries_for_2_and_10_rows(personas, kind):
    api = _api(personas, "xjq_worker")
    _build(personas, 2)
    api.get(ENDPOINTS[kind])
    with CaptureQueriesContext(connection) as small:
        assert api.get(ENDPOINTS[kind]).status_code == 200
    _build(personas, 8)
    with CaptureQueriesContext(connection) as large:
        response = api.get(ENDPOINTS[kind])
    assert response.json()["count"] >= (5 if kind == "alliance" else 10)
    assert len(large) == len(small)
