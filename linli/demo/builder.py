"""Builds the demo through the real services, so the demo obeys every rule the product does:
valid ID numbers, one household at a time, one head per household, audited writes.

Idempotent: areas and staff are found or made; the people are built only while the demo
communities have no residents yet.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from linli.accounts import services as accounts
from linli.accounts.models import User
from linli.areas.models import Area
from linli.areas.services import area_create, areas_import_official
from linli.assistance.demo import demo_build as assistance_demo
from linli.core.errors import LinliError
from linli.demo import places
from linli.demo.college import cast_named, college_build
from linli.demo.enrollment import enrollment_build
from linli.demo.places import COMMUNITIES, PROXY, STAFF, Community
from linli.demo.population import Family, plan_demo
from linli.people import selectors as people_selectors
from linli.people import services as people
from linli.people.models import Household, ProxyBinding, ProxyScope, Resident
from linli.points.demo import demo_build as points_demo
from linli.volunteering.demo import demo_build as volunteering_demo


@dataclass(frozen=True)
class DemoResult:
    built: bool  # False: the demo was already there and nothing was added
    residents: int
    households: int
    seconds: float


def demo_load(
    *, size: int = places.RESIDENTS_PER_COMMUNITY, areas_prefix: str = "", seed: int = places.SEED
) -> DemoResult:
    """Official areas (whole country, or those under ``areas_prefix``), then the demo."""
    areas_import_official(prefix=areas_prefix)
    return demo_build(size=size, seed=seed)


@transaction.atomic
def demo_build(*, size: int = places.RESIDENTS_PER_COMMUNITY, seed: int = places.SEED) -> DemoResult:
    """``size`` residents in each demo community, all or nothing."""
    start = time.perf_counter()
    staff = _areas_and_staff()
    built = not demo_exists()
    if built:
        plans = plan_demo(COMMUNITIES, size=size, seed=seed, proxy=PROXY)
        cast = cast_named(plans[places.XJQ.code])
        for community in COMMUNITIES:
            worker = staff[places.WORKER_OF[community.code]]
            for family in plans[community.code]:
                _family_create(by=worker, community=community, family=family)
        if size > 0:
            _proxy_example(by=staff[places.WORKER_OF[places.XJQ.code]])
        today = dt.date.today()
        college_build(staff=staff, seed=seed, today=today, cast=cast)
        points_demo(staff=staff, today=today)  # earning rules first: volunteering and attendance award through them
        enrollment_build(staff=staff, seed=seed, today=today)
        volunteering_demo(staff=staff, today=today)
        assistance_demo(staff=staff, today=today)
    residents, households = _counts()
    return DemoResult(built=built, residents=residents, households=households,
                      seconds=time.perf_counter() - start)


def _in_demo() -> Q:
    q = Q()
    for community in COMMUNITIES:
        q |= Q(area__code__startswith=community.code)
    return q


def demo_exists() -> bool:
    """The demo communities already have residents: built before (or in real use), leave them."""
    return Resident.objects.filter(_in_demo()).exists()


def _counts() -> tuple[int, int]:
    return Resident.objects.filter(_in_demo()).count(), Household.objects.filter(_in_demo()).count()


# --- areas and staff -------------------------------------------------------------------------


def _official(code: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise LinliError("demo.areas_missing", f"缺少官方区划 {code}，请先导入区划（linli areas import）")
    return area


def _area(*, by: User, parent: Area, code: str, name: str) -> Area:
    existing = Area.objects.filter(code=code).first()
    return existing or area_create(by=by, parent=parent, code=code, name=name)


def _staff(spec: places.Staff) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        # by=None: set-up by the command itself, no one is logged in.
        user = accounts.staff_create(by=None, username=spec.username, full_name=spec.full_name,
                                     password=places.PASSWORD)
    accounts.role_grant(by=None, user=user, area=Area.objects.get(code=spec.area_code), role=spec.role)
    return user


def _areas_and_staff() -> dict[str, User]:
    """The district admin adds the communities; each community's worker adds its grids."""
    specs = {s.username: s for s in STAFF}
    _official(places.DISTRICT)
    district = _staff(specs["district"])
    for community in COMMUNITIES:
        _area(by=district, parent=_official(community.street), code=community.code, name=community.name)
    users = {"district": district}
    for community in COMMUNITIES:
        worker = _staff(specs[places.WORKER_OF[community.code]])
        users[worker.username] = worker
        parent = Area.objects.get(code=community.code)
        for i, name in enumerate(community.grids, start=1):
            _area(by=worker, parent=parent, code=f"{parent.code}{i:03d}", name=name)
    for spec in STAFF:
        if spec.username not in users:
            users[spec.username] = _staff(spec)
    return users


# --- people --------------------------------------------------------------------------------


def _family_create(*, by: User, community: Community, family: Family) -> Household:
    area_code = community.grid_code(family.grid)
    residents = [
        people.resident_create(
            by=by,
            name=p.name,
            id_number=p.id_number,
            area_code=area_code,
            sex=p.sex,
            birth_date=p.birth,
            phone=p.phone,
            address=family.address,
            tags=p.tags,
            note=p.note,
        )
        for p in family.members
    ]
    household = people.household_create(by=by, head=residents[0], address=family.address)
    for resident, person in zip(residents[1:], family.members[1:], strict=True):
        people.household_member_add(by=by, household=household, resident=resident, relation=person.relation)
    return household


def _proxy_example(*, by: User) -> ProxyBinding:
    """The daughter, who lives elsewhere, may act for her mother: from a signed paper form."""
    elder = people_selectors.resident_by_phone(PROXY.phone)
    assert elder is not None, "the proxy example is planned in the first community"
    return people.proxy_bind(by=by, principal=elder, relation=ProxyBinding.Relation.FAMILY,
                             scopes=ProxyScope.values, agent_phone=PROXY.agent_phone, agent_name=PROXY.agent_name)
