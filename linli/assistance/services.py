"""Writes of the assistance app: importing a monitoring run's alerts, home checks, escalation.

SKELETON — helper H4 completes it. Signatures are the contract for views, API and CLI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linli.assistance.models import Alert, HomeCheck, MonitoringRun


@dataclass
class RunPreview:
    """What importing a run would do, before anything is written."""

    run_id: str
    as_of: dt.date
    engine: str
    params_documents: list[str]
    params_example: bool
    total: int  # alerts in the file
    new: int  # would be created (within the importer's area)
    repeated: int  # already open for the same household and rule: would be updated
    out_of_scope: int  # outside the importer's area: left alone
    by_rule: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # "第 12 行：社区代码 … 不在本平台"; any error blocks the import
    already_imported: bool = False


def run_preview(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> RunPreview:
    raise NotImplementedError


def run_import(*, by: Any, area_code: str, alerts: bytes, report: bytes) -> MonitoringRun:
    """All alerts in scope or none; refuses a failed run, a file not matching its report, a run
    already imported, and any row error of the preview."""
    raise NotImplementedError


def run_import_dir(*, by: Any, area_code: str, out_dir: Path) -> MonitoringRun:
    """The CLI's path: ``alerts.parquet`` and ``report.json`` of a run's output folder."""
    raise NotImplementedError


def home_check_record(*, by: Any, alert: Alert, outcome: str, visited_on: dt.date, note: str,
                      referred_to: str = "") -> HomeCheck:
    raise NotImplementedError


def alert_view_log(*, by: Any, alert: Alert, what: str) -> None:
    """Writes the access-log row for a view of a household's assistance data."""
    raise NotImplementedError


def overdue_escalate(*, now: dt.datetime | None = None) -> int:
    """Flags open alerts past their deadline to the street (cron: ``linli monitor flag-overdue``)."""
    raise NotImplementedError
