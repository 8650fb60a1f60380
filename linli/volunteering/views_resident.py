"""The residents' volunteering pages on the phone: apply, sign up, scan in and out, hours, certificate.

Whoever is logged in acts for the page's subject: themself, or — in proxy mode with the sign-up
scope — the elder they act for."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.core.errors import LinliError, not_found
from linli.core.forms import add_service_error
from linli.core.once import submit_once
from linli.portal.context import Subject, as_context, require_scope, subject
from linli.surveys import slots
from linli.volunteering import forms as f
from linli.volunteering import permissions, selectors, services
from linli.volunteering.models import VolunteerStatus
from linli.volunteering.views import certificate_context, hours_text


def _login_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


def _subject(request: HttpRequest) -> Subject:
    s = subject(request)
    require_scope(s, permissions.PROXY_SCOPE)
    return s


def _page(request: HttpRequest, template: str, status: int = 200, **extra) -> HttpResponse:
    s = subject(request)
    return render(request, template, {**as_context(s, request.user), "tab": "me", **extra}, status=status)


def _refused(request: HttpRequest, exc: LinliError, back: str) -> HttpResponse:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)
    return redirect(back)


@_login_required
def home(request: HttpRequest) -> HttpResponse:
    s = _subject(request)
    volunteer = selectors.volunteer_of(s.resident)
    extra: dict = {"volunteer": volunteer}
    if volunteer is not None:
        extra.update(totals=selectors.hours_of(volunteer), slots=[slots.label(x) for x in volunteer.availability],
                     signups=list(selectors.signups_of_volunteer(volunteer)[:10]),
                     certificates=list(selectors.certificates_of(volunteer)[:5]),
                     verified=volunteer.status == VolunteerStatus.VERIFIED)
    else:
        extra["form"] = f.ApplyForm()
    return _page(request, "volunteering/resident/home.html", **extra)


@_login_required
@submit_once
@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    s = _subject(request)
    if s.resident is None:
        raise not_found("居民信息")
    form = f.ApplyForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_apply(by=request.user, resident=s.resident, skills=f.split_list(form.cleaned_data["skills"]),
                                     availability=form.cleaned_data["availability"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "申请已提交，社区工作人员认证后就可以报名活动了")
            return redirect("volunteer:home")
    return _page(request, "volunteering/resident/home.html", status=400, volunteer=None, form=form)


@_login_required
def activities(request: HttpRequest) -> HttpResponse:
    s = _subject(request)
    volunteer = selectors.volunteer_of(s.resident)
    return _page(request, "volunteering/resident/activities.html", activities=selectors.open_activities_for(s.resident),
                 volunteer=volunteer, verified=volunteer is not None and volunteer.status == VolunteerStatus.VERIFIED)


@_login_required
@submit_once
@require_POST
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    s = _subject(request)
    volunteer = selectors.volunteer_of(s.resident)
    activity = next((a for a in selectors.open_activities_for(s.resident) if a.pk == pk), None)
    if activity is None or volunteer is None:
        raise not_found("活动")
    try:
        role_id = int(request.POST.get("role", ""))
    except ValueError:
        role_id = 0
    role = next((r for r in activity.roles.all() if r.pk == role_id), None)
    back = reverse("volunteer:activities")
    if role is None:
        messages.error(request, "请选择一个岗位")
        return redirect(back)
    try:
        services.signup_create(by=request.user, activity=activity, volunteer=volunteer, role=role)
    except LinliError as exc:
        return _refused(request, exc, back)
    messages.success(request, f"报名成功：{activity.title}（{role.name}），{services.fmt(activity.starts_at)} 开始")
    return redirect(back)


@_login_required
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    s = _subject(request)
    volunteer = selectors.volunteer_of(s.resident)
    signup = volunteer.signups.filter(pk=pk).first() if volunteer else None
    if signup is None:
        raise not_found("报名")
    try:
        services.signup_cancel(by=request.user, signup=signup)
    except LinliError as exc:
        return _refused(request, exc, reverse("volunteer:home"))
    messages.success(request, "已取消报名")
    return redirect("volunteer:home")


@_login_required
@submit_once
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """Where the activity's QR code leads: one big button that checks in, then out."""
    s = _subject(request)
    activity = selectors.activity_by_token(token)
    if activity is None:
        raise not_found("活动签到码")
    volunteer = selectors.volunteer_of(s.resident)
    mine = volunteer.signups.filter(activity=activity, status="signed").first() if volunteer else None
    if request.method == "POST":
        try:
            _, action = services.signup_scan(by=request.user, token=token, resident=s.resident)
        except LinliError as exc:
            return _refused(request, exc, request.path)
        messages.success(request, "签到成功，服务愉快！" if action == "in" else "签退成功，辛苦了！时长由组织者确认后计入。")
        return redirect(request.path)
    return _page(request, "volunteering/resident/scan.html", activity=activity, signup=mine)


@_login_required
def hours(request: HttpRequest) -> HttpResponse:
    s = _subject(request)
    volunteer = selectors.volunteer_of(s.resident)
    if volunteer is None:
        return redirect("volunteer:home")
    return _page(request, "volunteering/resident/hours.html", volunteer=volunteer, totals=selectors.hours_of(volunteer),
                 total_text=hours_text(selectors.hours_of(volunteer)["hours"]),
                 records=selectors.records_of(volunteer)[:200], certificates=selectors.certificates_of(volunteer))


@_login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    s = _subject(request)
    volunteer = selectors.volunteer_of(s.resident)
    cert = volunteer.certificates.filter(pk=pk).first() if volunteer else None
    if cert is None:
        raise not_found("证明")
    return render(request, "volunteering/certificate_print.html", certificate_context(request, cert, staff=False))
