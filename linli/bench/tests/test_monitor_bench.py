"""`linli bench monitor`, run tiny: the figures it reports and their structure, never its times."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.bench import monitor
from linli.bench.monitor import measure

# No database: the bench runs the engine on files (CI runs these once, not again on PostgreSQL).
pytestmark = pytest.mark.engine


def test_tiny_bench_reports_every_part(tmp_path: Path) -> None:
    lines: list[str] = []
    sizes = measure(lines.append, persons=[3000, 6000], data=tmp_path / "data", pandas_at=3000, spark_at=0, repeat=2)

    assert [s.persons for s in sizes] == [3000, 6000]
    for s in sizes:
        assert s.generated_s is not None and (s.data / "generated.json").is_file()
        assert s.run_s > 0 and s.floor_s > 0 and s.peak_mb > s.base_mb > 0
        assert s.alerts > 0 and s.households == s.rows["households"]
        assert [st["key"] for st in s.stages][:3] == ["params", "connect", "inputs"]
    small = sizes[0]
    assert small.pandas_s is not None and small.pandas_diff == []  # the same alerts as DuckDB
    assert sizes[1].pandas_s is None and small.spark_diff is None
    text = "\n".join(lines)
    for needle in ("DuckDB 运行", "扫描下限", "运行/下限", "pandas 实现", "与 DuckDB 的预警完全相同", "线性：每人用时",
                   "目标：3,000 人运行 ≤ 3 × 扫描下限", "比 pandas 快", "2 次中最快"):
        assert needle in text, needle

    # a second run reuses the generated sets
    again = measure(lines.append, persons=[3000], data=tmp_path / "data", pandas_at=0, spark_at=0)
    assert again[0].generated_s is None and again[0].alerts == small.alerts


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--persons"):
        call_command("bench", "monitor", "--persons", "lots", "--data", str(tmp_path))
    with pytest.raises(CommandError, match="--params"):
        call_command("bench", "monitor", "--persons", "10", "--params", str(tmp_path / "none.toml"))


def test_a_failed_child_is_a_chinese_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as e:  # the run finds no input files: the child exits non-zero
        monitor._spawn({"task": "duckdb", "inputs": str(tmp_path), "params": str(monitor.EXAMPLE_PARAMS),
                        "out": str(tmp_path / "out"), "as_of": monitor.AS_OF, "threads": 1})
    text = str(e.value)
    assert text.startswith(f"基准的子进程（DuckDB 运行，数据 {tmp_path}）失败，退出码 1")
    assert "persons.parquet：缺少文件" in text  # the end of the child's output says why


def test_a_spark_failure_keeps_the_duckdb_figures(tmp_path: Path, monkeypatch) -> None:
    real_spawn = monitor._spawn

    def spawn(spec):
        if spec["task"] == "spark":
            raise monitor.ChildFailed("基准的子进程（Spark 运行）失败，退出码 1：\nJava gateway process exited")
        return real_spawn(spec)

    monkeypatch.setattr(monitor, "_spawn", spawn)
    monkeypatch.setattr(monitor, "_spark_missing", lambda: None)
    lines: list[str] = []
    sizes = measure(lines.append, persons=[2000], data=tmp_path / "data", pandas_at=0, spark_at=2000)
    s = sizes[0]
    assert s.run_s > 0 and s.alerts > 0 and s.floor_s > 0  # measured before Spark failed
    assert s.spark_s is None and s.spark_diff is None and s.spark_error
    text = "\n".join(lines)
    assert "Spark 运行失败：基准的子进程（Spark 运行）失败" in text
    assert "目标：2,000 人 Spark 与 DuckDB 预警相同 — 未测（Spark 运行失败）" in text
