"""Managing staff: accounts and the roles they hold, within the areas where one manages staff."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from linli.accounts import selectors, services
from linli.accounts.forms import GrantForm, StaffCreateForm
from linli.accounts.roles import Perm, Role
from linli.accounts.web import selected_area_code, staff_required
from linli.areas.models import Area
from linli.areas.selectors import areas_visible
from linli.core.errors import LinliError, forbidden, not_found
from linli.core.forms import add_service_error
from linli.core.once import submit_once


def _grant_areas(request: HttpRequest):
    return areas_visible(request.user, Perm.MANAGE_STAFF, within=selected_area_code(request)).filter(
        level__in=["county", "street", "community", "grid"]
    )


def _guard(request: HttpRequest) -> None:
    if not selectors.has_permission_anywhere(request.user, Perm.MANAGE_STAFF):
        raise forbidden("管理工作人员")


@staff_required
def staff_list(request: HttpRequest) -> HttpResponse:
    _guard(request)
    users = selectors.staff_visible(request.user, within=selected_area_code(request))
    grants = selectors.grants_visible(request.user, within=selected_area_code(request))
    by_user: dict[int, list] = {}
    for g in grants:
        by_user.setdefault(g.user_id, []).append(g)
    rows = [(u, by_user.get(u.pk, [])) for u in users]
    return render(request, "accounts/staff_list.html", {"rows": rows})


@staff_required
@submit_once
def staff_create(request: HttpRequest) -> HttpResponse:
    _guard(request)
    form = StaffCreateForm(request.POST or None, roles=Role.choices, areas=_grant_areas(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.staff_create_with_role(
                by=request.user, username=d["username"], full_name=d["full_name"], password=d["password"],
                phone=d["phone"], role=d["role"], area=Area.objects.get(code=d["area"]),
            )
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已新增工作人员 {user.full_name}")
            return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _guard(request)
    user = selectors.staff_visible(request.user).filter(pk=pk).first()
    if user is None:
        raise not_found("工作人员")
    form = GrantForm(request.POST or None, roles=Role.choices, areas=_grant_areas(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant(by=request.user, user=user, area=Area.objects.get(code=form.cleaned_data["area"]),
                                role=form.cleaned_data["role"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已授权")
            return redirect("accounts:staff_detail", pk=user.pk)
    grants = selectors.grants_of(user)
    manageable = {g.pk for g in grants if selectors.has_permission(request.user, Perm.MANAGE_STAFF, g.area_id)}
    return render(request, "accounts/staff_detail.html", {"staff": user, "grants": grants, "form": form,
                                                          "manageable": manageable},
                  status=400 if form.errors else 200)


@require_POST
@staff_required
def grant_revoke(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    _guard(request)
    grant = selectors.grants_visible(request.user).filter(pk=grant_id, user_id=pk).first()
    if grant is None:
        raise not_found("授权")
    if grant.user_id == request.user.pk and len(selectors.active_grants(request.user)) == 1:
        messages.error(request, "不能撤销自己唯一的角色")
    else:
        services.role_revoke(by=request.user, grant=grant)
        messages.success(request, "已撤销授权")
    return redirect("accounts:staff_detail", pk=pk)
