"""The ITC-2007 reader and validator, against costs computed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from linli.college.timetable import itc

TOY = """Name: ToyExample
Courses: 4
Rooms: 2
Days: 5
Periods_per_day: 4
Curricula: 2
Constraints: 8

COURSES:
SceCosC Ocra 3 3 30
ArcTec Indaco 3 2 42
TecCos Rosa 5 4 40
Geotec Scarlatti 5 4 18

ROOMS:
A 32
B 50

CURRICULA:
Cur1 3 SceCosC ArcTec TecCos
Cur2 2 TecCos Geotec

UNAVAILABILITY_CONSTRAINTS:
TecCos 2 0
TecCos 2 1
TecCos 3 2
TecCos 3 3
ArcTec   4  0
ArcTec   4  1
ArcTec   4  2
ArcTec   4  3

END.
"""

# Valid: cost by hand = capacity 8 (TecCos, 40 students in A of 32) + min working days 5 (SceCosC on
# 2 days of 3) + compactness 2 x 4 (Cur1: day 2 periods 0 and 2, day 3 period 0, day 4 period 0)
# + stability 2 (SceCosC and TecCos in A and B) = 23.
CLEAN = """SceCosC A 0 0
SceCosC A 0 1
SceCosC B 1 0
ArcTec B 0 2
ArcTec B 1 1
ArcTec B 2 0
TecCos B 0 3
TecCos B 1 2
TecCos B 2 2
TecCos A 3 0
TecCos B 4 0
Geotec A 0 2
Geotec A 1 1
Geotec A 2 3
Geotec A 3 1
Geotec A 4 1
"""

# Broken: ArcTec has 4 lectures (one too many, one at an unavailable period), moved into B at (1,2)
# where TecCos is (one conflict in Cur1, one room occupancy), Geotec lost one lecture.
BROKEN = """SceCosC A 0 0
SceCosC A 0 1
SceCosC B 1 0
ArcTec B 0 2
ArcTec B 1 2
ArcTec B 2 0
ArcTec B 4 3
TecCos B 0 3
TecCos B 1 2
TecCos B 2 2
TecCos A 3 0
TecCos B 4 0
Geotec A 0 2
Geotec A 1 1
Geotec A 2 3
Geotec A 3 1
"""


@pytest.fixture
def toy() -> itc.Instance:
    return itc.parse_ctt(TOY)


def test_parse_toy(toy: itc.Instance) -> None:
    assert toy.name == "ToyExample"
    assert (toy.days, toy.periods_per_day, toy.periods) == (5, 4, 20)
    assert [c.id for c in toy.courses] == ["SceCosC", "ArcTec", "TecCos", "Geotec"]
    assert toy.course("TecCos") == itc.Course("TecCos", "Rosa", 5, 4, 40)
    assert toy.rooms == [itc.Room("A", 32), itc.Room("B", 50)]
    assert len(toy.unavailable) == 8 and not toy.available("ArcTec", 4, 2)
    assert ("ArcTec", "TecCos") in toy.conflicting_pairs()
    assert ("ArcTec", "Geotec") not in toy.conflicting_pairs()


def test_shared_toy_file_matches() -> None:
    # ../shared beside the checkout (as CI places it), or this machine's /work/shared
    sibling = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "itc2007" / "toy.ctt"
    path = sibling if sibling.exists() else Path("/work/shared/data/itc2007/toy.ctt")
    if not path.exists():
        pytest.skip("shared data not on this machine")
    assert itc.read_ctt(path).courses == itc.parse_ctt(TOY).courses


def test_clean_solution_costs(toy: itc.Instance) -> None:
    assignments, warnings = itc.parse_solution(toy, CLEAN)
    assert warnings == []
    ev = itc.evaluate(toy, assignments)
    assert ev.hard == 0 and ev.feasible
    assert ev.room_capacity == 8
    assert ev.min_working_days == 5
    assert ev.curriculum_compactness == 8
    assert ev.room_stability == 2
    assert ev.soft == 23


def test_broken_solution_costs(toy: itc.Instance) -> None:
    assignments, _ = itc.parse_solution(toy, BROKEN)
    ev = itc.evaluate(toy, assignments)
    assert (ev.lectures, ev.conflicts, ev.availability, ev.room_occupancy) == (2, 1, 1, 1)
    assert not ev.feasible
    assert ev.room_capacity == 8
    assert ev.min_working_days == 5
    # Cur1: day1 p0 (1) + p2 (2 lectures, counted twice), day2 2, day3 1, day4 2 -> 8; Cur2: day4 1
    assert ev.curriculum_compactness == 2 * 9
    assert ev.room_stability == 2
    assert any("ArcTec" in m and "不可用" in m for m in ev.messages)


def test_duplicate_lecture_is_a_lectures_violation(toy: itc.Instance) -> None:
    text = CLEAN.replace("SceCosC B 1 0", "SceCosC B 0 0")
    ev = itc.evaluate(toy, itc.parse_solution(toy, text)[0])
    assert ev.lectures == 1
    assert any("两次" in m for m in ev.messages)


def test_round_trip(toy: itc.Instance, tmp_path: Path) -> None:
    assignments, _ = itc.parse_solution(toy, CLEAN)
    path = tmp_path / "toy.sol"
    itc.write_solution(assignments, path)
    again, warnings = itc.read_solution(toy, path)
    assert warnings == [] and sorted(again) == sorted(assignments)


def test_bad_solution_lines_are_reported_and_skipped(toy: itc.Instance) -> None:
    text = "SceCosC A 0 0\nNope A 0 0\nSceCosC Z 0 1\nSceCosC A 9 1\nSceCosC A 0\n"
    assignments, warnings = itc.parse_solution(toy, text)
    assert len(assignments) == 1
    assert [w.split("：")[0] for w in warnings] == [f"第 {n} 行已忽略" for n in (2, 3, 4, 5)]
    assert "未知课程 Nope" in warnings[0] and "未知教室 Z" in warnings[1]


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("Courses: 4", "Courses: 5", "声明 5 个课程"),
        ("ArcTec Indaco 3 2 42", "ArcTec Indaco 3 2", "应有 5 项"),
        ("ArcTec Indaco 3 2 42", "ArcTec Indaco three 2 42", "课时数应为整数"),
        ("Cur2 2 TecCos Geotec", "Cur2 2 TecCos Nope", "未知课程 Nope"),
        ("Cur2 2 TecCos Geotec", "Cur2 3 TecCos Geotec", "声明 3 门课程"),
        ("TecCos 3 3", "TecCos 7 3", "天 7 超出范围"),
        ("END.", "", "END."),
        ("ROOMS:", "SALLE:", "未知的部分"),
        ("Days: 5", "Dayz: 5", "无法识别的文件头行"),
        ("B 50", "A 50", "教室 A 重复"),
    ],
)
def test_broken_ctt_names_the_cause(old: str, new: str, fragment: str) -> None:
    with pytest.raises(itc.CttError) as err:
        itc.parse_ctt(TOY.replace(old, new, 1))
    assert fragment in str(err.value)


def test_broken_ctt_gives_line_and_section() -> None:
    with pytest.raises(itc.CttError) as err:
        itc.parse_ctt(TOY.replace("Geotec Scarlatti 5 4 18", "Geotec Scarlatti 5 4 -18"))
    assert err.value.line == 13 and err.value.section == "COURSES"
    assert str(err.value).startswith("第 13 行，COURSES 部分：")
