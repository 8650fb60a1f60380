"""The back office of volunteering. Thin: selectors read, services write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.web import selected_area_code, staff_required
from linli.areas.models import Area, Level
from linli.areas.selectors import areas_visible
from linli.core.errors import LinliError, forbidden
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once
from linli.people import selectors as people
from linli.portal import qr
from linli.surveys import slots
from linli.volunteering import forms as f
from linli.volunteering import permissions, selectors, services
from linli.volunteering.models import ActivityStatus, NominationStatus, VolunteerStatus


def _require_view(request: HttpRequest) -> None:
    if not permissions.can_view(request.user):
        raise forbidden("查看志愿服务")


def _within(request: HttpRequest) -> str | None:
    return selected_area_code(request)


def _communities(request: HttpRequest, perm: str = Perm.MANAGE_VOLUNTEERING) -> list[Area]:
    return list(areas_visible(request.user, perm, within=_within(request)).filter(level=Level.COMMUNITY)
                .order_by("code"))


def _act(request: HttpRequest, back: str, call: Callable[[], Any], success: str) -> HttpResponse:
    """Run one button's service call: its refusal shown above the page, permission errors as pages."""
    try:
        call()
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(back)


def _post_pk(request: HttpRequest, name: str) -> int | None:
    try:
        value = int(request.POST.get(name, ""))
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None


def _find_resident(request: HttpRequest, text: str, field: str = "resident") -> Any:
    matches = list(people.residents_visible(request.user, search=text, within=_within(request))[:2])
    if len(matches) != 1:
        label = "居民"
        reason = "没有找到这位居民" if not matches else "找到不止一位居民，请填写完整身份证号或手机号"
        raise LinliError("invalid", f"{label}：{reason}", field=field)
    return matches[0]


