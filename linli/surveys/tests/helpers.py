"""Building blocks for the surveys' tests: surveys made through the real services, on a frozen day."""

from __future__ import annotations

import datetime as dt

from linli.surveys import services
from linli.surveys.models import Survey

TODAY = dt.date(2026, 3, 10)
# Noon in Chongqing on TODAY; every test of the surveys runs then (see conftest.py).
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
RENHE = "500112009"
KANGMEI = "500112022"


def make_survey(by, area_code: str, *, publish: bool = True, title: str = "社区意见调查",
                opens_on: dt.date = TODAY, closes_on: dt.date = TODAY + dt.timedelta(days=20),
                purpose: str = "general") -> Survey:
    """A survey with one question of each kind: single, multiple (+其他, at most 2), text, rating,
    time slots, talent."""
    survey = services.survey_create(by=by, title=title, area_code=area_code, opens_on=opens_on, closes_on=closes_on,
                                    purpose=purpose, intro="请大家填写")
    services.question_add(by=by, survey=survey, kind="single", text="您支持开办兴趣班吗？", options=["支持", "不支持"])
    services.question_add(by=by, survey=survey, kind="multiple", text="想学什么？", options=["绘画", "象棋", "快板"],
                          allow_other=True, max_choices=2, role="wanted_classes")
    services.question_add(by=by, survey=survey, kind="text", text="有什么建议？", required=False)
    services.question_add(by=by, survey=survey, kind="rating", text="满意吗？", scale=5)
    services.question_add(by=by, survey=survey, kind="timeslots", text="哪些时间方便？", role="preferred_slots")
    services.question_add(by=by, survey=survey, kind="talent", text="能教什么？", required=False)
    if publish:
        services.survey_publish(by=by, survey=survey)
    return survey


def q(survey: Survey, position: int):
    return survey.questions.get(position=position)


def good_answers(survey: Survey, **overrides) -> dict[int, dict]:
    """A complete, valid answer sheet for ``make_survey``; ``p<n>=`` replaces question n's answer."""
    sheet = {
        1: {"choices": ["支持"]},
        2: {"choices": ["绘画"], "text": ""},
        3: {"text": "多开晚上的课"},
        4: {"number": 4},
        5: {"choices": ["2-am", "6-pm"]},
        6: {"text": ""},
    }
    for key, value in overrides.items():
        sheet[int(key[1:])] = value
    return {q(survey, n).pk: a for n, a in sheet.items() if a is not None}
