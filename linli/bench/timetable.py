"""`linli bench timetable`: the weekly timetable solver on generated community-shaped instances
and on the shared ITC-2007 instances. Pure (no database); every figure beside a baseline of the
same run.

1. One community (``community_problem(seed)``: 34 clubs, ~60 sessions, 6 venues, 7 days × 6
   slots) and one street (``street_problem(seed)``: 10 communities, ~500 sessions, each with its
   own venues and all sharing 3 street venues, as ONE problem), each solved by
   ``community.solve`` within ``--time-limit``: the time to the first valid timetable (the first
   solution CP-SAT reports that places as many sessions as the final timetable), the time to the
   proven optimum (or the gap to the proven bound at the limit), and the greedy first-fit
   baseline's (``greedy.solve``) sessions, score and time; every timetable is checked by
   ``check.violations``. For the street, a second lower bound: each community solved alone with
   the street venues to itself (``generate.street_parts``); when their most sessions add up to the
   street's, the sum of their optima bounds the street's cost from below.
2. A district: ``--district`` community problems (fixed seeds) solved one after another, each
   within ``--district-limit``; the total time after 10, 50 and 100 communities, the time per
   community, and, as the check of linearity, the first 10 solved again after all the others
   (the instances differ in difficulty, so the running mean moves with the mix).
3. ITC-2007: each ``*.ctt`` in ``--itc`` solved by ``itc_solver.solve`` within ``--time-limit``,
   the cost validated by ``itc.evaluate``, beside the best known.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linli.bench import benchmark
from linli.college.timetable import check, community, generate, greedy, itc, itc_solver
from linli.college.timetable.problem import Problem, parse

DEFAULT_ITC = "/work/shared/data/itc2007"
BEST_KNOWN = {"comp01": 5, "comp11": 0}  # ITC-2007 Track 3 best known costs
COMMUNITY_TARGET_S = 2.0
STREET_TARGET_GAP = 0.01
LINEAR_TOLERANCE = 1.5  # the first communities solved again after all of them / the first time


@dataclass
class Solved:
    """One problem solved by CP-SAT and by the greedy baseline."""

    name: str
    courses: int
    wanted: int
    placed: int
    status: str
    objective: int
    bound: int | None
    gap: float | None
    seconds: float
    first_any_s: float | None  # first solution of any kind
    first_valid_s: float | None  # first solution placing the final number of sessions
    best_found_s: float | None  # first solution with the final objective
    violations: int
    greedy_placed: int
    greedy_score: int
    greedy_s: float
    greedy_violations: int


@dataclass
class Checkpoint:
    communities: int
    seconds: float
    optimal: int  # of these communities, proven optimal

    @property
    def per_community(self) -> float:
        return self.seconds / self.communities


@dataclass
class ItcResult:
    name: str
    cost: int
    hard: int
    seconds: float
    proven_optimal: bool
    best_known: int | None


@dataclass
class Report:
    community: Solved | None = None
    street: Solved | None = None
    street_split_bound: int | None = None  # sum of the communities' optima, when a valid bound
    street_gap: float | None = None  # against the higher of the two bounds
    district: list[Checkpoint] = field(default_factory=list)
    district_violations: int = 0
    district_score: int = 0
    district_greedy_score: int = 0
    district_placed: int = 0
    district_greedy_placed: int = 0
    district_repeat_ratio: float | None = None  # the first communities solved again / first time
    itc: list[ItcResult] = field(default_factory=list)
    itc_dir: Path | None = None


def _solve_both(name: str, p: Problem, *, time_limit: float, workers: int, seed: int) -> Solved:
    events: list[tuple[str, float, float, float]] = []
    outcome = community.solve(
        p, time_limit=time_limit, workers=workers, seed=seed, on_solution=lambda *e: events.append(e)
    )
    placed = len(outcome.sessions)
    total = int(outcome.score["total"])
    first_any = events[0][1] if events else None
    first_valid = next((t for stage, t, obj, _ in events if stage == "score" or round(obj) >= placed), None)
    best = next((t for stage, t, obj, _ in events if stage == "score" and round(obj) <= total), None)
    start = time.perf_counter()
    base = greedy.solve(p)
    greedy_s = time.perf_counter() - start
    return Solved(
        name=name,
        courses=len(p.courses),
        wanted=sum(c.sessions for c in p.courses),
        placed=placed,
        status=outcome.status,
        objective=total,
        bound=outcome.bound,
        gap=outcome.gap,
        seconds=outcome.seconds,
        first_any_s=first_any,
        first_valid_s=first_valid,
        best_found_s=best,
        violations=len(check.violations(p, outcome.sessions, dropped_locks=outcome.dropped_locks)),
        greedy_placed=len(base.sessions),
        greedy_score=int(base.score["total"]),
        greedy_s=greedy_s,
        greedy_violations=len(check.violations(p, base.sessions, dropped_locks=base.dropped_locks)),
    )


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} 秒"


def _print_solved(out: Callable[[str], Any], r: Solved, *, target: str, met: bool) -> None:
    out(
        f"  课程 {r.courses} 门，每周应排 {r.wanted} 节；CP-SAT 排上 {r.placed} 节，贪心排上 {r.greedy_placed} 节"
    )
    out(
        f"  首个有效课表（排满最终节数的第一个解）：{_s(r.first_valid_s)}（任意第一个解：{_s(r.first_any_s)}）"
    )
    if r.status == "optimal":
        out(f"  证明最优：{r.seconds:.2f} 秒，成本 {r.objective}（最优解首次找到于 {_s(r.best_found_s)}）")
    elif r.bound is None:
        out(
            f"  未在时限内证明最优：第二阶段（成本）在剩余时间内没有找到解，{r.seconds:.2f} 秒时给出的是"
            f"第一阶段（最多节数）的课表，成本 {r.objective}，CP-SAT 没有下界"
        )
    else:
        gap = "—" if r.gap is None else f"{r.gap * 100:.2f}%"
        out(
            f"  未在时限内证明最优：{r.seconds:.2f} 秒时成本 {r.objective}，下界 {r.bound}，差距 {gap}"
            f"（当前最好解找到于 {_s(r.best_found_s)}）"
        )
    ratio = f"{r.greedy_score / r.objective:.2f}" if r.objective else "—"
    speed = f"{r.seconds / r.greedy_s:,.0f}" if r.greedy_s else "—"
    out(
        f"  贪心基线：成本 {r.greedy_score}，用时 {r.greedy_s * 1000:.1f} 毫秒；贪心成本/CP-SAT 成本 = {ratio}；"
        f"CP-SAT 用时/贪心用时 = {speed}"
    )
    out(f"  硬约束违反（check.violations）：CP-SAT {r.violations}，贪心 {r.greedy_violations}")
    out(f"  目标：{target} — {'达到' if met else '未达到'}")


def checkpoints(n: int) -> list[int]:
    """After how many communities the district's running total is reported: 10, 50, 100 and n."""
    return sorted({k for k in (10, 50, 100) if k <= n} | {n})


