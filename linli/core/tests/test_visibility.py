"""The one visibility rule: a staff member sees the records under the areas they hold a role on."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from linli.accounts.roles import Perm
from linli.areas import visibility
from linli.areas.selectors import area_get, areas_visible
from linli.core.errors import CoreErrorCode, LinliError
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID, resident
from linli.people.models import Resident
from linli.people.selectors import resident_get, residents_visible

KANGMEI = "500112022"
RENHE = "500112009"

pytestmark = pytest.mark.django_db



# --- the pure functions ----------------------------------------------------------------------


def test_minimal_codes_drops_what_a_shorter_code_covers():
    assert visibility.minimal_codes([XINGJIAQIAO, RENHE, XJQ_GRID, JINZHUYUAN]) == [RENHE, JINZHUYUAN]
    assert visibility.minimal_codes([XJQ_GRID, XJQ_GRID]) == [XJQ_GRID]
    assert visibility.minimal_codes([]) == []
    # sibling codes sharing digits are not prefixes of each other
    assert visibility.minimal_codes(["500112009011", "500112009012"]) == ["500112009011", "500112009012"]


def test_narrow_to_an_area_inside_what_is_held():
    assert visibility.narrow(["500112"], KANGMEI) == [KANGMEI]
    assert visibility.narrow(["500112"], None) == ["500112"]
    assert visibility.narrow(["500112"], "") == ["500112"]


def test_narrow_to_an_outer_area_keeps_only_held_codes_inside_it():
    assert visibility.narrow([XINGJIAQIAO, JINZHUYUAN], RENHE) == [XINGJIAQIAO]
    assert visibility.narrow([XINGJIAQIAO, JINZHUYUAN], "500112") == [XINGJIAQIAO, JINZHUYUAN]


def test_narrow_to_an_area_outside_gives_nothing():
    assert visibility.narrow([XINGJIAQIAO], JINZHUYUAN) == []
    assert visibility.narrow([XINGJIAQIAO], KANGMEI) == []
    assert visibility.narrow([], XINGJIAQIAO) == []


def test_covers():
    assert visibility.covers([RENHE], XJQ_GRID)
    assert visibility.covers([RENHE], RENHE)
    assert not visibility.covers([RENHE], JINZHUYUAN)
    assert not visibility.covers([XINGJIAQIAO], RENHE)  # below does not see above
    assert not visibility.covers([], XINGJIAQIAO)


# --- the matrix, through the residents' selector ------------------------------------------------


def _names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


@pytest.fixture
def names(personas):
    return {
        "xjq": {r.name for r in personas.xjq_residents},
        "jzy": {r.name for r in personas.jzy_residents},
        "grid": {personas.xjq_residents[0].name},
    }


def test_xjq_worker_sees_only_xingjiaqiao(personas, names):
    assert _names(residents_visible(personas.xjq_worker)) == names["xjq"]


def test_jzy_worker_sees_only_jinzhuyuan(personas, names):
    assert _names(residents_visible(personas.jzy_worker)) == names["jzy"]


def test_street_admin_sees_own_street_only(personas, names):
    assert _names(residents_visible(personas.renhe_admin)) == names["xjq"]


def test_district_admin_sees_both(personas, names):
    assert _names(residents_visible(personas.district_admin)) == names["xjq"] | names["jzy"]


def test_grid_worker_sees_only_their_grid(personas, names):
    seen = residents_visible(personas.xjq_grid_worker)
    assert _names(seen) == names["grid"]
    assert {r.area_id for r in seen} == {XJQ_GRID}


def test_people_without_a_role_see_nobody(personas):
    assert residents_visible(personas.outsider).count() == 0
    assert residents_visible(personas.resident_user).count() == 0
    assert residents_visible(AnonymousUser()).count() == 0
    assert Resident.objects.count() == 6  # there is something to see


def test_an_inactive_staff_member_sees_nobody(personas):
    personas.xjq_worker.is_active = False
    assert residents_visible(personas.xjq_worker).count() == 0


def test_a_revoked_grant_stops_visibility(personas):
    from linli.accounts.selectors import grants_of
    from linli.accounts.services import role_revoke

    role_revoke(by=personas.district_admin, grant=grants_of(personas.xjq_worker).get())
    assert residents_visible(personas.xjq_worker).count() == 0


def test_a_community_whose_code_starts_like_another_is_not_leaked(personas):
    """Codes are fixed-width per level: holding 500112009011 says nothing about its sibling 500112009012."""
    from linli.areas.models import Area, Level

    Area.objects.create(code="500112009012", name="邻社区", level=Level.COMMUNITY, parent_id=RENHE)
    neighbour = resident("500112009012", "邻居民")
    assert neighbour not in residents_visible(personas.xjq_worker)
    assert neighbour in residents_visible(personas.renhe_admin)


def test_within_narrows_the_district_admin(personas, names):
    assert _names(residents_visible(personas.district_admin, within=KANGMEI)) == names["jzy"]
    assert _names(residents_visible(personas.district_admin, within=JINZHUYUAN)) == names["jzy"]
    assert _names(residents_visible(personas.district_admin, within=XJQ_GRID)) == names["grid"]


def test_within_cannot_widen(personas, names):
    assert residents_visible(personas.xjq_worker, within=JINZHUYUAN).count() == 0
    assert residents_visible(personas.xjq_worker, within=KANGMEI).count() == 0
    # asking for the whole district gives back only what is held
    assert _names(residents_visible(personas.xjq_worker, within="500112")) == names["xjq"]
    assert _names(residents_visible(personas.xjq_grid_worker, within=XINGJIAQIAO)) == names["grid"]


def test_permission_matters_not_just_the_role(personas):
    # the grid worker may view but not unmask; the assistance officer may unmask in 邢家桥 only
    assert residents_visible(personas.xjq_grid_worker, permission=Perm.UNMASK_PII).count() == 0
    assert residents_visible(personas.assistance_officer, permission=Perm.UNMASK_PII).count() == 3
    assert residents_visible(personas.assistance_officer, permission=Perm.CHANGE_RESIDENT).count() == 0


def test_resident_get_of_another_community_is_not_found(personas):
    other = personas.jzy_residents[0]
    with pytest.raises(LinliError) as caught:
        resident_get(personas.xjq_worker, other.pk)
    assert caught.value.code == CoreErrorCode.NOT_FOUND
    assert caught.value.status == 404
    # the same answer as for a record that does not exist
    with pytest.raises(LinliError) as missing:
        resident_get(personas.xjq_worker, 10**9)
    assert missing.value.message == caught.value.message
    assert resident_get(personas.jzy_worker, other.pk) == other


@pytest.mark.parametrize("pk", ["abc", None, "-1", "0", str(2**63), "1 OR 1=1"])
def test_resident_get_with_a_malformed_key_is_not_found(personas, pk):
    with pytest.raises(LinliError) as caught:
        resident_get(personas.district_admin, pk)
    assert caught.value.status == 404


def test_areas_visible_follow_the_same_rule(personas):
    codes = set(areas_visible(personas.xjq_worker, Perm.VIEW_RESIDENT).values_list("code", flat=True))
    assert codes == {XINGJIAQIAO, XJQ_GRID}
    with pytest.raises(LinliError) as caught:
        area_get(personas.xjq_worker, JINZHUYUAN, Perm.VIEW_RESIDENT)
    assert caught.value.status == 404
