"""The community timetable on CP-SAT: hard rules, weighted wishes, and why a session is missing.

Variables: one boolean per course and *option*, an option being a start (day, slot) and a venue
that pass the course's static rules (teacher available and venue open for every slot of the
session, venue among the candidates, with the features and the capacity). Sessions of one course
are interchangeable and fall on different days, so a course has at most one option per day.

Two solves: first the most sessions that can be placed under the hard rules (locked sessions
fixed), then, keeping that many, the least weighted cost of the wishes (see ``check.counts`` for
each term). Every session that is still missing is explained: before solving, from the course's
own data (no venue with the features, teacher never free when a venue is open, more sessions than
days…); after solving, from the options it had and what occupies each of them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from linli.college.timetable import check
from linli.college.timetable.check import Session
from linli.college.timetable.problem import Course, Placement, Problem

Option = tuple[int, int, str]  # (day, start slot, venue)
_MAX_OPTION_LINES = 6


class SolveError(ValueError):
    pass


@dataclass
class Unplaced:
    course: Course
    missing: int
    reasons: list[str]


@dataclass
class Outcome:
    problem: Problem
    sessions: list[Session]
    locked: set[Session]
    unplaced: list[Unplaced]
    score: dict[str, Any]
    status: str  # optimal | feasible | infeasible
    objective: int | None = None
    bound: int | None = None
    issues: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dropped_locks: list[Session] = field(default_factory=list)  # impossible locks, explained in unplaced

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return 0.0 if self.objective == 0 else round((self.objective - self.bound) / self.objective, 4)

    def to_json(self) -> dict[str, Any]:
        p = self.problem
        courses = {c.id: c for c in p.courses}
        placements = []
        for s in sorted(self.sessions, key=lambda s: (s.day, s.slot, s.venue, s.course)):
            c = courses[s.course]
            placements.append(
                {
                    "course": c.id,
                    "course_name": c.name,
                    "club": c.club,
                    "teacher": c.teacher,
                    "teacher_name": p.teacher_label(c.teacher),
                    "day": s.day,
                    "day_name": p.days[s.day],
                    "slot": s.slot,
                    "duration": c.duration,
                    "start": p.slots[s.slot][0],
                    "end": p.slots[s.slot + c.duration - 1][1],
                    "venue": s.venue,
                    "venue_name": p.venue_label(s.venue),
                    "locked": s in self.locked,
                }
            )
        return {
            "name": p.name,
            "status": self.status,
            "optimal": self.optimal,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "score": self.score,
            "placements": placements,
            "unplaced": [
                {
                    "course": u.course.id,
                    "course_name": u.course.name,
                    "missing": u.missing,
                    "reasons": u.reasons,
                }
                for u in self.unplaced
            ],
            "issues": self.issues,
            "seconds": round(self.seconds, 2),
        }

    def summary(self) -> list[str]:
        wanted = sum(c.sessions for c in self.problem.courses)
        lines = [
            f"已排 {len(self.sessions)} / {wanted} 节课；总成本 {self.score['total']}"
            + (
                "（已证明最优）"
                if self.optimal
                else f"（下界 {self.bound}）"
                if self.bound is not None
                else ""
            )
        ]
        for t in self.score["terms"]:
            lines.append(f"  {t['label']}：{t['count']} × 权重 {t['weight']} = {t['cost']}")
        for u in self.unplaced:
            lines.append(f"未排上：《{u.course.name}》{u.missing} 节")
            lines.extend(f"  - {r}" for r in u.reasons)
        lines.extend(f"提示：{i}" for i in self.issues)
        return lines


# --- static analysis of each course ---------------------------------------------------------


def _options(p: Problem, c: Course) -> list[Option]:
    teacher = p.teachers.get(c.teacher)
    if teacher is None:
        return []
    out = []
    venues = [p.venues[v] for v in (c.venues if c.venues is not None else p.venues) if v in p.venues]
    for v in venues:
        if v.capacity < c.capacity or not c.features <= v.features:
            continue
        for day in range(len(p.days)):
            for s in range(len(p.slots) - c.duration + 1):
                if not p.fits(s, c.duration):
                    continue
                cells = [(day, k) for k in range(s, s + c.duration)]
                if all(x in v.open and x in teacher.available for x in cells):
                    out.append((day, s, v.id))
    return out


def _static_reasons(p: Problem, c: Course, options: list[Option]) -> list[str]:
    """Why a course has no option at all, or fewer days than sessions, from its own data."""
    reasons: list[str] = []
    teacher = p.teachers.get(c.teacher)
    if teacher is None:
        return [_no_teacher(c)]
    if not teacher.available:
        return [f"授课人 {teacher.name} 没有填写任何可上课的时间"]
    if c.venues is not None:
        unknown = [v for v in c.venues if v not in p.venues]
        if unknown:
            reasons.append(f"候选场地 {'、'.join(unknown)} 不存在")
        pool = [p.venues[v] for v in c.venues if v in p.venues]
        if not pool:
            return [*reasons, "没有可用的候选场地"]
    else:
        pool = list(p.venues.values())
        if not pool:
            return ["问题中没有任何场地"]
    if not options:
        with_features = [v for v in pool if c.features <= v.features]
        if not with_features:
            need = "、".join(sorted(c.features))
            reasons.append(f"没有具备所需设施（{need}）的场地")
            return reasons
        big = [v for v in with_features if v.capacity >= c.capacity]
        if not big:
            most = max(v.capacity for v in with_features)
            reasons.append(f"没有能容纳 {c.capacity} 人的场地（具备所需设施的场地最多容纳 {most} 人）")
            return reasons
        names = "、".join(v.name for v in big)
        if c.duration > 1:
            reasons.append(
                f"授课人 {teacher.name} 有空的时间与合适场地（{names}）的开放时间没有连续 {c.duration} 节的重合"
            )
        else:
            reasons.append(f"授课人 {teacher.name} 有空的时间与合适场地（{names}）的开放时间没有重合")
        return reasons
    days = sorted({d for d, _, _ in options})
    if c.sessions > len(p.days):
        reasons.append(f"每周 {c.sessions} 节，但同一门课每天最多 1 节，一周只有 {len(p.days)} 天")
    elif c.sessions > len(days):
        listed = "、".join(p.days[d] for d in days)
        reasons.append(
            f"授课人有空且有合适场地开放的只有 {len(days)} 天（{listed}），同一门课每天最多 1 节，排不下每周 {c.sessions} 节"
        )
    return reasons


def _no_teacher(c: Course) -> str:
    """A course whose teacher is ``"-"`` (or empty) has none yet; any other unknown id is a mistake."""
    if c.teacher.strip() in ("", "-"):
        return "课程还没有安排老师"
    return f"授课人编号 {c.teacher} 不存在"


def _lock_problem(p: Problem, c: Course, lock: Placement, options: set[Option]) -> str | None:
    if (lock.day, lock.slot, lock.venue) in options:
        return None
    where = (
        f"锁定在 {p.slot_label(lock.day, lock.slot, c.duration)}（{p.venue_label(lock.venue)}）的课无法保留："
    )
    v = p.venues.get(lock.venue)
    t = p.teachers.get(c.teacher)
    if v is None:
        return where + f"场地 {lock.venue} 不存在"
    if t is None:
        return where + _no_teacher(c)
    if c.venues is not None and v.id not in c.venues:
        return where + f"{v.name} 不在候选场地中"
    if not c.features <= v.features:
        return where + f"{v.name} 缺少设施 {'、'.join(sorted(c.features - v.features))}"
    if v.capacity < c.capacity:
        return where + f"{v.name} 只能容纳 {v.capacity} 人"
    if lock.slot + c.duration > len(p.slots):
        return where + "超出当天的最后一节"
    if not p.fits(lock.slot, c.duration):
        return where + f"跨越了休息时间，不是连续的 {c.duration} 节"
    for k in range(lock.slot, lock.slot + c.duration):
        if (lock.day, k) not in v.open:
            return where + f"{v.name} 在 {p.slot_label(lock.day, k)} 不开放"
        if (lock.day, k) not in t.available:
            return where + f"授课人 {t.name} 在 {p.slot_label(lock.day, k)} 没空"
    return where + "不满足本课的要求"


# --- the model ------------------------------------------------------------------------------


class _Model:
    def __init__(
        self,
        p: Problem,
        options: dict[str, list[Option]],
        locked: dict[str, list[Option]],
        caps: dict[str, int],
    ) -> None:
        self.p = p
        self.m = cp_model.CpModel()
        m = self.m
        self.courses = {c.id: c for c in p.courses}
        self.x: dict[tuple[str, Option], cp_model.IntVar] = {}
        for cid, opts in options.items():
            for o in opts:
                self.x[cid, o] = m.new_bool_var(f"x_{cid}_{o}")
        for cid, opts in locked.items():
            for o in opts:
                m.add(self.x[cid, o] == 1)
        self.placed: dict[str, cp_model.LinearExprT] = {}
        self.on_day: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        self.cover: dict[tuple[str, int, int], list[cp_model.IntVar]] = defaultdict(list)
        venue_cells: dict[tuple[str, int, int], list[cp_model.IntVar]] = defaultdict(list)
        teacher_cells: dict[tuple[str, int, int], list[cp_model.IntVar]] = defaultdict(list)
        for (cid, (day, s, v)), var in self.x.items():
            c = self.courses[cid]
            self.on_day[cid, day].append(var)
            for k in range(s, s + c.duration):
                self.cover[cid, day, k].append(var)
                venue_cells[v, day, k].append(var)
                teacher_cells[c.teacher, day, k].append(var)
        for vs in self.on_day.values():
            if len(vs) > 1:
                m.add_at_most_one(vs)
        for vs in [*venue_cells.values(), *teacher_cells.values()]:
            if len(vs) > 1:
                m.add_at_most_one(vs)
        for cid, opts in options.items():
            self.placed[cid] = sum(self.x[cid, o] for o in opts)
            m.add(self.placed[cid] <= caps[cid])
        self.total_placed = sum(self.placed.values())
        self.terms = self._soft_terms()

    def _cov(self, cid: str, day: int, k: int) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.sum(self.cover.get((cid, day, k), []))

    def _soft_terms(self) -> dict[str, cp_model.LinearExprT]:
        p, m = self.p, self.m
        nd, ns = len(p.days), len(p.slots)
        pref: list[cp_model.LinearExprT] = []
        for c in p.courses:
            for (day, wished), n in c.preferred.items():
                if n:
                    # the sessions covering any wished slot of that day: at most one (one a day per course)
                    met = list({id(v): v for k in wished for v in self.cover.get((c.id, day, k), [])}.values())
                    pref.append(n * (1 - cp_model.LinearExpr.sum(met)))
        overlap: list[cp_model.LinearExprT] = []
        by_club: dict[str, list[Course]] = defaultdict(list)
        for c in p.courses:
            if c.club:
                by_club[c.club].append(c)
        for (a, b), members in sorted(p.shared.items()):
            if members <= 0:
                continue
            for ca in by_club.get(a, []):
                for cb in by_club.get(b, []):
                    for day in range(nd):
                        common = [
                            k
                            for k in range(ns)
                            if (ca.id, day, k) in self.cover and (cb.id, day, k) in self.cover
                        ]
                        if not common:
                            continue
                        o = m.new_bool_var(f"ov_{ca.id}_{cb.id}_{day}")
                        for k in common:
                            m.add(o >= self._cov(ca.id, day, k) + self._cov(cb.id, day, k) - 1)
                        overlap.append(members * o)
        change: list[cp_model.LinearExprT] = []
        spread: list[cp_model.LinearExprT] = []
        stability: list[cp_model.LinearExprT] = []
        for c in p.courses:
            by_venue: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for (cid, (_d, _s, v)), var in self.x.items():
                if cid == c.id:
                    by_venue[v].append(var)
            if len(by_venue) > 1 and c.sessions > 1:
                ys = []
                for v, vs in by_venue.items():
                    y = m.new_bool_var(f"y_{c.id}_{v}")
                    for var in vs:
                        m.add_implication(var, y)
                    ys.append(y)
                extra = m.new_int_var(0, len(ys), f"chg_{c.id}")
                m.add(extra >= sum(ys) - 1)
                change.append(extra)
            if c.sessions > 1:
                for day in range(nd - 1):
                    today, tomorrow = self.on_day.get((c.id, day)), self.on_day.get((c.id, day + 1))
                    if today and tomorrow:
                        adj = m.new_bool_var(f"adj_{c.id}_{day}")
                        m.add(adj >= sum(today) + sum(tomorrow) - 1)
                        spread.append(adj)
            for prev in c.previous:
                kept = self.x.get((c.id, (prev.day, prev.slot, prev.venue)))
                stability.append(1 - kept if kept is not None else 1)
        return {
            "preference": sum(pref),
            "club_overlap": sum(overlap),
            "venue_change": sum(change),
            "spread": sum(spread),
            "stability": sum(stability),
        }

    def objective(self) -> cp_model.LinearExprT:
        return sum(self.p.weights[name] * expr for name, expr in self.terms.items())


def _solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports every solution CP-SAT finds: (stage, seconds since the solve began, objective, bound)."""

    def __init__(self, stage: str, start: float, report: Callable[[str, float, float, float], None]) -> None:
        super().__init__()
        self.stage, self.start, self.report = stage, start, report

    def on_solution_callback(self) -> None:
        self.report(
            self.stage, time.monotonic() - self.start, self.objective_value, self.best_objective_bound
        )


