"""Who sees and who changes which timetable: the board, the runs, print and export follow the
college's visibility (a grid worker sees their community's, read-only); every write needs
MANAGE_COLLEGE on the area; another community's run or slot is not found."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from linli.college.models import RunStatus, TimetableRun, WeeklySlot
from linli.college.tests.enroll_kit import NOW
from linli.college.tests.parts import RENHE
from linli.college.tests.timetable_kit import community
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _done_run(area_code: str, by) -> TimetableRun:
    return TimetableRun.objects.create(area_id=area_code, status=RunStatus.DONE, time_limit=2, created_by=by,
                                       problem={"courses": []},
                                       result={"placements": [], "unplaced": [], "issues": [],
                                               "score": {"terms": [], "total": 0}, "optimal": True},
                                       objective=0, optimal=True)


@pytest.fixture
def world(personas):
    p = personas
    c = community(p)
    return p, c, _done_run(XINGJIAQIAO, p.xjq_worker), _done_run(JINZHUYUAN, p.jzy_worker)


READERS = ["xjq_worker", "renhe_admin", "district_admin", "xjq_grid_worker"]
MANAGERS = ["xjq_worker", "renhe_admin", "district_admin"]


@pytest.mark.parametrize("who", READERS)
def test_those_who_see_xjq_see_its_board_runs_print_and_export(world, who):
    p, _c, xjq_run, _ = world
    client = _client(getattr(p, who))
    for url in ("/college/timetable/", "/college/timetable/runs/", "/college/timetable/print/",
                "/college/timetable/export/"):
        response = client.get(url, {"area": XINGJIAQIAO})
        assert response.status_code == 200, (who, url)
    board = client.get("/college/timetable/", {"area": XINGJIAQIAO}).content.decode()
    assert "太极拳" in board and "广场舞" not in board
    page = client.get(f"/college/timetable/runs/{xjq_run.pk}/")
    assert page.status_code == 200
    assert (f"/college/timetable/runs/{xjq_run.pk}/publish/" in page.content.decode()) == (who in MANAGERS)
    assert (">锁定</button>" in board) == (who in MANAGERS)
    assert ("重新排课" in board) == (who in MANAGERS)


@pytest.mark.parametrize("who", ["jzy_worker"])
def test_another_communitys_timetable_runs_and_slots_are_not_found(world, who):
    p, c, xjq_run, jzy_run = world
    client = _client(getattr(p, who))
    assert client.get(f"/college/timetable/runs/{xjq_run.pk}/").status_code == 404
    assert client.get(f"/college/timetable/runs/{xjq_run.pk}/publish/").status_code == 404
    assert client.post(f"/college/timetable/runs/{xjq_run.pk}/publish/", with_token(p.jzy_worker)).status_code == 404
    for url in ("/college/timetable/", "/college/timetable/runs/", "/college/timetable/print/",
                "/college/timetable/export/"):
        assert client.get(url, {"area": XINGJIAQIAO}).status_code == 404, url
    slot = c.slots["chorus"]
    assert client.post(f"/college/timetable/slots/{slot.pk}/lock/", {"locked": "1"}).status_code == 404
    assert client.get(f"/college/timetable/slots/{slot.pk}/move/").status_code == 404
    assert client.post("/college/timetable/runs/new/",
                       with_token(p.jzy_worker, {"area": XINGJIAQIAO, "time_limit": "2"})).status_code == 404
    # Their own community is theirs: JZY's board, not XJQ's.
    board = client.get("/college/timetable/").content.decode()
    assert "广场舞" in board and "太极拳" not in board
    assert client.get(f"/college/timetable/runs/{jzy_run.pk}/").status_code == 200
    slot.refresh_from_db()
    assert slot.locked is False
    assert TimetableRun.objects.count() == 2
    assert xjq_run.pk not in [r["run"].pk for r in client.get("/college/timetable/runs/").context["rows"]]


def test_the_grid_worker_reads_but_cannot_write(world):
    p, c, xjq_run, _ = world
    client = _client(p.xjq_grid_worker)
    slot = c.slots["chorus"]
    assert client.post(f"/college/timetable/slots/{slot.pk}/lock/", {"locked": "1"}).status_code == 403
    assert client.get(f"/college/timetable/slots/{slot.pk}/move/").status_code == 403
    assert client.post(f"/college/timetable/slots/{slot.pk}/move/", with_token(p.xjq_grid_worker, {
        "weekday": "6", "slot": "0", "venue": str(c.hall.pk)})).status_code == 403
    assert client.post("/college/timetable/runs/new/", with_token(p.xjq_grid_worker, {
        "area": XINGJIAQIAO, "time_limit": "2"})).status_code == 403
    assert client.get(f"/college/timetable/runs/{xjq_run.pk}/publish/").status_code == 403
    assert client.post(f"/college/timetable/runs/{xjq_run.pk}/publish/",
                       with_token(p.xjq_grid_worker)).status_code == 403
    slot.refresh_from_db()
    assert (slot.locked, slot.weekday) == (False, 5)
    xjq_run.refresh_from_db()
    assert xjq_run.status == RunStatus.DONE and TimetableRun.objects.count() == 2


@pytest.mark.parametrize("who", ["assistance_officer", "outsider"])
def test_those_without_the_college_are_refused(world, who):
    p, c, xjq_run, _ = world
    client = _client(getattr(p, who))
    for url in ("/college/timetable/", "/college/timetable/runs/", "/college/timetable/print/",
                "/college/timetable/export/"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/college/timetable/runs/{xjq_run.pk}/").status_code == 403
    assert client.post(f"/college/timetable/slots/{c.slots['chorus'].pk}/lock/", {"locked": "1"}).status_code == 403
    assert client.post("/college/timetable/runs/new/", with_token(getattr(p, who), {
        "area": XINGJIAQIAO, "time_limit": "2"})).status_code == 403
    assert TimetableRun.objects.count() == 2
    assert not WeeklySlot.objects.filter(locked=True).exists()


def test_the_street_admin_may_choose_the_street_and_its_communities(world):
    p, _c, _xjq_run, _ = world
    client = _client(p.renhe_admin)
    response = client.get("/college/timetable/", {"area": RENHE})
    assert response.status_code == 200
    options = [a.code for a in response.context["areas"]]
    assert options[0] == RENHE and XINGJIAQIAO in options and JINZHUYUAN not in options
    assert "人和街道（全街道）" in response.content.decode()
    assert "太极拳" in response.content.decode()
    assert client.get("/college/timetable/", {"area": JINZHUYUAN}).status_code == 404
    # The community worker has no street to choose.
    worker = _client(p.xjq_worker).get("/college/timetable/")
    assert [a.code for a in worker.context["areas"]] == [XINGJIAQIAO]
    assert _client(p.xjq_worker).get("/college/timetable/", {"area": RENHE}).status_code == 404


def test_the_street_admin_runs_and_publishes_for_a_community(world, settings):
    settings.LINLI_TIMETABLE_INLINE = True
    p, _c, _, _ = world
    client = _client(p.renhe_admin)
    response = client.post("/college/timetable/runs/new/",
                           with_token(p.renhe_admin, {"area": XINGJIAQIAO, "time_limit": "2"}))
    assert response.status_code == 302
    run = TimetableRun.objects.filter(created_by=p.renhe_admin).get()
    assert run.area_id == XINGJIAQIAO and run.status == RunStatus.DONE
    assert _client(p.xjq_worker).get(f"/college/timetable/runs/{run.pk}/").status_code == 200
    assert _client(p.jzy_worker).get(f"/college/timetable/runs/{run.pk}/").status_code == 404
