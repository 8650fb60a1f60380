"""Reading a run's output for import: ``report.json`` and ``alerts.parquet``, checked against each other.

No database here: file-level refusals raise LinliError (field "report" or "alerts"); the rows come
back typed (pyarrow), for ``services`` to check against the platform and write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from linli.assistance.errors import AssistanceErrorCode
from linli.assistance.monitoring.schema import ALERT_COLUMNS, CLASSES, RULES
from linli.core.errors import LinliError

ARROW_TYPES: dict[str, pa.DataType] = {
    "int64": pa.int64(), "int8": pa.int8(), "string": pa.string(), "date": pa.date32(), "float64": pa.float64(),
    "bool": pa.bool_(),
}
TYPE_NAMES = {"int64": "整数", "int8": "整数", "string": "文本", "date": "日期", "float64": "数值", "bool": "布尔值"}
RUN_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass
class Report:
    run_id: str
    engine: str
    as_of: dt.date
    documents: list[str]
    example: bool
    rows: int
    sha256: str
    summary: dict[str, Any]  # what the platform keeps of the report (``summary``)


def _report_error(reason: str) -> LinliError:
    return LinliError(AssistanceErrorCode.RUN_FILE, f"运行报告 report.json：{reason}", field="report")


def _alerts_error(reason: str) -> LinliError:
    return LinliError(AssistanceErrorCode.RUN_FILE, f"预警文件 alerts.parquet：{reason}", field="alerts")


def _part(raw: dict, key: str, kind: type) -> Any:
    """``raw[key]`` if it is a ``kind``, else an empty one (the checks below name what is missing)."""
    value = raw.get(key)
    return value if isinstance(value, kind) else kind()


def read_report(data: bytes) -> Report:
    """The report as the engine writes it; a failed run is refused here, before its files are read."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _report_error("不是有效的 JSON 文件") from None
    if not isinstance(raw, dict):
        raise _report_error("应为 JSON 对象")
    if raw.get("status") != "ok":
        status = str(raw.get("status") or "（空）")[:20]
        raise LinliError(AssistanceErrorCode.RUN_FAILED,
                         f"该批次运行未成功（status = {status}），不能导入；请先处理运行报告中列出的问题后重新运行",
                         field="report")
    run_id = raw.get("run_id")
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        raise _report_error("run_id 缺失或格式不正确（最多 64 位字母、数字或 ._:-）")
    engine = raw.get("engine")
    if not isinstance(engine, str) or not 0 < len(engine) <= 16:
        raise _report_error("engine 缺失或格式不正确")
    try:
        as_of = dt.date.fromisoformat(str(raw.get("as_of")))
    except ValueError:
        raise _report_error("as_of 应为日期（YYYY-MM-DD）") from None
    params = _part(raw, "params", dict)
    versions = _part(params, "versions", list)
    documents: list[str] = []
    for v in versions:
        doc = str(v.get("document") or "").strip() if isinstance(v, dict) else ""
        if doc and doc not in documents:
            documents.append(doc[:200])
    alerts = _part(raw, "alerts", dict)
    rows, sha = alerts.get("rows"), alerts.get("sha256")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise _report_error("alerts.rows（预警行数）缺失或不是非负整数")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
        raise _report_error("alerts.sha256（预警文件校验值）缺失或格式不正确")
    return Report(run_id=run_id, engine=engine, as_of=as_of, documents=documents,
                  example=bool(params.get("example")), rows=rows, sha256=sha.lower(), summary=summary(raw))


