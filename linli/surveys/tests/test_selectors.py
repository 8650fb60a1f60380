"""Reads: which surveys a worker sees (a street's survey reaches its communities' workers), the
results counted from known answers and only from the viewer's areas, a resident's open surveys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, resident
from linli.surveys import selectors, services
from linli.surveys.models import Channel
from linli.surveys.tests.helpers import KANGMEI, RENHE, TODAY, good_answers, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveys(personas):
    return {
        "renhe": make_survey(personas.renhe_admin, RENHE, title="人和街道调查"),
        "kangmei": make_survey(personas.district_admin, KANGMEI, title="康美街道调查"),
        "xjq": make_survey(personas.xjq_worker, XINGJIAQIAO, title="邢家桥调查"),
        "jzy": make_survey(personas.jzy_worker, JINZHUYUAN, title="金竹苑调查", publish=False),
    }


# persona -> the surveys it sees (with ENTER_SURVEY)
SEES = {
    "district_admin": {"renhe", "kangmei", "xjq", "jzy"},
    "renhe_admin": {"renhe", "xjq"},
    "xjq_worker": {"renhe", "xjq"},  # its street's survey too
    "jzy_worker": {"kangmei", "jzy"},
    "xjq_grid_worker": {"renhe", "xjq"},  # the community's and the street's
    "assistance_officer": set(),
    "outsider": set(),
    "resident_user": set(),
}


@pytest.mark.parametrize("who", SEES)
def test_surveys_visible_reaches_up_and_down(personas, surveys, who):
    user = getattr(personas, who)
    seen = set(selectors.surveys_visible(user).values_list("pk", flat=True))
    assert seen == {surveys[k].pk for k in SEES[who]}
    for key, survey in surveys.items():
        if key in SEES[who]:
            assert selectors.survey_get(user, survey.pk).pk == survey.pk
        else:
            with pytest.raises(Exception) as err:
                selectors.survey_get(user, survey.pk)
            assert getattr(err.value, "status", None) == 404


def test_the_area_switcher_narrows(personas, surveys):
    admin = personas.district_admin
    in_jzy = set(selectors.surveys_visible(admin, within=JINZHUYUAN).values_list("title", flat=True))
    assert in_jzy == {"康美街道调查", "金竹苑调查"}
    in_renhe = set(selectors.surveys_visible(admin, within=RENHE).values_list("title", flat=True))
    assert in_renhe == {"人和街道调查", "邢家桥调查"}
    # A worker cannot widen their view by choosing somewhere else.
    assert not selectors.surveys_visible(personas.xjq_worker, within=JINZHUYUAN).exists()


def test_filters(personas, surveys):
    admin = personas.district_admin
    assert set(selectors.surveys_visible(admin, status="draft").values_list("title", flat=True)) == {"金竹苑调查"}
    assert set(selectors.surveys_visible(admin, q="街道").values_list("title", flat=True)) == {"人和街道调查", "康美街道调查"}
    assert not selectors.surveys_visible(admin, purpose="college_interest").exists()


def _answer(personas, survey, elder, by, **overrides):
    return services.response_submit(by=by, survey=survey, resident=elder, answers=good_answers(survey, **overrides),
                                    channel=Channel.PAPER)


def test_results_count_the_known_answers(personas):
    survey = make_survey(personas.district_admin, RENHE)
    admin = personas.district_admin
    x = personas.xjq_residents
    _answer(personas, survey, x[0], admin, p2={"choices": ["绘画", "象棋"]}, p4={"number": 5},
            p5={"choices": ["2-am", "2-pm"]})
    _answer(personas, survey, x[1], admin, p1={"choices": ["不支持"]}, p2={"choices": ["绘画"], "text": "葫芦丝"},
            p3={"text": ""}, p4={"number": 2}, p5={"choices": ["2-am"]})
    _answer(personas, survey, x[2], admin, p6={"text": "剪纸"})
    result = selectors.results(survey, user=admin)
    assert result.response_count == 3
    assert result.by_community == [("邢家桥社区", 3)]
    assert result.by_channel == [("纸质问卷录入", 3)]
    single, multiple, text, rating, grid, talent = result.questions
    assert [(o.label, o.count, o.percent) for o in single.options] == [("支持", 2, 67), ("不支持", 1, 33)]
    assert [(o.label, o.count) for o in multiple.options] == [("绘画", 3), ("象棋", 1), ("快板", 0), ("其他", 1)]
    assert multiple.others == ["葫芦丝"]
    assert text.texts == ["多开晚上的课", "多开晚上的课"] and text.answered == 2
    assert rating.average == round((5 + 2 + 4) / 3, 1)
    assert [(o.label, o.count) for o in rating.distribution] == [("1 分", 0), ("2 分", 1), ("3 分", 0), ("4 分", 1),
                                                                  ("5 分", 1)]
    cells = {c.key: c for _, row in grid.grid for c in row}
    assert len(grid.grid) == 7 and len(cells) == 21
    assert (cells["2-am"].count, cells["2-pm"].count, cells["6-pm"].count, cells["1-am"].count) == (3, 1, 1, 0)
    assert cells["2-am"].level == 4 and cells["1-am"].level == 0 and 0 < cells["2-pm"].level < 4
    assert grid.grid[1][0] == "周二" and cells["2-am"].label == "周二上午"
    assert talent.texts == ["剪纸"]


def test_results_only_from_the_viewers_areas(personas):
    """A street-wide survey: each community's worker counts only their own community's answers."""
    renhe = make_survey(personas.renhe_admin, RENHE)
    _answer(personas, renhe, personas.xjq_residents[1], personas.renhe_admin)
    _answer(personas, renhe, personas.xjq_residents[2], personas.renhe_admin)
    kangmei = make_survey(personas.district_admin, KANGMEI)
    extra = resident(JINZHUYUAN, "金新人")
    _answer(personas, kangmei, personas.jzy_residents[0], personas.jzy_worker)
    _answer(personas, kangmei, extra, personas.jzy_worker, p1={"choices": ["不支持"]})
    assert selectors.results(renhe, user=personas.xjq_worker).response_count == 2
    assert selectors.results(renhe, user=personas.jzy_worker).response_count == 0
    assert selectors.results(kangmei, user=personas.jzy_worker).response_count == 2
    assert selectors.results(kangmei, user=personas.district_admin, within=XINGJIAQIAO).response_count == 0
    assert selectors.results(kangmei, user=personas.xjq_grid_worker).response_count == 0  # no MANAGE_SURVEY
    assert selectors.responses_visible(personas.jzy_worker, renhe).count() == 0
    assert selectors.responses_visible(personas.renhe_admin, renhe).count() == 2


def test_results_take_the_same_queries_for_2_or_10_sheets(personas):
    survey = make_survey(personas.district_admin, RENHE)
    crowd = [resident(XINGJIAQIAO, f"居民{i}") for i in range(10)]
    for r in crowd[:2]:
        _answer(personas, survey, r, personas.district_admin)
    with CaptureQueriesContext(connection) as few:
        selectors.results(survey, user=personas.district_admin)
    for r in crowd[2:]:
        _answer(personas, survey, r, personas.district_admin)
    with CaptureQueriesContext(connection) as many:
        assert selectors.results(survey, user=personas.district_admin).response_count == 10
    assert len(many) == len(few) <= 5


def test_open_surveys_for_a_resident(personas, surveys):
    elder = personas.xjq_residents[0]  # in the grid of 邢家桥, 人和街道
    titles = lambda: [(s.title, s.answered) for s in selectors.open_surveys_for(elder, TODAY)]  # noqa: E731
    assert sorted(titles()) == [("人和街道调查", False), ("邢家桥调查", False)]
    _answer(personas, surveys["xjq"], elder, personas.xjq_worker)
    assert titles() == [("人和街道调查", False), ("邢家桥调查", True)]  # unanswered first
    assert selectors.response_of(surveys["xjq"], elder) is not None
    assert selectors.response_of(surveys["renhe"], elder) is None
    assert not list(selectors.open_surveys_for(elder, TODAY + dt.timedelta(days=30)))  # past their deadlines
    jzy = [s.title for s in selectors.open_surveys_for(personas.jzy_residents[0], TODAY)]
    assert jzy == ["康美街道调查"]  # 金竹苑's own survey is still a draft
