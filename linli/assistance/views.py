"""The assistance officer's pages: alerts, their evidence, home checks, overdue checks, runs.

Thin: selectors read (always through the area rule with ``view_assistance``), services write. Every
page showing a household's assistance data writes the access log, the list included.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission, has_permission_anywhere
from linli.accounts.web import selected_area_code, staff_required
from linli.areas.models import Area, Level
from linli.areas.selectors import areas_visible
from linli.assistance import evidence, selectors, services
from linli.assistance import forms as f
from linli.assistance.errors import AssistanceErrorCode
from linli.assistance.models import Alert, AlertStatus, MonitoringRun
from linli.assistance.monitoring.schema import RULES, TIERS
from linli.core import idcard
from linli.core.errors import CoreErrorCode, LinliError, forbidden
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.models import ImportBatch
from linli.core.names import mask_name
from linli.core.once import submit_once
from linli.people.permissions import can_view_resident


def _require_view(request: HttpRequest) -> None:
    if not has_permission_anywhere(request.user, Perm.VIEW_ASSISTANCE):
        raise forbidden("查看救助监测")


def _communities(request: HttpRequest) -> list[Area]:
    return list(areas_visible(request.user, Perm.VIEW_ASSISTANCE, within=selected_area_code(request))
                .filter(level=Level.COMMUNITY).order_by("code"))


class Marked(str):
    """A cell's plain text (what the export gets) with its own look on screen, e.g. red when overdue."""

    html: str = ""

    def __new__(cls, text: str, html: str = "") -> Marked:
        cell = super().__new__(cls, text)
        cell.html = html
        return cell

    def __html__(self) -> str:
        return self.html or str(conditional_escape(str(self)))


def overdue_days(alert: Alert, today: dt.date) -> int:
    """Days past the deadline of an open alert; 0 when not overdue."""
    if alert.status != AlertStatus.OPEN or alert.deadline >= today:
        return 0
    return (today - alert.deadline).days


def deadline_cell(alert: Alert, today: dt.date) -> Marked:
    day = alert.deadline.isoformat()
    days = overdue_days(alert, today)
    if not days:
        return Marked(day)
    late = f"逾期 {days} 天"
    if alert.escalated_at:
        return Marked(f"{day} {late}（已上报街道）", format_html(
            '{} <span class="overdue">{}</span> <span class="tag escalated">已上报街道</span>', day, late))
    return Marked(f"{day} {late}", format_html('{} <span class="overdue">{}</span>', day, late))


def status_text(alert: Alert) -> str:
    check = getattr(alert, "home_check", None) if alert.status == AlertStatus.CHECKED else None
    if check is not None:
        return f"{alert.get_status_display()}（{check.get_outcome_display()}）"
    return alert.get_status_display()


# --- alerts ---------------------------------------------------------------------------------


def _within(request: HttpRequest, community: str) -> str | None:
    selected = selected_area_code(request)
    # The filter only narrows the switcher's area, never leaves it.
    return community if community and (not selected or community.startswith(selected)) else selected


