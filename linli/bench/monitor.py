"""`linli bench monitor`: the assistance monitoring engine on synthetic provinces.

For each size of ``--persons`` (default 1 million and 10 million persons, generated once into
``--data`` by ``monitoring.generate`` with a fixed seed and kept there):

1. the run on DuckDB (``engine.run`` from the Parquet inputs with the example parameters, every
   check of the bad-input report included) in a fresh child process: the run's wall time (as the
   report measures it, interpreter start and imports excluded), its stages, and the process's peak
   resident memory (``ru_maxrss`` of the child itself, read by the child at its end; also minus its
   resident size before the run, i.e. after the imports);
2. the floor, in another child with the same threads: DuckDB reading every column of every input
   file once (one aggregate per file over all its columns: ``bit_xor(hash(col))``), and the ratio
   run / floor;
3. on the ``--pandas`` set (1 million by default): ``pandas_ref.alerts_pandas``, the plain pandas
   implementation of the same rules, in a child: time, memory, ratio pandas / DuckDB, and its
   alerts compared with DuckDB's;
4. on the ``--spark`` set (1 million by default): the same run on local Spark; its alerts compared
   with DuckDB's (the count, then every row and column) and its time.

Then the per-person time and memory of each size against the first (linearity). Nothing is timed
in the tests; each figure is printed beside the baseline measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from linli.bench import benchmark

AS_OF = "2026-11-15"
SEED = 2026
DEFAULT_DATA = str(Path(tempfile.gettempdir()) / "linli-bench-monitor")
EXAMPLE_PARAMS = Path(__file__).resolve().parents[1] / "assistance" / "monitoring" / "params" / "example.toml"
TARGET_10M_S = 60.0
TARGET_FLOOR_RATIO = 3.0
TARGET_PANDAS_RATIO = 10.0
LINEAR_TOLERANCE = 1.25  # per-person time at the largest size / at the smallest


@dataclass
class Size:
    persons: int
    data: Path
    generated_s: float | None = None  # None: the data set was already there
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    run_s: float = 0.0
    stages: list[dict[str, Any]] = field(default_factory=list)
    peak_mb: float = 0.0
    base_mb: float = 0.0
    alerts: int = 0
    households: int = 0
    floor_s: float = 0.0
    floor_peak_mb: float = 0.0
    pandas_s: float | None = None
    pandas_peak_mb: float | None = None
    pandas_diff: list[str] | None = None
    spark_s: float | None = None
    spark_alerts: int | None = None
    spark_diff: list[str] | None = None
    spark_jvm_mb: float | None = None
    spark_error: str | None = None  # the Spark run failed: not measured

    @property
    def floor_ratio(self) -> float:
        return self.run_s / self.floor_s if self.floor_s else float("nan")


# -- child processes ------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _jvm_peak_mb() -> float | None:
    """The Spark driver JVM's peak resident set (VmHWM), read while it still runs."""
    try:
        from pyspark import SparkContext

        pid = SparkContext._gateway.proc.pid  # type: ignore[union-attr]
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (AttributeError, OSError, ImportError):
        pass
    return None


def child(spec_json: str) -> None:
    """Runs one measured task in this (fresh) process and prints its figures as JSON."""
    spec = json.loads(spec_json)
    as_of = dt.date.fromisoformat(spec["as_of"])
    task = spec["task"]
    result: dict[str, Any] = {}
    if task in ("duckdb", "spark"):
        from linli.assistance.monitoring import engine

        base = _rss_mb()
        report = engine.run(spec["inputs"], spec["params"], spec["out"], engine=task, as_of=as_of,
                            threads=spec.get("threads") or None)
        if not report.ok:
            raise SystemExit(f"运行失败：{report.error}\n" + "\n".join(report.problem_lines()))
        result = {"seconds": report.seconds, "stages": report.stages, "alerts": report.alerts["rows"],
                  "households": report.households, "base_mb": base}
        if task == "spark":
            result["jvm_peak_mb"] = _jvm_peak_mb()
    elif task == "floor":
        import duckdb

        from linli.assistance.monitoring.schema import INPUTS

        con = duckdb.connect(config={"threads": spec["threads"]} if spec.get("threads") else {})
        base = _rss_mb()
        start = time.perf_counter()
        rows = 0
        for t in INPUTS:
            path = str(Path(spec["inputs"]) / f"{t.name}.parquet").replace("'", "''")
            aggs = ", ".join(f'bit_xor(hash("{c.name}"))' for c in t.columns)
            got = con.execute(f"SELECT count(*), {aggs} FROM read_parquet('{path}')").fetchone()
            rows += int(got[0]) if got else 0
        result = {"seconds": time.perf_counter() - start, "rows": rows, "base_mb": base}
    elif task == "pandas":
        import pyarrow as pa
        import pyarrow.parquet as pq

        from linli.assistance.monitoring import pandas_ref
        from linli.assistance.monitoring import params as params_mod

        base = _rss_mb()
        start = time.perf_counter()
        frame = pandas_ref.alerts_pandas(Path(spec["inputs"]), params_mod.load(Path(spec["params"])), as_of)
        seconds = time.perf_counter() - start
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), spec["out"])
        result = {"seconds": seconds, "alerts": len(frame), "base_mb": base}
    else:
        raise SystemExit(f"unknown task {task}")
    # ru_maxrss: this process's peak resident set (kB on Linux); Spark's JVM is measured apart.
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("BENCH-RESULT " + json.dumps(result, ensure_ascii=False))


