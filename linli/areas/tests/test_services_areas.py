"""The area tree: the official divisions, and the communities and grids users add."""

from __future__ import annotations

import pytest

from linli.areas import services
from linli.areas.models import Area, Level
from linli.areas.selectors import ancestors, children_of, communities_under
from linli.core.errors import CoreErrorCode, LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID

pytestmark = pytest.mark.django_db

RENHE, KANGMEI = "500112009", "500112022"



def _area(code: str) -> Area:
    return Area.objects.get(code=code)


# --- communities and grids ------------------------------------------------------------------


def test_street_admin_adds_a_community(personas):
    area = services.area_create(by=personas.renhe_admin, parent=_area(RENHE), code=" 500112009 012 ", name=" 新 社区 ")
    area = _area("500112009012")
    assert (area.name, area.level, area.parent_id, area.source) == ("新 社区", Level.COMMUNITY, RENHE, Area.Source.LOCAL)
    audit = AuditEntry.objects.get(action="area.create")
    assert audit.actor == personas.renhe_admin and audit.target_id == "500112009012"
    assert area in communities_under(RENHE)


def test_community_worker_adds_a_grid_by_its_suffix(personas):
    services.area_create(by=personas.xjq_worker, parent=_area(XINGJIAQIAO), code="002", name="邢家桥二网格")
    grid = _area(XINGJIAQIAO + "002")
    assert grid.level == Level.GRID and grid.parent_id == XINGJIAQIAO
    assert [a.code for a in ancestors(grid)] == ["50", "5001", "500112", RENHE, XINGJIAQIAO]
    assert [a.code for a in children_of(_area(XINGJIAQIAO))] == [XJQ_GRID, XINGJIAQIAO + "002"]


def test_a_grid_by_its_full_code(personas):
    services.area_create(by=personas.xjq_worker, parent=_area(XINGJIAQIAO), code=XINGJIAQIAO + "010", name="十网格")
    assert _area(XINGJIAQIAO + "010").level == Level.GRID


@pytest.mark.parametrize(
    ("parent", "code", "field", "message"),
    [
        (RENHE, "50011200901", "code", "社区代码应为 12 位数字"),
        (RENHE, "5001120090123", "code", "社区代码应为 12 位数字"),
        (RENHE, "012", "code", "社区代码应为 12 位数字"),  # a suffix is for grids only
        (RENHE, "50011200901A", "code", "社区代码应为 12 位数字"),
        (RENHE, "500112022012", "code", "应以上级代码 500112009 开头"),
        (XINGJIAQIAO, "02", "code", "网格代码应为 15 位数字"),
        (XINGJIAQIAO, "500112022006001", "code", "应以上级代码 500112009011 开头"),
    ],
)
def test_wrong_codes_are_refused(personas, parent, code, field, message):
    before = Area.objects.count()
    with pytest.raises(LinliError) as caught:
        services.area_create(by=personas.district_admin, parent=_area(parent), code=code, name="新")
    assert caught.value.field == field and message in caught.value.message
    assert Area.objects.count() == before


def test_areas_are_added_only_under_streets_and_communities(personas):
    for code in ("500112", XJQ_GRID):
        with pytest.raises(LinliError) as caught:
            services.area_create(by=personas.district_admin, parent=_area(code), code=code + "001", name="新")
        assert caught.value.field == "parent"


def test_a_taken_code_is_refused_naming_who_has_it(personas):
    with pytest.raises(LinliError) as caught:
        services.area_create(by=personas.renhe_admin, parent=_area(RENHE), code=XINGJIAQIAO, name="另一个")
    assert caught.value.code == "areas.code_taken" and caught.value.status == 409
    assert "邢家桥社区" in caught.value.message
    with pytest.raises(LinliError) as grid:
        services.area_create(by=personas.xjq_worker, parent=_area(XINGJIAQIAO), code="001", name="重复网格")
    assert grid.value.code == "areas.code_taken"


