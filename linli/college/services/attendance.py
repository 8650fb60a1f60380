"""Attendance (签到/考勤): card scans, the session's QR code, roll call, the paper roster.

OWNER: helper H2. Signatures below are fixed (other helpers code against them).

When each way is open (local times, the session's own):

| method | who | from | until |
|---|---|---|---|
| card (scan the resident's card) | leader, teacher, staff | 30 min before the start | the end |
| self_scan (the session's QR code) | the resident or their proxy | 30 min before the start | the end |
| roll_call | leader, teacher, staff | 30 min before the start | 24 h after the end |
| roster (paper sheet typed in) | staff with MANAGE_COLLEGE | the start | any time |

Roll call (or the roster) before the session's end saves the ticks only (present/excused): nobody
is marked absent, the session is not closed and the absence rule does not run, so a late
arrival's card scan still counts. From the end on it records the rest absent and closes; a
session is closed (by hand or by the daily close) only from its end.

Nothing is recorded for a cancelled session, or before its window opens. Only ENROLLED residents
are checked in (not the waitlisted, nor an offer still to confirm). Each new PRESENT earns the
community's 参加课程一次 points; without a rule (or over a cap, or an archived resident) the
attendance stands and the reason is logged.

Closing a session marks everyone without a record absent (except whoever took their seat after
the session's start: ``Enrollment.enrolled_at`` later than ``starts_at``; NULL means seated from the
start) and applies the community's repeated-absence rule: consecutive ABSENT records over the
course's closed sessions, newest first; sessions that started before the enrollment's seat are
ignored; EXCUSED (请假) neither counts nor breaks the run; PRESENT, or a closed session without a
record for the enrollment, ends it.

The daily close (``sessions_close_due``) leaves a session nobody recorded anything for open: it is
待补录, waiting for the paper sheet to be typed in (the roster), and no absence is written for it. At ``absence_warn_after`` the resident is reminded (once
per run: exactly at that count); at ``absence_release_after`` the seat is released to the waitlist.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.college.models import (
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    CollegeSettings,
    Enrollment,
    EnrollmentStatus,
    Session,
    SessionStatus,
)
from linli.college.permissions import can_take_attendance
from linli.college.services.common import CollegeErrorCode
from linli.college.services.sessions import WEEK_LINK, when
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import audit_record
from linli.people.models import Resident

log = logging.getLogger("linli.college")

EARLY = dt.timedelta(minutes=30)
LATE_ROLL_CALL = dt.timedelta(hours=24)
# What the ledger may refuse while the attendance still stands (as for service hours); a
# duplicate means the points were already given for this record (a retried close).
NO_POINTS = {"points.no_rule", "points.archived", "points.cap_reached", "points.duplicate"}
CARD_UNKNOWN = "没有找到这张签到卡（可能已补办新卡，或不是邻里的居民签到卡）"
SCAN_METHODS = (AttendanceMethod.CARD, AttendanceMethod.SELF_SCAN)


def _closed(message: str) -> LinliError:
    return LinliError(CollegeErrorCode.CHECKIN_CLOSED, message, status=409)


def _day_time(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _hm(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def check_window(session: Session, method: str, at: dt.datetime) -> None:
    """Refuse (CHECKIN_CLOSED, 409) outside the method's window; see the module's table."""
    if session.status == SessionStatus.CANCELLED:
        raise _closed("本次课已停课")
    opens = session.starts_at - EARLY
    if method in SCAN_METHODS:
        if at < opens:
            raise _closed(f"还没到签到时间，{_day_time(opens)} 起可签到")
        if at > session.ends_at:
            raise _closed(f"本次课已于 {_hm(session.ends_at)} 结束，签到已关闭，请联系团长补录")
    elif method == AttendanceMethod.ROLL_CALL:
        if at < opens:
            raise _closed(f"还没到点名时间，{_day_time(opens)} 起可点名")
        if at > session.ends_at + LATE_ROLL_CALL:
            raise _closed(f"本次课已于 {_day_time(session.ends_at)} 结束超过 24 小时，点名已关闭，"
                          "请社区工作人员按纸质签到表补录")
    elif at < session.starts_at:  # roster
        raise _closed(f"本次课还没开始（{_day_time(session.starts_at)}），不能补录考勤")


def _award(*, resident: Resident, action: str, source: Any, reason: str, on: dt.date) -> None:
    from linli.points.services import points_award

    try:
        with transaction.atomic():
            points_award(by=None, resident=resident, action=action, source=source, reason=reason, on=on)
    except LinliError as exc:
        if exc.code not in NO_POINTS:
            raise
        log.info("%s 未发积分（%s）：%s", action, exc.code, exc.message)


def _award_attendance(attendance: Attendance, session: Session, resident: Resident) -> None:
    _award(resident=resident, action="class_attended", source=attendance, reason=f"参加“{session.course.title}”",
           on=timezone.localdate(session.starts_at))


def _locked_session(session: Session) -> Session:
    return (Session.objects.select_for_update(of=("self",))
            .select_related("course", "course__club", "course__teacher").get(pk=session.pk))


def _enrollment_of(session: Session, resident: Resident) -> Enrollment:
    enrollment = Enrollment.objects.filter(course_id=session.course_id, resident=resident,
                                           status=EnrollmentStatus.ENROLLED).first()
    if enrollment is None:
        raise LinliError(CollegeErrorCode.NOT_ENROLLED,
                         f"{resident.name} 没有报名“{session.course.title}”（候补中/待确认的不能签到）", status=409)
    return enrollment


def _record_present(*, by: Any, session: Session, resident: Resident, method: str, now: dt.datetime) -> Attendance:
    enrollment = _enrollment_of(session, resident)
    record = Attendance.objects.filter(session=session, enrollment=enrollment).first()
    if record is not None and record.status == AttendanceStatus.PRESENT:
        raise LinliError(CollegeErrorCode.DUPLICATE, f"{resident.name} 已于 {_hm(record.recorded_at)} 签到", status=409)
    if record is None:
        record = Attendance.objects.create(session=session, enrollment=enrollment, status=AttendanceStatus.PRESENT,
                                           method=method, recorded_by=by, recorded_at=now)
    else:  # marked absent or excused by an earlier roll call, and came after all
        before = record.status
        record.status, record.method, record.recorded_by, record.recorded_at = (
            AttendanceStatus.PRESENT, method, by, now)
        record.save(update_fields=["status", "method", "recorded_by", "recorded_at"])
        log.info("attendance %s: %s → present", record.pk, before)
    audit_record(actor=by, action="college.attendance", target=record, area_code=session.course.area_id,
                 data={"session": session.pk, "enrollment": enrollment.pk, "method": method, "status": "present"},
                 on_behalf_of=resident if method == AttendanceMethod.SELF_SCAN and resident.user_id != by.pk else None)
    _award_attendance(record, session, resident)
    return record


@transaction.atomic
def attendance_check_in(*, by: Any, session: Session, resident: Resident, method: str,
                        at: dt.datetime | None = None) -> Attendance:
    """The leader, teacher or a worker checks a resident in (scanning their card, or a tap in roll call)."""
    if method not in (AttendanceMethod.CARD, AttendanceMethod.ROLL_CALL):
        raise invalid("method", "签到方式", "应为 扫居民签到卡 或 团长点名")
    if not can_take_attendance(by, session):
        raise forbidden("为这节课签到")
    if resident is None:  # ``resident_by_card`` found nobody
        raise LinliError(CollegeErrorCode.CHECKIN_TOKEN, CARD_UNKNOWN, status=404)
    now = at or timezone.now()
    session = _locked_session(session)
    check_window(session, method, now)
    return _record_present(by=by, session=session, resident=resident, method=method, now=now)


@transaction.atomic
def attendance_scan(*, by: Any, token: str, resident: Resident | None, at: dt.datetime | None = None) -> Attendance:
    """The resident (or their proxy) scans the session's QR code."""
    from linli.college.selectors.sessions import session_by_token

    if not getattr(by, "is_authenticated", False):
        raise forbidden("签到")
    found = session_by_token(token)
    if found is None:
        raise LinliError(CollegeErrorCode.CHECKIN_TOKEN, "签到码无效（可能不是邻里的课堂签到码）", status=404)
    resident = resident or Resident.objects.filter(user=by, archived_at__isnull=True).first()
    if resident is None:
        raise forbidden("签到（请用居民本人或代办人的账号扫码）")
    now = at or timezone.now()
    session = _locked_session(found)
    check_window(session, AttendanceMethod.SELF_SCAN, now)
    return _record_present(by=by, session=session, resident=resident, method=AttendanceMethod.SELF_SCAN, now=now)


