"""The back office of enrollment (报名): a course's settings, roster, desk, lottery and timetable.

Thin: selectors read, services write. Enrollment records are about persons: they follow the
PLAIN visibility rule on the course's area, so a grid worker who may see a course (the college's
community-wide rule) still does not see who enrolled in it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.accounts.web import staff_required
from linli.college import permissions
from linli.college.forms_enrollment import (
    ROSTER_TABS,
    DeskEnrollForm,
    DeskSearchForm,
    PolicyForm,
    ReasonForm,
    SlotForm,
)
from linli.college.models import (
    ACTIVE_STATUSES,
    Course,
    EnrollChannel,
    Enrollment,
    EnrollmentStatus,
    EnrollMode,
    LotteryDraw,
    PriorityGroup,
    Session,
    SessionStatus,
    WeeklySlot,
)
from linli.college.selectors import enrollment as selectors
from linli.college.selectors import sessions as session_selectors
from linli.college.selectors.venues import venues_usable
from linli.college.services import enrollment as services
from linli.college.services import sessions as session_services
from linli.college.services.common import WEEKDAYS
from linli.core.errors import LinliError, forbidden, not_found
from linli.core.exports import xlsx_response
from linli.core.forms import add_service_error
from linli.core.names import mask_name
from linli.core.once import submit_once
from linli.people.models import Resident
from linli.people.selectors import residents_visible, tags_all

# --- shared by the enrollment and session pages ---------------------------------------------


def roster_course(request: HttpRequest, pk: Any, *, manage: bool = False) -> Course:
    """The course, if the caller may see its enrollments (the plain rule); managing needs MANAGE_COLLEGE."""
    course = selectors.roster_course_get(request.user, pk)
    if manage and not permissions.can_manage(request.user, course):
        raise forbidden("管理该课程的报名")
    return course


def act(request: HttpRequest, back: str, call: Callable[[], Any], success: str | Callable[[Any], str]) -> HttpResponse:
    """Run one button's service call: its refusal shown above the page, permission errors as pages."""
    try:
        result = call()
    except LinliError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(back)


def local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _detail_url(course: Course) -> str:
    return reverse("college:course_detail", args=[course.pk])


def _roster_url(course: Course, tab: str = "") -> str:
    url = reverse("college:enroll_roster", args=[course.pk])
    return f"{url}?tab={tab}" if tab else url


