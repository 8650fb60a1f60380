"""Enrollment services: every rule of issue 6 and every bad input, each refusal leaving the table as it was."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.accounts import sms
from linli.accounts.models import User
from linli.accounts.selectors import forget_grants
from linli.college import lottery
from linli.college.models import (
    CollegeSettings,
    Course,
    EnrollChannel,
    Enrollment,
    EnrollmentPolicy,
    EnrollmentStatus,
    LotteryDraw,
)
from linli.college.selectors.enrollment import (
    enrollments_of,
    enrollments_visible,
    lottery_record,
    policy_of,
    roster,
    seats_taken,
    waitlist_position,
)
from linli.college.services import enrollment as svc
from linli.college.services.common import CollegeErrorCode
from linli.college.tests.enroll_kit import NOW, open_course, residents
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO
from linli.notices.models import Notice
from linli.people.models import ProxyBinding, Tag

S = EnrollmentStatus


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def snapshot() -> list[tuple]:
    return list(Enrollment.objects.order_by("pk").values_list("pk", "status", "queue_no", "offer_expires_at", "by"))


def refused(fn, code: str, words: str) -> LinliError:
    before, notices = snapshot(), Notice.objects.count()
    with pytest.raises(LinliError) as exc:
        fn()
    assert exc.value.code == code, exc.value.message
    assert words in exc.value.message, exc.value.message
    assert snapshot() == before
    assert Notice.objects.count() == notices
    return exc.value


def enroll(course: Course, r, by=None, **kw) -> Enrollment:
    return svc.enrollment_create(by=by or r.user, course=course, resident=r, **kw)


# --- policy ------------------------------------------------------------------------------------


def _policy(p, course, **kw):
    kw.setdefault("mode", "first_come")
    kw.setdefault("opens_at", NOW)
    kw.setdefault("closes_at", NOW + dt.timedelta(days=2))
    return svc.policy_set(by=kw.pop("by", p.xjq_worker), course=course, **kw)


def test_policy_set_commits_to_a_seed_and_is_audited(personas):
    p = personas
    course = open_course(p)
    EnrollmentPolicy.objects.filter(course=course).delete()
    policy = _policy(p, course, mode="lottery", priorities=["community", "alone"], required_tag="独居老人")
    assert len(policy.seed) == 32 and policy.seed_hash == lottery.seed_hash(policy.seed)
    assert policy.required_tag_id == "elder_alone" and policy.priorities == ["community", "alone"]
    seed = policy.seed
    again = _policy(p, course, mode="lottery", confirm_hours=48)
    assert again.seed == seed and again.confirm_hours == 48  # the commitment never changes
    assert AuditEntry.objects.filter(action="college.enroll_policy_set", target_id=str(course.pk)).count() == 2


@pytest.mark.parametrize(("fields", "words"), [
    ({"closes_at": NOW - dt.timedelta(hours=1)}, "报名截止：应晚于报名开始（11月23日 18:00）"),
    ({"confirm_hours": 0}, "候补确认时限：不能为 0 或负数"),
    ({"confirm_hours": 169}, "候补确认时限：不能大于 168 小时"),
    ({"min_age": -1}, "最低年龄：不能小于 0 岁"),
    ({"max_age": 121}, "最高年龄：不能大于 120 岁"),
    ({"min_age": 70, "max_age": 60}, "最高年龄：不能小于最低年龄（70 岁）"),
    ({"priorities": ["rich"]}, "摇号优先顺序：不认识“rich”"),
    ({"priorities": ["alone", "alone"]}, "摇号优先顺序：“独居老人”重复出现"),
    ({"required_tag": "火星人"}, "仅限人群：标签“火星人”不存在"),
    ({"mode": "auction"}, "报名方式：应为 先到先得 或 报名摇号"),
])
def test_policy_set_refuses_bad_fields(personas, fields, words):
    course = open_course(personas)
    before = list(EnrollmentPolicy.objects.values_list("course", "mode", "confirm_hours", "min_age", "priorities"))
    with pytest.raises(LinliError) as exc:
        _policy(personas, course, **fields)
    assert words in exc.value.message
    assert list(EnrollmentPolicy.objects.values_list("course", "mode", "confirm_hours", "min_age",
                                                     "priorities")) == before


def test_policy_set_needs_manage_rights_and_keeps_the_mode_once_people_enrolled(personas):
    p = personas
    course = open_course(p)
    with pytest.raises(LinliError) as exc:
        _policy(p, course, by=p.jzy_worker)
    assert exc.value.status == 403
    enroll(course, residents(1)[0])
    with pytest.raises(LinliError) as exc:
        _policy(p, course, mode="lottery")
    assert "已有人报名，不能再改报名方式（现为先到先得）" in exc.value.message
    assert policy_of(course).mode == "first_come"
    _policy(p, course, confirm_hours=12)  # other settings may still change
    assert policy_of(course).confirm_hours == 12


# --- enrolling ---------------------------------------------------------------------------------


def test_first_come_seats_then_waitlists_with_a_place(personas):
    p = personas
    course = open_course(p, capacity=2)
    a, b, c, d = residents(4)
    ea, eb, ec, ed = (enroll(course, r) for r in (a, b, c, d))
    assert [e.status for e in (ea, eb, ec, ed)] == [S.ENROLLED, S.ENROLLED, S.WAITLISTED, S.WAITLISTED]
    assert [e.queue_no for e in (ea, eb, ec, ed)] == [1, 2, 3, 4]
    assert ea.channel == EnrollChannel.SELF and ea.by_id == a.user_id
    assert [waitlist_position(e) for e in (ea, ec, ed)] == [None, 1, 2]
    assert seats_taken(course) == 2
    assert list(roster(course, statuses=(S.WAITLISTED,))) == [ec, ed]
    assert AuditEntry.objects.filter(action="college.enrollment_create").count() == 4
    # Enrolling twice: the message names the status and the place.
    refused(lambda: enroll(course, d), CollegeErrorCode.ENROLL_DUPLICATE, "已报名“太极拳”（候补中，排第 2 位）")
    refused(lambda: enroll(course, a), CollegeErrorCode.ENROLL_DUPLICATE, "（已报名）")


def test_the_happy_path_is_a_handful_of_queries(personas):
    course = open_course(personas)
    first, second = residents(2)
    other = open_course(personas, title="书法", slots=((4, "09:00"),))
    enroll(other, second)
    counts = []
    for r in (first, second):  # a newcomer, and someone already in a class this term
        user = User.objects.get(pk=r.user_id)
        with CaptureQueriesContext(connection) as ctx:
            enroll(course, r, by=user)
        counts.append(len(ctx.captured_queries))
    # savepoint, policy, the resident's lock, the resident's places, [term limit, slots,] seat lock (with the
    # course), one aggregate, insert, audit, release
    assert counts[0] <= 9 and counts[1] <= 11, counts


def test_window_messages_use_local_time(personas):
    p = personas
    r = residents(1)[0]
    early = open_course(p, opens_at=dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC),
                        closes_at=dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    refused(lambda: enroll(early, r), CollegeErrorCode.ENROLL_CLOSED, "“太极拳”报名将于 12月1日 08:00 开始")
    late = open_course(p, opens_at=NOW - dt.timedelta(days=3), closes_at=NOW - dt.timedelta(hours=8))
    refused(lambda: enroll(late, r), CollegeErrorCode.ENROLL_CLOSED, "已于 11月23日 10:00 截止报名")
    ended = open_course(p)
    Course.objects.filter(pk=ended.pk).update(status="cancelled")
    ended.refresh_from_db()
    refused(lambda: enroll(ended, r), CollegeErrorCode.ENROLL_CLOSED, "已取消，不能报名")
    no_policy = open_course(p)
    EnrollmentPolicy.objects.filter(course=no_policy).delete()
    refused(lambda: enroll(no_policy, r), CollegeErrorCode.ENROLL_CLOSED, "还没有开放报名")


def test_clashing_weekly_slots_are_refused_with_the_other_course_named(personas):
    p = personas
    r = residents(1)[0]
    enroll(open_course(p, title="书法", slots=((2, "09:00"),)), r)
    clash = open_course(p, title="合唱", slots=((2, "10:00"),))
    refused(lambda: enroll(clash, r), CollegeErrorCode.ENROLL_CLASH,
            "与已报名的“书法”（每周二 09:00–10:30）时间冲突")
    after = open_course(p, title="舞蹈", slots=((2, "10:30"),))  # starts when 书法 ends: no clash
    assert enroll(after, r).status == S.ENROLLED
    later_term = open_course(p, title="国画", slots=((2, "09:00"),), term="2027年春季",
                             starts_on=dt.date(2027, 3, 1), ends_on=dt.date(2027, 6, 30))
    assert enroll(later_term, r).status == S.ENROLLED  # dates do not overlap


def test_only_a_proxy_with_the_enroll_scope_or_staff_may_act_for_someone(personas):
    p = personas
    course = open_course(p)
    elder, neighbour = residents(2)
    daughter = User.objects.create_user(username="daughter", password="x")
    refused(lambda: enroll(course, elder, by=neighbour.user), CollegeErrorCode.NOT_PROXY,
            f"您不是{elder.name}的代办人，不能为其报名")
    binding = ProxyBinding.objects.create(principal=elder, agent=daughter, relation="family", scopes=["survey"],
                                          granted_by=p.xjq_worker)
    err = refused(lambda: enroll(course, elder, by=daughter), CollegeErrorCode.NOT_PROXY, "不包括“报名课程”")
    assert err.status == 403
    binding.scopes = ["survey", "enroll"]
    binding.save()
    e = enroll(course, elder, by=daughter)
    assert (e.channel, e.by_id, e.resident_id) == (EnrollChannel.PROXY, daughter.pk, elder.pk)
    audit = AuditEntry.objects.get(action="college.enrollment_create", target_id=str(e.pk))
    assert audit.actor_id == daughter.pk and audit.on_behalf_of == str(elder.pk)
    # A revoked binding counts for nothing.
    binding.revoked_at = NOW
    binding.save()
    svc.enrollment_cancel(by=p.xjq_worker, enrollment=e)
    refused(lambda: enroll(course, elder, by=daughter), CollegeErrorCode.NOT_PROXY, "您不是")
    # At the desk: the community's worker, not another community's.
    refused(lambda: enroll(course, elder, by=p.jzy_worker), CollegeErrorCode.NOT_PROXY, "您不是")
    desk = enroll(course, elder, by=p.xjq_worker)
    assert desk.channel == EnrollChannel.DESK and desk.by_id == p.xjq_worker.pk


def test_age_community_and_group_limits(personas):
    p = personas
    old, = residents(1, birth=dt.date(1940, 1, 1))
    young, = residents(1, birth=dt.date(1980, 1, 1))
    jzy, = residents(1, JINZHUYUAN)
    aged = open_course(p, min_age=60, max_age=85)
    refused(lambda: enroll(aged, young), CollegeErrorCode.ENROLL_LIMIT, "仅限 60 岁及以上的居民报名，")
    refused(lambda: enroll(aged, old), CollegeErrorCode.ENROLL_LIMIT, "仅限 85 岁及以下的居民报名")
    local = open_course(p, title="本社区课", slots=((3, "09:00"),), only_community=True)
    refused(lambda: enroll(local, jzy), CollegeErrorCode.ENROLL_LIMIT, "仅限邢家桥社区的居民报名")
    assert enroll(local, old).status == S.ENROLLED
    alone = open_course(p, title="独居老人课", slots=((5, "09:00"),), required_tag=Tag.objects.get(pk="elder_alone"))
    refused(lambda: enroll(alone, young), CollegeErrorCode.ENROLL_LIMIT, "仅限“独居老人”报名")
    young.tags.add("elder_alone")
    assert enroll(alone, young).status == S.ENROLLED
    gone, = residents(1)
    gone.archived_at = NOW
    gone.save()
    refused(lambda: enroll(aged, gone), CollegeErrorCode.ENROLL_LIMIT, "居民登记已注销")


def test_the_per_term_maximum_names_the_courses_held(personas):
    p = personas
    CollegeSettings.objects.create(area_id=XINGJIAQIAO, max_courses_per_term=2)
    r, = residents(1)
    enroll(open_course(p, title="书法", slots=((1, "09:00"),)), r)
    full = open_course(p, title="合唱", capacity=1, slots=((3, "09:00"),))
    enroll(full, residents(1)[0])
    assert enroll(full, r).status == S.WAITLISTED  # a waitlist place counts too
    third = open_course(p, title="舞蹈", slots=((5, "09:00"),))
    refused(lambda: enroll(third, r), CollegeErrorCode.ENROLL_LIMIT,
            "每人每学期最多报名 2 门课程，" + r.name + " 本学期（2026年秋季）已报 “书法”、“合唱”")
    other_term = open_course(p, title="国画", term="2027年春季", slots=((5, "09:00"),))
    assert enroll(other_term, r).status == S.ENROLLED


def test_the_default_maximum_is_three(personas):
    p = personas
    r, = residents(1)
    for day in (1, 2, 3):
        enroll(open_course(p, title=f"课{day}", slots=((day, "09:00"),)), r)
    refused(lambda: enroll(open_course(p, title="课4", slots=((4, "09:00"),)), r), CollegeErrorCode.ENROLL_LIMIT,
            "每人每学期最多报名 3 门课程")


def test_a_lottery_course_takes_applications(personas):
    course = open_course(personas, mode="lottery", capacity=1)
    a, b = residents(2)
    assert [enroll(course, r).status for r in (a, b)] == [S.APPLIED, S.APPLIED]
    assert seats_taken(course) == 0


# --- cancelling and the waitlist ---------------------------------------------------------------


def test_cancel_frees_a_seat_that_is_offered_with_sms_and_notice(personas, django_capture_on_commit_callbacks):
    p = personas
    course = open_course(p, capacity=1)
    a, b, c = residents(3)
    ea, eb, ec = (enroll(course, r) for r in (a, b, c))
    with django_capture_on_commit_callbacks(execute=True):
        svc.enrollment_cancel(by=a.user, enrollment=ea, reason="家里有事")
    assert ea.status == S.CANCELLED and ea.end_reason == "家里有事" and ea.ended_by_id == a.user_id
    eb.refresh_from_db()
    assert eb.status == S.OFFERED and eb.offer_expires_at == NOW + dt.timedelta(hours=24)
    text = "您候补的“太极拳”有空位了，请在 11月24日 18:00 前打开邻里“课程”确认，逾期名额将让给下一位。"
    assert sms.outbox == [(b.phone, f"【邻里】{text}")]
    assert Notice.objects.get(resident=b).text == text
    assert waitlist_position(Enrollment.objects.get(pk=ec.pk)) == 1
    assert seats_taken(course) == 1
    svc.offer_confirm(by=b.user, enrollment=eb)
    assert Enrollment.objects.get(pk=eb.pk).status == S.ENROLLED
    assert AuditEntry.objects.filter(action__in=["college.enrollment_cancel", "college.waitlist_promote",
                                                 "college.offer_confirm"]).count() == 3


def test_cancel_deadline_for_residents_not_for_staff_nor_for_the_waitlist(personas):
    p = personas
    course = open_course(p, capacity=1)
    a, b = residents(2)
    ea, eb = enroll(course, a), enroll(course, b)
    late = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # 09:00 on the first day
    refused(lambda: svc.enrollment_cancel(by=a.user, enrollment=ea, at=late), CollegeErrorCode.CANCEL_CLOSED,
            "“太极拳”的退课已于 11月30日 00:00 截止")
    # The waitlisted may give up their place any time before the course ends.
    svc.enrollment_cancel(by=b.user, enrollment=eb, at=late)
    assert Enrollment.objects.get(pk=eb.pk).status == S.CANCELLED
    # Staff any time.
    svc.enrollment_cancel(by=p.xjq_worker, enrollment=ea, reason="搬家", at=late)
    assert Enrollment.objects.get(pk=ea.pk).status == S.CANCELLED
    # An explicit deadline; twice is refused.
    other = open_course(p, title="书法", slots=((4, "09:00"),), cancel_until=NOW - dt.timedelta(hours=1))
    eo = enroll(other, a)
    refused(lambda: svc.enrollment_cancel(by=a.user, enrollment=eo), CollegeErrorCode.CANCEL_CLOSED,
            "11月23日 17:00 截止")
    refused(lambda: svc.enrollment_cancel(by=p.xjq_worker, enrollment=ea), CollegeErrorCode.STATUS, "已退课")
    refused(lambda: svc.enrollment_cancel(by=b.user, enrollment=eo), CollegeErrorCode.NOT_PROXY, "您不是")


def test_an_offer_not_confirmed_in_time_goes_to_the_next(personas, django_capture_on_commit_callbacks):
    p = personas
    course = open_course(p, capacity=1, confirm_hours=2)
    a, b, c = residents(3)
    ea, eb, ec = (enroll(course, r) for r in (a, b, c))
    svc.enrollment_cancel(by=a.user, enrollment=ea)
    later = NOW + dt.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(LinliError) as exc:
        svc.offer_confirm(by=b.user, enrollment=eb, at=later)
    assert "须在 11月23日 20:00 前确认，已逾期" in exc.value.message
    assert eb.status == S.EXPIRED
    ec.refresh_from_db()
    assert ec.status == S.OFFERED and ec.offer_expires_at == later + dt.timedelta(hours=2)
    assert [phone for phone, _ in sms.outbox] == [c.phone]
    assert seats_taken(course) == 1


def test_offers_expire_job_and_cli(personas):
    p = personas
    course = open_course(p, capacity=1, confirm_hours=1)
    a, b, c = residents(3)
    ea = enroll(course, a)
    enroll(course, b)
    enroll(course, c)
    svc.enrollment_release(by=p.xjq_worker, enrollment=ea, reason="连续缺勤 3 次")
    assert svc.offers_expire(at=NOW + dt.timedelta(minutes=30)) == 0
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        call_command("college", "expire-offers")
    assert list(Enrollment.objects.filter(course=course).order_by("queue_no").values_list("status", flat=True)) == [
        S.RELEASED, S.EXPIRED, S.OFFERED]


def test_a_stale_offer_expires_before_a_newcomer_is_counted(personas):
    p = personas
    course = open_course(p, capacity=1, confirm_hours=1)
    a, b, c, d = residents(4)
    ea, eb, ec = (enroll(course, r) for r in (a, b, c))
    svc.enrollment_cancel(by=a.user, enrollment=ea)
    ed = enroll(course, d, at=NOW + dt.timedelta(hours=2))  # no cron ran: the newcomer's request expires b's offer
    statuses = dict(Enrollment.objects.filter(course=course).values_list("pk", "status"))
    assert (statuses[eb.pk], statuses[ec.pk], statuses[ed.pk]) == (S.EXPIRED, S.OFFERED, S.WAITLISTED)


def test_decline_and_release(personas):
    p = personas
    course = open_course(p, capacity=1)
    a, b, c = residents(3)
    ea, eb, ec = (enroll(course, r) for r in (a, b, c))
    refused(lambda: svc.offer_confirm(by=b.user, enrollment=eb), CollegeErrorCode.STATUS, "现为“候补中”")
    refused(lambda: svc.enrollment_release(by=p.jzy_worker, enrollment=ea, reason="缺勤"), "forbidden", "权限")
    refused(lambda: svc.enrollment_release(by=p.xjq_worker, enrollment=ea, reason=""), "invalid", "释放原因")
    svc.enrollment_release(by=p.xjq_worker, enrollment=ea, reason="连续缺勤 3 次")
    assert ea.status == S.RELEASED and ea.end_reason == "连续缺勤 3 次"
    assert "名额已释放（连续缺勤 3 次）" in Notice.objects.get(resident=a).text
    eb.refresh_from_db()
    assert eb.status == S.OFFERED
    svc.offer_decline(by=b.user, enrollment=eb)
    assert eb.status == S.CANCELLED
    assert Enrollment.objects.get(pk=ec.pk).status == S.OFFERED
    # Nobody left waiting: a freed seat simply stays free.
    svc.offer_confirm(by=c.user, enrollment=ec)
    svc.enrollment_release(by=None, enrollment=ec, reason="连续缺勤 3 次")  # the rule itself, run by the daily close
    assert seats_taken(course) == 0


def test_enrollments_visible_uses_the_plain_rule(personas):
    p = personas
    xjq = open_course(p)
    jzy = open_course(p, code=JINZHUYUAN, title="金竹苑太极")
    e1 = enroll(xjq, residents(1)[0])
    e2 = enroll(jzy, residents(1, JINZHUYUAN)[0])
    assert set(enrollments_visible(p.xjq_worker, "view_college")) == {e1}
    assert set(enrollments_visible(p.renhe_admin, "view_college")) == {e1}
    assert set(enrollments_visible(p.district_admin, "view_college")) == {e1, e2}
    assert list(enrollments_visible(p.outsider, "view_college")) == []
    assert list(enrollments_of(e1.resident)) == [e1]


# --- the lottery -------------------------------------------------------------------------------


def test_lottery_draw_end_to_end_with_groups(personas, django_capture_on_commit_callbacks):
    p = personas
    course = open_course(p, mode="lottery", capacity=3, priorities=["alone", "community"])
    xjq = residents(4)
    alone = xjq[3]
    alone.tags.add("elder_alone")
    jzy = residents(3, JINZHUYUAN)
    apps = {r.pk: enroll(course, r) for r in xjq + jzy}
    closes = policy_of(course).closes_at
    refused(lambda: svc.lottery_draw(by=p.xjq_worker, course=course), CollegeErrorCode.STATUS, "截止后才能摇号")
    refused(lambda: svc.lottery_draw(by=p.jzy_worker, course=course, at=closes), "forbidden", "权限")
    with django_capture_on_commit_callbacks(execute=True):
        draw = svc.lottery_draw(by=p.xjq_worker, course=course, at=closes)
    rows = {e.resident_id: e for e in Enrollment.objects.filter(course=course)}
    # The elder living alone first, then two of the three other 邢家桥 residents; 金竹苑 waits.
    assert rows[alone.pk].status == S.ENROLLED and rows[alone.pk].group == "alone" and rows[alone.pk].queue_no == 1
    assert sum(rows[r.pk].status == S.ENROLLED for r in xjq[:3]) == 2
    assert all(rows[r.pk].status == S.WAITLISTED and rows[r.pk].group == "" for r in jzy)
    assert {rows[r.pk].group for r in xjq[:3]} == {"community"}
    assert sorted(e.queue_no for e in rows.values()) == list(range(1, 8))
    waiting = sorted((e for e in rows.values() if e.status == S.WAITLISTED), key=lambda e: e.queue_no)
    assert [waitlist_position(e) for e in waiting] == [1, 2, 3, 4]
    assert draw.seats == 3 and draw.order[0] == apps[alone.pk].pk and len(draw.applicants) == 7
    # Everyone is told in the page; only the winners by text message.
    assert Notice.objects.filter(resident__in=[*xjq, *jzy]).count() == 7
    assert len(sms.outbox) == 3 and all("已中签" in text for _, text in sms.outbox)
    assert "候补名单第 1 位" in Notice.objects.get(resident=waiting[0].resident).text
    # The record re-runs to the same order, and the draw happens once.
    record = lottery_record(draw)
    assert record["seed"] == policy_of(course).seed and record["course"] == {"id": course.pk, "title": "太极拳"}
    assert lottery.verify(record) == (True, "摇号结果核对无误：7 人申请，前 3 位获得名额")
    err = refused(lambda: svc.lottery_draw(by=p.xjq_worker, course=course, at=closes), "conflict", "已经摇过号")
    assert err.status == 409
    assert LotteryDraw.objects.count() == 1
    # After the draw the waitlist works as for first come.
    winner = next(e for e in rows.values() if e.status == S.ENROLLED)
    svc.enrollment_cancel(by=p.xjq_worker, enrollment=winner, at=closes)
    assert Enrollment.objects.get(pk=waiting[0].pk).status == S.OFFERED


def test_lottery_with_no_class_priority_and_fewer_applicants_than_seats(personas):
    p = personas
    busy, free = residents(2)
    enroll(open_course(p, title="书法", slots=((4, "09:00"),)), busy)
    course = open_course(p, mode="lottery", capacity=1, priorities=["no_class"])
    enroll(course, busy)
    enroll(course, free)
    draw = svc.lottery_draw(by=p.xjq_worker, course=course, at=policy_of(course).closes_at)
    statuses = dict(Enrollment.objects.filter(course=course).values_list("resident_id", "status"))
    assert statuses == {free.pk: S.ENROLLED, busy.pk: S.WAITLISTED}
    assert draw.applicants == sorted(draw.applicants, key=lambda a: a["no"])
    roomy = open_course(p, mode="lottery", capacity=5, title="大班", slots=((6, "09:00"),))
    enroll(roomy, free)
    svc.lottery_draw(by=p.xjq_worker, course=roomy, at=policy_of(roomy).closes_at)
    assert Enrollment.objects.get(course=roomy).status == S.ENROLLED
    first_come = open_course(p, title="先到先得", slots=((7, "09:00"),))
    refused(lambda: svc.lottery_draw(by=p.xjq_worker, course=first_come, at=NOW + dt.timedelta(days=7)),
            CollegeErrorCode.STATUS, "不需要摇号")


def test_a_draw_of_many_makes_no_query_per_applicant(personas):
    p = personas
    course = open_course(p, mode="lottery", capacity=5, priorities=["community", "alone", "no_class"])
    few = residents(8)
    for r in few:
        enroll(course, r)
    small = open_course(p, mode="lottery", capacity=5, title="小班", slots=((3, "09:00"),),
                        priorities=["community", "alone", "no_class"])
    for r in few[:3]:
        enroll(small, r)
    closes = policy_of(course).closes_at
    with CaptureQueriesContext(connection) as small_ctx:
        svc.lottery_draw(by=p.xjq_worker, course=small, at=closes)
    forget_grants(p.xjq_worker)
    with CaptureQueriesContext(connection) as big_ctx:
        svc.lottery_draw(by=p.xjq_worker, course=course, at=closes)
    assert Enrollment.objects.filter(course=course, status=S.ENROLLED).count() == 5
    assert len(big_ctx.captured_queries) == len(small_ctx.captured_queries)


def test_cli_close_sessions_runs_the_daily_close(personas, capsys):
    call_command("college", "close-sessions")
    assert "已结束考勤的课次：0 个" in capsys.readouterr().out
