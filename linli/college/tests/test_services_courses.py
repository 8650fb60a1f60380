"""Courses: a room that cannot be found, a venue that falls short, a teacher out of reach, bad numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.college.models import Course
from linli.college.services import courses as services
from linli.college.services.teachers import teacher_status_set
from linli.college.services.venues import venue_archive
from linli.college.tests.parts import RENHE, SIBLING, club, course, sibling_community, teacher, venue
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

pytestmark = pytest.mark.django_db


def _create(p, the_club, **kwargs):
    values = {"by": p.xjq_worker, "club": the_club, "title": "舞蹈", "term": "2026年秋季", "capacity": 20,
              "starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2027, 3, 1)}
    return services.course_create(**{**values, **kwargs})


def test_a_course_needing_what_no_usable_venue_has_is_refused_with_what_to_do(personas):
    c = club(personas)
    venue(personas, features=["mirror"])  # a mirror but no sound
    venue(personas, JINZHUYUAN, features=["mirror", "sound"], shared=True)  # another street's: not usable
    with pytest.raises(LinliError) as exc:
        _create(personas, c, needed_features=["mirror", "sound"])
    assert exc.value.field == "needed_features"
    assert exc.value.message == ("场地要求：没有可用场地同时具备：镜子、音响。请先在“场地”中登记具备这些条件的场地，"
                                 "或修改场地要求。")
    assert not Course.objects.exists()


def test_a_shared_siblings_or_the_streets_venue_meets_the_need(personas):
    sibling_community()
    c = club(personas)
    hall = venue(personas, SIBLING, features=["mirror", "sound"], shared=True)
    assert _create(personas, c, needed_features=["mirror", "sound"], venue=hall).venue == hall
    station = venue(personas, RENHE, features=["open_air"])
    assert _create(personas, c, title="太极拳", needed_features=["open_air"], venue=station).venue == station


def test_the_chosen_venue_must_have_every_needed_feature_and_room_enough(personas):
    c = club(personas)
    venue(personas, features=["mirror", "sound"], capacity=40)
    small = venue(personas, name="小屋", features=["mirror", "sound"], capacity=10)
    bare = venue(personas, name="门市", features=["mirror"], capacity=40)
    with pytest.raises(LinliError) as exc:
        _create(personas, c, needed_features=["mirror", "sound"], venue=bare)
    assert exc.value.field == "venue" and exc.value.message == "场地：“门市”缺少：音响，请换一个场地或修改场地要求"
    with pytest.raises(LinliError) as exc:
        _create(personas, c, needed_features=["mirror", "sound"], venue=small)
    assert exc.value.field == "venue" and "只能容纳 10 人，少于课程名额 20 人" in exc.value.message


def test_a_venue_the_community_may_not_use_is_refused(personas):
    sibling_community()
    c = club(personas)
    private = venue(personas, SIBLING, name="二社区自用小屋")
    elsewhere = venue(personas, JINZHUYUAN, name="金竹苑广场", shared=True)
    closed = venue(personas, name="已停用门市")
    venue_archive(by=personas.xjq_worker, venue=closed)
    for v in (private, elsewhere, closed):
        with pytest.raises(LinliError) as exc:
            _create(personas, c, needed_features=[], venue=v)
        assert exc.value.field == "venue" and "不是本社区可用的场地" in exc.value.message, v.name


def test_the_teacher_must_be_one_the_community_may_call_on(personas):
    sibling_community()
    c = club(personas)
    expert = teacher(personas, RENHE, kind="expert")
    assert _create(personas, c, needed_features=[], teacher=expert).teacher == expert
    invited = teacher(personas, status="invited")
    other = teacher(personas, SIBLING)
    stopped = teacher(personas)
    teacher_status_set(by=personas.xjq_worker, teacher=stopped, status="inactive")
    for t in (invited, other, stopped, teacher(personas, JINZHUYUAN)):
        with pytest.raises(LinliError) as exc:
            _create(personas, c, needed_features=[], teacher=t)
        assert exc.value.field == "teacher" and "不是本社区可以安排的老师" in exc.value.message


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"ends_on": dt.date(2026, 11, 30)}, "ends_on", "结课日期：不能早于开课日期（2026-12-01）"),
    ({"capacity": 0}, "capacity", "名额：不能为 0 或负数"),
    ({"capacity": -3}, "capacity", "不能为 0 或负数"),
    ({"sessions_per_week": 0}, "sessions_per_week", "每周次数：不能为 0 或负数"),
    ({"sessions_per_week": 8}, "sessions_per_week", "不能大于 7 次"),
    ({"session_minutes": 14}, "session_minutes", "不能小于 15 分钟"),
    ({"session_minutes": 481}, "session_minutes", "不能大于 480 分钟"),
    ({"needed_features": ["projector"]}, "needed_features", "没有“projector”这一项"),
    ({"title": ""}, "title", "不能为空"),
    ({"term": ""}, "term", "不能为空"),
    ({"status": "ended"}, "status", "新课程应为"),
    ({"status": "open"}, "teacher", "直接开课须已安排老师和场地"),
])
def test_bad_input_is_refused_by_field(personas, kwargs, field, words):
    with pytest.raises(LinliError) as exc:
        _create(personas, club(personas), **{"needed_features": [], **kwargs})
    assert (exc.value.field, exc.value.status) == (field, 400)
    assert words in exc.value.message


def test_a_course_goes_to_its_clubs_community_and_is_audited(personas):
    c = club(personas)
    t = teacher(personas)
    v = venue(personas, features=["mirror", "sound"])
    crs = _create(personas, c, needed_features=["sound", "mirror"], teacher=t, venue=v, sessions_per_week=2,
                  session_minutes=60)
    assert (crs.area_id, crs.needed_features, crs.created_by, crs.status) == (
        XINGJIAQIAO, ["mirror", "sound"], personas.xjq_worker, "planned")
    assert AuditEntry.objects.get(action="college.course_create").data["venue"] == v.pk


def test_only_managers_of_the_clubs_community_open_courses_and_not_for_archived_clubs(personas):
    c = club(personas)
    for who in ("jzy_worker", "xjq_grid_worker", "outsider"):
        with pytest.raises(LinliError) as exc:
            _create(personas, c, by=getattr(personas, who), needed_features=[])
        assert exc.value.status == 403
    from linli.college.services.clubs import club_archive

    club_archive(by=personas.xjq_worker, club=c)
    with pytest.raises(LinliError) as exc:
        _create(personas, c, needed_features=[])
    assert exc.value.field == "club"


def test_status_moves_forward_only(personas):
    crs = course(personas, club(personas), teacher=teacher(personas), venue=venue(personas))
    with pytest.raises(LinliError) as exc:
        services.course_status_set(by=personas.xjq_worker, course=crs, status="ended")
    assert exc.value.status == 409
    crs = services.course_status_set(by=personas.xjq_worker, course=crs, status="open")
    crs = services.course_status_set(by=personas.xjq_worker, course=crs, status="ended")
    with pytest.raises(LinliError) as exc:
        services.course_status_set(by=personas.xjq_worker, course=crs, status="open")
    assert exc.value.status == 409
    other = course(personas, club(personas))
    with pytest.raises(LinliError) as exc:  # no teacher yet
        services.course_status_set(by=personas.xjq_worker, course=other, status="open")
    assert exc.value.field == "teacher"
    with pytest.raises(LinliError) as exc:
        services.course_status_set(by=personas.xjq_worker, course=other, status="cancelled")
    assert exc.value.field == "reason"
    services.course_status_set(by=personas.xjq_worker, course=other, status="cancelled", reason="报名不足")
    assert [e.data["to"] for e in AuditEntry.objects.filter(action="college.course_status").order_by("pk")] == [
        "open", "ended", "cancelled"]


def test_update_checks_a_new_venue_but_keeps_one_that_has_since_closed(personas):
    c = club(personas)
    v = venue(personas, features=["open_air"])
    crs = course(personas, c, venue=v, needed_features=["open_air"])
    crs.venue.archived_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    crs.venue.save()
    crs = Course.objects.get(pk=crs.pk)
    services.course_update(by=personas.xjq_worker, course=crs, title="太极拳（提高班）", term=crs.term, capacity=20,
                           starts_on=crs.starts_on, ends_on=crs.ends_on, venue=crs.venue,
                           needed_features=["open_air"])
    assert Course.objects.get(pk=crs.pk).title == "太极拳（提高班）"
    bare = venue(personas, name="门市")
    with pytest.raises(LinliError) as exc:
        services.course_update(by=personas.xjq_worker, course=crs, title="太极拳", term=crs.term, capacity=20,
                               starts_on=crs.starts_on, ends_on=crs.ends_on, venue=bare, needed_features=["open_air"])
    assert exc.value.field == "needed_features"  # the only open-air venue has closed
    with pytest.raises(LinliError) as exc:
        services.course_update(by=personas.xjq_worker, course=crs, title="太极拳", term=crs.term, capacity=99,
                               starts_on=crs.starts_on, ends_on=crs.ends_on, venue=crs.venue, needed_features=[])
    assert exc.value.field == "venue" and "只能容纳 30 人" in exc.value.message
