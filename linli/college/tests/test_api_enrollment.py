"""The enrollment, lottery, session and attendance endpoints: each works, each refusal says why and
changes nothing, phones are masked."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from linli.college.models import Attendance, Enrollment, EnrollmentPolicy, LotteryDraw
from linli.college.tests.enroll_kit import NOW, open_course, residents, session
from linli.core.testing import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def enroll(course, resident, status="enrolled", *, by, channel="self", queue_no=0) -> Enrollment:
    return Enrollment.objects.create(course=course, resident=resident, status=status, by=by, channel=channel,
                                     queue_no=queue_no)


def test_the_roster_is_listed_paged_filtered_and_masked(personas):
    p = personas
    course = open_course(p, capacity=2)
    people = residents(4)
    for i, r in enumerate(people):
        enroll(course, r, "enrolled" if i < 2 else "waitlisted", by=r.user, queue_no=i + 1)
    api = Api(p.xjq_worker)
    body = api.get(f"/college/courses/{course.pk}/enrollments").json()
    assert body["count"] == 4
    assert all(people[0].phone not in str(item) for item in body["items"])
    assert body["items"][0]["phone_masked"] == people[0].phone_masked
    waiting = api.get(f"/college/courses/{course.pk}/enrollments", {"status": "waitlisted", "page_size": 1,
                                                                     "page": 2}).json()
    assert waiting["count"] == 2
    assert [(i["name"], i["waitlist_position"]) for i in waiting["items"]] == [(people[3].name, 2)]
    assert api.get(f"/college/courses/{course.pk}/enrollments", {"status": "bogus"}).status_code == 422


def test_a_worker_enrolls_a_resident_at_the_desk_and_a_second_time_is_refused(personas):
    p = personas
    course = open_course(p, capacity=1)
    a, b = residents(2, login=False)
    api = Api(p.xjq_worker)
    response = api.post(f"/college/courses/{course.pk}/enrollments", {"resident_id": a.pk})
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["channel"]) == ("enrolled", "desk")
    response = api.post(f"/college/courses/{course.pk}/enrollments", {"resident_id": b.pk})
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["waitlist_position"]) == ("waitlisted", 1)
    again = api.post(f"/college/courses/{course.pk}/enrollments", {"resident_id": a.pk})
    assert again.status_code in (400, 409) and again.json()["message"]
    assert Enrollment.objects.filter(course=course).count() == 2
    stranger = api.post(f"/college/courses/{course.pk}/enrollments", {"resident_id": p.jzy_residents[0].pk})
    assert stranger.status_code == 400 and stranger.json()["field"] == "resident_id"
    assert Enrollment.objects.filter(course=course).count() == 2


def test_cancel_needs_a_reason(personas):
    p = personas
    course = open_course(p)
    (a,) = residents(1)
    e = enroll(course, a, by=a.user)
    api = Api(p.xjq_worker)
    response = api.post(f"/college/enrollments/{e.pk}/cancel", {"reason": "  "})
    assert response.status_code == 400 and response.json()["field"] == "reason"
    e.refresh_from_db()
    assert e.status == "enrolled"
    response = api.post(f"/college/enrollments/{e.pk}/cancel", {"reason": "搬家"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api.post("/college/enrollments/999999/cancel", {"reason": "x"}).status_code == 404


def test_the_lottery_before_and_after_the_draw(personas):
    p = personas
    course = open_course(p, capacity=1, mode="lottery")
    policy = EnrollmentPolicy.objects.get(course=course)
    people = residents(3)
    for r in people:
        enroll(course, r, "applied", by=r.user)
    api = Api(p.xjq_worker)
    body = api.get(f"/college/courses/{course.pk}/lottery").json()
    assert (body["drawn"], body["applicants"], body["seed_hash"], body["seed"]) == (False, 3, policy.seed_hash, None)
    early = api.post(f"/college/courses/{course.pk}/lottery/draw", {})
    assert early.status_code in (400, 409) and early.json()["message"]
    assert not LotteryDraw.objects.exists()
    with time_machine.travel(policy.closes_at + dt.timedelta(minutes=1), tick=False):
        api = Api(p.xjq_worker)
        response = api.post(f"/college/courses/{course.pk}/lottery/draw", {})
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["drawn"] and body["seed"] == policy.seed and len(body["results"]) == 3
        assert [r["selected"] for r in body["results"]] == [True, False, False]
        assert all(people[0].name != r["name_masked"] for r in body["results"])
        assert body["record"]
        assert api.post(f"/college/courses/{course.pk}/lottery/draw", {}).status_code in (400, 409)
    assert LotteryDraw.objects.count() == 1


def test_sessions_and_attendance_with_the_paper_roster(personas):
    p = personas
    course = open_course(p)
    a, b = residents(2)
    ea, eb = enroll(course, a, by=a.user), enroll(course, b, by=b.user)
    past = session(course, NOW - dt.timedelta(hours=3))
    session(course, NOW + dt.timedelta(days=2))
    api = Api(p.xjq_worker)
    sessions = api.get(f"/college/courses/{course.pk}/sessions").json()
    assert sessions[0]["id"] == past.pk and len(sessions) == 2
    body = api.get(f"/college/sessions/{past.pk}/attendance").json()
    assert {line["status"] for line in body["lines"]} == {None} and len(body["lines"]) == 2
    assert a.phone not in str(body)
    wrong = api.post(f"/college/sessions/{past.pk}/attendance", {"present": [ea.pk], "excused": [ea.pk]})
    assert wrong.status_code == 400 and wrong.json()["field"] == "excused"
    assert not Attendance.objects.exists()
    response = api.post(f"/college/sessions/{past.pk}/attendance", {"present": [ea.pk]})
    assert response.status_code == 200
    body = response.json()
    assert (body["present"], body["absent"], body["excused"]) == (1, 1, 0)
    assert body["session"]["closed_at"] is not None
    assert dict(Attendance.objects.values_list("enrollment_id", "status")) == {ea.pk: "present", eb.pk: "absent"}
