"""Building blocks for the college's tests: an interest survey and answers, made directly."""

from __future__ import annotations

import datetime as dt

from linli.surveys.models import (
    Answer,
    Channel,
    Question,
    QuestionKind,
    QuestionRole,
    Response,
    Survey,
    SurveyPurpose,
)


def make_interest_survey(by, area_code: str = "500112", status: str = "open") -> Survey:
    survey = Survey.objects.create(
        title="社区学院兴趣调查", area_id=area_code, purpose=SurveyPurpose.COLLEGE_INTEREST, status=status,
        opens_on=dt.date(2026, 11, 1), closes_on=dt.date(2026, 12, 31), token=f"t{Survey.objects.count() + 1}x",
        created_by=by,
    )
    Question.objects.create(survey=survey, position=1, kind=QuestionKind.MULTIPLE, text="您想学哪些兴趣课程？",
                            options=["绘画", "象棋", "快板", "太极拳"], allow_other=True,
                            role=QuestionRole.WANTED_CLASSES)
    Question.objects.create(survey=survey, position=2, kind=QuestionKind.TIMESLOTS, text="哪些时间方便上课？",
                            role=QuestionRole.PREFERRED_SLOTS, required=False)
    Question.objects.create(survey=survey, position=3, kind=QuestionKind.TALENT, text="您能教什么？", required=False)
    return survey


def answer(survey: Survey, resident, wanted=(), slots=(), other: str = "", talent: str = "", by=None) -> Response:
    """A stored response, as the surveys app would store it (no checks, no hooks)."""
    questions = {q.position: q for q in survey.questions.all()}
    response = Response.objects.create(survey=survey, resident=resident, area_id=resident.community.code,
                                       channel=Channel.PAPER, entered_by=by or survey.created_by)
    Answer.objects.create(response=response, question=questions[1], choices=list(wanted), text=other)
    Answer.objects.create(response=response, question=questions[2], choices=list(slots))
    if talent:
        Answer.objects.create(response=response, question=questions[3], text=talent)
    return response

