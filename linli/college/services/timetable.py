"""The weekly timetable, solved (排课): start a run, solve it in the background, publish it, lock a slot.

OWNER: helper H7. The platform's slot grid (``GRID``) lives here and nowhere else: seven days of
six 90-minute slots, the survey's parts of a day mapping onto them (am → 0, 1; pm → 2, 3; eve → 4, 5).

A run stores the problem when it is started (``selectors.timetable.problem_for``), so what the
solver saw is kept beside what it answered. The solve runs in a daemon thread once the run is
committed (CP-SAT releases the GIL while it searches), or at once when ``LINLI_TIMETABLE_INLINE``
is set (tests) or the caller asks for it (the CLI). Publishing replaces the run's courses'
unlocked weekly slots by the placements, keeps the locked ones, and regenerates each course's
future sessions; moving one slot by hand is ``services.sessions.slot_set``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from linli.areas.models import Level
from linli.college.models import Course, CourseStatus, RunStatus, TimetableRun, Venue, WeeklySlot
from linli.college.services import common
from linli.college.services.common import CollegeErrorCode, hhmm
from linli.core.errors import LinliError
from linli.core.services import audit_record

log = logging.getLogger(__name__)

SLOT_MINUTES = 90
DAYS: tuple[str, ...] = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
LIVE = (CourseStatus.PLANNED, CourseStatus.OPEN)
# A run still "running" this long after its time limit ran out was lost (the process stopped).
GRACE_SECONDS = 120
INTERRUPTED = "计算中断，请重新排课"
NO_TEACHER = "课程还没有安排老师"


@dataclass(frozen=True)
class GridSlot:
    index: int
    start: dt.time
    part: str  # the survey's part of the day: am | pm | eve

    @property
    def end(self) -> dt.time:
        minutes = self.start.hour * 60 + self.start.minute + SLOT_MINUTES
        return dt.time(minutes // 60, minutes % 60)

    @property
    def start_label(self) -> str:
        return hhmm(self.start)

    @property
    def end_label(self) -> str:
        return hhmm(self.end)

    @property
    def label(self) -> str:
        return f"{self.start_label}–{self.end_label}"

    @property
    def minutes(self) -> int:
        return self.start.hour * 60 + self.start.minute


GRID: tuple[GridSlot, ...] = tuple(
    GridSlot(i, dt.time(h, m), part)
    for i, (h, m, part) in enumerate(
        ((8, 30, "am"), (10, 0, "am"), (14, 30, "pm"), (16, 0, "pm"), (19, 0, "eve"), (20, 30, "eve"))
    )
)
PART_SLOTS: dict[str, tuple[int, ...]] = {"am": (0, 1), "pm": (2, 3), "eve": (4, 5)}
GRID_MINUTES: dict[dt.time, int] = {g.start: g.minutes for g in GRID}


def duration_slots(session_minutes: int) -> int:
    """How many grid slots one session of a course takes."""
    return max(1, math.ceil(session_minutes / SLOT_MINUTES))


# Grid slots in a row make one longer session only across a short break (10:00 + 90 min is not 14:30).
MAX_BREAK_MINUTES = 15


def grid_fits(index: int, duration: int) -> bool:
    """A session of ``duration`` slots may start at grid slot ``index``: it ends within the day and
    its slots follow each other directly (it never spans the lunch or the dinner gap)."""
    if index < 0 or index + duration > len(GRID):
        return False
    return all(0 <= GRID[k + 1].minutes - (GRID[k].minutes + SLOT_MINUTES) <= MAX_BREAK_MINUTES
               for k in range(index, index + duration - 1))


def grid_index(starts_at: dt.time, duration: int = 1) -> int:
    """The grid slot nearest to ``starts_at`` at which a session of ``duration`` slots fits (within
    the day and not across a meal break); for a session too long for any, the nearest within the day."""
    minutes = starts_at.hour * 60 + starts_at.minute
    last = max(0, len(GRID) - duration)
    starts = [g for g in GRID if grid_fits(g.index, duration)] or list(GRID[: last + 1])
    return min(starts, key=lambda g: (abs(g.minutes - minutes), g.index)).index


def run_interrupted(run: TimetableRun, *, at: dt.datetime | None = None) -> bool:
    """A run left ``running`` (or queued) long past its time limit: the process solving it stopped."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return False
    since = run.started_at or run.created_at
    if since is None:
        return False
    return (at or timezone.now()) > since + dt.timedelta(seconds=run.time_limit + GRACE_SECONDS)


