"""The community college in a real browser (Debian's Chromium): a resident answers the interest
survey on a phone, and the worker sees the class order it completes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from conftest import PHONE
from linli.accounts import sms
from linli.college.models import ClassOrder, OrderStatus
from linli.college.services.orders import threshold_set
from linli.core.testing import PASSWORD, XINGJIAQIAO, resident
from linli.surveys.models import Channel, Response, Survey
from linli.surveys.services import response_submit, survey_create_from_template, survey_publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

THRESHOLD = 8
TAICHI = "太极拳"
# Positions in the college_interest template (linli/surveys/catalog.py).
WANTED, SLOTS, TIMES_A_WEEK, WORRIES, RATING = 3, 4, 5, 16, 17
WIDTH, HEIGHT = 390, 844
assert PHONE["viewport"] == {"width": WIDTH, "height": HEIGHT}


def _interest_survey(by) -> Survey:
    today = timezone.localdate()
    survey = survey_create_from_template(by=by, template_key="college_interest", area_code=XINGJIAQIAO,
                                         opens_on=today, closes_on=today + dt.timedelta(days=30))
    return survey_publish(by=by, survey=survey)


def _sheet(survey: Survey, wanted: list[str]) -> dict[int, dict[str, Any]]:
    """A complete answer sheet, as a paper one typed in by the worker."""
    answers: dict[int, dict[str, Any]] = {1: {"choices": ["支持"]}, 2: {"choices": ["唱歌"]}, WANTED: {"choices": wanted, "text": ""},
               SLOTS: {"choices": ["2-am"]}, TIMES_A_WEEK: {"choices": ["1 次"]}, 6: {"choices": ["1 个半小时"]},
               7: {"choices": ["社区活动室"]}, 8: {"choices": ["看情况"]}, 12: {"choices": ["暂时不愿意"]},
               13: {"choices": ["看情况"]}, 14: {"choices": ["偶尔参加"]}, 15: {"choices": ["微信群"]},
               WORRIES: {"choices": ["没有担心"]}, RATING: {"number": 4}}
    by_position = {q.position: q.pk for q in survey.questions.all()}
    return {by_position[n]: a for n, a in answers.items()}


def _seven_earlier_answers(p, survey: Survey) -> None:
    """Seven neighbours want 太极拳 already: one short of the threshold."""
    for i in range(7):
        neighbour = resident(XINGJIAQIAO, f"太极邻居{i}", birth=dt.date(1950 + i, 4, 1))
        response_submit(by=p.xjq_worker, survey=survey, resident=neighbour, answers=_sheet(survey, [TAICHI]),
                        channel=Channel.PAPER)


def _log_in_by_code(session, phone: str) -> None:
    session.goto("/m/login/")
    session.page.fill("#id_phone", phone)
    session.page.click("main button[type=submit]")
    session.page.wait_for_selector("#id_code")
    code = re.search(r"\d{6}", sms.outbox[-1][1])
    assert code is not None, sms.outbox[-1]
    session.page.fill("#id_code", code.group(0))
    session.page.click("main button[type=submit]")
    session.page.wait_for_url(re.compile(r"/m/$"))


def _question(session, survey: Survey, position: int):
    return session.page.locator(f"fieldset#q{survey.questions.get(position=position).pk}")


def _tap_option(session, survey: Survey, position: int, label: str) -> None:
    _question(session, survey, position).locator("label.sv-option", has_text=label).first.tap()


def _answer_all_but(session, survey: Survey, *skipped: int) -> None:
    """Taps the first choice of every required choice question except ``skipped``; a score for the rating."""
    for fieldset in session.page.locator("fieldset.sv-q").all():
        position = int(fieldset.locator("legend").inner_text().split(".")[0])
        if position in skipped or position in (WANTED, SLOTS) or "（必答）" not in fieldset.inner_text():
            continue
        if fieldset.locator("label.sv-score").count():
            fieldset.locator("label.sv-score").nth(3).tap()
        else:
            fieldset.locator("label.sv-option").first.tap()


def _undersized(session) -> list[str]:
    """Visible tap targets (and text) on the page smaller than a finger (and an old eye) needs."""
    return session.page.evaluate("""() => {
      const bad = [];
      for (const el of document.querySelectorAll(
          'label.sv-option, label.sv-slot, label.sv-score, .sv-submit, .sv-jumps a, main a, main button, nav.tabs a')) {
        const r = el.getBoundingClientRect();
        if (r.width && r.height && (r.width < 48 || r.height < 48))
          bad.push(`${el.className || el.tagName} ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
      for (const el of document.querySelectorAll('main *')) {
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (own && el.getClientRects().length && size < 18) bad.push(`${el.tagName} text ${size}px`);
      }
      return bad;
    }""")


def _order_row(session, subject: str) -> dict[str, str]:
    """The order list's row for ``subject``, as {column header: cell text}."""
    return session.page.evaluate("""(subject) => {
      const headers = [...document.querySelectorAll('#list-table thead th')].map(th => th.innerText.trim());
      for (const tr of document.querySelectorAll('#list-table tbody tr')) {
        const cells = [...tr.children].map(td => td.innerText.trim());
        if (cells[0] === subject) return Object.fromEntries(headers.map((h, i) => [h, cells[i]]));
      }
      return null;
    }""", subject)


def test_resident_answers_on_the_phone_and_the_worker_sees_the_order_reach_the_threshold(personas, browser_session):
    p = personas
    survey = _interest_survey(p.xjq_worker)
    threshold_set(by=p.xjq_worker, area_code=XINGJIAQIAO, threshold=THRESHOLD)
    _seven_earlier_answers(p, survey)
    assert ClassOrder.objects.get(survey=survey, subject=TAICHI).status == OrderStatus.COLLECTING

    me = p.xjq_residents[1]
    phone = browser_session(**PHONE)
    _log_in_by_code(phone, me.phone)
    assert phone.page.locator("#survey-card", has_text=survey.title).is_visible()  # the home card invites
    phone.screenshot("home-card")
    phone.page.locator("#survey-card a.big-button").tap()
    phone.page.wait_for_url(re.compile(rf"/m/surveys/{survey.token}/$"))

    # Large type, big targets, and the week's grid of time slots fits the screen.
    assert _undersized(phone) == []
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    grid = _question(phone, survey, SLOTS).locator("table.sv-grid").bounding_box()
    assert grid["x"] >= 0 and grid["x"] + grid["width"] <= WIDTH
    phone.screenshot("answer-page")

    _answer_all_but(phone, survey)
    _tap_option(phone, survey, WANTED, TAICHI)
    _tap_option(phone, survey, WANTED, "象棋")
    for slot in ("周二上午", "周四上午"):
        _question(phone, survey, SLOTS).locator(f"label.sv-slot[title='{slot}']").tap()
    assert _question(phone, survey, SLOTS).locator("input:checked").count() == 2
    phone.screenshot("answered")
    phone.page.locator("button.sv-submit").tap()
    phone.page.wait_for_url(re.compile(rf"/m/surveys/{survey.token}/thanks/$"))
    assert "提交成功" in phone.page.inner_text("#survey-thanks")
    phone.screenshot("thanks")

    saved = Response.objects.get(survey=survey, resident=me)
    assert saved.channel == Channel.PHONE
    order = ClassOrder.objects.get(survey=survey, subject=TAICHI)
    assert (order.demand, order.status) == (THRESHOLD, OrderStatus.REACHED)

    # The worker, at a desk, sees 太极拳 with 8 residents and enough of them.
    desk = browser_session(viewport={"width": 1366, "height": 900})
    desk.goto("/accounts/login/")
    desk.page.fill("#id_username", p.xjq_worker.username)
    desk.page.fill("#id_password", PASSWORD)
    desk.page.click("main button[type=submit]")
    desk.page.wait_for_url(re.compile(r"/$"))
    desk.goto("/college/orders/")
    row = _order_row(desk, TAICHI)
    assert row is not None, desk.page.inner_text("#list-table")
    assert row["想学人数"] == str(THRESHOLD) and row["状态"] == "人数已满足", row
    assert _order_row(desk, "象棋")["状态"] == "征集中"
    desk.screenshot("order-list")
    desk.page.click(f"#list-table a:text-is('{TAICHI}')")
    desk.page.wait_for_url(re.compile(rf"/college/orders/{order.pk}/$"))
    assert desk.page.inner_text("#order-demand") == f"{THRESHOLD} 人"
    assert desk.page.locator("#age-chart svg").count() == 1  # the vendored ECharts drew the ages
    desk.screenshot("order-detail")


def test_an_empty_required_question_is_shown_at_that_question_and_nothing_is_saved(personas, browser_session):
    p = personas
    survey = _interest_survey(p.xjq_worker)
    me = p.xjq_residents[1]
    phone = browser_session(**PHONE)
    _log_in_by_code(phone, me.phone)
    phone.goto(f"/m/surveys/{survey.token}/")

    # Everything answered but "每周上几次课合适？"; and four worries where three at most are allowed.
    _answer_all_but(phone, survey, TIMES_A_WEEK, WORRIES)
    _tap_option(phone, survey, WANTED, TAICHI)
    _question(phone, survey, SLOTS).locator("label.sv-slot[title='周二上午']").tap()
    for worry in ("没有时间", "怕学不会", "离家太远", "费用"):
        _tap_option(phone, survey, WORRIES, worry)
    phone.page.locator("button.sv-submit").tap()
    phone.page.wait_for_load_state()

    assert phone.page.url.endswith(f"/m/surveys/{survey.token}/")
    summary = phone.page.locator(".messages li.error")
    assert "有 2 道题需要修改" in summary.inner_text()
    assert phone.page.locator(".sv-jumps a").all_inner_texts() == [f"第 {TIMES_A_WEEK} 题", f"第 {WORRIES} 题"]
    times = _question(phone, survey, TIMES_A_WEEK)
    assert "has-error" in times.get_attribute("class")
    assert "这是必答题" in times.locator(".sv-error").inner_text()
    worries = _question(phone, survey, WORRIES)
    assert "最多选 3 项" in worries.locator(".sv-error").inner_text()
    assert phone.page.locator("fieldset.sv-q.has-error").count() == 2
    # What was ticked is still ticked: only the two questions need another look.
    assert _question(phone, survey, WANTED).locator("input:checked").evaluate_all("els => els.map(e => e.value)") \
        == [TAICHI]
    assert _question(phone, survey, SLOTS).locator("input:checked").count() == 1
    phone.screenshot("errors")

    # The jump button brings the first question to fix into view.
    phone.page.locator(".sv-jumps a").first.tap()
    phone.page.wait_for_url(re.compile(rf"#q{survey.questions.get(position=TIMES_A_WEEK).pk}$"))
    box = times.bounding_box()
    assert 0 <= box["y"] < HEIGHT / 2
    phone.screenshot("error-at-question")

    assert not Response.objects.filter(survey=survey).exists()
    assert not ClassOrder.objects.filter(survey=survey).exists()