def solve(
    problem: Problem,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    on_solution: Callable[[str, float, float, float], None] | None = None,
) -> Outcome:
    """``on_solution`` (optional, for benchmarks) is called at every solution CP-SAT finds with the
    stage (``"placed"``: most sessions; ``"score"``: least weighted cost), the seconds since the solve
    began, the objective and the bound at that moment."""
    if not time_limit or time_limit <= 0:
        raise SolveError("时间限制必须大于 0 秒")
    start = time.monotonic()
    p = problem
    options: dict[str, list[Option]] = {}
    static: dict[str, list[str]] = {}
    caps: dict[str, int] = {}
    locked: dict[str, list[Option]] = {}
    for c in p.courses:
        opts = _options(p, c)
        static[c.id] = _static_reasons(p, c, opts)
        caps[c.id] = min(c.sessions, len({d for d, _, _ in opts}))
        # locks: must be options of the course, on different days, and not collide with each other
        keep: list[Option] = []
        for lock in c.locked:
            o = (lock.day, lock.slot, lock.venue)
            why = _lock_problem(p, c, lock, set(opts))
            if why is None and any(k[0] == o[0] for k in keep):
                why = (
                    f"锁定在 {p.slot_label(lock.day, lock.slot, c.duration)} 的课与本课另一节锁定的课在同一天"
                )
            if why is None and len(keep) >= c.sessions:
                why = f"锁定的课超过每周 {c.sessions} 节"
            if why:
                static[c.id].append(why)
            else:
                keep.append(o)
        locked[c.id] = keep
        options[c.id] = opts
    _drop_colliding_locks(p, locked, static)

    model = _Model(p, options, locked, caps)
    # 1. the most sessions that can be placed
    first = _solver(time_limit * 0.3, workers, seed)
    model.m.maximize(model.total_placed)
    status = first.solve(model.m, _Progress("placed", start, on_solution) if on_solution else None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SolveError(f"在时间限制内没有找到任何课表（{first.status_name(status)}），请加大时间限制")
    most = int(first.objective_value)
    most_proven = status == cp_model.OPTIMAL
    hint = {key: first.value(var) for key, var in model.x.items()}

    # 2. keep that many, minimise the weighted wishes. The first stage's solution is a complete
    # one for this stage too: hint every variable (the soft terms' helpers included), so that
    # CP-SAT starts from it instead of rebuilding a first solution.
    full_hint = [(i, first.value(model.m.get_int_var_from_proto_index(i)))
                 for i in range(len(model.m.proto.variables))]
    model.m.add(model.total_placed >= most)
    model.m.minimize(model.objective())
    for i, value in full_hint:
        model.m.add_hint(model.m.get_int_var_from_proto_index(i), value)
    left = max(0.1, time_limit - (time.monotonic() - start) - 0.05)
    second = _solver(left, workers, seed)
    status2 = second.solve(model.m, _Progress("score", start, on_solution) if on_solution else None)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = [key for key, var in model.x.items() if second.value(var)]
        objective: int | None = round(second.objective_value)
        bound: int | None = round(second.best_objective_bound)
        status_name = "optimal" if status2 == cp_model.OPTIMAL and most_proven else "feasible"
    else:
        chosen = [key for key, val in hint.items() if val]
        objective = bound = None
        status_name = "feasible"

    sessions = sorted(Session(cid, d, s, v) for cid, (d, s, v) in chosen)
    locked_sessions = {Session(cid, d, s, v) for cid, opts in locked.items() for d, s, v in opts}
    unplaced = explain(p, sessions, options, static, closing=(
        "在满足所有硬性要求的前提下，这已是能排上的最多节数（已证明）" if most_proven
        else "在时间限制内没有找到能多排这一节的方案，加大时间限制也许能排上"))
    outcome = Outcome(
        problem=p,
        sessions=sessions,
        locked=locked_sessions,
        unplaced=unplaced,
        score=check.score(p, sessions),
        status=status_name,
        objective=objective,
        bound=bound,
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
    return outcome


def _drop_colliding_locks(p: Problem, locked: dict[str, list[Option]], static: dict[str, list[str]]) -> None:
    courses = {c.id: c for c in p.courses}
    venue_cells: dict[tuple[str, int, int], str] = {}
    teacher_cells: dict[tuple[str, int, int], str] = {}
    for cid in list(locked):
        c = courses[cid]
        keep = []
        for day, s, v in locked[cid]:
            cells = [(day, k) for k in range(s, s + c.duration)]
            clash = next((venue_cells[v, d, k] for d, k in cells if (v, d, k) in venue_cells), None)
            busy = next(
                (teacher_cells[c.teacher, d, k] for d, k in cells if (c.teacher, d, k) in teacher_cells), None
            )
            label = p.slot_label(day, s, c.duration)
            if clash is not None:
                static[cid].append(
                    f"锁定在 {label}（{p.venue_label(v)}）的课无法保留：该场地已锁定给《{courses[clash].name}》"
                )
            elif busy is not None:
                static[cid].append(
                    f"锁定在 {label} 的课无法保留：授课人 {p.teacher_label(c.teacher)} 此时已锁定上《{courses[busy].name}》"
                )
            else:
                keep.append((day, s, v))
                for d, k in cells:
                    venue_cells[v, d, k] = cid
                    teacher_cells[c.teacher, d, k] = cid
        locked[cid] = keep


def explain(
    p: Problem,
    sessions: list[Session],
    options: dict[str, list[Option]],
    static: dict[str, list[str]],
    *,
    closing: str,
    only_when_free: bool = False,
) -> list[Unplaced]:
    """Why each course has fewer sessions than it asks: the reasons found before solving, what takes
    each time it could still use, and ``closing`` (what the search can say of the rest; with
    ``only_when_free``, said only when some time was still open)."""
    courses = {c.id: c for c in p.courses}
    venue_at: dict[tuple[str, int, int], str] = {}
    teacher_at: dict[tuple[str, int, int], str] = {}
    days_of: dict[str, set[int]] = defaultdict(set)
    for s in sessions:
        c = courses[s.course]
        days_of[c.id].add(s.day)
        for k in s.slots(c.duration):
            venue_at[s.venue, s.day, k] = c.id
            teacher_at[c.teacher, s.day, k] = c.id
    out = []
    for c in p.courses:
        missing = c.sessions - len(days_of[c.id])
        if missing <= 0:
            continue
        reasons = list(static[c.id])
        free_options = [o for o in options[c.id] if o[0] not in days_of[c.id]]
        if options[c.id]:
            if not free_options:
                used = "、".join(p.days[d] for d in sorted(days_of[c.id]))
                reasons.append(f"本课可排的日子（{used}）都已各有 1 节，同一门课每天最多 1 节")
            else:
                reasons.extend(_blocked_options(p, c, free_options, venue_at, teacher_at, courses))
            if free_options or not (only_when_free or static[c.id]):
                reasons.append(closing)
        out.append(Unplaced(c, missing, reasons or ["原因不明"]))
    return out


def _blocked_options(
    p: Problem,
    c: Course,
    free: list[Option],
    venue_at: dict[tuple[str, int, int], str],
    teacher_at: dict[tuple[str, int, int], str],
    courses: dict[str, Course],
) -> list[str]:
    """What occupies each remaining option: the binding venue and teacher constraints, in words."""
    by_time: dict[tuple[int, int], list[str]] = defaultdict(list)
    busy_with: set[str] = set()
    occupied_by: set[str] = set()
    venues_at: dict[tuple[int, int], list[str]] = defaultdict(list)
    for day, s, v in free:
        venues_at[day, s].append(v)
    for (day, s), vs in venues_at.items():
        cells = range(s, s + c.duration)
        teacher_busy = next(
            (teacher_at[c.teacher, day, k] for k in cells if (c.teacher, day, k) in teacher_at), None
        )
        if teacher_busy:
            by_time[day, s].append(
                f"授课人 {p.teacher_label(c.teacher)} 此时在上《{courses[teacher_busy].name}》"
            )
            busy_with.add(teacher_busy)
        for v in vs:
            venue_busy = next((venue_at[v, day, k] for k in cells if (v, day, k) in venue_at), None)
            if venue_busy:
                by_time[day, s].append(f"{p.venue_label(v)}已被《{courses[venue_busy].name}》占用")
                occupied_by.add(venue_busy)
            elif not teacher_busy:
                by_time[day, s].append(f"{p.venue_label(v)}此时空闲（求解时间不足，未能排入）")
    times = sorted(by_time)
    listed = "、".join(p.slot_label(d, s, c.duration) for d, s in times[:_MAX_OPTION_LINES])
    more = f" 等 {len(times)} 个时段" if len(times) > _MAX_OPTION_LINES else ""
    lines = [f"授课人有空、合适场地也开放的其余时段：{listed}{more}，都已被占用："]
    for d, s in times[:_MAX_OPTION_LINES]:
        lines.append(f"{p.slot_label(d, s, c.duration)}：{'；'.join(dict.fromkeys(by_time[d, s]))}")
    if len(times) > _MAX_OPTION_LINES:
        names = "、".join(f"《{courses[x].name}》" for x in sorted(occupied_by | busy_with))
        lines.append(f"占用这些时段的课：{names}")
    return lines
