"""Roles and the permissions each grants. A role is granted on an area and counts below it."""

from __future__ import annotations

from django.db import models


class Perm:
    VIEW_RESIDENT = "view_resident"
    CHANGE_RESIDENT = "change_resident"
    IMPORT_RESIDENT = "import_resident"
    EXPORT_RESIDENT = "export_resident"
    UNMASK_PII = "unmask_pii"
    MANAGE_PROXY = "manage_proxy"
    MANAGE_AREAS = "manage_areas"
    MANAGE_STAFF = "manage_staff"
    VIEW_AUDIT = "view_audit"
    VIEW_ASSISTANCE = "view_assistance"  # monitoring alerts, households' assistance data
    MANAGE_ASSISTANCE = "manage_assistance"  # import monitoring runs, record home checks
    MANAGE_SURVEY = "manage_survey"  # write, publish and close questionnaires; see their results
    ENTER_SURVEY = "enter_survey"  # type in a resident's paper answers
    VIEW_COLLEGE = "view_college"  # the community college: orders, clubs, teachers, venues, courses
    MANAGE_COLLEGE = "manage_college"
    VIEW_POINTS = "view_points"  # accounts, statements, rewards and redemptions of an area
    MANAGE_POINTS = "manage_points"  # earning rules, the reward catalogue, manual awards, reversals
    VIEW_VOLUNTEERING = "view_volunteering"  # volunteers, teams, activities, hours, honor rolls
    MANAGE_VOLUNTEERING = "manage_volunteering"  # run activities, confirm hours, verify, certificates


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", "区级管理员"
    STREET_ADMIN = "street_admin", "街道管理员"
    COMMUNITY_WORKER = "community_worker", "社区工作者"
    GRID_WORKER = "grid_worker", "网格员"
    ASSISTANCE_OFFICER = "assistance_officer", "救助专干"


_ADMIN = frozenset(
    {
        Perm.VIEW_RESIDENT, Perm.CHANGE_RESIDENT, Perm.IMPORT_RESIDENT, Perm.EXPORT_RESIDENT,
        Perm.UNMASK_PII, Perm.MANAGE_PROXY, Perm.MANAGE_AREAS, Perm.MANAGE_STAFF, Perm.VIEW_AUDIT,
        Perm.MANAGE_SURVEY, Perm.ENTER_SURVEY, Perm.VIEW_COLLEGE, Perm.MANAGE_COLLEGE,
        Perm.VIEW_POINTS, Perm.MANAGE_POINTS, Perm.VIEW_VOLUNTEERING, Perm.MANAGE_VOLUNTEERING,
    }
)

# Assistance data is for assistance officers only: no other role carries VIEW_ASSISTANCE or
# MANAGE_ASSISTANCE (tests/test_roles asserts it).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.DISTRICT_ADMIN: _ADMIN,
    Role.STREET_ADMIN: _ADMIN,
    Role.COMMUNITY_WORKER: frozenset(
        {
            Perm.VIEW_RESIDENT, Perm.CHANGE_RESIDENT, Perm.IMPORT_RESIDENT, Perm.EXPORT_RESIDENT,
            Perm.UNMASK_PII, Perm.MANAGE_PROXY, Perm.MANAGE_AREAS,
            Perm.MANAGE_SURVEY, Perm.ENTER_SURVEY, Perm.VIEW_COLLEGE, Perm.MANAGE_COLLEGE,
            Perm.VIEW_POINTS, Perm.MANAGE_POINTS, Perm.VIEW_VOLUNTEERING, Perm.MANAGE_VOLUNTEERING,
        }
    ),
    # Grid workers carry paper questionnaires door to door and see the college's plans.
    Role.GRID_WORKER: frozenset(
        {
            Perm.VIEW_RESIDENT, Perm.CHANGE_RESIDENT, Perm.MANAGE_PROXY, Perm.ENTER_SURVEY, Perm.VIEW_COLLEGE,
            Perm.VIEW_POINTS, Perm.VIEW_VOLUNTEERING,
        }
    ),
    Role.ASSISTANCE_OFFICER: frozenset(
        {Perm.VIEW_RESIDENT, Perm.UNMASK_PII, Perm.VIEW_ASSISTANCE, Perm.MANAGE_ASSISTANCE}
    ),
}

# The level of area each role is normally granted on (a grant elsewhere is refused).
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.DISTRICT_ADMIN: ("county",),
    Role.STREET_ADMIN: ("street",),
    Role.COMMUNITY_WORKER: ("community",),
    Role.GRID_WORKER: ("grid", "community"),
    Role.ASSISTANCE_OFFICER: ("county", "street", "community"),
}
