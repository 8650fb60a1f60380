"""The residents' college pages on the phone, under /m/college/: enroll and give a place up, the
week's classes, checking in by the session's QR code; and the club leader's roll call.

Whoever is logged in acts for the page's subject: themself or, in proxy mode with the 报名课程
scope, the elder they act for. Refusals from the services come back as a message at the top of
the page and change nothing. Only the leader's roll call page loads a script (the card scanner)."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from linli.college.models import (
    Attendance,
    AttendanceStatus,
    Course,
    Enrollment,
    EnrollmentStatus,
    Session,
    SessionStatus,
)
from linli.college.permissions import can_take_attendance
from linli.college.selectors import sessions as session_selectors
from linli.college.services import attendance as attendance_services
from linli.college.services import enrollment as enrollment_services
from linli.college.services.attendance import EARLY
from linli.college.services.common import WEEKDAYS
from linli.core.errors import LinliError, forbidden, invalid, not_found
from linli.core.names import mask_name
from linli.people.models import ProxyScope, Resident
from linli.portal.context import Subject, as_context, require_scope, subject

COURSES = "/m/courses/"


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _login_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template: str, *, tab: str = "courses", status: int = 200, **extra) -> HttpResponse:
    s = subject(request)
    return render(request, template, {**as_context(s, request.user), "tab": tab, **extra}, status=status)


def _back(course_id: int) -> str:
    return f"{COURSES}#course-{course_id}"


def _acting_for(s: Subject) -> Resident:
    """The resident the enrollment pages act for; a proxy needs the 报名课程 scope."""
    require_scope(s, ProxyScope.ENROLL)
    if s.resident is None:
        raise not_found("居民信息")
    return s.resident


def _mine(s: Subject, enrollment_id: int) -> Enrollment:
    resident = _acting_for(s)
    enrollment = (Enrollment.objects.filter(pk=enrollment_id, resident=resident)
                  .select_related("course", "course__club", "course__policy", "resident").first())
    if enrollment is None:
        raise not_found("报名")
    return enrollment


# --- enrolling ----------------------------------------------------------------------------------


@require_POST
def enroll(request: HttpRequest, course_id: int) -> HttpResponse:
    """报名 / 候补 / 申请摇号: one POST (the CSRF token only), answered with a redirect to the card.

    Kept lean for the opening-morning rush: the subject, the course, the service; nothing else."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('portal:login')}?{urlencode({'next': COURSES})}")
    back = _back(course_id)
    try:
        resident = _acting_for(subject(request))
        course = Course.objects.filter(pk=course_id).first()
        if course is None:
            raise not_found("课程")
        enrollment = enrollment_services.enrollment_create(by=request.user, course=course, resident=resident)
    except LinliError as exc:
        messages.error(request, exc.message)
        return _see_other(back)
    if enrollment.status == EnrollmentStatus.ENROLLED:
        messages.success(request, f"报名成功：{course.title}")
    elif enrollment.status == EnrollmentStatus.WAITLISTED:
        messages.success(request, f"{course.title} 已满，已为您排上候补，有空位会短信通知您")
    elif enrollment.status == EnrollmentStatus.APPLIED:
        messages.success(request, f"已申请 {course.title} 的摇号，截止后公开摇号，结果会短信通知您")
    else:
        messages.success(request, f"{course.title}：{enrollment.get_status_display()}")
    return _see_other(back)


