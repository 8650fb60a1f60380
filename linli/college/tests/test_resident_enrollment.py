"""The residents' college pages on the phone (/m/courses/, /m/college/…): enrolling, the waitlist
place, giving a place up, offers, the week, messages, checking in by the session's code or the
resident's card, and the club leader's roll call — as the resident, a proxy and a stranger."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.college.models import Attendance, Enrollment, EnrollmentStatus
from linli.college.services.sessions import session_cancel
from linli.college.tests.enroll_kit import NOW, open_course, residents, session
from linli.core.testing import XINGJIAQIAO
from linli.notices.models import Notice
from linli.notices.services import notice_send
from linli.people.services import proxy_bind

pytestmark = pytest.mark.django_db

DEC1 = dt.date(2026, 12, 1)  # a Tuesday: the course meets 09:00–10:30


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card(html: str, course) -> str:
    """The course's card on the 课程 tab."""
    return html.split(f'id="course-{course.pk}"')[1].split('<div class="card')[0]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))



def row(course, resident, status="enrolled", **extra) -> Enrollment:
    return Enrollment.objects.create(course=course, resident=resident, status=status, by=course.created_by, **extra)


def enroll_post(client: Client, course):
    return client.post(f"/m/college/courses/{course.pk}/enroll/")


# --- the 课程 tab and enrolling -----------------------------------------------------------------


def test_the_card_says_when_the_course_meets_and_how_the_window_stands(personas):
    course = open_course(personas, capacity=5, slots=((2, "09:00"), (4, "14:30")))
    html = login(personas.resident_user).get("/m/courses/").content.decode()
    shown = text(card(html, course))
    assert "每周二 09:00–10:30，每周四 14:30–16:00" in shown
    assert "报名中，还剩 5 个名额" in shown
    assert re.search(r"<button[^>]*>报名</button>", card(html, course))
    assert f'action="/m/college/courses/{course.pk}/enroll/"' in card(html, course)
    assert "一周课表" in html  # 我的一周 is linked from the tab


def test_a_window_not_yet_open_and_a_lottery_say_so_with_the_right_button(personas):
    later = open_course(personas, title="书法", opens_at=NOW + dt.timedelta(days=8), closes_at=NOW + dt.timedelta(days=9))
    lottery = open_course(personas, title="合唱", mode="lottery", slots=((3, "09:00"),),
                          closes_at=local(dt.date(2026, 12, 5), 18))
    html = login(personas.resident_user).get("/m/courses/").content.decode()
    assert "12月1日 18:00 开始报名" in text(card(html, later))  # NOW + 8 days, local time
    assert "<button" not in card(html, later)
    assert "摇号报名中，12月5日 截止后公开摇号" in text(card(html, lottery))
    assert re.search(r"<button[^>]*>申请摇号</button>", card(html, lottery))


def test_enrolling_takes_a_seat_and_comes_back_to_the_card(personas):
    course = open_course(personas, capacity=2)
    me = personas.xjq_residents[0]
    client = login(personas.resident_user)
    response = enroll_post(client, course)
    assert response.status_code == 303 and response["Location"] == f"/m/courses/#course-{course.pk}"
    assert Enrollment.objects.get(course=course, resident=me).status == EnrollmentStatus.ENROLLED
    html = client.get("/m/courses/").content.decode()
    assert "报名成功：太极拳" in html
    shown = text(card(html, course))
    assert "已报名" in shown and "退课" in shown
    assert "<button" not in card(html, course).split("已报名")[1].split("退课")[0]


def test_enrolling_twice_is_answered_by_the_duplicate_message_and_changes_nothing(personas):
    course = open_course(personas)
    client = login(personas.resident_user)
    enroll_post(client, course)
    response = enroll_post(client, course)
    assert response.status_code == 303
    assert Enrollment.objects.filter(course=course).count() == 1
    page = client.get("/m/courses/").content.decode()
    assert page.count('class="error"') == 1


