"""The community validator: hard-constraint violations and the soft score of any timetable.

It shares nothing with the CP-SAT model but the problem, so the two check each other: the tests
compare the model's objective with the score computed here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from linli.college.timetable.problem import Course, Problem

TERM_LABELS = {
    "preference": "居民偏好的时段没有安排这门课（人次）",
    "club_overlap": "有共同成员的社团同时上课（人次）",
    "venue_change": "同一门课换了场地（次）",
    "spread": "同一门课连续两天上课（次）",
    "stability": "与上学期课表相比变动的课（节）",
}


@dataclass(frozen=True, order=True)
class Session:
    course: str
    day: int
    slot: int
    venue: str

    def slots(self, duration: int) -> range:
        return range(self.slot, self.slot + duration)


def violations(
    problem: Problem, sessions: Sequence[Session], *, dropped_locks: Iterable[Session] = ()
) -> list[str]:
    """Every hard constraint the timetable breaks, in words; empty when it is valid. Locks the
    solver reported as impossible (``dropped_locks``, each explained) are not counted."""
    out: list[str] = []
    courses = {c.id: c for c in problem.courses}
    venue_use: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    teacher_use: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    days_of: dict[str, list[int]] = defaultdict(list)
    for s in sessions:
        c = courses.get(s.course)
        if c is None:
            out.append(f"未知课程 {s.course}")
            continue
        v = problem.venues.get(s.venue)
        t = problem.teachers.get(c.teacher)
        where = f"{problem.course_label(c)} {problem.slot_label(s.day, s.slot, c.duration)}"
        if v is None:
            out.append(f"{where}：场地 {s.venue} 不存在")
            continue
        if t is None:
            out.append(f"{where}：老师 {c.teacher} 不存在")
            continue
        if s.slot + c.duration > len(problem.slots) or not 0 <= s.day < len(problem.days):
            out.append(f"{where}：超出一天的节次")
            continue
        if not problem.fits(s.slot, c.duration):
            out.append(f"{where}：跨越了两节之间的休息时间（如午休），不是连续的 {c.duration} 节")
        if c.venues is not None and s.venue not in c.venues:
            out.append(f"{where}：{v.name} 不在本课的候选场地中")
        if not c.features <= v.features:
            out.append(f"{where}：{v.name} 缺少设施 {'、'.join(sorted(c.features - v.features))}")
        if v.capacity < c.capacity:
            out.append(f"{where}：{v.name} 只能容纳 {v.capacity} 人，本课需要 {c.capacity} 人")
        for k in s.slots(c.duration):
            if (s.day, k) not in v.open:
                out.append(f"{where}：{v.name} 在 {problem.slot_label(s.day, k)} 不开放")
            if (s.day, k) not in t.available:
                out.append(f"{where}：老师 {t.name} 在 {problem.slot_label(s.day, k)} 没空")
            venue_use[s.venue, s.day, k].append(c.id)
            teacher_use[c.teacher, s.day, k].append(c.id)
        days_of[c.id].append(s.day)
    for (vid, day, k), ids in sorted(venue_use.items()):
        if len(ids) > 1:
            out.append(
                f"{problem.venue_label(vid)} 在 {problem.slot_label(day, k)} 同时安排了 {len(ids)} 节课：{'、'.join(ids)}"
            )
    for (tid, day, k), ids in sorted(teacher_use.items()):
        if len(ids) > 1:
            out.append(
                f"老师 {problem.teacher_label(tid)} 在 {problem.slot_label(day, k)} 同时有 {len(ids)} 节课：{'、'.join(ids)}"
            )
    for cid, days in sorted(days_of.items()):
        c = courses[cid]
        if len(days) != len(set(days)):
            out.append(f"{problem.course_label(c)} 同一天排了不止一节")
        if len(days) > c.sessions:
            out.append(f"{problem.course_label(c)} 排了 {len(days)} 节，超过每周 {c.sessions} 节")
    placed = set(sessions)
    excused = set(dropped_locks)
    for c in problem.courses:
        for lock in c.locked:
            wanted = Session(c.id, lock.day, lock.slot, lock.venue)
            if wanted not in placed and wanted not in excused:
                out.append(
                    f"{problem.course_label(c)} 锁定在 {problem.slot_label(lock.day, lock.slot)} 的课没有保留"
                )
    return out


def counts(problem: Problem, sessions: Sequence[Session]) -> dict[str, int]:
    """The raw count of every soft term (before weights)."""
    by_course: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        by_course[s.course].append(s)
    courses = {c.id: c for c in problem.courses}
    covered: dict[str, set[tuple[int, int]]] = {}
    for cid, ss in by_course.items():
        dur = courses[cid].duration
        covered[cid] = {(s.day, k) for s in ss for k in s.slots(dur)}

    preference = sum(
        n
        for c in problem.courses
        for (day, slots), n in c.preferred.items()
        if not any((day, k) in covered.get(c.id, set()) for k in slots)
    )

    club_overlap = 0
    by_club: dict[str, list[Course]] = defaultdict(list)
    for c in problem.courses:
        if c.club:
            by_club[c.club].append(c)
    for (a, b), members in problem.shared.items():
        if members <= 0:
            continue
        for ca in by_club.get(a, []):
            for cb in by_club.get(b, []):
                for sa in by_course.get(ca.id, []):
                    for sb in by_course.get(cb.id, []):
                        if sa.day == sb.day and set(sa.slots(ca.duration)) & set(sb.slots(cb.duration)):
                            club_overlap += members

    venue_change = sum(max(0, len({s.venue for s in ss}) - 1) for ss in by_course.values())
    spread = 0
    for ss in by_course.values():
        days = {s.day for s in ss}
        spread += sum(1 for d in days if d + 1 in days)
    placed = set(sessions)
    stability = sum(
        1 for c in problem.courses for p in c.previous if Session(c.id, p.day, p.slot, p.venue) not in placed
    )
    return {
        "preference": preference,
        "club_overlap": club_overlap,
        "venue_change": venue_change,
        "spread": spread,
        "stability": stability,
    }


def score(problem: Problem, sessions: Sequence[Session]) -> dict[str, object]:
    """The score by term: count, weight, weighted cost and a label a worker understands."""
    raw = counts(problem, sessions)
    terms = [
        {
            "term": name,
            "label": TERM_LABELS[name],
            "count": raw[name],
            "weight": problem.weights[name],
            "cost": raw[name] * problem.weights[name],
        }
        for name in raw
    ]
    return {"terms": terms, "total": sum(int(t["cost"]) for t in terms)}  # type: ignore[call-overload]
