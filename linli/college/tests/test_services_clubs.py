"""Alliances, clubs, members and the task force: defaults, bad input, residents of the community only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from linli.college.models import Alliance, Club, ClubMember, TaskForceMember
from linli.college.selectors.clubs import alliances_with_clubs, task_force
from linli.college.services import clubs as services
from linli.college.tests.parts import club, course
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID

pytestmark = pytest.mark.django_db
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=CST), tick=False):
        yield


def test_default_alliances_are_made_once_in_order(personas):
    first = services.alliances_ensure_defaults(by=personas.xjq_worker, area_code=XINGJIAQIAO)
    again = services.alliances_ensure_defaults(by=personas.xjq_worker, area_code=XINGJIAQIAO)
    assert [a.name for a in first] == ["艺术", "体育", "科技", "文化", "便民服务"]
    assert [a.pk for a in again] == [a.pk for a in first]
    assert Alliance.objects.count() == 5
    assert AuditEntry.objects.filter(action="college.alliance_create").count() == 5


def test_defaults_are_not_added_to_a_community_that_has_its_own(personas):
    services.alliance_create(by=personas.xjq_worker, area_code=XINGJIAQIAO, name="夕阳红")
    assert [a.name for a in services.alliances_ensure_defaults(by=personas.xjq_worker, area_code=XINGJIAQIAO)] == [
        "夕阳红"]


def test_defaults_need_manage_on_a_community(personas):
    for who, code in (("jzy_worker", XINGJIAQIAO), ("xjq_grid_worker", XINGJIAQIAO), ("outsider", XINGJIAQIAO)):
        with pytest.raises(LinliError) as exc:
            services.alliances_ensure_defaults(by=getattr(personas, who), area_code=code)
        assert exc.value.status == 403
    with pytest.raises(LinliError) as exc:
        services.alliances_ensure_defaults(by=personas.renhe_admin, area_code="500112009")
    assert exc.value.field == "area" and "应选择社区" in exc.value.message
    with pytest.raises(LinliError) as exc:
        services.alliances_ensure_defaults(by=personas.xjq_worker, area_code=XJQ_GRID)
    assert exc.value.field == "area"
    assert not Alliance.objects.exists()


def test_alliances_are_renamed_given_a_head_and_reordered(personas):
    alliances = services.alliances_ensure_defaults(by=personas.xjq_worker, area_code=XINGJIAQIAO)
    art, sport = alliances[0], alliances[1]
    with pytest.raises(LinliError) as exc:
        services.alliance_update(by=personas.xjq_worker, alliance=art, name="体育")
    assert (exc.value.field, exc.value.status) == ("name", 409)
    with pytest.raises(LinliError) as exc:
        services.alliance_update(by=personas.xjq_worker, alliance=art, name="艺术", head=personas.jzy_residents[0])
    assert exc.value.field == "head" and "不是本社区的居民" in exc.value.message
    services.alliance_update(by=personas.xjq_worker, alliance=art, name="文艺", head=personas.xjq_residents[1])
    services.alliance_move(by=personas.xjq_worker, alliance=sport, direction="up")
    services.alliance_move(by=personas.xjq_worker, alliance=sport, direction="up")  # already first: stays
    ordered = list(Alliance.objects.filter(area_id=XINGJIAQIAO).order_by("position"))
    assert [a.name for a in ordered] == ["体育", "文艺", "科技", "文化", "便民服务"]
    assert ordered[1].head == personas.xjq_residents[1]
    with pytest.raises(LinliError) as exc:
        services.alliance_move(by=personas.xjq_worker, alliance=sport, direction="sideways")
    assert exc.value.field == "direction"


def test_a_club_is_created_in_its_alliances_community_with_a_resident_leader(personas):
    art = services.alliances_ensure_defaults(by=personas.xjq_worker, area_code=XINGJIAQIAO)[0]
    c = services.club_create(by=personas.xjq_worker, area_code=XINGJIAQIAO, alliance=art, name=" 绘画班 ",
                             leader=personas.xjq_residents[0], founded_on=dt.date(2024, 3, 1))
    assert (c.name, c.area_id, c.leader) == ("绘画班", XINGJIAQIAO, personas.xjq_residents[0])
    assert AuditEntry.objects.filter(action="college.club_create", target_id=str(c.pk)).exists()


@pytest.mark.parametrize(("kwargs", "field", "status"), [
    ({"name": ""}, "name", 400),
    ({"name": "班" * 49}, "name", 400),
    ({"name": "绘画班"}, "name", 409),
    ({"leader": "jzy"}, "leader", 400),
    ({"alliance": "jzy"}, "alliance", 400),
    ({"founded_on": dt.date(2026, 11, 26)}, "founded_on", 400),
])
def test_bad_club_input_is_refused_by_field(personas, kwargs, field, status):
    art = services.alliances_ensure_defaults(by=personas.xjq_worker, area_code=XINGJIAQIAO)[0]
    services.club_create(by=personas.xjq_worker, area_code=XINGJIAQIAO, alliance=art, name="绘画班")
    if kwargs.get("leader") == "jzy":
        kwargs["leader"] = personas.jzy_residents[0]
    if kwargs.get("alliance") == "jzy":
        kwargs["alliance"] = services.alliances_ensure_defaults(by=personas.jzy_worker, area_code=JINZHUYUAN)[0]
    values = {"by": personas.xjq_worker, "area_code": XINGJIAQIAO, "alliance": art, "name": "书法班", **kwargs}
    with pytest.raises(LinliError) as exc:
        services.club_create(**values)
    assert (exc.value.field, exc.value.status) == (field, status)
    assert Club.objects.count() == 1


def test_an_archived_residents_cannot_lead(personas):
    from linli.people.services import resident_archive

    r = personas.xjq_residents[2]
    resident_archive(by=personas.xjq_worker, resident=r, reason="迁出")
    r.refresh_from_db()
    with pytest.raises(LinliError) as exc:
        club(personas, leader=r)
    assert exc.value.field == "leader" and "已注销" in exc.value.message


def test_members_are_residents_of_the_community_once_each(personas):
    c = club(personas)
    m = services.club_member_add(by=personas.xjq_worker, club=c, resident=personas.xjq_residents[0])
    assert m.joined_on == dt.date(2026, 11, 25)
    with pytest.raises(LinliError) as exc:
        services.club_member_add(by=personas.xjq_worker, club=c, resident=personas.xjq_residents[0])
    assert (exc.value.field, exc.value.status) == ("resident", 409)
    with pytest.raises(LinliError) as exc:
        services.club_member_add(by=personas.xjq_worker, club=c, resident=personas.jzy_residents[0])
    assert exc.value.field == "resident"
    with pytest.raises(LinliError) as exc:
        services.club_member_add(by=personas.jzy_worker, club=c, resident=personas.xjq_residents[1])
    assert exc.value.status == 403
    services.club_update(by=personas.xjq_worker, club=c, alliance=c.alliance, name=c.name,
                         leader=personas.xjq_residents[0])
    with pytest.raises(LinliError) as exc:  # the leader is changed first
        services.club_member_remove(by=personas.xjq_worker, member=m)
    assert "团长" in exc.value.message
    services.club_update(by=personas.xjq_worker, club=c, alliance=c.alliance, name=c.name, leader=None)
    services.club_member_remove(by=personas.xjq_worker, member=m)
    assert not ClubMember.objects.exists()


def test_a_club_with_courses_is_never_deleted_only_archived(personas):
    c = club(personas)
    crs = course(personas, c)
    with pytest.raises(LinliError) as exc:
        services.club_delete(by=personas.xjq_worker, club=c)
    assert exc.value.status == 409 and "归档" in exc.value.message
    with pytest.raises(LinliError) as exc:  # its course still runs
        services.club_archive(by=personas.xjq_worker, club=c)
    assert exc.value.status == 409
    from linli.college.services.courses import course_status_set

    course_status_set(by=personas.xjq_worker, course=crs, status="cancelled", reason="报名不足")
    services.club_archive(by=personas.xjq_worker, club=c, reason="停办")
    c.refresh_from_db()
    assert c.archived_at is not None
    with pytest.raises(LinliError) as exc:
        services.club_member_add(by=personas.xjq_worker, club=c, resident=personas.xjq_residents[1])
    assert exc.value.code == "college.archived"
    services.club_restore(by=personas.xjq_worker, club=c)
    empty = club(personas)
    services.club_delete(by=personas.xjq_worker, club=empty)
    assert set(Club.objects.values_list("pk", flat=True)) == {c.pk}


def test_the_task_force_names_commander_and_deputies_and_derives_heads_and_leaders(personas):
    add = services.task_force_member_add
    add(by=personas.xjq_worker, area_code=XINGJIAQIAO, role="commander", name="陈斌", title="街道党工委副书记")
    with pytest.raises(LinliError) as exc:
        add(by=personas.xjq_worker, area_code=XINGJIAQIAO, role="commander", name="杨鑫")
    assert (exc.value.field, exc.value.status) == ("role", 409)
    deputy = add(by=personas.xjq_worker, area_code=XINGJIAQIAO, role="deputy", name="杨鑫", title="社区党委书记")
    with pytest.raises(LinliError) as exc:
        add(by=personas.xjq_worker, area_code=XINGJIAQIAO, role="head", name="某某")
    assert exc.value.field == "role"
    with pytest.raises(LinliError) as exc:
        add(by=personas.xjq_worker, area_code=XINGJIAQIAO, role="deputy", name=" ")
    assert exc.value.field == "name"
    with pytest.raises(LinliError) as exc:
        add(by=personas.jzy_worker, area_code=XINGJIAQIAO, role="deputy", name="某某")
    assert exc.value.status == 403
    c = club(personas, leader=personas.xjq_residents[1])
    services.alliance_update(by=personas.xjq_worker, alliance=c.alliance, name=c.alliance.name,
                             head=personas.xjq_residents[2])
    tf = task_force(XINGJIAQIAO)
    assert [m.name for m in tf.commanders] == ["陈斌"] and [m.name for m in tf.deputies] == ["杨鑫"]
    assert [(a.name, a.head) for a in tf.alliance_heads] == [("艺术", personas.xjq_residents[2])]
    assert len(tf.alliances_without_head) == 4
    assert [(x.name, x.leader) for x in tf.club_leaders] == [(c.name, personas.xjq_residents[1])]
    services.task_force_member_remove(by=personas.xjq_worker, member=deputy)
    assert TaskForceMember.objects.count() == 1


def test_the_clubs_page_data_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    def build(n: int) -> None:
        for _ in range(n):
            c = club(personas, leader=personas.xjq_residents[1])
            services.club_member_add(by=personas.xjq_worker, club=c, resident=personas.xjq_residents[1])
            course(personas, c)

    build(2)
    with django_assert_num_queries(2):
        small = alliances_with_clubs(XINGJIAQIAO)
        assert sum(len(a.clubs.all()) for a in small) == 2
    build(8)
    with django_assert_num_queries(2):
        alliances = alliances_with_clubs(XINGJIAQIAO)
        clubs = [c for a in alliances for c in a.clubs.all()]
        assert len(clubs) == 10
        assert {(c.member_count, c.course_count, c.leader.name) for c in clubs} == {(1, 1, "邢居民1")}