# --- starting and solving --------------------------------------------------------------------


@transaction.atomic
def timetable_run_start(*, by: Any, area_code: str, time_limit: int = 20, weights: dict | None = None,
                        inline: bool | None = None) -> TimetableRun:
    """Build the area's problem now, store it in a queued run and have it solved after the commit.

    ``inline`` (default: the ``LINLI_TIMETABLE_INLINE`` setting) solves it before returning."""
    from linli.college.selectors.timetable import problem_for

    area = common.area_of(by, area_code, "排课", levels=(Level.COMMUNITY, Level.STREET), field="area_code")
    time_limit = common.whole_number(time_limit, "time_limit", "计算时限", 1, 600, unit=" 秒")
    busy = [r for r in TimetableRun.objects.select_for_update().filter(
        area=area, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)) if not run_interrupted(r)]
    if busy:
        raise LinliError(CollegeErrorCode.STATUS, f"{area.name}已有一次排课正在计算，请等它完成后再排", status=409)
    problem, _ = problem_for(area.code, weights=weights)
    if not problem["courses"]:
        raise LinliError(CollegeErrorCode.STATUS,
                         f"{area.name}没有筹备中或开课中的课程，没有可排的课", field="area_code", status=409)
    run = TimetableRun.objects.create(area=area, time_limit=time_limit, problem=problem, created_by=by)
    audit_record(actor=by, action="college.timetable_run_start", target=run, area_code=area.code,
                 data={"time_limit": time_limit, "courses": len(problem["courses"]),
                       "sessions": sum(c["sessions_per_week"] for c in problem["courses"])})
    if settings.LINLI_TIMETABLE_INLINE if inline is None else inline:
        timetable_run_execute(run)
    else:
        transaction.on_commit(lambda: _start_thread(run.pk))
    return run


def _start_thread(run_pk: int) -> None:
    threading.Thread(target=_solve_in_thread, args=(run_pk,), name=f"timetable-run-{run_pk}", daemon=True).start()


def _solve_in_thread(run_pk: int) -> None:
    close_old_connections()
    try:
        run = TimetableRun.objects.filter(pk=run_pk).first()
        if run is not None:
            timetable_run_execute(run)
    except Exception:  # a thread must not die silently; the run shows as interrupted
        log.exception("timetable run %s failed outside the solver", run_pk)
    finally:
        connections.close_all()


def timetable_run_execute(run: TimetableRun) -> TimetableRun:
    """Solve a queued run and store the answer: DONE with the timetable, or FAILED with the reason.

    A run that is no longer queued (another worker took it) is returned unchanged."""
    from linli.college.timetable import problem

    started = timezone.now()
    if not TimetableRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=started):
        run.refresh_from_db()
        return run
    run.status, run.started_at = RunStatus.RUNNING, started
    fields: dict[str, Any]
    try:
        result = solve_problem(run.problem, time_limit=run.time_limit)
        fields = {
            "status": RunStatus.DONE,
            "result": result,
            "objective": result["score"]["total"],
            "optimal": bool(result["optimal"]),
            "placed": len(result["placements"]),
            "unplaced": sum(u["missing"] for u in result["unplaced"]),
            "error": "",
        }
    except problem.ProblemError as exc:
        fields = {"status": RunStatus.FAILED, "error": "排课问题有误：" + "；".join(exc.messages)}
    except Exception as exc:  # any solver failure is the run's, told in words
        log.exception("timetable run %s failed", run.pk)
        fields = {"status": RunStatus.FAILED, "error": f"排课计算失败：{exc}"}
    fields["finished_at"] = timezone.now()
    TimetableRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)
    return run


