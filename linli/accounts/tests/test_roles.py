"""Roles granted on areas: which level each role belongs to, who may grant, what each permits."""

from __future__ import annotations

import pytest

from linli.accounts import selectors, services
from linli.accounts.errors import AccountsErrorCode
from linli.accounts.models import RoleGrant, User
from linli.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from linli.areas.models import Area
from linli.core.errors import CoreErrorCode, LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, PASSWORD, XINGJIAQIAO, XJQ_GRID

pytestmark = pytest.mark.django_db

RENHE, KANGMEI, DISTRICT = "500112009", "500112022", "500112"



@pytest.fixture
def newcomer(personas):
    return User.objects.create_user(username="newcomer", password=PASSWORD)


def _area(code: str) -> Area:
    return Area.objects.get(code=code)


def _fresh(user: User) -> User:
    """The same user as the next request sees them (grants are cached per user object)."""
    return User.objects.get(pk=user.pk)


# --- levels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.STREET_ADMIN, XINGJIAQIAO),
        (Role.STREET_ADMIN, DISTRICT),
        (Role.DISTRICT_ADMIN, RENHE),
        (Role.COMMUNITY_WORKER, RENHE),
        (Role.COMMUNITY_WORKER, XJQ_GRID),
        (Role.GRID_WORKER, RENHE),
        (Role.ASSISTANCE_OFFICER, XJQ_GRID),
    ],
)
def test_a_role_on_the_wrong_level_is_refused(newcomer, role, code):
    with pytest.raises(LinliError) as caught:
        services.role_grant(by=None, user=newcomer, area=_area(code), role=role)
    assert caught.value.field == "area" and caught.value.code == CoreErrorCode.INVALID
    assert "不能授予在" in caught.value.message
    assert not RoleGrant.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.DISTRICT_ADMIN, DISTRICT),
        (Role.STREET_ADMIN, RENHE),
        (Role.COMMUNITY_WORKER, XINGJIAQIAO),
        (Role.GRID_WORKER, XJQ_GRID),
        (Role.GRID_WORKER, XINGJIAQIAO),
        (Role.ASSISTANCE_OFFICER, RENHE),
    ],
)
def test_a_role_on_its_level_is_granted(newcomer, role, code):
    grant = services.role_grant(by=None, user=newcomer, area=_area(code), role=role)
    assert (grant.role, grant.area_id, grant.revoked_at) == (role, code, None)
    assert AuditEntry.objects.filter(action="role.grant", target_id=str(grant.pk)).get().data == {"role": role}


def test_unknown_role_is_refused(newcomer):
    with pytest.raises(LinliError) as caught:
        services.role_grant(by=None, user=newcomer, area=_area(XINGJIAQIAO), role="mayor")
    assert caught.value.field == "role"


def test_granting_twice_is_one_grant(newcomer):
    first = services.role_grant(by=None, user=newcomer, area=_area(XINGJIAQIAO), role=Role.COMMUNITY_WORKER)
    second = services.role_grant(by=None, user=newcomer, area=_area(XINGJIAQIAO), role=Role.COMMUNITY_WORKER)
    assert first.pk == second.pk
    assert AuditEntry.objects.filter(action="role.grant", target_id=str(first.pk)).count() == 1


# --- who may grant --------------------------------------------------------------------------


def test_street_admin_grants_inside_their_street_only(personas, newcomer):
    grant = services.role_grant(by=personas.renhe_admin, user=newcomer, area=_area(XINGJIAQIAO),
                                role=Role.COMMUNITY_WORKER)
    assert grant.granted_by == personas.renhe_admin
    with pytest.raises(LinliError) as caught:
        services.role_grant(by=personas.renhe_admin, user=newcomer, area=_area(JINZHUYUAN), role=Role.COMMUNITY_WORKER)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    # nor above their own area
    with pytest.raises(LinliError):
        services.role_grant(by=personas.renhe_admin, user=newcomer, area=_area(DISTRICT), role=Role.DISTRICT_ADMIN)
    assert [g.area_id for g in selectors.grants_of(newcomer)] == [XINGJIAQIAO]


