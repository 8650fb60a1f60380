"""The residents' phone pages: large type, big buttons, little typing. Thin, like every view."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from linli.accounts import services as accounts
from linli.accounts.forms import CodeForm, PhoneForm
from linli.college.selectors import resident as college
from linli.college.selectors.sessions import sessions_led_by
from linli.core.errors import LinliError, not_found
from linli.core.forms import add_service_error
from linli.core.services import audit_record
from linli.notices import selectors as notices
from linli.notices import services as notices_services
from linli.people import selectors as people
from linli.people.models import ProxyScope
from linli.points import selectors as points_selectors
from linli.points import services as points_services
from linli.portal import qr
from linli.portal.context import SESSION_KEY, as_context, require_scope, subject
from linli.portal.courses import course_cards


def _page(request: HttpRequest, template: str, tab: str, **extra) -> HttpResponse:
    s = subject(request)
    return render(request, template, {**as_context(s, request.user), "tab": tab, **extra})


def _login_required(view):
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("portal:login")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


_SITE_PATH = re.compile(r"/(?:[^/\\]|$)")


def site_path(link: str) -> str:
    """``link`` when it is a path on this site ("/" then neither "/" nor "\\": never another host,
    not even protocol-relative like "//evil.com" or "/\\evil.com"), else ""."""
    link = link or ""
    if _SITE_PATH.match(link) and url_has_allowed_host_and_scheme(link, allowed_hosts=set()):
        return link
    return ""


@_login_required
def home(request: HttpRequest) -> HttpResponse:
    s = subject(request)
    unread_count = notices.unread_count(s.resident) if s.resident else 0
    unread = ([n for n in notices.notices_for(s.resident, limit=20) if n.read_at is None]
              if s.resident is not None and unread_count else [])
    leads_today = sessions_led_by(request.user, day=timezone.localdate()).exists()
    return _page(request, "portal/home.html", "home", bindings=people.principals_for(request.user),
                 unread=unread, unread_count=unread_count, leads_today=leads_today)


@_login_required
def notices_page(request: HttpRequest) -> HttpResponse:
    """The resident's messages, newest first; opening them marks them read."""
    s = subject(request)
    found = list(notices.notices_for(s.resident, limit=50)) if s.resident else []
    items = [{"pk": n.pk, "text": n.text, "created_at": n.created_at, "read_at": n.read_at,
              "safe_link": site_path(n.link)} for n in found]
    if s.resident is not None:
        notices_services.notices_read(resident=s.resident)
    return _page(request, "portal/notices.html", "home", items=items)


@_login_required
def courses(request: HttpRequest) -> HttpResponse:
    """The community's classes, and how the classes the resident asked for are coming along."""
    s = subject(request)
    if s.resident is None:
        return _page(request, "portal/courses.html", "courses", cards=[], wishes=[])
    may_enroll = s.binding is None or ProxyScope.ENROLL in s.binding.scopes
    return _page(request, "portal/courses.html", "courses", cards=course_cards(s.resident),
                 wishes=college.wishes_of(s.resident), may_enroll=may_enroll)


@_login_required
def points(request: HttpRequest) -> HttpResponse:
    """Balance, recent lines in plain words, rewards within reach, and what waits to be picked up."""
    s = subject(request)
    if s.resident is None:
        return _page(request, "portal/points.html", "points", balance=0, lines=[], may_redeem=False)
    # An agent without the 积分兑换 scope sees the balance and lines, but neither redeems nor sees pickup codes.
    may_redeem = s.binding is None or ProxyScope.POINTS in s.binding.scopes
    balance = points_services.points_balance(s.resident)
    rewards = list(points_selectors.rewards_for(s.resident)) if may_redeem else []
    return _page(request, "portal/points.html", "points", balance=balance, may_redeem=may_redeem,
                 lines=points_selectors.resident_statement(s.resident, limit=20),
                 affordable=[r for r in rewards if r.cost <= balance], later=[r for r in rewards if r.cost > balance],
                 pending=points_selectors.pending_for_resident(s.resident) if may_redeem else [])


@_login_required
def me(request: HttpRequest) -> HttpResponse:
    s = subject(request)
    require_scope(s, ProxyScope.PROFILE)
    return _page(request, "portal/me.html", "me", bindings=people.principals_for(request.user))


@_login_required
def card(request: HttpRequest) -> HttpResponse:
    """The check-in QR card: shown at the door, or printed for those without a phone."""
    s = subject(request)
    require_scope(s, ProxyScope.PROFILE)
    if s.resident is None or not s.resident.checkin_code:
        raise not_found("签到卡")
    template = "portal/card_print.html" if request.GET.get("print") else "portal/card.html"
    return _page(request, template, "me", qr_svg=qr.svg(qr.checkin_url(request, s.resident.checkin_code)))


@require_POST
@_login_required
def proxy_start(request: HttpRequest, binding_id: int) -> HttpResponse:
    binding = people.principals_for(request.user).filter(pk=binding_id).first()
    if binding is None:
        raise not_found("代办授权")
    request.session[SESSION_KEY] = binding.pk
    audit_record(actor=request.user, action="proxy.start", target=binding.principal,
                 area_code=binding.principal.area_id, on_behalf_of=binding.principal)
    messages.success(request, f"您现在代 {binding.principal.name} 办理")
    return redirect("portal:home")


@require_POST
@_login_required
def proxy_stop(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.success(request, "已退出代办，现在是您本人")
    return redirect("portal:home")


def _safe_next(request: HttpRequest) -> str:
    """Where to go after logging in (e.g. back to the survey a QR poster led to): only a path on
    this site, never another host."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def login_view(request: HttpRequest) -> HttpResponse:
    """Phone number, then the code from the SMS: no password to remember."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "portal:home")
    phone_form = PhoneForm(request.POST or None)
    code_form = None
    if request.method == "POST" and "code" in request.POST:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                user = accounts.login_code_verify(phone=code_form.cleaned_data["phone"],
                                                  code=code_form.cleaned_data["code"])
            except LinliError as exc:
                code_form.add_error("code" if exc.field in (None, "code") else None, exc.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(next_url or "portal:home")
    elif request.method == "POST" and phone_form.is_valid():
        phone = phone_form.cleaned_data["phone"]
        try:
            accounts.login_code_request(phone=phone, client_ip=request.META.get("REMOTE_ADDR") or None)
        except LinliError as exc:
            if exc.code.endswith("code_too_soon"):
                messages.warning(request, exc.message)
                code_form = CodeForm(initial={"phone": phone})
            else:
                add_service_error(phone_form, exc)
        else:
            messages.success(request, "验证码已发送到您的手机（号码需已在社区登记），请查看短信")
            code_form = CodeForm(initial={"phone": phone})
    status = 400 if (code_form is not None and code_form.errors) or phone_form.errors else 200
    return render(request, "portal/login.html",
                  {"phone_form": phone_form, "code_form": code_form, "tab": "", "next": next_url}, status=status)