def _filter_data(form: f.AlertFilterForm) -> dict[str, Any]:
    """Each filter cleaned on its own: an invalid one shows its error beside it and is left out,
    the others still apply."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _run_choices(request: HttpRequest) -> list[MonitoringRun]:
    """The newest runs, and the one asked for however old (a run's page links to its alerts)."""
    runs = list(selectors.runs_visible(request.user, within=selected_area_code(request)).order_by("-as_of", "-pk")[:24])
    wanted = request.GET.get("run", "")
    if wanted and all(str(r.pk) != wanted for r in runs):
        # Not theirs or no such run: the field says it is not one of the choices.
        with contextlib.suppress(LinliError):
            runs.append(selectors.run_get(request.user, wanted))
    return runs


def _filtered(request: HttpRequest, data: dict[str, Any], today: dt.date):
    overdue = data.get("overdue", "")
    qs = selectors.alerts_filter(
        selectors.alerts_visible(request.user, within=_within(request, data.get("area", "")), today=today),
        alert_class=data.get("alert_class", ""), rule=data.get("rule", ""), status=data.get("status", ""),
        overdue={"yes": True, "escalated": True, "no": False}.get(overdue), q=data.get("q", ""), today=today)
    if overdue == "escalated":
        qs = qs.filter(escalated_at__isnull=False)
    if data.get("run"):
        run = int(data["run"])
        qs = qs.filter(Q(first_run_id=run) | Q(last_run_id=run))
    return qs


class Shown:
    """The alerts a list page or export drew, noted as their first cell is drawn: the access log
    gets one row per alert shown, so "who saw household X" has an answer."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str]] = []

    def household(self, alert: Alert) -> str:
        self.rows.append((alert.pk, alert.area_id, alert.area.name))
        return alert.household_key


def _alert_columns(today: dt.date, shown: Shown) -> list[ListColumn]:
    return [
        ListColumn("家庭编号", shown.household, sort=("household_key",),
                   link=lambda a: reverse("assistance:alert_detail", args=[a.pk])),
        ListColumn("户主", lambda a: mask_name(a.head_name) if a.head_name else None),
        ListColumn("社区", lambda a: a.area.name, sort=("area__code",)),
        ListColumn("预警类别", lambda a: a.get_alert_class_display(), sort=("alert_class",)),
        ListColumn("规则", lambda a: a.get_rule_display(), sort=("rule",)),
        ListColumn("依据", evidence.short),
        ListColumn("核查期限", lambda a: deadline_cell(a, today), sort=("deadline",)),
        ListColumn("状态", status_text, sort=("status",)),
    ]


@staff_required
def alert_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    today = timezone.localdate()
    form = f.AlertFilterForm(request.GET or None, communities=_communities(request), runs=_run_choices(request))
    data = _filter_data(form)
    exporting = request.GET.get("export") == "xlsx"
    shown = Shown()
    listing = ListPage(
        title="监测预警",
        columns=_alert_columns(today, shown),
        queryset=_filtered(request, data, today),
        filter_form=form,
        default_order=("-status", "deadline", "pk"),  # open ("open" > "checked") first
        export_name="监测预警清单",  # names masked as on screen
        can_export=True,
        export_queryset=lambda: _filtered(request, data, today),
        empty_text="没有符合条件的预警",
    )
    response = listing.render(request, "assistance/alert_list.html")
    # The reason stays neutral: the access-log page's readers may not see assistance data.
    what = ("导出预警列表" if exporting else "查看预警列表") + ("（按关键词搜索）" if data.get("q") else "")
    services.alert_list_log(by=request.user, shown=shown.rows, what=what)
    return response


def _detail_context(request: HttpRequest, alert: Alert, form: f.HomeCheckForm | None = None) -> dict[str, Any]:
    today = timezone.localdate()
    can_manage = has_permission(request.user, Perm.MANAGE_ASSISTANCE, alert.area.code)
    check = getattr(alert, "home_check", None)
    if form is None and can_manage and check is None:
        form = f.HomeCheckForm(initial={"visited_on": today})
    resident = alert.resident
    others = selectors.household_alerts(request.user, alert)[:50]
    return {
        "alert": alert,
        "today": today,
        "overdue_days": overdue_days(alert, today),
        "rule_title": RULES[alert.rule][1],
        "tier_held": TIERS.get(alert.tier_held, alert.tier_held),
        "tier_eligible": TIERS.get(alert.tier_eligible, alert.tier_eligible) if alert.tier_eligible else "",
        "evidence": evidence.rows(alert),
        "id_masked": _masked_id(alert),
        "check": check,
        "form": form if can_manage and check is None else None,
        "others": [(a, status_text(a), deadline_cell(a, today)) for a in others],
        "resident": resident,
        "resident_link": bool(resident and can_view_resident(request.user, resident)),
    }


def _masked_id(alert: Alert) -> str:
    return idcard.mask(alert.head_id_number) if alert.head_id_number else ""


@staff_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    alert = selectors.alert_get(request.user, pk)
    services.alert_view_log(by=request.user, alert=alert, what="查看预警详情")
    return render(request, "assistance/alert_detail.html", _detail_context(request, alert))


@staff_required
@require_POST
def home_check_create(request: HttpRequest, pk: int) -> HttpResponse:
    response = _home_check_submit(request, pk)
    shown: Alert | None = getattr(response, "assistance_shown", None)
    if shown is not None:
        # The form came back with the household's data: logged here, after submit_once rolled back
        # the refused write, so the row stays.
        services.alert_view_log(by=request.user, alert=shown, what="查看预警详情")
    return response


@submit_once
def _home_check_submit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    alert = selectors.alert_get(request.user, pk)
    if not has_permission(request.user, Perm.MANAGE_ASSISTANCE, alert.area.code):
        raise forbidden("录入入户核查结果")
    form = f.HomeCheckForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.home_check_record(by=request.user, alert=alert, outcome=d["outcome"],
                                       visited_on=d["visited_on"], note=d["note"],
                                       referred_to=d["referred_to"])
        except LinliError as exc:
            if exc.code == AssistanceErrorCode.CHECKED:  # recorded meanwhile (another tab, a colleague)
                messages.error(request, exc.message)
                return redirect("assistance:alert_detail", pk=alert.pk)
            add_service_error(form, exc)
        else:
            messages.success(request, f"已记录家庭 {alert.household_key} 的入户核查结果")
            return redirect("assistance:alert_detail", pk=alert.pk)
    # Shown again with the errors beside their fields; the refused form writes nothing (status 400).
    response = render(request, "assistance/alert_detail.html", _detail_context(request, alert, form), status=400)
    response.assistance_shown = alert  # type: ignore[attr-defined]
    return response


# --- overdue --------------------------------------------------------------------------------


@staff_required
def overdue(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    rows = selectors.overdue_by_community(request.user, within=selected_area_code(request))
    base = reverse("assistance:alert_list")
    for row in rows:
        row["links"] = {
            "open": f"{base}?area={row['code']}&status=open",
            "overdue": f"{base}?area={row['code']}&overdue=yes",
            "escalated": f"{base}?area={row['code']}&overdue=escalated",
        }
    totals = {k: sum(r[k] for r in rows) for k in ("open", "overdue", "escalated")}
    return render(request, "assistance/overdue.html", {"rows": rows, "totals": totals, "today": timezone.localdate()})


# --- runs -----------------------------------------------------------------------------------


def _import_areas(request: HttpRequest) -> list[Area]:
    # The importer's scope: any area they manage assistance for, narrowed by the switcher.
    return list(areas_visible(request.user, Perm.MANAGE_ASSISTANCE, within=selected_area_code(request))
                .filter(level__in=[Level.COUNTY, Level.STREET, Level.COMMUNITY]).order_by("code"))


def _own(request: HttpRequest, value: Any) -> Any:
    """A run's figure for its own area: shown to those holding that area only (see run_figures)."""
    return lambda r: value(r) if selectors.holds_run_area(request.user, r) else "—"


@staff_required
def run_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    columns = [
        ListColumn("比对基准日", lambda r: r.as_of.isoformat(), sort=("as_of",),
                   link=lambda r: reverse("assistance:run_detail", args=[r.pk])),
        ListColumn("批次号", lambda r: r.run_id),
        ListColumn("引擎", lambda r: r.engine),
        ListColumn("导入范围", lambda r: r.area.name, sort=("area__code",)),
        ListColumn("预警总数", _own(request, lambda r: r.alerts_total)),
        ListColumn("新增", _own(request, lambda r: r.alerts_imported)),
        ListColumn("再次预警", _own(request, lambda r: r.alerts_repeated)),
        ListColumn("不在辖区", _own(request, lambda r: r.alerts_out_of_scope)),
        ListColumn("参数", lambda r: "示例参数" if r.params_example else "正式参数"),
        ListColumn("导入时间", lambda r: timezone.localtime(r.imported_at).strftime("%Y-%m-%d %H:%M"), sort=("imported_at",)),
    ]
    actions = [("导入监测批次", reverse("assistance:run_import"))] if has_permission_anywhere(
        request.user, Perm.MANAGE_ASSISTANCE) else []
    qs = selectors.runs_visible(request.user, within=selected_area_code(request)).select_related("area")
    return ListPage(title="监测批次", columns=columns, queryset=qs, default_order=("-imported_at", "-pk"),
                    actions=actions, empty_text="还没有导入监测批次").render(request)


@staff_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    run = selectors.run_get(request.user, pk)
    figures = selectors.run_figures(request.user, run)
    return render(request, "assistance/run_detail.html", {
        "run": run,
        "figures": figures,
        "documents": [d for d in run.params_documents.splitlines() if d.strip()],
        "by_rule": [(RULES[code][1], figures["by_rule"][code]) for code in RULES if figures["by_rule"].get(code)],
        "alerts_link": f"{reverse('assistance:alert_list')}?run={run.pk}",
        "missing": _codes(run.missing_communities),
    })


def _codes(codes: Any, limit: int = 20) -> str:
    """Community codes for a line of text: the first ``limit``, then how many more."""
    codes = [c for c in codes if isinstance(c, str)] if isinstance(codes, list) else []
    more = f" 等 {len(codes)} 个" if len(codes) > limit else ""
    return "、".join(codes[:limit]) + more


@staff_required
def run_import(request: HttpRequest) -> HttpResponse:
    """Step 1: the two files of a run, checked and kept (encrypted) for step 2; nothing imported yet.
    An upload that cannot be imported is not kept: its preview is shown here, once."""
    _require_view(request)
    areas = _import_areas(request)
    if not areas:
        raise forbidden("导入监测批次")
    form = f.RunUploadForm(request.POST or None, request.FILES or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            batch, preview = services.run_upload_preview(by=request.user, area_code=d["area"],
                                                         alerts=d["alerts"].read(), report=d["report"].read())
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            if preview.ok:
                return redirect("assistance:run_preview", batch_id=batch.pk)
            return _preview_page(request, batch, preview)
    return render(request, "assistance/run_import.html", {"form": form}, status=400 if form.errors else 200)


def _preview_page(request: HttpRequest, batch: ImportBatch, preview: services.RunPreview) -> HttpResponse:
    return render(request, "assistance/run_preview.html", {
        "batch": batch, "preview": preview, "kept": batch.status == ImportBatch.Status.PREVIEWED,
        "by_rule": [(RULES[k][1] if k in RULES else k, n) for k, n in preview.by_rule.items()],
    })


def _gone(request: HttpRequest, exc: LinliError) -> HttpResponse | None:
    """A batch already imported or discarded: back to the runs with a word, not an error page."""
    if exc.code != CoreErrorCode.IMPORT_STATE:
        return None
    messages.info(request, exc.message)
    return redirect("assistance:run_list")


@staff_required
def run_preview(request: HttpRequest, batch_id: Any) -> HttpResponse:
    """Step 2: what the import would do; confirm to import all of it, or nothing."""
    _require_view(request)
    try:
        batch, preview = services.run_batch_preview(by=request.user, batch_id=batch_id)
    except LinliError as exc:
        gone = _gone(request, exc)
        if gone is None:
            raise
        return gone
    return _preview_page(request, batch, preview)


@staff_required
@require_POST
@submit_once
def run_commit(request: HttpRequest, batch_id: Any) -> HttpResponse:
    _require_view(request)
    try:
        run = services.run_upload_commit(by=request.user, batch_id=batch_id)
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        gone = _gone(request, exc)
        if gone is not None:
            return gone
        messages.error(request, exc.message)
        return redirect("assistance:run_preview", batch_id=batch_id)  # shows why, and discards the upload
    messages.success(request, f"已导入监测批次 {run.run_id}：新增预警 {run.alerts_imported} 条，"
                              f"再次预警 {run.alerts_repeated} 条")
    return redirect("assistance:run_detail", pk=run.pk)


@staff_required
@require_POST
def run_discard(request: HttpRequest, batch_id: Any) -> HttpResponse:
    _require_view(request)
    try:
        services.run_upload_discard(by=request.user, batch_id=batch_id)
    except LinliError as exc:
        gone = _gone(request, exc)
        if gone is None:
            raise
        return gone
    messages.success(request, "已放弃这次上传，没有导入任何数据")
    return redirect("assistance:run_list")
