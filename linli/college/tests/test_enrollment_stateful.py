"""Random sequences of enroll, cancel, confirm, decline, time passing (offers expiring) and release keep
seats and waitlist consistent: never more seated than the capacity, no free seat while someone waits,
distinct queue places, no enrollment lost or in two states, one active place per resident.
Refusals (twice, not offered, wrong person…) must leave the table as it was."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from linli.college.models import ACTIVE_STATUSES, SEATED_STATUSES, Course, Enrollment, EnrollmentStatus
from linli.college.services import courses as course_svc
from linli.college.services import enrollment as svc
from linli.college.tests.enroll_kit import NOW, open_course, residents
from linli.core.errors import LinliError

S = EnrollmentStatus
CAPACITY = 3


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
def test_seats_and_waitlist_stay_consistent_under_random_operations(personas):
    p = personas
    course = open_course(p, capacity=CAPACITY, confirm_hours=2, closes_at=NOW + dt.timedelta(days=30))
    people = residents(7)

    class Enrolling(RuleBasedStateMachine):
        @initialize()
        def start(self):
            # Each example runs in a savepoint rolled back at its end: examples do not see each other.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.now = NOW
            self.created: set[int] = set()
            course.refresh_from_db()  # the capacity of the last example was rolled back with it

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _rows(self) -> list[Enrollment]:
            return list(Enrollment.objects.filter(course=course).order_by("pk"))

        def _quiet(self, fn) -> None:
            before = [(e.pk, e.status, e.queue_no, e.offer_expires_at) for e in self._rows()]
            try:
                with transaction.atomic():
                    fn()
            except LinliError as exc:
                after = [(e.pk, e.status, e.queue_no, e.offer_expires_at) for e in self._rows()]
                # A late confirmation is the one refusal that changes something: the offer expires.
                if exc.message.endswith("名额已让给下一位"):
                    assert after != before
                else:
                    assert after == before, exc.message

        def _pick(self, statuses, k: int) -> Enrollment | None:
            rows = [e for e in self._rows() if e.status in statuses]
            return rows[k % len(rows)] if rows else None

        @rule(i=st.integers(0, len(people) - 1), n=st.integers(1, 4))
        def enroll(self, i, n):
            # A few residents one after another (the waitlist needs a crowd to form in few steps).
            for r in (people + people)[i:i + n]:
                def go(r=r):
                    self.created.add(svc.enrollment_create(by=r.user, course=course, resident=r, at=self.now).pk)

                self._quiet(go)

        @rule(k=st.integers(0, 20), staff=st.booleans())
        def cancel(self, k, staff):
            e = self._pick(ACTIVE_STATUSES, k)
            if e is not None:
                by = p.xjq_worker if staff else e.resident.user
                self._quiet(lambda: svc.enrollment_cancel(by=by, enrollment=e, at=self.now))

        @rule(k=st.integers(0, 20))
        def confirm(self, k):
            e = self._pick((S.OFFERED, S.WAITLISTED), k)  # confirming a waitlist place is refused
            if e is not None:
                self._quiet(lambda: svc.offer_confirm(by=e.resident.user, enrollment=e, at=self.now))

        @rule(k=st.integers(0, 20))
        def decline(self, k):
            e = self._pick((S.OFFERED, S.ENROLLED), k)
            if e is not None:
                self._quiet(lambda: svc.offer_decline(by=e.resident.user, enrollment=e, at=self.now))

        @rule(hours=st.integers(0, 3), run_job=st.booleans())
        def time_passes(self, hours, run_job):
            self.now += dt.timedelta(hours=hours)
            if run_job:
                svc.offers_expire(at=self.now)

        @rule(k=st.integers(0, 20))
        def release(self, k):
            e = self._pick((S.ENROLLED,), k)
            if e is not None:
                self._quiet(lambda: svc.enrollment_release(by=p.xjq_worker, enrollment=e, reason="连续缺勤 3 次",
                                                           at=self.now))

        @rule(capacity=st.integers(1, CAPACITY + 2))
        def resize(self, capacity):
            # A worker changes the course's capacity: never below the seats taken, new seats offered at once.
            def go():
                with time_machine.travel(self.now, tick=False):  # course_update takes no ``at``: its clock is now
                    self._resize(capacity)

            seated, old = sum(e.status in SEATED_STATUSES for e in self._rows()), course.capacity
            self._quiet(go)
            course.refresh_from_db()
            assert course.capacity == (capacity if capacity >= seated else old)

        def _resize(self, capacity):
            course_svc.course_update(
                by=p.xjq_worker, course=Course.objects.get(pk=course.pk), title=course.title, term=course.term,
                capacity=capacity, starts_on=course.starts_on, ends_on=course.ends_on,
                sessions_per_week=course.sessions_per_week, session_minutes=course.session_minutes,
                teacher=course.teacher, venue=course.venue, needed_features=course.needed_features,
                description=course.description)

        @invariant()
        def consistent(self):
            rows = self._rows()
            seated = sum(e.status in SEATED_STATUSES for e in rows)
            waiting = sum(e.status == S.WAITLISTED for e in rows)
            capacity = Course.objects.get(pk=course.pk).capacity
            assert seated <= capacity
            assert not (waiting and seated < capacity), "a free seat while someone waits"
            assert len({e.queue_no for e in rows}) == len(rows), "two enrollments share a queue place"
            assert {e.pk for e in rows} == self.created, "an enrollment vanished or appeared"
            assert all(e.status in S.values for e in rows)
            active = [e.resident_id for e in rows if e.status in ACTIVE_STATUSES]
            assert len(active) == len(set(active)), "two active places for one resident"
            for e in rows:
                assert (e.status == S.OFFERED) == (e.offer_expires_at is not None and e.status == S.OFFERED)
                assert (e.ended_at is not None) == (e.status not in ACTIVE_STATUSES)

    Enrolling.TestCase.settings = settings(max_examples=30, stateful_step_count=30, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
    Enrolling.TestCase().runTest()
