"""A survey's results (charts), its answers as .xlsx, and the printable QR poster."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from linli.accounts.web import selected_area_code, staff_required
from linli.core.errors import forbidden
from linli.core.exports import xlsx_response
from linli.portal import qr
from linli.surveys import answer_form, permissions, selectors
from linli.surveys.models import QuestionKind, Survey, SurveyStatus


def _results_survey(request: HttpRequest, pk: int) -> Survey:
    survey = selectors.survey_get(request.user, pk)
    if not permissions.can_view_results(request.user, survey):
        raise forbidden("查看该问卷的结果")
    return survey


def _within(request: HttpRequest, survey: Survey) -> str | None:
    """The area switcher's choice, where it overlaps the survey's area."""
    code = selected_area_code(request)
    if code and (code.startswith(survey.area_id) or survey.area_id.startswith(code)):
        return code
    return None


def _charts(result: selectors.SurveyResults) -> list[dict]:
    charts = []
    for r in result.questions:
        q = r.question
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            rows = r.options
        elif q.kind == QuestionKind.RATING:
            rows = r.distribution
        else:
            continue
        charts.append({"id": f"chart-q{q.pk}", "labels": [o.label for o in rows], "values": [o.count for o in rows],
                       "height": 40 + 30 * len(rows)})
    return charts


@staff_required
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _results_survey(request, pk)
    within = _within(request, survey)
    result = selectors.results(survey, user=request.user, within=within)
    return render(request, "surveys/survey_results.html", {
        "survey": survey, "result": result, "charts": _charts(result), "within": within,
        # Only part of the survey's answers: the viewer's own communities, or the switcher's area.
        "partial": bool(within and len(within) > len(survey.area_id)) or not permissions.can_manage(request.user, survey),
    })


@staff_required
def survey_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per answer sheet: who (name and community, never ID or phone numbers), how, when, and
    one column per question."""
    survey = _results_survey(request, pk)
    questions = selectors.questions_of(survey)
    responses = selectors.responses_visible(request.user, survey, within=_within(request, survey)).prefetch_related(
        "answers")
    headers = ["姓名", "社区", "填写方式", "提交时间"] + [f"{q.position}. {q.text}" for q in questions]

    def rows():
        for r in responses.iterator(chunk_size=500):
            by_question = {a.question_id: a for a in r.answers.all()}
            yield [r.resident.name, r.area.name, r.get_channel_display(),
                   timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M")] + [
                answer_form.shown(q, by_question.get(q.pk)) for q in questions]

    filename = f"问卷答卷-{survey.title[:40]}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(filename, "答卷", headers, rows())


@staff_required
def survey_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """An A4 page to print and put up: the title, the introduction and the link's QR code."""
    survey = selectors.survey_get(request.user, pk)
    link = request.build_absolute_uri(reverse("resident_surveys:answer", args=[survey.token]))
    return render(request, "surveys/poster.html", {
        "survey": survey, "link": link, "qr_svg": qr.svg(link, box_size=12),
        "draft": survey.status == SurveyStatus.DRAFT,
    })