def itc_dir(given: str) -> Path | None:
    """The ITC-2007 directory: as given when it exists; for the default, the repository's sibling
    ``../shared/data/itc2007`` when that exists instead; otherwise None (that part is skipped)."""
    path = Path(given) if given else None
    if path is not None and path.is_dir():
        return path
    if given == DEFAULT_ITC:
        sibling = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "itc2007"
        if sibling.is_dir():
            return sibling
    return None


def measure(
    out: Callable[[str], Any],
    *,
    time_limit: float = 60.0,
    district: int = 100,
    district_limit: float = 10.0,
    communities: int = 10,
    street_sessions: int = 500,
    itc_path: str = DEFAULT_ITC,
    seed: int = 0,
    workers: int = 2,
) -> Report:
    report = Report()
    load = os.getloadavg()
    out(
        f"机器：{os.cpu_count()} 核，{platform.system()} {platform.release()}，Python {platform.python_version()}；"
        f"开始时负载 {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}；CP-SAT {workers} 个工作线程，种子 {seed}"
    )

    # -- 1. one community ------------------------------------------------------------------------
    p = parse(generate.community_problem(seed))
    out(f"一个社区（community_problem({seed})：34 个社团，6 个场地，7 天 × 6 节），时限 {time_limit:g} 秒：")
    r = _solve_both("community", p, time_limit=time_limit, workers=workers, seed=seed)
    report.community = r
    _print_solved(
        out,
        r,
        target=f"≤ {COMMUNITY_TARGET_S:g} 秒证明最优",
        met=r.status == "optimal" and r.seconds <= COMMUNITY_TARGET_S,
    )

    # -- 2. one street -----------------------------------------------------------------------------
    street = generate.street_problem(seed, communities=communities, sessions=street_sessions)
    p = parse(street)
    out(
        f"一个街道（street_problem({seed})：{communities} 个社区共用 3 个街道场地，各有自己的场地，"
        f"共 {len(p.venues)} 个场地，作为一个问题求解），时限 {time_limit:g} 秒："
    )
    r = _solve_both("street", p, time_limit=time_limit, workers=workers, seed=seed)
    report.street = r
    # A second, independent bound: each community alone with the street venues to itself. When
    # their most sessions add up to the street's, any street timetable with that many sessions
    # gives every community its own most, so its cost is at least the sum of their optima.
    start = time.perf_counter()
    parts = [
        community.solve(parse(part), time_limit=district_limit, workers=workers, seed=seed)
        for part in generate.street_parts(street)
    ]
    split_s = time.perf_counter() - start
    split_placed = sum(len(o.sessions) for o in parts)
    split_cost = sum(int(o.score["total"]) for o in parts)
    proven = sum(o.optimal for o in parts)
    if proven == len(parts) and split_placed == r.placed:
        report.street_split_bound = split_cost
        split_gap = (r.objective - split_cost) / r.objective if r.objective else 0.0
        out(
            f"  分社区下界（各社区单独求解、街道场地归它独用，{proven}/{len(parts)} 个证明最优，"
            f"用时 {split_s:.1f} 秒；各社区最多节数之和 {split_placed} = 街道排上的节数，故为有效下界）："
            f"{split_cost}；CP-SAT 成本与它相差 {split_gap * 100:.2f}%"
        )
    else:
        out(
            f"  分社区求解：{proven}/{len(parts)} 个证明最优，排上 {split_placed} 节、成本合计 {split_cost}"
            f"（用时 {split_s:.1f} 秒；节数与街道不同或未全部证明最优，不作下界）"
        )
    bounds = [b for b in (r.bound, report.street_split_bound) if b is not None]
    best_bound = max(bounds) if bounds else None
    report.street_gap = (
        None if best_bound is None else ((r.objective - best_bound) / r.objective if r.objective else 0.0)
    )
    _print_solved(
        out,
        r,
        target=f"{time_limit:g} 秒内与证明的下界相差 ≤ {STREET_TARGET_GAP:.0%}"
        + (
            ""
            if report.street_gap is None
            else f"（取两个下界中较高的 {best_bound}，差距 {report.street_gap * 100:.2f}%）"
        ),
        met=report.street_gap is not None and report.street_gap <= STREET_TARGET_GAP,
    )

    # -- 3. a district -----------------------------------------------------------------------------
    if district > 0:
        out(f"一个区（{district} 个社区问题，固定种子，逐个独立求解，每个时限 {district_limit:g} 秒）：")
        marks = checkpoints(district)
        problems = generate.district_problems(district, seed=seed)
        elapsed = 0.0
        optimal = 0
        for i, data in enumerate(problems, start=1):
            q = parse(data)
            start = time.perf_counter()
            o = community.solve(q, time_limit=district_limit, workers=workers, seed=seed)
            elapsed += time.perf_counter() - start
            optimal += o.optimal
            report.district_violations += len(check.violations(q, o.sessions, dropped_locks=o.dropped_locks))
            report.district_score += int(o.score["total"])
            report.district_placed += len(o.sessions)
            base = greedy.solve(q)
            report.district_violations += len(
                check.violations(q, base.sessions, dropped_locks=base.dropped_locks)
            )
            report.district_greedy_score += int(base.score["total"])
            report.district_greedy_placed += len(base.sessions)
            if i in marks:
                cp = Checkpoint(i, elapsed, optimal)
                report.district.append(cp)
                first = report.district[0].per_community
                out(
                    f"  前 {i} 个社区：共 {cp.seconds:.1f} 秒，每个社区 {cp.per_community:.2f} 秒"
                    f"（与前 {report.district[0].communities} 个之比 {cp.per_community / first:.2f}），"
                    f"证明最优 {optimal} / {i}"
                )
        # The instances differ in difficulty, so the running mean also moves with the mix. The check
        # of linearity: the first communities solved again after all of them take as long as before.
        k = report.district[0].communities
        start = time.perf_counter()
        for data in problems[:k]:
            community.solve(parse(data), time_limit=district_limit, workers=workers, seed=seed)
        again = time.perf_counter() - start
        report.district_repeat_ratio = again / report.district[0].seconds
        out(
            f"  共排上 {report.district_placed} 节，成本合计 {report.district_score}；贪心基线排上 "
            f"{report.district_greedy_placed} 节，成本合计 {report.district_greedy_score}"
            f"（贪心/CP-SAT = {report.district_greedy_score / max(1, report.district_score):.2f}）；"
            f"硬约束违反 {report.district_violations}"
        )
        out(
            f"  前 {k} 个社区在全部解完后再解一遍：{again:.1f} 秒，第一遍 {report.district[0].seconds:.1f} 秒，"
            f"之比 {report.district_repeat_ratio:.2f}（每个社区的用时不随已解社区数增长）"
        )
        ok = report.district_repeat_ratio <= LINEAR_TOLERANCE
        out(
            f"  目标：时间与社区数成线性（同一批社区重解用时之比 ≤ {LINEAR_TOLERANCE:g}）— "
            f"{'达到' if ok else '未达到'}（{report.district_repeat_ratio:.2f}）"
        )

    # -- 4. ITC-2007 ------------------------------------------------------------------------------
    folder = itc_dir(itc_path)
    report.itc_dir = folder
    if folder is None:
        out(f"ITC-2007：目录 {itc_path or '（未指定）'} 不存在，跳过")
    else:
        files = sorted(folder.glob("*.ctt"))
        out(f"ITC-2007（{folder}，{len(files)} 个实例，每个时限 {time_limit:g} 秒）：")
        for f in files:
            inst = itc.read_ctt(f)
            start = time.perf_counter()
            res = itc_solver.solve(inst, time_limit=time_limit, workers=workers, seed=seed)
            seconds = time.perf_counter() - start
            ev = itc.evaluate(inst, res.assignments)
            best = BEST_KNOWN.get(f.stem)
            report.itc.append(ItcResult(f.stem, ev.soft, ev.hard, seconds, res.proven_optimal, best))
            out(
                f"  {f.stem}：成本 {ev.soft}（硬约束违反 {ev.hard}），用时 {seconds:.1f} 秒"
                f"{'，已证明最优' if res.proven_optimal else ''}；已知最好 {'—' if best is None else best}"
            )
    load = os.getloadavg()
    out(f"结束时负载 {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    return report


@benchmark(
    "timetable",
    "排课：一个社区、一个街道、一个区的生成实例（首个有效课表、证明最优或差距、贪心基线），以及 ITC-2007",
    options=(
        ("--time-limit", float, 60.0, "社区、街道和每个 ITC-2007 实例的时间限制（秒，默认 60）"),
        ("--district", int, 100, "区内社区数（默认 100；0 跳过）"),
        ("--district-limit", float, 10.0, "区内每个社区的时间限制（秒，默认 10）"),
        ("--communities", int, 10, "街道内社区数（默认 10）"),
        ("--street-sessions", int, 500, "街道每周总节数（默认 500）"),
        ("--itc", str, DEFAULT_ITC, f"ITC-2007 实例目录（默认 {DEFAULT_ITC}；不存在则跳过）"),
        ("--seed", int, 0, "生成实例与求解的种子（默认 0）"),
        ("--workers", int, 2, "CP-SAT 工作线程数（默认 2）"),
    ),
)
def run(
    *,
    out: Callable[[str], Any],
    time_limit: float,
    district: int,
    district_limit: float,
    communities: int,
    street_sessions: int,
    itc: str,
    seed: int,
    workers: int,
) -> None:
    from django.core.management.base import CommandError

    if time_limit <= 0 or district_limit <= 0:
        raise CommandError("时间限制必须大于 0 秒")
    if district < 0 or communities < 1 or street_sessions < communities:
        raise CommandError("--district 不能为负数；--communities 至少为 1；--street-sessions 不能少于社区数")
    measure(
        out,
        time_limit=time_limit,
        district=district,
        district_limit=district_limit,
        communities=communities,
        street_sessions=street_sessions,
        itc_path=itc,
        seed=seed,
        workers=workers,
    )