def test_district_admin_grants_anywhere_below(personas, newcomer):
    services.role_grant(by=personas.district_admin, user=newcomer, area=_area(KANGMEI), role=Role.STREET_ADMIN)
    assert selectors.has_permission(_fresh(newcomer), Perm.MANAGE_STAFF, JINZHUYUAN)


@pytest.mark.parametrize("who", ["xjq_worker", "xjq_grid_worker", "assistance_officer", "outsider", "resident_user"])
def test_without_manage_staff_nobody_grants(personas, newcomer, who):
    with pytest.raises(LinliError) as caught:
        services.role_grant(by=getattr(personas, who), user=newcomer, area=_area(XJQ_GRID), role=Role.GRID_WORKER)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert not RoleGrant.objects.filter(user=newcomer).exists()


def test_a_worker_cannot_promote_themself(personas):
    with pytest.raises(LinliError) as caught:
        services.role_grant(by=personas.xjq_worker, user=personas.xjq_worker, area=_area(RENHE),
                            role=Role.STREET_ADMIN)
    assert caught.value.code == CoreErrorCode.FORBIDDEN


def test_revoke_needs_manage_staff_over_the_grant(personas):
    grant = selectors.grants_of(personas.jzy_worker).get()
    with pytest.raises(LinliError) as caught:
        services.role_revoke(by=personas.renhe_admin, grant=grant)
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is None
    services.role_revoke(by=personas.district_admin, grant=grant)
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is not None
    assert not selectors.active_grants(_fresh(personas.jzy_worker))
    assert AuditEntry.objects.filter(action="role.revoke", target_id=str(grant.pk)).exists()


# --- what roles permit -----------------------------------------------------------------------


def test_only_assistance_officers_see_assistance_data():
    holders = {role for role, perms in ROLE_PERMISSIONS.items() if Perm.VIEW_ASSISTANCE in perms}
    assert holders == {Role.ASSISTANCE_OFFICER}


def test_every_role_has_permissions_and_levels():
    from linli.accounts.roles import ROLE_LEVELS

    assert set(ROLE_PERMISSIONS) == set(Role.values) == set(ROLE_LEVELS)


@pytest.mark.parametrize(
    ("who", "perm", "code", "allowed"),
    [
        ("xjq_worker", Perm.CHANGE_RESIDENT, XJQ_GRID, True),
        ("xjq_worker", Perm.CHANGE_RESIDENT, JINZHUYUAN, False),
        ("xjq_worker", Perm.MANAGE_STAFF, XINGJIAQIAO, False),
        ("xjq_grid_worker", Perm.VIEW_RESIDENT, XJQ_GRID, True),
        ("xjq_grid_worker", Perm.VIEW_RESIDENT, XINGJIAQIAO, False),
        ("xjq_grid_worker", Perm.UNMASK_PII, XJQ_GRID, False),
        ("xjq_grid_worker", Perm.IMPORT_RESIDENT, XJQ_GRID, False),
        ("assistance_officer", Perm.VIEW_ASSISTANCE, XJQ_GRID, True),
        ("assistance_officer", Perm.CHANGE_RESIDENT, XINGJIAQIAO, False),
        ("renhe_admin", Perm.VIEW_ASSISTANCE, XINGJIAQIAO, False),
        ("renhe_admin", Perm.MANAGE_STAFF, XJQ_GRID, True),
        ("district_admin", Perm.EXPORT_RESIDENT, JINZHUYUAN, True),
        ("district_admin", Perm.VIEW_RESIDENT, "500113", False),
        ("outsider", Perm.VIEW_RESIDENT, XINGJIAQIAO, False),
        ("resident_user", Perm.VIEW_RESIDENT, XJQ_GRID, False),
    ],
)
def test_has_permission(personas, who, perm, code, allowed):
    assert selectors.has_permission(getattr(personas, who), perm, code) is allowed


