"""The solver's problem built from the platform (``selectors.timetable.problem_for``): courses, venues
with features, capacity and windows, teachers' windows, what other communities hold in a shared
venue, survey preferences, shared club members, locked and previous slots, a street's scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.college.models import ClassOrder, ClubMember, WeeklySlot
from linli.college.selectors.timetable import problem_for
from linli.college.services.courses import course_status_set
from linli.college.services.timetable import GRID, duration_slots, grid_index
from linli.college.tests import parts
from linli.college.tests.enroll_kit import NOW
from linli.college.tests.orders_kit import template_survey
from linli.college.timetable import problem as reader
from linli.core.errors import LinliError
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID

pytestmark = pytest.mark.django_db

T = dt.time


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


def test_the_grid_is_seven_days_of_six_ninety_minute_slots():
    assert [g.label for g in GRID] == ["08:30–10:00", "10:00–11:30", "14:30–16:00", "16:00–17:30",
                                       "19:00–20:30", "20:30–22:00"]
    assert [duration_slots(m) for m in (45, 90, 91, 180, 480)] == [1, 1, 2, 2, 6]
    assert grid_index(T(9, 0)) == 0 and grid_index(T(9, 20)) == 1 and grid_index(T(13, 0)) == 2
    assert grid_index(T(21, 0)) == 5 and grid_index(T(21, 0), duration=2) == 4


def test_courses_venues_and_teachers_of_a_community(personas):
    p = personas
    hall = parts.venue(p, name="多功能厅", capacity=40, features=["tables", "sound"],
                       windows=[(1, T(8), T(12)), (3, T(14), T(17, 30))])
    room = parts.venue(p, name="小教室", capacity=20)
    wang = parts.teacher(p, name="王老师", windows=[(1, T(8, 30), T(11, 30)), (2, T(19), T(22)), (4, T(9), T(10))])
    li = parts.teacher(p, name="李老师")
    calligraphy = parts.club(p, name="书法社")
    dance = parts.club(p, name="舞蹈队")
    writing = parts.course(p, calligraphy, title="书法", teacher=wang, venue=hall, sessions_per_week=2,
                           session_minutes=120, needed_features=["tables"], capacity=25)
    waltz = parts.course(p, dance, title="交谊舞", teacher=li, capacity=15)
    no_teacher = parts.course(p, dance, title="拉丁舞")
    ended = parts.course(p, dance, title="已结束的课", teacher=li)
    course_status_set(by=p.district_admin, course=ended, status="cancelled", reason="没人报名")
    elsewhere = parts.course(p, parts.club(p, JINZHUYUAN), title="金竹苑的课", teacher=parts.teacher(p, JINZHUYUAN))

    problem, mapping = problem_for(XINGJIAQIAO)

    assert problem["name"] == "邢家桥社区课表"
    assert problem["days"] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert problem["slots"][0] == {"start": "08:30", "end": "10:00"} and len(problem["slots"]) == 6
    courses = by_id(problem["courses"])
    assert set(courses) == {f"C{writing.pk}", f"C{waltz.pk}", f"C{no_teacher.pk}"}
    assert f"C{ended.pk}" not in courses and f"C{elsewhere.pk}" not in courses
    assert courses[f"C{writing.pk}"] == {
        "id": f"C{writing.pk}", "name": "书法", "club": f"K{calligraphy.pk}", "teacher": f"T{wang.pk}",
        "sessions_per_week": 2, "duration": 2, "features": ["桌椅"], "capacity": 25,
    }
    assert courses[f"C{no_teacher.pk}"]["teacher"] == "-"
    venues = by_id(problem["venues"])
    assert set(venues) == {f"V{hall.pk}", f"V{room.pk}"}
    # Monday 08:00–12:00 holds slots 0 and 1; Wednesday 14:00–17:30 holds 2 and 3.
    assert venues[f"V{hall.pk}"] == {"id": f"V{hall.pk}", "name": "多功能厅", "capacity": 40,
                                     "features": ["桌椅", "音响"],
                                     "available": [{"day": 0, "slots": [0, 1]}, {"day": 2, "slots": [2, 3]}]}
    assert "available" not in venues[f"V{room.pk}"]  # no windows: always open
    teachers = by_id(problem["teachers"])
    assert set(teachers) == {f"T{wang.pk}", f"T{li.pk}"}
    # Thursday 09:00–10:00 holds no whole slot.
    assert teachers[f"T{wang.pk}"]["available"] == [{"day": 0, "slots": [0, 1]}, {"day": 1, "slots": [4, 5]}]
    assert "available" not in teachers[f"T{li.pk}"]
    assert by_id(problem["clubs"]) == {f"K{calligraphy.pk}": {"id": f"K{calligraphy.pk}", "name": "书法社"},
                                       f"K{dance.pk}": {"id": f"K{dance.pk}", "name": "舞蹈队"}}
    assert mapping[f"C{writing.pk}"] == writing and mapping[f"V{hall.pk}"] == hall
    assert mapping[f"T{wang.pk}"] == wang and mapping[f"K{dance.pk}"] == dance
    parsed = reader.parse(problem)  # the solver reads it as is
    assert len(parsed.courses) == 3 and parsed.weights["stability"] == 3

    weighted, _ = problem_for(XINGJIAQIAO, weights={"stability": 10})
    assert weighted["weights"] == {"stability": 10} and reader.parse(weighted).weights["stability"] == 10


def test_a_shared_venue_loses_the_hours_another_community_holds(personas):
    p = personas
    parts.sibling_community()
    shared = parts.venue(p, parts.SIBLING, name="共享舞蹈室", shared=True)
    unshared = parts.venue(p, parts.SIBLING, name="二社区自用室")
    street_hall = parts.venue(p, parts.RENHE, name="街道大礼堂", capacity=200)
    street_teacher = parts.teacher(p, parts.RENHE, name="街道老师")
    theirs = parts.course(p, parts.club(p, parts.SIBLING), title="二社区瑜伽", teacher=street_teacher, venue=shared)
    WeeklySlot.objects.create(course=theirs, weekday=1, starts_at=T(9), venue=None)  # 09:00–10:30: slots 0, 1
    other = parts.course(p, parts.club(p, parts.SIBLING), title="二社区合唱", venue=unshared)
    WeeklySlot.objects.create(course=other, weekday=3, starts_at=T(19), venue=street_hall)  # in the street's hall
    gone = parts.course(p, parts.club(p, parts.SIBLING), title="取消的课", venue=shared)
    WeeklySlot.objects.create(course=gone, weekday=2, starts_at=T(8, 30))
    course_status_set(by=p.district_admin, course=gone, status="cancelled", reason="停办")
    ours = parts.course(p, parts.club(p), title="太极拳", teacher=street_teacher)

    problem, _ = problem_for(XINGJIAQIAO)

    venues = by_id(problem["venues"])
    assert set(venues) == {f"V{shared.pk}", f"V{street_hall.pk}"}  # not the sibling's own room
    monday = [s for s in range(6) if s not in (0, 1)]
    assert venues[f"V{shared.pk}"]["available"][0] == {"day": 0, "slots": monday}
    assert {"day": 1, "slots": list(range(6))} in venues[f"V{shared.pk}"]["available"]  # the cancelled course's
    hall = venues[f"V{street_hall.pk}"]["available"]
    assert {"day": 2, "slots": [0, 1, 2, 3, 5]} in hall and len(hall) == 7
    # The street's teacher teaches 二社区瑜伽 on Monday morning.
    teacher = by_id(problem["teachers"])[f"T{street_teacher.pk}"]
    assert teacher["available"][0] == {"day": 0, "slots": monday}
    assert by_id(problem["courses"])[f"C{ours.pk}"]["teacher"] == f"T{street_teacher.pk}"


def test_preferences_come_from_the_class_orders_slot_counts(personas):
    p = personas
    survey = template_survey(p.district_admin)
    order = ClassOrder.objects.create(area_id=XINGJIAQIAO, survey=survey, subject="太极拳", demand=9,
                                      slot_counts={"1-am": 5, "3-eve": 2, "7-pm": 1, "9-am": 4, "2-noon": 3,
                                                   "4-am": 0})
    course = parts.course(p, parts.club(p), title="太极拳", teacher=parts.teacher(p), order=order)
    plain = parts.course(p, parts.club(p), title="没有订单的课", teacher=parts.teacher(p))

    courses = by_id(problem_for(XINGJIAQIAO)[0]["courses"])

    # A part of the day is one wish for either of its two slots (met when the course covers any).
    assert courses[f"C{course.pk}"]["preferred"] == [
        {"day": 0, "slots": [0, 1], "count": 5}, {"day": 2, "slots": [4, 5], "count": 2},
        {"day": 6, "slots": [2, 3], "count": 1},
    ]
    assert "preferred" not in courses[f"C{plain.pk}"]


def test_shared_members_count_residents_in_both_clubs(personas):
    p = personas
    a, b, c, idle = (parts.club(p, name=n) for n in ("甲社", "乙社", "丙社", "没课的社"))
    for club in (a, b, c):
        parts.course(p, club, title=f"{club.name}的课", teacher=parts.teacher(p))
    r1, r2, r3 = p.xjq_residents
    for club, who in ((a, (r1, r2, r3)), (b, (r1, r2)), (c, (r3,)), (idle, (r1, r2, r3))):
        for r in who:
            ClubMember.objects.create(club=club, resident=r, joined_on=dt.date(2026, 1, 1))

    problem, _ = problem_for(XINGJIAQIAO)

    assert problem["shared_members"] == [{"clubs": [f"K{a.pk}", f"K{b.pk}"], "count": 2},
                                         {"clubs": [f"K{a.pk}", f"K{c.pk}"], "count": 1}]
    assert f"K{idle.pk}" not in by_id(problem["clubs"])


def test_locked_and_previous_come_from_the_weekly_slots(personas):
    p = personas
    hall, room = parts.venue(p, name="大厅"), parts.venue(p, name="小屋")
    course = parts.course(p, parts.club(p), title="书法", teacher=parts.teacher(p), venue=hall, sessions_per_week=3)
    WeeklySlot.objects.create(course=course, weekday=2, starts_at=T(9), venue=room, locked=True)  # snaps to 08:30
    WeeklySlot.objects.create(course=course, weekday=4, starts_at=T(10))  # the course's venue
    WeeklySlot.objects.create(course=course, weekday=6, starts_at=T(19, 30), venue=hall)  # snaps to 19:00

    item = by_id(problem_for(XINGJIAQIAO)[0]["courses"])[f"C{course.pk}"]

    assert item["locked"] == [{"day": 1, "slot": 0, "venue": f"V{room.pk}"}]
    assert item["previous"] == [{"day": 3, "slot": 1, "venue": f"V{hall.pk}"},
                                {"day": 5, "slot": 4, "venue": f"V{hall.pk}"}]


def test_a_street_schedules_its_communities_together(personas):
    p = personas
    parts.sibling_community()
    street_hall = parts.venue(p, parts.RENHE, name="街道大礼堂")
    ours = parts.venue(p, XINGJIAQIAO, name="邢家桥活动室")
    theirs_shared = parts.venue(p, parts.SIBLING, name="二社区共享室", shared=True)
    theirs_own = parts.venue(p, parts.SIBLING, name="二社区自用室")
    jzy_venue = parts.venue(p, JINZHUYUAN, name="金竹苑的室")
    xjq_course = parts.course(p, parts.club(p), title="太极拳", teacher=parts.teacher(p))
    sib_course = parts.course(p, parts.club(p, parts.SIBLING), title="太极拳", teacher=parts.teacher(p, parts.SIBLING))
    jzy_course = parts.course(p, parts.club(p, JINZHUYUAN), title="太极拳")

    problem, mapping = problem_for(parts.RENHE)

    assert problem["name"] == "人和街道课表"
    courses = by_id(problem["courses"])
    assert set(courses) == {f"C{xjq_course.pk}", f"C{sib_course.pk}"} and f"C{jzy_course.pk}" not in courses
    assert courses[f"C{xjq_course.pk}"]["name"] == "太极拳（邢家桥社区）"
    assert set(by_id(problem["venues"])) == {f"V{v.pk}" for v in (street_hall, ours, theirs_shared, theirs_own)}
    assert f"V{jzy_venue.pk}" not in mapping
    assert set(courses[f"C{xjq_course.pk}"]["venues"]) == {f"V{street_hall.pk}", f"V{ours.pk}",
                                                           f"V{theirs_shared.pk}"}
    assert set(courses[f"C{sib_course.pk}"]["venues"]) == {f"V{street_hall.pk}", f"V{theirs_shared.pk}",
                                                           f"V{theirs_own.pk}"}
    assert len(reader.parse(problem).courses) == 2


def test_an_unknown_area_or_a_grid_is_refused(personas):
    with pytest.raises(LinliError) as exc:
        problem_for("999999999999")
    assert "不存在" in exc.value.message
    with pytest.raises(LinliError) as exc:
        problem_for(XJQ_GRID)
    assert "邢家桥一网格 是网格" in exc.value.message and "社区或街道" in exc.value.message


def _community(p, n: int, survey) -> None:
    hall = parts.venue(p, windows=[(1, T(8), T(22))])
    for i in range(n):
        club = parts.club(p)
        order = ClassOrder.objects.create(area_id=XINGJIAQIAO, survey=survey, subject=f"课{n}-{i}",
                                          slot_counts={"1-am": 3})
        teacher = parts.teacher(p, windows=[(i % 7 + 1, T(8), T(12))])
        course = parts.course(p, club, title=f"课{i}", teacher=teacher, venue=hall, order=order)
        WeeklySlot.objects.create(course=course, weekday=i % 7 + 1, starts_at=T(8, 30), locked=i % 2 == 0)
        ClubMember.objects.create(club=club, resident=p.xjq_residents[i % 3], joined_on=dt.date(2026, 1, 1))
    parts.sibling_community()
    shared = parts.venue(p, parts.SIBLING, shared=True)
    theirs = parts.course(p, parts.club(p, parts.SIBLING), venue=shared)
    WeeklySlot.objects.create(course=theirs, weekday=1, starts_at=T(8, 30))


def test_the_number_of_queries_does_not_grow_with_the_community(personas):
    survey = template_survey(personas.district_admin, publish=False)
    _community(personas, 1, survey)
    with CaptureQueriesContext(connection) as small:
        problem, _ = problem_for(XINGJIAQIAO)
    assert len(problem["courses"]) == 1
    _community(personas, 6, survey)
    with CaptureQueriesContext(connection) as large:
        problem, _ = problem_for(XINGJIAQIAO)
    assert len(problem["courses"]) == 7 and len(problem["shared_members"]) > 0
    assert len(large.captured_queries) == len(small.captured_queries) <= 10
