"""Who sees which college record, on every list and detail page and in the selectors.

The world: a club, teacher, venue and course in 邢家桥 and in 金竹苑; in 人和街道 (邢家桥's street)
an expert and a pending invitation at street level, the street's venue, and a neighbour community
(人和二社区) with a shared venue, a private one and its own teacher.
"""

from __future__ import annotations

import pytest
from django.test import Client

from linli.accounts.roles import Perm
from linli.college.selectors import clubs, courses, teachers, venues
from linli.college.tests.parts import RENHE, SIBLING, sibling_community, teacher, venue, xjq_and_jzy
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID

pytestmark = pytest.mark.django_db

# persona -> what it sees: "xjq" / "jzy" (a community's own), "renhe" (the whole of 人和街道),
# "usable" (what 邢家桥 may use from its street, read-only); None: no college at all (status).
SEES: dict[str, set[str] | int] = {
    "xjq_worker": {"xjq", "usable"},
    "xjq_grid_worker": {"xjq", "usable"},
    "jzy_worker": {"jzy"},
    "renhe_admin": {"xjq", "usable", "renhe"},
    "district_admin": {"xjq", "usable", "renhe", "jzy"},
    "assistance_officer": 403,
    "outsider": 403,
    "resident_user": 403,
    "anonymous": 302,
}
MANAGES = {"xjq_worker": {"xjq"}, "jzy_worker": {"jzy"}, "renhe_admin": {"xjq", "usable", "renhe"},
           "district_admin": {"xjq", "usable", "renhe", "jzy"}}


@pytest.fixture
def world(personas):
    sibling_community()
    r = xjq_and_jzy(personas)
    tag = {}  # record -> the tag a persona needs to see it
    for key in ("xjq", "jzy"):
        for kind, obj in r[key].items():
            tag[(kind, obj.pk)] = key
    extra = {
        ("teacher", "街道专家"): ("usable", teacher(personas, RENHE, name="街道专家", kind="expert")),
        ("teacher", "街道待邀请"): ("renhe", teacher(personas, RENHE, name="街道待邀请", status="invited")),
        ("teacher", "二社区老师"): ("renhe", teacher(personas, SIBLING, name="二社区老师")),
        ("venue", "人和文化站"): ("usable", venue(personas, RENHE, name="人和文化站")),
        ("venue", "二社区共用大厅"): ("usable", venue(personas, SIBLING, name="二社区共用大厅", shared=True)),
        ("venue", "二社区自用小屋"): ("renhe", venue(personas, SIBLING, name="二社区自用小屋")),
    }
    for (kind, _), (t, obj) in extra.items():
        tag[(kind, obj.pk)] = t
    objects = {kind: [] for kind in ("alliance", "club", "teacher", "venue", "course")}
    for key in ("xjq", "jzy"):
        for kind, obj in r[key].items():
            objects[kind].append(obj)
    for (kind, _), (_, obj) in extra.items():
        objects[kind].append(obj)
    return {"tag": tag, "objects": objects}


def _user(personas, who):
    return None if who == "anonymous" else getattr(personas, who)


def _client(personas, who) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(personas, who))
    return client


def _visible(world, who, kind) -> set[int]:
    sees = SEES[who]
    assert isinstance(sees, set)
    return {o.pk for o in world["objects"][kind] if world["tag"][(kind, o.pk)] in sees}


PAGES = {"teacher": "teachers", "venue": "venues", "course": "courses", "club": "clubs"}


@pytest.mark.parametrize("who", SEES)
@pytest.mark.parametrize("kind", ["teacher", "venue", "course"])
def test_list_pages_show_exactly_what_the_persona_sees(personas, world, who, kind):
    response = _client(personas, who).get(f"/college/{PAGES[kind]}/", {"archived": "on"})
    if isinstance(SEES[who], int):
        assert response.status_code == SEES[who]
        return
    assert response.status_code == 200
    html = response.content.decode()
    for obj in world["objects"][kind]:
        shown = f'href="/college/{PAGES[kind]}/{obj.pk}/"' in html
        assert shown == (obj.pk in _visible(world, who, kind)), (who, str(obj))


