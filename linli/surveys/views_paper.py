"""Typing in paper questionnaires: a worker finds the resident by name, then fills the same form
the resident would have filled on their phone (channel: paper)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.web import staff_required
from linli.core.errors import LinliError, not_found
from linli.core.once import submit_once
from linli.people import selectors as people
from linli.people.models import Resident
from linli.surveys import answer_form, selectors, services
from linli.surveys.errors import SurveyErrorCode
from linli.surveys.forms import ResidentSearchForm
from linli.surveys.models import Channel, Response, Survey

MAX_FOUND = 30


def _residents(request: HttpRequest, survey: Survey, search: str = ""):
    """Residents of the survey's area whom the worker may enter paper answers for."""
    return (
        people.residents_visible(request.user, permission=Perm.ENTER_SURVEY, search=search)
        .filter(area__code__startswith=survey.area_id)
        .annotate(answered=Exists(Response.objects.filter(survey=survey, resident=OuterRef("pk"))))
    )


@staff_required
def paper_entry(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(request.user, pk)
    form = ResidentSearchForm(request.GET or None)
    search = form.cleaned_data["q"].strip() if form.is_valid() else ""
    found = list(_residents(request, survey, search)[:MAX_FOUND]) if search else []
    template = "surveys/partials/paper_found.html" if getattr(request, "htmx", False) else "surveys/paper_entry.html"
    return render(request, template, {
        "survey": survey, "form": form, "search": search, "found": found, "max_found": MAX_FOUND,
        "refusal": selectors.why_not_open(survey, timezone.localdate()),
    })


def _resident(request: HttpRequest, survey: Survey, resident_id: int) -> Resident:
    resident = _residents(request, survey).filter(pk=resident_id).first()
    if resident is None:
        raise not_found("居民")
    return resident


@staff_required
@submit_once
def paper_answer(request: HttpRequest, pk: int, resident_id: int) -> HttpResponse:
    survey = selectors.survey_get(request.user, pk)
    resident = _resident(request, survey, resident_id)
    questions = selectors.questions_of(survey)
    context = {"survey": survey, "resident": resident, "refusal": selectors.why_not_open(survey, timezone.localdate())}
    existing = selectors.response_of(survey, resident)
    if existing is not None:
        return render(request, "surveys/paper_answer.html", {
            **context, "existing": existing, "summary": answer_form.summary(questions, existing.answers.all())})
    answers: dict = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and context["refusal"] is None:
        answers, errors = answer_form.answers_from_post(questions, request.POST)
        if not errors:
            try:
                services.response_submit(by=request.user, survey=survey, resident=resident, answers=answers,
                                         channel=Channel.PAPER)
            except LinliError as exc:
                if exc.code == SurveyErrorCode.ALREADY_ANSWERED:
                    messages.warning(request, exc.message)
                    return redirect("surveys:paper_entry", pk=survey.pk)
                if exc.status in (403, 404):
                    raise
                errors = exc.extra.get("errors") or {exc.field or "": exc.message}
            else:
                messages.success(request, f"已录入 {resident.name} 的问卷。请查找下一位居民。")
                return redirect("surveys:paper_entry", pk=survey.pk)
        status = 400
    return render(request, "surveys/paper_answer.html", {
        **context, "form_questions": answer_form.form_questions(questions, answers, errors), "form_errors": errors,
        "general_errors": answer_form.general_errors(questions, errors),
        "form_action": request.path, "submit_label": f"保存 {resident.name} 的答卷",
    }, status=status)
