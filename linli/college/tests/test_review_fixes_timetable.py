"""The review of issue 5 (timetable): each defect fixed, each test failing without its fix.

3 publishing re-checks the placements against the database; 1 publishing removes the locks the
solver dropped; 4 publishing refuses when the locks changed since the run; 2 a lock off the grid
blocks every grid slot its real time overlaps; 6 a survey part of the day is one wish for either
slot; 5 a longer session never spans a meal break, and touching windows are merged; 7 the board
reads the usable venues once per community."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from linli.college.models import RunStatus, TimetableRun, VenueWindow, WeeklySlot
from linli.college.selectors.timetable import problem_for
from linli.college.services import timetable as services
from linli.college.tests import parts
from linli.college.tests.enroll_kit import NOW
from linli.college.timetable import check, community
from linli.college.timetable import problem as reader
from linli.college.timetable.check import Session as Placed
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import XINGJIAQIAO

pytestmark = pytest.mark.django_db
T = dt.time
MON_0830 = [(1, T(8, 30), T(10))]  # a window holding exactly Monday's first grid slot


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def inline(settings):
    settings.LINLI_TIMETABLE_INLINE = True


def start(by, code: str = XINGJIAQIAO) -> TimetableRun:
    run = services.timetable_run_start(by=by, area_code=code, time_limit=2)
    assert run.status == RunStatus.DONE, run.error
    return run


def cells(venue_json: dict) -> set[tuple[int, int]]:
    if "available" not in venue_json:
        return {(d, s) for d in range(7) for s in range(6)}
    return {(a["day"], s) for a in venue_json["available"] for s in a["slots"]}


def item(items: list[dict], key: str) -> dict:
    return next(x for x in items if x["id"] == key)


# --- 3. publishing re-validates against the database ---------------------------------------------


def shared_room(p):
    parts.sibling_community()
    return parts.venue(p, parts.SIBLING, name="共享舞蹈室", shared=True, windows=MON_0830)


def test_publishing_a_stale_run_into_a_shared_venue_someone_took_since_is_refused(personas):
    p = personas
    room = shared_room(p)
    ours = parts.course(p, parts.club(p), title="书法", teacher=parts.teacher(p), venue=room)
    run = start(p.xjq_worker)
    assert [(x["day"], x["slot"]) for x in run.result["placements"]] == [(0, 0)]
    # Meanwhile 人和二社区 puts its yoga in the shared room, Monday 09:00.
    theirs = parts.course(p, parts.club(p, parts.SIBLING), title="瑜伽", teacher=parts.teacher(p, parts.SIBLING),
                          venue=room)
    WeeklySlot.objects.create(course=theirs, weekday=1, starts_at=T(9))

    with pytest.raises(LinliError) as exc:
        services.timetable_publish(by=p.xjq_worker, run=run)

    assert exc.value.status == 409
    assert exc.value.message == "《书法》周一 08:30 在 共享舞蹈室 与《瑜伽》冲突。课表已有变化，请重新排课"
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and not WeeklySlot.objects.filter(course=ours).exists()
    assert not AuditEntry.objects.filter(action="college.timetable_publish").exists()


def test_two_communities_solved_together_cannot_both_publish_the_same_shared_hour(personas):
    p = personas
    room = shared_room(p)
    parts.course(p, parts.club(p), title="书法", teacher=parts.teacher(p), venue=room)
    theirs = parts.course(p, parts.club(p, parts.SIBLING), title="瑜伽", teacher=parts.teacher(p, parts.SIBLING),
                          venue=room)
    sibling_admin = p.renhe_admin  # the street's staff manage its communities
    ours_run, their_run = start(p.xjq_worker), start(sibling_admin, parts.SIBLING)
    assert ours_run.placed == their_run.placed == 1  # each saw the room free

    services.timetable_publish(by=p.xjq_worker, run=ours_run)
    with pytest.raises(LinliError) as exc:
        services.timetable_publish(by=sibling_admin, run=their_run)

    assert exc.value.message.startswith("《瑜伽》周一 08:30 在 共享舞蹈室 与《书法》冲突")
    assert not WeeklySlot.objects.filter(course=theirs).exists()


def test_a_teacher_taken_since_by_another_community_is_a_clash_too(personas):
    p = personas
    parts.sibling_community()
    street_teacher = parts.teacher(p, parts.RENHE, name="街道老师")
    hall = parts.venue(p, name="大厅", windows=MON_0830)
    parts.course(p, parts.club(p), title="书法", teacher=street_teacher, venue=hall)
    run = start(p.xjq_worker)
    theirs = parts.course(p, parts.club(p, parts.SIBLING), title="瑜伽", teacher=street_teacher,
                          venue=parts.venue(p, parts.SIBLING, name="二社区活动室"))
    WeeklySlot.objects.create(course=theirs, weekday=1, starts_at=T(8, 30))

    with pytest.raises(LinliError) as exc:
        services.timetable_publish(by=p.xjq_worker, run=run)
    assert exc.value.message == "《书法》周一 08:30 授课人 街道老师 同时要上《瑜伽》。课表已有变化，请重新排课"


# --- 1. locks the solver dropped are removed when publishing -------------------------------------


def test_a_lock_the_solver_could_not_keep_is_removed_on_publish_not_double_booked(personas):
    p = personas
    hall = parts.venue(p, name="大厅", windows=MON_0830)
    waiting = parts.course(p, parts.club(p), title="拉丁舞", venue=hall, status="planned")  # no teacher yet
    lock = WeeklySlot.objects.create(course=waiting, weekday=1, starts_at=T(8, 30), locked=True)
    chess = parts.course(p, parts.club(p), title="象棋", teacher=parts.teacher(p), venue=hall)
    run = start(p.xjq_worker)
    assert [(x["course"], x["day"], x["slot"]) for x in run.result["placements"]] == [(f"C{chess.pk}", 0, 0)]
    assert run.result["issues"] == ["《拉丁舞》锁定在 周一 08:30–10:00（大厅）的课无法保留：课程还没有安排老师"]
    assert not any("授课人编号" in r for u in run.result["unplaced"] for r in u["reasons"])

    services.timetable_publish(by=p.xjq_worker, run=run)

    assert not WeeklySlot.objects.filter(pk=lock.pk).exists()
    assert list(WeeklySlot.objects.filter(venue__isnull=True, weekday=1).values_list("course_id", flat=True)) == [
        chess.pk]
    entry = AuditEntry.objects.get(action="college.timetable_publish")
    assert entry.data["locks_dropped"] == [{"course": waiting.pk, "weekday": 1, "starts_at": "08:30", "venue": None}]
    assert entry.data["locked_kept"] == 0


# --- 4. a lock changed after the run refuses the publication ------------------------------------


def test_a_lock_added_after_the_run_refuses_publishing(personas):
    p = personas
    hall = parts.venue(p, name="大厅")
    course = parts.course(p, parts.club(p), title="书法", teacher=parts.teacher(p), venue=hall, sessions_per_week=2)
    run = start(p.xjq_worker)
    days = {x["day"] for x in run.result["placements"]}
    other_day = next(d for d in range(7) if d not in days)
    WeeklySlot.objects.create(course=course, weekday=other_day + 1, starts_at=T(19), locked=True)

    with pytest.raises(LinliError) as exc:
        services.timetable_publish(by=p.xjq_worker, run=run)

    assert exc.value.message == "排课之后又锁定或调整了《书法》的课表，请重新排课"
    assert WeeklySlot.objects.filter(course=course).count() == 1  # at most sessions_per_week
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


# --- 2. a lock off the grid blocks every grid slot its real time overlaps -------------------------


def test_a_lock_off_the_grid_keeps_the_next_grid_slot_free_in_its_venue_and_of_its_teacher(personas):
    p = personas
    hall = parts.venue(p, name="大厅", windows=[(1, T(8, 30), T(11, 30)), (2, T(8, 30), T(10))])
    wang = parts.teacher(p, name="王老师")
    locked = parts.course(p, parts.club(p), title="太极拳", teacher=wang, venue=hall)
    WeeklySlot.objects.create(course=locked, weekday=1, starts_at=T(9), locked=True)  # 09:00–10:30
    other = parts.course(p, parts.club(p), title="书法", teacher=parts.teacher(p), venue=hall)

    problem, _ = problem_for(XINGJIAQIAO)
    assert (0, 1) not in cells(item(problem["venues"], f"V{hall.pk}"))
    assert (0, 0) in cells(item(problem["venues"], f"V{hall.pk}"))  # where the lock is modelled
    assert (0, 1) not in cells(item(problem["teachers"], f"T{wang.pk}"))

    run = start(p.xjq_worker)
    placed = {x["course"]: (x["day"], x["slot"]) for x in run.result["placements"]}
    assert placed == {f"C{locked.pk}": (0, 0), f"C{other.pk}": (1, 0)}  # not Monday 10:00 (overlaps 10:00–10:30)
    services.timetable_publish(by=p.xjq_worker, run=run)
    assert WeeklySlot.objects.get(course=locked).starts_at == T(9)


# --- 6. a part of the day is one wish for either of its slots --------------------------------------


def test_a_morning_wish_is_met_by_either_morning_slot(personas):
    p = personas
    from linli.college.models import ClassOrder
    from linli.college.tests.orders_kit import template_survey

    order = ClassOrder.objects.create(area_id=XINGJIAQIAO, survey=template_survey(p.district_admin),
                                      subject="太极拳", demand=10, slot_counts={"1-am": 10})
    hall = parts.venue(p, name="大厅", windows=[(1, T(10), T(11, 30))])  # Monday 10:00 only
    parts.course(p, parts.club(p), title="太极拳", teacher=parts.teacher(p), venue=hall, order=order)

    run = start(p.xjq_worker)

    assert [(x["day"], x["slot"]) for x in run.result["placements"]] == [(0, 1)]
    preference = next(t for t in run.result["score"]["terms"] if t["term"] == "preference")
    assert preference["count"] == 0 and run.objective == 0


def test_the_format_reads_both_forms_of_a_wish():
    base = {"days": ["一", "二"], "slots": [{"start": "08:30", "end": "10:00"}, {"start": "10:00", "end": "11:30"}],
            "venues": [{"id": "V", "capacity": 10}], "teachers": [{"id": "T"}],
            "courses": [{"id": "C", "teacher": "T", "sessions_per_week": 1,
                         "preferred": [{"day": 0, "slot": 1, "count": 2}, {"day": 1, "slots": [1, 0], "count": 3}]}]}
    p = reader.parse(base)
    assert p.courses[0].preferred == {(0, (1,)): 2, (1, (0, 1)): 3}
    assert check.counts(p, [Placed("C", 1, 1, "V")])["preference"] == 2
    assert check.counts(p, [Placed("C", 0, 1, "V")])["preference"] == 3
    bad = {**base, "courses": [{**base["courses"][0], "preferred": [{"day": 0, "slots": [], "count": 1}]}]}
    with pytest.raises(reader.ProblemError) as exc:
        reader.parse(bad)
    assert exc.value.messages == ["courses[0]（C）.preferred[0].slots：至少要有一节"]


# --- 5. no session across a meal break; touching windows merged ----------------------------------


def test_a_two_slot_session_never_starts_before_the_lunch_break():
    assert [g.index for g in services.GRID if services.grid_fits(g.index, 2)] == [0, 2, 4]
    assert services.grid_index(T(10), 2) == 0 and services.grid_index(T(16), 2) == 2
    assert services.grid_index(T(10), 1) == 1
    data = {"days": ["一"], "slots": [{"start": s, "end": e} for s, e in
                                      (("08:30", "10:00"), ("10:00", "11:30"), ("14:30", "16:00"))],
            "venues": [{"id": "V", "capacity": 10, "available": [{"day": 0, "slots": [1, 2]}]}],
            "teachers": [{"id": "T"}], "courses": [{"id": "C", "teacher": "T", "sessions_per_week": 1, "duration": 2}]}
    p = reader.parse(data)
    out = community.solve(p, time_limit=1)
    assert out.sessions == [] and out.unplaced[0].missing == 1
    assert check.violations(p, [Placed("C", 0, 1, "V")]) == [
        "《C》 一 10:00–16:00：跨越了两节之间的休息时间（如午休），不是连续的 2 节"]


def test_a_long_course_is_not_placed_across_lunch_in_the_platform(personas):
    p = personas
    hall = parts.venue(p, name="大厅", windows=[(1, T(10), T(16))])  # Monday 10:00 and 14:30
    parts.course(p, parts.club(p), title="书法", teacher=parts.teacher(p), venue=hall, session_minutes=120)
    run = start(p.xjq_worker)
    assert run.result["placements"] == [] and run.unplaced == 1


def test_touching_windows_are_merged_before_a_slot_counts_as_open(personas):
    p = personas
    hall = parts.venue(p, name="大厅", windows=[(1, T(8), T(9))])
    VenueWindow.objects.create(venue=hall, weekday=1, starts=T(9), ends=T(12))  # 08:00–12:00 together
    parts.course(p, parts.club(p), title="书法", teacher=parts.teacher(p), venue=hall)
    problem, _ = problem_for(XINGJIAQIAO)
    assert cells(item(problem["venues"], f"V{hall.pk}")) == {(0, 0), (0, 1)}


# --- 7. the board reads the usable venues once per community --------------------------------------


def test_the_board_reads_the_usable_venues_once_per_community(personas, monkeypatch):
    from django.test import Client

    from linli.college.tests.timetable_kit import community as kit
    from linli.college.views import timetable as views

    p = personas
    kit(p)
    calls: list[str] = []
    real = views.venues_usable

    def counted(code: str):
        calls.append(code)
        return real(code)

    monkeypatch.setattr(views, "venues_usable", counted)
    client = Client()
    client.force_login(p.xjq_worker)
    response = client.get("/college/timetable/", {"area": XINGJIAQIAO})
    assert response.status_code == 200 and response.content.decode().count('name="venue"') >= 4
    assert calls == [XINGJIAQIAO]


# --- lower: the publish confirmation names the courses that lose their slots ----------------------


def test_the_publish_confirmation_names_the_courses_left_unplaced(personas):
    from django.test import Client

    p = personas
    parts.course(p, parts.club(p), title="拉丁舞", venue=parts.venue(p, name="大厅"), status="planned")
    run = start(p.xjq_worker)
    client = Client()
    client.force_login(p.xjq_worker)
    html = client.get(f"/college/timetable/runs/{run.pk}/publish/").content.decode()
    assert 'id="publish-losing"' in html and "《拉丁舞》少 1 次" in html
