"""Pages of venues (场地). Thin: selectors read, services write.

The list holds the user's own venues and, marked read-only, those their community may use from
the street (the street's, and the ones other communities share).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.accounts.web import staff_required
from linli.college import permissions
from linli.college.forms import VenueFilterForm, VenueForm, WindowForm
from linli.college.models import Venue
from linli.college.selectors import venues as selectors
from linli.college.selectors.courses import courses_visible
from linli.college.services import venues as services
from linli.college.services.common import WEEKDAYS
from linli.college.views.common import manage_areas, require_view, within
from linli.college.views.teachers import windows_text
from linli.core.errors import LinliError, forbidden
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once


def _owner(v: Venue) -> str:
    if v.owner_kind == "member_unit":
        return f"共建单位：{v.owner_name}"
    return v.get_owner_kind_display()


def _columns(request: HttpRequest) -> list[ListColumn]:
    def flags(v: Venue) -> list[str]:
        result = []
        if v.shared:
            result.append("共用")
        if not permissions.can_manage(request.user, v):
            result.append("只读")
        if v.archived_at:
            result.append("已停用")
        return result

    return [
        ListColumn("名称", lambda v: v.name, sort=("name",), link=lambda v: reverse("college:venue_detail", args=[v.pk])),
        ListColumn("所属", lambda v: v.area.name, sort=("area_id",)),
        ListColumn("容纳人数", lambda v: v.capacity, sort=("-capacity",)),
        ListColumn("面积（㎡）", lambda v: v.floor_area),
        ListColumn("条件", lambda v: v.feature_labels, chips=True),
        ListColumn("产权方", _owner),
        ListColumn("可用时间", windows_text),
        ListColumn("在用课程", lambda v: v.active_courses),
        ListColumn("", flags, chips=True, export=False),
    ]


@staff_required
def venue_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    form = VenueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.venues_visible(request.user, within=within(request), feature=data.get("feature", ""),
                                        q=data.get("q", ""), include_archived=bool(data.get("archived")))

    actions = []
    if permissions.can_manage_college_anywhere(request.user):
        actions.append(("登记场地", reverse("college:venue_create")))
    listing = ListPage(
        title="场地", columns=_columns(request), queryset=queryset(), filter_form=form,
        default_order=("area_id", "name", "pk"), export_name="场地", can_export=True, export_queryset=queryset,
        actions=actions, empty_text="没有符合条件的场地",
    )
    return listing.render(request)


def _values(d: dict) -> dict:
    return {k: d[k] for k in ("name", "capacity", "features", "floor_area", "address", "owner_kind", "owner_name",
                              "shared", "note")}


@staff_required
@submit_once
def venue_create(request: HttpRequest) -> HttpResponse:
    areas = list(manage_areas(request))
    if not areas:
        raise forbidden("登记场地")
    form = VenueForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.venue_create(by=request.user, area_code=form.cleaned_data["area"],
                                          **_values(form.cleaned_data))
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已登记场地“{venue.name}”，请补充可用时间")
            return redirect("college:venue_detail", pk=venue.pk)
    return render(request, "college/venue_form.html", {"form": form, "title": "登记场地"},
                  status=400 if form.errors else 200)


@staff_required
def venue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    venue = selectors.venue_get(request.user, pk, manage=True)
    initial = {k: getattr(venue, k) for k in ("name", "capacity", "features", "floor_area", "address", "owner_kind",
                                              "owner_name", "shared", "note")}
    form = VenueForm(request.POST or None, initial=initial, editing=True)
    if venue.area.level != "community":
        del form.fields["shared"]  # a street's venue serves all its communities
    if request.method == "POST" and form.is_valid():
        values = _values({"shared": False, **form.cleaned_data})
        try:
            services.venue_update(by=request.user, venue=venue, **values)
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("college:venue_detail", pk=venue.pk)
    return render(request, "college/venue_form.html", {"form": form, "title": f"修改场地：{venue.name}",
                                                       "venue": venue}, status=400 if form.errors else 200)


def _detail(request: HttpRequest, venue: Venue, status: int = 200, **extra) -> HttpResponse:
    return render(request, "college/venue_detail.html", {
        "venue": venue,
        "windows": [(WEEKDAYS[w.weekday], w) for w in venue.windows.all()],
        "courses": courses_visible(request.user).filter(venue=venue),
        "can_manage": permissions.can_manage(request.user, venue),
        "window_form": extra.pop("window_form", WindowForm()),
        **extra,
    }, status=status)


@staff_required
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.venue_get(request.user, pk))


def _action(request: HttpRequest, pk: int, archive: bool) -> HttpResponse:
    venue = selectors.venue_get(request.user, pk, manage=True)
    try:
        if archive:
            services.venue_archive(by=request.user, venue=venue)
            messages.success(request, f"已停用“{venue.name}”")
        else:
            services.venue_restore(by=request.user, venue=venue)
            messages.success(request, f"已恢复“{venue.name}”")
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("college:venue_detail", pk=venue.pk)


@require_POST
@staff_required
def venue_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, archive=True)


@require_POST
@staff_required
def venue_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, archive=False)


@require_POST
@staff_required
@submit_once
def venue_window_add(request: HttpRequest, pk: int) -> HttpResponse:
    venue = selectors.venue_get(request.user, pk, manage=True)
    form = WindowForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.venue_window_add(by=request.user, venue=venue, weekday=d["weekday"], starts=d["starts"],
                                      ends=d["ends"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已添加可用时间")
            return redirect("college:venue_detail", pk=venue.pk)
    return _detail(request, venue, status=400, window_form=form)


@require_POST
@staff_required
def venue_window_remove(request: HttpRequest, pk: int, window_id: int) -> HttpResponse:
    venue = selectors.venue_get(request.user, pk, manage=True)
    window = selectors.venue_window(venue, window_id)
    if window is None:
        messages.warning(request, "该时间段已删除")
    else:
        services.venue_window_remove(by=request.user, window=window)
        messages.success(request, "已删除该时间段")
    return redirect("college:venue_detail", pk=venue.pk)