def hours_text(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


# --- volunteers ---------------------------------------------------------------------------


@staff_required
def volunteer_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = f.VolunteerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.volunteers_visible(request.user, within=_within(request), status=data.get("status", ""),
                                            q=data.get("q", ""))

    columns = [
        ListColumn("姓名", lambda v: v.resident.name, sort=("resident__name",),
                   link=lambda v: reverse("volunteering:volunteer_detail", args=[v.pk])),
        ListColumn("编号", lambda v: v.number),
        ListColumn("社区/网格", lambda v: v.area.name, sort=("area_id",)),
        ListColumn("技能", lambda v: v.skills, chips=True),
        ListColumn("可服务时间", lambda v: [slots.label(s) for s in v.availability], chips=True),
        ListColumn("状态", lambda v: v.get_status_display(), sort=("status",)),
        ListColumn("累计时长", lambda v: hours_text(v.hours_total or 0), sort=("-hours_total",)),
    ]
    actions = [("登记志愿者", reverse("volunteering:volunteer_register"))] if permissions.can_manage_anywhere(
        request.user) else []
    return ListPage(title="志愿者", columns=columns, queryset=queryset(), filter_form=form,
                    default_order=("area_id", "resident__name", "pk"), export_name="志愿者名单", can_export=True,
                    export_queryset=queryset, actions=actions, empty_text="没有符合条件的志愿者").render(request)


@staff_required
@submit_once
def volunteer_register(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_anywhere(request.user):
        raise forbidden("登记志愿者")
    form = f.VolunteerRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            resident = _find_resident(request, d["resident"])
            volunteer = services.volunteer_register(by=request.user, resident=resident,
                                                    skills=f.split_list(d["skills"]),
                                                    availability=d["availability"], note=d["note"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已登记志愿者 {resident.name}（{volunteer.number}）")
            return redirect("volunteering:volunteer_detail", pk=volunteer.pk)
    return render(request, "volunteering/form.html", {"form": form, "title": "登记志愿者",
                                                      "back": reverse("volunteering:volunteer_list")},
                  status=400 if form.errors else 200)


@staff_required
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    volunteer = selectors.volunteer_get(request.user, pk)
    today = timezone.localdate()
    return render(request, "volunteering/volunteer_detail.html", {
        "volunteer": volunteer,
        "slots": [slots.label(s) for s in volunteer.availability],
        "totals": selectors.hours_of(volunteer),
        "records": selectors.records_of(volunteer, confirmed_only=False).select_related("activity")[:100],
        "certificates": selectors.certificates_of(volunteer),
        "signups": selectors.signups_of_volunteer(volunteer)[:20],
        "can_manage": permissions.can_manage_volunteer(request.user, volunteer),
        "certificate_form": f.CertificateForm(initial={"period_start": today.replace(month=1, day=1),
                                                       "period_end": today}),
        "suspend_form": f.ReasonForm(),
    })


@staff_required
@require_POST
def volunteer_verify(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get(request.user, pk)
    return _act(request, reverse("volunteering:volunteer_detail", args=[pk]),
                lambda: services.volunteer_verify(by=request.user, volunteer=volunteer),
                f"已认证志愿者 {volunteer.resident.name}")


@staff_required
@require_POST
def volunteer_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get(request.user, pk)
    return _act(request, reverse("volunteering:volunteer_detail", args=[pk]),
                lambda: services.volunteer_suspend(by=request.user, volunteer=volunteer,
                                                   reason=request.POST.get("reason", "")),
                f"已暂停志愿者 {volunteer.resident.name}")


@staff_required
@submit_once
@require_POST
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get(request.user, pk)
    form = f.CertificateForm(request.POST)
    back = reverse("volunteering:volunteer_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, "请填写证明期间的起止日期")
        return redirect(back)
    d = form.cleaned_data
    try:
        cert = services.certificate_issue(by=request.user, volunteer=volunteer, period_start=d["period_start"],
                                          period_end=d["period_end"], contact=d["contact"])
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"已出具证明，编号 {cert.code}")
    return redirect("volunteering:certificate_detail", pk=cert.pk)


# --- teams --------------------------------------------------------------------------------


@staff_required
def team_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)

    def queryset():
        return selectors.teams_visible(request.user, within=_within(request))

    columns = [
        ListColumn("队名", lambda t: t.name, sort=("name",), link=lambda t: reverse("volunteering:team_detail", args=[t.pk])),
        ListColumn("社区", lambda t: t.area.name, sort=("area_id",)),
        ListColumn("队长", lambda t: t.leader.name if t.leader else None),
        ListColumn("队员数", lambda t: t.member_count, sort=("-member_count",)),
    ]
    actions = [("建立服务队", reverse("volunteering:team_create"))] if permissions.can_manage_anywhere(
        request.user) else []
    return ListPage(title="志愿服务队", columns=columns, queryset=queryset(), default_order=("area_id", "name", "pk"),
                    export_name="志愿服务队", can_export=True, export_queryset=queryset, actions=actions,
                    empty_text="还没有服务队").render(request)


@staff_required
@submit_once
def team_create(request: HttpRequest) -> HttpResponse:
    areas = _communities(request)
    if not areas:
        raise forbidden("建立志愿服务队")
    form = f.TeamForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            team = services.team_create(by=request.user, area_code=d["area"], name=d["name"],
                                        description=d["description"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已建立服务队“{team.name}”")
            return redirect("volunteering:team_detail", pk=team.pk)
    return render(request, "volunteering/form.html", {"form": form, "title": "建立志愿服务队",
                                                      "back": reverse("volunteering:team_list")},
                  status=400 if form.errors else 200)


@staff_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    team = selectors.team_get(request.user, pk)
    members = list(selectors.team_members(team))
    can_manage = permissions.can_manage(request.user, team)
    candidates = []
    if can_manage:
        taken = {m.pk for m in members}
        candidates = [v for v in selectors.volunteers_visible(request.user, within=team.area_id)
                      .exclude(status=VolunteerStatus.SUSPENDED).order_by("resident__name")[:500] if v.pk not in taken]
    return render(request, "volunteering/team_detail.html", {
        "team": team, "members": members, "can_manage": can_manage,
        "member_form": f.MemberForm(volunteers=candidates) if candidates else None,
        "activities": team.activities.order_by("-starts_at")[:20],
    })


@staff_required
@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get(request.user, pk)
    volunteer = selectors.volunteer_get(request.user, _post_pk(request, "volunteer"))
    return _act(request, reverse("volunteering:team_detail", args=[pk]),
                lambda: services.team_member_add(by=request.user, team=team, volunteer=volunteer),
                f"{volunteer.resident.name} 已加入“{team.name}”")


@staff_required
@require_POST
def team_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_get(request.user, pk)
    volunteer = selectors.volunteer_get(request.user, _post_pk(request, "volunteer"))
    return _act(request, reverse("volunteering:team_detail", args=[pk]),
                lambda: services.team_member_remove(by=request.user, team=team, volunteer=volunteer),
                f"{volunteer.resident.name} 已离队")


# --- activities ---------------------------------------------------------------------------


@staff_required
def activity_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = f.ActivityFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.activities_visible(request.user, within=_within(request), status=data.get("status", ""),
                                            q=data.get("q", ""))

    columns = [
        ListColumn("活动", lambda a: a.title, sort=("title",),
                   link=lambda a: reverse("volunteering:activity_detail", args=[a.pk])),
        ListColumn("社区", lambda a: a.area.name, sort=("area_id",)),
        ListColumn("服务队", lambda a: a.team.name if a.team else None),
        ListColumn("时间", lambda a: services.fmt_span(a.starts_at, a.ends_at), sort=("-starts_at",)),
        ListColumn("地点", lambda a: a.place),
        ListColumn("报名/名额", lambda a: f"{a.signed}/{a.capacity}"),
        ListColumn("组织者", lambda a: str(a.organiser)),
        ListColumn("状态", lambda a: a.get_status_display(), sort=("status",)),
    ]
    actions = [("发布活动", reverse("volunteering:activity_create"))] if permissions.can_manage_anywhere(
        request.user) else []
    return ListPage(title="志愿服务活动", columns=columns, queryset=queryset(), filter_form=form,
                    default_order=("-starts_at", "pk"), export_name="志愿服务活动", can_export=True,
                    export_queryset=queryset, actions=actions, empty_text="没有符合条件的活动").render(request)


@staff_required
@submit_once
def activity_create(request: HttpRequest) -> HttpResponse:
    areas = _communities(request)
    if not areas:
        raise forbidden("发布志愿服务活动")
    teams = list(selectors.teams_visible(request.user, within=_within(request), permission=Perm.MANAGE_VOLUNTEERING))
    form = f.ActivityForm(request.POST or None, areas=areas, teams=teams)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        team = next((t for t in teams if str(t.pk) == d["team"]), None)
        try:
            activity = services.activity_create(by=request.user, area_code=d["area"], title=d["title"],
                                                place=d["place"], starts_at=d["starts_at"], ends_at=d["ends_at"],
                                                description=d["description"], team=team, roles=d["roles"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已建立活动“{activity.title}”（草稿），设置好岗位后发布")
            return redirect("volunteering:activity_detail", pk=activity.pk)
    return render(request, "volunteering/form.html", {"form": form, "title": "发布志愿服务活动",
                                                      "back": reverse("volunteering:activity_list")},
                  status=400 if form.errors else 200)


@staff_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    activity = selectors.activity_get(request.user, pk)
    roles = selectors.roles_with_counts(activity)
    signups = list(selectors.signups_of(activity))
    can_manage = permissions.can_manage(request.user, activity)
    is_organiser = activity.organiser_id == request.user.pk and can_manage
    desk_form = None
    if can_manage and activity.status == ActivityStatus.OPEN and roles:
        signed = {s.volunteer_id for s in signups}
        candidates = [v for v in selectors.volunteers_visible(request.user, within=activity.area_id,
                                                              status=VolunteerStatus.VERIFIED)
                      .order_by("resident__name")[:500] if v.pk not in signed]
        desk_form = f.SignupDeskForm(volunteers=candidates, roles=roles) if candidates else None
    scan_url = request.build_absolute_uri(reverse("volunteer:scan", args=[activity.checkin_token]))
    return render(request, "volunteering/activity_detail.html", {
        "activity": activity, "roles": roles, "signups": signups, "can_manage": can_manage,
        "is_organiser": is_organiser, "desk_form": desk_form, "role_form": f.RoleForm(),
        "cancel_form": f.ReasonForm(), "scan_url": scan_url,
        "qr_svg": qr.svg(scan_url, box_size=6) if can_manage and activity.status == ActivityStatus.OPEN else None,
        "now": timezone.now(),
    })


def _activity_back(pk: int) -> str:
    return reverse("volunteering:activity_detail", args=[pk])


@staff_required
@require_POST
def activity_role_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk)
    form = f.RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "岗位：请填写岗位名称和人数（整数）")
        return redirect(_activity_back(pk))
    d = form.cleaned_data
    return _act(request, _activity_back(pk),
                lambda: services.activity_role_add(by=request.user, activity=activity, name=d["role_name"],
                                                   headcount=d["headcount"]),
                f"已添加岗位“{d['role_name']}”")


@staff_required
@require_POST
def activity_publish(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk)
    return _act(request, _activity_back(pk), lambda: services.activity_publish(by=request.user, activity=activity),
                "活动已发布，居民可以在手机上报名")


@staff_required
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk)
    return _act(request, _activity_back(pk),
                lambda: services.activity_cancel(by=request.user, activity=activity,
                                                 reason=request.POST.get("reason", "")), "活动已取消")


@staff_required
@require_POST
def activity_finish(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk)
    return _act(request, _activity_back(pk), lambda: services.activity_finish(by=request.user, activity=activity),
                "活动已结束")


@staff_required
@submit_once
@require_POST
def signup_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, pk)
    volunteer = selectors.volunteer_get(request.user, _post_pk(request, "volunteer"))
    role_id = _post_pk(request, "role")
    role = activity.roles.filter(pk=role_id).first() if role_id else None
    if role is None:
        messages.error(request, "岗位：请选择本活动的岗位")
        return redirect(_activity_back(pk))
    return _act(request, _activity_back(pk),
                lambda: services.signup_create(by=request.user, activity=activity, volunteer=volunteer, role=role),
                f"{volunteer.resident.name} 已报名“{role.name}”")


def _signup(request: HttpRequest, pk: int, signup_id: int):
    activity = selectors.activity_get(request.user, pk)
    signup = activity.signups.select_related("volunteer__resident").filter(pk=signup_id).first()
    if signup is None:
        from linli.core.errors import not_found

        raise not_found("报名")
    return activity, signup


@staff_required
@require_POST
def signup_check_in(request: HttpRequest, pk: int, signup_id: int) -> HttpResponse:
    _, signup = _signup(request, pk, signup_id)
    return _act(request, _activity_back(pk), lambda: services.signup_check_in(by=request.user, signup=signup),
                f"{signup.volunteer.resident.name} 已签到")


@staff_required
@require_POST
def signup_check_out(request: HttpRequest, pk: int, signup_id: int) -> HttpResponse:
    _, signup = _signup(request, pk, signup_id)
    return _act(request, _activity_back(pk), lambda: services.signup_check_out(by=request.user, signup=signup),
                f"{signup.volunteer.resident.name} 已签退")


@staff_required
@submit_once
@require_POST
def signup_confirm(request: HttpRequest, pk: int, signup_id: int) -> HttpResponse:
    _, signup = _signup(request, pk, signup_id)
    form = f.ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "时间格式有误，请按 2026-05-22 09:00 填写")
        return redirect(_activity_back(pk))
    d = form.cleaned_data
    try:
        record = services.service_record_confirm_signup(by=request.user, signup=signup, hours=d["hours"] or None,
                                                        starts_at=d["starts_at"], ends_at=d["ends_at"])
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认 {signup.volunteer.resident.name} {hours_text(record.hours)} 小时，"
                                  f"{record_points_text(record)}")
    return redirect(_activity_back(pk))


def record_points_text(record: Any) -> str:
    """积分 25 分, or why none were given (no rule in the volunteer's community, a cap…)."""
    if record.points_transfer_id is None and record.note:
        return record.note.rsplit("；", 1)[-1]
    return f"积分 {record.points} 分"


# --- service records ----------------------------------------------------------------------


@staff_required
def record_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = f.RecordFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.records_visible(request.user, within=_within(request), status=data.get("status", ""),
                                         since=data.get("since"), until=data.get("until"))

    columns = [
        ListColumn("志愿者", lambda r: r.volunteer.resident.name, sort=("volunteer__resident__name",),
                   link=lambda r: reverse("volunteering:volunteer_detail", args=[r.volunteer_id])),
        ListColumn("服务内容", lambda r: r.content,
                   link=lambda r: reverse("volunteering:activity_detail", args=[r.activity_id]) if r.activity_id
                   else reverse("volunteering:volunteer_detail", args=[r.volunteer_id])),
        ListColumn("组织单位", lambda r: r.organisation),
        ListColumn("时间", lambda r: services.fmt_span(r.starts_at, r.ends_at), sort=("-starts_at",)),
        ListColumn("时长（小时）", lambda r: hours_text(r.hours), sort=("-hours",)),
        ListColumn("积分", lambda r: r.points, sort=("-points",)),
        ListColumn("状态", lambda r: r.get_status_display(), sort=("status",)),
        ListColumn("确认人", lambda r: str(r.confirmed_by) if r.confirmed_by else None),
    ]
    actions = [("登记服务时长", reverse("volunteering:record_create"))] if permissions.can_manage_anywhere(
        request.user) else []
    return ListPage(title="服务记录", columns=columns, queryset=queryset(), filter_form=form,
                    default_order=("-starts_at", "pk"), export_name="志愿服务记录", can_export=True,
                    export_queryset=queryset, actions=actions, empty_text="没有符合条件的服务记录").render(request)


@staff_required
@submit_once
def record_create(request: HttpRequest) -> HttpResponse:
    """Hours served outside a listed activity: typed in and confirmed by the same worker."""
    areas = _communities(request)
    if not areas:
        raise forbidden("登记服务时长")
    volunteers = list(selectors.volunteers_visible(request.user, within=_within(request),
                                                   permission=Perm.MANAGE_VOLUNTEERING)
                      .exclude(status=VolunteerStatus.PENDING).order_by("resident__name")[:1000])
    form = f.RecordForm(request.POST or None, areas=areas, volunteers=volunteers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        volunteer = next(v for v in volunteers if str(v.pk) == d["volunteer"])
        try:
            record = services.service_record_create(by=request.user, volunteer=volunteer, area_code=d["area"],
                                                    content=d["content"], place=d["place"],
                                                    starts_at=d["starts_at"], ends_at=d["ends_at"], note=d["note"])
            record = services.service_record_confirm(by=request.user, record=record, hours=d["hours"] or None)
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已确认 {volunteer.resident.name} {hours_text(record.hours)} 小时，"
                                      f"{record_points_text(record)}")
            return redirect("volunteering:record_list")
    return render(request, "volunteering/form.html", {"form": form, "title": "登记并确认服务时长",
                                                      "back": reverse("volunteering:record_list")},
                  status=400 if form.errors else 200)


@staff_required
@submit_once
@require_POST
def record_void(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk, permission=Perm.MANAGE_VOLUNTEERING)
    return _act(request, reverse("volunteering:volunteer_detail", args=[record.volunteer_id]),
                lambda: services.service_record_void(by=request.user, record=record,
                                                     reason=request.POST.get("reason", "")),
                f"已作废 {record.volunteer.resident.name} 的服务记录“{record.content}”"
                + ("，积分已冲正" if record.points_transfer_id else ""))


# --- certificates -------------------------------------------------------------------------


@staff_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)

    def queryset():
        return selectors.certificates_visible(request.user, within=_within(request))

    columns = [
        ListColumn("证明编号", lambda c: c.code, link=lambda c: reverse("volunteering:certificate_detail", args=[c.pk])),
        ListColumn("姓名", lambda c: c.name, sort=("name",)),
        ListColumn("期间", lambda c: f"{c.period_start:%Y-%m-%d} 至 {c.period_end:%Y-%m-%d}"),
        ListColumn("累计时长", lambda c: hours_text(c.total_hours), sort=("-total_hours",)),
        ListColumn("出具单位", lambda c: c.issuing_body),
        ListColumn("出具时间", lambda c: f"{timezone.localtime(c.issued_at):%Y-%m-%d}", sort=("-issued_at",)),
        ListColumn("状态", lambda c: "已作废" if c.revoked_at else "有效"),
    ]
    return ListPage(title="志愿服务记录证明", columns=columns, queryset=queryset(), default_order=("-issued_at", "pk"),
                    export_name="志愿服务记录证明", can_export=True, export_queryset=queryset,
                    empty_text="还没有出具证明（在志愿者页出具）").render(request)


@staff_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    cert = selectors.certificate_get(request.user, pk)
    return render(request, "volunteering/certificate_print.html", certificate_context(request, cert, staff=True))


def certificate_context(request: HttpRequest, cert: Any, *, staff: bool) -> dict[str, Any]:
    check_url = request.build_absolute_uri(reverse("volunteer_check:check", args=[cert.code]))
    return {"cert": cert, "check_url": check_url, "qr_svg": qr.svg(check_url, box_size=3), "staff": staff,
            "can_revoke": staff and permissions.can_manage_volunteer(request.user, cert) and not cert.revoked_at,
            "total": hours_text(cert.total_hours)}


@staff_required
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    cert = selectors.certificate_get(request.user, pk)
    return _act(request, reverse("volunteering:certificate_detail", args=[pk]),
                lambda: services.certificate_revoke(by=request.user, certificate=cert,
                                                    reason=request.POST.get("reason", "")), "证明已作废")


# --- honor roll and role models -----------------------------------------------------------


@staff_required
def honor_roll(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    areas = selectors.roll_areas(request.user, within=_within(request))
    if not areas:
        raise forbidden("查看光荣榜")
    today = timezone.localdate()
    form = f.RollForm(request.GET or None, areas=areas,
                      initial={"area": areas[0].code, "year": today.year, "month": str(today.month)})
    if request.GET and form.is_valid():
        d = form.cleaned_data
        area_code, year, month, order = d["area"], d["year"], d["month"], d["order"] or "hours"
    else:
        area_code, year, month, order = areas[0].code, today.year, today.month, "hours"
    rows = selectors.honor_roll(request.user, area_code=area_code, year=year, month=month, order=order, limit=20)
    area = next(a for a in areas if a.code == area_code)
    return render(request, "volunteering/honor_roll.html", {
        "form": form, "rows": rows, "area": area, "year": year, "month": month, "order": order,
        "role_models": selectors.role_models_published(request.user, within=area_code)[:12],
    }, status=400 if request.GET and form.errors else 200)


@staff_required
def nomination_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = f.NominationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}

    def queryset():
        return selectors.nominations_visible(request.user, within=_within(request), status=data.get("status", ""))

    columns = [
        ListColumn("被推荐人", lambda n: n.resident.name,
                   link=lambda n: reverse("volunteering:nomination_detail", args=[n.pk])),
        ListColumn("称号", lambda n: n.title),
        ListColumn("社区", lambda n: n.area.name, sort=("area_id",)),
        ListColumn("推荐人", lambda n: str(n.nominated_by)),
        ListColumn("推荐时间", lambda n: f"{timezone.localtime(n.nominated_at):%Y-%m-%d}", sort=("-nominated_at",)),
        ListColumn("状态", lambda n: n.get_status_display(), sort=("status",)),
    ]
    actions = [("推荐典型", reverse("volunteering:nomination_create"))] if permissions.can_manage_anywhere(
        request.user) else []
    return ListPage(title="典型选树候选库", columns=columns, queryset=queryset(), filter_form=form,
                    default_order=("-nominated_at", "pk"), export_name="典型推荐", can_export=True,
                    export_queryset=queryset, actions=actions, empty_text="还没有推荐").render(request)


@staff_required
@submit_once
def nomination_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_anywhere(request.user):
        raise forbidden("推荐典型")
    form = f.NominationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            resident = _find_resident(request, d["resident"])
            n = services.nomination_create(by=request.user, resident=resident, title=d["title"], reason=d["reason"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已推荐 {resident.name}，等待审核")
            return redirect("volunteering:nomination_detail", pk=n.pk)
    return render(request, "volunteering/form.html", {"form": form, "title": "推荐典型",
                                                      "back": reverse("volunteering:nomination_list")},
                  status=400 if form.errors else 200)


@staff_required
def nomination_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    n = selectors.nomination_get(request.user, pk)
    volunteer = selectors.volunteer_of(n.resident)
    return render(request, "volunteering/nomination_detail.html", {
        "n": n, "can_manage": permissions.can_manage(request.user, n), "review_form": f.ReviewForm(),
        "totals": selectors.hours_of(volunteer) if volunteer else None,
        "pending": n.status == NominationStatus.PENDING, "approved": n.status == NominationStatus.APPROVED,
    })


@staff_required
@require_POST
def nomination_review(request: HttpRequest, pk: int) -> HttpResponse:
    n = selectors.nomination_get(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    return _act(request, reverse("volunteering:nomination_detail", args=[pk]),
                lambda: services.nomination_review(by=request.user, nomination=n, approve=approve,
                                                   note=request.POST.get("review_note", "")),
                "已通过，列入候选库" if approve else "已记录不通过")


@staff_required
@require_POST
def nomination_publish(request: HttpRequest, pk: int) -> HttpResponse:
    n = selectors.nomination_get(request.user, pk)
    return _act(request, reverse("volunteering:nomination_detail", args=[pk]),
                lambda: services.nomination_publish(by=request.user, nomination=n), "已发布到光荣榜")


# --- the public check page ----------------------------------------------------------------


def certificate_check(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone may check a code: valid or not, the name masked, the hours, the issuing body."""
    cert = selectors.certificate_by_code(code)
    if cert is None:
        return render(request, "volunteering/check.html", {"cert": None}, status=404)
    return render(request, "volunteering/check.html", {"cert": cert, "total": hours_text(cert.total_hours)})



def certificate_check_form(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        cleaned = "".join(ch for ch in code.upper() if ch.isalnum())[:32] or "-"
        return redirect("volunteer_check:check", code=cleaned)
    return render(request, "volunteering/check.html", {"form_only": True})
