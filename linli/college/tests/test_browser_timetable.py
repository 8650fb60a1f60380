"""The timetable in a real browser (Debian's Chromium): a worker opens 课表, locks one entry,
re-solves, sees the run done, publishes it; the locked entry stays where it was while the board
shows the new timetable (and the database agrees)."""

from __future__ import annotations

import re

import pytest

from linli.college.models import RunStatus, TimetableRun, WeeklySlot
from linli.college.tests import parts
from linli.college.tests.timetable_kit import TERM, community
from linli.core.testing import PASSWORD, XINGJIAQIAO

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _log_in(session, user) -> None:
    session.goto("/accounts/login/")
    session.page.fill("#id_username", user.username)
    session.page.fill("#id_password", PASSWORD)
    session.page.click("main button[type=submit]")
    session.page.wait_for_url(re.compile(r"/$"))


def _board(session) -> list[tuple[str, str, str]]:
    """The (course, day, start) of every entry on the board shown, sorted."""
    return sorted(tuple(e) for e in session.page.evaluate("""() => [...document.querySelectorAll('#tt-board .tt-entry:not(.tt-cont)')]
        .map(e => [e.dataset.course, e.dataset.day, e.dataset.start])"""))


def test_a_worker_locks_an_entry_resolves_and_publishes(personas, browser_session, settings):
    settings.LINLI_TIMETABLE_INLINE = True  # the live server runs in this process: the run is solved inline
    p = personas
    c = community(p)
    # A new course with no time yet: the re-solve must place it.
    new = parts.course(p, c.other_club, title="葫芦丝", teacher=c.wang, venue=c.room, term=TERM,
                       starts_on=c.taichi.starts_on, ends_on=c.taichi.ends_on)
    locked = c.slots["calligraphy"]  # 书法, Wed 14:30, 书画室

    desk = browser_session(viewport={"width": 1366, "height": 900})
    _log_in(desk, p.xjq_worker)
    desk.page.click("nav a:text-is('课表')")
    desk.page.wait_for_url(re.compile(r"/college/timetable/"))
    before = _board(desk)
    assert ("书法", "3", "14:30") in before and not any(e[0] == "葫芦丝" for e in before)
    desk.screenshot("board")

    entry = desk.page.locator(f'#tt-board .tt-entry[data-slot="{locked.pk}"]').first
    entry.locator("button:text-is('锁定')").click()
    desk.page.wait_for_load_state()
    assert "已锁定：书法 每周三 14:30" in desk.page.inner_text(".messages")
    entry = desk.page.locator(f'#tt-board .tt-entry[data-slot="{locked.pk}"]').first
    assert entry.locator(".tt-lock").count() == 1 and entry.locator("button:text-is('解锁')").count() == 1
    locked.refresh_from_db()
    assert locked.locked is True

    desk.page.fill("#id_time_limit", "2")
    desk.page.click("#tt-resolve")
    desk.page.wait_for_url(re.compile(r"/college/timetable/runs/\d+/$"))
    run = TimetableRun.objects.get()
    assert run.status == RunStatus.DONE and run.time_limit == 2
    assert desk.page.locator("#run-status").inner_text().startswith("已完成")
    assert desk.page.inner_text("#run-placed") == "5" and desk.page.inner_text("#run-unplaced") == "0"
    preview = _board_of_run(desk)
    assert ("书法", "3", "14:30") in preview and any(e[0] == "葫芦丝" for e in preview)
    desk.screenshot("run-done")

    desk.page.click("#run-publish")
    desk.page.wait_for_url(re.compile(rf"/college/timetable/runs/{run.pk}/publish/$"))
    desk.page.click("#publish-confirm")
    desk.page.wait_for_url(re.compile(r"/college/timetable/\?area="))
    assert "已发布：4 门课的课表已更新，居民页面同步显示" in desk.page.inner_text(".messages")
    desk.screenshot("published")

    # The locked entry has not moved; the board is the run's timetable, the new course on it.
    after = _board(desk)
    assert ("书法", "3", "14:30") in after
    assert desk.page.locator(f'#tt-board .tt-entry[data-slot="{locked.pk}"] .tt-lock').count() == 1
    placed = sorted((x["course_name"], str(int(x["day"]) + 1), x["start"]) for x in run.result["placements"])
    assert after == placed
    assert any(e[0] == "葫芦丝" for e in after)

    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED and run.published_by == p.xjq_worker
    locked.refresh_from_db()
    assert (locked.weekday, locked.starts_at.strftime("%H:%M"), locked.locked) == (3, "14:30", True)
    rows = sorted((s.course.title, str(s.weekday), s.starts_at.strftime("%H:%M"))
                  for s in WeeklySlot.objects.filter(course__area_id=XINGJIAQIAO).select_related("course"))
    assert rows == placed
    assert WeeklySlot.objects.filter(course=new).count() == 1


def _board_of_run(session) -> list[tuple[str, str, str]]:
    return sorted(tuple(e) for e in session.page.evaluate("""() => [...document.querySelectorAll('#run-board .tt-entry:not(.tt-cont)')]
        .map(e => [e.dataset.course, e.dataset.day, e.dataset.start])"""))