def test_a_full_course_waitlists_and_shows_the_place(personas):
    course = open_course(personas, capacity=1)
    first, second = residents(2)
    row(course, first)
    row(course, second, status="waitlisted", queue_no=1)
    html = login(personas.resident_user).get("/m/courses/").content.decode()
    assert "已满，可以候补，前面有 1 人" in text(card(html, course))
    assert re.search(r"<button[^>]*>候补</button>", card(html, course))
    client = login(personas.resident_user)
    enroll_post(client, course)
    mine = Enrollment.objects.get(course=course, resident=personas.xjq_residents[0])
    assert mine.status == EnrollmentStatus.WAITLISTED
    shown = text(card(client.get("/m/courses/").content.decode(), course))
    assert "候补第 2 位" in shown and "放弃候补" in shown


def test_a_refusal_is_a_message_at_the_top_and_nothing_changes(personas):
    course = open_course(personas, closes_at=NOW - dt.timedelta(minutes=1), opens_at=NOW - dt.timedelta(days=2))
    client = login(personas.resident_user)
    response = client.post(f"/m/college/courses/{course.pk}/enroll/", follow=True)
    assert Enrollment.objects.filter(course=course).count() == 0
    messages = re.findall(r'<li class="error">([^<]+)</li>', response.content.decode())
    assert len(messages) == 1 and "太极拳" in messages[0], messages


def test_enroll_needs_a_login(personas):
    course = open_course(personas)
    response = Client().post(f"/m/college/courses/{course.pk}/enroll/")
    assert response.status_code == 302 and response["Location"].startswith("/m/login/?next=")
    assert Enrollment.objects.count() == 0


def test_the_enroll_view_queries_do_not_grow_with_the_enrollments(personas):
    small, big = open_course(personas, title="小班", capacity=100), open_course(personas, title="大班", capacity=100,
                                                                                 slots=((5, "09:00"),))
    for r in residents(30, login=False):
        row(big, r)
    counts = []
    for course in (small, big):
        user = residents(1)[0].user
        client = login(user)
        with CaptureQueriesContext(connection) as queries:
            response = enroll_post(client, course)
        assert response.status_code == 303
        assert Enrollment.objects.get(course=course, resident__user=user).status == EnrollmentStatus.ENROLLED
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- acting for an elder -------------------------------------------------------------------------


def agent_for(personas, scopes):
    elder = personas.xjq_residents[1]
    binding = proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=scopes,
                         agent_phone="13512345678", agent_name="邢女儿")
    client = login(binding.agent)
    client.post(f"/m/proxy/{binding.pk}/start/")
    return client, elder


def test_a_proxy_with_the_enroll_scope_enrolls_the_elder(personas):
    course = open_course(personas)
    client, elder = agent_for(personas, ["enroll"])
    html = client.get("/m/courses/").content.decode()
    assert f"正在代 <strong>{elder.name}</strong> 报名" in html
    enroll_post(client, course)
    made = Enrollment.objects.get(course=course)
    assert made.resident == elder and made.channel == "proxy"


def test_a_proxy_without_the_scope_gets_a_message_and_nothing_is_written(personas):
    course = open_course(personas)
    client, _elder = agent_for(personas, ["profile"])
    html = client.get("/m/courses/").content.decode()
    assert "没有授权您代办“报名课程”" in html and "<button type=\"submit\" class=\"big-button\">报名" not in html
    response = client.post(f"/m/college/courses/{course.pk}/enroll/", follow=True)
    assert "没有授权您代办“报名课程”" in response.content.decode()
    assert Enrollment.objects.count() == 0


# --- cancelling and offers ------------------------------------------------------------------------


