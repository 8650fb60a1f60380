"""The ITC-2007 solver: every hard constraint holds on its output; costs are the validator's."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from linli.college.timetable import generate, itc, itc_solver
from linli.college.timetable.tests.test_itc_validator import TOY


def assert_valid(inst: itc.Instance, assignments: list[itc.Assignment]) -> None:
    """The competition's hard constraints, checked here without the package's validator."""
    ppd = inst.periods_per_day
    at = [(a.course, a.day * ppd + a.period) for a in assignments]
    assert len(set(at)) == len(at), "a course twice in one period"
    per_course = Counter(c for c, _ in at)
    for c in inst.courses:
        assert per_course[c.id] == c.lectures, c.id
    rooms = Counter((a.room, a.day, a.period) for a in assignments)
    assert max(rooms.values(), default=1) == 1, "two lectures in one room at once"
    periods: dict[str, set[int]] = defaultdict(set)
    for c, p in at:
        periods[c].add(p)
    groups = [set(q.courses) for q in inst.curricula]
    by_teacher: dict[str, set[str]] = defaultdict(set)
    for c in inst.courses:
        by_teacher[c.teacher].add(c.id)
    groups.extend(by_teacher.values())
    for g in groups:
        seen: list[int] = [p for c in g for p in periods[c]]
        assert len(seen) == len(set(seen)), f"conflict in {sorted(g)}"
    for a in assignments:
        assert inst.available(a.course, a.day, a.period), a


def test_toy() -> None:
    inst = itc.parse_ctt(TOY)
    result = itc_solver.solve(inst, time_limit=2)
    assert_valid(inst, result.assignments)
    assert result.evaluation.hard == 0
    assert result.evaluation.soft >= result.lower_bound
    if result.proven_optimal:
        assert result.evaluation.soft == result.lower_bound


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_instances_are_valid(seed: int) -> None:
    inst = generate.itc_instance(seed, courses=14, rooms=3, days=5, periods_per_day=4, load=0.6)
    result = itc_solver.solve(inst, time_limit=2.5, seed=seed)
    assert result.problems == []
    assert_valid(inst, result.assignments)
    again = itc.evaluate(inst, itc.parse_solution(inst, itc.format_solution(result.assignments))[0])
    assert again.hard == 0 and again.soft == result.evaluation.soft
    assert result.evaluation.soft >= result.lower_bound


def test_generated_instance_round_trips_through_ctt() -> None:
    inst = generate.itc_instance(7, courses=10)
    again = itc.parse_ctt(generate.format_ctt(inst))
    assert again.courses == inst.courses and again.rooms == inst.rooms
    assert again.curricula == inst.curricula and again.unavailable == inst.unavailable


def test_too_many_lectures_schedules_the_rest_and_says_why() -> None:
    # TecCos needs 5 lectures; make it need 19 of the 16 periods it may use (20 minus 4 unavailable)
    inst = itc.parse_ctt(TOY.replace("TecCos Rosa 5 4 40", "TecCos Rosa 19 4 40"))
    result = itc_solver.solve(inst, time_limit=2)
    assert any("TecCos" in p and "16 个可用时段" in p for p in result.problems)
    placed = Counter(a.course for a in result.assignments)
    assert placed["SceCosC"] == 3 and placed["ArcTec"] == 3 and placed["Geotec"] == 5
    assert result.evaluation.conflicts == 0 and result.evaluation.room_occupancy == 0
    assert result.evaluation.availability == 0
    assert result.evaluation.lectures > 0 and not result.proven_optimal


@pytest.mark.parametrize("limit", [0, -1])
def test_time_limit_must_be_positive(limit: float) -> None:
    with pytest.raises(itc_solver.SolveError, match="时间限制必须大于 0"):
        itc_solver.solve(itc.parse_ctt(TOY), time_limit=limit)
