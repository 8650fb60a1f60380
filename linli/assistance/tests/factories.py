"""A run's output, made in memory: ``alerts.parquet`` from a list of dicts and a ``report.json`` as
the engine writes it (status, run_id, engine, as_of, params, alerts: file, rows, sha256).

    alerts, report = run_files([alert_row(household_id=1), alert_row(household_id=2, rule="high_medical")])
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from linli.assistance.monitoring.schema import ALERT_COLUMNS, RULES
from linli.core.testing import XINGJIAQIAO

AS_OF = dt.date(2026, 11, 1)
ARROW = {"int64": pa.int64(), "string": pa.string(), "date": pa.date32(), "float64": pa.float64()}
_runs = itertools.count(1)


def alert_row(**overrides: Any) -> dict[str, Any]:
    """One alerts.parquet row: a 邢家桥 household of two on 低保 whose income rose above the line."""
    rule = overrides.get("rule", "income_above_line")
    row: dict[str, Any] = {
        "household_id": 1001,
        "area_code": XINGJIAQIAO,
        "address": "邢家桥路 8 号 2-1",
        "head_name": "王秀兰",
        "head_id_number": "",
        "alert_class": RULES[rule][0] if rule in RULES else "change",
        "rule": rule,
        "tier_held": "dibao",
        "tier_eligible": "",
        "members": 2,
        "income_pc": 1024.5,
        "value": 1024.5,
        "threshold": 760.0,
        "event_date": None,
        "deadline": AS_OF + dt.timedelta(days=30),
        "params_document": "示例参数（非任何地区的正式标准）",
    }
    row.update(overrides)
    return row


def alerts_parquet(rows: list[dict[str, Any]], *, columns: tuple[str, ...] | None = None,
                   types: dict[str, pa.DataType] | None = None) -> bytes:
    """The rows as Parquet with ALERT_COLUMNS' types (``columns`` to drop some, ``types`` to mistype)."""
    names = columns or tuple(c.name for c in ALERT_COLUMNS)
    kinds = {c.name: ARROW[c.type] for c in ALERT_COLUMNS} | (types or {})
    arrays = [pa.array([r.get(n) for r in rows], type=kinds[n]) for n in names]
    buf = io.BytesIO()
    pq.write_table(pa.table(arrays, names=list(names)), buf)
    return buf.getvalue()


def report_json(alerts: bytes, *, run_id: str | None = None, status: str = "ok", engine: str = "duckdb",
                as_of: dt.date = AS_OF, rows: int | None = None, sha256: str | None = None, example: bool = True,
                documents: tuple[str, ...] = ("示例参数（非任何地区的正式标准）",), **extra: Any) -> bytes:
    """report.json for ``alerts`` (its digest and row count unless given)."""
    count = pq.read_metadata(io.BytesIO(alerts)).num_rows if rows is None and alerts else (rows or 0)
    report = {
        "status": status,
        "run_id": run_id or f"test-{next(_runs):04d}",
        "engine": engine,
        "as_of": as_of.isoformat(),
        "params": {
            "file": "params/example.toml",
            "example": example,
            "versions": [{"region": "50", "region_name": "重庆市", "valid_from": "2026-01-01", "document": d}
                         for d in documents],
        },
        "alerts": {"file": "alerts.parquet", "rows": count, "sha256": sha256 or hashlib.sha256(alerts).hexdigest()},
        **extra,
    }
    return json.dumps(report, ensure_ascii=False).encode()


def run_files(rows: list[dict[str, Any]], **report: Any) -> tuple[bytes, bytes]:
    alerts = alerts_parquet(rows)
    return alerts, report_json(alerts, **report)


def write_run(out_dir: Path, rows: list[dict[str, Any]], **report: Any) -> Path:
    """The pair as an engine's output folder (the CLI's ``linli monitor import OUT_DIR``)."""
    alerts, rep = run_files(rows, **report)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "alerts.parquet").write_bytes(alerts)
    (out_dir / "report.json").write_bytes(rep)
    return out_dir


# --- a small world: officers on a community, a street and the county; a run with alerts in both communities


PAST = dt.date(2026, 11, 10)  # before NOW: an open alert with this deadline is overdue
NOW = dt.datetime(2026, 11, 20, 9, 0)  # local time (Asia/Shanghai); freeze it in tests


@dataclass
class World:
    p: Any  # linli.core.testing.Personas; p.assistance_officer is on 邢家桥
    street_officer: Any  # 人和街道 (邢家桥's street)
    county_officer: Any  # 渝北区 (both communities)
    jzy_officer: Any  # 金竹苑社区
    run: Any  # imported by the county officer for 渝北区
    xjq: list  # 邢家桥's alerts: [income_above_line (open), high_medical (overdue)]
    jzy: list  # 金竹苑's: [income_above_line (open), review_due (overdue)]


def import_rows(by: Any, area_code: str, rows: list[dict[str, Any]], **report: Any) -> Any:
    """Imported the day it ran (as of NOW's date, unless given): deadlines as in the file."""
    from linli.assistance import services

    alerts, rep = run_files(rows, **({"as_of": NOW.date()} | report))
    return services.run_import(by=by, area_code=area_code, alerts=alerts, report=rep)


def make_world(p: Any) -> World:
    from linli.accounts.roles import Role
    from linli.assistance.models import Alert
    from linli.core.testing import JINZHUYUAN, staff

    street = staff("renheaid", Role.ASSISTANCE_OFFICER, "500112009", "人和街道救助专干")
    county = staff("yubeiaid", Role.ASSISTANCE_OFFICER, "500112", "渝北区救助专干")
    jzy = staff("jzyaid", Role.ASSISTANCE_OFFICER, JINZHUYUAN, "金竹苑救助专干")
    run = import_rows(county, "500112", [
        alert_row(household_id=1, head_name="王秀兰"),
        alert_row(household_id=2, head_name="李建国", rule="high_medical", tier_held="", value=23000.0,
                  threshold=20000.0, deadline=PAST),
        alert_row(household_id=3, area_code=JINZHUYUAN, head_name="赵春梅"),
        alert_row(household_id=4, area_code=JINZHUYUAN, head_name="钱德明", rule="review_due", value=None,
                  threshold=None, deadline=PAST, event_date=PAST),
    ])
    alerts = {a.household_key: a for a in Alert.objects.all()}
    return World(p=p, street_officer=street, county_officer=county, jzy_officer=jzy, run=run,
                 xjq=[alerts["1"], alerts["2"]], jzy=[alerts["3"], alerts["4"]])


# Who sees which community's alerts; None: nothing at all (not an assistance role).
MATRIX: dict[str, set[str] | None] = {
    "assistance_officer": {"xjq"},
    "jzy_officer": {"jzy"},
    "street_officer": {"xjq"},
    "county_officer": {"xjq", "jzy"},
    "district_admin": None,
    "renhe_admin": None,
    "xjq_worker": None,
    "jzy_worker": None,
    "xjq_grid_worker": None,
    "outsider": None,
    "resident_user": None,
}


def user(world, who):
    return getattr(world, who, None) or getattr(world.p, who)


def expected(world, who) -> set[int]:
    sees = MATRIX[who] or set()
    return {a.pk for a in (world.xjq if "xjq" in sees else []) + (world.jzy if "jzy" in sees else [])}
