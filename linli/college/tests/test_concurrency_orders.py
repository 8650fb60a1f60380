"""Answers arriving at the same moment are all counted: the community's settings row is locked
before the recount, so no recount works from a stale view of the answers.

Runs on PostgreSQL only (SQLite serialises every write, so it proves nothing there):
``DATABASE_URL=postgres://postgres@127.0.0.1:54330/linli .venv/bin/pytest linli/college/tests/test_concurrency_orders.py``
"""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import close_old_connections, connection

from linli.college.models import ClassOrder, CollegeSettings, OrderStatus
from linli.college.tests.orders_kit import FROZEN, crowd, orders_of, sheet, template_survey
from linli.core.testing import XINGJIAQIAO
from linli.surveys.models import Channel, Response
from linli.surveys.services import response_submit

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]

N = 8


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _all_at_once(jobs) -> list[BaseException]:
    """Run each job in its own thread (its own connection), released together."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait(timeout=10)
            job()
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
    return errors


def _submitter(survey, who, by, wanted):
    answers = sheet(survey, wanted)
    return lambda: response_submit(by=by, survey=survey, resident=who, answers=answers, channel=Channel.PAPER)


def test_n_answers_at_once_make_a_demand_of_exactly_n(personas):
    survey = template_survey(personas.xjq_worker)
    people = crowd(N)
    assert not CollegeSettings.objects.filter(area_id=XINGJIAQIAO).exists()  # the first answers also race to make it
    errors = _all_at_once([_submitter(survey, who, personas.xjq_worker, ["绘画", "象棋"]) for who in people])
    assert errors == []
    assert Response.objects.filter(survey=survey).count() == N
    orders = orders_of(survey)
    assert {s: o.demand for s, o in orders.items()} == {"绘画": N, "象棋": N}
    assert orders["绘画"].status == OrderStatus.REACHED
    assert sum(orders["绘画"].age_profile.values()) == N
    assert orders["绘画"].slot_counts == {"2-am": N}
    assert ClassOrder.objects.count() == 2  # one order per class, however many recounts raced
    assert CollegeSettings.objects.filter(area_id=XINGJIAQIAO).count() == 1


def test_the_same_resident_sent_twice_at_once_counts_once(personas):
    survey = template_survey(personas.xjq_worker)
    who = crowd(1)[0]
    errors = _all_at_once([_submitter(survey, who, personas.xjq_worker, ["快板"]) for _ in range(4)])
    assert len(errors) == 3
    assert all(getattr(e, "code", "") == "surveys.already_answered" for e in errors), errors
    assert orders_of(survey)["快板"].demand == 1
