"""The greedy first-fit baseline: always valid, explains what it could not place, and the street and
district generators it is benchmarked on."""

from __future__ import annotations

from typing import Any

import pytest

from linli.college.timetable import check, community, generate, greedy, problem


def small(**changes: Any) -> dict[str, Any]:
    """Two days × two slots, two venues, one teacher free only on Monday morning, one always free."""
    data: dict[str, Any] = {
        "name": "贪心测试",
        "days": ["周一", "周二"],
        "slots": [{"start": "09:00", "end": "10:00"}, {"start": "10:00", "end": "11:00"}],
        "venues": [
            {"id": "V1", "name": "活动室", "capacity": 30, "features": ["桌椅"]},
            {"id": "V2", "name": "舞蹈室", "capacity": 20, "features": ["镜子"]},
        ],
        "teachers": [
            {"id": "T1", "name": "王老师", "available": [{"day": 0, "slots": [0]}]},
            {"id": "T2", "name": "李老师"},
        ],
        "courses": [
            {"id": "C1", "name": "书法", "teacher": "T1", "sessions_per_week": 1, "features": ["桌椅"]},
            {"id": "C2", "name": "国画", "teacher": "T2", "sessions_per_week": 1, "features": ["桌椅"]},
        ],
    }
    data.update(changes)
    return data


def assert_consistent(p: problem.Problem, out: community.Outcome) -> None:
    assert check.violations(p, out.sessions, dropped_locks=out.dropped_locks) == []
    assert out.score == check.score(p, out.sessions)
    assert out.objective == out.score["total"]
    wanted = sum(c.sessions for c in p.courses)
    assert len(out.sessions) + sum(u.missing for u in out.unplaced) == wanted
    assert all(u.reasons for u in out.unplaced)
    js = out.to_json()
    assert len(js["placements"]) == len(out.sessions)
    assert js["status"] == "feasible" and js["bound"] is None


@pytest.mark.parametrize("seed", range(6))
def test_generated_communities_have_no_hard_violation(seed: int) -> None:
    p = problem.parse(generate.community_problem(seed))
    out = greedy.solve(p)
    assert_consistent(p, out)
    assert len(out.sessions) >= 50  # it is a real baseline, not an empty timetable


def test_generated_street_has_no_hard_violation_and_shares_street_venues() -> None:
    data = generate.street_problem(1, communities=4, sessions=120)
    p = problem.parse(data)
    assert sum(c.sessions for c in p.courses) == 120
    assert len(p.venues) == 3 + 4 * 4
    out = greedy.solve(p)
    assert_consistent(p, out)
    users = {s.course.split("-")[0] for s in out.sessions if s.venue.startswith("J")}
    assert len(users) >= 2  # street venues serve more than one community
    for s in out.sessions:  # a community's courses use only its own venues and the street's
        assert s.venue.startswith("J") or s.venue.split("-")[0] == s.course.split("-")[0]


def test_greedy_is_deterministic_and_keeps_first_fit_order() -> None:
    p = problem.parse(small())
    out = greedy.solve(p)
    assert [(s.course, s.day, s.slot, s.venue) for s in out.sessions] == [
        ("C1", 0, 0, "V1"),  # the constrained course first, into its only time
        ("C2", 0, 1, "V1"),  # then the first fit left for the free teacher
    ]
    assert greedy.solve(p).sessions == out.sessions


def test_most_constrained_course_goes_first() -> None:
    # C2 is listed first and could take Monday 09:00 in V1, which C1 needs; C1 has one option only
    data = small()
    data["courses"].reverse()
    out = greedy.solve(problem.parse(data))
    assert out.unplaced == []
    assert ("C1", 0, 0, "V1") in [(s.course, s.day, s.slot, s.venue) for s in out.sessions]