TASK_ZH = {"duckdb": "DuckDB 运行", "spark": "Spark 运行", "floor": "扫描下限", "pandas": "pandas 实现"}


class ChildFailed(CommandError):
    """A measured child process failed: which task, its exit code and the end of its output."""


def _spawn(spec: dict[str, Any]) -> dict[str, Any]:
    code = "import sys; from linli.bench.monitor import child; child(sys.argv[1])"
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line[len("BENCH-RESULT "):])
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
    task = TASK_ZH.get(spec["task"], spec["task"])
    raise ChildFailed(f"基准的子进程（{task}，数据 {spec.get('inputs', '')}）失败，退出码 {proc.returncode}：\n{tail}")


# -- the data sets --------------------------------------------------------------------------------


def dataset(root: Path, persons: int, *, as_of: str, seed: int, out: Callable[[str], Any]) -> Size:
    """The generated set for ``persons``, generated when missing (or incomplete)."""
    from linli.assistance.monitoring.generate import MANIFEST, VERSION, generate

    folder = root / f"persons-{persons}-seed-{seed}-{as_of}-v{VERSION}"
    size = Size(persons, folder)
    manifest = folder / MANIFEST
    if not manifest.is_file():
        out(f"  生成 {persons:,} 人的数据到 {folder} …")
        start = time.perf_counter()
        generate(folder, persons=persons, seed=seed, as_of=dt.date.fromisoformat(as_of))
        size.generated_s = time.perf_counter() - start
    size.rows = json.loads(manifest.read_text(encoding="utf-8"))["rows"]
    size.bytes = sum(p.stat().st_size for p in folder.glob("*.parquet"))
    return size