def solve_problem(problem: dict, *, time_limit: float) -> dict:
    """Solve a problem built by ``problem_for``: the timetable JSON of ``docs/timetable-format.md``.
    Raises ``ProblemError`` for a problem that cannot be read, ``SolveError`` when nothing is found."""
    from linli.college.timetable import community
    from linli.college.timetable import problem as reader

    outcome = community.solve(reader.parse(problem), time_limit=time_limit, workers=2, seed=0)
    result = outcome.to_json()
    _explain_missing_teachers(problem, result)
    return result


def result_lines(result: dict) -> list[str]:
    """The score by term, what was placed and what was not (with the reasons), in words."""
    placed = len(result.get("placements", []))
    missing = sum(u["missing"] for u in result.get("unplaced", []))
    score = result.get("score", {})
    proof = "（已证明最优）" if result.get("optimal") else (
        f"（下界 {result['bound']}）" if result.get("bound") is not None else "")
    lines = [f"已排 {placed} / {placed + missing} 节课；总扣分 {score.get('total')}{proof}"]
    for t in score.get("terms", []):
        lines.append(f"  {t['label']}：{t['count']} × 权重 {t['weight']} = {t['cost']}")
    for u in result.get("unplaced", []):
        lines.append(f"未排上：《{u['course_name']}》{u['missing']} 节")
        lines.extend(f"  - {r}" for r in u["reasons"])
    lines.extend(f"提示：{i}" for i in result.get("issues", []))
    return lines


def _explain_missing_teachers(problem: dict, result: dict) -> None:
    """A course with no teacher yet is in the problem under a teacher nobody declared: say so plainly."""
    declared = {t["id"] for t in problem.get("teachers", [])}
    without = {c["id"] for c in problem.get("courses", []) if c.get("teacher") not in declared}
    for item in result.get("unplaced", []):
        if item["course"] in without:
            item["reasons"] = [NO_TEACHER]


# --- publishing and locking --------------------------------------------------------------------


def _pk(ref: Any, prefix: str) -> int | None:
    if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix):].isdigit():
        return int(ref[len(prefix):])
    return None


@dataclass(frozen=True)
class _Held:
    """A weekly meeting in a venue and of a teacher, in real minutes of the day, over the course's dates."""

    course: Course
    weekday: int
    start: int
    end: int
    venue: Venue | None

    def clashes(self, other: _Held) -> str | None:
        a, b = self.course, other.course
        if a.pk == b.pk or self.weekday != other.weekday or not (self.start < other.end and other.start < self.end):
            return None
        if not (a.starts_on <= b.ends_on and b.starts_on <= a.ends_on):
            return None
        when = f"《{a.title}》{DAYS[self.weekday - 1]} {self.start // 60:02d}:{self.start % 60:02d}"
        if self.venue is not None and other.venue is not None and self.venue.pk == other.venue.pk:
            return f"{when} 在 {self.venue.name} 与《{b.title}》冲突"
        if a.teacher_id is not None and a.teacher_id == b.teacher_id:
            return f"{when} 授课人 {a.teacher.name if a.teacher else ''} 同时要上《{b.title}》"
        return None


def _held(slot: WeeklySlot, course: Course) -> _Held:
    start = slot.starts_at.hour * 60 + slot.starts_at.minute
    return _Held(course, slot.weekday, start, start + course.session_minutes, slot.venue or course.venue)


