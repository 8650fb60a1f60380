"""N volunteers race for a role of headcount K: exactly K are signed; one volunteer confirming two
overlapping services at once gets exactly one.

Runs on PostgreSQL only (SQLite serialises every write, so it proves nothing there):
``DATABASE_URL=postgres://postgres@127.0.0.1:54330/linli .venv/bin/pytest linli/volunteering/tests/test_concurrency.py``
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.utils import timezone

from linli.core.errors import LinliError
from linli.core.testing import XINGJIAQIAO, resident
from linli.volunteering import services
from linli.volunteering.models import RecordStatus, ServiceRecord, Signup

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]

N, K = 12, 3
NOW = timezone.make_aware(dt.datetime(2026, 5, 20, 9, 0))


def at(day: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 5, day, hour))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _all_at_once(jobs) -> tuple[int, list[BaseException]]:
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    done: list[int] = []

    def run(job):
        try:
            start.wait(timeout=10)
            job()
            done.append(1)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung: a lock was never released"
    return len(done), errors


def test_n_volunteers_race_for_k_places(personas):
    p = personas
    volunteers = [services.volunteer_register(by=p.xjq_worker, resident=resident(XINGJIAQIAO, f"抢{i}"))
                  for i in range(N)]
    activity = services.activity_create(by=p.xjq_worker, area_code=XINGJIAQIAO, title="花园补种", place="花园",
                                        starts_at=at(23, 9), ends_at=at(23, 11), roles=[("补种", K)])
    services.activity_publish(by=p.xjq_worker, activity=activity)
    role = activity.roles.get()
    ok, errors = _all_at_once([
        (lambda v=v: services.signup_create(by=p.xjq_worker, activity=activity, volunteer=v, role=role))
        for v in volunteers])
    assert ok == K
    assert len(errors) == N - K and all(isinstance(e, LinliError) and "已满" in e.message for e in errors)
    assert Signup.objects.filter(role=role).count() == K


def test_overlapping_confirmations_at_once_only_one_counts(personas):
    from linli.points.services import points_balance, rule_set

    p = personas
    rule_set(by=p.district_admin, area_code=XINGJIAQIAO, action="service_half_hour", points=5,
             valid_from=dt.date(2026, 1, 1))
    v = services.volunteer_register(by=p.xjq_worker, resident=p.xjq_residents[1])
    records = [services.service_record_create(by=p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO,
                                              content=f"服务{i}", starts_at=at(18, 9 + i % 2), ends_at=at(18, 12))
               for i in range(6)]
    ok, errors = _all_at_once([(lambda r=r: services.service_record_confirm(by=p.xjq_worker, record=r))
                               for r in records])
    assert ok == 1 and all(isinstance(e, LinliError) and "重叠" in e.message for e in errors), errors
    assert ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED).count() == 1
    assert points_balance(v.resident) in (30, 20)
