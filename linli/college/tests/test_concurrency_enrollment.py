"""Residents racing for seats at the same moment: never an oversold seat, never a lost waitlist place.

Runs on PostgreSQL only (SQLite serialises every write, so it proves nothing there):
``DATABASE_URL=postgres://postgres@127.0.0.1:54330/linli .venv/bin/pytest linli/college/tests/test_concurrency_enrollment.py``
"""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import close_old_connections, connection

from linli.college.models import ACTIVE_STATUSES, SEATED_STATUSES, Enrollment, EnrollmentStatus
from linli.college.selectors.enrollment import waitlist_position
from linli.college.services import enrollment as svc
from linli.college.tests.enroll_kit import NOW, open_course, residents

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]

S = EnrollmentStatus
THREADS = 20  # connections in use at once (each thread runs several requests one after another)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _all_at_once(jobs, threads: int = THREADS) -> list[BaseException]:
    """Run the jobs on ``threads`` threads (each its own connection), released together."""
    lanes = [jobs[i::threads] for i in range(threads)]
    lanes = [lane for lane in lanes if lane]
    start = threading.Barrier(len(lanes))
    errors: list[BaseException] = []

    def run(lane):
        try:
            start.wait(timeout=30)
            for job in lane:
                try:
                    job()
                except BaseException as exc:  # reported to the test below
                    errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=run, args=(lane,)) for lane in lanes]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in workers), "a thread hung: a lock was never released"
    return errors


def _enroller(course, r):
    return lambda: svc.enrollment_create(by=r.user, course=course, resident=r)


def test_sixty_residents_race_for_thirty_seats(personas):
    course = open_course(personas, capacity=30)
    crowd = residents(60)
    errors = _all_at_once([_enroller(course, r) for r in crowd])
    assert errors == []
    rows = list(Enrollment.objects.filter(course=course))
    assert len(rows) == 60
    assert sum(e.status == S.ENROLLED for e in rows) == 30
    waiting = [e for e in rows if e.status == S.WAITLISTED]
    assert len(waiting) == 30
    assert sorted(waitlist_position(e) for e in waiting) == list(range(1, 31))
    assert sorted(e.queue_no for e in rows) == list(range(1, 61))
    # First come, first seated: every seated resident's number is before every waiting one's.
    assert max(e.queue_no for e in rows if e.status == S.ENROLLED) < min(e.queue_no for e in waiting)


def test_the_same_request_twice_at_once_gives_one_place(personas):
    course = open_course(personas, capacity=5)
    r, = residents(1)
    errors = _all_at_once([_enroller(course, r) for _ in range(6)], threads=6)
    assert Enrollment.objects.filter(course=course, resident=r).count() == 1
    assert len(errors) == 5 and all(getattr(e, "code", "") == "college.enroll_duplicate" for e in errors)


def test_cancels_and_enrolls_at_once_never_oversell_nor_lose_a_place(personas):
    p = personas
    course = open_course(p, capacity=10)
    first = residents(20)
    for r in first:
        svc.enrollment_create(by=r.user, course=course, resident=r)
    seated = list(Enrollment.objects.filter(course=course, status=S.ENROLLED).order_by("queue_no"))
    waiting = list(Enrollment.objects.filter(course=course, status=S.WAITLISTED).order_by("queue_no"))
    assert (len(seated), len(waiting)) == (10, 10)
    newcomers = residents(10)
    leaving = seated[:6] + waiting[-2:]
    jobs = [lambda e=e: svc.enrollment_cancel(by=p.xjq_worker, enrollment=e) for e in leaving]
    jobs += [_enroller(course, r) for r in newcomers]
    errors = _all_at_once(jobs)
    assert errors == []

    rows = {e.pk: e for e in Enrollment.objects.filter(course=course)}
    assert len(rows) == 30  # nothing lost, nothing doubled
    now_seated = [e for e in rows.values() if e.status in SEATED_STATUSES]
    still_waiting = [e for e in rows.values() if e.status == S.WAITLISTED]
    assert len(now_seated) == 10  # six seats freed, all six offered at once
    assert sum(e.status == S.CANCELLED for e in rows.values()) == 8
    # No waitlist place lost: the eight who stayed on the old waitlist are all still there or offered a seat,
    # the six offers went to the first six of them, in order, before any newcomer.
    stayed = waiting[:-2]
    assert all(rows[e.pk].status in ACTIVE_STATUSES for e in stayed)
    assert [rows[e.pk].status for e in stayed] == [S.OFFERED] * 6 + [S.WAITLISTED] * 2
    assert len(still_waiting) == 2 + 10
    assert sorted(waitlist_position(e) for e in still_waiting) == list(range(1, 13))
    assert len({e.queue_no for e in rows.values()}) == 30