def test_cancelling_asks_once_more_then_frees_the_seat(personas):
    course = open_course(personas)
    mine = row(course, personas.xjq_residents[0])
    client = login(personas.resident_user)
    page = client.get(f"/m/college/enrollments/{mine.pk}/cancel/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "确定退课吗" in html and "big-button danger" in html and "<script" not in html
    mine.refresh_from_db()
    assert mine.status == EnrollmentStatus.ENROLLED  # the GET changed nothing
    response = client.post(f"/m/college/enrollments/{mine.pk}/cancel/")
    assert response.status_code == 303
    mine.refresh_from_db()
    assert mine.status == EnrollmentStatus.CANCELLED


def test_someone_elses_enrollment_cannot_be_cancelled(personas):
    course = open_course(personas)
    other = row(course, personas.xjq_residents[2])
    client = login(personas.resident_user)
    assert client.get(f"/m/college/enrollments/{other.pk}/cancel/").status_code == 404
    assert client.post(f"/m/college/enrollments/{other.pk}/cancel/").status_code == 404
    other.refresh_from_db()
    assert other.status == EnrollmentStatus.ENROLLED


def test_an_offer_is_confirmed_or_declined_from_the_card(personas):
    course = open_course(personas, capacity=1)
    me = personas.xjq_residents[0]
    offer = row(course, me, status="offered", offer_expires_at=NOW + dt.timedelta(hours=24))
    client = login(personas.resident_user)
    shown = text(card(client.get("/m/courses/").content.decode(), course))
    assert "有空位了，请在 11月24日 18:00 前确认" in shown and "确认" in shown and "不要了" in shown
    assert client.post(f"/m/college/enrollments/{offer.pk}/confirm/").status_code == 303
    offer.refresh_from_db()
    assert offer.status == EnrollmentStatus.ENROLLED

    other = open_course(personas, title="书法", capacity=1, slots=((5, "09:00"),))
    second = row(other, me, status="offered", offer_expires_at=NOW + dt.timedelta(hours=24))
    assert client.post(f"/m/college/enrollments/{second.pk}/decline/").status_code == 303
    second.refresh_from_db()
    assert second.status not in (EnrollmentStatus.OFFERED, EnrollmentStatus.ENROLLED)


# --- my week ---------------------------------------------------------------------------------------


def test_the_week_shows_this_and_next_weeks_sessions_and_a_cancelled_one(personas):
    course = open_course(personas, starts_on=dt.date(2026, 11, 23))
    row(course, personas.xjq_residents[0])
    this_week = session(course, local(dt.date(2026, 11, 24), 9))
    next_week = session(course, local(DEC1, 9))
    later = session(course, local(dt.date(2026, 12, 8), 9))
    session_cancel(by=personas.xjq_worker, session=next_week, reason="老师出差")
    html = login(personas.resident_user).get("/m/college/week/").content.decode()
    shown = text(html)
    assert f'id="session-{this_week.pk}"' in html and f'id="session-{next_week.pk}"' in html
    assert f'id="session-{later.pk}"' not in html
    assert "11月24日 周二" in shown and "09:00–10:30 太极拳" in shown
    assert "停课：老师出差" in shown
    assert course.venue.name in shown and course.teacher.name in shown


def test_a_stranger_to_the_course_has_an_empty_week(personas):
    html = login(personas.resident_user).get("/m/college/week/").content.decode()
    assert "本周没有课" in html and "下周没有课" in html


# --- messages ----------------------------------------------------------------------------------


def test_unread_messages_show_on_the_home_page_and_are_read_when_opened(personas):
    me = personas.xjq_residents[0]
    notice_send(resident=me, text="太极拳有空位了，请在 11月24日 18:00 前确认", link="/m/courses/", sms=False)
    notice_send(resident=personas.xjq_residents[1], text="别人的消息", sms=False)
    client = login(personas.resident_user)
    home = client.get("/m/").content.decode()
    assert 'id="notice-card"' in home and "1 条新消息" in home and "太极拳有空位了" in home
    page = client.get("/m/notices/").content.decode()
    assert "太极拳有空位了" in page and "别人的消息" not in page and 'href="/m/courses/"' in page
    assert Notice.objects.get(resident=me).read_at is not None
    assert Notice.objects.get(resident=personas.xjq_residents[1]).read_at is None
    assert 'id="notice-card"' not in client.get("/m/").content.decode()


# --- checking in by the session's code ------------------------------------------------------------


@pytest.fixture
def lesson(personas):
    """太极拳 12-01 09:00; 邢居民0 (resident_user) enrolled, with a club leader who has a login."""
    course = open_course(personas)
    leader = residents(1)[0]
    course.club.leader = leader
    course.club.save(update_fields=["leader"])
    mine = row(course, personas.xjq_residents[0])
    return {"course": course, "session": session(course, local(DEC1, 9)), "leader": leader, "mine": mine}


def test_checkin_needs_a_login_first(personas, lesson):
    url = f"/m/college/checkin/{lesson['session'].checkin_token}/"
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"] == f"/m/login/?next={url.replace('/', '%2F')}"


def test_the_resident_checks_in_by_the_sessions_code(personas, lesson):
    url = f"/m/college/checkin/{lesson['session'].checkin_token}/"
    with time_machine.travel(local(DEC1, 8, 50), tick=False):
        client = login(personas.resident_user)
        page = text(client.get(url).content.decode())
        assert "太极拳" in page and "09:00–10:30" in page and lesson["course"].venue.name in page
        assert client.post(url).status_code == 303
        done = client.get(url).content.decode()
    assert "签到成功" in done and 'class="done"' in done
    record = Attendance.objects.get()
    assert (record.enrollment, record.status, record.method) == (lesson["mine"], "present", "self_scan")


@pytest.mark.parametrize("when, words", [
    (dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), "还没到签到时间"),  # NOW: a week early
    (dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC), "签到已关闭"),  # 11:00 local, after the end
])
def test_a_checkin_outside_the_window_is_refused_in_plain_words(personas, lesson, when, words):
    url = f"/m/college/checkin/{lesson['session'].checkin_token}/"
    with time_machine.travel(when, tick=False):
        client = login(personas.resident_user)
        response = client.post(url, follow=True)
    assert words in response.content.decode()
    assert Attendance.objects.count() == 0