def _ids(raw: Iterable[Any], field: str, label: str) -> set[int]:
    result: set[int] = set()
    for value in raw or ():
        if isinstance(value, bool):
            raise invalid(field, label, f"报名编号应为数字，不能是 {value}")
        try:
            result.add(int(value))
        except (TypeError, ValueError):
            raise invalid(field, label, f"报名编号应为数字，不能是 {str(value)[:20]}") from None
    return result


@transaction.atomic
def roll_call_submit(*, by: Any, session: Session, present: Iterable[int], excused: Iterable[int] = (),
                     method: str = "roll_call", at: dt.datetime | None = None) -> Session:
    """Record the whole roster at once (enrollment ids present / excused; the rest absent) and close
    the session: roll call on the leader's phone, or the paper roster typed in later (method roster).

    Before the session's end only the present/excused ticks are saved (no absents, no close, no
    absence rule); the returned session's ``closed_at`` says whether it was closed."""
    if method == AttendanceMethod.ROSTER:
        if not has_permission(by, Perm.MANAGE_COLLEGE, session.course.area_id):
            raise forbidden("按纸质签到表补录考勤")
    elif method == AttendanceMethod.ROLL_CALL:
        if not can_take_attendance(by, session):
            raise forbidden("为这节课点名")
    else:
        raise invalid("method", "考勤方式", "应为 团长点名 或 纸质名单补录")
    now = at or timezone.now()
    session = _locked_session(session)
    check_window(session, method, now)
    present_ids, excused_ids = _ids(present, "present", "到课名单"), _ids(excused, "excused", "请假名单")
    both = present_ids & excused_ids
    if both:
        raise invalid("excused", "请假名单", f"报名编号 {min(both)} 同时在到课名单里，请只选一项")
    enrolled = {e.pk: e for e in Enrollment.objects.filter(course_id=session.course_id,
                                                         status=EnrollmentStatus.ENROLLED).select_related("resident")}
    for field, label, ids in (("present", "到课名单", present_ids), ("excused", "请假名单", excused_ids)):
        unknown = sorted(ids - enrolled.keys())
        if unknown:
            raise invalid(field, label, f"报名编号 {unknown[0]} 不是“{session.course.title}”已报名的学员")
    records = {a.enrollment_id: a for a in Attendance.objects.filter(session=session)}
    # Before the end only the ticks are saved: whoever is not ticked yet may still come.
    over = now >= session.ends_at
    changed: dict[str, int] = defaultdict(int)
    for pk, enrollment in enrolled.items():
        if pk in present_ids:
            status = AttendanceStatus.PRESENT
        elif pk in excused_ids:
            status = AttendanceStatus.EXCUSED
        elif over and not _seated_after(enrollment, session):
            status = AttendanceStatus.ABSENT
        else:
            continue
        record = records.get(pk)
        if record is not None and (record.status == AttendanceStatus.PRESENT or record.status == status):
            continue  # present stays present (a scan, an earlier roll call); unchanged stays
        if record is None:
            record = Attendance.objects.create(session=session, enrollment=enrollment, status=status, method=method,
                                               recorded_by=by, recorded_at=now)
        else:
            record.status, record.method, record.recorded_by, record.recorded_at = status, method, by, now
            record.save(update_fields=["status", "method", "recorded_by", "recorded_at"])
        changed[status] += 1
        if status == AttendanceStatus.PRESENT:
            _award_attendance(record, session, enrollment.resident)
    audit_record(actor=by, action="college.roll_call", target=session, area_code=session.course.area_id,
                 data={"method": method, "present": sorted(present_ids), "excused": sorted(excused_ids),
                       "changed": dict(changed), "closes": over})
    if not over:
        return session
    return _close(by=by, session=session, now=now, method=method)


