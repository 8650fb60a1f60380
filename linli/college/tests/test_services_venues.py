"""Venues: bad input refused by field, who may register where, the usable-venue rule, archiving."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from linli.college.models import Venue, VenueWindow
from linli.college.selectors.venues import venues_usable
from linli.college.services import venues as services
from linli.college.tests.parts import KANGMEI, RENHE, SIBLING, club, course, sibling_community, venue
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

pytestmark = pytest.mark.django_db


def _create(p, **kwargs):
    values = {"by": p.xjq_worker, "area_code": XINGJIAQIAO, "name": "活动室", "capacity": 30}
    return services.venue_create(**{**values, **kwargs})


def test_a_venue_is_registered_with_its_features_windows_and_an_audit_row(personas):
    v = _create(personas, features=["音响", "mirror", "mirror"], floor_area=Decimal("35.5"),
                windows=[(2, dt.time(9), dt.time(11, 30))], owner_kind="member_unit", owner_name="邢家桥小学")
    assert v.features == ["mirror", "sound"]  # labels accepted, repeats dropped, one fixed order
    assert v.feature_labels == ["镜子", "音响"]
    assert [(w.weekday, w.starts, w.ends) for w in v.windows.all()] == [(2, dt.time(9), dt.time(11, 30))]
    audit = AuditEntry.objects.get(action="college.venue_create")
    assert (audit.actor, audit.area_code, audit.target_id) == (personas.xjq_worker, XINGJIAQIAO, str(v.pk))


@pytest.mark.parametrize("capacity", [0, -5])
def test_zero_or_negative_capacity_is_refused_by_field(personas, capacity):
    with pytest.raises(LinliError) as exc:
        _create(personas, capacity=capacity)
    assert exc.value.field == "capacity"
    assert exc.value.message == "容纳人数：不能为 0 或负数"
    assert not Venue.objects.exists()


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"capacity": 40000}, "capacity", "不能大于"),
    ({"capacity": "30"}, "capacity", "应为整数"),
    ({"floor_area": Decimal("-3")}, "floor_area", "应大于 0"),
    ({"floor_area": Decimal("0")}, "floor_area", "应大于 0"),
    ({"floor_area": Decimal("0.04")}, "floor_area", "应大于 0"),
    ({"floor_area": Decimal("-1e30")}, "floor_area", "应大于 0"),
    ({"floor_area": "NaN"}, "floor_area", "应为数字"),
    ({"floor_area": "abc"}, "floor_area", "应为数字"),
    ({"features": ["mirror", "投影仪"]}, "features", "没有“投影仪”这一项"),
    ({"owner_kind": "member_unit"}, "owner_name", "请填写单位名称"),
    ({"owner_kind": "member_unit", "owner_name": "   "}, "owner_name", "请填写单位名称"),
    ({"owner_kind": "company"}, "owner_kind", "应为"),
    ({"name": "  "}, "name", "不能为空"),
    ({"name": "长" * 65}, "name", "过长"),
    ({"windows": [(8, dt.time(9), dt.time(10))]}, "windows", "应为 1（周一）到 7（周日）"),
    ({"windows": [(0, dt.time(9), dt.time(10))]}, "windows", "应为 1（周一）到 7（周日）"),
    ({"windows": [(1, dt.time(9), dt.time(9))]}, "windows", "可用时长为 0"),
    ({"windows": [(1, dt.time(10), dt.time(9))]}, "windows", "应晚于开始时间"),
    ({"windows": [(1, dt.time(9), dt.time(11)), (1, dt.time(10), dt.time(12))]}, "windows", "重叠"),
])
def test_bad_input_is_refused_naming_the_field(personas, kwargs, field, words):
    with pytest.raises(LinliError) as exc:
        _create(personas, **kwargs)
    assert exc.value.field == field
    assert words in exc.value.message
    assert exc.value.status == 400
    assert not Venue.objects.exists() and not VenueWindow.objects.exists()


def test_registering_needs_the_manage_permission_on_the_area(personas):
    for who in ("jzy_worker", "xjq_grid_worker", "assistance_officer", "outsider"):
        with pytest.raises(LinliError) as exc:
            _create(personas, by=getattr(personas, who))
        assert exc.value.status == 403, who
    with pytest.raises(LinliError) as exc:
        _create(personas, area_code=RENHE)  # a community worker cannot register the street's venue
    assert exc.value.status == 403
    street = _create(personas, by=personas.renhe_admin, area_code=RENHE, shared=True)
    assert street.area_id == RENHE and street.shared is False  # a street's venue is everyone's already
    with pytest.raises(LinliError) as exc:
        _create(personas, area_code="500112009011001")
    assert exc.value.field == "area" and "应选择社区、街道" in exc.value.message
    with pytest.raises(LinliError) as exc:
        _create(personas, area_code="999")
    assert exc.value.field == "area"


def test_usable_venues_are_own_street_and_shared_siblings_never_unshared_or_archived(personas):
    sibling_community()
    own = venue(personas, XINGJIAQIAO, name="本社区活动室")
    street = venue(personas, RENHE, name="街道文化站")
    shared = venue(personas, SIBLING, name="二社区共用大厅", shared=True)
    venue(personas, SIBLING, name="二社区自用小屋")  # not shared
    venue(personas, JINZHUYUAN, name="金竹苑广场", shared=True)  # shared, but another street
    venue(personas, KANGMEI, name="康美街道礼堂")  # another street's
    gone = venue(personas, XINGJIAQIAO, name="已停用的门市")
    services.venue_archive(by=personas.xjq_worker, venue=gone)
    gone_shared = venue(personas, SIBLING, name="已停用的共用室", shared=True)
    services.venue_archive(by=personas.district_admin, venue=gone_shared)
    assert {v.name for v in venues_usable(XINGJIAQIAO)} == {own.name, street.name, shared.name}
    assert {v.name for v in venues_usable(SIBLING)} == {street.name, shared.name, "二社区自用小屋"}


def test_usable_venues_take_a_fixed_number_of_queries(personas, django_assert_num_queries):
    for i in range(8):
        venue(personas, XINGJIAQIAO, windows=[(i % 7 + 1, dt.time(9), dt.time(10))])
    with django_assert_num_queries(2):  # the venues, their windows
        venues = list(venues_usable(XINGJIAQIAO))
        assert sum(len(v.windows.all()) for v in venues) == 8


def test_update_changes_fields_and_refuses_the_same_bad_input(personas):
    v = _create(personas)
    services.venue_update(by=personas.xjq_worker, venue=v, name="新活动室", capacity=12, features=["quiet"],
                          shared=True)
    v.refresh_from_db()
    assert (v.name, v.capacity, v.features, v.shared) == ("新活动室", 12, ["quiet"], True)
    with pytest.raises(LinliError) as exc:
        services.venue_update(by=personas.xjq_worker, venue=v, name="新活动室", capacity=0)
    assert exc.value.field == "capacity"
    with pytest.raises(LinliError) as exc:
        services.venue_update(by=personas.jzy_worker, venue=v, name="x", capacity=5)
    assert exc.value.status == 403


def test_a_venue_with_running_courses_cannot_be_archived(personas):
    v = _create(personas)
    c = course(personas, club(personas), venue=v)
    with pytest.raises(LinliError) as exc:
        services.venue_archive(by=personas.xjq_worker, venue=v)
    assert exc.value.status == 409 and "1 门未结课" in exc.value.message
    from linli.college.services.courses import course_status_set

    course_status_set(by=personas.xjq_worker, course=c, status="cancelled", reason="老师生病")
    services.venue_archive(by=personas.xjq_worker, venue=v)
    assert Venue.objects.get(pk=v.pk).archived_at is not None
    services.venue_restore(by=personas.xjq_worker, venue=v)
    assert Venue.objects.get(pk=v.pk).archived_at is None


def test_windows_are_added_checked_and_removed(personas):
    v = _create(personas)
    w = services.venue_window_add(by=personas.xjq_worker, venue=v, weekday=3, starts=dt.time(14), ends=dt.time(16))
    with pytest.raises(LinliError) as exc:
        services.venue_window_add(by=personas.xjq_worker, venue=v, weekday=3, starts=dt.time(15), ends=dt.time(17))
    assert exc.value.field == "starts" and "重叠" in exc.value.message
    with pytest.raises(LinliError) as exc:
        services.venue_window_add(by=personas.xjq_worker, venue=v, weekday=9, starts=dt.time(8), ends=dt.time(9))
    assert exc.value.field == "weekday"
    with pytest.raises(LinliError) as exc:
        services.venue_window_add(by=personas.xjq_worker, venue=v, weekday=1, starts=dt.time(8), ends=dt.time(8))
    assert exc.value.field == "ends"
    with pytest.raises(LinliError):
        services.venue_window_add(by=personas.jzy_worker, venue=v, weekday=1, starts=dt.time(8), ends=dt.time(9))
    services.venue_window_remove(by=personas.xjq_worker, window=w)
    assert not v.windows.exists()
    assert AuditEntry.objects.filter(action__startswith="college.venue_window").count() == 2
