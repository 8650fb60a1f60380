"""Reads of the assistance app, all through the area rule with ``view_assistance``.

SKELETON — helper H4 completes it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from linli.assistance.models import Alert, MonitoringRun


def alerts_visible(user: Any, within: str | None = None) -> QuerySet[Alert]:
    raise NotImplementedError


def alert_get(user: Any, pk: int) -> Alert:
    """Raises Http404-like LinliError NOT_FOUND for an alert outside the user's areas."""
    raise NotImplementedError


def runs_visible(user: Any, within: str | None = None) -> QuerySet[MonitoringRun]:
    raise NotImplementedError


def overdue_by_community(user: Any, within: str | None = None) -> list[dict]:
    """Per community: open, overdue, escalated counts; for the street's overdue page."""
    raise NotImplementedError


def count_open_alerts(user: Any, area_code: str | None) -> int:
    return alerts_visible(user, area_code).filter(status="open").count()
