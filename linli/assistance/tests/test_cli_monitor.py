"""`linli monitor`: generate, run (with its progress and its failure), import and flag-overdue."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from linli.assistance.monitoring import params as params_mod
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

AS_OF = dt.date.today().isoformat()  # the alerts' deadlines are then not yet past
PARAMS = str(params_mod.EXAMPLE)


def _call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("monitor", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def pilots(tmp_path_factory) -> Path:
    """A generated set for the two pilot communities, run once."""
    root = tmp_path_factory.mktemp("cli")
    _call("generate", "--persons", "1200", "--out", str(root / "inputs"), "--as-of", AS_OF,
          "--communities", f"{XINGJIAQIAO},{JINZHUYUAN}", "--seed", "9")
    _call("run", "--inputs", str(root / "inputs"), "--params", PARAMS, "--out", str(root / "out"), "--as-of", AS_OF)
    return root


def test_generate_prints_what_it_wrote(tmp_path: Path) -> None:
    out, err = _call("generate", "--persons", "1,500", "--out", str(tmp_path), "--as-of", AS_OF)
    assert "已生成：1,500 人" in out and "persons 1,500" in out
    assert "已生成 1,500 / 1,500 人" in err  # the progress line
    assert pq.read_metadata(tmp_path / "persons.parquet").num_rows == 1500


def test_generate_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--persons"):
        _call("generate", "--persons", "many", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="12 位"):
        _call("generate", "--persons", "10", "--out", str(tmp_path), "--communities", "5001")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _call("generate", "--persons", "10", "--out", str(tmp_path), "--as-of", "15/11/2026")


def test_run_prints_progress_on_stderr_and_a_summary(pilots: Path, tmp_path: Path) -> None:
    out, err = _call("run", "--inputs", str(pilots / "inputs"), "--params", PARAMS, "--out", str(tmp_path),
                     "--as-of", AS_OF)
    assert "[1/6] 读取参数…" in err and "[6/6] 写出结果…" in err and "秒]" in err
    assert "完成：监测" in out and f"批次号 {AS_OF.replace('-', '')}-duckdb-" in out
    assert "主动发现" in out and "到期复核" in out
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "ok" and f"预警 {report['alerts']['rows']:,} 条" in out


def test_failed_run_exits_non_zero_with_its_problems(pilots: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for f in (pilots / "inputs").iterdir():
        (inputs / f.name).write_bytes(f.read_bytes())
    (inputs / "income.parquet").unlink()
    err = io.StringIO()
    with pytest.raises(CommandError, match="未生成预警"):
        call_command("monitor", "run", "--inputs", str(inputs), "--params", PARAMS, "--out", str(tmp_path / "out"),
                     "--as-of", AS_OF, stdout=io.StringIO(), stderr=err)
    assert "income.parquet：缺少文件" in err.getvalue()
    assert not (tmp_path / "out" / "alerts.parquet").exists()
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["status"] == "failed"


def _main(capsys, *args: str) -> tuple[int, str, str]:
    """``linli monitor …`` as from the shell: the exit code, stdout and stderr."""
    from linli.__main__ import main

    capsys.readouterr()
    code = 0
    try:
        main(["linli", "monitor", *args])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def _small(tmp_path: Path, change=None) -> Path:
    from linli.assistance.tests.monitoring_files import base_rows, write_inputs

    rows = base_rows()
    if change:
        change(rows)
    return write_inputs(tmp_path / "inputs", rows)


def _negative_income(rows) -> None:
    rows["income"][1]["amount"] = -5.0


def test_cli_bad_row_exits_non_zero_naming_file_row_and_reason(tmp_path: Path, capsys) -> None:
    from linli.assistance.tests.monitoring_files import AS_OF as FILES_AS_OF

    inputs = _small(tmp_path, _negative_income)
    out = tmp_path / "out"
    out.mkdir()
    (out / "alerts.parquet").write_bytes(b"an earlier run's")
    code, stdout, err = _main(capsys, "run", "--inputs", str(inputs), "--params", PARAMS, "--out", str(out),
                              "--as-of", FILES_AS_OF.isoformat())
    assert code == 1
    assert "income.parquet 第 2 行 列 amount：金额为负数" in err
    assert "输入文件有 1 个问题，未生成预警" in err and "Traceback" not in err
    assert not (out / "alerts.parquet").exists() and "完成" not in stdout


def test_cli_skip_bad_writes_alerts_and_counts_the_skipped(tmp_path: Path, capsys) -> None:
    from linli.assistance.tests.monitoring_files import AS_OF as FILES_AS_OF

    inputs = _small(tmp_path, _negative_income)
    code, stdout, _ = _main(capsys, "run", "--inputs", str(inputs), "--params", PARAMS, "--out",
                            str(tmp_path / "out"), "--as-of", FILES_AS_OF.isoformat(), "--skip-bad")
    assert code == 0
    assert "完成：监测 2 户" in stdout and "跳过有问题的行 1 行（见报告）" in stdout
    assert (tmp_path / "out" / "alerts.parquet").is_file()
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "ok" and report["files"]["income.parquet"]["skipped"] == 1


def test_cli_missing_column_and_params_gap(tmp_path: Path, capsys) -> None:
    from linli.assistance.tests.monitoring_files import AS_OF as FILES_AS_OF

    def no_amount(rows) -> None:
        for r in rows["income"]:
            del r["amount"]

    inputs = _small(tmp_path, no_amount)
    as_of = FILES_AS_OF.isoformat()
    code, _, err = _main(capsys, "run", "--inputs", str(inputs), "--params", PARAMS, "--out", str(tmp_path / "o1"),
                         "--as-of", as_of, "--skip-bad")  # a missing column stops even a skipping run
    assert code == 1 and "income.parquet 列 amount：缺少列 amount" in err
    assert not (tmp_path / "o1" / "alerts.parquet").exists()

    gap = tmp_path / "gap.toml"
    gap.write_text(params_mod.EXAMPLE.read_text(encoding="utf-8").replace(
        "valid_to = 2025-12-31", "valid_to = 2025-11-30", 1), encoding="utf-8")
    code, _, err = _main(capsys, "run", "--inputs", str(_small(tmp_path / "good")), "--params", str(gap),
                         "--out", str(tmp_path / "o2"), "--as-of", as_of)
    assert code == 1
    assert "gap.toml：地区 50 的参数在 2025-12-01 至 2025-12-31 之间没有生效版本" in err
    assert "参数文件有 1 处错误，未运行" in err


def test_cli_refuses_bad_options_in_chinese(tmp_path: Path, capsys) -> None:
    inputs = _small(tmp_path)
    base = ["run", "--inputs", str(inputs), "--params", PARAMS]
    with pytest.raises(CommandError, match="--spark-master 只用于 Spark 引擎"):
        _call(*base, "--out", str(tmp_path / "o"), "--spark-master", "spark://h:7077")
    with pytest.raises(CommandError, match="--threads 不能小于 1，实际为 -2"):
        _call(*base, "--out", str(tmp_path / "o"), "--threads", "-2")
    with pytest.raises(CommandError, match="--threads 应为整数"):
        _call(*base, "--out", str(tmp_path / "o"), "--threads", "many")
    a_file = tmp_path / "out.txt"
    a_file.write_text("", encoding="utf-8")
    code, _, err = _main(capsys, *base, "--out", str(a_file))
    assert code == 1 and f"--out：无法创建输出文件夹 {a_file}：已有同名文件（应为文件夹）" in err
    assert "Traceback" not in err

    with pytest.raises(CommandError, match="--seed 不能小于 0，实际为 -1"):
        _call("generate", "--persons", "10", "--out", str(tmp_path / "g"), "--seed", "-1")
    with pytest.raises(CommandError, match=f"--out：无法写入 .*{a_file.name}.*：已有同名文件"):
        _call("generate", "--persons", "10", "--out", str(a_file))


def test_run_refuses_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--inputs"):
        _call("run", "--inputs", str(tmp_path / "nope"), "--params", PARAMS, "--out", str(tmp_path))
    with pytest.raises(CommandError, match="--params"):
        _call("run", "--inputs", str(tmp_path), "--params", str(tmp_path / "p.toml"), "--out", str(tmp_path))


@pytest.mark.django_db
def test_import_takes_the_officers_community_and_flag_overdue_escalates(pilots: Path, personas) -> None:
    from linli.assistance.models import Alert, MonitoringRun

    alerts = pq.read_table(pilots / "out" / "alerts.parquet")
    codes = alerts.column("area_code").to_pylist()
    mine = sum(c == XINGJIAQIAO for c in codes)
    assert mine and len(codes) > mine  # both communities have alerts
    officer = personas.assistance_officer.username

    out, _ = _call("import", str(pilots / "out"), "--area", XINGJIAQIAO, "--by", officer)
    run = MonitoringRun.objects.get()
    assert run.alerts_imported == mine and run.alerts_out_of_scope == len(codes) - mine
    assert f"新增 {mine:,} 条" in out
    assert set(Alert.objects.values_list("area__code", flat=True)) == {XINGJIAQIAO}

    with pytest.raises(CommandError, match="导入失败"):
        _call("import", str(pilots / "out"), "--area", XINGJIAQIAO, "--by", officer)  # the same run again
    with pytest.raises(CommandError, match="不存在"):
        _call("import", str(pilots / "out"), "--area", XINGJIAQIAO, "--by", "nobody")

    out, _ = _call("flag-overdue")
    assert out.strip() == "没有新的逾期预警"  # every deadline is on or after the run's as-of date
    past = timezone.localdate() + dt.timedelta(days=-1)
    n = Alert.objects.filter(pk__in=list(Alert.objects.values_list("pk", flat=True)[:3])).update(deadline=past)
    out, _ = _call("flag-overdue")
    assert out.strip() == f"已将 {n} 条逾期未核查的预警上报街道"
    assert Alert.objects.filter(escalated_at__isnull=False).count() == n


def test_progress_printer_lines_and_live_line() -> None:
    from linli.assistance.monitoring.progress import Detail, ProgressPrinter

    plain = io.StringIO()
    with ProgressPrinter(plain) as progress:  # not a terminal: lines only
        progress("[1/2] 读取…")
        progress.refresh()
        progress(Detail("      persons.parquet：3 行"))
        progress("读取完成")
    lines = plain.getvalue().splitlines()
    assert len(lines) == 3 and lines[0].endswith("] [1/2] 读取…") and "秒]" in lines[0]
    assert "已用" not in plain.getvalue() and "\r" not in plain.getvalue()

    live = io.StringIO()

    def written() -> str:  # what was written since the last call
        text = live.getvalue()
        live.truncate(0)
        live.seek(0)
        return text

    with ProgressPrinter(live, live=True, auto=False) as progress:  # the test draws the live line
        progress("[2/2] 计算…")
        written()
        progress.refresh()
        text = written()
        assert text.startswith("\r\033[K") and "[2/2] 计算… 已用 " in text
        progress(Detail("      income.parquet：5 行"))  # a detail line: above it, the live line goes on
        text = written()
        assert text.index("income.parquet：5 行\n") < text.index("[2/2] 计算… 已用 ")
        progress.refresh()
        assert "[2/2] 计算… 已用 " in written()
        progress("      计算完成")  # the stage ended: no live line any more
        progress.refresh()
        text = written()
    assert text.startswith("\r\033[K") and text.endswith("计算完成\n") and "已用" not in text