def test_unplaced_when_nothing_fits() -> None:
    data = small()
    data["venues"] = [
        {
            "id": "V1",
            "name": "活动室",
            "capacity": 30,
            "features": ["桌椅"],
            "available": [{"day": 0, "slots": [0]}],
        }
    ]
    data["courses"].append(
        {"id": "C3", "name": "游泳", "teacher": "T2", "sessions_per_week": 1, "features": ["水池"]}
    )
    p = problem.parse(data)
    out = greedy.solve(p)
    assert_consistent(p, out)
    assert [(s.course, s.day, s.slot) for s in out.sessions] == [("C1", 0, 0)]
    reasons = {u.course.id: " ".join(u.reasons) for u in out.unplaced}
    assert set(reasons) == {"C2", "C3"}
    assert "活动室已被《书法》占用" in reasons["C2"]
    assert greedy._NOT_FOUND in reasons["C2"]
    assert "没有具备所需设施（水池）的场地" in reasons["C3"]


def test_teacher_busy_is_explained() -> None:
    data = small()
    data["teachers"][1]["available"] = [{"day": 0, "slots": [0]}]
    data["courses"][1]["teacher"] = "T1"
    out = greedy.solve(problem.parse(data))
    assert len(out.sessions) == 1
    (u,) = out.unplaced
    assert any("授课人 王老师 此时在上《书法》" in r for r in u.reasons)


def test_locks_stay_and_impossible_locks_are_dropped_with_a_reason() -> None:
    data = small()
    data["courses"][1]["locked"] = [{"day": 1, "slot": 1, "venue": "V1"}]
    data["courses"][0]["locked"] = [{"day": 1, "slot": 0, "venue": "V1"}]  # teacher not free then
    p = problem.parse(data)
    out = greedy.solve(p)
    assert_consistent(p, out)
    placed = {(s.course, s.day, s.slot, s.venue) for s in out.sessions}
    assert ("C2", 1, 1, "V1") in placed
    assert out.dropped_locks == [check.Session("C1", 1, 0, "V1")]
    assert any("王老师" in i and "没空" in i for i in out.issues)


def test_more_sessions_than_days() -> None:
    data = small()
    data["courses"][1]["sessions_per_week"] = 3
    out = greedy.solve(problem.parse(data))
    (u,) = out.unplaced
    assert u.course.id == "C2" and u.missing == 1
    assert any("一周只有 2 天" in r for r in u.reasons)


def test_district_problems_are_fixed_and_distinct() -> None:
    a = generate.district_problems(3, clubs=6, sessions=10, venues=2)
    b = generate.district_problems(3, clubs=6, sessions=10, venues=2)
    assert a == b
    assert len(a) == 3 and a[0] != a[1] != a[2]
    assert a[1] == generate.community_problem(1, clubs=6, sessions=10, venues=2)


def test_street_generator_is_deterministic() -> None:
    assert generate.street_problem(3, communities=2, sessions=30) == generate.street_problem(
        3, communities=2, sessions=30
    )
    assert generate.street_problem(3, communities=2, sessions=30) != generate.street_problem(
        4, communities=2, sessions=30
    )


def test_greedy_never_beats_the_solver_on_a_small_instance() -> None:
    p = problem.parse(generate.community_problem(2, clubs=8, sessions=12, venues=3))
    base = greedy.solve(p)
    best = community.solve(p, time_limit=3)
    assert len(best.sessions) >= len(base.sessions)
    if best.optimal and len(best.sessions) == len(base.sessions):
        assert best.score["total"] <= base.score["total"]


def test_street_parts_are_the_communities_with_the_street_venues() -> None:
    street = generate.street_problem(2, communities=3, sessions=45)
    parts = generate.street_parts(street)
    assert len(parts) == 3
    assert sorted(c["id"] for part in parts for c in part["courses"]) == sorted(
        c["id"] for c in street["courses"]
    )
    for i, part in enumerate(parts, start=1):
        ids = {v["id"] for v in part["venues"]}
        assert {"J1", "J2", "J3"} <= ids and all(v.startswith((f"S{i}-", "J")) for v in ids)
        p = problem.parse(part)
        assert p.issues == []
        assert_consistent(p, greedy.solve(p))