def read_alerts(data: bytes, report: Report) -> pa.Table:
    """alerts.parquet checked against its report (digest, then row count), cast to the schema's types."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != report.sha256:
        raise LinliError(AssistanceErrorCode.RUN_MISMATCH,
                         f"预警文件与运行报告不符：文件的 SHA-256 为 {digest[:12]}…，报告中为 {report.sha256[:12]}…；"
                         "请上传同一次运行输出的两个文件", field="alerts")
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError):
        raise _alerts_error("不是有效的 Parquet 文件") from None
    if table.num_rows != report.rows:
        raise LinliError(AssistanceErrorCode.RUN_MISMATCH,
                         f"预警文件与运行报告不符：文件有 {table.num_rows} 行，报告中为 {report.rows} 行", field="alerts")
    missing = [c.name for c in ALERT_COLUMNS if c.name not in table.column_names]
    if missing:
        raise _alerts_error(f"缺少列 {', '.join(missing)}")
    columns = []
    for c in ALERT_COLUMNS:
        column = table.column(c.name)
        try:
            columns.append(column.cast(ARROW_TYPES[c.type]))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            raise _alerts_error(f"列 {c.name} 应为{TYPE_NAMES[c.type]}，实际为 {column.type}") from None
    return pa.table(columns, names=[c.name for c in ALERT_COLUMNS])


def split_scope(table: pa.Table, area_code: str) -> tuple[list[int], list[int]]:
    """Row indexes (0-based) under ``area_code``, and those with no area code; the rest is out of scope.

    Codes are compared stripped of spaces, as ``services`` reads them: " 5001…" is under 5001."""
    codes = pc.utf8_trim_whitespace(table.column("area_code"))
    missing = pc.fill_null(pc.equal(codes, ""), True)
    under = pc.and_(pc.fill_null(pc.starts_with(codes, area_code), False), pc.invert(missing))
    return (pc.indices_nonzero(under).to_pylist(), pc.indices_nonzero(missing).to_pylist())


# --- what the platform keeps of a report, read back defensively -------------------------------------


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _short(value: Any, length: int = 200) -> str:
    return value[:length] if isinstance(value, str) else ""


def counts(value: Any, keys: Any = None, limit: int = 100) -> dict[str, int]:
    """A ``{name: count}`` mapping: non-negative whole counts under short text names, anything else
    dropped (the stored report may be old or edited: a page must not fail on it)."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, int] = {}
    for name, n in value.items():
        if isinstance(name, str) and _count(n) is not None and (keys is None or name in keys):
            out[name[:200]] = n
            if len(out) >= limit:
                break
    return out


def summary(raw: Any) -> dict[str, Any]:
    """The report as the platform keeps it: the run, its parameters, counts per file and problem
    reason, stage timings and alert counts. The listed problem rows (households' keys and values)
    and anything else are left out. Reading a stored one through here again validates its types."""
    raw = raw if isinstance(raw, dict) else {}
    params = _part(raw, "params", dict)
    versions: list[dict[str, Any]] = [
        {"region": _short(v.get("region"), 12), "valid_from": _short(v.get("valid_from"), 10),
         "document": _short(v.get("document")).strip(), "example": v.get("example") is True}
        for v in _part(params, "versions", list)[:50] if isinstance(v, dict)]
    documents = [d for d in dict.fromkeys(v["document"] for v in versions) if d]
    files = {name[:64]: counts(c, ("read", "bad", "skipped"))
             for name, c in list(_part(raw, "files", dict).items())[:50] if isinstance(name, str)}
    problems = _part(raw, "problems", dict)
    by_file = {name[:64]: counts(reasons, limit=50)
               for name, reasons in list(_part(problems, "by_file", dict).items())[:50] if isinstance(name, str)}
    stages = []
    for stage in _part(raw, "stages", list)[:20]:
        if isinstance(stage, dict):
            seconds = stage.get("seconds")
            ok = isinstance(seconds, int | float) and not isinstance(seconds, bool) and math.isfinite(seconds)
            stages.append({"stage": _short(stage.get("stage"), 32), "key": _short(stage.get("key"), 32),
                           "seconds": float(seconds) if ok and seconds is not None else None,
                           "rows": _count(stage.get("rows"))})
    alerts = _part(raw, "alerts", dict)
    return {
        "status": _short(raw.get("status"), 16),
        "run_id": _short(raw.get("run_id"), 64),
        "engine": _short(raw.get("engine"), 16),
        "as_of": _short(raw.get("as_of"), 10),
        "params": {"example": params.get("example") is True, "versions": versions, "documents": documents},
        "files": files,
        "problems": {"total": _count(problems.get("total")) or 0, "by_file": by_file},
        "stages": stages,
        "alerts": {"rows": _count(alerts.get("rows")) or 0, "sha256": _short(alerts.get("sha256"), 64),
                   "by_rule": counts(alerts.get("by_rule"), RULES), "by_class": counts(alerts.get("by_class"), CLASSES)},
    }
