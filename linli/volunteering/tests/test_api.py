"""The API: declared statuses, scoped lists and details, sign-up and confirmation with their refusals."""

from __future__ import annotations

import pytest

from linli.core.testing import XINGJIAQIAO, Api
from linli.points.services import points_balance
from linli.volunteering import services
from linli.volunteering.models import Signup
from linli.volunteering.tests.conftest import at

pytestmark = pytest.mark.django_db

MATRIX = {
    "xjq_worker": {"xjq"},
    "jzy_worker": {"jzy"},
    "renhe_admin": {"xjq"},
    "district_admin": {"xjq", "jzy"},
    "xjq_grid_worker": {"xjq"},
    "assistance_officer": None,
    "outsider": None,
}


def _records(world):
    p = world.p
    out = []
    for by, v, code in ((p.xjq_worker, world.xjq_volunteers[0], XINGJIAQIAO),
                        (p.jzy_worker, world.jzy_volunteers[0], "500112022006")):
        r = services.service_record_create(by=by, volunteer=v, area_code=code, content="楼栋清扫",
                                           starts_at=at(18, 9), ends_at=at(18, 11))
        out.append(services.service_record_confirm(by=by, record=r))
    return out


@pytest.mark.parametrize("who", MATRIX)
def test_lists_are_scoped(world, frozen, who):
    p = world.p
    records = _records(world)
    api = Api(getattr(p, who))
    sees = MATRIX[who]
    xjq_ids = {v.pk for v in world.xjq_volunteers}
    jzy_ids = {v.pk for v in world.jzy_volunteers}
    for path in ("/volunteering/volunteers", "/volunteering/activities", "/volunteering/records"):
        response = api.get(path)
        if sees is None:
            assert response.status_code == 403, path
            continue
        assert response.status_code == 200, path
        ids = {item["id"] for item in response.json()["items"]}
        if path.endswith("volunteers"):
            expected = (xjq_ids if "xjq" in sees else set()) | (jzy_ids if "jzy" in sees else set())
            if who == "xjq_grid_worker":
                expected = {world.xjq_volunteers[0].pk}
            assert ids == expected
        elif path.endswith("activities"):
            assert ids == ({world.activity.pk} if "xjq" in sees else set())
        else:
            expected = ({records[0].pk} if "xjq" in sees else set()) | ({records[1].pk} if "jzy" in sees else set())
            assert ids == expected
    roll = api.get("/volunteering/honor-roll", {"area": XINGJIAQIAO, "year": 2026, "month": 5})
    if sees is None:
        assert roll.status_code == 403
    elif "xjq" in sees:
        assert roll.status_code == 200
        assert [(r["name"], r["hours"], r["points"]) for r in roll.json()] == [
            (world.xjq_volunteers[0].resident.name, "2.0", 20)]
    else:
        assert roll.status_code == 404
    detail = api.get(f"/volunteering/volunteers/{world.jzy_volunteers[0].pk}")
    assert detail.status_code == (403 if sees is None else 200 if "jzy" in sees else 404)
    detail = api.get(f"/volunteering/activities/{world.activity.pk}")
    assert detail.status_code == (403 if sees is None else 200 if "xjq" in sees else 404)


def test_signup_and_confirm(world, frozen):
    p = world.p
    api = Api(p.xjq_worker)
    v = world.xjq_volunteers[0]
    path = f"/volunteering/activities/{world.activity.pk}/signups"
    response = api.post(path, {"volunteer_id": v.pk, "role_id": world.role.pk})
    assert response.status_code == 201, response.content
    signup_id = response.json()["id"]
    again = api.post(path, {"volunteer_id": v.pk, "role_id": world.role.pk})
    assert again.status_code == 409 and "已经报名" in again.json()["message"]
    api.post(path, {"volunteer_id": world.xjq_volunteers[1].pk, "role_id": world.role.pk})
    full = api.post(path, {"volunteer_id": world.xjq_volunteers[2].pk, "role_id": world.role.pk})
    assert full.status_code == 409 and "已满" in full.json()["message"]
    assert Api(p.jzy_worker).post(path, {"volunteer_id": v.pk, "role_id": world.role.pk}).status_code == 404
    grid = Api(p.xjq_grid_worker).post(path, {"volunteer_id": world.xjq_volunteers[0].pk,
                                              "role_id": world.other_role.pk})
    assert grid.status_code in (403, 409)

    frozen.move_to(at(22, 12))
    api = Api(p.xjq_worker)
    confirm = f"/volunteering/signups/{signup_id}/confirm"
    bad = api.post(confirm, {"hours": "1.2", "starts_at": at(22, 9).isoformat(), "ends_at": at(22, 11).isoformat()})
    assert bad.status_code == 400 and bad.json()["field"] == "hours"
    ok = api.post(confirm, {"hours": "2", "starts_at": at(22, 9).isoformat(), "ends_at": at(22, 11).isoformat()})
    assert ok.status_code == 200, ok.content
    assert ok.json()["hours"] == "2.0" and ok.json()["points"] == 20
    twice = api.post(f"/volunteering/records/{ok.json()['id']}/confirm", {})
    assert twice.status_code == 409
    assert points_balance(v.resident) == 20
    assert Api(p.jzy_worker).post(confirm, {}).status_code == 404
    assert Api(p.outsider).post(confirm, {}).status_code == 403
    assert Signup.objects.count() == 2


def test_record_confirm_overlap_via_api(world, frozen):
    p = world.p
    _records(world)
    v = world.xjq_volunteers[0]
    r = services.service_record_create(by=p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO, content="探访",
                                       starts_at=at(18, 10), ends_at=at(18, 12))
    response = Api(p.xjq_worker).post(f"/volunteering/records/{r.pk}/confirm", {})
    assert response.status_code == 409 and "楼栋清扫" in response.json()["message"]
    assert points_balance(v.resident) == 20


def test_query_counts_do_not_grow(world, frozen, django_assert_max_num_queries):
    p = world.p
    api = Api(p.district_admin)
    paths = ["/volunteering/volunteers", "/volunteering/activities", "/volunteering/records"]
    _records(world)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        result = []
        for path in paths:
            with CaptureQueriesContext(connection) as ctx:
                assert api.get(path).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    before = counts()
    for i in range(6):
        services.activity_create(by=p.xjq_worker, area_code=XINGJIAQIAO, title=f"活动{i}", place="花园",
                                 starts_at=at(25, 9), ends_at=at(25, 10), roles=[("帮忙", 2)])
        r = services.service_record_create(by=p.xjq_worker, volunteer=world.xjq_volunteers[1], area_code=XINGJIAQIAO,
                                           content="清扫", starts_at=at(10 + i, 9), ends_at=at(10 + i, 10))
        services.service_record_confirm(by=p.xjq_worker, record=r)
    assert counts() == before
