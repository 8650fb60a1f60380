"""The import pages, for any registered ImportSpec: upload, preview with row errors, commit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from linli.accounts.selectors import has_permission_anywhere
from linli.accounts.web import selected_area_code, staff_required
from linli.core import imports, services
from linli.core.errors import LinliError, forbidden, not_found
from linli.core.exports import xlsx_response
from linli.core.forms import ImportForm, add_service_error
from linli.core.models import ImportBatch
from linli.core.once import submit_once


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer and the benchmarks' baseline: no database, no session, no template."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _areas(request: HttpRequest, spec: imports.ImportSpec):
    areas = spec.target_areas(request.user)
    selected = selected_area_code(request)
    return [a for a in areas if not selected or a.code.startswith(selected)]


@staff_required
def import_upload(request: HttpRequest, spec_name: str) -> HttpResponse:
    spec = imports.get_import(spec_name)
    areas = _areas(request, spec)
    if not areas:
        raise forbidden(f"导入{spec.title}")
    form = ImportForm(request.POST or None, request.FILES or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imports.check_size(upload.size)  # before reading it into memory
            batch, _ = services.import_preview(by=request.user, spec_name=spec.name, area_code=form.cleaned_data["area"],
                                               filename=upload.name, data=upload.read())
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            return redirect("core:import_preview", batch_id=batch.pk)
    return render(request, "core/import_upload.html", {"form": form, "spec": spec}, status=400 if form.errors else 200)


def _batch(request: HttpRequest, batch_id) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=batch_id, created_by_id=request.user.pk).first()
    if batch is None:
        raise not_found("导入批次")
    return batch


@staff_required
def import_preview(request: HttpRequest, batch_id) -> HttpResponse:
    batch = _batch(request, batch_id)
    spec = imports.get_import(batch.spec)
    preview = services.import_batch_preview(by=request.user, batch=batch) if batch.content else None
    return render(request, "core/import_preview.html", {"batch": batch, "spec": spec, "preview": preview})


@require_POST
@staff_required
@submit_once
def import_commit(request: HttpRequest, batch_id) -> HttpResponse:
    batch = _batch(request, batch_id)
    spec = imports.get_import(batch.spec)
    try:
        count = services.import_commit(by=request.user, batch_id=batch.pk)
    except LinliError as exc:
        messages.error(request, exc.message)
        return redirect("core:import_preview", batch_id=batch.pk)
    messages.success(request, f"已导入 {count} 条{spec.title}记录")
    return redirect(spec.menu_url)


@staff_required
def import_template(request: HttpRequest, spec_name: str) -> HttpResponse:
    spec = imports.get_import(spec_name)
    headers, rows = imports.template_rows(spec)
    return xlsx_response(f"{spec.title}导入模板.xlsx", f"{spec.title}导入模板", headers, rows)


@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Who saw which protected value unmasked, and why: for those who oversee an area."""
    from django.core.paginator import Paginator

    from linli.areas.visibility import visible
    from linli.core.models import AccessLog

    if not has_permission_anywhere(request.user, "view_audit"):
        raise forbidden("查看敏感信息查看记录")
    rows = visible(AccessLog.objects.select_related("actor"), request.user, "view_audit", field="area_code",
                   within=selected_area_code(request)).order_by("-at")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "core/access_log.html", {"page": page})