def test_held_areas_are_outermost_first(personas, newcomer):
    services.role_grant(by=None, user=newcomer, area=_area(XJQ_GRID), role=Role.GRID_WORKER)
    services.role_grant(by=None, user=newcomer, area=_area(RENHE), role=Role.STREET_ADMIN)
    services.role_grant(by=None, user=newcomer, area=_area(JINZHUYUAN), role=Role.COMMUNITY_WORKER)
    assert [a.code for a in selectors.held_areas(_fresh(newcomer))] == [RENHE, JINZHUYUAN]


def test_staff_lists_follow_the_visibility_rule(personas):
    renhe_sees = set(selectors.staff_visible(personas.renhe_admin).values_list("username", flat=True))
    assert renhe_sees == {"renhe", "xjq", "xjqgrid", "xjqaid"}
    assert "jzy" not in renhe_sees and "district" not in renhe_sees
    assert selectors.staff_visible(personas.xjq_worker).count() == 0
    district = set(selectors.staff_visible(personas.district_admin, within=KANGMEI).values_list("username", flat=True))
    assert district == {"jzy"}


# --- staff accounts ---------------------------------------------------------------------------


def test_staff_create_with_role(personas):
    user = services.staff_create_with_role(by=personas.renhe_admin, username="xjq2", full_name="新社工",
                                           password=PASSWORD, phone="13812345678", role=Role.COMMUNITY_WORKER,
                                           area=_area(XINGJIAQIAO))
    user = _fresh(user)
    assert user.check_password(PASSWORD) and user.phone == "13812345678" and user.kind == User.Kind.STAFF
    assert selectors.has_permission(user, Perm.VIEW_RESIDENT, XINGJIAQIAO)


def test_staff_create_with_a_wrong_role_creates_no_account(personas):
    with pytest.raises(LinliError) as caught:
        services.staff_create_with_role(by=personas.renhe_admin, username="xjq2", full_name="新社工",
                                        password=PASSWORD, role=Role.STREET_ADMIN, area=_area(XINGJIAQIAO))
    assert caught.value.field == "area"
    assert not User.objects.filter(username="xjq2").exists()


def test_staff_create_outside_ones_street_is_refused(personas):
    with pytest.raises(LinliError) as caught:
        services.staff_create_with_role(by=personas.renhe_admin, username="jzy2", full_name="x", password=PASSWORD,
                                        role=Role.COMMUNITY_WORKER, area=_area(JINZHUYUAN))
    assert caught.value.code == CoreErrorCode.FORBIDDEN
    assert not User.objects.filter(username="jzy2").exists()


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"username": "xjq"}, "username", AccountsErrorCode.USERNAME_TAKEN),
        ({"username": "  "}, "username", CoreErrorCode.INVALID),
        ({"password": "12345678"}, "password", CoreErrorCode.INVALID),
        ({"password": "short"}, "password", CoreErrorCode.INVALID),
        ({"phone": "1381234"}, "phone", CoreErrorCode.INVALID),
        ({"phone": "+86 139 0000 0000"}, "phone", AccountsErrorCode.PHONE_TAKEN),  # the resident's login
    ],
)
def test_staff_create_checks_its_input(personas, values, field, code):
    data = {"username": "new1", "full_name": "新人", "password": PASSWORD, "phone": ""} | values
    with pytest.raises(LinliError) as caught:
        services.staff_create(by=personas.district_admin, **data)
    assert caught.value.field == field and caught.value.code == code
    assert not User.objects.filter(username="new1").exists()


def test_a_residents_login_cannot_hold_a_staff_role(personas):
    from linli.accounts.services import role_grant
    from linli.areas.models import Area
    from linli.core.errors import LinliError

    with pytest.raises(LinliError) as err:
        role_grant(by=None, user=personas.resident_user, area=Area.objects.get(code="500112009011"),
                   role="community_worker")
    assert err.value.field == "user"
