"""Review 6, the attendance fixes: the daily close waits for the paper sheet (2), roll call before
the end saves ticks only (3), the roll-call and cancel pages' slips (7), late joiners (10), and
notice links that could lead off the site (13)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from linli.college.models import Attendance, Enrollment, Session
from linli.college.selectors import sessions as selectors
from linli.college.services import attendance as services
from linli.college.tests.enroll_kit import NOW, open_course, residents, session
from linli.core.errors import LinliError
from linli.core.testing import with_token
from linli.notices.models import Notice
from linli.notices.services import notice_send

pytestmark = pytest.mark.django_db

DEC1 = dt.date(2026, 12, 1)  # a Tuesday; the course meets 09:00–10:30


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def week(i: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return local(DEC1 + dt.timedelta(weeks=i), hh, mm)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def enroll(course, resident, status="enrolled", **extra) -> Enrollment:
    return Enrollment.objects.create(course=course, resident=resident, status=status, by=course.created_by, **extra)


@pytest.fixture
def c(personas):
    """太极拳 with a club leader (a login), three enrolled students and a waitlisted neighbour, and
    four weekly sessions from 12-01 09:00–10:30."""
    course = open_course(personas)
    leader, *students = residents(4)
    course.club.leader = leader
    course.club.save(update_fields=["leader"])
    course.refresh_from_db()
    waiting = enroll(course, residents(1)[0], "waitlisted", queue_no=1)
    return {"p": personas, "course": course, "leader": leader.user, "students": students,
            "enrollments": [enroll(course, r) for r in students], "waiting": waiting,
            "weeks": [session(course, week(i)) for i in range(4)]}


def marks(s) -> dict[int, str]:
    return dict(Attendance.objects.filter(session=s).values_list("enrollment_id", "status"))


def statuses(enrollments) -> list[str]:
    return [Enrollment.objects.get(pk=e.pk).status for e in enrollments]


# --- 2: the daily close waits for the paper sheet ----------------------------------------------


def test_the_daily_close_leaves_a_session_without_any_record_open_and_releases_nobody(c):
    weeks, enrollments = c["weeks"], c["enrollments"]
    # Three weeks go by and nobody types the paper sheets in; the daily close runs after each.
    for i in range(3):
        assert services.sessions_close_due(at=week(i, 11) + dt.timedelta(days=2)) == 0
    assert not Attendance.objects.exists()
    assert not Session.objects.filter(closed_at__isnull=False).exists()
    assert statuses(enrollments) == ["enrolled"] * 3
    assert not Notice.objects.exists()
    assert all(selectors.awaiting_roster(s, at=week(3, 8)) for s in weeks[:3])
    assert not selectors.awaiting_roster(weeks[3], at=week(3, 8))  # not over yet
    # The paper sheet can still be entered, and then the session is closed.
    e1, e2, e3 = enrollments
    s = services.roll_call_submit(by=c["p"].xjq_worker, session=weeks[0], present=[e1.pk], excused=[e2.pk],
                                  method="roster", at=week(3, 8))
    assert s.closed_at == week(3, 8)
    assert marks(weeks[0]) == {e1.pk: "present", e2.pk: "excused", e3.pk: "absent"}
    assert not selectors.awaiting_roster(weeks[0], at=week(3, 8))


def test_the_daily_close_still_closes_a_session_with_some_records(c):
    weeks, (e1, e2, e3) = c["weeks"], c["enrollments"]
    services.attendance_check_in(by=c["leader"], session=weeks[0], resident=c["students"][0], method="card",
                                 at=week(0, 9))
    assert services.sessions_close_due(at=week(1, 8)) == 1
    closed = Session.objects.get(pk=weeks[0].pk)
    assert closed.closed_at == week(1, 8)
    assert marks(closed) == {e1.pk: "present", e2.pk: "absent", e3.pk: "absent"}


def test_the_back_office_says_awaiting_the_paper_sheet_and_takes_it(c):
    s, (e1, e2, e3) = c["weeks"][0], c["enrollments"]
    worker = c["p"].xjq_worker
    with time_machine.travel(week(1, 8), tick=False):
        client = login(worker)
        html = client.get(f"/college/sessions/{s.pk}/").content.decode()
        assert "待补录：请录入纸质签到表" in html and f"/college/sessions/{s.pk}/roster/" in html
        assert "结束考勤</button>" not in html  # typing the sheet in, not marking everyone absent
        stats = client.get(f"/college/courses/{c['course'].pk}/attendance/").content.decode()
        assert "待补录" in stats
        response = client.post(f"/college/sessions/{s.pk}/roster/", with_token(worker, {
            f"mark-{e1.pk}": "present", f"mark-{e2.pk}": "excused", f"mark-{e3.pk}": "absent"}))
        assert response.status_code == 302
        assert "待补录" not in client.get(f"/college/sessions/{s.pk}/").content.decode()
    assert marks(s) == {e1.pk: "present", e2.pk: "excused", e3.pk: "absent"}
    assert Session.objects.get(pk=s.pk).closed_at == week(1, 8)
    # A session still going on is not 待补录.
    with time_machine.travel(week(1, 9, 30), tick=False):
        assert "待补录" not in login(worker).get(f"/college/sessions/{c['weeks'][1].pk}/").content.decode()


# --- 3: roll call before the end saves the ticks only ------------------------------------------


def test_a_roll_call_before_the_class_saves_ticks_and_releases_nobody(c):
    weeks, (away, excused, came) = c["weeks"], c["enrollments"]
    for i in range(2):  # absent twice: one more and the seat goes
        services.roll_call_submit(by=c["leader"], session=weeks[i], present=[came.pk, excused.pk],
                                  at=week(i, 10, 40))
    assert statuses([away]) == ["enrolled"]
    # 08:35 for a 09:00 class: the ticks are saved; nobody is absent, nothing is closed or released.
    s = services.roll_call_submit(by=c["leader"], session=weeks[2], present=[came.pk], excused=[excused.pk],
                                  at=week(2, 8, 35))
    assert s.closed_at is None and Session.objects.get(pk=s.pk).closed_at is None
    assert marks(s) == {came.pk: "present", excused.pk: "excused"}
    assert statuses([away, c["waiting"]]) == ["enrolled", "waitlisted"]
    # Their card scan at 08:55 still counts.
    services.attendance_check_in(by=c["leader"], session=weeks[2], resident=away.resident, method="card",
                                 at=week(2, 8, 55))
    # After the end the roll call closes the session; the one scanned in stays present.
    s = services.roll_call_submit(by=c["leader"], session=weeks[2], present=[came.pk], excused=[excused.pk],
                                  at=week(2, 10, 40))
    assert s.closed_at == week(2, 10, 40)
    assert marks(s) == {came.pk: "present", excused.pk: "excused", away.pk: "present"}
    assert statuses([away]) == ["enrolled"]


def test_the_roll_call_at_the_end_still_marks_absents_and_applies_the_rule(c):
    weeks, (away, _, came) = c["weeks"], c["enrollments"]
    for i in range(3):
        services.roll_call_submit(by=c["leader"], session=weeks[i], present=[came.pk], at=week(i, 8, 45))
        assert statuses([away]) == ["enrolled"]
        services.roll_call_submit(by=c["leader"], session=weeks[i], present=[came.pk], at=week(i, 10, 30))
    assert marks(weeks[2])[away.pk] == "absent"
    assert statuses([away, c["waiting"]]) == ["released", "offered"]


def test_closing_by_hand_waits_for_the_end(c):
    s = c["weeks"][0]
    with pytest.raises(LinliError) as exc:
        services.session_close(by=c["leader"], session=s, at=week(0, 9, 40))
    assert exc.value.code == "college.checkin_closed" and "10:30 下课" in exc.value.message
    assert not Attendance.objects.exists() and Session.objects.get(pk=s.pk).closed_at is None
    assert services.session_close(by=c["leader"], session=s, at=week(0, 10, 30)).closed_at == week(0, 10, 30)
    assert sorted(marks(s).values()) == ["absent"] * 3


def test_the_roll_call_page_says_what_the_button_does(c):
    s, (e1, e2, _) = c["weeks"][0], c["enrollments"]
    url = f"/m/college/lead/{s.pk}/"
    with time_machine.travel(week(0, 8, 40), tick=False):
        leader = login(c["leader"])
        page = leader.get(url).content.decode()
        assert "保存签到（下课后再提交点名，没到的记缺勤）" in page and "没勾的记缺勤" not in page
        response = leader.post(url, {"present": [e1.pk]}, follow=True)
        html = response.content.decode()
        summary = html.split('id="roll-summary">')[1].split("</p>")[0]
        assert "已保存签到：到 1 人" in html and summary.startswith("已到 1 人") and not re.search(r"缺 \d", summary)
    assert marks(s) == {e1.pk: "present"}
    with time_machine.travel(week(0, 10, 31), tick=False):
        leader = login(c["leader"])
        assert "提交点名（没勾的记缺勤）" in leader.get(url).content.decode()
        html = leader.post(url, {"present": [e1.pk, e2.pk]}, follow=True).content.decode()
    assert "点名完成：到 2 人，缺 1 人" in html


# --- 7: the roll-call and cancel pages ---------------------------------------------------------


def test_a_strange_digit_in_the_roll_call_is_a_message_not_a_crash(c):
    s, (e1, _, _) = c["weeks"][0], c["enrollments"]
    with time_machine.travel(week(0, 10, 40), tick=False):
        response = login(c["leader"]).post(f"/m/college/lead/{s.pk}/", {"present": [str(e1.pk), "²"]}, follow=True)
    assert response.status_code == 200
    assert "报名编号应为数字" in response.content.decode()
    assert not Attendance.objects.exists() and Session.objects.get(pk=s.pk).closed_at is None


def test_giving_up_a_waitlist_place_says_so(c):
    waiting = c["waiting"]
    client = login(waiting.resident.user)
    response = client.post(f"/m/college/enrollments/{waiting.pk}/cancel/", follow=True)
    html = response.content.decode()
    assert "已放弃候补：太极拳" in html and "已退课" not in html
    assert statuses([waiting]) == ["cancelled"]


# --- 10: late joiners --------------------------------------------------------------------------


def test_a_late_joiner_is_not_absent_from_sessions_before_their_seat(c):
    weeks, (e1, e2, e3) = c["weeks"], c["enrollments"]
    late = enroll(c["course"], residents(1)[0], enrolled_at=week(1, 9, 10))  # during the second class
    seated_before = enroll(c["course"], residents(1)[0], enrolled_at=week(1, 9))  # right at its start
    services.roll_call_submit(by=c["leader"], session=weeks[0], present=[e1.pk, e2.pk, e3.pk], at=week(0, 10, 40))
    services.roll_call_submit(by=c["leader"], session=weeks[1], present=[e1.pk, e2.pk], at=week(1, 10, 40))
    assert marks(weeks[0]) == {e1.pk: "present", e2.pk: "present", e3.pk: "present"}  # no late.pk, no seated
    assert marks(weeks[1]) == {e1.pk: "present", e2.pk: "present", e3.pk: "absent", seated_before.pk: "absent"}
    # The automatic close skips them too (week 2 has one record, so it is closed).
    services.attendance_check_in(by=c["leader"], session=weeks[2], resident=e1.resident, method="card",
                                 at=week(2, 9))
    assert services.sessions_close_due(at=week(3, 8)) == 1
    assert marks(weeks[2])[late.pk] == "absent"  # seated by then: absent like anyone
    assert services.absence_runs(c["course"].pk, [late.pk, seated_before.pk, e3.pk]) == {
        late.pk: 1, seated_before.pk: 2, e3.pk: 2}


def test_the_absence_run_ignores_sessions_before_the_seat_even_with_old_absent_marks(c):
    weeks = c["weeks"]
    late = enroll(c["course"], residents(1)[0], enrolled_at=week(2, 8))
    for i in range(2):  # absents written before the fix, for sessions before their seat
        s = services.roll_call_submit(by=c["leader"], session=weeks[i], present=[], at=week(i, 10, 40))
        Attendance.objects.create(session=s, enrollment=late, status="absent", method="roll_call",
                                  recorded_by=c["leader"], recorded_at=week(i, 10, 40))
    services.roll_call_submit(by=c["leader"], session=weeks[2], present=[], at=week(2, 10, 40))
    assert services.absence_runs(c["course"].pk, [late.pk]) == {late.pk: 1}
    assert statuses([late]) == ["enrolled"]  # the others (3 in a row) were released
    assert statuses(c["enrollments"]) == ["released"] * 3


# --- 13: notice links ----------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["/\\evil.com", "//evil.com", "/\t/evil.com", "https://evil.com/",
                                  "javascript:alert(1)", " /m/", "\\\\evil.com"])
def test_a_notice_link_off_the_site_is_not_shown(personas, link):
    me = personas.xjq_residents[0]
    notice_send(resident=me, text="有空位了", link=link, sms=False)
    html = login(personas.resident_user).get("/m/notices/").content.decode()
    assert "有空位了" in html and "去看看" not in html
    assert "evil.com" not in html


def test_a_notice_link_on_the_site_is_shown(personas):
    notice_send(resident=personas.xjq_residents[0], text="有空位了", link="/m/courses/#course-1", sms=False)
    html = login(personas.resident_user).get("/m/notices/").content.decode()
    assert 'href="/m/courses/#course-1"' in html
