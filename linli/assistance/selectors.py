"""Reads of the assistance app, all through the area rule with ``view_assistance``.

Only assistance officers hold that permission: every other role sees nothing here. Alerts belong
to their community; a grant on a street or county sees the communities under it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import codes_with_permission, has_permission
from linli.areas.visibility import narrow, visible
from linli.assistance.models import Alert, AlertStatus, MonitoringRun
from linli.core import idcard, protected
from linli.core.errors import not_found

VIEW = Perm.VIEW_ASSISTANCE
AREA_CODE_LENGTHS = (2, 4, 6, 9, 12, 15)  # province … grid: a code's ancestors are its prefixes of these lengths


def _pk(value: Any) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def overdue_q(today: dt.date | None = None) -> Q:
    """Open and past its deadline (shown red everywhere, escalated by the daily job)."""
    return Q(status=AlertStatus.OPEN, deadline__lt=today or timezone.localdate())


def alerts_visible(user: Any, within: str | None = None, *, permission: str = VIEW,
                   today: dt.date | None = None) -> QuerySet[Alert]:
    """The user's alerts, with what a list shows (area, street, last run, home check) and ``overdue``."""
    qs = visible(Alert.objects.all(), user, permission, field="area__code", within=within)
    return qs.select_related("area__parent", "last_run", "home_check").annotate(
        overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()))


def alerts_filter(qs: QuerySet[Alert], *, alert_class: str = "", rule: str = "", status: str = "",
                  overdue: bool | None = None, community: str = "", q: str = "",
                  today: dt.date | None = None) -> QuerySet[Alert]:
    """The list's filters; ``q`` is a household number, a head's full ID number or part of a name."""
    if alert_class:
        qs = qs.filter(alert_class=alert_class)
    if rule:
        qs = qs.filter(rule=rule)
    if status:
        qs = qs.filter(status=status)
    if overdue is True:
        qs = qs.filter(overdue_q(today))
    elif overdue is False:
        qs = qs.exclude(overdue_q(today))
    if community:
        qs = qs.filter(area__code__startswith=community)
    text = (q or "").strip()
    if text:
        number = idcard.normalize(text)
        if len(number) == 18 and number[:17].isascii() and number[:17].isdigit():
            qs = qs.filter(head_id_number_hash=protected.blind_index(number))
        else:
            qs = qs.filter(Q(household_key=text) | Q(head_name__icontains=text))
    return qs


def alert_get(user: Any, pk: Any, *, permission: str = VIEW) -> Alert:
    """Raises LinliError NOT_FOUND for an alert missing or outside the user's areas (same answer)."""
    key = _pk(pk)
    alert = alerts_visible(user, permission=permission).select_related("first_run", "resident").filter(pk=key).first() \
        if key else None
    if alert is None:
        raise not_found("预警")
    return alert


def household_alerts(user: Any, alert: Alert) -> QuerySet[Alert]:
    """The same household's other alerts the user may see (the detail page's history)."""
    return alerts_visible(user).filter(household_key=alert.household_key).exclude(pk=alert.pk).order_by("-created_at",
                                                                                                          "-pk")


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in AREA_CODE_LENGTHS if n < len(code)]


def runs_visible(user: Any, within: str | None = None) -> QuerySet[MonitoringRun]:
    """Runs imported for one of the user's areas or below it, or for an area above it (which covered it)."""
    codes = narrow(codes_with_permission(user, VIEW), within)
    if not codes:
        return MonitoringRun.objects.none()
    cond = Q()
    for code in codes:
        cond |= Q(area__code__startswith=code) | Q(area__code__in=_ancestors(code))
    return MonitoringRun.objects.filter(cond).select_related("area", "imported_by")


def run_get(user: Any, pk: Any) -> MonitoringRun:
    key = _pk(pk)
    run = runs_visible(user).filter(pk=key).first() if key else None
    if run is None:
        raise not_found("监测批次")
    return run


def holds_run_area(user: Any, run: MonitoringRun) -> bool:
    """Whether the user's assistance grants cover the area the run was imported for (its totals are theirs)."""
    return has_permission(user, VIEW, run.area_id)


def run_figures(user: Any, run: MonitoringRun) -> dict[str, Any]:
    """A run's figures as the user may see them: the import's own totals for those holding its area;
    for the others (a community officer on a county's import), counted from the alerts they see.

    {"own": bool, "new", "repeated", "by_rule": {rule: n}, and for the own: "total", "out_of_scope",
    "covered", "cleared", "no_community"}."""
    from linli.assistance import run_files

    if holds_run_area(user, run):
        return {"own": True, "total": run.alerts_total, "new": run.alerts_imported, "repeated": run.alerts_repeated,
                "out_of_scope": run.alerts_out_of_scope, "covered": run.alerts_covered,
                "cleared": run.alerts_cleared, "no_community": run.alerts_no_community,
                "by_rule": run_files.summary(run.report)["alerts"]["by_rule"]}
    mine = visible(Alert.objects.all(), user, VIEW, field="area__code").filter(Q(first_run=run) | Q(last_run=run))
    rows = mine.order_by().values("rule").annotate(
        n=Count("pk"), new=Count("pk", filter=Q(first_run=run)),
        repeated=Count("pk", filter=Q(last_run=run) & ~Q(first_run=run)))
    by_rule = {r["rule"]: r["n"] for r in rows}
    return {"own": False, "new": sum(r["new"] for r in rows), "repeated": sum(r["repeated"] for r in rows),
            "by_rule": by_rule}


def overdue_by_community(user: Any, within: str | None = None, *, today: dt.date | None = None) -> list[dict]:
    """Per community with open alerts: open, overdue, escalated counts; for the street's overdue page.

    Rows: {"code", "name", "street", "open", "overdue", "escalated"}, most overdue first."""
    open_alerts = visible(Alert.objects.filter(status=AlertStatus.OPEN), user, VIEW, field="area__code", within=within)
    rows = (
        open_alerts.order_by()
        .values("area__code", "area__name", "area__parent__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_q(today)),
                  escalated=Count("pk", filter=Q(escalated_at__isnull=False)))
    )
    result = [{"code": r["area__code"], "name": r["area__name"], "street": r["area__parent__name"] or "",
               "open": r["open"], "overdue": r["overdue"], "escalated": r["escalated"]} for r in rows]
    return sorted(result, key=lambda r: (-r["overdue"], r["code"]))


def count_open_alerts(user: Any, area_code: str | None) -> int:
    return visible(Alert.objects.filter(status=AlertStatus.OPEN), user, VIEW, within=area_code).count()


def count_overdue_alerts(user: Any, area_code: str | None) -> int:
    return visible(Alert.objects.filter(overdue_q()), user, VIEW, within=area_code).count()
