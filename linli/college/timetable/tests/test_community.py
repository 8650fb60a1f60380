"""The community solver: hard rules hold on generated instances, the score is the validator's,
and every session that cannot be placed is explained in words."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest

from linli.college.timetable import check, community, generate, problem


def base(**changes: Any) -> dict[str, Any]:
    """Two days × three slots, two venues, two teachers, two clubs with one course each."""
    data: dict[str, Any] = {
        "name": "测试社区",
        "days": ["周一", "周二", "周三"],
        "slots": [
            {"start": "09:00", "end": "10:00"},
            {"start": "10:00", "end": "11:00"},
            {"start": "14:00", "end": "15:00"},
        ],
        "venues": [
            {"id": "V1", "name": "活动室", "capacity": 30, "features": ["桌椅"]},
            {
                "id": "V2",
                "name": "舞蹈室",
                "capacity": 20,
                "features": ["镜子", "音响"],
                "available": [{"day": 0, "slots": [0, 1]}, {"day": 2, "slots": [0, 1]}],
            },
        ],
        "teachers": [
            {
                "id": "T1",
                "name": "王老师",
                "available": [{"day": 0, "slots": [0, 1, 2]}, {"day": 1, "slots": [0]}],
            },
            {"id": "T2", "name": "李老师"},
        ],
        "clubs": [{"id": "K1", "name": "书法社"}, {"id": "K2", "name": "舞蹈队"}],
        "shared_members": [{"clubs": ["K1", "K2"], "count": 4}],
        "courses": [
            {
                "id": "C1",
                "name": "书法",
                "club": "K1",
                "teacher": "T1",
                "sessions_per_week": 2,
                "features": ["桌椅"],
                "capacity": 12,
                "preferred": [{"day": 0, "slot": 0, "count": 5}],
            },
            {
                "id": "C2",
                "name": "广场舞",
                "club": "K2",
                "teacher": "T2",
                "sessions_per_week": 2,
                "features": ["镜子"],
                "capacity": 15,
            },
        ],
    }
    data.update(changes)
    return data


def course(data: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in data["courses"] if c["id"] == cid)


def run(data: dict[str, Any], limit: float = 2.0) -> community.Outcome:
    p = problem.parse(data)
    out = community.solve(p, time_limit=limit)
    assert check.violations(p, out.sessions, dropped_locks=out.dropped_locks) == []
    for lock in out.dropped_locks:
        name = next(c.name for c in p.courses if c.id == lock.course)
        assert any(i.startswith(f"《{name}》锁定在") for i in out.issues)
    assert out.score == check.score(p, out.sessions)
    if out.objective is not None:
        assert out.objective == out.score["total"]  # the model's objective is the validator's score
        assert out.bound is not None and out.bound <= out.objective
    placed = Counter(s.course for s in out.sessions)
    missing = {u.course.id: u.missing for u in out.unplaced}
    for c in p.courses:
        assert placed[c.id] + missing.get(c.id, 0) == c.sessions, c.id
    for u in out.unplaced:
        assert u.reasons and all(isinstance(r, str) and r for r in u.reasons)
    json.dumps(out.to_json(), ensure_ascii=False)
    return out


def reasons(out: community.Outcome, cid: str) -> str:
    return "\n".join(next(u.reasons for u in out.unplaced if u.course.id == cid))


# --- generated instances: every hard rule, the score is the validator's -----------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_small(seed: int) -> None:
    data = generate.community_problem(seed, clubs=10, sessions=16, venues=3, days=5, slots=4)
    run(data, limit=2.0)


def test_generated_benchmark_size() -> None:
    data = generate.community_problem(5, clubs=34, sessions=60, venues=6, days=7, slots=6)
    assert sum(c["sessions_per_week"] for c in data["courses"]) == 60
    out = run(data, limit=3.0)
    assert len(out.sessions) > 0


def test_generator_is_deterministic() -> None:
    assert generate.community_problem(3) == generate.community_problem(3)


def test_plain_problem_places_everything_on_different_days() -> None:
    out = run(base())
    assert out.unplaced == []
    for cid in ("C1", "C2"):
        days = [s.day for s in out.sessions if s.course == cid]
        assert len(days) == len(set(days)) == 2
    assert all(s.venue == "V2" for s in out.sessions if s.course == "C2")  # only V2 has a mirror


# --- explanations: before solving ------------------------------------------------------------


def test_more_sessions_than_days() -> None:
    data = base()
    course(data, "C2")["sessions_per_week"] = 4
    course(data, "C2")["features"] = []
    out = run(data)
    assert Counter(s.course for s in out.sessions)["C2"] == 3
    assert "每周 4 节，但同一门课每天最多 1 节，一周只有 3 天" in reasons(out, "C2")


def test_teacher_without_availability() -> None:
    data = base()
    data["teachers"][1]["available"] = []
    out = run(data)
    assert "授课人 李老师 没有填写任何可上课的时间" in reasons(out, "C2")
    assert Counter(s.course for s in out.sessions)["C1"] == 2  # the rest is still scheduled


def test_no_venue_large_enough() -> None:
    data = base()
    course(data, "C1")["capacity"] = 100
    out = run(data)
    assert "没有能容纳 100 人的场地（具备所需设施的场地最多容纳 30 人）" in reasons(out, "C1")


def test_no_venue_with_features() -> None:
    data = base()
    course(data, "C1")["features"] = ["水池"]
    out = run(data)
    assert "没有具备所需设施（水池）的场地" in reasons(out, "C1")


def test_unknown_venue_and_teacher_ids() -> None:
    data = base()
    course(data, "C1")["venues"] = ["V9"]
    course(data, "C2")["teacher"] = "T9"
    out = run(data)
    assert "候选场地 V9 不存在" in reasons(out, "C1")
    assert "授课人编号 T9 不存在" in reasons(out, "C2")


def test_teacher_and_venue_windows_do_not_meet() -> None:
    data = base()
    data["teachers"][1]["available"] = [{"day": 1, "slots": [0, 1, 2]}]  # V2 is closed on day 1
    out = run(data)
    assert "授课人 李老师 有空的时间与合适场地（舞蹈室）的开放时间没有重合" in reasons(out, "C2")


def test_too_few_days() -> None:
    data = base()
    data["teachers"][1]["available"] = [{"day": 0, "slots": [0, 1]}]
    out = run(data)
    assert "只有 1 天（周一）" in reasons(out, "C2")


# --- explanations: after solving (binding constraints) ---------------------------------------


def test_teacher_busy_with_another_course() -> None:
    data = base()
    data["teachers"][1]["available"] = [{"day": 0, "slots": [0]}, {"day": 2, "slots": [0]}]
    data["courses"].append(
        {
            "id": "C3",
            "name": "民族舞",
            "teacher": "T2",
            "sessions_per_week": 2,
            "features": ["镜子"],
            "capacity": 10,
        }
    )
    out = run(data)
    assert len(out.sessions) == 4 and sum(u.missing for u in out.unplaced) == 2
    text = "\n".join(r for u in out.unplaced for r in u.reasons)
    assert "授课人 李老师 此时在上" in text
    assert "已证明" in text


def test_venue_taken_by_another_course() -> None:
    data = base()
    data["venues"][1]["available"] = [{"day": 0, "slots": [0]}]
    course(data, "C2")["sessions_per_week"] = 1
    data["courses"].append(
        {
            "id": "C3",
            "name": "瑜伽",
            "teacher": "T1",
            "sessions_per_week": 1,
            "features": ["镜子"],
            "capacity": 10,
        }
    )
    out = run(data)
    assert len(out.unplaced) == 1
    assert "舞蹈室已被《" in "\n".join(out.unplaced[0].reasons)


# --- locks, previous timetable, soft terms ---------------------------------------------------


def test_locked_sessions_stay() -> None:
    data = base()
    course(data, "C1")["locked"] = [{"day": 1, "slot": 0, "venue": "V1"}]
    out = run(data)
    assert check.Session("C1", 1, 0, "V1") in out.sessions
    assert out.to_json()["placements"][0]["locked"] in (True, False)
    assert any(p["locked"] for p in out.to_json()["placements"])


def test_impossible_and_colliding_locks_are_explained() -> None:
    data = base()
    course(data, "C2")["locked"] = [{"day": 1, "slot": 0, "venue": "V2"}]  # V2 closed on day 1
    course(data, "C1")["locked"] = [{"day": 0, "slot": 0, "venue": "V1"}]
    data["courses"].append(
        {
            "id": "C3",
            "name": "国画",
            "teacher": "T2",
            "sessions_per_week": 1,
            "locked": [{"day": 0, "slot": 0, "venue": "V1"}],
        }
    )
    out = run(data)
    assert check.Session("C1", 0, 0, "V1") in out.sessions
    assert out.dropped_locks == [check.Session("C2", 1, 0, "V2"), check.Session("C3", 0, 0, "V1")]
    assert (
        "《广场舞》锁定在 周二 09:00–10:00（舞蹈室）的课无法保留：舞蹈室 在 周二 09:00–10:00 不开放"
        in out.issues
    )
    assert any(i.startswith("《国画》锁定在") and "该场地已锁定给《书法》" in i for i in out.issues)


def test_previous_timetable_is_kept_when_nothing_pulls_away() -> None:
    data = base()
    course(data, "C1")["previous"] = [
        {"day": 0, "slot": 2, "venue": "V1"},
        {"day": 1, "slot": 0, "venue": "V1"},
    ]
    course(data, "C1")["preferred"] = []
    data["weights"] = {"stability": 5}
    out = run(data)
    if out.optimal:
        assert (
            check.Session("C1", 0, 2, "V1") in out.sessions
            and check.Session("C1", 1, 0, "V1") in out.sessions
        )


def test_validator_counts_by_hand() -> None:
    p = problem.parse(base())
    sessions = [
        check.Session("C1", 0, 1, "V1"),  # preferred (0, 0) not covered: 5
        check.Session("C1", 1, 0, "V2"),  # consecutive days: 1; second venue: 1
        check.Session("C2", 0, 1, "V2"),  # clubs K1/K2 share 4 members, overlap on Monday slot 1: 4
    ]
    assert check.counts(p, sessions) == {
        "preference": 5,
        "club_overlap": 4,
        "venue_change": 1,
        "spread": 1,
        "stability": 0,
    }
    errors = check.violations(p, sessions)
    assert any("舞蹈室 在 周二" in e and "不开放" in e for e in errors)  # V2 closed on Tuesday
    assert any("缺少设施 桌椅" in e for e in errors)
    assert any("同时安排了 2 节课" in e for e in errors) is False


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.pop("days"), "days：应为列表"),
        (lambda d: d.update(days=[]), "days：至少要有一天"),
        (
            lambda d: d["slots"].__setitem__(0, {"start": "9点", "end": "10:00"}),
            "slots[0]：start 与 end 应为 HH:MM",
        ),
        (lambda d: d["venues"][1].update(id="V1"), "场地编号 V1 重复"),
        (lambda d: d["venues"][0].update(capacity="很大"), "venues[0].capacity：缺少或不是整数"),
        (lambda d: d["teachers"][0]["available"][0].update(day=9), "天 9 不存在"),
        (lambda d: d["courses"][0].update(duration=5), "一次课占 5 节，但每天只有 3 节"),
        (lambda d: d["courses"][0].update(sessions_per_week=-1), "sessions_per_week：不能小于 0"),
        (lambda d: d.update(weights={"beauty": 1}), "未知的权重"),
    ],
)
def test_malformed_problem_names_the_cause(mutate: Any, fragment: str) -> None:
    data = copy.deepcopy(base())
    mutate(data)
    with pytest.raises(problem.ProblemError) as err:
        problem.parse(data)
    assert fragment in str(err.value)


def test_not_json() -> None:
    with pytest.raises(problem.ProblemError, match="不是有效的 JSON：第 1 行"):
        problem.loads("{days: 1}")


def test_unknown_club_is_an_issue_not_an_error() -> None:
    data = base()
    course(data, "C1")["club"] = "K9"
    out = run(data)
    assert any("社团 K9 不存在" in i for i in out.issues)
    assert out.unplaced == []


def test_zero_time_limit() -> None:
    with pytest.raises(community.SolveError, match="时间限制必须大于 0"):
        community.solve(problem.parse(base()), time_limit=0)
