"""Building blocks for the class-order tests: the real interest template, answered the real way.

``template_survey`` makes the 17-question ``college_interest`` survey with the surveys' services;
``sheet`` fills in a complete, valid answer sheet for it; ``submit`` hands it in through
``response_submit``, so the college's hook (registered at app start) runs as in production.
``orders_from`` is the quick way for page tests: answers stored directly, then one recount.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from linli.college.models import ClassOrder
from linli.college.services import orders as services
from linli.college.tests.interest import answer, make_interest_survey
from linli.core.testing import XINGJIAQIAO, resident
from linli.surveys.models import Channel, Response, Survey
from linli.surveys.services import response_submit, survey_create_from_template, survey_publish

TODAY = dt.date(2026, 11, 25)
FROZEN = dt.datetime(2026, 11, 25, 10, 0)
_n = itertools.count(1)

# Position of each question of the template (linli/surveys/catalog.py COLLEGE_INTEREST).
WANTED, SLOTS, TALENT = 3, 4, 10


def template_survey(by: Any, area_code: str = XINGJIAQIAO, *, publish: bool = True) -> Survey:
    survey = survey_create_from_template(by=by, template_key="college_interest", area_code=area_code,
                                         opens_on=dt.date(2026, 11, 1), closes_on=dt.date(2026, 12, 31))
    if publish:
        survey_publish(by=by, survey=survey)
    return survey


def sheet(survey: Survey, wanted: tuple[str, ...] | list[str] = (), *, other: str = "",
          slots: tuple[str, ...] | list[str] = ("2-am",), talent: str = "",
          **override: dict | None) -> dict[int, dict]:
    """A complete answer sheet: every required question answered; ``p<n>=`` replaces question n's."""
    answers: dict[int, dict | None] = {
        1: {"choices": ["支持"]},
        2: {"choices": ["唱歌"]},
        WANTED: {"choices": list(wanted), "text": other},
        SLOTS: {"choices": list(slots)},
        5: {"choices": ["1 次"]},
        6: {"choices": ["1 个半小时"]},
        7: {"choices": ["社区活动室"]},
        8: {"choices": ["看情况"]},
        TALENT: {"text": talent},
        12: {"choices": ["暂时不愿意"]},
        13: {"choices": ["看情况"]},
        14: {"choices": ["偶尔参加"]},
        15: {"choices": ["微信群"]},
        16: {"choices": ["没有担心"]},
        17: {"number": 4},
    }
    for key, value in override.items():
        answers[int(key[1:])] = value
    by_position = {q.position: q.pk for q in survey.questions.all()}
    return {by_position[n]: a for n, a in answers.items() if a is not None}


def submit(survey: Survey, who: Any, by: Any, channel: str = Channel.PAPER, **kwargs: Any) -> Response:
    return response_submit(by=by, survey=survey, resident=who, answers=sheet(survey, **kwargs), channel=channel)


def crowd(n: int, area: str = XINGJIAQIAO, *, birth: dt.date = dt.date(1953, 1, 1), prefix: str = "") -> list:
    batch = prefix or f"学员{next(_n)}-"
    return [resident(area, f"{batch}{i}", birth=birth) for i in range(n)]


def orders_of(survey: Survey, area: str = XINGJIAQIAO) -> dict[str, ClassOrder]:
    return {o.subject: o for o in ClassOrder.objects.filter(survey=survey, area_id=area)}


def orders_from(by: Any, wanted: dict[str, int], area: str = XINGJIAQIAO, survey: Survey | None = None,
                slots: tuple[str, ...] = ("2-am",)) -> dict[str, ClassOrder]:
    """Orders with the given demand per class in one community: ``{"绘画": 8, "象棋": 3}``.

    Residents are shared between classes (the first 8 want 绘画, the first 3 of them 象棋 too)."""
    survey = survey or make_interest_survey(by)
    people = crowd(max(wanted.values(), default=0), area)
    for i, who in enumerate(people):
        answer(survey, who, [s for s, n in wanted.items() if i < n], slots)
    services.orders_refresh(survey=survey, community_code=area)
    return orders_of(survey, area)
