"""Reads for the timetable (排课): the solver's problem built from the platform, runs, the weekly board.

OWNER: helper H7.

``problem_for`` writes ``docs/timetable-format.md``'s JSON for a community (its planned and open
courses, the venues it may use, their teachers) or a street (all its communities' courses, sharing
the street's venues and each community's own). Ids are the records' keys: courses ``C<pk>``,
venues ``V<pk>``, teachers ``T<pk>``, clubs ``K<pk>``. What other areas' courses already hold
(a shared venue, a street teacher) is taken out of the venue's or the teacher's free time. The
survey's preferences (``ClassOrder.slot_counts``, "<day>-<am|pm|eve>") become one wish for either
grid slot of that part of the day (``"slots": [0, 1]``), met when the course covers any of them.
A lock off the grid also takes the grid slots its real time overlaps from its venue and teacher.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from linli.areas.models import Area, Level
from linli.college.models import (
    ClubMember,
    Course,
    Feature,
    TimetableRun,
    Venue,
    VenueWindow,
    WeeklySlot,
)
from linli.college.selectors import scope
from linli.college.selectors.venues import venues_usable
from linli.college.services.timetable import (
    DAYS,
    GRID,
    LIVE,
    PART_SLOTS,
    SLOT_MINUTES,
    GridSlot,
    duration_slots,
    grid_index,
)
from linli.college.windows import merged
from linli.college.windows import minutes as minute_of_day
from linli.core.errors import invalid

Cells = set[tuple[int, int]]  # (day 0–6, grid slot)
ALL_CELLS: frozenset[tuple[int, int]] = frozenset((d, s) for d in range(len(DAYS)) for s in range(len(GRID)))


def _cells_within(windows: list[Any]) -> Cells:
    """The grid slots lying wholly inside one of the weekly windows (touching windows merged first)."""
    out: Cells = set()
    for weekday, start, end in merged(windows):
        for g in GRID:
            if start <= g.minutes and g.minutes + SLOT_MINUTES <= end:
                out.add((weekday - 1, g.index))
    return out


def _cells_overlapping(weekday: int, starts_at: dt.time, minutes: int) -> Cells:
    start = minute_of_day(starts_at)
    return {(weekday - 1, g.index) for g in GRID if g.minutes < start + minutes and start < g.minutes + SLOT_MINUTES}


def _available(cells: Cells) -> list[dict[str, Any]] | None:
    """The format's ``available``: absent (None) when always free, otherwise the free slots by day."""
    if cells >= ALL_CELLS:
        return None
    by_day: dict[int, list[int]] = defaultdict(list)
    for d, s in sorted(cells):
        by_day[d].append(s)
    return [{"day": d, "slots": slots} for d, slots in sorted(by_day.items())]


def _feature_labels(values: list[str]) -> list[str]:
    return [Feature(f).label for f in values if f in Feature.values]


def _area(area_code: str) -> Area:
    code = (area_code or "").strip()
    area = Area.objects.filter(code=code).first() if code.isascii() and len(code) <= 15 else None
    if area is None:
        raise invalid("area_code", "社区/街道", f"地区代码 {code[:20] or '（空）'} 不存在")
    if area.level not in (Level.COMMUNITY, Level.STREET):
        raise invalid("area_code", "社区/街道", f"{area.name} 是{area.level_label}，排课应选择社区或街道")
    return area


def _courses(area: Area) -> QuerySet[Course]:
    qs = Course.objects.filter(status__in=LIVE)
    qs = qs.filter(area_id=area.code) if area.level == Level.COMMUNITY else qs.filter(area__code__startswith=area.code)
    return qs.select_related("area", "club", "teacher", "venue", "order").order_by("area_id", "title", "pk")


def _venues(area: Area) -> list[Venue]:
    if area.level == Level.COMMUNITY:
        return list(venues_usable(area.code))
    return list(Venue.objects.filter(area__code__startswith=area.code, archived_at__isnull=True)
                .select_related("area")
                .prefetch_related(Prefetch("windows", queryset=VenueWindow.objects.order_by("weekday", "starts")))
                .order_by("area_id", "name", "pk"))


def _usable_by(community_code: str, venue: Venue) -> bool:
    street = scope.street_of(community_code)
    return venue.area_id in (community_code, street) or (venue.shared and venue.area_id.startswith(street))