def _user_name(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else ""


def channel_text(e: Enrollment) -> str:
    if e.channel == EnrollChannel.PROXY:
        return f"代办（{_user_name(e.by)}）"
    if e.channel == EnrollChannel.DESK:
        return "窗口"
    return "本人"


def community_name(r: Resident) -> str:
    area = r.area
    return area.parent.name if area.level == "grid" and area.parent else area.name


def status_counts(course: Course) -> dict[str, int]:
    rows = selectors.roster(course).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


# --- the course detail's enrollment, timetable and session sections (htmx) ------------------


@staff_required
def course_panel(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk)
    template = "college/partials/enroll_panel.html" if getattr(request, "htmx", False) else \
        "college/enrollment_panel_page.html"  # without script: the sections as a page of their own
    return render(request, template, panel_context(request, course))


def panel_context(request: HttpRequest, course: Course, **extra: Any) -> dict[str, Any]:
    counts = status_counts(course)
    now = timezone.now()
    sessions = list(session_selectors.sessions_of(course))
    can_manage = permissions.can_manage(request.user, course)
    return {
        "course": course,
        "policy": selectors.policy_of(course),
        "seats": selectors.seats_taken(course),
        "counts": [(label, sum(counts.get(s, 0) for s in statuses), key) for key, label, statuses in ROSTER_TABS],
        "slots": [(s, WEEKDAYS.get(s.weekday, "")) for s in
                  course.slots.select_related("venue").order_by("weekday", "starts_at")],
        "upcoming": [s for s in sessions if s.ends_at >= now][:20],
        "past": [s for s in sessions if s.ends_at < now][-20:][::-1],
        "session_count": len(sessions),
        "can_manage": can_manage,
        "slot_form": extra.pop("slot_form", None) or (SlotForm(venues=venues_usable(course.area_id)) if can_manage
                                                      else None),
        **extra,
    }


# --- settings ---------------------------------------------------------------------------------


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


@staff_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk, manage=True)
    policy = selectors.policy_of(course)
    tags = list(tags_all())
    initial: dict[str, Any] = {"mode": EnrollMode.FIRST_COME, "confirm_hours": 24}
    if policy is not None:
        initial = {
            "mode": policy.mode, "opens_at": timezone.localtime(policy.opens_at),
            "closes_at": timezone.localtime(policy.closes_at),
            "cancel_until": timezone.localtime(policy.cancel_until) if policy.cancel_until else None,
            "confirm_hours": policy.confirm_hours, "min_age": policy.min_age, "max_age": policy.max_age,
            "only_community": policy.only_community, "required_tag": policy.required_tag_id or "",
            **PolicyForm.priority_initial(policy.priorities),
        }
    form = PolicyForm(request.POST or None, tags=tags, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.policy_set(
                by=request.user, course=course, mode=d["mode"], opens_at=_aware(d["opens_at"]),  # type: ignore[arg-type]
                closes_at=_aware(d["closes_at"]), cancel_until=_aware(d["cancel_until"]),  # type: ignore[arg-type]
                confirm_hours=d["confirm_hours"], min_age=d["min_age"], max_age=d["max_age"],
                only_community=d["only_community"],
                required_tag=next((t for t in tags if t.code == d["required_tag"]), None),
                priorities=d["priorities"],
            )
        except LinliError as exc:
            if exc.field == "priorities":
                exc.field = "priority_1"
            add_service_error(form, exc)
        else:
            messages.success(request, "报名设置已保存")
            return redirect(_detail_url(course))
    draw = LotteryDraw.objects.filter(course=course).first()
    return render(request, "college/enrollment_policy.html", {
        "course": course, "form": form, "policy": policy, "draw": draw,
    }, status=400 if form.errors else 200)


# --- the roster ------------------------------------------------------------------------------


def _tab(request: HttpRequest) -> tuple[str, str, tuple[str, ...]]:
    key = request.GET.get("tab", "")
    return next((t for t in ROSTER_TABS if t[0] == key), ROSTER_TABS[0])


ROSTER_HEADERS = ["序号", "姓名", "电话", "社区", "报名途径", "经办人", "报名时间", "状态", "说明"]


def _row(e: Enrollment, place: int) -> list[Any]:
    note = e.end_reason
    if e.status == EnrollmentStatus.OFFERED and e.offer_expires_at:
        note = f"请于 {local(e.offer_expires_at)} 前确认"
    return [place, e.resident.name, e.resident.phone_masked or "—", community_name(e.resident), channel_text(e),
            _user_name(e.by), local(e.created_at), e.get_status_display(), note]


@staff_required
def roster_page(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk)
    key, label, statuses = _tab(request)
    qs = selectors.roster(course, statuses=statuses).select_related("resident__area__parent", "by")
    if request.GET.get("export") == "xlsx":
        lines = (_row(e, i) for i, e in enumerate(qs.iterator(chunk_size=500), start=1))
        name = f"{course.title}-{label}"
        return xlsx_response(f"{name}-{dt.date.today():%Y%m%d}.xlsx", label, ROSTER_HEADERS, lines)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    rows = [{"e": e, "cells": _row(e, page.start_index() + i)} for i, e in enumerate(page)]
    can_manage = permissions.can_manage(request.user, course)
    search = DeskSearchForm(request.GET or None)
    found: list[Resident] = []
    searched = bool(search.data.get("q"))
    if can_manage and search.is_valid() and search.cleaned_data["q"]:
        active = selectors.roster(course, statuses=tuple(ACTIVE_STATUSES)).values("resident_id")
        found = list(residents_visible(request.user, search=search.cleaned_data["q"]).exclude(pk__in=active)[:20])
    counts = status_counts(course)
    context = {
        "course": course, "tab": key, "tab_label": label, "page": page, "rows": rows, "can_manage": can_manage,
        "tabs": [(k, lab, sum(counts.get(s, 0) for s in sts)) for k, lab, sts in ROSTER_TABS],
        "policy": selectors.policy_of(course), "seats": selectors.seats_taken(course), "search": search,
        "found": found, "searched": searched, "reason_form": ReasonForm(),
    }
    if getattr(request, "htmx", False) and request.htmx.target == "desk-search":  # type: ignore[attr-defined]
        return render(request, "college/partials/enroll_desk_search.html", context)
    return render(request, "college/enrollment_roster.html", context)


def _enrollment(request: HttpRequest, pk: int, enrollment_id: int) -> tuple[Course, Enrollment]:
    course = roster_course(request, pk, manage=True)
    enrollment = selectors.roster(course).filter(pk=enrollment_id).first()
    if enrollment is None:
        raise not_found("报名记录")
    return course, enrollment


@require_POST
@staff_required
def enrollment_cancel(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    course, enrollment = _enrollment(request, pk, enrollment_id)
    back = request.POST.get("back_tab", "")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"退课原因：请填写（{enrollment.resident.name} 的报名未改变）")
        return redirect(_roster_url(course, back))
    return act(request, _roster_url(course, back),
               lambda: services.enrollment_cancel(by=request.user, enrollment=enrollment,
                                                  reason=form.cleaned_data["reason"]),
               f"已为 {enrollment.resident.name} 退课")


@require_POST
@staff_required
def enrollment_release(request: HttpRequest, pk: int, enrollment_id: int) -> HttpResponse:
    course, enrollment = _enrollment(request, pk, enrollment_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"释放原因：请填写（{enrollment.resident.name} 的名额未改变）")
        return redirect(_roster_url(course))
    return act(request, _roster_url(course),
               lambda: services.enrollment_release(by=request.user, enrollment=enrollment,
                                                   reason=form.cleaned_data["reason"]),
               f"已释放 {enrollment.resident.name} 的名额，空出的名额已依次递补")


def enrolled_text(e: Enrollment) -> str:
    name = e.resident.name
    if e.status == EnrollmentStatus.WAITLISTED:
        return f"{name} 已进入候补，排第 {selectors.waitlist_position(e)} 位"
    if e.status == EnrollmentStatus.APPLIED:
        return f"{name} 已提交摇号申请（申请号 {e.pk}）"
    if e.status == EnrollmentStatus.OFFERED:
        return f"{name} 已获递补名额，待确认"
    return f"{name} 已报名“{e.course.title}”"


@require_POST
@staff_required
@submit_once
def desk_enroll(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk, manage=True)
    form = DeskEnrollForm(request.POST)
    resident = None
    if form.is_valid():
        resident = residents_visible(request.user).filter(pk=form.cleaned_data["resident"]).first()
    if resident is None:
        messages.error(request, "居民：没有找到这位居民（须为您负责地区登记在册的居民），未报名")
        return redirect(_roster_url(course))
    return act(request, _roster_url(course),
               lambda: services.enrollment_create(by=request.user, course=course, resident=resident),
               enrolled_text)


# --- the lottery ---------------------------------------------------------------------------


def _draw(course: Course) -> LotteryDraw | None:
    return LotteryDraw.objects.filter(course=course).select_related("drawn_by").first()


def _draw_rows(draw: LotteryDraw, course: Course) -> list[dict[str, Any]]:
    rank = {no: i for i, no in enumerate(draw.order, start=1)}
    enrollments = {e.pk: e for e in selectors.roster(course).filter(pk__in=[a["no"] for a in draw.applicants])}
    labels = [PriorityGroup(p).label for p in draw.priorities if p in PriorityGroup.values]
    rows = []
    for a in sorted(draw.applicants, key=lambda a: rank.get(a["no"], 10**9)):
        e = enrollments.get(a["no"])
        group = a.get("group")
        label = labels[group] if isinstance(group, int) and 0 <= group < len(labels) else "其他居民"
        rows.append({"no": a["no"], "name": mask_name(e.resident.name) if e else "—", "group": label,
                     "rank": rank.get(a["no"]), "seated": rank.get(a["no"], 10**9) <= draw.seats,
                     "status": e.get_status_display() if e else "—"})
    return rows


@staff_required
def lottery_page(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk)
    policy = selectors.policy_of(course)
    draw = _draw(course)
    now = timezone.now()
    context = {
        "course": course, "policy": policy, "draw": draw, "rows": _draw_rows(draw, course) if draw else [],
        "applicants": selectors.roster(course, statuses=(EnrollmentStatus.APPLIED,)).count() if not draw else
        len(draw.applicants),
        "can_draw": bool(policy and policy.mode == EnrollMode.LOTTERY and not draw and now >= policy.closes_at
                         and permissions.can_manage(request.user, course)),
        "window_open": bool(policy and now < policy.closes_at),
        "priorities": [PriorityGroup(p).label for p in ((draw.priorities if draw else policy.priorities)
                                                        if policy else []) if p in PriorityGroup.values],
    }
    return render(request, "college/enrollment_lottery.html", context)


@staff_required
@submit_once
def lottery_draw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirm step; POST: draw."""
    course = roster_course(request, pk, manage=True)
    back = reverse("college:enroll_lottery", args=[course.pk])
    if request.method != "POST":
        return render(request, "college/enrollment_lottery_confirm.html", {
            "course": course, "policy": selectors.policy_of(course),
            "applicants": selectors.roster(course, statuses=(EnrollmentStatus.APPLIED,)).count(),
        })
    return act(request, back, lambda: services.lottery_draw(by=request.user, course=course),
               lambda d: f"摇号完成：{min(d.seats, len(d.order))} 人中签，其余 {max(0, len(d.order) - d.seats)} 人按摇号顺序候补")


@staff_required
def lottery_json(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk)
    draw = _draw(course)
    if draw is None:
        raise not_found("摇号记录")
    body = json.dumps(selectors.lottery_record(draw), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lottery-{course.pk}.json"'
    return response


# --- the weekly timetable and sessions -------------------------------------------------------


@require_POST
@staff_required
def slot_save(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk, manage=True)
    venues = list(venues_usable(course.area_id))
    form = SlotForm(request.POST, venues=venues)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else "课表"
            messages.error(request, f"{label}：{'；'.join(map(str, errors))}（课表未改变）")
        return redirect(_detail_url(course) + "#timetable")
    d = form.cleaned_data
    venue = next((v for v in venues if str(v.pk) == d["venue"]), None)
    return act(request, _detail_url(course) + "#timetable",
               lambda: session_services.slot_set(by=request.user, course=course, weekday=d["weekday"],
                                                 starts_at=d["starts_at"], venue=venue, locked=d["locked"]),
               f"已排在每{WEEKDAYS[d['weekday']]} {d['starts_at']:%H:%M}")


@require_POST
@staff_required
def slot_delete(request: HttpRequest, pk: int, slot_id: int) -> HttpResponse:
    course = roster_course(request, pk, manage=True)
    slot = WeeklySlot.objects.filter(course=course, pk=slot_id).first()
    if slot is None:
        raise not_found("课表时段")
    return act(request, _detail_url(course) + "#timetable",
               lambda: session_services.slot_remove(by=request.user, slot=slot),
               f"已取消每{WEEKDAYS.get(slot.weekday, '')}的课")


@require_POST
@staff_required
def sessions_make(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk, manage=True)
    return act(request, _detail_url(course) + "#sessions",
               lambda: session_services.sessions_generate(by=request.user, course=course),
               lambda n: f"已按课表排出课次，共 {n} 次")


def session_of(request: HttpRequest, session_id: Any, *, manage: bool = False) -> Session:
    """A session of a course whose enrollments the caller may see (managing: MANAGE_COLLEGE too)."""
    session = selectors.session_get(request.user, session_id)
    if manage and not permissions.can_manage(request.user, session.course):
        raise forbidden("管理该课程的报名")
    return session


@require_POST
@staff_required
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_of(request, session_id, manage=True)
    back = reverse("college:session_detail", args=[session.pk])
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "停课原因：请填写（课次未改变）")
        return redirect(back)
    if session.status == SessionStatus.CANCELLED:
        messages.warning(request, "该课次已停课")
        return redirect(back)
    return act(request, back, lambda: session_services.session_cancel(by=request.user, session=session,
                                                                       reason=form.cleaned_data["reason"]),
               "已停课，已通知报名的居民")
