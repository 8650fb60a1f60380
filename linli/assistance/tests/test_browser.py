"""An assistance officer records a home check in a real browser (Debian's Chromium)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from linli.assistance.models import AlertStatus, HomeCheck
from linli.assistance.tests.page_fixtures import alert_row, officers, run_row
from linli.core.testing import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _log_in(session, username: str) -> None:
    session.goto("/accounts/login/")
    session.page.fill("#id_username", username)
    session.page.fill("#id_password", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_url(re.compile(r"/$"))


def test_officer_opens_an_alert_and_records_a_home_check(personas, browser_session):
    run = run_row(officers()["district"])
    alert = alert_row(run, head_name="张桂英", household_key="3101")
    alert_row(run, rule="vehicle_registered", head_name="李建国", household_key="3102",
              deadline=dt.date.today() - dt.timedelta(days=3), value="86000", threshold="50000",
              event_date=dt.date.today() - dt.timedelta(days=30))
    session = browser_session(viewport={"width": 1280, "height": 900})
    _log_in(session, "xjqaid")

    session.goto("/assistance/?status=open")
    table = session.page.locator("#list-table tbody")
    assert "张*英" in table.inner_text() and "逾期 3 天" in table.inner_text()
    assert session.page.locator("#list-table .overdue").count() == 1
    session.screenshot("alerts")

    session.page.click("#list-table a:text('3101')")
    session.page.wait_for_url(re.compile(rf"/assistance/alerts/{alert.pk}/$"))
    assert "张桂英" in session.page.inner_text("#household")
    assert "现享类别的收入标准（元）" in session.page.inner_text("#evidence")

    # 转介单位 shows only for a referral.
    referred_to = session.page.locator("#id_referred_to")
    assert not referred_to.is_visible()
    session.page.check("input[name=outcome][value=referred]")
    assert referred_to.is_visible()
    session.page.check("input[name=outcome][value=confirmed]")
    assert not referred_to.is_visible()
    assert session.page.input_value("#id_visited_on") == dt.date.today().isoformat()
    session.page.fill("#id_note", "入户核实：户主之子已就业，月收入约 3000 元，建议调整救助。")
    with session.page.expect_navigation():
        session.page.click("#check-form button[type=submit]")

    outcome = session.page.inner_text("#check-outcome")
    assert "情况属实" in outcome and "户主之子已就业" in outcome
    assert session.page.locator("#check-form").count() == 0
    session.screenshot("checked")
    assert HomeCheck.objects.get(alert=alert).outcome == "confirmed"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CHECKED

    session.goto("/assistance/?status=open")
    rows = session.page.inner_text("#list-table tbody")
    assert "3101" not in rows and "3102" in rows
