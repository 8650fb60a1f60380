"""A CP-SAT solver for ITC-2007 Track 3 instances, in three stages.

1. **Time.** One boolean ``x[c, p]`` per course and allowed period. Hard: the number of lectures,
   one lecture per conflict clique (each curriculum, each teacher's courses) and period, no more
   lectures in a period than rooms. Soft: minimum working days (day indicators), curriculum
   compactness (an "isolated" indicator per curriculum and period), and room capacity as an exact
   lower bound: with rooms and courses sorted by size, the least capacity cost of a period is
   ``sum over student counts u of max(0, #lectures with >= u students - #rooms with capacity >= u)``,
   which is piecewise constant between the instance's distinct sizes, so one overflow variable per
   size interval and period is enough (intervals that can never overflow are left out).
2. **Rooms.** With the periods fixed, ``z[c, p, r]`` assigns rooms, minimising capacity and room
   stability.
3. **Large neighbourhood search** on the joint model: a few courses (a curriculum and its
   neighbours, a teacher's courses, the courses in a few periods, random ones) are freed in time
   and room with everything else fixed, and CP-SAT re-optimises them with the current placement as
   a hint; an improvement (or an equal-cost move, to drift across plateaus) is kept. When the whole
   instance is small the neighbourhood is the whole instance, and a proof of optimality stops the
   search.

Every solution that leaves here has been scored by ``itc.evaluate``.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from linli.college.timetable import itc
from linli.college.timetable.itc import Assignment, Instance

Placement = dict[int, list[tuple[int, int]]]  # course index -> [(period, room index)]

# Up to this many room variables the joint model of the whole instance is solved directly.
_WHOLE_INSTANCE_ROOM_VARS = 4000


class SolveError(ValueError):
    """The instance cannot be solved as asked (bad time limit, nothing schedulable)."""


@dataclass
class Result:
    assignments: list[Assignment]
    evaluation: itc.Evaluation
    proven_optimal: bool = False
    lower_bound: int = 0
    problems: list[str] = field(default_factory=list)  # what could not be scheduled, and why
    log: list[str] = field(default_factory=list)


class _Data:
    """Indices and derived facts of an instance, computed once."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.nc = len(inst.courses)
        self.nr = len(inst.rooms)
        self.ppd = inst.periods_per_day
        self.np = inst.periods
        self.cidx = {c.id: i for i, c in enumerate(inst.courses)}
        self.students = [c.students for c in inst.courses]
        self.lectures = [c.lectures for c in inst.courses]
        self.min_days = [c.min_days for c in inst.courses]
        self.cap = [r.capacity for r in inst.rooms]
        self.allowed: list[list[int]] = [
            [p for p in range(self.np) if inst.available(c.id, p // self.ppd, p % self.ppd)]
            for c in inst.courses
        ]
        groups = {tuple(sorted(self.cidx[cid] for cid in g)) for g in inst.conflict_groups()}
        self.groups: list[tuple[int, ...]] = sorted(groups)
        self.neighbours: list[set[int]] = [set() for _ in range(self.nc)]
        for g in self.groups:
            for i in g:
                self.neighbours[i].update(j for j in g if j != i)
        self.curricula: list[tuple[int, ...]] = [
            tuple(sorted({self.cidx[cid] for cid in q.courses})) for q in inst.curricula
        ]
        self.curricula_of: list[list[int]] = [[] for _ in range(self.nc)]
        for qi, q in enumerate(self.curricula):
            for i in q:
                self.curricula_of[i].append(qi)
        self.over = [[max(0, s - k) for k in self.cap] for s in self.students]

    def day(self, p: int) -> int:
        return p // self.ppd

    def same_day_neighbours(self, p: int) -> list[int]:
        out = []
        if p % self.ppd > 0:
            out.append(p - 1)
        if p % self.ppd < self.ppd - 1:
            out.append(p + 1)
        return out


def _params(solver: cp_model.CpSolver, seconds: float, workers: int, seed: int) -> None:
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed


# --- stage 1: periods -----------------------------------------------------------------------


def _capacity_intervals(d: _Data) -> list[tuple[int, int, list[int], int]]:
    """(weight, threshold, courses with students >= threshold, rooms with capacity >= threshold)."""
    values = sorted({0, *d.students, *d.cap})
    out = []
    for lo, hi in itertools.pairwise(values):
        big = [i for i in range(d.nc) if d.students[i] >= hi]
        rooms = sum(1 for k in d.cap if k >= hi)
        if len(big) > rooms:
            out.append((hi - lo, hi, big, rooms))
    return out


def _time_stage(
    d: _Data, seconds: float, workers: int, seed: int, relax: bool
) -> tuple[dict[int, list[int]] | None, int, str]:
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in range(d.nc):
        for p in d.allowed[i]:
            x[i, p] = m.new_bool_var(f"x{i}_{p}")
    terms: list[cp_model.LinearExprT] = []
    for i in range(d.nc):
        placed = sum(x[i, p] for p in d.allowed[i])
        if relax:
            miss = m.new_int_var(0, d.lectures[i], f"miss{i}")
            m.add(placed + miss == d.lectures[i])
            terms.append(1000 * miss)
        else:
            m.add(placed == d.lectures[i])
    for g in d.groups:
        for p in range(d.np):
            vs = [x[i, p] for i in g if (i, p) in x]
            if len(vs) > 1:
                m.add_at_most_one(vs)
    for p in range(d.np):
        vs = [x[i, p] for i in range(d.nc) if (i, p) in x]
        if len(vs) > d.nr:
            m.add(sum(vs) <= d.nr)
    for weight, hi, big, rooms in _capacity_intervals(d):
        for p in range(d.np):
            vs = [x[i, p] for i in big if (i, p) in x]
            if len(vs) > rooms:
                o = m.new_int_var(0, len(vs) - rooms, f"o{hi}_{p}")
                m.add(o >= sum(vs) - rooms)
                terms.append(weight * itc.ROOM_CAPACITY_WEIGHT * o)
    for i in range(d.nc):
        if d.min_days[i] <= 1:
            continue
        day_vars = []
        for day in range(d.inst.days):
            vs = [x[i, p] for p in range(day * d.ppd, (day + 1) * d.ppd) if (i, p) in x]
            if vs:
                w = m.new_bool_var(f"w{i}_{day}")
                m.add(w <= sum(vs))
                day_vars.append(w)
        short = m.new_int_var(0, d.min_days[i], f"short{i}")
        m.add(short >= d.min_days[i] - sum(day_vars))
        terms.append(itc.MIN_WORKING_DAYS_WEIGHT * short)
    for qi, q in enumerate(d.curricula):
        present = {p: [x[i, p] for i in q if (i, p) in x] for p in range(d.np)}
        for p in range(d.np):
            if not present[p]:
                continue
            iso = m.new_bool_var(f"iso{qi}_{p}")
            neigh = [v for n in d.same_day_neighbours(p) for v in present[n]]
            m.add(iso >= sum(present[p]) - sum(neigh))
            terms.append(itc.CURRICULUM_COMPACTNESS_WEIGHT * iso)
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    _params(solver, seconds, workers, seed)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, 0, solver.status_name(status)
    periods = {i: [p for p in d.allowed[i] if solver.value(x[i, p])] for i in range(d.nc)}
    return periods, int(solver.best_objective_bound), solver.status_name(status)


# --- stage 2: rooms -------------------------------------------------------------------------


def _room_stage(
    d: _Data, periods: dict[int, list[int]], seconds: float, workers: int, seed: int
) -> Placement:
    m = cp_model.CpModel()
    z: dict[tuple[int, int, int], cp_model.IntVar] = {}
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    terms: list[cp_model.LinearExprT] = []
    by_period: dict[int, list[int]] = defaultdict(list)
    for i, ps in periods.items():
        if not ps:
            continue
        for r in range(d.nr):
            y[i, r] = m.new_bool_var(f"y{i}_{r}")
        terms.append(sum(y[i, r] for r in range(d.nr)) - 1)
        for p in ps:
            by_period[p].append(i)
            for r in range(d.nr):
                z[i, p, r] = v = m.new_bool_var(f"z{i}_{p}_{r}")
                m.add_implication(v, y[i, r])
                if d.over[i][r]:
                    terms.append(d.over[i][r] * v)
            m.add_exactly_one(z[i, p, r] for r in range(d.nr))
    for p, cs in by_period.items():
        for r in range(d.nr):
            m.add_at_most_one(z[i, p, r] for i in cs)
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    _params(solver, seconds, workers, seed)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # rooms per period never exceed the number of rooms, so a greedy assignment always exists
        return _greedy_rooms(d, periods)
    return {
        i: [(p, next(r for r in range(d.nr) if solver.value(z[i, p, r]))) for p in ps]
        for i, ps in periods.items()
    }


def _greedy_rooms(d: _Data, periods: dict[int, list[int]]) -> Placement:
    by_period: dict[int, list[int]] = defaultdict(list)
    for i, ps in periods.items():
        for p in ps:
            by_period[p].append(i)
    rooms_by_size = sorted(range(d.nr), key=lambda r: -d.cap[r])
    out: Placement = {i: [] for i in periods}
    for p, cs in by_period.items():
        for i, r in zip(sorted(cs, key=lambda i: -d.students[i]), rooms_by_size, strict=False):
            out[i].append((p, r))
    return out


# --- stage 3: large neighbourhood search on the joint model ---------------------------------


def _course_cost(d: _Data, i: int, lectures: list[tuple[int, int]]) -> int:
    days = {d.day(p) for p, _ in lectures}
    rooms = {r for _, r in lectures}
    return (
        sum(d.over[i][r] for _, r in lectures) * itc.ROOM_CAPACITY_WEIGHT
        + max(0, d.min_days[i] - len(days)) * itc.MIN_WORKING_DAYS_WEIGHT
        + max(0, len(rooms) - 1) * itc.ROOM_STABILITY_WEIGHT
    )


def _curriculum_cost(d: _Data, q: tuple[int, ...], sol: Placement) -> int:
    count: dict[int, int] = defaultdict(int)
    for i in q:
        for p, _ in sol.get(i, []):
            count[p] += 1
    iso = 0
    for p, n in count.items():
        if all(count.get(nb, 0) == 0 for nb in d.same_day_neighbours(p)):
            iso += n
    return iso * itc.CURRICULUM_COMPACTNESS_WEIGHT


def _total_cost(d: _Data, sol: Placement) -> int:
    return sum(_course_cost(d, i, sol.get(i, [])) for i in range(d.nc)) + sum(
        _curriculum_cost(d, q, sol) for q in d.curricula
    )


def _reoptimise(
    d: _Data, sol: Placement, free: set[int], seconds: float, workers: int, seed: int
) -> tuple[Placement | None, int, int, bool]:
    """Free the courses in ``free``, keep the others; return (new placement, old cost, new cost, optimal)."""
    fixed_room: set[tuple[int, int]] = set()
    fixed_course_at: dict[int, set[int]] = defaultdict(set)
    for j, lectures in sol.items():
        if j in free:
            continue
        for p, r in lectures:
            fixed_room.add((p, r))
            fixed_course_at[p].add(j)
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    z: dict[tuple[int, int, int], cp_model.IntVar] = {}
    terms: list[cp_model.LinearExprT] = []
    current = {(i, p, r) for i in free for p, r in sol.get(i, [])}
    for i in sorted(free):
        blocked = set()
        for p in d.allowed[i]:
            if fixed_course_at[p] & d.neighbours[i]:
                blocked.add(p)
        periods = [p for p in d.allowed[i] if p not in blocked]
        y = [m.new_bool_var(f"y{i}_{r}") for r in range(d.nr)]
        for p in periods:
            rooms = [r for r in range(d.nr) if (p, r) not in fixed_room]
            if not rooms:
                continue
            x[i, p] = xv = m.new_bool_var(f"x{i}_{p}")
            m.add_hint(xv, any((i, p, r) in current for r in rooms))
            zs = []
            for r in rooms:
                z[i, p, r] = v = m.new_bool_var(f"z{i}_{p}_{r}")
                m.add_hint(v, (i, p, r) in current)
                m.add_implication(v, y[r])
                zs.append(v)
                if d.over[i][r]:
                    terms.append(d.over[i][r] * itc.ROOM_CAPACITY_WEIGHT * v)
            m.add(sum(zs) == xv)
        used_rooms = {r for _, r in sol.get(i, [])}
        for r in range(d.nr):
            m.add_hint(y[r], r in used_rooms)
        xs = [x[i, p] for p in periods if (i, p) in x]
        if len(xs) < d.lectures[i]:
            return None, 0, 0, False
        m.add(sum(xs) == d.lectures[i])
        terms.append(itc.ROOM_STABILITY_WEIGHT * (sum(y) - 1))
        if d.min_days[i] > 1:
            day_vars = []
            have = {d.day(p) for p, _ in sol.get(i, [])}
            for day in range(d.inst.days):
                vs = [x[i, p] for p in range(day * d.ppd, (day + 1) * d.ppd) if (i, p) in x]
                if vs:
                    w = m.new_bool_var(f"w{i}_{day}")
                    m.add(w <= sum(vs))
                    m.add_hint(w, day in have)
                    day_vars.append(w)
            short = m.new_int_var(0, d.min_days[i], f"short{i}")
            m.add(short >= d.min_days[i] - sum(day_vars))
            m.add_hint(short, max(0, d.min_days[i] - len(have)))
            terms.append(itc.MIN_WORKING_DAYS_WEIGHT * short)
    for g in d.groups:
        members = [i for i in g if i in free]
        if len(members) < 2:
            continue
        for p in range(d.np):
            vs = [x[i, p] for i in members if (i, p) in x]
            if len(vs) > 1:
                m.add_at_most_one(vs)
    by_slot: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (_i, p, r), v in z.items():
        by_slot[p, r].append(v)
    for vs in by_slot.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)
    touched = sorted({qi for i in free for qi in d.curricula_of[i]})
    for qi in touched:
        q = d.curricula[qi]
        const: dict[int, int] = defaultdict(int)
        for j in q:
            if j not in free:
                for p, _ in sol.get(j, []):
                    const[p] += 1
        var: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for i in q:
            if i in free:
                for p in range(d.np):
                    if (i, p) in x:
                        var[p].append(x[i, p])
        old_count: dict[int, int] = defaultdict(int)
        for i in q:
            for p, _ in sol.get(i, []):
                old_count[p] += 1
        for p in range(d.np):
            if not var[p] and not const[p]:
                continue
            neigh = d.same_day_neighbours(p)
            if not var[p] and any(const[n] for n in neigh):
                continue  # fixed lecture with a fixed neighbour: never isolated
            iso = m.new_bool_var(f"iso{qi}_{p}")
            # a feasible timetable has at most one lecture of a curriculum per period
            here = const[p] + sum(var[p])
            around = sum(const[n] for n in neigh) + sum(v for n in neigh for v in var[n])
            m.add(iso >= here - around)
            m.add_hint(iso, old_count[p] > 0 and all(old_count[n] == 0 for n in neigh))
            terms.append(itc.CURRICULUM_COMPACTNESS_WEIGHT * iso)
    old = sum(_course_cost(d, i, sol.get(i, [])) for i in free) + sum(
        _curriculum_cost(d, d.curricula[qi], sol) for qi in touched
    )
    m.add(sum(terms) <= old)
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    _params(solver, seconds, workers, seed)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, old, old, False
    new_sol = {j: list(ls) for j, ls in sol.items()}
    for i in free:
        new_sol[i] = sorted((p, r) for (c, p, r), v in z.items() if c == i and solver.value(v))
    new = sum(_course_cost(d, i, new_sol[i]) for i in free) + sum(
        _curriculum_cost(d, d.curricula[qi], new_sol) for qi in touched
    )
    return new_sol, old, new, status == cp_model.OPTIMAL


def _neighbourhood(d: _Data, sol: Placement, size: int, rng: random.Random) -> set[int]:
    scheduled = [i for i in range(d.nc) if d.lectures[i] > 0]
    kind = rng.randrange(4)
    free: set[int] = set()
    if kind == 0 and d.curricula:
        queue = list(rng.choice(d.curricula))
        while queue and len(free) < size:
            i = queue.pop(0)
            if i in free:
                continue
            free.add(i)
            extra = list(d.neighbours[i] - free)
            rng.shuffle(extra)
            queue.extend(extra)
    elif kind == 1:
        days = rng.sample(range(d.inst.days), k=min(2, d.inst.days))
        candidates = [i for i in scheduled if any(d.day(p) in days for p, _ in sol.get(i, []))]
        rng.shuffle(candidates)
        free.update(candidates[:size])
    elif kind == 2:
        # courses in the same rooms, to trade rooms
        rooms = rng.sample(range(d.nr), k=min(2, d.nr))
        candidates = [i for i in scheduled if any(r in rooms for _, r in sol.get(i, []))]
        rng.shuffle(candidates)
        free.update(candidates[:size])
    # top up with costly courses and random ones
    costly = sorted(scheduled, key=lambda i: -_course_cost(d, i, sol.get(i, [])))
    for i in costly[: max(1, size // 4)]:
        if len(free) >= size:
            break
        if _course_cost(d, i, sol.get(i, [])) > 0:
            free.add(i)
    rest = [i for i in scheduled if i not in free]
    rng.shuffle(rest)
    free.update(rest[: max(0, size - len(free))])
    return free


# --- the driver -----------------------------------------------------------------------------


def _to_assignments(d: _Data, sol: Placement) -> list[Assignment]:
    return sorted(
        Assignment(d.inst.courses[i].id, d.inst.rooms[r].id, p // d.ppd, p % d.ppd)
        for i, lectures in sol.items()
        for p, r in lectures
    )


def precheck(inst: Instance) -> list[str]:
    """Reasons, per course, why the instance cannot be fully scheduled (without solving)."""
    d = _Data(inst)
    problems = []
    if d.nr == 0 and any(d.lectures):
        problems.append("没有教室，任何课都无法安排")
    for i, c in enumerate(inst.courses):
        if c.lectures > len(d.allowed[i]):
            problems.append(f"课程 {c.id} 需要 {c.lectures} 节课，但只有 {len(d.allowed[i])} 个可用时段")
    total = sum(d.lectures)
    if total > d.np * d.nr:
        problems.append(f"共 {total} 节课，超过 {d.np} 个时段 × {d.nr} 间教室 = {d.np * d.nr} 个位置")
    for g in d.groups:
        need = sum(d.lectures[i] for i in g)
        if need > d.np:
            names = "、".join(inst.courses[i].id for i in g)
            problems.append(f"互相冲突的课程（{names}）共需 {need} 个时段，一周只有 {d.np} 个")
    return problems


def solve(
    inst: Instance,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> Result:
    """Solve within ``time_limit`` seconds (wall clock, roughly). Always returns a validated result;
    if no complete timetable is found, as many lectures as possible are placed and ``problems``
    says why the rest are missing."""
    if not time_limit or time_limit <= 0:
        raise SolveError("时间限制必须大于 0 秒")
    start = time.monotonic()
    deadline = start + time_limit
    lines: list[str] = []

    def say(msg: str) -> None:
        lines.append(msg)
        if log:
            log(msg)

    d = _Data(inst)
    problems = precheck(inst)
    for p in problems:
        say(f"无法完整排课：{p}")
    rng = random.Random(seed)

    stage1 = time_limit * (0.3 if d.nc > 10 else 0.5)
    periods, bound, status = _time_stage(d, stage1, workers, seed, relax=bool(problems))
    if periods is None and not problems:
        say(f"第一阶段（时段）在 {stage1:.1f} 秒内没有找到可行解（{status}），改为尽量多排")
        remaining = max(0.5, (deadline - time.monotonic()) * 0.5)
        periods, bound, status = _time_stage(d, remaining, workers, seed, relax=True)
        problems.append("在时间限制内没有找到排下全部课时的方案；已尽量多排，缺少的课时见下")
    if periods is None:
        raise SolveError(f"在时间限制内没有找到任何方案（{status}）；请加大 --time-limit")
    say(f"时段阶段：{status}，下界 {bound}，用时 {time.monotonic() - start:.1f} 秒")

    room_time = max(0.2, min(time_limit * 0.1, deadline - time.monotonic()))
    sol = _room_stage(d, periods, room_time, workers, seed)
    cost = _total_cost(d, sol)
    say(f"教室阶段：成本 {cost}，用时 {time.monotonic() - start:.1f} 秒")

    optimal = False
    size = max(2, min(d.nc, 12))
    whole = sum(len(a) for a in d.allowed) * d.nr <= _WHOLE_INSTANCE_ROOM_VARS
    if problems:
        bound = 0  # the relaxed model's bound counts missing lectures
    iterations = 0
    complete = not any(len(sol.get(i, [])) < d.lectures[i] for i in range(d.nc))
    while complete and cost > bound:
        left = deadline - time.monotonic()
        if left < 0.3:
            break
        iterations += 1
        if whole:
            free = set(range(d.nc))
            budget = left - 0.1
        else:
            free = _neighbourhood(d, sol, size, rng)
            budget = min(left - 0.1, 2.0)
        new_sol, old, new, sub_optimal = _reoptimise(d, sol, free, budget, workers, rng.randrange(1 << 30))
        if new_sol is not None and new <= old:
            if new < old:
                say(f"邻域搜索第 {iterations} 轮：{cost} → {cost - (old - new)}")
            sol = new_sol
            cost -= old - new
        if whole:
            optimal = sub_optimal
            break
        # adapt the neighbourhood: grow when solved to optimality, shrink when it ran out of time
        size = min(d.nc, size + 1) if sub_optimal else max(3, size - 2)

    assignments = _to_assignments(d, sol)
    ev = itc.evaluate(inst, assignments)
    if ev.soft == bound:
        optimal = True
    for i, c in enumerate(inst.courses):
        missing = c.lectures - len(sol.get(i, []))
        if missing > 0:
            problems.append(f"课程 {c.id} 有 {missing} 节课没有排上")
    say(
        f"完成：成本 {ev.soft}（违反硬约束 {ev.hard}），{iterations} 轮邻域搜索，"
        f"用时 {time.monotonic() - start:.1f} 秒"
    )
    return Result(
        assignments,
        ev,
        proven_optimal=optimal and ev.hard == 0,
        lower_bound=bound,
        problems=problems,
        log=lines,
    )