@_login_required
def cancel(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """退课 / 放弃候补 / 撤回申请: a page that asks once more, with one big red button."""
    s = subject(request)
    enrollment = _mine(s, enrollment_id)
    if request.method == "POST":
        word = _cancel_word(enrollment)  # before the service changes the status
        try:
            enrollment_services.enrollment_cancel(by=request.user, enrollment=enrollment)
        except LinliError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已{word}：{enrollment.course.title}")
        return _see_other(_back(enrollment.course_id))
    if enrollment.status not in (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED, EnrollmentStatus.APPLIED,
                                 EnrollmentStatus.OFFERED):
        messages.error(request, f"{enrollment.course.title}：{enrollment.get_status_display()}，不用再取消")
        return _see_other(_back(enrollment.course_id))
    return _page(request, "college/resident/cancel.html", enrollment=enrollment, word=_cancel_word(enrollment))


def _cancel_word(enrollment: Enrollment) -> str:
    words = {EnrollmentStatus.WAITLISTED.value: "放弃候补", EnrollmentStatus.APPLIED.value: "撤回申请",
             EnrollmentStatus.OFFERED.value: "放弃名额"}
    return words.get(str(enrollment.status), "退课")


@require_POST
@_login_required
def confirm(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """有空位了: the promoted resident takes the seat."""
    enrollment = _mine(subject(request), enrollment_id)
    try:
        enrollment_services.offer_confirm(by=request.user, enrollment=enrollment)
    except LinliError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认，报名成功：{enrollment.course.title}")
    return _see_other(_back(enrollment.course_id))


@require_POST
@_login_required
def decline(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """不要了: the seat goes to the next neighbour on the waitlist."""
    enrollment = _mine(subject(request), enrollment_id)
    try:
        enrollment_services.offer_decline(by=request.user, enrollment=enrollment)
    except LinliError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已放弃 {enrollment.course.title} 的名额，名额让给下一位邻居")
    return _see_other(_back(enrollment.course_id))


# --- my week ------------------------------------------------------------------------------------


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.isoweekday() - 1)


def _days(items: list[session_selectors.WeekItem]) -> list[dict]:
    """The week's items grouped by day, in order."""
    days: list[dict] = []
    for item in items:
        local = timezone.localtime(item.session.starts_at)
        label = f"{local.month}月{local.day}日 {WEEKDAYS[local.isoweekday()]}"
        if not days or days[-1]["label"] != label:
            days.append({"label": label, "today": local.date() == timezone.localdate(), "items": []})
        days[-1]["items"].append(item)
    return days


@_login_required
def week(request: HttpRequest) -> HttpResponse:
    """我的一周: this week's and next week's classes, 停课 said plainly."""
    s = subject(request)
    resident = _acting_for(s)
    monday = _monday(timezone.localdate())
    weeks = []
    for title, start in (("本周", monday), ("下周", monday + dt.timedelta(days=7))):
        items = session_selectors.week_of(resident, monday=start)
        weeks.append({"title": title, "days": _days(items), "count": len(items)})
    return _page(request, "college/resident/week.html", weeks=weeks)


# --- checking in by the session's QR code -------------------------------------------------------


@_login_required
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """Where the session's QR code leads: the course, time and place, and one big 签到 button."""
    s = subject(request)
    resident = _acting_for(s)
    found = session_selectors.session_by_token(token)
    if found is None:
        return _page(request, "college/resident/checkin.html", status=404, session=None,
                     problem="签到码无效（可能不是邻里的课堂签到码）。请找团长或老师签到。")
    if request.method == "POST":
        try:
            attendance_services.attendance_scan(by=request.user, token=token, resident=resident)
        except LinliError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
        return _see_other(request.path)
    record = (Attendance.objects.filter(session=found, enrollment__resident=resident,
                                        status=AttendanceStatus.PRESENT).first())
    enrolled = Enrollment.objects.filter(course_id=found.course_id, resident=resident,
                                         status=EnrollmentStatus.ENROLLED).exists()
    return _page(request, "college/resident/checkin.html", session=found, record=record, enrolled=enrolled,
                 cancelled=found.status == SessionStatus.CANCELLED)


# --- the resident's QR card, scanned by a leader ----------------------------------------------


def _now_open(session, now: dt.datetime) -> bool:
    return session.status == SessionStatus.SCHEDULED and session.starts_at - EARLY <= now <= session.ends_at


def _safe_back(request: HttpRequest) -> str:
    target = request.POST.get("back") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def card(request: HttpRequest, code: str) -> HttpResponse:
    """The page a resident's QR card opens. A leader, teacher or worker with a session of the
    holder's happening now sees one button per session; anyone else learns only what the card is."""
    holder = session_selectors.resident_by_card(code)
    user = request.user
    sessions = []
    if holder is not None and user.is_authenticated:
        now = timezone.now()
        led = [x for x in session_selectors.sessions_led_by(user, day=timezone.localdate()) if _now_open(x, now)]
        if led:
            enrolled = set(Enrollment.objects.filter(course_id__in={x.course_id for x in led}, resident=holder,
                                                     status=EnrollmentStatus.ENROLLED)
                           .values_list("course_id", flat=True))
            sessions = [x for x in led if x.course_id in enrolled]
    if request.method == "POST":
        if holder is None or not sessions:
            raise forbidden("为这位居民签到")
        chosen = next((x for x in sessions if str(x.pk) == request.POST.get("session")), None)
        if chosen is None:
            raise not_found("课次")
        try:
            attendance_services.attendance_check_in(by=user, session=chosen, resident=holder, method="card")
        except LinliError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{holder.name} 签到成功：{chosen.course.title}")
        return _see_other(_safe_back(request) or request.path)
    if not sessions:
        context = as_context(subject(request), user) if user.is_authenticated else {}
        return render(request, "college/resident/card_public.html",
                      {**context, "tab": "", "masked": mask_name(holder.name) if holder else "",
                       "known": holder is not None, "own": holder is not None and user.is_authenticated and holder.user_id == user.pk},
                      status=200 if holder is not None else 404)
    present = set(Attendance.objects.filter(session__in=sessions, enrollment__resident=holder,
                                            status=AttendanceStatus.PRESENT).values_list("session_id", flat=True))
    rows = [{"session": x, "done": x.pk in present} for x in sessions]
    return _page(request, "college/resident/card_checkin.html", tab="home", holder=holder, rows=rows)


# --- the leader's roll call ---------------------------------------------------------------------


@_login_required
def lead(request: HttpRequest) -> HttpResponse:
    """Today's sessions the user may take attendance for."""
    sessions = list(session_selectors.sessions_led_by(request.user, day=timezone.localdate()))
    return _page(request, "college/resident/lead.html", tab="home", sessions=sessions)


def _led_session(request: HttpRequest, session_id: int):
    found = (Session.objects.filter(pk=session_id)
             .select_related("course", "course__club", "course__teacher", "venue").first())
    if found is None:
        raise not_found("课次")
    if not can_take_attendance(request.user, found):
        raise forbidden("为这节课点名")
    return found


@_login_required
def roll_call(request: HttpRequest, session_id: int) -> HttpResponse:
    """The roster with one big 到 toggle per resident; the ones already checked in are ticked.

    Before the end of the class the ticks are saved only; from the end, the rest are marked absent."""
    session = _led_session(request, session_id)
    if request.method == "POST":
        try:
            present = _enrollment_ids(request.POST.getlist("present"))
            done = attendance_services.roll_call_submit(by=request.user, session=session, present=present,
                                                        method="roll_call")
        except LinliError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
        else:
            counts = _counts(session)
            if done.closed_at is None:
                messages.success(request, f"已保存签到：到 {counts['present']} 人。下课后再提交点名，没到的记缺勤")
            else:
                messages.success(request, f"点名完成：到 {counts['present']} 人，缺 {counts['absent']} 人")
        return _see_other(request.path)
    lines = session_selectors.attendance_of(session)
    rows = [{"enrollment": e, "record": r, "present": r is not None and r.status == AttendanceStatus.PRESENT}
            for e, r in lines]
    return _page(request, "college/resident/roll_call.html", tab="home", session=session, rows=rows,
                 counts=_counts(session), cancelled=session.status == SessionStatus.CANCELLED,
                 ended=timezone.now() >= session.ends_at)


def _enrollment_ids(values: list[str]) -> list[int]:
    """The ticked enrollment ids; anything else (a stray "²") is a message, not a crash."""
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            raise invalid("present", "到课名单", f"报名编号应为数字，不能是 {value[:20]}") from None
    return ids


def _counts(session) -> dict[str, int]:
    counts = dict.fromkeys(("present", "absent", "excused"), 0)
    for status in Attendance.objects.filter(session=session).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


@require_POST
@_login_required
def roll_call_card(request: HttpRequest, session_id: int) -> HttpResponse:
    """A card code typed, pasted, or read by the page's camera scanner: check its holder in."""
    session = _led_session(request, session_id)
    raw = (request.POST.get("code") or "").strip()
    holder = session_selectors.resident_by_card(raw) if raw else None
    back = reverse("resident_college:roll_call", args=[session.pk])
    if not raw:
        messages.error(request, "请输入或扫描居民签到卡上的码")
        return _see_other(back)
    if holder is None:
        messages.error(request, attendance_services.CARD_UNKNOWN)
        return _see_other(back)
    try:
        attendance_services.attendance_check_in(by=request.user, session=session, resident=holder, method="card")
    except LinliError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{holder.name} 签到成功")
    return _see_other(back)
