"""Logging in and out, and the area switcher. Thin: the work is in services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from linli.accounts.forms import StaffLoginForm
from linli.accounts.web import SESSION_AREA, selected_area_code, staff_required


class StaffLogin(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    staff = getattr(request.user, "kind", "staff") == "staff"
    logout(request)
    return redirect("accounts:login" if staff else "portal:login")


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_POST
@staff_required
def area_switch(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("area", "").strip()
    if code:
        request.session[SESSION_AREA] = code
        if selected_area_code(request) != code:
            messages.error(request, "您没有该地区的角色，已显示您负责的全部地区")
    else:
        request.session.pop(SESSION_AREA, None)
    return redirect(_safe_next(request))
