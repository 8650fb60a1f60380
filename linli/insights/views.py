"""The back office's home: figures and charts that the modules register, for the selected area."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from linli.accounts.selectors import active_grants
from linli.accounts.web import selected_area_code, staff_required
from linli.core import registry


def home(request: HttpRequest) -> HttpResponse:
    """Staff land on the dashboard; residents and their families on the phone pages."""
    if request.user.is_authenticated and not active_grants(request.user):
        return redirect("portal:home")
    return dashboard(request)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    area = selected_area_code(request)
    stats, charts = [], []
    for module in registry.modules():
        stats += [{"title": s.title, "value": s.compute(request.user, area)} for s in module.stats]
        for i, c in enumerate(module.charts):
            pairs = c.compute(request.user, area)
            charts.append({"id": f"chart-{module.label}-{i}", "title": c.title, "kind": c.kind,
                           "labels": [p[0] for p in pairs], "values": [p[1] for p in pairs]})
    return render(request, "insights/dashboard.html", {"stats": stats, "charts": charts})