def test_a_cancelled_session_an_unknown_code_and_a_resident_not_enrolled(personas, lesson):
    client = login(personas.resident_user)
    assert client.get("/m/college/checkin/forged-token-123/").status_code == 404
    assert "签到码无效" in client.get("/m/college/checkin/forged-token-123/").content.decode()
    stranger_user = residents(1)[0].user
    url = f"/m/college/checkin/{lesson['session'].checkin_token}/"
    with time_machine.travel(local(DEC1, 9, 5), tick=False):
        stranger, client = login(stranger_user), login(personas.resident_user)
        assert "没有报名这门课" in stranger.get(url).content.decode()
        assert "没有报名" in stranger.post(url, follow=True).content.decode()
    session_cancel(by=personas.xjq_worker, session=lesson["session"], reason="下雨")
    with time_machine.travel(local(DEC1, 9, 5), tick=False):
        client = login(personas.resident_user)
        assert "本次课已停课" in client.get(url).content.decode()
        assert "本次课已停课" in client.post(url, follow=True).content.decode()
    assert Attendance.objects.count() == 0


# --- the resident's QR card -------------------------------------------------------------------


def test_the_card_carries_an_address_on_this_site(personas):
    me = personas.xjq_residents[0]
    html = login(personas.resident_user).get("/m/card/").content.decode()
    assert "<svg" in html
    from linli.portal import qr

    assert qr.CARD_PATH.format(code=me.checkin_code) == f"/m/college/r/{me.checkin_code}/"


def test_the_leader_checks_the_holder_in_by_the_card_url(personas, lesson):
    me = personas.xjq_residents[0]
    url = f"/m/college/r/{me.checkin_code}/"
    with time_machine.travel(local(DEC1, 8, 45), tick=False):
        leader = login(lesson["leader"].user)
        html = leader.get(url).content.decode()
        assert f"为 {me.name} 签到：太极拳 09:00" in html
        assert leader.post(url, {"session": lesson["session"].pk}).status_code == 303
        assert "已签到：太极拳 09:00" in leader.get(url).content.decode()
    record = Attendance.objects.get()
    assert (record.enrollment, record.method, record.recorded_by) == (lesson["mine"], "card", lesson["leader"].user)


def test_a_stranger_opening_the_card_learns_only_a_masked_name(personas, lesson):
    me = personas.xjq_residents[0]
    url = f"/m/college/r/{me.checkin_code}/"
    stranger = residents(1)[0].user
    with time_machine.travel(local(DEC1, 8, 45), tick=False):
        for client in (Client(), login(stranger)):
            html = client.get(url).content.decode()
            assert "这是邻里的居民签到卡" in html
            assert me.name not in html and me.name[0] + "*" in html
            assert client.post(url, {"session": lesson["session"].pk}).status_code in (302, 403)
    assert Client().get("/m/college/r/nobody/").status_code == 404
    assert Attendance.objects.count() == 0


