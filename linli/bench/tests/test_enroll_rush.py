"""`linli bench enroll-rush`, run tiny against a real gunicorn on PostgreSQL: counts, never times."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.db import connection

from linli.bench.enroll_rush import rush


@pytest.mark.django_db(transaction=True)
def test_rush_seats_exactly_the_capacity_and_waitlists_everyone_else():
    if connection.vendor != "postgresql":
        pytest.skip("the rush runs against PostgreSQL only")
    lines: list[str] = []
    test_db = connection.settings_dict["NAME"]

    report = rush(out=lines.append, residents=40, seats=5, concurrency=8, workers=2)

    assert report.rush.sent == 40
    assert report.rush.lost == 0 and report.rush.server_errors == 0 and report.rush.client_errors == 0
    assert report.rush.ok == 40
    assert report.health.ok == 40
    assert (report.seats_taken, report.waitlisted, report.rows, report.residents_without_row) == (5, 35, 40, 0)
    assert (report.lottery_applicants, report.lottery_seated, report.lottery_waitlisted) == (40, 5, 35)
    assert connection.settings_dict["NAME"] == test_db  # back on the test database, the scratch one dropped
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", [f"{test_db}_rush%"])
        assert cursor.fetchone()[0] == 0
    assert any("占座（已报名+待确认）5，候补 35" in line for line in lines)


@pytest.mark.django_db
def test_rush_refuses_sqlite_with_a_clear_message():
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")
    with pytest.raises(CommandError, match="需要 PostgreSQL"):
        rush(out=print, residents=4, seats=1, concurrency=1, workers=1)
