from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.accounts.web import staff_required
from linli.areas import selectors, services
from linli.areas.forms import AreaChildForm
from linli.areas.services import LOCAL_CHILD
from linli.core.errors import LinliError
from linli.core.forms import add_service_error


@staff_required
def area_list(request: HttpRequest) -> HttpResponse:
    from linli.accounts.selectors import held_areas

    return render(request, "areas/area_list.html", {"areas": held_areas(request.user)})


@staff_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(request.user, code, Perm.VIEW_RESIDENT)
    can_add = area.level in LOCAL_CHILD and has_permission(request.user, Perm.MANAGE_AREAS, area.code)
    form = AreaChildForm(request.POST or None) if can_add else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            child = services.area_create(by=request.user, parent=area, code=form.cleaned_data["code"],
                                         name=form.cleaned_data["name"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已新增 {child.name}（{child.code}）")
            return redirect("areas:area_detail", code=area.code)
    return render(request, "areas/area_detail.html", {
        "area": area, "ancestors": selectors.ancestors(area), "children": selectors.children_of(area), "form": form,
    }, status=400 if form is not None and form.errors else 200)
