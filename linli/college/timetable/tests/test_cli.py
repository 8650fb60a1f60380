"""`linli schedule …` (a thin command; no database), and the example of docs/timetable-format.md."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.college.timetable import problem
from linli.college.timetable.tests.test_itc_validator import CLEAN, TOY

DOC = Path(__file__).resolve().parents[4] / "docs" / "timetable-format.md"


def doc_example() -> dict:
    block = re.search(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block
    return json.loads(block.group(1))


def test_doc_example_is_a_valid_problem(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(doc_example(), ensure_ascii=False), encoding="utf-8")
    out_path = tmp_path / "timetable.json"
    err = io.StringIO()
    call_command("schedule", "solve", str(path), "--time-limit", "2", "--out", str(out_path), stderr=err)
    out = json.loads(out_path.read_text(encoding="utf-8"))
    assert out["unplaced"] == []
    assert {"course": "C2", "day": 4, "slot": 4, "venue": "V2", "locked": True}.items() <= next(
        p for p in out["placements"] if p["locked"]
    ).items()
    assert "已排 4 / 4 节课" in err.getvalue()
    assert problem.parse(doc_example()).courses[0].duration == 2


def test_solve_refuses_a_bad_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    data = doc_example()
    data["courses"][0]["duration"] = 9
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="一次课占 9 节，但每天只有 6 节"):
        call_command("schedule", "solve", str(path), "--time-limit", "1")


def test_itc_validate(tmp_path: Path) -> None:
    ctt, sol = tmp_path / "toy.ctt", tmp_path / "toy.sol"
    ctt.write_text(TOY, encoding="utf-8")
    sol.write_text(CLEAN, encoding="utf-8")
    out = io.StringIO()
    call_command("schedule", "itc2007-validate", str(ctt), str(sol), stdout=out)
    assert "Cost of CurriculumCompactness (soft) : 8" in out.getvalue()
    assert "Summary: Violations = 0, Total Cost = 23" in out.getvalue()


def test_itc_solve_writes_a_valid_solution(tmp_path: Path) -> None:
    ctt, sol = tmp_path / "toy.ctt", tmp_path / "toy.sol"
    ctt.write_text(TOY, encoding="utf-8")
    call_command(
        "schedule", "itc2007", str(ctt), "--time-limit", "2", "--out", str(sol), stderr=io.StringIO()
    )
    out = io.StringIO()
    call_command("schedule", "itc2007-validate", str(ctt), str(sol), stdout=out)
    assert "Violations = 0" in out.getvalue()


@pytest.mark.parametrize("limit", ["0", "abc"])
def test_itc_bad_time_limit(tmp_path: Path, limit: str) -> None:
    ctt = tmp_path / "toy.ctt"
    ctt.write_text(TOY, encoding="utf-8")
    with pytest.raises(CommandError, match="--time-limit"):
        call_command("schedule", "itc2007", str(ctt), "--time-limit", limit)


def test_itc_broken_file(tmp_path: Path) -> None:
    ctt = tmp_path / "broken.ctt"
    ctt.write_text(TOY.replace("Rooms: 2", "Rooms: 3"), encoding="utf-8")
    with pytest.raises(CommandError, match="ROOMS 部分：文件头声明 3 个教室"):
        call_command("schedule", "itc2007", str(ctt), "--time-limit", "1")