def test_the_leader_sees_only_a_masked_name_for_a_resident_not_in_the_class(personas, lesson):
    other = personas.xjq_residents[2]
    with time_machine.travel(local(DEC1, 8, 45), tick=False):
        leader = login(lesson["leader"].user)
        html = leader.get(f"/m/college/r/{other.checkin_code}/").content.decode()
    assert other.name not in html and "这是邻里的居民签到卡" in html


# --- the leader's roll call -------------------------------------------------------------------


def test_the_leader_calls_the_roll_on_the_phone(personas, lesson):
    absent = row(lesson["course"], residents(1)[0])
    with time_machine.travel(local(DEC1, 9, 10), tick=False):
        leader = login(lesson["leader"].user)
        assert 'id="lead-link"' in leader.get("/m/").content.decode()
        day = leader.get("/m/college/lead/").content.decode()
        assert f"/m/college/lead/{lesson['session'].pk}/" in day
        url = f"/m/college/lead/{lesson['session'].pk}/"
        page = leader.get(url).content.decode()
        assert f'value="{lesson["mine"].pk}"' in page and f'value="{absent.pk}"' in page
        assert "保存签到（下课后再提交点名，没到的记缺勤）" in page
        response = leader.post(url, {"present": [lesson["mine"].pk]}, follow=True)
        # During the class only the ticks are saved: the other one may still come.
        assert "已保存签到：到 1 人" in response.content.decode()
        assert dict(Attendance.objects.values_list("enrollment_id", "status")) == {lesson["mine"].pk: "present"}
    with time_machine.travel(local(DEC1, 10, 40), tick=False):  # after the end: the roll call closes
        leader = login(lesson["leader"].user)
        assert "提交点名（没勾的记缺勤）" in leader.get(url).content.decode()
        response = leader.post(url, {"present": [lesson["mine"].pk]}, follow=True)
    html = response.content.decode()
    assert "到 1 人，缺 1 人" in html
    marks = dict(Attendance.objects.values_list("enrollment_id", "status"))
    assert marks == {lesson["mine"].pk: "present", absent.pk: "absent"}


def test_someone_else_cannot_call_the_roll(personas, lesson):
    url = f"/m/college/lead/{lesson['session'].pk}/"
    with time_machine.travel(local(DEC1, 9, 10), tick=False):
        resident = login(personas.resident_user)
        assert resident.get(url).status_code == 403
        assert resident.post(url, {"present": [lesson["mine"].pk]}).status_code == 403
        assert 'id="lead-link"' not in resident.get("/m/").content.decode()
        assert "今天没有需要您点名的课" in resident.get("/m/college/lead/").content.decode()
    assert Attendance.objects.count() == 0


def test_a_checked_in_resident_is_ticked_and_a_typed_card_code_checks_in(personas, lesson):
    me = personas.xjq_residents[0]
    url = f"/m/college/lead/{lesson['session'].pk}/"
    with time_machine.travel(local(DEC1, 8, 55), tick=False):
        leader = login(lesson["leader"].user)
        response = leader.post(f"{url}card/", {"code": f"http://testserver/m/college/r/{me.checkin_code}/"},
                               follow=True)
        assert f"{me.name} 签到成功" in response.content.decode()
        page = leader.get(url).content.decode()
        assert re.search(rf'value="{lesson["mine"].pk}"\s+checked', page)
        assert "jsqr-1.4.0/jsQR.js" in page  # the only residents' page with a script
        refused = leader.post(f"{url}card/", {"code": "nobody"}, follow=True).content.decode()
    assert "没有找到这张签到卡" in refused
    assert Attendance.objects.filter(status="present").count() == 1


def test_residents_pages_load_no_script_but_the_roll_call(personas, lesson):
    client = login(personas.resident_user)
    for url in ("/m/courses/", "/m/college/week/", f"/m/college/checkin/{lesson['session'].checkin_token}/",
                f"/m/college/enrollments/{lesson['mine'].pk}/cancel/", "/m/notices/", "/m/"):
        assert "<script" not in client.get(url).content.decode(), url


def test_another_community_sees_its_own_courses(personas):
    course = open_course(personas)
    assert course.area_id == XINGJIAQIAO
    from linli.people.services import resident_login_account

    jzy = resident_login_account(resident=personas.jzy_residents[0])
    assert f'id="course-{course.pk}"' not in login(jzy).get("/m/courses/").content.decode()
