"""The areas' JSON API over every persona: held areas, an area, its children, adding a child.

Requests go through ``Client(enforce_csrf_checks=True)`` with a ``csrftoken`` cookie and the
same value in ``X-CSRFToken`` on writes, as a browser page sends them.
"""

from __future__ import annotations

import pytest

from linli.areas.models import Area
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID, Api

pytestmark = pytest.mark.django_db

RENHE, KANGMEI, YUBEI = "500112009", "500112022", "500112"
MISSING = "500112009099"





# persona -> (the area its role is on, whether the role may add communities and grids);
# 403: logged in without any role; 401: not logged in.
HOLDS: dict[str, tuple[str, bool] | int] = {
    "xjq_worker": (XINGJIAQIAO, True),
    "jzy_worker": (JINZHUYUAN, True),
    "renhe_admin": (RENHE, True),
    "district_admin": (YUBEI, True),
    "xjq_grid_worker": (XJQ_GRID, False),
    "assistance_officer": (XINGJIAQIAO, False),
    "outsider": 403,
    "resident_user": 403,
    "anonymous": 401,
}
CHILDREN = {
    YUBEI: [RENHE, KANGMEI],
    RENHE: [XINGJIAQIAO],
    KANGMEI: [JINZHUYUAN],
    XINGJIAQIAO: [XJQ_GRID],
    JINZHUYUAN: [],
    XJQ_GRID: [],
}


def _api(personas, who: str, **kwargs) -> Api:
    return Api(None if who == "anonymous" else getattr(personas, who), **kwargs)


def _refused(response, who: str) -> bool:
    if isinstance(HOLDS[who], int):
        assert response.status_code == HOLDS[who], response.content
        assert response.json()["code"] == ("unauthenticated" if HOLDS[who] == 401 else "forbidden")
        return True
    return False


def _sees(who: str, code: str) -> bool:
    held = HOLDS[who]
    assert isinstance(held, tuple)
    return code.startswith(held[0])


@pytest.mark.parametrize("who", HOLDS)
def test_held_lists_the_callers_own_areas(personas, who):
    response = _api(personas, who).get("/areas/held")
    if _refused(response, who):
        return
    held = HOLDS[who]
    assert isinstance(held, tuple)
    assert response.status_code == 200
    assert [a["code"] for a in response.json()] == [held[0]]


@pytest.mark.parametrize("who", HOLDS)
def test_an_area_out_of_reach_is_the_same_404_as_a_missing_one(personas, who, subtests):
    api = _api(personas, who)
    for code in CHILDREN:
        for path in (f"/areas/{code}", f"/areas/{code}/children"):
            with subtests.test(path=path):
                response = api.get(path)
                if _refused(response, who):
                    continue
                if _sees(who, code):
                    assert response.status_code == 200
                    if path.endswith("children"):
                        assert [a["code"] for a in response.json()] == CHILDREN[code]
                    else:
                        assert response.json()["code"] == code
                        assert response.json()["name"] == Area.objects.get(code=code).name
                else:
                    missing = api.get(path.replace(code, MISSING))
                    assert response.status_code == missing.status_code == 404
                    assert response.content == missing.content
                    assert response.json() == {"code": "not_found", "message": "地区不存在或您无权查看"}


# parent -> (new child's code, the level of the parent allows a child)
NEW_CHILD = {
    RENHE: ("500112009088", True),  # a community under a street
    XINGJIAQIAO: ("002", True),  # a grid under a community, by its 3-digit suffix
    JINZHUYUAN: ("002", True),
    XJQ_GRID: ("500112009011009", False),  # nothing below a grid
    YUBEI: ("500112099", False),  # streets are official, not added by hand
}


@pytest.mark.parametrize("who", HOLDS)
def test_adding_a_child_needs_sight_and_the_manage_permission(personas, who, subtests):
    api = _api(personas, who)
    for parent, (code, allowed_level) in NEW_CHILD.items():
        with subtests.test(parent=parent):
            full_code = parent + code if len(code) == 3 else code
            audits = AuditEntry.objects.filter(action="area.create").count()
            response = api.post(f"/areas/{parent}/children", {"code": code, "name": "新增测试区"})
            created = Area.objects.filter(code=full_code, name="新增测试区").exists()
            if _refused(response, who):
                assert not created
                continue
            held = HOLDS[who]
            assert isinstance(held, tuple)
            if not _sees(who, parent):
                missing = api.post(f"/areas/{MISSING}/children", {"code": code, "name": "新增测试区"})
                assert response.status_code == missing.status_code == 404
                assert response.content == missing.content
            elif not allowed_level:
                assert response.status_code == 400
                assert response.json()["field"] == "parent"
            elif not held[1]:
                assert response.status_code == 403
                assert response.json()["code"] == "forbidden"
            else:
                assert response.status_code == 201, response.content
                assert response.json() == {
                    "code": full_code, "name": "新增测试区", "level": Area.objects.get(code=full_code).level,
                    "parent_code": parent,
                }
                assert created
                assert AuditEntry.objects.filter(action="area.create").count() == audits + 1
                continue
            assert not created
            assert AuditEntry.objects.filter(action="area.create").count() == audits


BAD_CHILD = {
    # name: (payload, status, field, words in the message)
    "code_taken": ({"code": "001", "name": "另一个网格"}, 409, "code", "邢家桥一网格"),
    "name_taken": ({"code": "003", "name": "邢家桥一网格"}, 409, "name", "已有"),
    "wrong_length": ({"code": "5001120090110", "name": "网格"}, 400, "code", "15 位"),
    "outside_parent": ({"code": JINZHUYUAN + "003", "name": "网格"}, 400, "code", "开头"),
    "blank_name": ({"code": "004", "name": "   "}, 400, "name", "不能为空"),
    "letters": ({"code": "00a", "name": "网格"}, 422, "code", "格式"),
    "other_digits": ({"code": "٠٠٧", "name": "网格"}, 422, "code", "格式"),
    "name_too_long": ({"code": "005", "name": "网" * 65}, 422, "name", "最多 64"),
    "nul_in_name": ({"code": "006", "name": "网\x00格"}, 422, "name", "空字符"),
    "missing_name": ({"code": "007"}, 422, "name", "必填"),
}


@pytest.mark.parametrize("case", BAD_CHILD)
def test_a_bad_child_is_refused_in_chinese(personas, case):
    payload, status, field, words = BAD_CHILD[case]
    before = Area.objects.count()
    response = _api(personas, "xjq_worker").post(f"/areas/{XINGJIAQIAO}/children", payload)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert words in response.json()["message"]
    assert Area.objects.count() == before


@pytest.mark.parametrize(
    "path", ["/areas/%00", "/areas/%00/children", "/areas/abc", "/areas/1", "/areas/" + "5" * 16]
)
def test_a_malformed_area_code_is_422_not_500(personas, path):
    # A NUL in the path once went to the database, which PostgreSQL refuses with an error.
    response = _api(personas, "district_admin").get(path)
    assert response.status_code == 422
    assert response.json()["field"] == "code"


def test_adding_a_child_without_the_csrf_header_is_refused(personas):
    response = _api(personas, "xjq_worker", csrf_header=False).post(
        f"/areas/{XINGJIAQIAO}/children", {"code": "002", "name": "新网格"}
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert not Area.objects.filter(code=XINGJIAQIAO + "002").exists()
