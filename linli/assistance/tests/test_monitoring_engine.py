"""The engine end to end on a generated province: the alerts file and the report, every rule
firing, and no alerts from half-read data (failed, interrupted or stopped runs)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from linli.assistance.monitoring import engine, rules
from linli.assistance.monitoring import params as params_mod
from linli.assistance.monitoring.generate import generate
from linli.assistance.monitoring.schema import CLASSES, INPUTS, RULES

# Pure engine tests: no database, so CI runs them once (not again on PostgreSQL).
pytestmark = pytest.mark.engine

AS_OF = dt.date(2026, 11, 15)
PARAMS = params_mod.EXAMPLE


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("province")
    generate(out, persons=5000, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def good_run(province: Path, tmp_path_factory) -> tuple[engine.RunReport, Path]:
    out = tmp_path_factory.mktemp("run")
    report = engine.run(province, PARAMS, out, as_of=AS_OF)
    return report, out


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def _append(folder: Path, name: str, rows: list[dict]) -> None:
    path = folder / f"{name}.parquet"
    table = pq.read_table(path)
    extra = pa.Table.from_pylist(rows, schema=table.schema)
    pq.write_table(pa.concat_tables([table, extra]), path)


def test_run_writes_alerts_in_the_contract_types_and_a_full_report(good_run) -> None:
    report, out = good_run
    assert report.ok, report.error
    alerts = pq.read_table(out / "alerts.parquet")
    assert alerts.schema.names == list(engine.ALERTS_SCHEMA.names)
    assert [f.type for f in alerts.schema] == [f.type for f in engine.ALERTS_SCHEMA]
    assert alerts.num_rows > 0
    assert set(alerts.column("rule").to_pylist()) <= set(RULES)
    assert all(RULES[r][0] == c for r, c in zip(alerts.column("rule").to_pylist(),
                                                  alerts.column("alert_class").to_pylist(), strict=True))
    # sorted by household, then rule; one row per (household, rule)
    keys = list(zip(alerts.column("household_id").to_pylist(), alerts.column("rule").to_pylist(), strict=True))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert min(alerts.column("deadline").to_pylist()) >= AS_OF

    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(report.to_dict()))
    assert saved["status"] == "ok" and saved["engine"] == "duckdb" and saved["as_of"] == "2026-11-15"
    assert re.fullmatch(r"20261115-duckdb-\d{8}T\d{6}-[0-9a-f]{8}", saved["run_id"])
    assert re.fullmatch(r"[0-9a-f]{64}", saved["inputs_digest"]) and saved["run_id"].endswith(saved["inputs_digest"][:8])
    assert saved["params"]["example"] is True
    assert {v["region"] for v in saved["params"]["versions"]} >= {"50"}
    assert all(v["document"] and v["valid_from"] <= "2026-11-15" for v in saved["params"]["versions"])
    assert set(saved["files"]) == {f"{t.name}.parquet" for t in INPUTS}
    assert saved["files"]["persons.parquet"] == {"read": 5000, "bad": 0, "skipped": 0}
    assert saved["problems"] == {"total": 0, "by_file": {}, "listed": []}
    assert [s["key"] for s in saved["stages"]] == list(engine.STAGES)
    assert all(s["seconds"] >= 0 for s in saved["stages"])
    assert saved["households"] > 0
    a = saved["alerts"]
    assert a["rows"] == alerts.num_rows and a["file"] == "alerts.parquet"
    assert a["sha256"] == engine.file_sha256(out / "alerts.parquet")
    assert sum(a["by_rule"].values()) == a["rows"] == sum(a["by_class"].values())
    assert set(a["by_class"]) == set(CLASSES)
    assert a["households"] == len(set(alerts.column("household_id").to_pylist()))
    assert not list(out.glob(".*part"))


def test_every_rule_fires_on_a_generated_set(good_run, province: Path) -> None:
    report, _ = good_run
    assert report.households == pq.read_metadata(province / "households.parquet").num_rows
    silent = [rule for rule, n in report.alerts["by_rule"].items() if n == 0]
    assert not silent, f"rules that never fired: {silent}"


def test_identical_inputs_same_digest_changed_input_another(province: Path, tmp_path: Path) -> None:
    copy = _copy(province, tmp_path / "copy")
    assert engine.inputs_digest(copy, PARAMS, "duckdb") == engine.inputs_digest(province, PARAMS, "duckdb")
    assert engine.inputs_digest(copy, PARAMS, "spark") != engine.inputs_digest(province, PARAMS, "duckdb")
    _append(copy, "deaths", [{"person_id": 1, "died_on": dt.date(2026, 11, 1)}])
    assert engine.inputs_digest(copy, PARAMS, "duckdb") != engine.inputs_digest(province, PARAMS, "duckdb")


@pytest.fixture(scope="module")
def bad_inputs(province: Path, tmp_path_factory) -> Path:
    """The province with 4 bad income rows: a negative amount, a future month, a duplicate and a
    person who is not in the registry."""
    folder = _copy(province, tmp_path_factory.mktemp("bad") / "inputs")
    first = pq.read_table(folder / "income.parquet").slice(0, 1).to_pylist()[0]
    _append(folder, "income", [
        {"person_id": 2, "month": dt.date(2024, 1, 1), "amount": -5.0},
        {"person_id": 3, "month": dt.date(2026, 12, 1), "amount": 100.0},
        dict(first),
        {"person_id": 99_999_999, "month": dt.date(2026, 1, 1), "amount": 100.0},
    ])
    return folder


def test_bad_input_stops_the_run_names_file_row_reason_and_deletes_stale_alerts(
    bad_inputs: Path, good_run, tmp_path: Path
) -> None:
    out = _copy(good_run[1], tmp_path / "out")  # an earlier run's alerts are in the folder
    assert (out / "alerts.parquet").is_file()
    report = engine.run(bad_inputs, PARAMS, out, as_of=AS_OF)
    assert report.status == "failed" and "4 个问题" in report.error
    assert not (out / "alerts.parquet").exists()
    saved = engine.read_report(out)
    assert saved["status"] == "failed" and saved["alerts"] == {}
    assert saved["problems"]["total"] == 4
    n = pq.read_metadata(bad_inputs / "income.parquet").num_rows
    listed = {(p["file"], p["row"]): p["reason"] for p in saved["problems"]["listed"]}
    assert listed[("income.parquet", n - 3)] == "金额为负数"
    assert listed[("income.parquet", n - 2)].startswith("日期晚于比对基准日 2026-11-15")
    assert listed[("income.parquet", n - 1)] == "重复记录（与第 1 行相同）"
    assert "99999999" in listed[("income.parquet", n)]
    assert sum(saved["problems"]["by_file"]["income.parquet"].values()) == 4
    lines = report.problem_lines(2)
    assert lines[0].startswith(f"income.parquet 第 {n - 3} 行") and "另有 2 个问题" in lines[2]


def test_skip_mode_counts_the_bad_rows_and_still_alerts(bad_inputs: Path, good_run, tmp_path: Path) -> None:
    report = engine.run(bad_inputs, PARAMS, tmp_path, as_of=AS_OF, on_error="skip")
    assert report.ok, report.error
    assert report.files["income.parquet"]["skipped"] == 4
    assert sum(f["skipped"] for f in report.files.values()) == 4
    assert report.problems["total"] == 4 and len(report.problems["listed"]) == 4
    # the bad rows were left out: the alerts are those of the clean set
    clean = pq.read_table(good_run[1] / "alerts.parquet")
    assert engine.compare_alerts(pq.read_table(tmp_path / "alerts.parquet"), clean) == []


def test_missing_file_and_bad_params_fail_without_alerts(province: Path, tmp_path: Path) -> None:
    folder = _copy(province, tmp_path / "inputs")
    (folder / "persons.parquet").unlink()
    report = engine.run(folder, PARAMS, tmp_path / "out1", as_of=AS_OF, on_error="skip")
    assert report.status == "failed"
    assert any(p["reason"].startswith("缺少文件 persons.parquet") for p in report.problems["listed"])
    assert not (tmp_path / "out1" / "alerts.parquet").exists()

    bad = tmp_path / "params.toml"
    bad.write_text(PARAMS.read_text(encoding="utf-8").replace("example = true", ""), encoding="utf-8")
    report = engine.run(province, bad, tmp_path / "out2", as_of=AS_OF)
    assert report.status == "failed" and "参数文件" in report.error
    assert report.problems["listed"][0]["file"] == "params.toml"
    assert engine.read_report(tmp_path / "out2")["status"] == "failed"
    # no version in force before the example's first date
    report = engine.run(province, PARAMS, tmp_path / "out3", as_of=dt.date(2020, 1, 1))
    assert report.status == "failed"


def test_interrupted_or_crashed_run_leaves_no_alerts(province: Path, good_run, tmp_path: Path, monkeypatch) -> None:
    out = _copy(good_run[1], tmp_path / "out")

    def half_written(*args):  # stands for rules.alerts
        # the alerts stage is interrupted after part of the file is written
        (out / f".alerts.parquet.{__import__('os').getpid()}.part").write_bytes(b"PAR1 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(rules, "alerts", half_written)
    with pytest.raises(KeyboardInterrupt):
        engine.run(province, PARAMS, out, as_of=AS_OF)
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
    saved = engine.read_report(out)
    assert saved["status"] == "failed" and saved["error"] == "运行被中断"

    monkeypatch.setattr(rules, "alerts", lambda *args: 1 / 0)
    shutil.copy(good_run[1] / "alerts.parquet", out / "alerts.parquet")
    with pytest.raises(ZeroDivisionError):
        engine.run(province, PARAMS, out, as_of=AS_OF)
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
    assert engine.read_report(out)["error"].startswith("内部错误：ZeroDivisionError")


def test_csv_inputs_give_the_same_alerts_as_parquet(tmp_path: Path) -> None:
    generate(tmp_path / "pq", persons=1500, as_of=AS_OF, seed=5)
    generate(tmp_path / "csv", persons=1500, as_of=AS_OF, seed=5, fmt="csv")
    a = engine.run(tmp_path / "pq", PARAMS, tmp_path / "out-pq", as_of=AS_OF)
    b = engine.run(tmp_path / "csv", PARAMS, tmp_path / "out-csv", as_of=AS_OF)
    assert a.ok and b.ok, (a.error, b.error)
    assert a.alerts["rows"] > 0
    assert engine.compare_alerts(pq.read_table(tmp_path / "out-pq" / "alerts.parquet"),
                                 pq.read_table(tmp_path / "out-csv" / "alerts.parquet")) == []


def test_progress_names_every_stage_with_seconds(province: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    engine.run(province, PARAMS, tmp_path, as_of=AS_OF, progress=lines.append)
    for n, title in enumerate(engine.STAGES.values(), start=1):
        assert f"[{n}/{len(engine.STAGES)}] {title}…" in lines
        assert any(line.strip().startswith(f"{title}完成：") and "秒" in line for line in lines)
    assert any("persons.parquet" in line for line in lines)


def test_compare_alerts_reports_differences(good_run) -> None:
    alerts = pq.read_table(good_run[1] / "alerts.parquet")
    assert engine.compare_alerts(alerts, alerts) == []
    fewer = alerts.slice(1)
    assert engine.compare_alerts(alerts, fewer)[0].startswith("行数不同")
    changed = alerts.set_column(
        alerts.schema.get_field_index("income_pc"), "income_pc",
        pa.array([x + 0.01 for x in alerts.column("income_pc").to_pylist()]),
    )
    diff = engine.compare_alerts(alerts, changed)
    assert len(diff) == 1 and diff[0].startswith("列 income_pc")
    # float noise below a cent is not a difference
    noisy = alerts.set_column(
        alerts.schema.get_field_index("income_pc"), "income_pc",
        pa.array([x + 1e-9 for x in alerts.column("income_pc").to_pylist()]),
    )
    assert engine.compare_alerts(alerts, noisy) == []


def test_duckdb_and_the_pandas_reference_agree_on_a_generated_set(tmp_path: Path) -> None:
    from linli.assistance.monitoring.pandas_ref import alerts_pandas

    generate(tmp_path / "inputs", persons=20_000, as_of=AS_OF, seed=11)
    report = engine.run(tmp_path / "inputs", PARAMS, tmp_path / "out", as_of=AS_OF)
    assert report.ok, report.error
    duck = pq.read_table(tmp_path / "out" / "alerts.parquet")
    frame = alerts_pandas(tmp_path / "inputs", params_mod.load(PARAMS), AS_OF)
    assert duck.num_rows > 1000 and all(n > 0 for n in report.alerts["by_rule"].values())
    assert engine.compare_alerts(duck, pa.Table.from_pandas(frame, preserve_index=False)) == []


def test_an_engine_that_cannot_start_fails_the_run(province: Path, tmp_path: Path) -> None:
    report = engine.run(province, PARAMS, tmp_path, as_of=AS_OF, engine="oracle")
    assert report.status == "failed" and report.error.startswith("无法启动引擎 oracle")
    assert engine.read_report(tmp_path)["status"] == "failed"


def test_a_given_backend_is_left_open_and_clean(tmp_path: Path) -> None:
    """CSV inputs with a bad row, skip mode: the loader keeps checked and clean tables; none is
    left behind in the caller's backend."""
    from linli.assistance.monitoring import backends

    generate(tmp_path / "inputs", persons=1500, as_of=AS_OF, seed=4, fmt="csv")
    income = tmp_path / "inputs" / "income.csv"
    header = next(csv.reader(income.read_text(encoding="utf-8").splitlines()))
    bad = {"person_id": "1", "month": "2026-01-01", "amount": "-5"}
    with open(income, "a", encoding="utf-8") as f:
        f.write(",".join(bad[c] for c in header) + "\n")

    def tables(backend) -> set[str]:
        return {r[0] for r in backend.con.raw_sql("SELECT table_name FROM duckdb_tables()").fetchall()}

    with backends.connect("duckdb") as backend:
        backend.con.raw_sql("CREATE TEMP TABLE callers_own AS SELECT 1 AS x")
        before = tables(backend)
        kept: list[str] = []
        real_materialize = backend.materialize

        def materialize(expr, name):
            table = real_materialize(expr, name)
            kept.append(table.get_name())
            return table

        backend.materialize = materialize  # type: ignore[method-assign]
        report = engine.run(tmp_path / "inputs", PARAMS, tmp_path / "out", as_of=AS_OF, backend=backend,
                            on_error="skip")
        assert report.ok and report.engine == "duckdb", report.error
        assert report.files["income.csv"]["skipped"] == 1
        assert any("clean_income" in k for k in kept) and any("features" in k for k in kept)
        assert tables(backend) == before  # nothing new, the caller's own table still there
        assert backend.con.raw_sql("SELECT 42").fetchone()[0] == 42