def placement_of(slot: WeeklySlot, course: Course, duration: int) -> dict[str, Any] | None:
    venue_id = slot.venue_id or course.venue_id
    if venue_id is None:
        return None
    return {"day": slot.weekday - 1, "slot": grid_index(slot.starts_at, duration), "venue": f"V{venue_id}"}


def _preferred(slot_counts: dict[str, Any]) -> list[dict[str, Any]]:
    """A part of the day is a wish for either of its grid slots: met when the course covers any."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    for key, count in (slot_counts or {}).items():
        day, _, part = str(key).partition("-")
        if not day.isdigit() or not 1 <= int(day) <= len(DAYS) or part not in PART_SLOTS:
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            continue
        out[(int(day) - 1, part)] += count
    return [{"day": d, "slots": list(PART_SLOTS[part]), "count": n}
            for (d, part), n in sorted(out.items(), key=lambda kv: (kv[0][0], PART_SLOTS[kv[0][1]]))]


def problem_for(area_code: str, *, weights: dict | None = None) -> tuple[dict, dict]:
    """The solver's problem for a community or a street, and its ids mapped back to the records
    (``{"C12": <Course>, "V3": <Venue>, "T4": <Teacher>, "K5": <Club>}``). A fixed number of queries."""
    area = _area(area_code)
    street = area.level == Level.STREET
    courses = list(_courses(area))
    venues = _venues(area)
    teachers = {c.teacher.pk: c.teacher for c in courses if c.teacher is not None}
    teacher_windows: dict[int, list[Any]] = defaultdict(list)
    if teachers:
        from linli.college.models import TeacherWindow

        for w in TeacherWindow.objects.filter(teacher_id__in=teachers).order_by("weekday", "starts"):
            teacher_windows[w.teacher_id].append(w)
    course_pks = [c.pk for c in courses]
    venue_pks = [v.pk for v in venues]
    own_slots: dict[int, list[WeeklySlot]] = defaultdict(list)
    for slot in WeeklySlot.objects.filter(course_id__in=course_pks).order_by("course_id", "weekday", "pk"):
        own_slots[slot.course_id].append(slot)

    # What other areas' live courses hold in these venues and of these teachers, over the same dates.
    venue_busy: dict[int, Cells] = defaultdict(set)
    teacher_busy: dict[int, Cells] = defaultdict(set)
    if courses:
        first = min(c.starts_on for c in courses)
        last = max(c.ends_on for c in courses)
        held = (Q(venue_id__in=venue_pks) | Q(venue__isnull=True, course__venue_id__in=venue_pks)
                | Q(course__teacher_id__in=list(teachers)))
        others = (WeeklySlot.objects.filter(held, course__status__in=LIVE, course__starts_on__lte=last,
                                            course__ends_on__gte=first)
                  .exclude(course_id__in=course_pks)
                  .values_list("weekday", "starts_at", "venue_id", "course__venue_id", "course__teacher_id",
                               "course__session_minutes"))
        for weekday, starts_at, venue_id, course_venue_id, teacher_id, minutes in others:
            cells = _cells_overlapping(weekday, starts_at, minutes)
            venue_busy[venue_id or course_venue_id].update(cells)
            if teacher_id is not None:
                teacher_busy[teacher_id].update(cells)

    # A lock off the grid is modelled at its nearest grid start; the other grid slots its real time
    # overlaps are taken from its venue and its teacher, so nothing else is put there.
    for c in courses:
        duration = duration_slots(c.session_minutes)
        for slot in own_slots.get(c.pk, []):
            where = placement_of(slot, c, duration) if slot.locked else None
            if where is None:
                continue
            modelled = {(where["day"], where["slot"] + k) for k in range(duration)}
            extra = _cells_overlapping(slot.weekday, slot.starts_at, c.session_minutes) - modelled
            if extra:
                venue_busy[int(where["venue"][1:])].update(extra)
                if c.teacher_id is not None:
                    teacher_busy[c.teacher_id].update(extra)

    clubs = {c.club.pk: c.club for c in courses}
    members: dict[int, set[int]] = defaultdict(set)
    for club_id, resident_id in ClubMember.objects.filter(club_id__in=clubs).values_list("club_id", "resident_id"):
        members[club_id].add(resident_id)

    mapping: dict[str, Any] = {}
    venue_json = []
    for v in venues:
        mapping[f"V{v.pk}"] = v
        windows = list(v.windows.all())
        cells = (_cells_within(windows) if windows else set(ALL_CELLS)) - venue_busy.get(v.pk, set())
        item: dict[str, Any] = {"id": f"V{v.pk}", "name": f"{v.name}（{v.area.name}）" if street else v.name,
                                "capacity": v.capacity, "features": _feature_labels(list(v.features))}
        available = _available(cells)
        if available is not None:
            item["available"] = available
        venue_json.append(item)
    teacher_json = []
    for t in sorted(teachers.values(), key=lambda t: t.pk):
        mapping[f"T{t.pk}"] = t
        windows = teacher_windows.get(t.pk, [])
        cells = (_cells_within(windows) if windows else set(ALL_CELLS)) - teacher_busy.get(t.pk, set())
        item = {"id": f"T{t.pk}", "name": t.name}
        available = _available(cells)
        if available is not None:
            item["available"] = available
        teacher_json.append(item)
    club_json = []
    for k in sorted(clubs.values(), key=lambda k: k.pk):
        mapping[f"K{k.pk}"] = k
        club_json.append({"id": f"K{k.pk}", "name": f"{k.name}（{area_name(k.area_id, courses)}）" if street else k.name})
    shared = [{"clubs": [f"K{a}", f"K{b}"], "count": n}
              for a, b in combinations(sorted(clubs), 2) if (n := len(members[a] & members[b]))]

    course_json = []
    for c in courses:
        mapping[f"C{c.pk}"] = c
        duration = duration_slots(c.session_minutes)
        item = {
            "id": f"C{c.pk}",
            "name": f"{c.title}（{c.area.name}）" if street else c.title,
            "club": f"K{c.club_id}",
            "teacher": f"T{c.teacher_id}" if c.teacher_id else "-",
            "sessions_per_week": c.sessions_per_week,
            "duration": duration,
            "features": _feature_labels(list(c.needed_features)),
            "capacity": c.capacity,
        }
        if street:
            item["venues"] = [f"V{v.pk}" for v in venues if _usable_by(c.area_id, v)]
        preferred = _preferred(c.order.slot_counts if c.order else {})
        if preferred:
            item["preferred"] = preferred
        locked: list[dict[str, Any]] = []
        previous: list[dict[str, Any]] = []
        for slot in own_slots.get(c.pk, []):
            placement = placement_of(slot, c, duration)
            if placement is not None:
                (locked if slot.locked else previous).append(placement)
        if locked:
            item["locked"] = locked
        if previous:
            item["previous"] = previous
        course_json.append(item)

    problem: dict[str, Any] = {
        "version": 1,
        "name": f"{area.name}课表",
        "days": list(DAYS),
        "slots": [{"start": g.start_label, "end": g.end_label} for g in GRID],
        "venues": venue_json,
        "teachers": teacher_json,
        "clubs": club_json,
        "shared_members": shared,
        "courses": course_json,
    }
    if weights:
        problem["weights"] = dict(weights)
    return problem, mapping


def area_name(code: str, courses: list[Course]) -> str:
    return next((c.area.name for c in courses if c.area_id == code), code)


def runs_visible(user: Any, permission: str) -> QuerySet[TimetableRun]:
    """The runs of the areas the user sees the college of (a street's runs to the street's staff)."""
    return (scope.college_visible(TimetableRun.objects.all(), user, permission)
            .select_related("area", "created_by", "published_by").order_by("-created_at", "-pk"))


def run_outdated(run: TimetableRun) -> bool:
    """The area's courses, venues, teachers or slots changed since the run's problem was built."""
    now, _ = problem_for(run.area_id, weights=run.problem.get("weights"))
    return {k: v for k, v in now.items() if k != "name"} != {k: v for k, v in run.problem.items() if k != "name"}


# --- the weekly board ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One session of a course on the board, in the cell of each grid slot it covers."""

    course: Course
    title: str
    club: str
    teacher: str
    venue: str
    venue_id: int | None
    day: int  # 0 = Monday
    slot: int  # grid slot index where it starts
    duration: int  # grid slots
    start: str  # the real time, "08:30"
    end: str
    locked: bool
    slot_id: int | None = None  # the WeeklySlot, on the published board
    first: bool = True  # False in the following cells of a longer session

    @property
    def weekday(self) -> int:
        return self.day + 1