@transaction.atomic
def session_close(*, by: Any, session: Session, at: dt.datetime | None = None) -> Session:
    """Mark everyone without a record absent, apply the repeated-absence rule, award the teacher.
    Only from the session's end."""
    if by is not None and not can_take_attendance(by, session):
        raise forbidden("结束这节课的考勤")
    now = at or timezone.now()
    session = _locked_session(session)
    if session.status == SessionStatus.CANCELLED:
        raise _closed("本次课已停课")
    if now < session.starts_at:
        raise _closed(f"本次课还没开始（{_day_time(session.starts_at)}），不能结束考勤")
    if now < session.ends_at:
        raise _closed(f"本次课 {_hm(session.ends_at)} 下课，下课后才能结束考勤（还没到的可能迟到）")
    return _close(by=by, session=session, now=now, method=AttendanceMethod.ROLL_CALL)


def _close(*, by: Any, session: Session, now: dt.datetime, method: str) -> Session:
    """The session is locked by the caller. Absents are written every time (a correction), but not
    for whoever took their seat after the start; the absence rule runs and the close is recorded
    only the first time."""
    course = session.course
    recorder = by if by is not None else _system_recorder(session)
    missing = (Enrollment.objects.filter(course=course, status=EnrollmentStatus.ENROLLED)
               .filter(Q(enrolled_at__isnull=True) | Q(enrolled_at__lte=session.starts_at))
               .exclude(attendance__session=session).order_by("pk"))
    Attendance.objects.bulk_create([
        Attendance(session=session, enrollment=e, status=AttendanceStatus.ABSENT, method=method, recorded_by=recorder,
                   recorded_at=now)
        for e in missing
    ])
    first = session.closed_at is None
    if first:
        session.closed_at, session.closed_by = now, by
        session.save(update_fields=["closed_at", "closed_by"])
        _absence_rule(by=by, session=session, now=now)
        audit_record(actor=by, action="college.session_close", target=session, area_code=course.area_id,
                     data={"method": method})
    teacher = course.teacher
    if (teacher is not None and teacher.resident is not None
            and Attendance.objects.filter(session=session, status=AttendanceStatus.PRESENT).exists()):
        _award(resident=teacher.resident, action="session_taught", source=session,
               reason=f"教授“{course.title}”（{when(session.starts_at)}）", on=timezone.localdate(session.starts_at))
    return session