def _sizes(text: str) -> list[int]:
    try:
        values = [int(v.strip().replace("_", "")) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    return values


# -- the measure ----------------------------------------------------------------------------------


def measure(
    out: Callable[[str], Any],
    *,
    persons: list[int],
    data: Path,
    params: Path = EXAMPLE_PARAMS,
    pandas_at: int = 1_000_000,
    spark_at: int = 1_000_000,
    threads: int = 0,
    as_of: str = AS_OF,
    seed: int = SEED,
    repeat: int = 1,
) -> list[Size]:
    from linli.assistance.monitoring import engine

    load = os.getloadavg()
    out(
        f"机器：{os.cpu_count()} 核，{platform.system()} {platform.release()}，Python {platform.python_version()}；"
        f"开始时负载 {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}；线程 {threads or '全部'}；"
        f"比对基准日 {as_of}，种子 {seed}；参数 {params}"
    )
    data.mkdir(parents=True, exist_ok=True)
    sizes: list[Size] = []
    work = Path(tempfile.mkdtemp(prefix="linli-bench-monitor-"))
    try:
        for n in persons:
            out(f"{n:,} 人：")
            s = dataset(data, n, as_of=as_of, seed=seed, out=out)
            total_rows = sum(s.rows.values())
            gen = f"，生成用时 {s.generated_s:.1f} 秒" if s.generated_s is not None else "（已有，沿用）"
            out(
                f"  数据：{s.rows['households']:,} 户，{total_rows:,} 行（其中收入 {s.rows['income']:,} 行），"
                f"Parquet {s.bytes / 2**20:,.0f} MB{gen}"
            )
            common = {"inputs": str(s.data), "params": str(params), "as_of": as_of, "threads": threads}
            duck_out = work / f"duckdb-{n}"
            floor_before = _spawn({"task": "floor", **common})
            # The fastest of ``repeat`` runs (each in a fresh process): the others measure the
            # machine's other work as much as the engine.
            runs = [_spawn({"task": "duckdb", "out": str(duck_out), **common}) for _ in range(max(1, repeat))]
            r = min(runs, key=lambda x: x["seconds"])
            s.run_s, s.stages, s.peak_mb, s.base_mb = r["seconds"], r["stages"], r["peak_mb"], r["base_mb"]
            s.alerts, s.households = r["alerts"], r["households"]
            stages = "，".join(f"{st['stage']} {st['seconds']:.1f}" for st in s.stages)
            every = "" if len(runs) == 1 else f"（{len(runs)} 次中最快；各次 " + " / ".join(
                f"{x['seconds']:.1f}" for x in runs) + " 秒）"
            out(
                f"  DuckDB 运行：{s.run_s:.1f} 秒{every}（{stages}），监测 {s.households:,} 户，预警 {s.alerts:,} 条；"
                f"子进程峰值内存 {s.peak_mb:,.0f} MB（运行前 {s.base_mb:,.0f} MB）"
            )
            f = _spawn({"task": "floor", **common})
            # The floor is measured before and after the run; the lower counts (the other shows
            # how much the machine's load moved it).
            s.floor_s = min(f["seconds"], floor_before["seconds"])
            s.floor_peak_mb = f["peak_mb"]
            out(
                f"  扫描下限（DuckDB 把每个文件的每一列读一遍，运行前后各测一次，取较低者）：{s.floor_s:.2f} 秒"
                f"（{floor_before['seconds']:.2f} / {f['seconds']:.2f}），{f['rows']:,} 行；"
                f"运行/下限 = {s.floor_ratio:.2f}（目标 ≤ {TARGET_FLOOR_RATIO:g}）"
            )
            alerts_duck = duck_out / engine.ALERTS_FILE
            if n == pandas_at:
                _pandas(out, s, common, work, alerts_duck)
            if n == spark_at:
                _spark(out, s, common, work, alerts_duck)
            sizes.append(s)
        _summary(out, sizes)
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    out(f"结束时负载 {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    return sizes


def _read(path: Path):
    import pyarrow.parquet as pq

    return pq.read_table(path)


def _pandas(out: Callable[[str], Any], s: Size, common: dict[str, Any], work: Path, alerts_duck: Path) -> None:
    from linli.assistance.monitoring import engine

    path = work / f"pandas-{s.persons}.parquet"
    p = _spawn({"task": "pandas", "out": str(path), **common})
    s.pandas_s, s.pandas_peak_mb = p["seconds"], p["peak_mb"]
    s.pandas_diff = engine.compare_alerts(_read(alerts_duck), _read(path))
    ratio = s.pandas_s / s.run_s if s.run_s else float("nan")
    same = "与 DuckDB 的预警完全相同" if not s.pandas_diff else "与 DuckDB 的预警不同：" + "；".join(s.pandas_diff)
    out(
        f"  pandas 实现（pandas_ref）：{s.pandas_s:.1f} 秒，峰值内存 {s.pandas_peak_mb:,.0f} MB，预警 {p['alerts']:,} 条，"
        f"{same}；pandas/DuckDB = {ratio:.1f}（目标 ≥ {TARGET_PANDAS_RATIO:g}）"
    )


def _spark(out: Callable[[str], Any], s: Size, common: dict[str, Any], work: Path, alerts_duck: Path) -> None:
    """The Spark run; a failure is printed and leaves the DuckDB figures already measured."""
    from linli.assistance.monitoring import engine
    from linli.assistance.monitoring.backends import local_spark_master

    why = _spark_missing()
    if why:
        out(f"  Spark：跳过（{why}）")
        return
    spark_out = work / f"spark-{s.persons}"
    try:
        r = _spawn({"task": "spark", "out": str(spark_out), **common})
        diff = engine.compare_alerts(_read(alerts_duck), _read(spark_out / engine.ALERTS_FILE))
    except (ChildFailed, OSError) as e:
        s.spark_error = str(e).splitlines()[0]
        out(f"  Spark 运行失败：{e}")
        out("  Spark：未测得（以上 DuckDB 的结果不受影响）")
        return
    s.spark_s, s.spark_alerts, s.spark_jvm_mb = r["seconds"], r["alerts"], r.get("jvm_peak_mb")
    s.spark_diff = diff
    same = "逐行逐列与 DuckDB 相同" if not s.spark_diff else "与 DuckDB 不同：" + "；".join(s.spark_diff)
    stages = "，".join(f"{st['stage']} {st['seconds']:.1f}" for st in r["stages"])
    out(
        f"  Spark（{local_spark_master(common['threads'])}）：{s.spark_s:.1f} 秒（{stages}），预警 {s.spark_alerts:,} 条"
        f"（DuckDB {s.alerts:,} 条），{same}；Python 进程峰值内存 {r['peak_mb']:,.0f} MB，"
        f"JVM 峰值内存 {'—' if s.spark_jvm_mb is None else f'{s.spark_jvm_mb:,.0f} MB'}"
    )


def _spark_missing() -> str | None:
    from linli.assistance.monitoring.engine import spark_missing

    return spark_missing()


def _summary(out: Callable[[str], Any], sizes: list[Size]) -> None:
    if not sizes:
        return
    first, last = sizes[0], sizes[-1]
    if len(sizes) > 1:
        t = (last.run_s / last.persons) / (first.run_s / first.persons)
        m = (last.peak_mb / last.persons) / (first.peak_mb / first.persons)
        dm = ((last.peak_mb - last.base_mb) / last.persons) / max(first.peak_mb - first.base_mb, 1e-9) * first.persons
        out(
            f"线性：每人用时 {last.persons:,} 人/{first.persons:,} 人 = {t:.2f}；每人峰值内存之比 {m:.2f}"
            f"（扣除运行前内存 {dm:.2f}）（目标：用时与内存随人数线性增长，每人用时之比 ≤ {LINEAR_TOLERANCE:g}）"
            f" — {'达到' if t <= LINEAR_TOLERANCE else '未达到'}"
        )
    big = next((s for s in sizes if s.persons == 10_000_000), None)
    if big is not None:
        out(f"目标：1000 万人 ≤ {TARGET_10M_S:g} 秒 — {'达到' if big.run_s <= TARGET_10M_S else '未达到'}（{big.run_s:.1f} 秒）")
    for s in sizes:
        out(
            f"目标：{s.persons:,} 人运行 ≤ {TARGET_FLOOR_RATIO:g} × 扫描下限 — "
            f"{'达到' if s.floor_ratio <= TARGET_FLOOR_RATIO else '未达到'}（{s.floor_ratio:.2f}）"
        )
        if s.pandas_s is not None:
            ratio = s.pandas_s / s.run_s
            out(
                f"目标：{s.persons:,} 人比 pandas 快 ≥ {TARGET_PANDAS_RATIO:g} 倍 — "
                f"{'达到' if ratio >= TARGET_PANDAS_RATIO else '未达到'}（{ratio:.1f} 倍）"
            )
        if s.spark_diff is not None:
            out(f"目标：{s.persons:,} 人 Spark 与 DuckDB 预警相同 — {'达到' if not s.spark_diff else '未达到'}")
        elif s.spark_error is not None:
            out(f"目标：{s.persons:,} 人 Spark 与 DuckDB 预警相同 — 未测（Spark 运行失败）")


@benchmark(
    "monitor",
    "低收入人口动态监测：100 万与 1000 万人在 DuckDB 上的用时和内存、扫描下限、pandas 实现与 Spark 的一致性",
    options=(
        ("--persons", str, "1000000,10000000", "人数，逗号分隔（默认 1000000,10000000）"),
        ("--data", str, DEFAULT_DATA, f"生成数据的存放文件夹（已有则沿用；默认 {DEFAULT_DATA}）"),
        ("--pandas", int, 1_000_000, "在哪个人数的数据上运行 pandas 实现（默认 1000000；0 不运行）"),
        ("--spark", int, 1_000_000, "在哪个人数的数据上用 Spark 运行并与 DuckDB 核对（默认 1000000；0 不运行）"),
        ("--threads", int, 0, "DuckDB 线程数（默认 0：全部 CPU）"),
        ("--params", str, str(EXAMPLE_PARAMS), "参数文件（默认示例参数）"),
        ("--repeat", int, 1, "DuckDB 每个人数运行几次，取最快一次（默认 1）"),
    ),
)
def run(*, out: Callable[[str], Any], persons: str, data: str, pandas: int, spark: int, threads: int,
        params: str, repeat: int) -> None:
    sizes = _sizes(persons)
    if not sizes or any(n < 1 for n in sizes):
        raise CommandError(f"--persons 应为逗号分隔的正整数，实际为 {persons!r}")
    if not Path(params).is_file():
        raise CommandError(f"--params：参数文件 {params} 不存在")
    measure(out, persons=sizes, data=Path(data), params=Path(params), pandas_at=pandas, spark_at=spark,
            threads=threads, repeat=repeat)
