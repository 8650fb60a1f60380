"""Timetable runs on the platform: start, solve (inline), publish to the weekly slots and sessions,
locks that stay put, failures told in words, who may do what, the board, and ``linli schedule community``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.college.models import RunStatus, Session, TimetableRun, WeeklySlot
from linli.college.selectors.timetable import board, runs_visible
from linli.college.services import timetable as services
from linli.college.services.sessions import slot_set
from linli.college.tests import parts
from linli.college.tests.enroll_kit import NOW
from linli.college.timetable import check
from linli.college.timetable import problem as reader
from linli.college.timetable.check import Session as Placed
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, XJQ_GRID

pytestmark = pytest.mark.django_db
T = dt.time


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def inline(settings):
    settings.LINLI_TIMETABLE_INLINE = True


def small_college(p, code: str = XINGJIAQIAO) -> dict:
    """Two venues, two teachers (one free on Monday and Wednesday mornings only), three courses."""
    hall = parts.venue(p, code, name="多功能厅", capacity=40, features=["tables"])
    room = parts.venue(p, code, name="舞蹈室", capacity=20, features=["mirror"],
                       windows=[(d, T(14), T(22)) for d in range(1, 8)])
    wang = parts.teacher(p, code, name="王老师", windows=[(1, T(8), T(12)), (3, T(8), T(12))])
    li = parts.teacher(p, code, name="李老师")
    writing = parts.course(p, parts.club(p, code, name="书法社"), title="书法", teacher=wang, venue=hall,
                           sessions_per_week=2, needed_features=["tables"], status="open")
    dance = parts.course(p, parts.club(p, code, name="舞蹈队"), title="广场舞", teacher=li, sessions_per_week=3,
                         needed_features=["mirror"], capacity=15)
    chess = parts.course(p, parts.club(p, code, name="棋社"), title="象棋", teacher=li, capacity=10)
    return {"hall": hall, "room": room, "wang": wang, "li": li, "writing": writing, "dance": dance, "chess": chess}


def start(by, code: str = XINGJIAQIAO, **kwargs) -> TimetableRun:
    kwargs.setdefault("time_limit", 3)
    return services.timetable_run_start(by=by, area_code=code, **kwargs)


def valid(run: TimetableRun) -> list[str]:
    problem = reader.parse(run.problem)
    sessions = [Placed(x["course"], x["day"], x["slot"], x["venue"]) for x in run.result["placements"]]
    return check.violations(problem, sessions)


def test_a_run_is_solved_inline_and_keeps_the_hard_rules(personas):
    k = small_college(personas)
    run = start(personas.xjq_worker)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.error == ""
    assert run.placed == 6 and run.unplaced == 0
    assert run.optimal is True and run.objective == run.result["score"]["total"]
    assert run.started_at == run.finished_at == NOW and run.created_by == personas.xjq_worker
    assert valid(run) == []
    by_course: dict[str, list[dict]] = {}
    for x in run.result["placements"]:
        by_course.setdefault(x["course"], []).append(x)
    # 王老师 teaches only on Monday and Wednesday mornings; 书法 needs tables (the hall).
    assert sorted((x["day"], x["slot"] in (0, 1)) for x in by_course[f"C{k['writing'].pk}"]) == [(0, True), (2, True)]
    assert {x["venue"] for x in by_course[f"C{k['writing'].pk}"]} == {f"V{k['hall'].pk}"}
    # 广场舞 needs the mirror room, open afternoons and evenings only.
    assert {x["venue"] for x in by_course[f"C{k['dance'].pk}"]} == {f"V{k['room'].pk}"}
    assert all(x["slot"] >= 2 for x in by_course[f"C{k['dance'].pk}"])
    assert AuditEntry.objects.filter(action="college.timetable_run_start", target_id=str(run.pk)).count() == 1


def test_a_course_without_a_teacher_is_unplaced_with_the_reason(personas):
    small_college(personas)
    lonely = parts.course(personas, parts.club(personas), title="拉丁舞")
    run = start(personas.xjq_worker)
    assert run.status == RunStatus.DONE and run.placed == 6 and run.unplaced == 1
    assert run.result["unplaced"] == [{"course": f"C{lonely.pk}", "course_name": "拉丁舞", "missing": 1,
                                       "reasons": ["课程还没有安排老师"]}]


def test_publish_writes_slots_and_sessions_and_keeps_locked_ones(personas):
    p = personas
    k = small_college(p)
    kept = slot_set(by=p.xjq_worker, course=k["writing"], weekday=1, starts_at=T(10), locked=True)
    stale = WeeklySlot.objects.create(course=k["chess"], weekday=7, starts_at=T(12, 15))
    run = start(p.xjq_worker)
    assert run.status == RunStatus.DONE

    written = services.timetable_publish(by=p.xjq_worker, run=run)

    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED and run.published_by == p.xjq_worker and run.published_at == NOW
    assert written == 5  # six sessions, one of them the lock already there
    assert WeeklySlot.objects.filter(pk=kept.pk, weekday=1, starts_at=T(10), locked=True).exists()
    assert not WeeklySlot.objects.filter(pk=stale.pk).exists()
    for course in (k["writing"], k["dance"], k["chess"]):
        slots = WeeklySlot.objects.filter(course=course)
        assert slots.count() == course.sessions_per_week
        grid = {g.start for g in services.GRID} | {T(10)}
        assert all(s.starts_at in grid for s in slots)
        assert Session.objects.filter(course=course).count() > 0
        weekdays = {s.weekday for s in slots}
        assert {timezone.localtime(s.starts_at).isoweekday() for s in Session.objects.filter(course=course)} == weekdays
    dance_slots = WeeklySlot.objects.filter(course=k["dance"])
    assert {s.venue_id for s in dance_slots} == {k["room"].pk}  # the course has no venue of its own
    assert {s.venue_id for s in WeeklySlot.objects.filter(course=k["writing"])} == {None}  # its own venue
    entry = AuditEntry.objects.get(action="college.timetable_publish", target_id=str(run.pk))
    assert entry.data["slots"] == 5 and entry.data["locked_kept"] == 1 and entry.data["courses"] == 3

    with pytest.raises(LinliError) as exc:
        services.timetable_publish(by=p.xjq_worker, run=run)
    assert exc.value.message == "只能发布已完成的排课，这次排课已发布"


def test_a_locked_slot_stays_put_when_solved_again(personas):
    p = personas
    k = small_college(p)
    first = start(p.xjq_worker)
    services.timetable_publish(by=p.xjq_worker, run=first)
    # The worker moves 象棋 to Saturday 19:00 in the hall, and locks it there.
    slot = WeeklySlot.objects.get(course=k["chess"])
    moved = slot_set(by=p.xjq_worker, course=k["chess"], weekday=6, starts_at=T(19), venue=k["hall"])
    if moved.pk != slot.pk:
        slot.delete()
    moved = services.slot_lock(by=p.xjq_worker, slot=moved, locked=True)
    assert moved.locked and AuditEntry.objects.filter(action="college.slot_lock").count() == 1

    again = start(p.xjq_worker, weights={"stability": 0})
    assert again.status == RunStatus.DONE and valid(again) == []
    chess = [x for x in again.result["placements"] if x["course"] == f"C{k['chess'].pk}"]
    assert chess == [dict(chess[0], day=5, slot=4, venue=f"V{k['hall'].pk}", locked=True)]
    services.timetable_publish(by=p.xjq_worker, run=again)
    assert list(WeeklySlot.objects.filter(course=k["chess"]).values_list("pk", "weekday", "starts_at", "locked")) == [
        (moved.pk, 6, T(19), True)]

    services.slot_lock(by=p.xjq_worker, slot=moved, locked=False)
    assert not WeeklySlot.objects.get(pk=moved.pk).locked
    assert AuditEntry.objects.filter(action="college.slot_unlock").count() == 1


def test_a_problem_the_solver_cannot_read_fails_the_run_in_words(personas, monkeypatch):
    small_college(personas)
    run = start(personas.xjq_worker, inline=False)  # left queued: the test keeps the commit from happening
    assert run.status == RunStatus.QUEUED
    run.problem["courses"][0]["duration"] = 9
    run.save(update_fields=["problem"])
    run = services.timetable_run_execute(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.result is None
    assert run.error.startswith("排课问题有误：") and "一次课占 9 节，但每天只有 6 节" in run.error

    from linli.college.timetable import community

    def broken(*args, **kwargs):
        raise community.SolveError("在时间限制内没有找到任何课表（UNKNOWN），请加大时间限制")

    monkeypatch.setattr(community, "solve", broken)
    failed = start(personas.xjq_worker)
    assert failed.status == RunStatus.FAILED
    assert failed.error == "排课计算失败：在时间限制内没有找到任何课表（UNKNOWN），请加大时间限制"
    assert services.timetable_run_execute(failed).status == RunStatus.FAILED  # not run twice


def test_the_background_start_waits_for_the_commit(personas, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.LINLI_TIMETABLE_INLINE = False
    small_college(personas)
    started: list[int] = []
    monkeypatch.setattr(services, "_start_thread", started.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = start(personas.xjq_worker)
    assert len(callbacks) == 1 and started == [run.pk]
    assert TimetableRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
    # A second run waits for the first; a run lost long ago does not block.
    with pytest.raises(LinliError) as exc:
        start(personas.xjq_worker)
    assert exc.value.message == "邢家桥社区已有一次排课正在计算，请等它完成后再排"
    assert not services.run_interrupted(run)
    later = NOW + dt.timedelta(seconds=3 + 121)
    assert services.run_interrupted(run, at=later)
    with time_machine.travel(later, tick=False):
        assert start(personas.xjq_worker).pk != run.pk


def test_starting_is_refused_with_a_clear_message(personas):
    p = personas
    with pytest.raises(LinliError) as exc:
        start(p.xjq_worker)
    assert exc.value.message == "邢家桥社区没有筹备中或开课中的课程，没有可排的课"
    small_college(p)
    for limit, reason in ((0, "不能为 0 或负数"), (601, "不能大于 600 秒"), ("20", "应为整数")):
        with pytest.raises(LinliError) as exc:
            start(p.xjq_worker, time_limit=limit)
        assert exc.value.field == "time_limit" and reason in exc.value.message
    with pytest.raises(LinliError) as exc:
        start(p.jzy_worker)
    assert exc.value.status == 403
    with pytest.raises(LinliError) as exc:
        start(p.district_admin, XJQ_GRID)
    assert exc.value.field == "area_code" and "网格" in exc.value.message
    assert TimetableRun.objects.count() == 0


def test_who_sees_and_who_publishes_a_run(personas):
    p = personas
    k = small_college(p)
    small_college(p, JINZHUYUAN)
    ours = start(p.xjq_worker)
    theirs = start(p.jzy_worker, JINZHUYUAN)
    street = start(p.renhe_admin, parts.RENHE)
    assert street.status == RunStatus.DONE and street.placed == 6
    assert set(runs_visible(p.xjq_worker, Perm.VIEW_COLLEGE)) == {ours}
    assert set(runs_visible(p.jzy_worker, Perm.MANAGE_COLLEGE)) == {theirs}
    assert set(runs_visible(p.renhe_admin, Perm.VIEW_COLLEGE)) == {ours, street}
    assert set(runs_visible(p.district_admin, Perm.VIEW_COLLEGE)) == {ours, theirs, street}
    assert set(runs_visible(p.outsider, Perm.VIEW_COLLEGE)) == set()
    with pytest.raises(LinliError) as exc:
        services.timetable_publish(by=p.jzy_worker, run=ours)
    assert exc.value.status == 403
    slot = WeeklySlot.objects.create(course=k["writing"], weekday=2, starts_at=T(8, 30))
    with pytest.raises(LinliError) as exc:
        services.slot_lock(by=p.jzy_worker, slot=slot, locked=True)
    assert exc.value.status == 403 and not WeeklySlot.objects.get(pk=slot.pk).locked
    assert TimetableRun.objects.get(pk=ours.pk).status == RunStatus.DONE


def test_the_board_per_venue_and_per_club(personas):
    p = personas
    k = small_college(p)
    run = start(p.xjq_worker)
    preview = board(XINGJIAQIAO, run=run)
    assert preview.run == run and preview.unplaced == []
    hall = next(t for t in preview.venues if t.record == k["hall"])
    in_hall = [x for x in run.result["placements"] if x["venue"] == f"V{k['hall'].pk}"]
    assert hall.sessions == len(in_hall) >= 2 and not hall.clashes
    club = next(t for t in preview.clubs if t.record == k["writing"].club)
    entries = [e for row in club.rows for cell in row[1] for e in cell]
    assert len(entries) == 2 and {e.title for e in entries} == {"书法"} and all(e.slot_id is None for e in entries)
    assert WeeklySlot.objects.count() == 0 and board(XINGJIAQIAO).clubs == []

    services.timetable_publish(by=p.xjq_worker, run=run)
    slot = WeeklySlot.objects.filter(course=k["writing"]).first()
    services.slot_lock(by=p.xjq_worker, slot=slot, locked=True)
    published = board(XINGJIAQIAO)
    hall = next(t for t in published.venues if t.record == k["hall"])
    cell = hall.cells[(slot.weekday - 1, services.grid_index(slot.starts_at))]
    assert [(e.slot_id, e.locked, e.teacher, e.venue, e.club) for e in cell] == [
        (slot.pk, True, "王老师", "多功能厅", "书法社")]
    assert sum(t.sessions for t in published.venues) == 6 and len(published.clubs) == 3


def test_the_command_line_solves_and_publishes(personas, tmp_path, capsys):
    p = personas
    small_college(p)
    out = tmp_path / "课表.json"
    call_command("schedule", "community", XINGJIAQIAO, "--time-limit", "3", "--out", str(out))
    printed = capsys.readouterr().out
    assert "已排 6 / 6 节课" in printed and "居民偏好的时段没有安排这门课（人次）" in printed
    assert len(json.loads(out.read_text(encoding="utf-8"))["placements"]) == 6
    assert TimetableRun.objects.count() == 0 and WeeklySlot.objects.count() == 0  # only looked at

    with pytest.raises(CommandError) as exc:
        call_command("schedule", "community", XINGJIAQIAO, "--publish")
    assert "--by" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("schedule", "community", XINGJIAQIAO, "--publish", "--by", "jzy", "--time-limit", "3")
    assert str(exc.value) == "您没有在邢家桥社区排课的权限"
    with pytest.raises(CommandError) as exc:
        call_command("schedule", "community", JINZHUYUAN)
    assert "没有筹备中或开课中的课程" in str(exc.value)

    call_command("schedule", "community", XINGJIAQIAO, "--time-limit", "3", "--publish", "--by", "xjq")
    printed = capsys.readouterr().out
    run = TimetableRun.objects.get()
    assert run.status == RunStatus.PUBLISHED and run.published_by == p.xjq_worker
    assert f"已发布：写入 6 个每周上课时间（排课记录 #{run.pk}）" in printed
    assert WeeklySlot.objects.count() == 6
