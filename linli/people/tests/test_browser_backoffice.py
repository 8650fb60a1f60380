"""The back office in a real browser (Debian's Chromium): login, area switcher, filters, export."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from linli.areas.models import Area
from linli.areas.services import area_create
from linli.core.testing import PASSWORD, resident

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _log_in(session, username: str) -> None:
    session.goto("/accounts/login/")
    session.page.fill("#id_username", username)
    session.page.fill("#id_password", PASSWORD)
    session.page.click("button[type=submit]")
    session.page.wait_for_url(re.compile(r"/$"))


def test_street_admin_switches_community_filters_and_exports(personas, browser_session):
    # A second community in 人和街道, so that switching between communities shows something.
    other = area_create(by=personas.district_admin, parent=Area.objects.get(code="500112009"), code="500112009012",
                        name="示例社区")
    resident(other.code, "示例居民", by=personas.district_admin)
    session = browser_session(viewport={"width": 1280, "height": 900})
    _log_in(session, "renhe")
    assert session.page.locator(".chart svg").count() == 4  # the dashboard's ECharts rendered (people 3, college 1)
    session.screenshot("dashboard")

    with session.page.expect_navigation():
        session.page.select_option("select[name=area]", other.code)  # the area switcher submits on change
    session.goto("/people/")
    rows = session.page.locator("#list-table tbody tr")
    assert rows.count() == 1 and "示例居民" in rows.first.inner_text()
    with session.page.expect_navigation():
        session.page.select_option("select[name=area]", personas.areas["500112009011"].code)
    session.goto("/people/")
    assert "邢居民1" in session.page.inner_text("#list-table")

    # Typing in the search box updates the table in place (htmx), and the address bar follows.
    session.page.fill("input[name=q]", "邢居民1")
    session.page.locator("#list-filters button[type=submit]").click()
    session.page.wait_for_url(re.compile(r"q=%E9%82%A2%E5%B1%85%E6%B0%911"))
    session.page.wait_for_function("document.querySelectorAll('#list-table tbody tr').length === 1")
    assert "邢居民1" in session.page.inner_text("#list-table tbody")
    session.screenshot("filtered")

    with session.page.expect_download() as download_info:
        session.page.click("#export-link")
    download = download_info.value
    assert download.suggested_filename.startswith("居民名单-")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["邢居民1"]
    assert not any(r.name in names for r in personas.jzy_residents)


def test_worker_cannot_open_another_communitys_resident_by_url(personas, browser_session):
    session = browser_session(viewport={"width": 1280, "height": 900})
    _log_in(session, "xjq")
    target = personas.jzy_residents[0]
    response = session.goto(f"/people/{target.pk}/")
    assert response.status == 404
    body = session.page.inner_text("main")
    assert "不存在或您无权查看" in body and target.name not in body
    session.screenshot("refused")


def test_outside_requests_are_caught(personas, browser_session):
    """The guard of every browser test works: a page asking the internet is recorded and refused."""
    session = browser_session()
    session.goto("/accounts/login/")
    session.page.evaluate("""() => { const i = new Image(); i.src = "http://example.com/x.png";
                                     document.body.appendChild(i); }""")
    session.page.wait_for_timeout(300)
    assert session.outside == ["http://example.com/x.png"]
    session.outside.clear()  # expected here; the fixture fails any other test that does this
