"""Small input folders for the monitoring tests: a valid base set, written as Parquet or CSV."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from linli.assistance.monitoring.schema import INPUTS

D = dt.date
AS_OF = D(2026, 11, 15)
AREA = "500112001001"  # a community of 渝北区 (example parameters cover 50)

PA_TYPES = {"int64": pa.int64(), "int8": pa.int8(), "float64": pa.float64(), "date": pa.date32(),
            "bool": pa.bool_(), "string": pa.string()}


def base_rows() -> dict[str, list[dict[str, Any]]]:
    """Two households, three persons, a record or two in every file; all valid on AS_OF."""
    return {
        "households": [
            {"household_id": 1, "area_code": AREA, "address": "幸福路 1 号", "tier": "dibao",
             "tier_since": D(2025, 3, 1), "last_review": D(2026, 3, 1), "income_irregular": False},
            {"household_id": 2, "area_code": AREA, "address": None, "tier": "",
             "tier_since": None, "last_review": None, "income_irregular": True},
        ],
        "persons": [
            {"person_id": 11, "household_id": 1, "name": "张三", "id_number": "500112196001011234",
             "birth_date": D(1960, 1, 1), "is_head": True, "disability_grade": 0},
            {"person_id": 12, "household_id": 1, "name": "李四", "id_number": "500112196202021234",
             "birth_date": D(1962, 2, 2), "is_head": False, "disability_grade": 2},
            {"person_id": 21, "household_id": 2, "name": "王五", "id_number": "50011219800303123X",
             "birth_date": D(1980, 3, 3), "is_head": True, "disability_grade": 0},
        ],
        "income": [
            {"person_id": 11, "month": D(2026, 1, 1), "amount": 500.0},
            {"person_id": 11, "month": D(2026, 2, 1), "amount": 500.0},
            {"person_id": 21, "month": D(2026, 1, 1), "amount": 3000.0},
        ],
        "medical": [{"person_id": 12, "month": D(2026, 5, 1), "total": 8000.0, "reimbursed": 5000.0}],
        "education": [{"person_id": 21, "month": D(2026, 9, 1), "amount": 1200.0}],
        "rehab": [{"person_id": 12, "month": D(2026, 6, 1), "amount": 300.0}],
        "deposits": [{"person_id": 11, "balance": 2000.0}],
        "vehicles": [{"person_id": 21, "plate": "渝A12345", "registered_on": D(2026, 10, 1), "value": 80000.0}],
        "property": [{"person_id": 21, "certificate": "渝(2026)不动产权第001号",
                      "registered_on": D(2020, 1, 1), "floor_area": 80.0}],
        "business": [{"person_id": 21, "credit_code": "91500112MA00000001",
                      "registered_on": D(2026, 8, 1), "capital": 100000.0}],
        "deaths": [{"person_id": 12, "died_on": D(2026, 10, 20)}],
        "illness": [{"person_id": 11, "diagnosed_on": D(2026, 7, 1), "disease": "恶性肿瘤"}],
    }


def write_inputs(folder: Path, rows: dict[str, list[dict[str, Any]]], fmt: str = "parquet",
                 *, raw_csv: bool = False) -> Path:
    """Write every table of ``rows``. Parquet: typed by the schema unless a value is a string where
    the schema says otherwise (then the column is written as text). CSV: str() of each value."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec in INPUTS:
        if spec.name not in rows:
            continue
        data = rows[spec.name]
        names = list(data[0]) if data else [c.name for c in spec.columns]
        if fmt == "csv":
            with open(folder / f"{spec.name}.csv", "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(names)
                for r in data:
                    w.writerow([_csv(r.get(n)) for n in names])
            continue
        types = {c.name: PA_TYPES[c.type] for c in spec.columns}
        arrays = {}
        for n in names:
            values = [r.get(n) for r in data]
            t = types.get(n, pa.string())
            if any(isinstance(v, str) for v in values) and t != pa.string():
                t = pa.string()
                values = [None if v is None else str(v) for v in values]
            arrays[n] = pa.array(values, t)
        pq.write_table(pa.table(arrays), folder / f"{spec.name}.parquet")
    return folder


def _csv(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
