"""One monitoring run: parameters, inputs checked, household features, alerts, report.

``run(inputs_dir, params_path, out_dir)`` writes ``out_dir/report.json`` always and
``out_dir/alerts.parquet`` only when the run succeeded: the alerts go to a temporary name in the
same folder and are renamed once complete, and a failed (or interrupted) run deletes any stale
alerts file, so what is in the folder never comes from half-read data.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import backends, inputs, rules
from . import params as params_mod
from .progress import Detail
from .schema import ALERT_COLUMNS, CLASSES, INPUTS, RULES

ALERTS_FILE = "alerts.parquet"
REPORT_FILE = "report.json"
ENGINE_VERSION = "1"  # bump when the rules' meaning changes: part of the inputs' fingerprint
LISTED_IN_REPORT = 1000  # problems listed per file (all are counted)
FINGERPRINT_BYTES = 64 * 1024
FLOAT_TOLERANCE = 0.005  # compare_alerts: two amounts within half a cent are the same
ARROW_TYPES: dict[str, pa.DataType] = {
    "int64": pa.int64(), "int8": pa.int8(), "string": pa.string(), "date": pa.date32(), "float64": pa.float64(),
    "bool": pa.bool_(),
}
ALERTS_SCHEMA = pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in ALERT_COLUMNS])

# Stage names, in order, as the progress display and the report show them.
STAGES = {
    "params": "读取参数",
    "connect": "启动引擎",
    "inputs": "读取并检查输入文件",
    "features": "计算家庭指标",
    "alerts": "生成预警",
    "write": "写出结果",
}

Progress = Callable[[str], None]


@dataclass
class RunReport:
    status: str  # "ok" | "failed"
    run_id: str
    engine: str
    as_of: str
    started_at: str
    finished_at: str = ""
    seconds: float = 0.0
    inputs_dir: str = ""
    inputs_digest: str = ""  # fingerprint of the input files (names, sizes, first and last 64 KiB)
    on_error: str = "stop"
    params: dict[str, Any] = field(default_factory=dict)  # file, example, versions in force
    files: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> read, bad, skipped
    problems: dict[str, Any] = field(default_factory=lambda: {"total": 0, "by_file": {}, "listed": []})
    stages: list[dict[str, Any]] = field(default_factory=list)  # stage, seconds, rows
    households: int = 0  # households monitored (with a parameter region)
    alerts: dict[str, Any] = field(default_factory=dict)  # file, rows, sha256, by_rule, by_class
    error: str = ""  # why a run failed, in one line

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def problem_lines(self, limit: int = 20) -> list[str]:
        """The first ``limit`` problems as lines, then the counts by file and reason."""
        out = []
        for p in self.problems["listed"][:limit]:
            where = p["file"] + (f" 第 {p['row']} 行" if p.get("row") else "") + (f" 列 {p['column']}" if p.get("column") else "")
            out.append(f"{where}：{p['reason']}")
        more = self.problems["total"] - min(limit, len(self.problems["listed"]))
        if more > 0:
            out.append(f"……另有 {more} 个问题")
        for file, by_reason in self.problems["by_file"].items():
            counts = "，".join(f"{reason} {n}" for reason, n in by_reason.items())
            out.append(f"{file}：{counts}")
        return out


class _Stages:
    """Times the stages and tells the progress callback."""

    def __init__(self, report: RunReport, progress: Progress | None) -> None:
        self.report = report
        self.progress = progress or (lambda _m: None)
        self.start = time.perf_counter()
        self.current: tuple[str, float] | None = None

    def begin(self, key: str) -> None:
        self.current = (key, time.perf_counter())
        n = list(STAGES).index(key) + 1
        self.progress(f"[{n}/{len(STAGES)}] {STAGES[key]}…")

    def end(self, rows: int | None = None, note: str = "", unit: str = "行") -> None:
        assert self.current is not None
        key, t0 = self.current
        seconds = time.perf_counter() - t0
        self.report.stages.append({"stage": STAGES[key], "key": key, "seconds": round(seconds, 3), "rows": rows})
        extra = f"，{rows:,} {unit}" if rows is not None else ""
        self.progress(f"      {STAGES[key]}完成：{seconds:.1f} 秒{extra}{note}")
        self.current = None

    def detail(self, message: str) -> None:
        self.progress(Detail(f"      {message}"))  # the stage goes on: its live line too


class RunFailed(Exception):
    """A run that stopped for a reason the report explains (bad parameters or inputs)."""


class OutputError(Exception):
    """The output folder cannot be created or written: no report there. The message, in Chinese,
    names the folder and says why."""


_OS_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOENT: "不存在",
    errno.EISDIR: "是文件夹，不是文件",
    errno.ENOTDIR: "路径中有同名文件（应为文件夹）",
    errno.EEXIST: "已有同名文件（应为文件夹）",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.EDQUOT: "超出磁盘配额",
}


def os_reason(e: OSError) -> str:
    """Why a file operation failed, in Chinese (the system's own words when not known)."""
    return _OS_REASONS.get(e.errno or 0) or e.strerror or str(e)


def run(
    inputs_dir: str | os.PathLike[str],
    params_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    engine: str = "duckdb",
    as_of: dt.date | None = None,
    spark_master: str | None = None,
    on_error: str = "stop",
    progress: Progress | None = None,
    backend: backends.Backend | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> RunReport:
    """Run the rules over the files of ``inputs_dir``. ``backend``: an already connected Backend
    (its engine is used and it is left open); otherwise one is connected and closed here."""
    if on_error not in ("stop", "skip"):
        raise ValueError(f"on_error 应为 stop 或 skip，实际为 {on_error!r}")
    as_of = as_of or dt.date.today()
    engine = backend.name if backend is not None else engine
    inputs_path, out = Path(inputs_dir), Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # no report can be written: the caller says why
        raise OutputError(f"无法创建输出文件夹 {out}：{os_reason(e)}") from e
    started = dt.datetime.now().astimezone()
    run_id = f"{as_of:%Y%m%d}-{engine}-{started:%Y%m%dT%H%M%S}"
    report = RunReport(
        status="failed",
        run_id=run_id,
        engine=engine,
        as_of=as_of.isoformat(),
        started_at=started.isoformat(timespec="seconds"),
        inputs_dir=str(inputs_path.resolve()),
        on_error=on_error,
    )
    stages = _Stages(report, progress)
    tmp = out / f".{ALERTS_FILE}.{os.getpid()}.part"
    own = backend is None
    try:
        try:
            try:
                digest = inputs_digest(inputs_path, Path(params_path), engine)
            except OSError as e:
                raise RunFailed(f"无法读取 {e.filename or inputs_path}：{os_reason(e)}，未运行") from e
            report.inputs_digest, report.run_id = digest, f"{run_id}-{digest[:8]}"
            _run(report, stages, inputs_path, Path(params_path), tmp, as_of=as_of, on_error=on_error,
                 backend=backend, engine=engine, spark_master=spark_master, threads=threads,
                 memory_limit=memory_limit, own=own)
            report.status = "ok"
        except RunFailed as e:
            report.error = str(e)
        except KeyboardInterrupt:
            report.error = "运行被中断"
            raise
        except Exception as e:
            report.error = f"内部错误：{type(e).__name__}: {e}"
            raise
    finally:
        _finish(report, stages, out, tmp)
    return report


def _run(report: RunReport, stages: _Stages, inputs_dir: Path, params_path: Path, tmp: Path, *,
         as_of: dt.date, on_error: str, backend: backends.Backend | None, engine: str,
         spark_master: str | None, threads: int | None, memory_limit: str | None, own: bool) -> None:
    # -- parameters ----------------------------------------------------------------------------
    stages.begin("params")
    versions = _params(report, params_path, as_of)
    stages.end(note=f"，{len(versions)} 个地区的参数在 {as_of} 生效")

    # -- engine --------------------------------------------------------------------------------
    stages.begin("connect")
    if backend is None:
        missing = spark_missing() if engine == "spark" else None
        if missing:
            raise RunFailed(f"无法启动引擎 spark：{missing}")
        try:
            backend = backends.connect(engine, spark_master=spark_master, threads=threads, memory_limit=memory_limit)
        except Exception as e:  # no Java, no pyspark, a cluster that does not answer: said in the report
            raise RunFailed(f"无法启动引擎 {engine}：{_connect_reason(e)}") from e
    if backend.name == "duckdb":
        backend.con.raw_sql("SET enable_progress_bar = false")  # our own progress display instead
    stages.end(note=f"（{backend.name}）")
    temp_before = None if own else _temp_tables(backend)
    try:
        # -- inputs ----------------------------------------------------------------------------
        stages.begin("inputs")
        loaded = inputs.load_inputs(
            backend, inputs_dir, as_of=as_of, regions=[v.region for v in versions], on_error=on_error,
            progress=stages.detail,
        )
        report.files = loaded.counts
        report.problems = {
            "total": loaded.problems_total,
            "by_file": loaded.problem_counts,
            "listed": [asdict(p) for p in _listed(loaded.problems)],
        }
        read = sum(c["read"] for c in loaded.counts.values())
        skipped = sum(c.get("skipped", 0) for c in loaded.counts.values())
        stages.end(read, f"，跳过 {skipped:,} 行" if skipped else "")
        if not loaded.ok:
            raise RunFailed(f"输入文件有 {loaded.problems_total} 个问题，未生成预警")

        # -- features --------------------------------------------------------------------------
        stages.begin("features")
        features = backend.materialize(rules.household_features(loaded.tables, versions, as_of), "features")
        report.households = int(features.count().execute())
        stages.end(report.households, unit="户")

        # -- alerts ----------------------------------------------------------------------------
        stages.begin("alerts")
        labels = rules.household_labels(loaded.tables, versions, as_of)
        backend.write_parquet(rules.alerts(features, labels, as_of), tmp)
        rows = pq.read_metadata(tmp).num_rows
        stages.end(rows, unit="条预警")
    finally:
        if own:
            backend.close()
        elif temp_before is not None:
            _drop_new_temp_tables(backend, temp_before)

    # -- the file: the contract's types, counts, digest ------------------------------------------
    stages.begin("write")
    _conform(tmp)
    report.alerts = _alert_counts(tmp)
    stages.end(note=f"，{report.alerts['rows']:,} 条预警，{report.alerts['households']:,} 户")


def _temp_tables(backend: backends.Backend) -> set[str] | None:
    """The DuckDB temp tables there are now (None on Spark: see ``_drop_new_temp_tables``)."""
    if backend.name != "duckdb":
        return None
    rows = backend.con.raw_sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    return {r[0] for r in rows}


def _drop_new_temp_tables(backend: backends.Backend, before: set[str]) -> None:
    """Free every temp table this run kept (features, and the checked and clean inputs the loader
    keeps for the rules) in a DuckDB backend the caller keeps using. (Spark keeps its local
    checkpoints until the session ends: views made from SQL may still name them.)"""
    for name in sorted((_temp_tables(backend) or set()) - before):
        backend.con.raw_sql(f'DROP TABLE IF EXISTS temp.main."{name}"')


def spark_missing() -> str | None:
    """Why Spark cannot start on this machine (no pyspark, no Java), or None."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "未安装 pyspark（pip install pyspark）"
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "未找到 Java（Spark 需要 Java 17）"
    return None


def _connect_reason(e: Exception) -> str:
    """Why an engine did not start, in Chinese where it is known."""
    if isinstance(e, ModuleNotFoundError) and (e.name or "").split(".")[0] == "pyspark":
        return "未安装 pyspark（pip install pyspark）"
    text = str(e)
    if "JAVA_GATEWAY_EXITED" in text or "Java gateway" in text or "JAVA_HOME" in text:
        return "未找到 Java（Spark 需要 Java 17），或 Java 无法启动"
    if isinstance(e, ValueError):  # backends' own message, already in Chinese
        return text
    return f"{type(e).__name__}: {text}"


def _params(report: RunReport, path: Path, as_of: dt.date) -> list[params_mod.ParamVersion]:
    try:
        loaded = params_mod.load(path)
        versions = loaded.in_force(as_of)  # every region needs a version in force that day
    except (params_mod.ParamsError, OSError) as e:
        messages = getattr(e, "messages", None) or [str(e)]
        report.params = {"file": str(path)}
        report.problems = {
            "total": len(messages),
            "by_file": {path.name: {"参数文件有误": len(messages)}},
            "listed": [
                {"file": path.name, "row": None, "column": None, "key": "params", "reason": m} for m in messages
            ],
        }
        raise RunFailed(f"参数文件有 {len(messages)} 处错误，未运行") from None
    report.params = {
        "file": str(path.resolve()),
        "example": loaded.example,
        "versions": [
            {
                "region": v.region,
                "region_name": v.region_name,
                "valid_from": v.valid_from.isoformat(),
                "valid_to": v.valid_to.isoformat() if v.valid_to else None,
                "document": v.document,
                "example": loaded.example,
            }
            for v in versions
        ],
    }
    if not versions:
        raise RunFailed(f"参数文件中没有在比对基准日 {as_of} 生效的参数")
    return versions


def _listed(problems: list[inputs.Problem]) -> list[inputs.Problem]:
    out: list[inputs.Problem] = []
    per_file: dict[str, int] = {}
    for p in problems:
        per_file[p.file] = per_file.get(p.file, 0) + 1
        if per_file[p.file] <= LISTED_IN_REPORT:
            out.append(p)
    return out


def _conform(path: Path) -> None:
    """The alerts file in exactly the contract's column types (engines differ in small ways, e.g.
    a column of nulls); rewritten only when needed."""
    schema = pq.read_schema(path)
    if schema.names == ALERTS_SCHEMA.names and all(
        schema.field(f.name).type == f.type for f in ALERTS_SCHEMA
    ):
        return
    table = pq.read_table(path)
    table = table.select(list(ALERTS_SCHEMA.names)).cast(ALERTS_SCHEMA)
    pq.write_table(table, path)


def _alert_counts(path: Path) -> dict[str, Any]:
    table = pq.read_table(path, columns=["rule", "alert_class"])
    by_rule = dict.fromkeys(RULES, 0)
    for row in table.group_by("rule").aggregate([("rule", "count")]).to_pylist():
        by_rule[row["rule"]] = row["rule_count"]
    by_class = dict.fromkeys(CLASSES, 0)
    for rule, n in by_rule.items():
        by_class[RULES[rule][0]] += n
    return {
        "file": ALERTS_FILE,
        "rows": table.num_rows,
        "sha256": file_sha256(path),
        "by_rule": by_rule,
        "by_class": by_class,
        "households": len(pc.unique(pq.read_table(path, columns=["household_id"]).column(0))),
    }


def _finish(report: RunReport, stages: _Stages, out: Path, tmp: Path) -> None:
    finished = dt.datetime.now().astimezone()
    report.finished_at = finished.isoformat(timespec="seconds")
    report.seconds = round(time.perf_counter() - stages.start, 3)
    alerts_path, report_path = out / ALERTS_FILE, out / REPORT_FILE
    report_tmp = out / f".{REPORT_FILE}.{os.getpid()}.part"
    try:
        if not report.ok:
            report.alerts = {}
            alerts_path.unlink(missing_ok=True)  # a stale file from an earlier run must not be taken for this one
        report_tmp.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if report.ok:
            os.replace(tmp, alerts_path)
        os.replace(report_tmp, report_path)
    except OSError as e:
        raise OutputError(f"无法写入输出文件夹 {out}：{os_reason(e)}") from e
    finally:
        tmp.unlink(missing_ok=True)
        report_tmp.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def inputs_digest(inputs_dir: Path, params_path: Path, engine: str) -> str:
    """A fingerprint of the inputs: each input file's name and size and its first and last
    64 KiB (a Parquet file's footer describes all of it), the parameter file and the engine.
    Identical copies give the same digest; reading whole files would cost seconds at 10 M persons."""
    h = hashlib.sha256(f"linli-monitor {ENGINE_VERSION} {engine}\n".encode())
    names = [f"{t.name}{ext}" for t in INPUTS for ext in (".parquet", ".csv")]
    for name in names:
        path = inputs_dir / name
        if not path.is_file():
            continue
        size = path.stat().st_size
        h.update(f"{name} {size}\n".encode())
        with open(path, "rb") as f:
            h.update(f.read(FINGERPRINT_BYTES))
            if size > FINGERPRINT_BYTES:
                f.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
                h.update(f.read())
    if params_path.is_file():
        h.update(params_path.read_bytes())
    return h.hexdigest()


def read_report(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    return json.loads((Path(out_dir) / REPORT_FILE).read_text(encoding="utf-8"))


# -- comparing two runs' alerts (DuckDB and Spark, or the pandas reference) ---------------------


def normalized_alerts(table: pa.Table) -> pa.Table:
    """Alerts in the contract's columns and types, sorted by household and rule: two engines'
    results line up row by row (``compare_alerts`` then allows float noise)."""
    table = table.select(list(ALERTS_SCHEMA.names)).cast(ALERTS_SCHEMA)
    return table.sort_by([("household_id", "ascending"), ("rule", "ascending")])


def compare_alerts(a: pa.Table, b: pa.Table, *, examples: int = 5, tolerance: float = FLOAT_TOLERANCE) -> list[str]:
    """The differences between two sets of alerts, as lines (empty: equal). Floats are equal when
    they differ by at most ``tolerance`` (half a cent: rounding each side could split two values
    a hair apart onto two cents); nulls equal nulls."""
    a, b = normalized_alerts(a), normalized_alerts(b)
    if a.num_rows != b.num_rows:
        keys_a = set(zip(a.column("household_id").to_pylist(), a.column("rule").to_pylist(), strict=True))
        keys_b = set(zip(b.column("household_id").to_pylist(), b.column("rule").to_pylist(), strict=True))
        only_a, only_b = sorted(keys_a - keys_b), sorted(keys_b - keys_a)
        return [
            f"行数不同：{a.num_rows} 与 {b.num_rows}",
            f"只在第一份中：{len(only_a)} 条，如 {only_a[:examples]}",
            f"只在第二份中：{len(only_b)} 条，如 {only_b[:examples]}",
        ]
    floats = {c.name for c in ALERT_COLUMNS if c.type == "float64"}
    out = []
    for name in ALERTS_SCHEMA.names:
        x, y = a.column(name), b.column(name)
        equal = pc.less_equal(pc.abs(pc.subtract(x, y)), tolerance) if name in floats else pc.equal(x, y)
        same = pc.or_kleene(equal, pc.and_(pc.is_null(x), pc.is_null(y))).fill_null(False)
        bad = pc.invert(same)
        n = pc.sum(bad).as_py() or 0
        if n:
            rows = pc.indices_nonzero(bad).to_pylist()[:examples]
            shown = [
                (a.column("household_id")[i].as_py(), a.column("rule")[i].as_py(), x[i].as_py(), y[i].as_py())
                for i in rows
            ]
            out.append(f"列 {name}：{n} 行不同，如 {shown}")
    return out