def _seated_after(enrollment: Enrollment, session: Session) -> bool:
    """Took the seat after the session had started: not theirs to be absent from (NULL: from the start)."""
    return enrollment.enrolled_at is not None and enrollment.enrolled_at > session.starts_at


def _system_recorder(session: Session) -> Any:
    """Who is written as recording an automatic close: nobody when the model allows it, else the
    worker who set the course up (Attendance.recorded_by is required)."""
    if Attendance._meta.get_field("recorded_by").null:
        return None
    return session.course.created_by


def _settings(community_code: str) -> tuple[int, int]:
    row = CollegeSettings.objects.filter(area_id=community_code).first()
    if row is None:
        fields = CollegeSettings._meta
        return (int(fields.get_field("absence_warn_after").default),
                int(fields.get_field("absence_release_after").default))
    return row.absence_warn_after, row.absence_release_after


def absence_runs(course_id: int, enrollment_ids: Iterable[int]) -> dict[int, int]:
    """Each enrollment's consecutive absences over the course's closed sessions, newest first
    (sessions that started before the enrollment's ``enrolled_at`` are ignored)."""
    ids = list(enrollment_ids)
    runs = dict.fromkeys(ids, 0)
    if not ids:
        return runs
    closed = list(Session.objects.filter(course_id=course_id, closed_at__isnull=False,
                                         status=SessionStatus.SCHEDULED)
                  .order_by("-starts_at", "-pk").values_list("pk", "starts_at"))
    seated = dict(Enrollment.objects.filter(pk__in=ids).values_list("pk", "enrolled_at"))
    marks: dict[tuple[int, int], str] = {
        (a["session_id"], a["enrollment_id"]): a["status"]
        for a in Attendance.objects.filter(session_id__in=[pk for pk, _ in closed], enrollment_id__in=ids)
        .values("session_id", "enrollment_id", "status")
    }
    for eid in ids:
        since = seated.get(eid)
        for sid, starts_at in closed:
            if since is not None and since > starts_at:
                continue  # before their seat: not theirs to miss
            status = marks.get((sid, eid))
            if status == AttendanceStatus.EXCUSED:
                continue
            if status != AttendanceStatus.ABSENT:
                break
            runs[eid] += 1
    return runs


