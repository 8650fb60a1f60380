"""The residents' JSON API: who sees whom, masking, reveal, bad input, CSRF and query count.

Every request goes through ``Client(enforce_csrf_checks=True)``: the client holds a ``csrftoken``
cookie and sends the same value in ``X-CSRFToken`` on unsafe methods, as a browser page does.
So the tests exercise the CSRF check the session auth really makes, and ``test_csrf_*`` prove
that a write without the header is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import get_args

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from linli.core.models import AccessLog, AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID, Api, make_id_number, resident
from linli.people.models import Resident
from linli.people.schemas import AgeBand
from linli.people.selectors import AGE_BANDS

pytestmark = pytest.mark.django_db





# persona -> the residents it may see: "xjq" (邢家桥, 3), "xjq-grid" (the one in 邢家桥's grid),
# "jzy" (金竹苑, 3). 403: logged in without any role; 401: not logged in.
SEES: dict[str, set[str] | int] = {
    "xjq_worker": {"xjq"},
    "jzy_worker": {"jzy"},
    "renhe_admin": {"xjq"},
    "district_admin": {"xjq", "jzy"},
    "xjq_grid_worker": {"xjq-grid"},
    "assistance_officer": {"xjq"},
    "outsider": 403,
    "resident_user": 403,
    "anonymous": 401,
}
# Roles that may see a protected value unmasked (the grid worker may not).
UNMASKS = {"xjq_worker", "jzy_worker", "renhe_admin", "district_admin", "assistance_officer"}
# Who each target is, for readable test ids: xjq0 lives in the grid, xjq1 in the community.
TARGETS = {"xjq0": ("xjq_residents", 0), "xjq1": ("xjq_residents", 1), "jzy0": ("jzy_residents", 0)}
MISSING_ID = 987_654_321


def _api(personas, who: str, **kwargs) -> Api:
    return Api(None if who == "anonymous" else getattr(personas, who), **kwargs)


def _everyone(personas) -> list[Resident]:
    return personas.xjq_residents + personas.jzy_residents


def _visible_ids(personas, who: str) -> set[int]:
    sees = SEES[who]
    assert isinstance(sees, set)
    ids: set[int] = set()
    if "xjq" in sees:
        ids |= {r.pk for r in personas.xjq_residents}
    if "xjq-grid" in sees:
        ids.add(personas.xjq_residents[0].pk)
    if "jzy" in sees:
        ids |= {r.pk for r in personas.jzy_residents}
    return ids


def _target(personas, key: str) -> Resident:
    attr, i = TARGETS[key]
    return getattr(personas, attr)[i]


def _refused(response, who: str) -> bool:
    """For a persona with no access at all: assert the refusal, and say so."""
    if isinstance(SEES[who], int):
        assert response.status_code == SEES[who], response.content
        body = response.json()
        assert body["code"] == ("unauthenticated" if SEES[who] == 401 else "forbidden")
        return True
    return False


# --- visibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", SEES)
def test_list_holds_exactly_the_visible_residents(personas, who):
    response = _api(personas, who).get("/residents", {"page_size": 200})
    if _refused(response, who):
        return
    assert response.status_code == 200
    body = response.json()
    assert {item["id"] for item in body["items"]} == _visible_ids(personas, who)
    assert body["count"] == len(_visible_ids(personas, who))


@pytest.mark.parametrize("who", SEES)
def test_detail_of_a_resident_out_of_reach_is_the_same_404_as_a_missing_one(personas, who, subtests):
    api = _api(personas, who)
    missing = api.get(f"/residents/{MISSING_ID}")
    for target in TARGETS:
        with subtests.test(target=target):
            r = _target(personas, target)
            response = api.get(f"/residents/{r.pk}")
            if _refused(response, who):
                continue
            if r.pk in _visible_ids(personas, who):
                assert response.status_code == 200
                assert response.json()["id"] == r.pk
                assert response.json()["name"] == r.name
            else:
                assert response.status_code == missing.status_code == 404
                assert response.content == missing.content
                assert response.json() == {"code": "not_found", "message": "居民不存在或您无权查看"}


@pytest.mark.parametrize("who", SEES)
def test_reveal_needs_sight_and_the_unmask_permission(personas, who, subtests):
    api = _api(personas, who)
    reason = {"field": "id_number", "reason": "核对救助申请材料"}
    missing = api.post(f"/residents/{MISSING_ID}/reveal", reason)
    for target in TARGETS:
        with subtests.test(target=target):
            AccessLog.objects.all().delete()
            r = _target(personas, target)
            response = api.post(f"/residents/{r.pk}/reveal", reason)
            if _refused(response, who):
                assert not AccessLog.objects.exists()
                continue
            if r.pk not in _visible_ids(personas, who):
                assert response.status_code == missing.status_code == 404
                assert response.content == missing.content
                assert not AccessLog.objects.exists()
            elif who in UNMASKS:
                assert response.status_code == 200
                assert response.json() == {"field": "id_number", "value": r.id_number}
                log = AccessLog.objects.get()
                assert (log.actor, log.target_id, log.field, log.reason, log.area_code) == (
                    getattr(personas, who), str(r.pk), "id_number", "核对救助申请材料", r.area_id,
                )
            else:
                assert response.status_code == 403
                assert response.json()["code"] == "forbidden"
                assert r.id_number not in response.content.decode()
                assert not AccessLog.objects.exists()


def test_list_filters_cannot_widen_what_is_seen(personas):
    api = _api(personas, "xjq_worker")
    for area in ("500112", "500112022", JINZHUYUAN, "5"):
        body = api.get("/residents", {"area": area, "page_size": 200}).json()
        assert {i["id"] for i in body["items"]} <= {r.pk for r in personas.xjq_residents}, area
    jzy = personas.jzy_residents[0]
    for q in (jzy.name, jzy.id_number, jzy.phone):  # a search finds nobody outside the worker's areas
        assert api.get("/residents", {"q": q}).json()["count"] == 0
    own = personas.xjq_residents[1]
    assert [i["id"] for i in api.get("/residents", {"q": own.id_number}).json()["items"]] == [own.pk]
    assert [i["id"] for i in api.get("/residents", {"area": XJQ_GRID}).json()["items"]] == [
        personas.xjq_residents[0].pk
    ]


def test_the_age_band_filter_offers_exactly_the_selectors_bands():
    assert set(get_args(AgeBand)) == {"", *AGE_BANDS}


def test_list_pages(personas):
    api = _api(personas, "district_admin")
    first = api.get("/residents", {"page_size": 4}).json()
    second = api.get("/residents", {"page_size": 4, "page": 2}).json()
    assert first["count"] == second["count"] == 6
    assert len(first["items"]) == 4 and len(second["items"]) == 2
    assert {i["id"] for i in first["items"] + second["items"]} == {r.pk for r in _everyone(personas)}
    assert api.get("/residents", {"page": 99}).json()["items"] == []


# --- masking --------------------------------------------------------------------------------


def test_list_and_detail_never_carry_a_plaintext_id_number_or_phone(personas):
    api = _api(personas, "district_admin")
    responses = [api.get("/residents", {"page_size": 200})]
    responses += [api.get(f"/residents/{r.pk}") for r in _everyone(personas)]
    for response in responses:
        assert response.status_code == 200
        raw = response.content
        for r in _everyone(personas):
            assert r.id_number.encode() not in raw
            assert r.phone and r.phone.encode() not in raw
    items = {i["id"]: i for i in responses[0].json()["items"]}
    for r in _everyone(personas):
        assert items[r.pk]["id_number_masked"] == r.id_number[:6] + "********" + r.id_number[-4:]
        assert items[r.pk]["phone_masked"] == r.phone[:3] + "****" + r.phone[-4:]


def test_reveal_of_a_phone_and_the_reason_it_needs(personas):
    api = _api(personas, "xjq_worker")
    r = personas.xjq_residents[1]
    response = api.post(f"/residents/{r.pk}/reveal", {"field": "phone", "reason": "  电话  回访 "})
    assert response.json() == {"field": "phone", "value": r.phone}
    assert AccessLog.objects.get().reason == "电话 回访"

    too_short = api.post(f"/residents/{r.pk}/reveal", {"field": "phone", "reason": " 查 "})
    assert too_short.status_code == 400
    assert too_short.json()["field"] == "reason"
    assert "查看事由" in too_short.json()["message"]
    missing = api.post(f"/residents/{r.pk}/reveal", {"field": "phone"})
    assert missing.status_code == 422
    assert missing.json()["field"] == "reason"
    other_field = api.post(f"/residents/{r.pk}/reveal", {"field": "note", "reason": "看看备注"})
    assert other_field.status_code == 422
    assert AccessLog.objects.count() == 1  # only the first, allowed, reveal


# --- registering, and bad input ---------------------------------------------------------------

BIRTH = dt.date(1956, 9, 12)


def _payload(**overrides) -> dict:
    values = {
        "name": "王淑芬",
        "id_number": make_id_number(BIRTH, "F"),
        "area_code": XINGJIAQIAO,
        "phone": "13811112222",
        "address": "邢家桥路 8 号",
        "tags": ["elder_alone"],
    }
    values.update(overrides)
    return values


def test_register_a_resident(personas):
    api = _api(personas, "xjq_worker")
    payload = _payload()
    response = api.post("/residents", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    created = Resident.objects.get(pk=body["id"])
    assert (created.name, created.area_id, created.sex) == ("王淑芬", XINGJIAQIAO, "F")
    assert created.birth_date == BIRTH
    assert body["community"] == "邢家桥社区" and body["tags"] == ["独居老人"]
    assert payload["id_number"].encode() not in response.content
    assert payload["phone"].encode() not in response.content
    assert AuditEntry.objects.filter(action="resident.create", target_id=str(created.pk)).exists()


@pytest.mark.parametrize(
    ("who", "area", "status"),
    [
        ("anonymous", XINGJIAQIAO, 401),
        ("outsider", XINGJIAQIAO, 403),
        ("resident_user", XINGJIAQIAO, 403),
        ("assistance_officer", XINGJIAQIAO, 403),  # sees residents, registers none
        ("xjq_grid_worker", XINGJIAQIAO, 403),  # only inside the grid
        ("xjq_grid_worker", XJQ_GRID, 201),
        ("renhe_admin", JINZHUYUAN, 403),
        ("renhe_admin", XINGJIAQIAO, 201),
    ],
)
def test_who_may_register_where(personas, who, area, status):
    response = _api(personas, who).post("/residents", _payload(area_code=area))
    assert response.status_code == status, response.content
    assert Resident.objects.count() == (7 if status == 201 else 6)


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


BAD_INPUT = {
    # name: (payload overrides, status, field, words the message must contain)
    "malformed_id": ({"id_number": "50011219561"}, 400, "id_number", "身份证号"),
    "wrong_check_digit": ({"id_number": "wrong-check"}, 400, "id_number", "校验位"),
    "sex_mismatch": ({"sex": "M"}, 400, "sex", "与身份证号不符"),
    "birth_mismatch": ({"birth_date": "1956-09-13"}, 400, "birth_date", "与身份证号不符"),
    "phone_too_short": ({"phone": "1381111222"}, 400, "phone", "11 位"),
    "phone_too_long": ({"phone": "138111122223"}, 400, "phone", "11 位"),
    "unknown_area": ({"area_code": "500112009999"}, 400, "area_code", "不存在"),
    "street_is_no_residence": ({"area_code": "500112009"}, 400, "area_code", "社区或网格"),
    "other_community": ({"area_code": JINZHUYUAN}, 403, None, "金竹苑社区"),
    "unknown_tag": ({"tags": ["nope"]}, 400, "tags", "标签"),
    "blank_name": ({"name": "   "}, 400, "name", "姓名"),
    "missing_name": ({"name": None}, 422, "name", "必填"),
    "name_too_long": ({"name": "张" * 65}, 422, "name", "最多 64"),
    "nul_in_address": ({"address": "邢家桥路\x008 号"}, 422, "address", "空字符"),
    "nul_in_name": ({"name": "王\x00"}, 422, "name", "空字符"),
    "sex_not_m_or_f": ({"sex": "男"}, 422, "sex", "应为"),
    "birth_not_a_date": ({"birth_date": "1956-13-45"}, 422, "birth_date", "日期"),
    "too_many_tags": ({"tags": ["elder_alone"] * 21}, 422, "tags", "最多 20"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(personas, case):
    overrides, status, field, words = BAD_INPUT[case]
    payload = _payload(**overrides)
    if case == "wrong_check_digit":
        payload["id_number"] = _wrong_check(make_id_number(BIRTH, "F"))
    if overrides.get("name", "") is None:
        del payload["name"]
    before = (Resident.objects.count(), AuditEntry.objects.count())
    response = _api(personas, "xjq_worker").post("/residents", payload)
    assert response.status_code == status, response.content
    body = response.json()
    assert body.get("field") == field
    assert words in body["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # said in Chinese
    assert (Resident.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize("who", ["xjq_worker", "jzy_worker"])
def test_a_duplicate_is_409_and_names_where_the_resident_is_registered(personas, who):
    existing = personas.xjq_residents[1]
    area = XINGJIAQIAO if who == "xjq_worker" else JINZHUYUAN
    before = Resident.objects.count()
    response = _api(personas, who).post("/residents", _payload(id_number=existing.id_number, area_code=area,
                                                                 sex=None))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "people.duplicate_id_number"
    assert body["field"] == "id_number"
    assert "人和街道邢家桥社区" in body["message"]
    assert Resident.objects.count() == before


def test_a_body_that_is_not_json_is_400_in_chinese(personas):
    response = _api(personas, "xjq_worker").post("/residents", None, raw="{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/residents", {"q": "邢\x00"}),
        ("/residents", {"tag": "\x00"}),
        ("/residents", {"area": "5001\x00"}),
        ("/residents", {"page": str(10**30)}),
        ("/residents", {"page": "0"}),
        ("/residents", {"page_size": "100000"}),
        ("/residents", {"sex": "X"}),
        ("/residents", {"age_band": "200+"}),
        ("/residents", {"q": "邢" * 101}),
        (f"/residents/{2**64}", {}),
        ("/residents/-1", {}),
        ("/residents/abc", {}),
    ],
)
def test_malformed_queries_are_422_not_500(personas, path, params):
    # Each of these once reached the database: NUL is refused by PostgreSQL, a huge page number
    # overflowed the OFFSET, and unknown filters were silently ignored.
    response = _api(personas, "district_admin").get(path, params)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"


# --- CSRF -----------------------------------------------------------------------------------


def test_csrf_a_write_without_the_token_header_is_refused(personas):
    api = _api(personas, "xjq_worker", csrf_header=False)
    r = personas.xjq_residents[1]
    writes = [("/residents", _payload()), (f"/residents/{r.pk}/reveal", {"field": "phone", "reason": "回访"})]
    for path, data in writes:
        response = api.post(path, data)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden" and "CSRF" in response.json()["message"]
    assert api.get("/residents").status_code == 200  # reads need no token
    assert Resident.objects.count() == 6
    assert not AccessLog.objects.exists()


def test_csrf_a_token_header_that_does_not_match_the_cookie_is_refused(personas):
    api = _api(personas, "xjq_worker")
    api.token = get_random_string(32)  # the header now differs from the cookie
    response = api.post("/residents", _payload())
    assert response.status_code == 403
    assert Resident.objects.count() == 6


# --- query count ----------------------------------------------------------------------------


def _list_queries(personas) -> int:
    api = _api(personas, "xjq_worker")
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/residents", {"page_size": 200})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_3_or_30_residents(personas):
    few = _list_queries(personas)
    for i in range(27):
        code = XJQ_GRID if i % 3 == 0 else XINGJIAQIAO
        resident(code, f"邢加{i}", birth=dt.date(1940 + i, 1, 2), phone=f"1361111{i:04d}",
                 tags=("elder_alone", "veteran") if i % 2 else ("disability",))
    many = _list_queries(personas)
    assert Resident.objects.filter(area__code__startswith=XINGJIAQIAO).count() == 30
    assert few == many, (few, many)
