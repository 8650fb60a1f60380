"""The back-office pages of enrollment, the lottery, the timetable, sessions and attendance:
each page renders, each action works, and a refused action shows its message and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from linli.college.models import (
    Attendance,
    Enrollment,
    EnrollmentPolicy,
    LotteryDraw,
    Session,
    WeeklySlot,
)
from linli.college.tests.enroll_kit import NOW, open_course, residents, session
from linli.core.testing import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def enroll(course, resident, status="enrolled", *, by, channel="self", queue_no=0) -> Enrollment:
    return Enrollment.objects.create(course=course, resident=resident, status=status, by=by, channel=channel,
                                     queue_no=queue_no)


# --- the course detail's sections -----------------------------------------------------------


def test_the_course_detail_loads_enrollment_timetable_and_sessions(personas):
    p = personas
    course = open_course(p, capacity=2, slots=((2, "09:00"),))
    a, b, c = residents(3)
    enroll(course, a, by=p.xjq_worker, channel="desk")
    enroll(course, b, by=p.xjq_worker)
    enroll(course, c, "waitlisted", by=p.xjq_worker, queue_no=3)
    s = session(course, NOW + dt.timedelta(days=8))
    client = _client(p.xjq_worker)
    html = client.get(f"/college/courses/{course.pk}/").content.decode()
    assert f'hx-get="/college/courses/{course.pk}/enrollment/panel/"' in html
    panel = client.get(f"/college/courses/{course.pk}/enrollment/panel/", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "<html" not in text  # the fragment alone
    assert "先到先得" in text and "已占 2 / 2" in text
    assert "已报名 2" in text and "候补 1" in text
    assert "每周二" in text and "09:00" in text
    assert f"/college/sessions/{s.pk}/" in text and f"/college/sessions/{s.pk}/cancel/" in text
    assert "报名设置" in text and "按课表排出课次" in text
    # Without htmx the same sections are a page of their own.
    page = client.get(f"/college/courses/{course.pk}/enrollment/panel/").content.decode()
    assert "<html" in page and "已占 2 / 2" in page


# --- settings ---------------------------------------------------------------------------------


def test_the_settings_page_saves_the_policy_and_shows_the_seed_hash(personas):
    p = personas
    course = open_course(p, mode="lottery")
    policy = EnrollmentPolicy.objects.get(course=course)
    client = _client(p.xjq_worker)
    html = client.get(f"/college/courses/{course.pk}/enrollment/settings/").content.decode()
    assert policy.seed_hash in html and policy.seed not in html
    data = {"mode": "lottery", "opens_at": "2026-11-22T08:00", "closes_at": "2026-11-28T20:00",
            "confirm_hours": "12", "min_age": "60", "max_age": "", "priority_1": "community", "priority_2": "alone", "priority_3": ""}
    response = client.post(f"/college/courses/{course.pk}/enrollment/settings/", data)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.confirm_hours == 12 and policy.min_age == 60
    assert policy.priorities == ["community", "alone"]


def test_a_refused_setting_is_shown_by_its_field_and_changes_nothing(personas):
    p = personas
    course = open_course(p)
    before = EnrollmentPolicy.objects.get(course=course)
    data = {"mode": "first_come", "opens_at": "2026-11-28T08:00", "closes_at": "2026-11-22T20:00",
            "confirm_hours": "24"}
    response = _client(p.xjq_worker).post(f"/college/courses/{course.pk}/enrollment/settings/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors  # the service's reason beside a field or above the form
    after = EnrollmentPolicy.objects.get(course=course)
    assert (after.opens_at, after.closes_at) == (before.opens_at, before.closes_at)


# --- the roster, the desk ------------------------------------------------------------------


def test_the_roster_shows_each_tab_with_masked_phones_and_who_enrolled(personas):
    p = personas
    course = open_course(p, capacity=1)
    a, b, c = residents(3)
    enroll(course, a, by=p.xjq_worker, channel="desk")
    enroll(course, b, "waitlisted", by=b.user, queue_no=5)
    enroll(course, c, "cancelled", by=c.user)
    client = _client(p.xjq_worker)
    html = client.get(f"/college/courses/{course.pk}/enrollment/").content.decode()
    assert a.name in html and b.name not in html
    assert a.phone not in html and a.phone_masked in html
    assert "窗口" in html and "邢家桥社工" in html
    assert "已报名（1）" in html and "候补（1）" in html and "已结束（1）" in html
    waiting = client.get(f"/college/courses/{course.pk}/enrollment/", {"tab": "waitlisted"}).content.decode()
    assert b.name in waiting and a.name not in waiting and "候补位次" in waiting
    ended = client.get(f"/college/courses/{course.pk}/enrollment/", {"tab": "ended"}).content.decode()
    assert c.name in ended and "已退课" in ended


def test_the_roster_exports_a_masked_xlsx(personas):
    p = personas
    course = open_course(p)
    a, b = residents(2)
    enroll(course, a, by=p.xjq_worker, channel="desk")
    enroll(course, b, by=b.user)
    response = _client(p.xjq_worker).get(f"/college/courses/{course.pk}/enrollment/", {"export": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "姓名", "电话")
    assert {r[1] for r in rows[1:]} == {a.name, b.name}
    flat = " ".join(str(v) for r in rows for v in r)
    assert a.phone not in flat and a.phone_masked in flat


def test_a_worker_enrolls_a_walk_up_resident_at_the_desk(personas):
    p = personas
    course = open_course(p, capacity=1)
    a, b = residents(2, login=False)
    client = _client(p.xjq_worker)
    found = client.get(f"/college/courses/{course.pk}/enrollment/", {"q": a.name},
                       headers={"HX-Request": "true", "HX-Target": "desk-search"})
    assert found.status_code == 200 and a.name in found.content.decode()
    response = client.post(f"/college/courses/{course.pk}/enrollment/desk/",
                           with_token(p.xjq_worker, {"resident": a.pk}), follow=True)
    e = Enrollment.objects.get(course=course, resident=a)
    assert (e.status, e.channel, e.by_id) == ("enrolled", "desk", p.xjq_worker.pk)
    assert any("已报名" in m for m in _messages(response))
    response = client.post(f"/college/courses/{course.pk}/enrollment/desk/",
                           with_token(p.xjq_worker, {"resident": b.pk}), follow=True)
    assert Enrollment.objects.get(course=course, resident=b).status == "waitlisted"
    assert any("候补" in m and "第 1 位" in m for m in _messages(response))
    # Already enrolled: no longer offered by the search.
    again = client.get(f"/college/courses/{course.pk}/enrollment/", {"q": a.name},
                       headers={"HX-Request": "true", "HX-Target": "desk-search"}).content.decode()
    assert f'value="{a.pk}"' not in again


def test_enrolling_twice_at_the_desk_is_refused_and_changes_nothing(personas):
    p = personas
    course = open_course(p)
    (a,) = residents(1)
    enroll(course, a, by=p.xjq_worker, channel="desk")
    response = _client(p.xjq_worker).post(f"/college/courses/{course.pk}/enrollment/desk/",
                                          with_token(p.xjq_worker, {"resident": a.pk}), follow=True)
    assert any("不用重复报名" in m for m in _messages(response))
    assert Enrollment.objects.filter(course=course, resident=a).count() == 1


def test_a_resident_out_of_the_workers_areas_cannot_be_enrolled_at_the_desk(personas):
    p = personas
    course = open_course(p)
    response = _client(p.xjq_worker).post(f"/college/courses/{course.pk}/enrollment/desk/",
                                          with_token(p.xjq_worker, {"resident": p.jzy_residents[0].pk}), follow=True)
    assert any("没有找到这位居民" in m for m in _messages(response))
    assert not Enrollment.objects.filter(course=course).exists()


def test_cancel_needs_a_reason_then_cancels_and_release_frees_the_seat(personas):
    p = personas
    course = open_course(p)
    a, b = residents(2)
    ea = enroll(course, a, by=a.user)
    eb = enroll(course, b, by=b.user)
    client = _client(p.xjq_worker)
    url = f"/college/courses/{course.pk}/enrollment/{ea.pk}/cancel/"
    response = client.post(url, {"reason": " "}, follow=True)
    assert any("退课原因：请填写" in m for m in _messages(response))
    ea.refresh_from_db()
    assert ea.status == "enrolled"
    response = client.post(url, {"reason": "搬家"}, follow=True)
    ea.refresh_from_db()
    assert ea.status == "cancelled" and ea.end_reason == "搬家"
    assert any("已为" in m and "退课" in m for m in _messages(response))
    response = client.post(f"/college/courses/{course.pk}/enrollment/{eb.pk}/release/", {"reason": ""}, follow=True)
    eb.refresh_from_db()
    assert eb.status == "enrolled"
    client.post(f"/college/courses/{course.pk}/enrollment/{eb.pk}/release/", {"reason": "连续缺勤"})
    eb.refresh_from_db()
    assert eb.status == "released"


# --- the lottery -------------------------------------------------------------------------------


def test_the_lottery_page_before_and_after_the_draw(personas):
    p = personas
    course = open_course(p, capacity=2, mode="lottery", priorities=["community"])
    policy = EnrollmentPolicy.objects.get(course=course)
    people = residents(4)
    for r in people:
        enroll(course, r, "applied", by=r.user)
    client = _client(p.xjq_worker)
    html = client.get(f"/college/courses/{course.pk}/lottery/").content.decode()
    assert "4 人" in html and policy.seed_hash in html and policy.seed not in html
    assert "申请截止" in html and f"/college/courses/{course.pk}/lottery/draw/" not in html
    # Before the window closes the draw is refused and nothing is written.
    client.post(f"/college/courses/{course.pk}/lottery/draw/", with_token(p.xjq_worker))
    assert not LotteryDraw.objects.filter(course=course).exists()
    with time_machine.travel(policy.closes_at + dt.timedelta(minutes=1), tick=False):
        client = _client(p.xjq_worker)  # a fresh login: the earlier one has expired by then
        html = client.get(f"/college/courses/{course.pk}/lottery/").content.decode()
        assert f"/college/courses/{course.pk}/lottery/draw/" in html
        confirm = client.get(f"/college/courses/{course.pk}/lottery/draw/").content.decode()
        assert "确认摇号" in confirm and "4" in confirm
        response = client.post(f"/college/courses/{course.pk}/lottery/draw/", with_token(p.xjq_worker), follow=True)
        assert any("摇号完成" in m for m in _messages(response))
        draw = LotteryDraw.objects.get(course=course)
        html = client.get(f"/college/courses/{course.pk}/lottery/").content.decode()
        assert draw.seed in html and "lottery-verify" in html
        assert people[0].name not in html  # names masked
        assert html.count("中签") >= 2
        record = client.get(f"/college/courses/{course.pk}/lottery.json")
        assert record.status_code == 200 and record["Content-Type"].startswith("application/json")
        assert json.loads(record.content)
    statuses = sorted(Enrollment.objects.filter(course=course).values_list("status", flat=True))
    assert statuses.count("enrolled") == 2 and statuses.count("waitlisted") == 2


# --- the timetable and sessions -----------------------------------------------------------------


def test_slots_are_added_moved_and_removed_from_the_course_page(personas):
    p = personas
    course = open_course(p, slots=())
    client = _client(p.xjq_worker)
    client.post(f"/college/courses/{course.pk}/slots/", {"weekday": "3", "starts_at": "09:00"})
    slot = WeeklySlot.objects.get(course=course)
    assert (slot.weekday, slot.starts_at) == (3, dt.time(9))
    assert Session.objects.filter(course=course).exists()
    client.post(f"/college/courses/{course.pk}/slots/", {"weekday": "3", "starts_at": "14:00", "locked": "on"})
    slot.refresh_from_db()
    assert (slot.starts_at, slot.locked) == (dt.time(14), True)
    assert WeeklySlot.objects.filter(course=course).count() == 1
    response = client.post(f"/college/courses/{course.pk}/slots/", {"weekday": "9", "starts_at": "xx"}, follow=True)
    assert any("课表未改变" in m for m in _messages(response))
    client.post(f"/college/courses/{course.pk}/slots/{slot.pk}/remove/")
    assert not WeeklySlot.objects.filter(course=course).exists()


def test_a_session_is_cancelled_only_with_a_reason(personas):
    p = personas
    course = open_course(p)
    s = session(course, NOW + dt.timedelta(days=8))
    client = _client(p.xjq_worker)
    response = client.post(f"/college/sessions/{s.pk}/cancel/", {"reason": ""}, follow=True)
    assert any("停课原因：请填写" in m for m in _messages(response))
    s.refresh_from_db()
    assert s.status == "scheduled"
    client.post(f"/college/sessions/{s.pk}/cancel/", {"reason": "老师生病"})
    s.refresh_from_db()
    assert (s.status, s.cancel_reason) == ("cancelled", "老师生病")


def test_the_session_page_shows_its_qr_code_poster_and_sign_in_sheet(personas):
    p = personas
    course = open_course(p)
    a, b = residents(2)
    enroll(course, a, by=a.user)
    enroll(course, b, by=b.user)
    s = session(course, NOW + dt.timedelta(hours=1))
    client = _client(p.xjq_worker)
    html = client.get(f"/college/sessions/{s.pk}/").content.decode()
    assert "<svg" in html and f"/m/college/checkin/{s.checkin_token}/" in html
    assert a.name in html and a.phone not in html and "未签到" in html
    poster = client.get(f"/college/sessions/{s.pk}/poster/").content.decode()
    assert "<svg" in poster and "A4" in poster and course.title in poster
    sheet = client.get(f"/college/sessions/{s.pk}/sheet/").content.decode()
    assert a.name in sheet and b.name in sheet and "签名" in sheet and course.teacher.name in sheet
    assert a.phone not in sheet


def test_the_paper_roster_is_entered_row_by_row(personas):
    p = personas
    course = open_course(p)
    a, b, c = residents(3)
    ea, eb, ec = (enroll(course, r, by=r.user) for r in (a, b, c))
    s = session(course, NOW - dt.timedelta(hours=3))
    client = _client(p.xjq_worker)
    form = client.get(f"/college/sessions/{s.pk}/roster/").content.decode()
    assert form.count('type="radio"') == 9
    # A row left blank: refused, nothing written.
    response = client.post(f"/college/sessions/{s.pk}/roster/",
                           with_token(p.xjq_worker, {f"mark-{ea.pk}": "present", f"mark-{eb.pk}": "excused"}))
    assert response.status_code == 400
    assert "还有 1 人未选择" in response.content.decode()
    assert not Attendance.objects.filter(session=s).exists()
    response = client.post(f"/college/sessions/{s.pk}/roster/", with_token(p.xjq_worker, {
        f"mark-{ea.pk}": "present", f"mark-{eb.pk}": "excused", f"mark-{ec.pk}": "absent"}))
    assert response.status_code == 302
    marks = dict(Attendance.objects.filter(session=s).values_list("enrollment_id", "status"))
    assert marks == {ea.pk: "present", eb.pk: "excused", ec.pk: "absent"}
    assert set(Attendance.objects.filter(session=s).values_list("method", flat=True)) == {"roster"}
    s.refresh_from_db()
    assert s.closed_at is not None


def test_closing_a_session_marks_the_rest_absent(personas):
    p = personas
    course = open_course(p)
    (a,) = residents(1)
    ea = enroll(course, a, by=a.user)
    s = session(course, NOW - dt.timedelta(hours=3))
    upcoming = session(course, NOW + dt.timedelta(days=2))
    client = _client(p.xjq_worker)
    response = client.post(f"/college/sessions/{upcoming.pk}/close/", follow=True)
    assert any("还没开始" in m for m in _messages(response))
    assert not Attendance.objects.filter(session=upcoming).exists()
    client.post(f"/college/sessions/{s.pk}/close/")
    assert Attendance.objects.get(session=s, enrollment=ea).status == "absent"


def test_attendance_statistics_per_resident_and_session_with_xlsx(personas):
    p = personas
    course = open_course(p)
    a, b = residents(2)
    ea, eb = enroll(course, a, by=a.user), enroll(course, b, by=b.user)
    s1 = session(course, NOW - dt.timedelta(days=2))
    s2 = session(course, NOW - dt.timedelta(days=1))
    for s, status_a in ((s1, "present"), (s2, "absent")):
        Attendance.objects.create(session=s, enrollment=ea, status=status_a, method="roster",
                                  recorded_by=p.xjq_worker, recorded_at=NOW)
        Attendance.objects.create(session=s, enrollment=eb, status="present", method="roster",
                                  recorded_by=p.xjq_worker, recorded_at=NOW)
    client = _client(p.xjq_worker)
    html = client.get(f"/college/courses/{course.pk}/attendance/").content.decode()
    assert a.name in html and "50%" in html and "100%" in html
    book = client.get(f"/college/courses/{course.pk}/attendance/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "到课", "缺勤", "请假", "出勤率")
    assert (a.name, 1, 1, 0, "50%") in rows
    by_session = client.get(f"/college/courses/{course.pk}/attendance/", {"export": "xlsx", "by": "session"})
    rows = list(load_workbook(io.BytesIO(by_session.content)).active.iter_rows(values_only=True))
    assert [r[4] for r in rows[1:]] == [2, 1]
