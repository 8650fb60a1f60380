"""The visibility rule over every survey page: list, detail, results, export, poster, paper entry.

A survey is seen by the workers of its area and of the areas below it (a street's survey by the
street's community workers); its answers only from the viewer's own areas.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from linli.areas.models import Area, Level
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, resident, with_token
from linli.surveys import services
from linli.surveys.models import Channel, Response
from linli.surveys.tests.helpers import KANGMEI, RENHE, good_answers, make_survey

pytestmark = pytest.mark.django_db

# persona -> the surveys it sees; None = no survey pages at all.
SEES: dict[str, set[str] | None] = {
    "district_admin": {"renhe", "kangmei", "xjq", "jzy"},
    "renhe_admin": {"renhe", "xjq"},
    "xjq_worker": {"renhe", "xjq"},
    "jzy_worker": {"kangmei", "jzy"},
    "xjq_grid_worker": {"renhe", "xjq"},
    "assistance_officer": None,
    "outsider": None,
    "resident_user": None,
    "anonymous": None,
}
RESULTS = {"district_admin", "renhe_admin", "xjq_worker", "jzy_worker"}  # MANAGE_SURVEY holders
# persona -> the residents whose answers it counts in results and exports
ANSWERS_SEEN = {
    "district_admin": {"邢居民1", "邢居民2", "金居民1", "康二居民"},
    "renhe_admin": {"邢居民1", "邢居民2"},
    "xjq_worker": {"邢居民1", "邢居民2"},
    "jzy_worker": {"金居民1"},
}


@pytest.fixture
def world(personas):
    """Four surveys, answered in three communities; 康美街道 gets a second community."""
    Area.objects.create(code="500112022007", name="康美二社区", level=Level.COMMUNITY, parent_id=KANGMEI)
    kangmei_2 = resident("500112022007", "康二居民")
    surveys = {
        "renhe": make_survey(personas.renhe_admin, RENHE, title="人和街道调查"),
        "kangmei": make_survey(personas.district_admin, KANGMEI, title="康美街道调查"),
        "xjq": make_survey(personas.xjq_worker, XINGJIAQIAO, title="邢家桥调查"),
        "jzy": make_survey(personas.jzy_worker, JINZHUYUAN, title="金竹苑调查"),
    }
    admin = personas.district_admin
    for survey, elder in [
        (surveys["renhe"], personas.xjq_residents[1]), (surveys["renhe"], personas.xjq_residents[2]),
        (surveys["kangmei"], personas.jzy_residents[1]), (surveys["kangmei"], kangmei_2),
        (surveys["xjq"], personas.xjq_residents[1]), (surveys["jzy"], personas.jzy_residents[1]),
    ]:
        services.response_submit(by=admin, survey=survey, resident=elder, answers=good_answers(survey),
                                 channel=Channel.PAPER)
    return surveys


def _client(personas, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(personas, who))
    return client


def _refused(response, who: str, *, missing_ok: bool = False) -> bool:
    """A persona without survey pages: refused (a role without survey rights finds no survey)."""
    if SEES[who] is None:
        allowed = (302, 403, 404) if missing_ok and who == "assistance_officer" else (302, 403)
        assert response.status_code in allowed, (who, response.status_code)
        return True
    return False


@pytest.mark.parametrize("who", SEES)
def test_list_shows_exactly_the_visible_surveys(personas, world, who):
    response = _client(personas, who).get("/surveys/")
    if _refused(response, who):
        return
    html = response.content.decode()
    for key, survey in world.items():
        assert (f'href="/surveys/{survey.pk}/"' in html) == (key in SEES[who]), (who, key)


@pytest.mark.parametrize("who", SEES)
@pytest.mark.parametrize("page", ["", "poster/", "paper/", "results/", "export/"])
def test_survey_pages_open_only_for_visible_surveys(personas, world, who, page):
    client = _client(personas, who)
    for key, survey in world.items():
        response = client.get(f"/surveys/{survey.pk}/{page}")
        if _refused(response, who, missing_ok=True):
            continue
        if key not in SEES[who]:
            assert response.status_code == 404, (who, key, page)
            assert survey.title not in response.content.decode()
        elif page in ("results/", "export/") and who not in RESULTS:
            assert response.status_code == 403, (who, key, page)
        else:
            assert response.status_code == 200, (who, key, page)


@pytest.mark.parametrize("who", sorted(RESULTS))
def test_results_and_export_hold_only_the_viewers_answers(personas, world, who):
    client = _client(personas, who)
    for key, survey in world.items():
        if key not in SEES[who]:
            continue
        expected = {r.resident.name for r in Response.objects.filter(survey=survey).select_related("resident")}
        expected &= ANSWERS_SEEN[who]
        export = client.get(f"/surveys/{survey.pk}/export/")
        names = {row[0] for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True)}
        assert names == expected, (who, key)
        html = client.get(f"/surveys/{survey.pk}/results/").content.decode()
        assert f'id="response-count">{len(expected)}<' in html, (who, key)


def test_a_community_worker_sees_their_part_of_the_streets_survey(personas, world):
    html = _client(personas, "jzy_worker").get(f"/surveys/{world['kangmei'].pk}/results/").content.decode()
    assert 'id="response-count">1<' in html and "只统计您负责地区居民的答卷" in html
    assert "康美二社区" not in html
    full = _client(personas, "district_admin").get(f"/surveys/{world['kangmei'].pk}/results/").content.decode()
    assert 'id="response-count">2<' in full and "康美二社区" in full


def test_the_area_switcher_narrows_results(personas, world):
    client = _client(personas, "district_admin")
    client.post("/accounts/area/", {"area": JINZHUYUAN, "next": "/surveys/"})
    html = client.get(f"/surveys/{world['kangmei'].pk}/results/").content.decode()
    assert 'id="response-count">1<' in html
    listing = client.get("/surveys/").content.decode()
    assert "康美街道调查" in listing and "人和街道调查" not in listing


@pytest.mark.parametrize("who", ["xjq_worker", "xjq_grid_worker", "renhe_admin"])
def test_paper_entry_only_for_residents_in_reach(personas, world, who):
    client = _client(personas, who)
    survey = world["renhe"]
    outside = personas.jzy_residents[2]
    assert client.get(f"/surveys/{survey.pk}/paper/{outside.pk}/").status_code == 404
    found = client.get(f"/surveys/{survey.pk}/paper/", {"q": "居民"}).content.decode()
    assert outside.name not in found
    # The grid worker reaches only the grid's resident.
    not_in_grid = personas.xjq_residents[1]
    status = client.get(f"/surveys/{survey.pk}/paper/{not_in_grid.pk}/").status_code
    assert status == (404 if who == "xjq_grid_worker" else 200)
    # Another community's survey: not even found.
    response = client.post(f"/surveys/{world['jzy'].pk}/paper/{outside.pk}/", with_token(getattr(personas, who), {}))
    assert response.status_code == 404
    assert Response.objects.filter(survey=world["jzy"], resident=outside).count() == 0


@pytest.mark.parametrize("who", ["xjq_worker", "jzy_worker", "xjq_grid_worker"])
def test_writes_to_a_survey_one_does_not_manage_are_refused(personas, world, who):
    client = _client(personas, who)
    for key, survey in world.items():
        if (key, who) in {("xjq", "xjq_worker"), ("jzy", "jzy_worker")}:
            continue  # their own
        for suffix, data in [("publish/", {}), ("close/", {}), ("edit/", {"title": "x"}),
                             ("questions/", with_token(getattr(personas, who), {"kind": "text", "text": "x"}))]:
            response = client.post(f"/surveys/{survey.pk}/{suffix}", data)
            assert response.status_code in (403, 404), (who, key, suffix)
        survey.refresh_from_db()
        assert survey.status == "open" and survey.title != "x"