def test_a_failure_before_the_stages_still_fails_the_report_and_deletes_stale_alerts(
    province: Path, good_run, tmp_path: Path, monkeypatch
) -> None:
    import errno

    out = _copy(good_run[1], tmp_path / "out")
    unreadable = province / "persons.parquet"

    def digest(inputs_dir, params_path, engine_name):
        raise PermissionError(errno.EACCES, "Permission denied", str(unreadable))

    monkeypatch.setattr(engine, "inputs_digest", digest)
    report = engine.run(province, PARAMS, out, as_of=AS_OF)
    assert report.status == "failed"
    assert report.error == f"无法读取 {unreadable}：没有权限，未运行"
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]  # the earlier alerts are gone
    assert engine.read_report(out)["error"] == report.error


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(province: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "out.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    with pytest.raises(engine.OutputError) as e:
        engine.run(province, PARAMS, a_file, as_of=AS_OF)
    assert str(e.value) == f"无法创建输出文件夹 {a_file}：已有同名文件（应为文件夹）"
    with pytest.raises(engine.OutputError, match="路径中有同名文件"):
        engine.run(province, PARAMS, a_file / "sub", as_of=AS_OF)


def test_spark_without_pyspark_or_java_says_so(province: Path, tmp_path: Path, monkeypatch) -> None:
    import importlib.util
    import shutil as shutil_mod

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real_find_spec(name, *a))
    report = engine.run(province, PARAMS, tmp_path / "a", as_of=AS_OF, engine="spark")
    assert report.error == "无法启动引擎 spark：未安装 pyspark（pip install pyspark）"
    monkeypatch.setattr(importlib.util, "find_spec", real_find_spec)

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil_mod, "which", lambda *a, **k: None)
    report = engine.run(province, PARAMS, tmp_path / "b", as_of=AS_OF, engine="spark")
    assert report.error == "无法启动引擎 spark：未找到 Java（Spark 需要 Java 17）"
    assert not (tmp_path / "b" / "alerts.parquet").exists()

    # and when the engine itself fails to start for these reasons
    missing = ModuleNotFoundError("No module named 'pyspark'", name="pyspark")
    assert engine._connect_reason(missing) == "未安装 pyspark（pip install pyspark）"
    gateway = RuntimeError("[JAVA_GATEWAY_EXITED] Java gateway process exited before sending its port number.")
    assert engine._connect_reason(gateway).startswith("未找到 Java（Spark 需要 Java 17）")


def test_compare_alerts_allows_half_a_cent_nulls_equal_nulls(good_run) -> None:
    alerts = pq.read_table(good_run[1] / "alerts.parquet").slice(0, 3)
    i = alerts.schema.get_field_index("value")  # a nullable float

    def with_value(values):
        return alerts.set_column(i, "value", pa.array(values, pa.float64()))

    # rounded to cents these differ (1.00 and 1.01); they are a hair apart
    assert engine.compare_alerts(with_value([1.004999, None, 7.0]), with_value([1.005001, None, 7.0])) == []
    assert engine.compare_alerts(with_value([1.0, None, 7.0]), with_value([1.006, None, 7.0]))[0].startswith(
        "列 value：1 行不同")
    assert engine.compare_alerts(with_value([1.0, None, 7.0]), with_value([1.0, 0.0, 7.0]))[0].startswith(
        "列 value：1 行不同")
