"""The surveys' JSON API: who sees which survey and which answers, paper entry and its refusals."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, Api
from linli.surveys import services
from linli.surveys.models import Channel, Response
from linli.surveys.tests.helpers import KANGMEI, RENHE, make_survey, q

pytestmark = pytest.mark.django_db

SEES: dict[str, set[str] | int] = {
    "district_admin": {"renhe", "kangmei", "xjq", "jzy"},
    "renhe_admin": {"renhe", "xjq"},
    "xjq_worker": {"renhe", "xjq"},
    "jzy_worker": {"kangmei", "jzy"},
    "xjq_grid_worker": {"renhe", "xjq"},
    "assistance_officer": 403,
    "outsider": 403,
    "resident_user": 403,
    "anonymous": 401,
}
RESULTS = {"district_admin", "renhe_admin", "xjq_worker", "jzy_worker"}
MISSING = 987_654_321


@pytest.fixture
def world(personas):
    return {
        "renhe": make_survey(personas.renhe_admin, RENHE, title="人和街道调查"),
        "kangmei": make_survey(personas.district_admin, KANGMEI, title="康美街道调查"),
        "xjq": make_survey(personas.xjq_worker, XINGJIAQIAO, title="邢家桥调查"),
        "jzy": make_survey(personas.jzy_worker, JINZHUYUAN, title="金竹苑调查"),
    }


def _api(personas, who: str) -> Api:
    return Api(None if who == "anonymous" else getattr(personas, who))


def _sheet(survey) -> list[dict]:
    return [
        {"question_id": q(survey, 1).pk, "choices": ["支持"]},
        {"question_id": q(survey, 2).pk, "choices": ["绘画"], "text": "葫芦丝"},
        {"question_id": q(survey, 4).pk, "number": 4},
        {"question_id": q(survey, 5).pk, "choices": ["2-am"]},
    ]


@pytest.mark.parametrize("who", SEES)
def test_list_holds_exactly_the_visible_surveys(personas, world, who):
    response = _api(personas, who).get("/surveys", {"page_size": 200})
    if isinstance(SEES[who], int):
        assert response.status_code == SEES[who]
        return
    assert response.status_code == 200
    body = response.json()
    assert {i["id"] for i in body["items"]} == {world[k].pk for k in SEES[who]}
    assert body["count"] == len(SEES[who])
    grid = who == "xjq_grid_worker"
    assert all((i["answer_count"] is None) == grid for i in body["items"])


@pytest.mark.parametrize("who", SEES)
def test_detail_and_results_follow_the_rule(personas, world, who):
    api = _api(personas, who)
    missing = api.get(f"/surveys/{MISSING}")
    for key, survey in world.items():
        detail = api.get(f"/surveys/{survey.pk}")
        results = api.get(f"/surveys/{survey.pk}/results")
        if who == "assistance_officer":  # a role, but no survey rights: finds no survey
            assert detail.status_code == results.status_code == 404
        elif isinstance(SEES[who], int):
            assert detail.status_code == results.status_code == SEES[who]
        elif key in SEES[who]:
            assert detail.status_code == 200
            assert [x["position"] for x in detail.json()["questions"]] == [1, 2, 3, 4, 5, 6]
            assert "2-am" in detail.json()["slots"]
            assert results.status_code == (200 if who in RESULTS else 403)
        else:
            assert detail.status_code == results.status_code == 404
            assert detail.content == missing.content


def test_filters_and_paging(personas, world):
    api = _api(personas, "district_admin")
    assert api.get("/surveys", {"area": JINZHUYUAN}).json()["count"] == 2  # 金竹苑's and 康美街道's
    assert api.get("/surveys", {"status": "closed"}).json()["count"] == 0
    page = api.get("/surveys", {"page_size": 3, "page": 2}).json()
    assert (page["count"], len(page["items"])) == (4, 1)
    assert api.get("/surveys", {"status": "bogus"}).status_code == 422


def test_paper_entry_through_the_api(personas, world):
    survey = world["renhe"]
    elder = personas.xjq_residents[1]
    api = _api(personas, "xjq_worker")
    created = api.post(f"/surveys/{survey.pk}/responses", {"resident_id": elder.pk, "answers": _sheet(survey)})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["resident_id"], body["channel"], body["area_code"]) == (elder.pk, "paper", XINGJIAQIAO)
    again = api.post(f"/surveys/{survey.pk}/responses", {"resident_id": elder.pk, "answers": _sheet(survey)})
    assert again.status_code == 409 and again.json()["code"] == "surveys.already_answered"
    results = api.get(f"/surveys/{survey.pk}/results").json()
    assert results["response_count"] == 1
    wanted = results["questions"][1]
    assert {o["label"]: o["count"] for o in wanted["options"]}["其他"] == 1 and wanted["others"] == ["葫芦丝"]
    assert {s["key"]: s["count"] for s in results["questions"][4]["slots"]}["2-am"] == 1


@pytest.mark.parametrize(("change", "status", "field"), [
    (lambda s, a: a.__setitem__(0, {"question_id": q(s, 1).pk, "choices": ["也许"]}), 400, "q{1}"),
    (lambda s, a: a.__setitem__(2, {"question_id": q(s, 4).pk, "number": 9}), 400, "q{4}"),
    (lambda s, a: a.__setitem__(3, {"question_id": q(s, 5).pk, "choices": ["8-eve"]}), 400, "q{5}"),
    (lambda s, a: a.append({"question_id": q(s, 3).pk, "text": "长" * 501}), 400, "q{3}"),
    (lambda s, a: a.pop(0), 400, "q{1}"),
    (lambda s, a: a.append({"question_id": q(s, 1).pk, "choices": ["支持"]}), 400, "q{1}"),
    (lambda s, a: a.append({"question_id": MISSING}), 400, f"q{MISSING}"),
    (lambda s, a: a.append({"question_id": q(s, 3).pk, "text": "a\x00b"}), 422, "answers.4.text"),
])
def test_bad_answers_are_refused_with_the_field(personas, world, change, status, field):
    survey = world["renhe"]
    answers = _sheet(survey)
    change(survey, answers)
    response = _api(personas, "xjq_worker").post(f"/surveys/{survey.pk}/responses",
                                                 {"resident_id": personas.xjq_residents[1].pk, "answers": answers})
    assert response.status_code == status, response.content
    expected = field
    for n in range(1, 7):
        expected = expected.replace(f"q{{{n}}}", f"q{q(survey, n).pk}")
    assert response.json()["field"] == expected
    assert not Response.objects.exists()


def test_refusals_about_the_resident_and_the_survey(personas, world):
    admin = _api(personas, "district_admin")
    outside = admin.post(f"/surveys/{world['xjq'].pk}/responses",
                         {"resident_id": personas.jzy_residents[0].pk, "answers": _sheet(world["xjq"])})
    assert outside.status_code == 400 and outside.json()["field"] == "resident_id"
    assert outside.json()["code"] == "surveys.outside_area"
    worker = _api(personas, "xjq_worker")
    unseen = worker.post(f"/surveys/{world['renhe'].pk}/responses",
                         {"resident_id": personas.jzy_residents[0].pk, "answers": []})
    assert unseen.status_code == 404
    other_survey = worker.post(f"/surveys/{world['jzy'].pk}/responses",
                               {"resident_id": personas.xjq_residents[1].pk, "answers": []})
    assert other_survey.status_code == 404
    grid = _api(personas, "xjq_grid_worker").post(
        f"/surveys/{world['renhe'].pk}/responses", {"resident_id": personas.xjq_residents[1].pk, "answers": []})
    assert grid.status_code == 404  # not a resident of the grid
    services.survey_close(by=personas.renhe_admin, survey=world["renhe"])
    closed = worker.post(f"/surveys/{world['renhe'].pk}/responses",
                         {"resident_id": personas.xjq_residents[1].pk, "answers": _sheet(world["renhe"])})
    assert closed.status_code == 400 and closed.json()["code"] == "surveys.closed"
    for who in ("outsider", "resident_user"):
        response = _api(personas, who).post(f"/surveys/{world['renhe'].pk}/responses",
                                            {"resident_id": personas.xjq_residents[1].pk, "answers": []})
        assert response.status_code == 403
    assert not Response.objects.exists()


def test_a_write_needs_the_csrf_header(personas, world):
    api = Api(personas.xjq_worker, csrf_header=False)
    response = api.post(f"/surveys/{world['xjq'].pk}/responses",
                        {"resident_id": personas.xjq_residents[1].pk, "answers": _sheet(world["xjq"])})
    assert response.status_code == 403 and not Response.objects.exists()


def test_list_and_results_queries_do_not_grow(personas):
    from linli.core.testing import resident

    def count(survey) -> int:
        api = _api(personas, "district_admin")
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/surveys", {"page_size": 200}).status_code == 200
            assert api.get(f"/surveys/{survey.pk}/results").status_code == 200
            assert api.get(f"/surveys/{survey.pk}").status_code == 200
        return len(ctx)

    first = make_survey(personas.district_admin, RENHE)
    crowd = [resident(XINGJIAQIAO, f"居民{i}") for i in range(8)]
    few = count(first)
    for i, r in enumerate(crowd):
        make_survey(personas.district_admin, RENHE if i % 2 else JINZHUYUAN, title=f"s{i}")
        services.response_submit(by=personas.district_admin, survey=first, resident=r,
                                 answers={q(first, n).pk: a for n, a in
                                          [(1, {"choices": ["支持"]}), (2, {"choices": ["象棋"]}), (4, {"number": 3}),
                                           (5, {"choices": ["1-pm"]})]},
                                 channel=Channel.PAPER)
    assert count(first) == few