def _clashes(new: list[_Held], kept: list[_Held], courses: dict[int, Course]) -> list[str]:
    """What the slots to be written would clash with in the database NOW: other courses' weekly slots
    in the same venues or of the same teachers (live, over overlapping dates), the run's kept locks,
    and each other."""
    venue_pks = {h.venue.pk for h in new if h.venue is not None}
    teacher_pks = {h.course.teacher_id for h in new if h.course.teacher_id is not None}
    others = (WeeklySlot.objects
              .filter(Q(venue_id__in=venue_pks) | Q(venue__isnull=True, course__venue_id__in=venue_pks)
                      | Q(course__teacher_id__in=teacher_pks),
                      course__status__in=LIVE, weekday__in={h.weekday for h in new})
              .exclude(course_id__in=courses)
              .select_related("course__venue", "course__teacher", "venue"))
    pool: dict[int, list[_Held]] = defaultdict(list)
    for h in [*(_held(s, s.course) for s in others), *kept]:
        pool[h.weekday].append(h)
    out: list[str] = []
    for h in new:
        for other in pool[h.weekday]:
            why = h.clashes(other)
            if why:
                out.append(why)
        pool[h.weekday].append(h)
    return list(dict.fromkeys(out))


@transaction.atomic
def timetable_publish(*, by: Any, run: TimetableRun) -> int:
    """Write a solved run to the courses' weekly slots and sessions; returns the number of slots written.

    The run's courses lose their unlocked slots and get the placements; the locks the solver kept
    stay, the locks it could not keep (explained in the run's issues) are removed. Publishing is
    refused, and nothing changes, when a course's locks changed since the run, or when a placement
    now clashes with what is in the database (another community's course in a shared venue, a
    teacher's other course, a lock). The venues and teachers concerned are locked meanwhile, so two
    publications sharing them go one after the other. Courses ended or cancelled since are left
    alone. Every course's future sessions are regenerated."""
    from linli.college.models import Teacher
    from linli.college.selectors.timetable import placement_of
    from linli.college.services.sessions import sessions_generate

    common.require_manage(by, run.area_id, "发布课表")
    run = TimetableRun.objects.select_for_update().select_related("area").get(pk=run.pk)
    if run.status != RunStatus.DONE:
        raise LinliError(CollegeErrorCode.STATUS,
                         f"只能发布已完成的排课，这次排课{run.get_status_display()}", status=409)
    result = run.result or {}
    asked = {c.get("id"): c for c in run.problem.get("courses", [])}
    course_pks = [pk for cid in asked if (pk := _pk(cid, "C")) is not None]
    courses = {c.pk: c for c in Course.objects.select_for_update(of=("self",))
               .filter(pk__in=course_pks, status__in=LIVE).select_related("venue", "teacher").order_by("pk")}
    placements = [p for p in result.get("placements", []) if _pk(p.get("course"), "C") in courses]
    venue_pks = {pk for p in placements if (pk := _pk(p.get("venue"), "V")) is not None}
    venue_pks |= {c.venue_id for c in courses.values() if c.venue_id is not None}
    # Lock the venues and teachers (in a fixed order) before reading what else they hold.
    venues = {v.pk: v for v in Venue.objects.select_for_update().filter(pk__in=venue_pks).order_by("pk")}
    list(Teacher.objects.select_for_update().filter(
        pk__in={c.teacher_id for c in courses.values() if c.teacher_id is not None}).order_by("pk"))

    slots = list(WeeklySlot.objects.filter(course_id__in=courses).select_related("venue").order_by("pk"))
    # 1. The locks must be those the solver saw.
    changed = []
    for pk, course in courses.items():
        duration = duration_slots(course.session_minutes)
        now = sorted((x["day"], x["slot"], x["venue"]) for s in slots if s.course_id == pk and s.locked
                     if (x := placement_of(s, course, duration)) is not None)
        then = sorted((x["day"], x["slot"], x["venue"]) for x in asked[f"C{pk}"].get("locked", []))
        if now != then:
            changed.append(f"《{course.title}》")
    if changed:
        raise LinliError(CollegeErrorCode.STATUS,
                         f"排课之后又锁定或调整了{'、'.join(changed)}的课表，请重新排课", status=409)
    # 2. Locks the solver kept stay; the ones it dropped go (they would double-book what it gave away).
    kept_keys = {(_pk(p["course"], "C"), int(p["day"]), int(p["slot"]), p.get("venue")) for p in placements
                 if p.get("locked")}
    kept: list[WeeklySlot] = []
    dropped: list[WeeklySlot] = []
    for s in slots:
        if s.locked:
            course = courses[s.course_id]
            x = placement_of(s, course, duration_slots(course.session_minutes))
            key = (s.course_id, x["day"], x["slot"], x["venue"]) if x else None
            (kept if key in kept_keys else dropped).append(s)
    # 3. The new slots, checked against the database as it is now.
    taken = {(s.course_id, s.weekday) for s in kept}
    new: list[WeeklySlot] = []
    skipped = 0
    for p in placements:
        course = courses[_pk(p["course"], "C") or 0]
        venue = venues.get(_pk(p.get("venue"), "V") or 0)
        if p.get("locked"):
            continue  # the kept lock already in the database
        weekday = int(p["day"]) + 1
        if (course.pk, weekday) in taken or venue is None:
            skipped += 1
            continue
        taken.add((course.pk, weekday))
        new.append(WeeklySlot(course=course, weekday=weekday, starts_at=GRID[int(p["slot"])].start,
                              venue=None if venue.pk == course.venue_id else venue, locked=False))
    clashes = _clashes([_Held(s.course, s.weekday, GRID_MINUTES[s.starts_at],
                              GRID_MINUTES[s.starts_at] + s.course.session_minutes,
                              s.venue or s.course.venue) for s in new],
                       [_held(s, courses[s.course_id]) for s in kept], courses)
    if clashes:
        shown = "；".join(clashes[:5]) + (f"；等 {len(clashes)} 处" if len(clashes) > 5 else "")
        raise LinliError(CollegeErrorCode.STATUS, f"{shown}。课表已有变化，请重新排课", status=409)

    removed = WeeklySlot.objects.filter(course_id__in=courses, locked=False).delete()[0]
    WeeklySlot.objects.filter(pk__in=[s.pk for s in dropped]).delete()
    WeeklySlot.objects.bulk_create(new)
    sessions = sum(sessions_generate(by=by, course=course) for course in courses.values())
    now_at = timezone.now()
    run.status, run.published_at, run.published_by = RunStatus.PUBLISHED, now_at, by
    run.save(update_fields=["status", "published_at", "published_by"])
    audit_record(actor=by, action="college.timetable_publish", target=run, area_code=run.area_id,
                 data={"courses": len(courses), "slots": len(new), "removed": removed, "locked_kept": len(kept),
                       "locks_dropped": [{"course": s.course_id, "weekday": s.weekday,
                                          "starts_at": hhmm(s.starts_at), "venue": s.venue_id} for s in dropped],
                       "skipped": skipped, "sessions": sessions})
    return len(new)


@transaction.atomic
def slot_lock(*, by: Any, slot: WeeklySlot, locked: bool) -> WeeklySlot:
    """Lock a weekly slot (the solver leaves it where it is) or unlock it."""
    course = slot.course
    common.require_manage(by, course.area_id, "锁定该课程的课表")
    slot = WeeklySlot.objects.select_for_update().select_related("course").get(pk=slot.pk)
    if slot.course.status not in LIVE:
        raise LinliError(CollegeErrorCode.STATUS,
                         f"课程“{slot.course.title}”{slot.course.get_status_display()}，不能再修改课表", status=409)
    locked = bool(locked)
    if slot.locked != locked:
        slot.locked = locked
        slot.save(update_fields=["locked"])
        audit_record(actor=by, action="college.slot_lock" if locked else "college.slot_unlock", target=slot.course,
                     area_code=slot.course.area_id,
                     data={"slot": slot.pk, "weekday": slot.weekday, "starts_at": hhmm(slot.starts_at)})
    return slot
