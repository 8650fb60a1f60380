from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission_anywhere
from linli.core.errors import LinliError, forbidden
from linli.core.schemas import responses
from linli.people import selectors as people
from linli.surveys import permissions, selectors, services, slots
from linli.surveys.errors import SurveyErrorCode
from linli.surveys.models import Channel, Response, Survey
from linli.surveys.schemas import (
    AreaCountOut,
    CountOut,
    QuestionOut,
    QuestionResultOut,
    ResponseIn,
    ResponseOut,
    ResultsOut,
    SlotOut,
    SurveyDetailOut,
    SurveyFilters,
    SurveyId,
    SurveyOut,
    SurveyPage,
)

router = Router(tags=["问卷"])

# The services name the page form's fields; the API's input names some of them differently.
_API_FIELD = {"resident": "resident_id"}


def _out(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk, "title": s.title, "intro": s.intro, "area_code": s.area_id, "area_name": s.area.name,
        "purpose": s.purpose, "status": s.status, "opens_on": s.opens_on, "closes_on": s.closes_on,
        "question_count": s.question_count, "answer_count": s.answer_count,
    }


def _counted(request: HttpRequest, pk: int) -> Survey:
    survey = selectors.survey_get(request.user, pk)
    return selectors.with_counts(Survey.objects.filter(pk=survey.pk).select_related("area"), request.user).get()


@router.get("", response=responses({200: SurveyPage}, 403), summary="问卷列表（含上级发布到本地区的问卷）")
def survey_list(request: HttpRequest, filters: Query[SurveyFilters]):
    if not has_permission_anywhere(request.user, Perm.ENTER_SURVEY):
        raise forbidden("查看问卷")
    qs = selectors.surveys_visible(request.user, within=filters.area or None, status=filters.status,
                                   purpose=filters.purpose, q=filters.q)
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    page = selectors.with_counts(qs, request.user, within=filters.area or None)[start : start + filters.page_size]
    return SurveyPage(count=count, page=filters.page, page_size=filters.page_size,
                      items=[SurveyOut(**_out(s)) for s in page])


@router.get("/{survey_id}", response=responses({200: SurveyDetailOut}, 403, 404), summary="问卷详情（含题目）")
def survey_detail(request: HttpRequest, survey_id: SurveyId):
    survey = _counted(request, survey_id)
    questions = [
        QuestionOut(id=q.pk, position=q.position, kind=q.kind, text=q.text, help_text=q.help_text,
                    required=q.required, options=q.options, allow_other=q.allow_other, max_choices=q.max_choices,
                    scale=q.scale, role=q.role)
        for q in selectors.questions_of(survey)
    ]
    return SurveyDetailOut(**_out(survey), questions=questions, slots=list(slots.ALL))


@router.get("/{survey_id}/results", response=responses({200: ResultsOut}, 403, 404),
            summary="问卷结果（只统计您负责地区居民的答卷）")
def survey_results(request: HttpRequest, survey_id: SurveyId):
    survey = selectors.survey_get(request.user, survey_id)
    if not permissions.can_view_results(request.user, survey):
        raise forbidden("查看该问卷的结果")
    result = selectors.results(survey, user=request.user)
    return ResultsOut(
        survey_id=survey.pk,
        response_count=result.response_count,
        by_community=[AreaCountOut(name=n, count=c) for n, c in result.by_community],
        questions=[
            QuestionResultOut(
                id=r.question.pk, position=r.question.position, kind=r.question.kind, text=r.question.text,
                answered=r.answered, options=[CountOut(**o.__dict__) for o in r.options], others=r.others,
                slots=[SlotOut(key=c.key, label=c.label, count=c.count) for _, cells in r.grid for c in cells],
                average=r.average, distribution=[CountOut(**o.__dict__) for o in r.distribution], texts=r.texts,
            )
            for r in result.questions
        ],
    )


@router.post("/{survey_id}/responses", response=responses({201: ResponseOut}, 400, 403, 404, 409),
             summary="录入纸质问卷（工作人员代居民录入，每位居民只能一份）")
def response_create(request: HttpRequest, survey_id: SurveyId, payload: ResponseIn):
    survey = selectors.survey_get(request.user, survey_id)
    resident = people.resident_get(request.user, payload.resident_id, permission=Perm.ENTER_SURVEY)
    answers: dict[int, dict[str, Any]] = {}
    for a in payload.answers:
        if a.question_id in answers:
            raise LinliError(SurveyErrorCode.ANSWER, f"题目 {a.question_id} 的回答重复了", field=f"q{a.question_id}")
        answers[a.question_id] = {"choices": a.choices, "text": a.text, "number": a.number}
    try:
        response: Response = services.response_submit(by=request.user, survey=survey, resident=resident,
                                                      answers=answers, channel=Channel.PAPER)
    except LinliError as exc:
        exc.field = _API_FIELD.get(exc.field or "", exc.field)
        raise
    return Status(201, ResponseOut(id=response.pk, survey_id=survey.pk, resident_id=resident.pk,
                                   resident_name=resident.name, area_code=response.area_id, channel=response.channel,
                                   submitted_at=response.submitted_at))
