"""Attendance: each way of checking in and its window's edges, the refusals (each leaving the
Attendance table unchanged), roll call and the paper roster closing a session, the repeated-absence
rule, points, the automatic close, and the reads (card codes, statistics, a resident's week)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from linli.college.models import Attendance, CollegeSettings, Enrollment, Session
from linli.college.permissions import can_take_attendance
from linli.college.selectors import sessions as selectors
from linli.college.services import attendance as services
from linli.college.services.sessions import session_cancel
from linli.college.tests.enroll_kit import NOW, open_course, residents, session
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.notices.models import Notice
from linli.points.models import Transfer

pytestmark = pytest.mark.django_db

DEC1 = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def enroll(course, resident, status="enrolled"):
    return Enrollment.objects.create(course=course, resident=resident, status=status, by=course.created_by)


@dataclass
class Class:
    p: Any
    course: Any
    session: Any  # 12-01 09:00–10:30
    leader: Any  # the club leader's login
    teacher: Any  # the teacher's login (the teacher is a resident)
    students: list  # residents, enrolled
    enrollments: list


@pytest.fixture
def c(personas) -> Class:
    course = open_course(personas)
    leader, teacher, *students = residents(5)
    course.club.leader = leader
    course.club.save(update_fields=["leader"])
    course.teacher.resident = teacher
    course.teacher.save(update_fields=["resident"])
    course.refresh_from_db()
    return Class(p=personas, course=course, session=session(course, local(DEC1, 9)), leader=leader.user,
                 teacher=teacher.user, students=students, enrollments=[enroll(course, r) for r in students])


def marks(session_) -> dict[int, tuple[str, str]]:
    return {a.enrollment_id: (a.status, a.method) for a in Attendance.objects.filter(session=session_)}


def refused(call, *, code: str, message: str | None = None, status: int = 409) -> LinliError:
    before = list(Attendance.objects.values_list("pk", "status", "method", "recorded_at"))
    with pytest.raises(LinliError) as exc:
        call()
    assert (exc.value.code, exc.value.status) == (code, status), exc.value.message
    if message is not None:
        assert exc.value.message == message
    assert list(Attendance.objects.values_list("pk", "status", "method", "recorded_at")) == before
    return exc.value


@pytest.fixture
def rule(personas):
    from linli.points.services import rule_set

    for action in ("class_attended", "session_taught"):
        rule_set(by=personas.district_admin, area_code="500112009011", action=action, points=2,
                 valid_from=dt.date(2026, 1, 1))


def awards(action: str) -> int:
    return Transfer.objects.filter(action=action).count()


# --- who may take attendance ------------------------------------------------------------------


def test_the_leader_the_teacher_and_the_areas_staff_take_attendance(c):
    s, p = c.session, c.p
    assert can_take_attendance(c.leader, s) and can_take_attendance(c.teacher, s)
    assert can_take_attendance(p.xjq_worker, s) and can_take_attendance(p.district_admin, s)
    assert not can_take_attendance(p.jzy_worker, s)
    assert not can_take_attendance(p.outsider, s)
    assert not can_take_attendance(c.students[0].user, s)
    assert not can_take_attendance(p.xjq_grid_worker, s)


def test_someone_else_cannot_check_a_resident_in(c):
    for who in (c.p.jzy_worker, c.students[1].user, c.p.outsider):
        refused(lambda who=who: services.attendance_check_in(by=who, session=c.session, resident=c.students[0],
                                                             method="card", at=local(DEC1, 9)),
                code="forbidden", status=403)


# --- the card scan and the session's QR code: 30 minutes before until the end -------------------


def test_a_card_scan_from_thirty_minutes_before_the_start(c, rule):
    first, second = c.students[:2]
    refused(lambda: services.attendance_check_in(by=c.leader, session=c.session, resident=first, method="card",
                                                 at=local(DEC1, 8, 29)),
            code="college.checkin_closed", message="还没到签到时间，12月1日 08:30 起可签到")
    a = services.attendance_check_in(by=c.leader, session=c.session, resident=first, method="card",
                                     at=local(DEC1, 8, 30))
    assert (a.status, a.method, a.recorded_by, a.enrollment) == ("present", "card", c.leader, c.enrollments[0])
    assert a.recorded_at == local(DEC1, 8, 30)
    b = services.attendance_check_in(by=c.teacher, session=c.session, resident=second, method="card",
                                     at=local(DEC1, 10, 30))  # the last minute
    assert b.recorded_by == c.teacher
    assert awards("class_attended") == 2
    assert AuditEntry.objects.filter(action="college.attendance").count() == 2


def test_scans_close_at_the_end_but_roll_call_stays_open_a_day(c):
    late = local(DEC1, 10, 31)
    for method in ("card",):
        refused(lambda method=method: services.attendance_check_in(by=c.leader, session=c.session,
                                                                   resident=c.students[0], method=method, at=late),
                code="college.checkin_closed", message="本次课已于 10:30 结束，签到已关闭，请联系团长补录")
    refused(lambda: services.attendance_scan(by=c.students[0].user, token=c.session.checkin_token,
                                             resident=c.students[0], at=late),
            code="college.checkin_closed", message="本次课已于 10:30 结束，签到已关闭，请联系团长补录")
    a = services.attendance_check_in(by=c.leader, session=c.session, resident=c.students[0], method="roll_call",
                                     at=late)
    assert (a.status, a.method) == ("present", "roll_call")
    services.attendance_check_in(by=c.leader, session=c.session, resident=c.students[1], method="roll_call",
                                 at=local(dt.date(2026, 12, 2), 10, 30))
    refused(lambda: services.attendance_check_in(by=c.leader, session=c.session, resident=c.students[2],
                                                 method="roll_call", at=local(dt.date(2026, 12, 2), 10, 31)),
            code="college.checkin_closed")
    refused(lambda: services.attendance_check_in(by=c.leader, session=c.session, resident=c.students[2],
                                                 method="roll_call", at=local(DEC1, 8, 29)),
            code="college.checkin_closed", message="还没到点名时间，12月1日 08:30 起可点名")
    refused(lambda: services.attendance_check_in(by=c.leader, session=c.session, resident=c.students[2],
                                                 method="roster", at=local(DEC1, 9)),
            code="invalid", status=400)


def test_the_resident_scans_the_sessions_code_themselves_or_through_a_proxy(c):
    me, other = c.students[:2]
    refused(lambda: services.attendance_scan(by=me.user, token=c.session.checkin_token, resident=None,
                                             at=local(DEC1, 8, 29)),
            code="college.checkin_closed", message="还没到签到时间，12月1日 08:30 起可签到")
    a = services.attendance_scan(by=me.user, token=c.session.checkin_token, resident=None, at=local(DEC1, 8, 30))
    assert (a.enrollment, a.method, a.recorded_by) == (c.enrollments[0], "self_scan", me.user)
    # A family member's login acting for the resident (the portal checks the proxy's scope).
    url = f"https://linli.example/m/college/checkin/{c.session.checkin_token}/"
    b = services.attendance_scan(by=me.user, token=url, resident=other, at=local(DEC1, 10, 30))
    assert (b.enrollment, b.recorded_by) == (c.enrollments[1], me.user)
    audit = AuditEntry.objects.filter(action="college.attendance").order_by("pk")
    assert [e.on_behalf_of for e in audit] == ["", str(other.pk)]


@pytest.mark.parametrize("token", ["forged-token-123", "", "x" * 200, "LINLI-R:abc", "../../etc/passwd"])
def test_a_forged_qr_code_is_refused(c, token):
    refused(lambda: services.attendance_scan(by=c.students[0].user, token=token, resident=None, at=local(DEC1, 9)),
            code="college.checkin_token", status=404, message="签到码无效（可能不是邻里的课堂签到码）")


def test_an_unknown_card_is_refused(c):
    refused(lambda: services.attendance_check_in(by=c.leader, session=c.session,
                                                 resident=selectors.resident_by_card("LINLI-R:forged"),
                                                 method="card", at=local(DEC1, 9)),
            code="college.checkin_token", status=404, message=services.CARD_UNKNOWN)


def test_an_expired_code_last_weeks_session_is_refused(c):
    old = session(c.course, local(dt.date(2026, 11, 24), 9))
    refused(lambda: services.attendance_scan(by=c.students[0].user, token=old.checkin_token, resident=None,
                                             at=local(DEC1, 9)),
            code="college.checkin_closed", message="本次课已于 10:30 结束，签到已关闭，请联系团长补录")


def test_nothing_is_recorded_for_a_cancelled_session(c):
    session_cancel(by=c.p.xjq_worker, session=c.session, reason="老师生病")
    at = local(DEC1, 9)
    for method in ("card", "roll_call"):
        refused(lambda method=method: services.attendance_check_in(by=c.leader, session=c.session,
                                                                   resident=c.students[0], method=method, at=at),
                code="college.checkin_closed", message="本次课已停课")
    refused(lambda: services.attendance_scan(by=c.students[0].user, token=c.session.checkin_token, resident=None,
                                             at=at), code="college.checkin_closed", message="本次课已停课")
    for method in ("roll_call", "roster"):
        refused(lambda method=method: services.roll_call_submit(by=c.p.xjq_worker, session=c.session, present=[],
                                                                method=method, at=at),
                code="college.checkin_closed", message="本次课已停课")
    refused(lambda: services.session_close(by=c.p.xjq_worker, session=c.session, at=at), code="college.checkin_closed")
    assert Session.objects.get(pk=c.session.pk).closed_at is None


@pytest.mark.parametrize("status", ["waitlisted", "offered", "applied", "cancelled", None])
def test_only_enrolled_residents_are_checked_in(c, status):
    stranger = residents(1)[0]
    if status:
        enroll(c.course, stranger, status)
    message = f"{stranger.name} 没有报名“太极拳”（候补中/待确认的不能签到）"
    refused(lambda: services.attendance_check_in(by=c.leader, session=c.session, resident=stranger, method="card",
                                                 at=local(DEC1, 9)), code="college.not_enrolled", message=message)
    refused(lambda: services.attendance_scan(by=stranger.user, token=c.session.checkin_token, resident=None,
                                             at=local(DEC1, 9)), code="college.not_enrolled", message=message)


def test_a_second_check_in_is_refused_and_earns_nothing_more(c, rule):
    me = c.students[0]
    services.attendance_scan(by=me.user, token=c.session.checkin_token, resident=None, at=local(DEC1, 9, 5))
    for call in (
        lambda: services.attendance_check_in(by=c.leader, session=c.session, resident=me, method="card",
                                             at=local(DEC1, 9, 20)),
        lambda: services.attendance_scan(by=me.user, token=c.session.checkin_token, resident=None,
                                         at=local(DEC1, 9, 30)),
    ):
        refused(call, code="college.duplicate", message=f"{me.name} 已于 09:05 签到")
    assert awards("class_attended") == 1


def test_attendance_stands_without_a_points_rule(c):
    a = services.attendance_check_in(by=c.leader, session=c.session, resident=c.students[0], method="card",
                                     at=local(DEC1, 9))
    assert Attendance.objects.filter(pk=a.pk, status="present").exists()
    assert not Transfer.objects.exists()


# --- roll call and the paper roster -----------------------------------------------------------


def test_roll_call_records_everyone_and_closes_the_session(c, rule):
    e1, e2, e3 = c.enrollments
    services.attendance_scan(by=c.students[2].user, token=c.session.checkin_token, resident=None, at=local(DEC1, 9))
    s = services.roll_call_submit(by=c.leader, session=c.session, present=[e1.pk], excused=[str(e2.pk)],
                                  at=local(DEC1, 10, 40))
    assert marks(s) == {e1.pk: ("present", "roll_call"), e2.pk: ("excused", "roll_call"),
                        e3.pk: ("present", "self_scan")}  # left off the list, but scanned: stays present
    assert (s.closed_at, s.closed_by) == (local(DEC1, 10, 40), c.leader)
    assert awards("class_attended") == 2 and awards("session_taught") == 1
    # A correction later the same day: the excused one came after all; nothing is given twice.
    services.roll_call_submit(by=c.teacher, session=c.session, present=[e1.pk, e2.pk], at=local(DEC1, 12))
    assert marks(s)[e2.pk] == ("present", "roll_call")
    assert awards("class_attended") == 3 and awards("session_taught") == 1
    assert Session.objects.get(pk=s.pk).closed_at == local(DEC1, 10, 40)


def test_roll_call_marks_the_rest_absent(c):
    e1, e2, e3 = c.enrollments
    late = enroll(c.course, residents(1)[0], "waitlisted")
    s = services.roll_call_submit(by=c.p.xjq_worker, session=c.session, present=[e3.pk], at=local(DEC1, 10, 45))
    assert marks(s) == {e1.pk: ("absent", "roll_call"), e2.pk: ("absent", "roll_call"), e3.pk: ("present", "roll_call")}
    assert late.pk not in marks(s)


@pytest.mark.parametrize(("present", "excused", "field", "words"), [
    ([999999], [], "present", "报名编号 999999 不是“太极拳”已报名的学员"),
    (["abc"], [], "present", "报名编号应为数字"),
    ([], [True], "excused", "报名编号应为数字"),
])
def test_roll_call_with_an_unknown_id_writes_nothing(c, present, excused, field, words):
    e = refused(lambda: services.roll_call_submit(by=c.leader, session=c.session, present=[c.enrollments[0].pk,
                                                                                         *present],
                                                  excused=excused, at=local(DEC1, 9)), code="invalid", status=400)
    assert e.field == field and words in e.message
    assert Session.objects.get(pk=c.session.pk).closed_at is None


def test_roll_call_refuses_a_waitlisted_id_and_an_id_in_both_lists(c):
    waiting = enroll(c.course, residents(1)[0], "waitlisted")
    e = refused(lambda: services.roll_call_submit(by=c.leader, session=c.session, present=[waiting.pk],
                                                  at=local(DEC1, 9)), code="invalid", status=400)
    assert f"报名编号 {waiting.pk} 不是" in e.message
    both = c.enrollments[0].pk
    e = refused(lambda: services.roll_call_submit(by=c.leader, session=c.session, present=[both], excused=[both],
                                                  at=local(DEC1, 9)), code="invalid", status=400)
    assert e.field == "excused"


def test_the_paper_roster_is_entered_by_staff_only_any_time_after_the_start(c):
    e1, e2, e3 = c.enrollments
    for who in (c.leader, c.teacher, c.p.jzy_worker):
        refused(lambda who=who: services.roll_call_submit(by=who, session=c.session, present=[e1.pk],
                                                          method="roster", at=local(DEC1, 12)),
                code="forbidden", status=403)
    refused(lambda: services.roll_call_submit(by=c.p.xjq_worker, session=c.session, present=[e1.pk],
                                              method="roster", at=local(DEC1, 8, 59)),
            code="college.checkin_closed", message="本次课还没开始（12月1日 09:00），不能补录考勤")
    s = services.roll_call_submit(by=c.p.xjq_worker, session=c.session, present=[e1.pk], excused=[e2.pk],
                                  method="roster", at=local(dt.date(2026, 12, 20), 15))
    assert marks(s) == {e1.pk: ("present", "roster"), e2.pk: ("excused", "roster"), e3.pk: ("absent", "roster")}
    assert s.closed_by == c.p.xjq_worker


def test_roll_call_is_for_the_leader_teacher_and_staff(c):
    refused(lambda: services.roll_call_submit(by=c.students[0].user, session=c.session, present=[],
                                              at=local(DEC1, 9)), code="forbidden", status=403)
    refused(lambda: services.roll_call_submit(by=c.leader, session=c.session, present=[], method="guess",
                                              at=local(DEC1, 9)), code="invalid", status=400)


def test_the_teacher_earns_once_and_only_when_someone_came(c, rule):
    services.session_close(by=c.leader, session=c.session, at=local(DEC1, 11))
    assert awards("session_taught") == 0
    assert {m for m, _ in marks(c.session).values()} == {"absent"}
    assert len(marks(c.session)) == 3


# --- repeated absence ------------------------------------------------------------------------


def _weeks(c, n: int) -> list:
    return [c.session] + [session(c.course, local(DEC1 + dt.timedelta(weeks=i), 9)) for i in range(1, n)]


def test_repeated_absence_warns_then_releases_the_seat_to_the_waitlist(c):
    """Default rule: a reminder after 2 absences in a row, the seat released after 3."""
    away, excused, present = c.enrollments
    waiting = enroll(c.course, residents(1)[0], "waitlisted")
    waiting.queue_no = 1
    waiting.save()
    weeks = _weeks(c, 4)
    services.roll_call_submit(by=c.leader, session=weeks[0], present=[present.pk], at=local(DEC1, 10, 40))
    assert not Notice.objects.exists()
    services.roll_call_submit(by=c.leader, session=weeks[1], present=[present.pk], excused=[excused.pk],
                              at=local(DEC1 + dt.timedelta(weeks=1), 10, 40))
    away.refresh_from_db()
    assert away.warned_at == local(DEC1 + dt.timedelta(weeks=1), 10, 40)
    assert list(Notice.objects.values_list("resident_id", "text")) == [
        (away.resident_id, "您已连续 2 次没来上“太极拳”，再缺 1 次名额将让给候补的邻居。")]
    # 请假 neither counts nor breaks a run: the excused one has 1 absence, then an excuse.
    services.roll_call_submit(by=c.leader, session=weeks[2], present=[present.pk],
                              at=local(DEC1 + dt.timedelta(weeks=2), 10, 40))
    away.refresh_from_db()
    excused.refresh_from_db()
    assert away.status == "released" and "连续缺勤 3 次" in away.end_reason
    assert excused.status == "enrolled" and excused.warned_at is not None  # absent, excused, absent: 2 in a row
    waiting.refresh_from_db()
    assert waiting.status == "offered"  # the freed seat went down the waitlist (H1's enrollment_release)
    # Released: not on the next roll call.
    s = services.roll_call_submit(by=c.leader, session=weeks[3], present=[present.pk, excused.pk],
                                  at=local(DEC1 + dt.timedelta(weeks=3), 10, 40))
    assert away.pk not in marks(s)


def test_coming_back_ends_the_run_and_zero_turns_the_rule_off(c):
    away, *others = c.enrollments
    came = [e.pk for e in others]
    weeks = _weeks(c, 4)
    at = [local(DEC1 + dt.timedelta(weeks=i), 10, 40) for i in range(4)]
    services.roll_call_submit(by=c.leader, session=weeks[0], present=came, at=at[0])
    services.roll_call_submit(by=c.leader, session=weeks[1], present=[away.pk, *came], at=at[1])
    services.roll_call_submit(by=c.leader, session=weeks[2], present=came, at=at[2])
    assert not Notice.objects.exists()
    assert services.absence_runs(c.course.pk, [away.pk]) == {away.pk: 1}
    CollegeSettings.objects.create(area_id=c.course.area_id, absence_warn_after=0, absence_release_after=0)
    services.roll_call_submit(by=c.leader, session=weeks[3], present=came, at=at[3])
    assert services.absence_runs(c.course.pk, [away.pk]) == {away.pk: 2}
    away.refresh_from_db()
    assert (away.status, away.warned_at) == ("enrolled", None)
    assert not Notice.objects.exists()


# --- the daily close -------------------------------------------------------------------------


def test_sessions_still_open_a_day_after_the_end_are_closed_automatically(c):
    services.attendance_check_in(by=c.leader, session=c.session, resident=c.students[0], method="card",
                                 at=local(DEC1, 9))
    later = session(c.course, local(dt.date(2026, 12, 2), 9))
    assert services.sessions_close_due(at=local(dt.date(2026, 12, 2), 10, 30)) == 0  # exactly 24 h: not yet
    assert services.sessions_close_due(at=local(dt.date(2026, 12, 2), 10, 31)) == 1
    s = Session.objects.get(pk=c.session.pk)
    assert s.closed_at == local(dt.date(2026, 12, 2), 10, 31) and s.closed_by is None
    assert sorted(st for st, _ in marks(s).values()) == ["absent", "absent", "present"]
    assert Session.objects.get(pk=later.pk).closed_at is None
    # The next has no record at all: left open for the paper sheet (待补录); the first stays closed.
    assert services.sessions_close_due(at=local(dt.date(2026, 12, 5), 10)) == 0
    assert Session.objects.get(pk=later.pk).closed_at is None and not marks(later)
    services.attendance_check_in(by=c.leader, session=later, resident=c.students[1], method="card",
                                 at=local(dt.date(2026, 12, 2), 9))
    assert services.sessions_close_due(at=local(dt.date(2026, 12, 5), 10)) == 1  # with a record: closed


# --- reads -----------------------------------------------------------------------------------


def test_a_card_is_read_bare_with_its_prefix_or_as_a_link(c):
    me = c.students[0]
    code = me.checkin_code
    for raw in (code, f"  {code} ", f"LINLI-R:{code}", f"https://linli.example/r/{code}/",
                f"https://linli.example/r/{code}"):
        assert selectors.resident_by_card(raw) == me, raw
    for raw in ("", "LINLI-R:", "nobody", f"https://linli.example/x/{code}/", f"{code}'; drop table", "x" * 300):
        assert selectors.resident_by_card(raw) is None, raw


def test_a_leader_sees_the_days_sessions_and_a_resident_their_week(c):
    other = open_course(c.p, title="书法")
    session(other, local(DEC1, 14))
    session(c.course, local(dt.date(2026, 12, 2), 9))
    assert [s.pk for s in selectors.sessions_led_by(c.leader, day=DEC1)] == [c.session.pk]
    assert [s.pk for s in selectors.sessions_led_by(c.teacher, day=DEC1)] == [c.session.pk]
    assert selectors.sessions_led_by(c.p.xjq_worker, day=DEC1).count() == 2
    assert not selectors.sessions_led_by(c.p.jzy_worker, day=DEC1).exists()
    assert not selectors.sessions_led_by(c.students[0].user, day=DEC1).exists()
    me = c.students[0]
    enroll(other, me, "offered")
    week = selectors.week_of(me, monday=dt.date(2026, 11, 30))
    assert [(w.session.course.title, w.status) for w in week] == [("太极拳", "enrolled"), ("书法", "offered"),
                                                                  ("太极拳", "enrolled")]
    assert selectors.week_of(me, monday=dt.date(2026, 12, 7)) == []


def test_statistics_per_resident_and_per_session(c, django_assert_max_num_queries):
    e1, e2, e3 = c.enrollments
    second = session(c.course, local(DEC1 + dt.timedelta(weeks=1), 9))
    services.roll_call_submit(by=c.leader, session=c.session, present=[e1.pk, e2.pk], at=local(DEC1, 10, 40))
    services.roll_call_submit(by=c.leader, session=second, present=[e1.pk], excused=[e2.pk],
                              at=local(DEC1 + dt.timedelta(weeks=1), 10, 40))
    with django_assert_max_num_queries(1):
        rows = {r.enrollment_id: r for r in selectors.attendance_stats(c.course)}
    assert (rows[e1.pk].present, rows[e1.pk].absent, rows[e1.pk].rate) == (2, 0, 1.0)
    assert (rows[e2.pk].present, rows[e2.pk].excused, rows[e2.pk].rate) == (1, 1, 1.0)
    assert (rows[e3.pk].absent, rows[e3.pk].rate) == (2, 0.0)
    fresh = enroll(c.course, residents(1)[0])
    assert {r.enrollment_id: r.rate for r in selectors.attendance_stats(c.course)}[fresh.pk] is None
    summary = selectors.course_attendance_summary(c.course)
    assert [(x.present, x.absent, x.excused, x.enrolled) for x in summary] == [(2, 1, 0, 3), (1, 1, 1, 3)]
    lines = selectors.attendance_of(second)
    assert {e.pk: a.status if a else None for e, a in lines} == {
        e1.pk: "present", e2.pk: "excused", e3.pk: "absent", fresh.pk: None}


# --- at the same moment (PostgreSQL) ----------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_the_same_resident_scanned_at_once_is_recorded_once(c, rule):
    """The leader's scan and the resident's own scan land together, several times over: one record,
    one award, the rest refused as a second check-in."""
    me, at = c.students[0], local(DEC1, 9)
    jobs = [
        (lambda: services.attendance_check_in(by=c.leader, session=c.session, resident=me, method="card", at=at))
        if i % 2 else
        (lambda: services.attendance_scan(by=me.user, token=c.session.checkin_token, resident=None, at=at))
        for i in range(6)
    ]
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait(timeout=10)
            job()
        except BaseException as exc:  # counted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(getattr(e, "code", repr(e)) for e in errors) == ["college.duplicate"] * 5
    assert Attendance.objects.filter(session=c.session).count() == 1
    assert awards("class_attended") == 1
