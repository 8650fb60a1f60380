"""`linli bench timetable`, run tiny: the structure and counts it reports, never its times."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.bench.timetable import DEFAULT_ITC, checkpoints, itc_dir, measure
from linli.college.timetable import community, generate, problem


def test_tiny_bench_reports_every_part(tmp_path: Path) -> None:
    (tmp_path / "gen.ctt").write_text(generate.format_ctt(generate.itc_instance(0, courses=6, rooms=2)))
    lines: list[str] = []

    report = measure(
        lines.append,
        time_limit=1.0,
        district=3,
        district_limit=1.0,
        communities=2,
        street_sessions=30,
        itc_path=str(tmp_path),
    )

    c, s = report.community, report.street
    assert c is not None and s is not None
    assert (c.courses, c.wanted) == (34, 60)
    assert (s.courses, s.wanted) == (30, 30)  # 2 communities × 15 clubs, one session each
    for r in (c, s):
        assert r.violations == 0 and r.greedy_violations == 0
        assert 0 < r.greedy_placed <= r.wanted and 0 < r.placed <= r.wanted
        assert r.first_any_s is not None and r.first_valid_s is not None
        assert r.status in ("optimal", "feasible")
    assert report.street_split_bound is None or report.street_split_bound <= s.objective  # a lower bound
    assert [cp.communities for cp in report.district] == [3]
    assert report.district_repeat_ratio is not None and report.district_repeat_ratio > 0
    assert report.district_violations == 0
    assert report.district_placed >= report.district_greedy_placed > 0
    assert [(i.name, i.hard, i.best_known) for i in report.itc] == [("gen", 0, None)]
    text = "\n".join(lines)
    for fragment in (
        "一个社区",
        "一个街道（street_problem(0)：2 个社区共用 3 个街道场地",
        "前 3 个社区",
        "前 3 个社区在全部解完后再解一遍",
        "贪心基线：成本",
        "分社区",
        "ITC-2007（",
        "gen：成本",
        "目标：",
        "结束时负载",
    ):
        assert fragment in text


def test_district_checkpoints_and_itc_skip(tmp_path: Path) -> None:
    assert checkpoints(100) == [10, 50, 100]
    assert checkpoints(60) == [10, 50, 60]
    assert checkpoints(3) == [3]
    lines: list[str] = []
    report = measure(
        lines.append,
        time_limit=1.0,
        district=0,
        communities=1,
        street_sessions=10,
        itc_path=str(tmp_path / "missing"),
    )
    assert report.district == [] and report.street is not None and report.street.wanted == 10
    assert report.itc == [] and report.itc_dir is None
    assert any("不存在，跳过" in line for line in lines)
    assert not any("一个区" in line for line in lines)


def test_itc_dir_resolution(tmp_path: Path) -> None:
    assert itc_dir(str(tmp_path)) == tmp_path
    assert itc_dir(str(tmp_path / "nope")) is None
    assert itc_dir("") is None
    sibling = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "itc2007"
    if Path(DEFAULT_ITC).is_dir() or sibling.is_dir():
        assert itc_dir(DEFAULT_ITC) is not None


def test_bench_command_refuses_bad_limits() -> None:
    with pytest.raises(CommandError, match="时间限制必须大于 0 秒"):
        call_command("bench", "timetable", "--time-limit", "0", skip_checks=True)


def test_solution_hook_reports_both_stages_without_changing_the_result() -> None:
    p = problem.parse(generate.community_problem(1, clubs=6, sessions=10, venues=2))
    events: list[tuple[str, float, float, float]] = []
    hooked = community.solve(p, time_limit=2, workers=1, on_solution=lambda *e: events.append(e))
    plain = community.solve(p, time_limit=2, workers=1)
    assert {e[0] for e in events} == {"placed", "score"}
    assert [e[0] for e in events] == sorted((e[0] for e in events), key=["placed", "score"].index)
    assert max(e[2] for e in events if e[0] == "placed") == len(hooked.sessions)
    assert hooked.optimal and plain.optimal
    assert hooked.score["total"] == plain.score["total"] == min(e[2] for e in events if e[0] == "score")
