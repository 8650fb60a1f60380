"""A first-fit baseline for the community problem (pure): what a careful person with a pencil does.

Locked sessions first (the same locks the CP-SAT solver keeps). Then the courses, most constrained
first (fewest usable options per session wanted, longer sessions before shorter ones), and each of
their sessions into the first (day, slot, venue), in that order, that breaks no hard rule given what
is already placed: venue free and open for every slot of the session, teacher free and available,
the venue suitable (candidates, features, capacity), not a day the course already has. Nothing is
ever moved once placed, and the wishes (preferences, shared members, …) are not looked at: the
score is only computed afterwards, by the same validator, so a benchmark compares like with like.

``solve`` returns the solver's ``Outcome`` (placements, unplaced with reasons, ``check.score``);
``status`` is ``feasible`` and there is no bound.
"""

from __future__ import annotations

import time
from collections import defaultdict

from linli.college.timetable import check, community
from linli.college.timetable.check import Session
from linli.college.timetable.community import Option, Outcome
from linli.college.timetable.problem import Course, Problem

_NOT_FOUND = "按先到先排（贪心基线）没有找到空位；不调整已排的课"


def _order(courses: list[Course], options: dict[str, list[Option]]) -> list[Course]:
    """Most constrained first: fewest options per wanted session, then longer sessions, then input order."""
    index = {c.id: i for i, c in enumerate(courses)}

    def key(c: Course) -> tuple[float, int, int]:
        return (len(options[c.id]) / max(1, c.sessions), -c.duration, index[c.id])

    return sorted(courses, key=key)


def solve(problem: Problem) -> Outcome:
    start = time.monotonic()
    p = problem
    options: dict[str, list[Option]] = {}
    static: dict[str, list[str]] = {}
    locked: dict[str, list[Option]] = {}
    for c in p.courses:
        opts = sorted(community._options(p, c))  # (day, slot, venue): first fit in that order
        options[c.id] = opts
        static[c.id] = community._static_reasons(p, c, opts)
        keep: list[Option] = []
        for lock in c.locked:
            why = community._lock_problem(p, c, lock, set(opts))
            if why is None and any(k[0] == lock.day for k in keep):
                why = (
                    f"锁定在 {p.slot_label(lock.day, lock.slot, c.duration)} 的课与本课另一节锁定的课在同一天"
                )
            if why is None and len(keep) >= c.sessions:
                why = f"锁定的课超过每周 {c.sessions} 节"
            if why:
                static[c.id].append(why)
            else:
                keep.append((lock.day, lock.slot, lock.venue))
        locked[c.id] = keep
    community._drop_colliding_locks(p, locked, static)

    courses = {c.id: c for c in p.courses}
    venue_busy: set[tuple[str, int, int]] = set()
    teacher_busy: set[tuple[str, int, int]] = set()
    days_of: dict[str, set[int]] = defaultdict(set)
    sessions: list[Session] = []

    def put(c: Course, o: Option) -> None:
        day, s, v = o
        for k in range(s, s + c.duration):
            venue_busy.add((v, day, k))
            teacher_busy.add((c.teacher, day, k))
        days_of[c.id].add(day)
        sessions.append(Session(c.id, day, s, v))

    def fits(c: Course, o: Option) -> bool:
        day, s, v = o
        if day in days_of[c.id]:
            return False
        return all(
            (v, day, k) not in venue_busy and (c.teacher, day, k) not in teacher_busy
            for k in range(s, s + c.duration)
        )

    for cid, opts in locked.items():
        for o in opts:
            put(courses[cid], o)
    for c in _order(p.courses, options):
        for o in options[c.id]:
            if len(days_of[c.id]) >= c.sessions:
                break
            if fits(c, o):
                put(c, o)

    sessions.sort()
    locked_sessions = {Session(cid, d, s, v) for cid, opts in locked.items() for d, s, v in opts}
    unplaced = community.explain(p, sessions, options, static, closing=_NOT_FOUND, only_when_free=True)
    score = check.score(p, sessions)
    return Outcome(
        problem=p,
        sessions=sessions,
        locked=locked_sessions,
        unplaced=unplaced,
        score=score,
        status="feasible",
        objective=int(score["total"]),  # type: ignore[call-overload]
        bound=None,
        issues=[i.message for i in p.issues]
        + [f"{p.course_label(c)}{r}" for c in p.courses for r in static[c.id] if r.startswith("锁定")],
        seconds=time.monotonic() - start,
        dropped_locks=sorted(
            Session(c.id, lk.day, lk.slot, lk.venue)
            for c in p.courses
            for lk in c.locked
            if Session(c.id, lk.day, lk.slot, lk.venue) not in locked_sessions
        ),
    )
