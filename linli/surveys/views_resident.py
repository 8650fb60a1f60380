"""The residents' survey pages on the phone: the open surveys, the answer page behind the poster's
QR code, and the thank-you page. Whoever is logged in answers for the page's subject: themself,
or — in proxy mode with the ``survey`` scope — the elder they act for."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from linli.core.errors import LinliError, not_found
from linli.core.once import submit_once
from linli.people.models import ProxyScope
from linli.portal.context import as_context, require_scope, subject
from linli.surveys import answer_form, selectors, services
from linli.surveys.errors import SurveyErrorCode
from linli.surveys.models import Channel, Survey


def _login_required(view):
    """Not logged in: to the phone login, and back here afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template: str, status: int = 200, **extra) -> HttpResponse:
    s = subject(request)
    return render(request, template, {**as_context(s, request.user), "tab": "home", **extra}, status=status)


@_login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    s = subject(request)
    require_scope(s, ProxyScope.SURVEY)
    surveys = list(selectors.open_surveys_for(s.resident)) if s.resident else []
    return _page(request, "surveys/resident/list.html", surveys=surveys)


def _survey(token: str) -> Survey:
    survey = selectors.survey_by_token(token)
    if survey is None:
        raise not_found("问卷")
    return survey


@_login_required
@submit_once
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    survey = _survey(token)
    s = subject(request)
    require_scope(s, ProxyScope.SURVEY)
    resident = s.resident
    context: dict = {"survey": survey}
    if resident is None:
        return _page(request, "surveys/resident/closed.html", status=403, **context,
                     reason="您的手机号还没有关联居民信息，请联系社区工作人员登记后再填写。")
    if not selectors.covers_resident(survey, resident):
        return _page(request, "surveys/resident/closed.html", status=403, **context,
                     reason=f"这份问卷只面向{survey.area.name}的居民，{resident.name}不在这个范围内。")
    questions = selectors.questions_of(survey)
    existing = selectors.response_of(survey, resident)
    if existing is not None:
        return _page(request, "surveys/resident/answered.html", **context, response=existing,
                     summary=answer_form.summary(questions, existing.answers.all()))
    refusal = selectors.why_not_open(survey, timezone.localdate())
    if refusal is not None:
        return _page(request, "surveys/resident/closed.html", **context, reason=refusal.message)
    answers: dict = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        answers, errors = answer_form.answers_from_post(questions, request.POST)
        if not errors:
            try:
                services.response_submit(by=request.user, survey=survey, resident=resident, answers=answers,
                                         channel=Channel.PROXY if s.acting else Channel.PHONE)
            except LinliError as exc:
                if exc.code == SurveyErrorCode.ALREADY_ANSWERED:
                    return redirect("resident_surveys:answer", token=survey.token)
                if exc.status in (403, 404):
                    raise
                errors = exc.extra.get("errors") or {exc.field or "": exc.message}
            else:
                return redirect("resident_surveys:thanks", token=survey.token)
        status = 400
    return _page(request, "surveys/resident/answer.html", status=status, **context,
                 form_questions=answer_form.form_questions(questions, answers, errors), form_errors=errors,
                 general_errors=answer_form.general_errors(questions, errors), form_action=request.path,
                 submit_label="提交问卷")


@_login_required
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    survey = _survey(token)
    s = subject(request)
    require_scope(s, ProxyScope.SURVEY)
    if s.resident is None or selectors.response_of(survey, s.resident) is None:
        return redirect("resident_surveys:answer", token=survey.token)
    return _page(request, "surveys/resident/thanks.html", survey=survey)
