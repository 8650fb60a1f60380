"""The timetable pages (课表, 排课): the board per venue and per club, lock and move an entry,
re-solve, the run page while it runs and when done, publishing, the A4 print view and the .xlsx
export. A refused action shows its message beside the field and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from linli.college.models import RunStatus, Session, TimetableRun, WeeklySlot
from linli.college.tests.enroll_kit import NOW
from linli.college.tests.timetable_kit import TERM, community, placement_of
from linli.core.models import AuditEntry
from linli.core.testing import XINGJIAQIAO, with_token

pytestmark = pytest.mark.django_db

BOARD = "/college/timetable/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def inline(settings):
    settings.LINLI_TIMETABLE_INLINE = True


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _cell(html: str, course: str) -> list[str]:
    """The data-day/data-start of each (first) entry of ``course`` on a board page."""
    return re.findall(rf'data-course="{course}" data-slot="\d*" data-day="(\d)" data-start="([\d:]+)"', html)


# --- the board ------------------------------------------------------------------------------------


def test_the_board_shows_each_venue_week_with_lock_and_adjust(personas):
    p = personas
    c = community(p)
    response = _client(p.xjq_worker).get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "课表 · 邢家桥社区" in html and TERM in html
    # Per venue: 多功能厅 holds 太极拳 (Tue, Thu 08:30) and 合唱 (Fri 19:00); 书画室 holds 书法.
    tables = response.context["tables"]
    names = [t["name"] for t in tables]
    assert "多功能厅" in names and "书画室" in names
    hall = next(t for t in tables if t["name"] == "多功能厅")
    assert sorted((e["course"], e["weekday"], e["start"]) for e in hall["entries"]) == [
        ("合唱", 5, "19:00"), ("太极拳", 2, "08:30"), ("太极拳", 4, "08:30")]
    assert hall["rows"][0]["label"] == "08:30–10:00"
    assert [e["teacher"] for e in hall["rows"][0]["cells"][1]] == ["王老师"]
    assert sorted(_cell(html, "太极拳")) == [("2", "08:30"), ("4", "08:30")]
    assert html.count(">锁定</button>") == 4  # the four XJQ entries, not JZY's
    assert "广场舞" not in html
    assert f'/college/timetable/slots/{c.slots["taichi_tue"].pk}/move/' in html
    assert "重新排课" in html and 'name="time_limit"' in html and 'value="20"' in html
    assert "/college/timetable/print/?area=" + XINGJIAQIAO in html
    assert "/college/timetable/export/?area=" + XINGJIAQIAO in html


def test_the_club_tab_groups_by_club(personas):
    p = personas
    community(p)
    response = _client(p.xjq_worker).get(BOARD, {"area": XINGJIAQIAO, "by": "club"})
    assert response.status_code == 200
    clubs = {t["name"]: sorted(e["course"] for e in t["entries"]) for t in response.context["tables"]}
    assert clubs == {"太极社": ["合唱", "太极拳", "太极拳"], "书画社": ["书法"]}
    assert 'class="active" id="tab-club"' in response.content.decode()


def test_lock_and_unlock_an_entry(personas):
    p = personas
    c = community(p)
    slot = c.slots["calligraphy"]
    client = _client(p.xjq_worker)
    response = client.post(f"/college/timetable/slots/{slot.pk}/lock/",
                           {"locked": "1", "area": XINGJIAQIAO, "by": "club"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{BOARD}?area={XINGJIAQIAO}&by=club"
    slot.refresh_from_db()
    assert slot.locked is True
    assert "已锁定：书法 每周三 14:30（重新排课时不移动）" in _messages(response)
    html = response.content.decode()
    assert "已锁定</span>" in html and ">解锁</button>" in html
    assert AuditEntry.objects.filter(action="college.slot_lock").count() == 1
    response = client.post(f"/college/timetable/slots/{slot.pk}/lock/", {"locked": "0", "area": XINGJIAQIAO},
                           follow=True)
    slot.refresh_from_db()
    assert slot.locked is False and "已解锁：书法 每周三 14:30" in _messages(response)


def test_adjust_moves_an_entry_to_another_day_time_and_venue(personas):
    p = personas
    c = community(p)
    slot = c.slots["calligraphy"]
    client = _client(p.xjq_worker)
    page = client.get(f"/college/timetable/slots/{slot.pk}/move/")
    assert page.status_code == 200 and "调整：书法（每周三 14:30）" in page.content.decode()
    response = client.post(f"/college/timetable/slots/{slot.pk}/move/", with_token(p.xjq_worker, {
        "weekday": "6", "slot": "1", "venue": str(c.hall.pk), "area": XINGJIAQIAO}), follow=True)
    assert response.status_code == 200
    assert "已调整：书法 改到每周六 10:00，多功能厅" in _messages(response)
    assert placement_of(c.calligraphy) == [(6, "10:00", c.hall.pk)]
    assert not WeeklySlot.objects.filter(pk=slot.pk).exists()
    # The dated sessions followed: every future one is a Saturday at 10:00.
    starts = list(Session.objects.filter(course=c.calligraphy).values_list("starts_at", flat=True))
    assert starts and {(s.astimezone(dt.timezone(dt.timedelta(hours=8))).isoweekday(),
                        s.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M")) for s in starts} \
        == {(6, "10:00")}


def test_adjust_to_the_same_day_keeps_the_lock(personas):
    p = personas
    c = community(p)
    slot = c.slots["chorus"]
    slot.locked = True
    slot.save()
    response = _client(p.xjq_worker).post(f"/college/timetable/slots/{slot.pk}/move/", with_token(p.xjq_worker, {
        "weekday": "5", "slot": "5", "venue": str(c.hall.pk)}))
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.starts_at, slot.locked, slot.venue_id) == (dt.time(20, 30), True, None)


def test_a_refused_adjust_shows_the_field_message_and_changes_nothing(personas):
    p = personas
    c = community(p)
    slot = c.slots["chorus"]  # 合唱, Fri 19:00, 多功能厅
    before = {s.pk: (s.weekday, s.starts_at, s.venue_id) for s in WeeklySlot.objects.all()}
    client = _client(p.xjq_worker)
    # Onto 太极拳's Tuesday 08:30 in the same hall: the hall is taken.
    response = client.post(f"/college/timetable/slots/{slot.pk}/move/", with_token(p.xjq_worker, {
        "weekday": "2", "slot": "0", "venue": str(c.hall.pk)}))
    assert response.status_code == 400
    form = response.context["form"]
    assert "venue" in form.errors and "已被" in form.errors["venue"][0] and "太极拳" in form.errors["venue"][0]
    assert 'class="form-row has-error"' in response.content.decode()
    # Onto 书法's Wednesday 14:30 in another room: the teacher (李老师) teaches then.
    response = client.post(f"/college/timetable/slots/{slot.pk}/move/", with_token(p.xjq_worker, {
        "weekday": "3", "slot": "2", "venue": str(c.hall.pk)}))
    assert response.status_code == 400
    assert response.context["form"].errors["slot"] == [
        "老师 李老师 在 周三 14:30–16:00 已有课“书法”（书画社，周三 14:30–16:00）"]
    # 太极拳 already meets on Thursday: a second meeting that day is refused.
    response = client.post(f"/college/timetable/slots/{c.slots['taichi_tue'].pk}/move/", with_token(p.xjq_worker, {
        "weekday": "4", "slot": "2", "venue": str(c.hall.pk)}))
    assert response.status_code == 400
    assert response.context["form"].errors["weekday"] == ["“太极拳”每周四已有一次课，一天只上一次"]
    # A slot that is not on the grid.
    response = client.post(f"/college/timetable/slots/{slot.pk}/move/", with_token(p.xjq_worker, {
        "weekday": "5", "slot": "9", "venue": str(c.hall.pk)}))
    assert response.status_code == 400 and "slot" in response.context["form"].errors
    assert {s.pk: (s.weekday, s.starts_at, s.venue_id) for s in WeeklySlot.objects.all()} == before
    assert not AuditEntry.objects.filter(action__in=("college.slot_set", "college.slot_remove")).exists()


# --- re-solving and runs ---------------------------------------------------------------------------


def test_resolve_runs_shows_the_result_and_publishing_replaces_unlocked_slots(personas, inline):
    p = personas
    c = community(p)
    locked = c.slots["calligraphy"]
    locked.locked = True
    locked.save()
    client = _client(p.xjq_worker)
    response = client.post("/college/timetable/runs/new/",
                           with_token(p.xjq_worker, {"area": XINGJIAQIAO, "time_limit": "2"}))
    run = TimetableRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/college/timetable/runs/{run.pk}/"
    assert (run.status, run.time_limit, run.placed, run.unplaced) == (RunStatus.DONE, 2, 4, 0)
    page = client.get(f"/college/timetable/runs/{run.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "扣分明细" in html and 'id="run-placed">4<' in html and 'id="run-unplaced">0<' in html
    labels = [t["label"] for t in run.result["score"]["terms"]]
    assert labels and all(label in html for label in labels)
    assert "every 2s" not in html  # done: no polling
    assert f"/college/timetable/runs/{run.pk}/publish/" in html
    preview = {t["name"]: t for t in page.context["tables"]}
    assert sum(t["count"] for t in preview.values()) == 4
    assert ("书法", 3, "14:30") in [(e["course"], e["weekday"], e["start"]) for e in preview["书画室"]["entries"]]
    # The list of runs.
    runs = client.get("/college/timetable/runs/", {"area": XINGJIAQIAO}).content.decode()
    assert "已完成" in runs and "4 / 0" in runs and "邢家桥社工" in runs

    confirm = client.get(f"/college/timetable/runs/{run.pk}/publish/")
    assert confirm.status_code == 200 and "确认发布" in confirm.content.decode()
    assert TimetableRun.objects.get().status == RunStatus.DONE  # the confirm step publishes nothing
    response = client.post(f"/college/timetable/runs/{run.pk}/publish/", with_token(p.xjq_worker), follow=True)
    assert "已发布：3 门课的课表已更新，居民页面同步显示" in _messages(response)
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED and run.published_by == p.xjq_worker
    # The locked slot is the same row, in the same place; the others are the run's placements.
    locked.refresh_from_db()
    assert (locked.weekday, locked.starts_at, locked.locked) == (3, dt.time(14, 30), True)
    placed = sorted((int(x["day"]) + 1, x["start"], x["course"]) for x in run.result["placements"])
    on_board = sorted((s.weekday, s.starts_at.strftime("%H:%M"), f"C{s.course_id}") for s in WeeklySlot.objects.filter(
        course__area_id=XINGJIAQIAO))
    assert on_board == placed
    assert response.request["PATH_INFO"] == BOARD
    # Publishing twice is refused with a message.
    again = client.post(f"/college/timetable/runs/{run.pk}/publish/", with_token(p.xjq_worker), follow=True)
    assert any("只能发布已完成的排课" in m for m in _messages(again))


def test_a_refused_resolve_shows_the_field_message(personas, inline):
    p = personas
    community(p)
    client = _client(p.xjq_worker)
    for value, message in (("0", "1"), ("601", "600"), ("abc", "整数")):
        response = client.post("/college/timetable/runs/new/",
                               with_token(p.xjq_worker, {"area": XINGJIAQIAO, "time_limit": value}))
        assert response.status_code == 400
        assert "time_limit" in response.context["run_form"].errors
        assert message in response.context["run_form"].errors["time_limit"][0]
        assert 'class="form-row has-error"' in response.content.decode()
    # A run already computing for the area.
    TimetableRun.objects.create(area_id=XINGJIAQIAO, status=RunStatus.RUNNING, started_at=NOW, created_by=p.xjq_worker)
    response = client.post("/college/timetable/runs/new/",
                           with_token(p.xjq_worker, {"area": XINGJIAQIAO, "time_limit": "2"}))
    assert response.status_code == 400
    assert "已有一次排课正在计算" in str(response.context["run_form"].errors)
    assert TimetableRun.objects.count() == 1


def test_a_pending_run_polls_and_refreshes_when_done(personas):
    p = personas
    community(p)
    run = TimetableRun.objects.create(area_id=XINGJIAQIAO, status=RunStatus.QUEUED, time_limit=5,
                                      created_by=p.xjq_worker)
    client = _client(p.xjq_worker)
    html = client.get(f"/college/timetable/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in html and f'hx-get="/college/timetable/runs/{run.pk}/?poll=1"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "排队中" in html and "发布" not in html.split('id="run-status"')[1]
    poll = client.get(f"/college/timetable/runs/{run.pk}/", {"poll": "1"}, headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "<html" not in poll.content.decode() and "every 2s" in poll.content.decode()
    TimetableRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="排课计算失败：测试")
    poll = client.get(f"/college/timetable/runs/{run.pk}/", {"poll": "1"}, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    html = client.get(f"/college/timetable/runs/{run.pk}/").content.decode()
    assert "排课计算失败：测试" in html and "every 2s" not in html


def test_a_run_left_running_long_ago_shows_as_interrupted(personas):
    p = personas
    community(p)
    run = TimetableRun.objects.create(area_id=XINGJIAQIAO, status=RunStatus.RUNNING, time_limit=20,
                                      started_at=NOW - dt.timedelta(minutes=10), created_by=p.xjq_worker)
    client = _client(p.xjq_worker)
    html = client.get(f"/college/timetable/runs/{run.pk}/").content.decode()
    assert "计算中断，请重新排课" in html and "every 2s" not in html
    assert "失败" in client.get("/college/timetable/runs/").content.decode()


def test_a_stale_run_warns_but_can_be_published(personas, inline):
    p = personas
    c = community(p)
    client = _client(p.xjq_worker)
    client.post("/college/timetable/runs/new/", with_token(p.xjq_worker, {"area": XINGJIAQIAO, "time_limit": "2"}))
    run = TimetableRun.objects.get()
    assert 'id="run-stale"' not in client.get(f"/college/timetable/runs/{run.pk}/").content.decode()
    # An unlocked slot moved by hand since the run: stale, but publishing is allowed (a changed LOCK is
    # refused instead: test_review_fixes_timetable).
    WeeklySlot.objects.filter(pk=c.slots["chorus"].pk).update(weekday=6)
    html = client.get(f"/college/timetable/runs/{run.pk}/").content.decode()
    assert 'id="run-stale"' in html and "可能已过时" in html
    response = client.post(f"/college/timetable/runs/{run.pk}/publish/", with_token(p.xjq_worker), follow=True)
    assert any(m.startswith("已发布：") for m in _messages(response))


# --- print and export --------------------------------------------------------------------------


def test_the_print_view_is_a_landscape_page_per_venue(personas):
    p = personas
    community(p)
    response = _client(p.xjq_worker).get("/college/timetable/print/", {"area": XINGJIAQIAO})
    html = response.content.decode()
    assert response.status_code == 200
    assert "size: A4 landscape" in html and "page-break-after: always" in html
    assert html.count('<section class="page"') == 2  # 多功能厅 and 书画室 (no empty venue)
    assert 'data-venue="多功能厅"' in html and 'data-venue="书画室"' in html
    assert f"邢家桥社区社区学院课程表（{TERM}）" in html
    assert html.count('<span class="course">太极拳</span>') == 2 and "王老师" in html
    assert "锁定</button>" not in html and "base.html" not in html


def test_the_excel_export_has_a_sheet_per_venue_with_days_as_columns(personas):
    p = personas
    c = community(p)
    c.slots["chorus"].locked = True
    c.slots["chorus"].save()
    response = _client(p.xjq_worker).get("/college/timetable/export/", {"area": XINGJIAQIAO})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert {"多功能厅", "书画室"} <= set(book.sheetnames)
    hall = book["多功能厅"]
    assert [cell.value for cell in hall[2]] == ["时间", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert hall["A3"].value == "08:30–10:00"
    assert hall["C3"].value == "太极拳（王老师）" and hall["E3"].value == "太极拳（王老师）"
    assert hall["F7"].value == "合唱（李老师）〔锁定〕"
    assert book["书画室"]["D5"].value == "书法（李老师）"