@pytest.mark.parametrize("who", SEES)
def test_the_clubs_page_never_shows_another_communitys_clubs(personas, world, who):
    client = _client(personas, who)
    for community in (XINGJIAQIAO, JINZHUYUAN, SIBLING, "500112"):
        for path in ("/college/clubs/", "/college/task-force/"):
            response = client.get(path, {"community": community})
            if isinstance(SEES[who], int):
                assert response.status_code == SEES[who]
                continue
            assert response.status_code == 200
            html = response.content.decode()
            for c in world["objects"]["club"]:
                if f'href="/college/clubs/{c.pk}/"' in html:
                    assert c.pk in _visible(world, who, "club"), (who, path, community, c.name)
    if SEES[who] in ({"xjq", "usable"},):
        assert "xjq太极社" in client.get("/college/clubs/").content.decode()


@pytest.mark.parametrize("who", SEES)
@pytest.mark.parametrize("kind", ["club", "teacher", "venue", "course"])
def test_detail_pages_open_only_for_visible_records_and_edit_only_for_managed_ones(personas, world, who, kind):
    client = _client(personas, who)
    for obj in world["objects"][kind]:
        for suffix in ("", "edit/"):
            response = client.get(f"/college/{PAGES[kind]}/{obj.pk}/{suffix}")
            if isinstance(SEES[who], int):  # a staff member without the college: the same 404 as a stranger's record
                assert response.status_code in {SEES[who], 404 if who == "assistance_officer" else SEES[who]}
                assert str(obj) not in response.content.decode()
                continue
            allowed = _visible(world, who, kind) if suffix == "" else {
                o.pk for o in world["objects"][kind] if world["tag"][(kind, o.pk)] in MANAGES.get(who, set())}
            if obj.pk in allowed:
                assert response.status_code == 200, (who, str(obj), suffix)
            else:
                assert response.status_code == 404, (who, str(obj), suffix)
                assert str(obj) not in response.content.decode()


def test_the_grid_workers_grant_counts_for_its_whole_community(personas, world):
    user = personas.xjq_grid_worker
    assert {c.name for c in clubs.clubs_visible(user)} == {"xjq太极社"}
    assert {c.title for c in courses.courses_visible(user)} == {"xjq太极拳"}
    assert {a.area_id for a in clubs.alliances_visible(user)} == {XINGJIAQIAO}
    assert {c.title for c in courses.courses_visible(user, within=XJQ_GRID)} == {"xjq太极拳"}
    # ...to see, never to manage.
    assert not clubs.clubs_visible(user, permission=Perm.MANAGE_COLLEGE).exists()
    assert [a.code for a in clubs.communities_visible(user)] == [XINGJIAQIAO]


def test_a_communitys_staff_see_their_streets_usable_records_read_only(personas, world):
    user = personas.xjq_worker
    assert {v.name for v in venues.venues_visible(user)} == {"xjq活动室", "人和文化站", "二社区共用大厅"}
    assert {v.name for v in venues.venues_visible(user, permission=Perm.MANAGE_COLLEGE)} == {"xjq活动室"}
    assert {t.name for t in teachers.teachers_visible(user)} == {"xjq老师", "街道专家"}
    assert {t.name for t in teachers.teachers_visible(user, permission=Perm.MANAGE_COLLEGE)} == {"xjq老师"}
    # The area switcher narrows, and never widens: 金竹苑 is nobody's business here.
    assert not venues.venues_visible(user, within=JINZHUYUAN).exists()
    assert {v.name for v in venues.venues_visible(personas.jzy_worker)} == {"jzy活动室"}


def test_a_venue_stops_being_visible_to_neighbours_when_it_is_no_longer_shared(personas, world):
    from linli.college.models import Venue
    from linli.college.services.venues import venue_archive

    hall = Venue.objects.get(name="二社区共用大厅")
    hall.shared = False
    hall.save()
    assert "二社区共用大厅" not in {v.name for v in venues.venues_visible(personas.xjq_worker)}
    station = Venue.objects.get(name="人和文化站")
    venue_archive(by=personas.renhe_admin, venue=station)
    assert "人和文化站" not in {v.name for v in venues.venues_visible(personas.xjq_worker, include_archived=True)}
    assert "人和文化站" in {v.name for v in venues.venues_visible(personas.renhe_admin, include_archived=True)}


def test_an_outsider_and_the_assistance_officer_see_nothing_in_any_selector(personas, world):
    for who in ("outsider", "assistance_officer"):
        user = _user(personas, who)
        for qs in (clubs.alliances_visible(user), clubs.clubs_visible(user), teachers.teachers_visible(user),
                   venues.venues_visible(user), courses.courses_visible(user), clubs.communities_visible(user)):
            assert not qs.exists(), who