@dataclass
class Table:
    key: str  # "V3" or "K5"
    name: str
    record: Any  # the Venue or the Club
    cells: dict[tuple[int, int], list[Entry]] = field(default_factory=lambda: defaultdict(list))

    @property
    def rows(self) -> list[tuple[GridSlot, list[list[Entry]]]]:
        """Per grid slot, the entries of each day (Monday first): a table's rows."""
        return [(g, [self.cells.get((d, g.index), []) for d in range(len(DAYS))]) for g in GRID]

    @property
    def sessions(self) -> int:
        return sum(1 for entries in self.cells.values() for e in entries if e.first)

    @property
    def clashes(self) -> bool:
        return any(len(entries) > 1 for entries in self.cells.values())


@dataclass
class Board:
    area: Area
    run: TimetableRun | None
    venues: list[Table]
    clubs: list[Table]
    unplaced: list[dict[str, Any]] = field(default_factory=list)  # the run's, with reasons
    days: tuple[str, ...] = DAYS
    grid: tuple[GridSlot, ...] = GRID


def _end(start: dt.time, minutes: int) -> str:
    total = minute_of_day(start) + minutes
    return f"{total // 60 % 24:02d}:{total % 60:02d}"


def board(area_code: str, *, run: TimetableRun | None = None) -> Board:
    """The weekly board of a community or a street, per venue and per club: the published weekly
    slots (``run=None``), or a run's placements (a preview). Not user-scoped: the caller checks."""
    area = _area(area_code)
    venue_tables: dict[int, Table] = {}
    club_tables: dict[int, Table] = {}
    for usable in _venues(area):
        venue_tables[usable.pk] = Table(f"V{usable.pk}", usable.name, usable)
    entries: list[Entry] = []
    unplaced: list[dict[str, Any]] = []
    if run is None:
        slots = (WeeklySlot.objects.filter(course__in=_courses(area))
                 .select_related("course__club", "course__teacher", "course__venue", "venue")
                 .order_by("weekday", "starts_at", "pk"))
        for s in slots:
            c = s.course
            place = s.venue or c.venue
            duration = duration_slots(c.session_minutes)
            entries.append(Entry(c, c.title, c.club.name, c.teacher.name if c.teacher else "", place.name if place else "",
                                 place.pk if place else None, s.weekday - 1, grid_index(s.starts_at, duration), duration,
                                 f"{s.starts_at:%H:%M}", _end(s.starts_at, c.session_minutes), s.locked, s.pk))
            # (a slot off the grid is shown in its nearest grid slot, at its real time)
            if place is not None and place.pk not in venue_tables:
                venue_tables[place.pk] = Table(f"V{place.pk}", place.name, place)
    else:
        result = run.result or {}
        placements = result.get("placements", [])
        unplaced = list(result.get("unplaced", []))
        course_pks = {int(p["course"][1:]) for p in placements if str(p.get("course", ""))[1:].isdigit()}
        venue_pks = {int(p["venue"][1:]) for p in placements if str(p.get("venue", ""))[1:].isdigit()}
        courses = {c.pk: c for c in Course.objects.filter(pk__in=course_pks).select_related("club", "teacher")}
        venues = {v.pk: v for v in Venue.objects.filter(pk__in=venue_pks)}
        for p in placements:
            course = courses.get(int(p["course"][1:]))
            v = venues.get(int(p["venue"][1:]))
            if course is None:
                continue
            c = course
            start = GRID[int(p["slot"])].start
            entries.append(Entry(c, c.title, c.club.name, c.teacher.name if c.teacher else "", v.name if v else "",
                                 v.pk if v else None, int(p["day"]), int(p["slot"]), int(p.get("duration") or 1),
                                 f"{start:%H:%M}", _end(start, c.session_minutes), bool(p.get("locked"))))
            if v is not None and v.pk not in venue_tables:
                venue_tables[v.pk] = Table(f"V{v.pk}", v.name, v)
    for e in entries:
        club = e.course.club
        if club.pk not in club_tables:
            club_tables[club.pk] = Table(f"K{club.pk}", club.name, club)
        targets = [club_tables[club.pk]] + ([venue_tables[e.venue_id]] if e.venue_id in venue_tables else [])
        for k in range(e.duration):
            if e.slot + k >= len(GRID):
                break
            cell = e if k == 0 else Entry(**{**e.__dict__, "first": False})
            for table in targets:
                table.cells[(e.day, e.slot + k)].append(cell)
    return Board(
        area=area,
        run=run,
        venues=sorted(venue_tables.values(), key=lambda t: (t.record.area_id, t.name, t.record.pk)),
        clubs=sorted(club_tables.values(), key=lambda t: (t.name, t.record.pk)),
        unplaced=unplaced,
    )

