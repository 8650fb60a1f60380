"""The back office of a course's sessions (课次): the session's QR code and its poster, attendance,
the paper roster (printable sign-in sheet, and its entry afterwards), closing; attendance statistics.

Thin: selectors read, services write. Who may see: the course's enrollments' rule (plain
VIEW_COLLEGE on its area); who may take attendance: ``permissions.can_take_attendance``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.accounts.web import staff_required
from linli.college import permissions
from linli.college.forms_enrollment import ROSTER_MARKS, ReasonForm, roster_marks
from linli.college.models import AttendanceMethod, Course, EnrollmentStatus, Session, SessionStatus
from linli.college.selectors import sessions as selectors
from linli.college.services import attendance as services
from linli.college.views.enrollment import act, local, roster_course, session_of
from linli.core.errors import LinliError, forbidden
from linli.core.exports import xlsx_response
from linli.core.once import submit_once
from linli.portal import qr


def checkin_url(request: HttpRequest, session: Session) -> str:
    return request.build_absolute_uri(f"/m/college/checkin/{session.checkin_token}/")


def _back(session: Session) -> str:
    return reverse("college:session_detail", args=[session.pk])


def _may_enter(request: HttpRequest, session: Session) -> bool:
    """The paper roster is typed in by staff managing the course's area."""
    return session.status == SessionStatus.SCHEDULED and permissions.can_manage(request.user, session.course)


@staff_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_of(request, session_id)
    course = session.course
    rows = selectors.attendance_of(session)
    counts = {s: sum(1 for _, a in rows if a is not None and a.status == s) for s in ("present", "absent", "excused")}
    url = checkin_url(request, session)
    now = timezone.now()
    return render(request, "college/session_detail.html", {
        "session": session, "course": course, "rows": rows, "counts": counts,
        "ended": now >= session.ends_at,
        "awaiting_roster": selectors.is_awaiting_roster(session, records=sum(1 for _, a in rows if a), at=now),
        "awaiting_words": selectors.AWAITING_ROSTER,
        "enrolled": sum(1 for e, _ in rows if e.status == EnrollmentStatus.ENROLLED),
        "checkin_url": url, "qr_svg": qr.svg(url, box_size=8) if session.status == SessionStatus.SCHEDULED else None,
        "may_take": _may_enter(request, session), "can_manage": permissions.can_manage(request.user, course),
        "reason_form": ReasonForm(),
    })


@staff_required
def session_poster(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's QR code as an A4 poster, for the classroom door."""
    session = session_of(request, session_id)
    url = checkin_url(request, session)
    return render(request, "college/session_poster.html", {
        "session": session, "course": session.course, "qr_svg": qr.svg(url, box_size=12), "checkin_url": url,
    })


@staff_required
def session_sheet(request: HttpRequest, session_id: int) -> HttpResponse:
    """The printable sign-in sheet: the offline fallback, typed in later on the roster form."""
    session = session_of(request, session_id)
    seated = [e for e, _ in selectors.attendance_of(session) if e.status == EnrollmentStatus.ENROLLED]
    return render(request, "college/session_sheet.html", {
        "session": session, "course": session.course, "enrollments": seated,
        "blank": range(max(3, 5 - len(seated) % 5)),
    })


@staff_required
@submit_once
def session_roster(request: HttpRequest, session_id: int) -> HttpResponse:
    """The paper roster entered afterwards: one row per enrolled resident, 到/请假/缺."""
    session = session_of(request, session_id)
    if not permissions.can_manage(request.user, session.course):
        raise forbidden("按纸质签到表补录考勤")
    if session.status != SessionStatus.SCHEDULED:
        messages.error(request, "该课次已停课，不能登记考勤")
        return redirect(_back(session))
    lines = [(e, a) for e, a in selectors.attendance_of(session) if e.status == EnrollmentStatus.ENROLLED]
    seated = [e for e, _ in lines]
    marks = {e.pk: a for e, a in lines}
    if request.method == "POST":
        present, excused = roster_marks(request.POST, [e.pk for e in seated])
        unmarked = [e.resident.name for e in seated if not request.POST.get(f"mark-{e.pk}")]
        if unmarked:
            messages.error(request, f"考勤：还有 {len(unmarked)} 人未选择（{'、'.join(unmarked[:5])}），考勤未保存")
        else:
            try:
                done = services.roll_call_submit(by=request.user, session=session, present=present,
                                                 excused=excused, method=AttendanceMethod.ROSTER)
            except LinliError as exc:
                if exc.status in (403, 404):
                    raise
                messages.error(request, exc.message)
            else:
                if done.closed_at is None:  # before the end: the ticks only
                    messages.success(request, f"已录入纸质签到：到 {len(present)} 人，请假 {len(excused)} 人；"
                                              "下课后才记缺勤")
                else:
                    messages.success(request, f"已录入纸质签到：到 {len(present)} 人，请假 {len(excused)} 人，"
                                              f"缺 {len(seated) - len(present) - len(excused)} 人")
                return redirect(_back(session))
    rows = []
    for e in seated:
        mark = marks.get(e.pk)
        chosen = request.POST.get(f"mark-{e.pk}", "") if request.method == "POST" else (mark.status if mark else "")
        rows.append({"e": e, "chosen": chosen})
    return render(request, "college/session_roster.html", {
        "session": session, "course": session.course, "rows": rows, "marks": ROSTER_MARKS,
    }, status=400 if request.method == "POST" else 200)


@require_POST
@staff_required
def session_close(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_of(request, session_id)
    if not permissions.can_take_attendance(request.user, session):
        raise forbidden("结束该课次的考勤")
    return act(request, _back(session), lambda: services.session_close(by=request.user, session=session),
               "考勤已结束：未签到的记为缺勤")


# --- attendance statistics ------------------------------------------------------------------


STATS_HEADERS = ["姓名", "到课", "缺勤", "请假", "出勤率"]
SESSION_HEADERS = ["日期", "时间", "场地", "状态", "到课", "缺勤", "请假", "考勤结束"]


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def _session_rows(course: Course) -> list[list[Any]]:
    rows = []
    now = timezone.now()
    for s in selectors.course_attendance_summary(course):
        session = s.session
        awaiting = selectors.is_awaiting_roster(session, records=s.records, at=now)
        rows.append([timezone.localtime(session.starts_at).strftime("%Y-%m-%d"),
                     timezone.localtime(session.starts_at).strftime("%H:%M"),
                     session.venue.name if session.venue else "", session.get_status_display(), s.present, s.absent,
                     s.excused, local(session.closed_at) or ("待补录" if awaiting else "未结束")])
    return rows


@staff_required
def attendance_stats_page(request: HttpRequest, pk: int) -> HttpResponse:
    course = roster_course(request, pk)
    people = [[r.name, r.present, r.absent, r.excused, _rate(r.rate)] for r in selectors.attendance_stats(course)]
    sessions = _session_rows(course)
    if request.GET.get("export") == "xlsx":
        which = request.GET.get("by", "")
        headers, rows, label = (SESSION_HEADERS, sessions, "按课次") if which == "session" else (
            STATS_HEADERS, people, "按居民")
        return xlsx_response(f"{course.title}-考勤{label}-{dt.date.today():%Y%m%d}.xlsx", f"考勤{label}", headers, rows)
    return render(request, "college/session_stats.html", {
        "course": course, "people": people, "sessions": sessions, "people_headers": STATS_HEADERS,
        "session_headers": SESSION_HEADERS,
    })
