"""The residents' pages on a phone-sized screen in a real browser."""

from __future__ import annotations

import re

import pytest

from conftest import PHONE
from linli.accounts import sms
from linli.people.services import proxy_bind

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

FIRST_LOAD_BUDGET = 200 * 1024


def _log_in_by_code(session, phone: str) -> None:
    session.page.fill("#id_phone", phone)
    session.page.click("button[type=submit]")
    session.page.wait_for_selector("#id_code")
    text = sms.outbox[-1][1]
    session.page.fill("#id_code", re.search(r"\d{6}", text).group(0))
    session.page.click("button[type=submit]")
    session.page.wait_for_url(re.compile(r"/m/$"))


def test_resident_logs_in_by_code_and_shows_the_qr_card(personas, browser_session):
    me = personas.xjq_residents[1]
    session = browser_session(**PHONE)
    session.goto("/m/login/")
    first_load = session.transferred_bytes()
    assert 0 < first_load <= FIRST_LOAD_BUDGET, first_load
    print(f"\n[measure] residents' login page, first load: {first_load} bytes")
    # Large type and big targets, as rendered.
    font = session.page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    button = session.page.locator("button[type=submit]").bounding_box()
    assert font >= 18 and button["height"] >= 48
    session.screenshot("login")

    _log_in_by_code(session, me.phone)
    session.screenshot("home")
    session.requests.clear()
    session.page.click("text=出示签到码")
    session.page.wait_for_url(re.compile(r"/m/card/$"))
    assert session.page.locator("#qr-card svg").is_visible()
    assert me.name in session.page.inner_text("#qr-card")
    for label in ("首页", "课程", "积分", "我的"):
        assert session.page.locator("nav.tabs", has_text=label).count() == 1
    session.screenshot("qr-card")


def test_family_member_acts_for_elder_and_the_banner_says_so(personas, browser_session):
    elder = personas.xjq_residents[2]
    proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=["enroll", "profile"],
               agent_phone="13512345678", agent_name="邢女儿")
    session = browser_session(**PHONE)
    session.goto("/m/login/")
    _log_in_by_code(session, "13512345678")
    session.page.click(f"text=代 {elder.name} 办理")
    session.page.wait_for_url(re.compile(r"/m/$"))
    for tab in ("课程", "积分", "我的", "首页"):
        banner = session.page.locator("#proxy-banner")
        assert banner.is_visible() and elder.name in banner.inner_text(), tab
        session.page.click(f"nav.tabs >> text={tab}")
        session.page.wait_for_load_state()
    session.page.click("nav.tabs >> text=我的")
    assert elder.id_number_masked in session.page.inner_text("main")
    session.screenshot("acting")
    session.page.click("text=退出代办")
    session.page.wait_for_load_state()
    assert session.page.locator("#proxy-banner").count() == 0
