"""Logging in and out, and the area switcher. Thin: the work is in services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from linli.accounts import services
from linli.accounts.forms import CodeForm, PhoneForm, StaffLoginForm
from linli.accounts.web import SESSION_AREA, selected_area_code, staff_required
from linli.core.errors import LinliError


class StaffLogin(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    staff = getattr(request.user, "kind", "staff") == "staff"
    logout(request)
    return redirect("accounts:login" if staff else "accounts:resident_login")


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


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def resident_login(request: HttpRequest) -> HttpResponse:
    """Residents log in with their phone number and a code by SMS: no password to remember."""
    phone_form = PhoneForm(request.POST or None)
    code_form = None
    if request.method == "POST" and "code" in request.POST:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                user = services.login_code_verify(phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"])
            except LinliError as exc:
                code_form.add_error("code" if exc.field in (None, "code") else None, exc.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("accounts:me")
    elif request.method == "POST" and phone_form.is_valid():
        phone = phone_form.cleaned_data["phone"]
        try:
            services.login_code_request(phone=phone, client_ip=_client_ip(request))
        except LinliError as exc:
            if exc.code.endswith("code_too_soon"):
                messages.warning(request, exc.message)
                code_form = CodeForm(initial={"phone": phone})
            else:
                phone_form.add_error("phone", exc.message)
        else:
            messages.success(request, "如果该号码已在社区登记，验证码已发送，请查看短信")
            code_form = CodeForm(initial={"phone": phone})
    return render(request, "accounts/resident_login.html", {"phone_form": phone_form, "code_form": code_form})


def me(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:resident_login")
    from linli.people import selectors as people

    resident = getattr(request.user, "resident", None)
    bindings = people.principals_for(request.user)
    return render(request, "accounts/me.html", {"resident": resident, "bindings": bindings})
