"""Pages of class orders (兴趣订单) and the college's settings. Thin: selectors read, services write."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission, has_permission_anywhere
from linli.accounts.web import selected_area_code, staff_required
from linli.college.forms_orders import DismissForm, OrderFilterForm, OrderOpenForm, ThresholdForm
from linli.college.models import Club, OrderStatus
from linli.college.selectors import orders as selectors
from linli.college.selectors.clubs import communities_visible
from linli.college.services import orders as services
from linli.college.views.common import require_view
from linli.core.errors import LinliError, forbidden
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once
from linli.surveys import slots


def _communities(request: HttpRequest, permission: str = Perm.VIEW_COLLEGE):
    return communities_visible(request.user, within=selected_area_code(request), permission=permission)


def _columns(matcher: selectors.Matcher) -> list[ListColumn]:
    return [
        ListColumn("课程", lambda o: o.subject, sort=("subject",),
                   link=lambda o: reverse("college:order_detail", args=[o.pk])),
        ListColumn("社区", lambda o: o.area.name, sort=("area_id",)),
        ListColumn("想学人数", lambda o: o.demand, sort=("-demand",)),
        ListColumn("开班门槛", lambda o: matcher.readiness(o).threshold),
        ListColumn("状态", lambda o: o.get_status_display(), sort=("status",)),
        ListColumn("进展", lambda o: selectors.progress_text(o, matcher.readiness(o))),
        ListColumn("主要年龄段", lambda o: selectors.main_age_band(o)),
        ListColumn("大家方便的时间", lambda o: selectors.top_slots(o), chips=True),
        ListColumn("来自问卷", lambda o: o.survey.title),
    ]


@staff_required
def order_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    form = OrderFilterForm(request.GET or None, communities=_communities(request))
    data = form.cleaned_data if form.is_valid() else {}
    selected = selected_area_code(request)
    community = data.get("community") or ""
    within = community if community and (not selected or community.startswith(selected)) else selected
    actions = []
    if has_permission_anywhere(request.user, Perm.MANAGE_COLLEGE):
        actions.append(("开班门槛设置", reverse("college:settings")))
    listing = ListPage(
        title="兴趣订单",
        columns=_columns(selectors.Matcher()),
        queryset=selectors.orders_visible(request.user, within=within, status=data.get("status", ""),
                                          q=data.get("q", "")),
        filter_form=form,
        default_order=("-demand", "subject", "pk"),
        export_name="兴趣订单",
        can_export=True,  # the figures are counts; no personal data leaves with them
        actions=actions,
        empty_text="还没有兴趣订单：发布“社区学院兴趣调查”问卷，居民填写后这里会按人数排出订单",
    )
    return listing.render(request)


def _open_form(request: HttpRequest, order, readiness, data=None) -> OrderOpenForm:
    from linli.college.selectors.teachers import teachers_usable
    from linli.college.selectors.venues import venues_usable

    # The matching teachers and venues first, then everyone else the community may use.
    teachers = readiness.teachers + [t for t in teachers_usable(order.area_id) if t not in readiness.teachers]
    venues = readiness.venues + [v for v in venues_usable(order.area_id) if v not in readiness.venues]
    initial = OrderOpenForm.initial_for(order.subject, order.demand, dt.date.today())
    if readiness.teachers:
        initial["teacher"] = str(readiness.teachers[0].pk)
    if readiness.venues:
        initial["venue"] = str(readiness.venues[0].pk)
    clubs = Club.objects.filter(area_id=order.area_id, archived_at__isnull=True).order_by("name")
    return OrderOpenForm(data, initial=initial, clubs=clubs, teachers=teachers, venues=venues)


def _detail(request: HttpRequest, order, status: int = 200, **forms) -> HttpResponse:
    readiness = selectors.Matcher().readiness(order)
    can_manage = has_permission(request.user, Perm.MANAGE_COLLEGE, order.area_id)
    can_open = can_manage and order.status == OrderStatus.REACHED
    refused = forms.get("open_form")
    if refused is not None and refused.errors and not can_open:
        # The open form is only on the page while the order can open; a refusal for an order that
        # cannot (opened meanwhile, threshold raised) is said above the page instead.
        for name, errors in refused.errors.items():
            label = refused.fields[name].label if name in refused.fields else ""
            for error in errors:
                messages.error(request, f"未能开班：{label + '：' if label else ''}{error}")
    slot_grid = [
        {"day": day_label, "cells": [order.slot_counts.get(f"{day}-{part}", 0) for part, _ in slots.PARTS]}
        for day, day_label in slots.DAYS
    ]
    context = {
        "order": order,
        "readiness": readiness,
        "progress": selectors.progress_text(order, readiness),
        "can_manage": can_manage,
        "can_open": can_open,
        "open_form": forms.get("open_form") or (_open_form(request, order, readiness) if can_manage else None),
        "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        "parts": [label for _, label in slots.PARTS],
        "slot_grid": slot_grid,
        "slot_max": max(order.slot_counts.values(), default=0),
        "age_chart": {"labels": list(order.age_profile), "values": list(order.age_profile.values())},
        "courses": order.courses.select_related("club", "teacher", "venue"),
    }
    return render(request, "college/order_detail.html", context, status=status)


@staff_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.order_get(request.user, pk))


def _require_manage(request: HttpRequest, order) -> None:
    """Seeing an order (a grid worker does) is not handling it: refused before any form is read."""
    if not has_permission(request.user, Perm.MANAGE_COLLEGE, order.area_id):
        raise forbidden("处理该社区的兴趣订单")


@require_POST
@staff_required
@submit_once
def order_open(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(request.user, pk)
    _require_manage(request, order)
    readiness = selectors.Matcher().readiness(order)
    form = _open_form(request, order, readiness, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        from linli.college.selectors.teachers import teachers_usable
        from linli.college.selectors.venues import venues_usable

        try:
            course = services.order_open(
                by=request.user, order=order,
                teacher=teachers_usable(order.area_id).filter(pk=d["teacher"]).first() if d["teacher"] else None,
                venue=venues_usable(order.area_id).filter(pk=d["venue"]).first() if d["venue"] else None,
                club=Club.objects.filter(area_id=order.area_id, pk=d["club"]).first() if d["club"] else None,
                club_name=d["club_name"], title=d["title"], term=d["term"], capacity=d["capacity"],
                starts_on=d["starts_on"], ends_on=d["ends_on"], sessions_per_week=d["sessions_per_week"],
                session_minutes=d["session_minutes"],
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"“{course.title}”已开班，可在“课程”中安排上课时间")
            return redirect("college:order_detail", pk=order.pk)
    return _detail(request, order, status=400, open_form=form)


@require_POST
@staff_required
def order_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(request.user, pk)
    _require_manage(request, order)
    if request.POST.get("restore"):
        services.order_restore(by=request.user, order=order)
        messages.success(request, "已恢复，订单重新按人数征集")
        return redirect("college:order_detail", pk=order.pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.order_dismiss(by=request.user, order=order, reason=form.cleaned_data["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已标记为暂不开设")
            return redirect("college:order_detail", pk=order.pk)
    return _detail(request, order, status=400, dismiss_form=form)


@staff_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    communities = _communities(request, Perm.MANAGE_COLLEGE)
    if not communities.exists():
        raise forbidden("设置开班门槛")
    current = selectors.thresholds({a.code for a in communities})
    first = communities.order_by("code").first()
    initial = {"area": first.code, "threshold": current[first.code]} if first else {}
    form = ThresholdForm(request.POST or None, communities=communities, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.threshold_set(by=request.user, area_code=form.cleaned_data["area"],
                                   threshold=form.cleaned_data["threshold"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "开班门槛已保存，订单状态已按新门槛更新")
            return redirect("college:settings")
    rows = [{"area": a, "threshold": current[a.code]} for a in communities.order_by("code")]
    return render(request, "college/settings.html", {"form": form, "rows": rows},
                  status=400 if form.errors else 200)