def test_a_taken_name_under_the_same_parent_is_refused(personas):
    with pytest.raises(LinliError) as caught:
        services.area_create(by=personas.renhe_admin, parent=_area(RENHE), code="500112009099", name="邢家桥社区")
    assert caught.value.code == "areas.name_taken" and caught.value.field == "name"
    # the same name under another street is fine
    services.area_create(by=personas.district_admin, parent=_area(KANGMEI), code="500112022099", name="邢家桥社区")


def test_a_name_is_required(personas):
    with pytest.raises(LinliError) as caught:
        services.area_create(by=personas.renhe_admin, parent=_area(RENHE), code="500112009099", name="  ")
    assert caught.value.field == "name"


@pytest.mark.parametrize(
    ("who", "parent", "code"),
    [
        ("jzy_worker", RENHE, "500112009099"),
        ("renhe_admin", KANGMEI, "500112022099"),
        ("xjq_worker", JINZHUYUAN, "099"),
        ("xjq_worker", RENHE, "500112009099"),  # a community worker does not add communities beside theirs
        ("xjq_grid_worker", XINGJIAQIAO, "099"),
        ("assistance_officer", XINGJIAQIAO, "099"),
        ("outsider", XINGJIAQIAO, "099"),
    ],
)
def test_adding_outside_ones_areas_is_forbidden(personas, who, parent, code):
    before = Area.objects.count()
    with pytest.raises(LinliError) as caught:
        services.area_create(by=getattr(personas, who), parent=_area(parent), code=code, name="越权")
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert Area.objects.count() == before


# --- the official tree ------------------------------------------------------------------------


def test_import_of_chongqing_down_to_streets():
    counts = services.areas_import_official(prefix="50")
    assert counts["renamed"] == 0
    assert counts["created"] == Area.objects.count() > 1000
    assert not Area.objects.exclude(code__startswith="50").exists()
    renhe = _area(RENHE)
    assert (renhe.name, renhe.level, renhe.parent_id) == ("人和街道", Level.STREET, "500112")
    assert [(a.code, a.name) for a in ancestors(renhe)] == [("50", "重庆市"), ("5001", "市辖区"), ("500112", "渝北区")]
    assert _area("50").parent_id is None and _area("50").level == Level.PROVINCE
    assert set(Area.objects.values_list("level", flat=True)) == {"province", "city", "county", "street"}
    # every parent is in the tree and one level up
    by_code = dict(Area.objects.values_list("code", "level"))
    for code, parent in Area.objects.exclude(parent=None).values_list("code", "parent_id"):
        assert parent in by_code and code.startswith(parent)


def test_import_is_idempotent_and_refreshes_names():
    first = services.areas_import_official(prefix="50")
    total = Area.objects.count()
    assert services.areas_import_official(prefix="50") == {"created": 0, "renamed": 0}
    Area.objects.filter(code=RENHE).update(name="旧名")
    assert services.areas_import_official(prefix="50") == {"created": 0, "renamed": 1}
    assert _area(RENHE).name == "人和街道"
    assert Area.objects.count() == total == first["created"]


def test_import_keeps_local_communities(personas):
    before = set(Area.objects.values_list("code", flat=True))
    counts = services.areas_import_official(prefix="500112")
    after = set(Area.objects.values_list("code", flat=True))
    assert before <= after
    assert {XINGJIAQIAO, JINZHUYUAN, XJQ_GRID} <= after
    assert counts["created"] == len(after - before) > 0
    assert _area("500112002").name == "双龙湖街道" and _area("500112002").parent_id == "500112"


def test_import_of_a_county_is_idempotent_with_its_ancestors():
    first = services.areas_import_official(prefix="500112")
    assert {"50", "5001", "500112", RENHE} <= set(Area.objects.values_list("code", flat=True))
    assert not Area.objects.filter(code="5002").exists()
    assert services.areas_import_official(prefix="500112") == {"created": 0, "renamed": 0}
    assert Area.objects.count() == first["created"]


def test_level_for_code():
    assert services.level_for_code("50") == Level.PROVINCE
    assert services.level_for_code(XINGJIAQIAO) == Level.COMMUNITY
    assert services.level_for_code(XJQ_GRID) == Level.GRID
    assert services.level_for_code("5001120") is None
