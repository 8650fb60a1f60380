"""Enrolling on a phone, and the club leader's roll call on a phone, in a real browser (Debian's
Chromium at a 390×844 viewport, as WeChat's in-app browser)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from conftest import PHONE
from linli.accounts import sms
from linli.college.models import Attendance, AttendanceStatus, Enrollment, EnrollmentStatus
from linli.college.tests.enroll_kit import open_course, residents, session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _log_in_by_code(phone_session, number: str) -> None:
    phone_session.goto("/m/login/")
    phone_session.page.fill("#id_phone", number)
    phone_session.page.click("main button[type=submit]")
    phone_session.page.wait_for_selector("#id_code")
    code = re.search(r"\d{6}", sms.outbox[-1][1])
    assert code is not None, sms.outbox[-1]
    phone_session.page.fill("#id_code", code.group(0))
    phone_session.page.click("main button[type=submit]")
    phone_session.page.wait_for_url(re.compile(r"/m/$"))


def _box(phone_session, selector: str) -> dict:
    box = phone_session.page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _font_px(phone_session, selector: str) -> float:
    return float(phone_session.page.evaluate(
        "(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector))


def test_a_resident_enrolls_on_the_phone_and_the_leader_ticks_them_present(personas, browser_session):
    now = timezone.now()
    today = timezone.localdate()
    course = open_course(personas, capacity=30, opens_at=now - dt.timedelta(days=1),
                         closes_at=now + dt.timedelta(days=6), starts_on=today, ends_on=today + dt.timedelta(days=60),
                         slots=((today.isoweekday(), "09:00"),))
    leader, me = residents(2)
    course.club.leader = leader
    course.club.save(update_fields=["leader"])
    lesson = session(course, now - dt.timedelta(minutes=10))

    # The resident, on a phone: 课程 → 报名 → 已报名.
    phone = browser_session(**PHONE)
    _log_in_by_code(phone, me.phone)
    phone.goto("/m/courses/")
    card = f"#course-{course.pk}"
    assert "报名中，还剩 30 个名额" in phone.page.inner_text(card)
    button = f"{card} button[type=submit]"
    assert phone.page.inner_text(button).strip() == "报名"
    box = _box(phone, button)
    assert box["height"] >= 48 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    assert _font_px(phone, "body") >= 18 and _font_px(phone, f"{card} .window") >= 18
    phone.screenshot("courses")
    phone.page.locator(button).tap()
    phone.page.wait_for_url(re.compile(rf"/m/courses/#course-{course.pk}$"))
    assert "已报名" in phone.page.inner_text(f"{card} .my-status")
    assert "报名成功" in phone.page.inner_text(".messages")
    phone.screenshot("enrolled")
    mine = Enrollment.objects.get(course=course, resident=me)
    assert mine.status == EnrollmentStatus.ENROLLED

    # The club leader, on another phone, during the class: 首页 → 点名 → tick → 保存签到 → 已到 1 人
    # (nobody is marked absent before the end).
    lead = browser_session(**PHONE)
    _log_in_by_code(lead, leader.phone)
    lead.page.locator("#lead-link").tap()
    lead.page.wait_for_url(re.compile(r"/m/college/lead/$"))
    lead.page.locator(f"#lead-session-{lesson.pk} a.big-button").tap()
    lead.page.wait_for_url(re.compile(rf"/m/college/lead/{lesson.pk}/$"))
    toggle = f"#roll-{mine.pk}"
    assert _box(lead, f"{toggle} .toggle-face")["height"] >= 48
    assert me.name in lead.page.inner_text(toggle)
    lead.page.locator(toggle).tap()
    assert lead.page.locator(f"{toggle} input").is_checked()
    lead.screenshot("roll-call")
    assert "保存签到" in lead.page.inner_text("#roll-call button[type=submit]")
    lead.page.locator("#roll-call button[type=submit]").tap()
    lead.page.wait_for_selector("#roll-summary")
    assert "已到 1 人" in lead.page.inner_text("#roll-summary")
    lead.screenshot("summary")
    record = Attendance.objects.get(session=lesson, enrollment=mine)
    assert (record.status, record.method, record.recorded_by_id) == (AttendanceStatus.PRESENT, "roll_call",
                                                                     leader.user_id)