def _absence_rule(*, by: Any, session: Session, now: dt.datetime) -> None:
    from linli.college.services.enrollment import enrollment_release
    from linli.notices.services import notice_send

    course = session.course
    warn_after, release_after = _settings(course.area_id)
    if not warn_after and not release_after:
        return
    absent = list(Enrollment.objects.filter(
        course=course, status=EnrollmentStatus.ENROLLED,
        attendance__session=session, attendance__status=AttendanceStatus.ABSENT).select_related("resident"))
    runs = absence_runs(course.pk, [e.pk for e in absent])
    for enrollment in absent:
        run = runs[enrollment.pk]
        if release_after and run >= release_after:
            try:
                with transaction.atomic():
                    # The community's rule releases the seat, not whoever closed the session (a
                    # club leader may not release seats by hand).
                    enrollment_release(by=None, enrollment=enrollment, reason=f"连续缺勤 {run} 次", at=now)
            except LinliError as exc:  # the attendance stands; a worker can release the seat by hand
                log.warning("报名 %s 连续缺勤 %s 次，未能释放名额：%s", enrollment.pk, run, exc.message)
        elif warn_after and run == warn_after:
            left = f"再缺 {release_after - run} 次名额将让给候补的邻居。" if release_after else "如有事请提前向团长请假。"
            notice_send(resident=enrollment.resident, link=WEEK_LINK,
                        text=f"您已连续 {run} 次没来上“{course.title}”，{left}")
            enrollment.warned_at = now
            enrollment.save(update_fields=["warned_at", "updated_at"])


def sessions_close_due(*, at: dt.datetime | None = None) -> int:
    """Close every session that ended more than a day ago and is still open (run daily).

    A session nobody recorded anything for is left open (待补录: the paper sheet is still to be
    typed in): no absences, no absence rule."""
    now = at or timezone.now()
    due = list(Session.objects.filter(status=SessionStatus.SCHEDULED, closed_at__isnull=True,
                                      ends_at__lt=now - LATE_ROLL_CALL)
               .filter(Exists(Attendance.objects.filter(session=OuterRef("pk")))).order_by("starts_at", "pk")
               .values_list("pk", flat=True))
    closed = 0
    for pk in due:
        try:
            with transaction.atomic():
                session = _locked_session(Session(pk=pk))
                if session.closed_at is not None or session.status != SessionStatus.SCHEDULED:
                    continue
                if not Attendance.objects.filter(session=session).exists():
                    log.info("课次 %s 没有任何考勤记录，待补录纸质签到表，暂不结束", pk)
                    continue
                _close(by=None, session=session, now=now, method=AttendanceMethod.ROLL_CALL)
                closed += 1
        except LinliError:  # one course's trouble does not stop the others
            log.exception("课次 %s 自动结束考勤失败", pk)
    return closed
