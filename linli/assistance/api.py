"""The assistance API: alerts (list, detail with evidence and home check), the home check, runs and the
overdue summary. Only assistance officers see any of it; every read of alerts writes the access log."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from linli.accounts.selectors import has_permission_anywhere
from linli.assistance import selectors, services
from linli.assistance.models import Alert, HomeCheck, MonitoringRun
from linli.assistance.monitoring.schema import RULE_EVIDENCE
from linli.assistance.schemas import (
    AlertDetailOut,
    AlertFilters,
    AlertId,
    AlertOut,
    AlertPage,
    EvidenceOut,
    HomeCheckIn,
    HomeCheckOut,
    OverdueFilters,
    OverdueRowOut,
    RunFilters,
    RunOut,
    RunPage,
)
from linli.core import idcard
from linli.core.errors import forbidden
from linli.core.names import mask_name
from linli.core.schemas import paged, responses

router = Router(tags=["救助监测"])


def _require_view(request: HttpRequest) -> None:
    if not has_permission_anywhere(request.user, selectors.VIEW):
        raise forbidden("查看救助监测数据")


def _alert_out(a: Alert) -> AlertOut:
    street = a.area.parent
    return AlertOut(id=a.pk, household_key=a.household_key, area_code=a.area_id, community=a.area.name,
                    street=street.name if street else "", head_name_masked=mask_name(a.head_name),
                    alert_class=a.alert_class, alert_class_label=a.get_alert_class_display(), rule=a.rule,
                    rule_label=a.get_rule_display(), tier_held=a.tier_held, tier_eligible=a.tier_eligible,
                    deadline=a.deadline, overdue=bool(getattr(a, "overdue", False)), escalated=a.escalated_at is not None,
                    status=a.status, times_seen=a.times_seen, as_of=a.last_run.as_of)


def _check_out(c: HomeCheck) -> HomeCheckOut:
    return HomeCheckOut(outcome=c.outcome, outcome_label=c.get_outcome_display(), visited_on=c.visited_on, note=c.note,
                        referred_to=c.referred_to, recorded_by=str(c.recorded_by), recorded_at=c.recorded_at)


def _home_check(a: Alert) -> HomeCheck | None:
    try:
        return a.home_check
    except HomeCheck.DoesNotExist:
        return None


def _detail_out(request: HttpRequest, a: Alert) -> AlertDetailOut:
    value_label, threshold_label = RULE_EVIDENCE.get(a.rule, ("", ""))
    check = _home_check(a)
    others = [_alert_out(o) for o in selectors.household_alerts(request.user, a)[:50]]
    return AlertDetailOut(
        **_alert_out(a).dict(), head_name=a.head_name, head_id_number_masked=idcard.mask(a.head_id_number or ""),
        address=a.address,
        evidence=EvidenceOut(value=a.value, value_label=value_label, threshold=a.threshold,
                             threshold_label=threshold_label, event_date=a.event_date, income_pc=a.income_pc,
                             members=a.members, params_document=a.params_document),
        home_check=_check_out(check) if check else None, other_alerts=others)


def _run_out(request: HttpRequest, r: MonitoringRun) -> RunOut:
    # The import's totals are its area's: only those holding that area get them (else null).
    own = selectors.holds_run_area(request.user, r)
    return RunOut(id=r.pk, run_id=r.run_id, engine=r.engine, as_of=r.as_of,
                  params_documents=[d for d in r.params_documents.splitlines() if d], params_example=r.params_example,
                  area_code=r.area_id, area_name=r.area.name, alerts_total=r.alerts_total if own else None,
                  alerts_imported=r.alerts_imported if own else None,
                  alerts_repeated=r.alerts_repeated if own else None,
                  alerts_out_of_scope=r.alerts_out_of_scope if own else None,
                  alerts_covered=r.alerts_covered if own else None, alerts_cleared=r.alerts_cleared if own else None,
                  alerts_no_community=r.alerts_no_community if own else None, deadline_shift=r.deadline_shift,
                  imported_by=str(r.imported_by), imported_at=r.imported_at)


@router.get("/alerts", response=responses({200: AlertPage}, 403),
            summary="监测预警列表（按所持地区过滤，户主姓名脱敏；每次查询记入敏感信息查看记录）")
def alert_list(request: HttpRequest, filters: Query[AlertFilters]):
    _require_view(request)
    qs = selectors.alerts_filter(selectors.alerts_visible(request.user, within=filters.area or None),
                                 alert_class=filters.alert_class, rule=filters.rule, status=filters.status,
                                 overdue=filters.overdue, q=filters.q)
    page = paged(qs, filters, _alert_out, AlertPage)
    # One access-log row per alert returned; the reason stays neutral (no search term).
    services.alert_list_log(by=request.user, shown=[(i.id, i.area_code, i.community) for i in page.items],
                            what="接口查询预警列表" + ("（按关键词搜索）" if filters.q.strip() else ""))
    return page


@router.get("/alerts/{alert_id}", response=responses({200: AlertDetailOut}, 403, 404),
            summary="预警详情：依据、核查期限、入户核查结论（记入敏感信息查看记录）")
def alert_detail(request: HttpRequest, alert_id: AlertId):
    _require_view(request)
    alert = selectors.alert_get(request.user, alert_id)
    services.alert_view_log(by=request.user, alert=alert, what="接口查看预警详情")
    return _detail_out(request, alert)


@router.post("/alerts/{alert_id}/home-check", response=responses({201: HomeCheckOut}, 400, 403, 404, 409),
             summary="记录入户核查结论（情况属实、排除预警、转介处理）；已有结论：409")
def home_check_create(request: HttpRequest, alert_id: AlertId, payload: HomeCheckIn):
    _require_view(request)
    alert = selectors.alert_get(request.user, alert_id)
    check = services.home_check_record(by=request.user, alert=alert, outcome=payload.outcome,
                                       visited_on=payload.visited_on, note=payload.note,
                                       referred_to=payload.referred_to)
    return Status(201, _check_out(check))


@router.get("/runs", response=responses({200: RunPage}, 403), summary="监测批次（导入记录）列表")
def run_list(request: HttpRequest, filters: Query[RunFilters]):
    _require_view(request)
    qs = selectors.runs_visible(request.user, within=filters.area or None).order_by("-imported_at", "-pk")
    return paged(qs, filters, lambda r: _run_out(request, r), RunPage)


@router.get("/overdue", response=responses({200: list[OverdueRowOut]}, 403),
            summary="各社区待核查、逾期未核查、已上报街道的预警数")
def overdue_summary(request: HttpRequest, filters: Query[OverdueFilters]):
    _require_view(request)
    return [OverdueRowOut(**row) for row in selectors.overdue_by_community(request.user, within=filters.area or None)]
