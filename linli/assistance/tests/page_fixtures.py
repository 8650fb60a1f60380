"""Small data for the page tests: alerts written straight to the tables (the import has its own tests),
and a run's two files built in memory for the import pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from linli.accounts.roles import Role
from linli.assistance.models import Alert, MonitoringRun
from linli.assistance.monitoring.schema import ALERT_COLUMNS, RULES
from linli.core import protected
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, staff

_seq = itertools.count(1)


def officers() -> dict[str, Any]:
    """Assistance officers beside the personas' one on 邢家桥: 金竹苑, 人和街道, the district."""
    return {
        "jzy": staff("jzyaid", Role.ASSISTANCE_OFFICER, JINZHUYUAN, "金竹苑救助专干"),
        "renhe": staff("renheaid", Role.ASSISTANCE_OFFICER, "500112009", "人和街道救助专干"),
        "district": staff("ybaid", Role.ASSISTANCE_OFFICER, "500112", "区救助专干"),
    }


def run_row(by: Any, area_code: str = "500112", *, as_of: dt.date | None = None, example: bool = True) -> MonitoringRun:
    n = next(_seq)
    return MonitoringRun.objects.create(
        run_id=f"test-{n}", engine="duckdb", as_of=as_of or dt.date.today(), params_documents="示例参数（非正式文件）",
        params_example=example, report={"alerts": {"by_rule": {"income_above_line": 1}}}, area_id=area_code,
        imported_by=by)


def alert_row(run: MonitoringRun, area_code: str = XINGJIAQIAO, *, rule: str = "income_above_line",
              deadline: dt.date | None = None, head_name: str = "张桂英", household_key: str = "",
              id_number: str = "", escalated: bool = False, **kw: Any) -> Alert:
    from django.utils import timezone

    defaults: dict[str, Any] = dict(
        tier_held="dibao", tier_eligible="", members=2, income_pc="980.50", value="980.50", threshold="760.00",
        params_document="示例参数（非正式文件）", address="邢家桥路 1 号 1-1")
    defaults.update(kw)
    return Alert.objects.create(
        first_run=run, last_run=run, household_key=household_key or str(1000 + next(_seq)), area_id=area_code,
        head_name=head_name, head_id_number=id_number,
        head_id_number_hash=protected.blind_index(id_number) if id_number else "",
        alert_class=RULES[rule][0], rule=rule, deadline=deadline or dt.date.today() + dt.timedelta(days=15),
        escalated_at=timezone.now() if escalated else None, **defaults)


_ARROW = {"int64": pa.int64(), "string": pa.string(), "date": pa.date32(), "float64": pa.float64()}


def run_files(rows: list[dict[str, Any]], *, run_id: str = "2026-11-run1", as_of: dt.date = dt.date(2026, 11, 1),
              example: bool = True, status: str = "ok") -> tuple[bytes, bytes]:
    """alerts.parquet and report.json as the engine writes them."""
    columns = {c.name: [r.get(c.name) for r in rows] for c in ALERT_COLUMNS}
    table = pa.table({c.name: pa.array(columns[c.name], type=_ARROW[c.type]) for c in ALERT_COLUMNS})
    out = io.BytesIO()
    pq.write_table(table, out)
    alerts = out.getvalue()
    by_rule: dict[str, int] = {}
    for r in rows:
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    report = {
        "status": status, "run_id": run_id, "engine": "duckdb", "as_of": as_of.isoformat(),
        "params": {"file": "example.toml", "example": example,
                   "versions": [{"region": "50", "valid_from": "2025-01-01", "document": "示例参数（非正式文件）",
                                 "example": example}]},
        "alerts": {"file": "alerts.parquet", "rows": len(rows), "sha256": hashlib.sha256(alerts).hexdigest(),
                   "by_rule": by_rule},
    }
    return alerts, json.dumps(report, ensure_ascii=False).encode()


def file_row(household_id: int, area_code: str = XINGJIAQIAO, rule: str = "income_above_line", **kw: Any) -> dict:
    row: dict[str, Any] = dict(
        household_id=household_id, area_code=area_code, address="邢家桥路 2 号", head_name="李明",
        head_id_number=None, alert_class=RULES[rule][0], rule=rule, tier_held="dibao", tier_eligible="",
        members=3, income_pc=900.0, value=900.0, threshold=760.0, event_date=None,
        deadline=dt.date(2026, 11, 16), params_document="示例参数（非正式文件）")
    row.update(kw)
    return row
