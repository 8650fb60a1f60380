"""The back office's survey pages: list, create, the questions while a draft, publish and close.

Thin: reads through selectors, writes through services. Results, export and the QR poster are in
``views_results``; typing in paper answers in ``views_paper``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission_anywhere
from linli.accounts.web import selected_area_code, staff_required
from linli.areas.models import Level
from linli.areas.selectors import areas_visible
from linli.core.errors import LinliError, forbidden, not_found
from linli.core.forms import add_service_error
from linli.core.listing import ListColumn, ListPage
from linli.core.once import submit_once
from linli.surveys import permissions, selectors, services
from linli.surveys.forms import QuestionForm, ReopenForm, SurveyCreateForm, SurveyEditForm, SurveyFilterForm
from linli.surveys.models import Question, Survey, SurveyStatus


def _period(s: Survey) -> str:
    return f"{s.opens_on:%Y-%m-%d} 至 {s.closes_on:%Y-%m-%d}"


def _columns() -> list[ListColumn]:
    return [
        ListColumn("标题", lambda s: s.title, sort=("title",),
                   link=lambda s: reverse("surveys:survey_detail", args=[s.pk])),
        ListColumn("发布范围", lambda s: s.area.name, sort=("area_id",)),
        ListColumn("时间", _period, sort=("opens_on",)),
        ListColumn("状态", lambda s: s.get_status_display(), sort=("status",)),
        ListColumn("用途", lambda s: s.get_purpose_display()),
        ListColumn("题数", lambda s: s.question_count),
        ListColumn("答卷", lambda s: "—" if s.answer_count is None else s.answer_count, sort=("answer_count",)),
    ]


@staff_required
def survey_list(request: HttpRequest) -> HttpResponse:
    if not has_permission_anywhere(request.user, Perm.ENTER_SURVEY):
        raise forbidden("查看问卷")
    form = SurveyFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    within = selected_area_code(request)
    qs = selectors.surveys_visible(request.user, within=within, status=data.get("status", ""),
                                   purpose=data.get("purpose", ""), q=data.get("q", ""))
    actions = [("新建问卷", reverse("surveys:survey_create"))] if _manage_areas(request).exists() else []
    listing = ListPage(
        title="问卷调查",
        columns=_columns(),
        queryset=selectors.with_counts(qs, request.user, within=within),
        filter_form=form,
        default_order=("-opens_on", "-pk"),
        actions=actions,
        empty_text="还没有问卷",
    )
    return listing.render(request)


def _manage_areas(request: HttpRequest):
    return areas_visible(request.user, Perm.MANAGE_SURVEY, within=selected_area_code(request)).filter(
        level__in=[Level.STREET, Level.COMMUNITY]).order_by("code")


@staff_required
@submit_once
def survey_create(request: HttpRequest) -> HttpResponse:
    areas = _manage_areas(request)
    if not areas.exists():
        raise forbidden("新建问卷")
    today = timezone.localdate()
    initial = {"opens_on": today, "closes_on": today + dt.timedelta(days=30), "template": "general"}
    form = SurveyCreateForm(request.POST or None, initial=initial, areas=areas)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["template"] == "general":
                survey = services.survey_create(by=request.user, title=d["title"], area_code=d["area"],
                                                opens_on=d["opens_on"], closes_on=d["closes_on"], intro=d["intro"])
            else:
                survey = services.survey_create_from_template(
                    by=request.user, template_key=d["template"], area_code=d["area"], opens_on=d["opens_on"],
                    closes_on=d["closes_on"], title=d["title"] or None)
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已建立问卷“{survey.title}”，请检查题目后发布")
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form, "title": "新建问卷"},
                  status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, survey: Survey, **extra) -> dict:
    can_manage = permissions.can_manage(request.user, survey)
    return {
        "survey": survey,
        "questions": selectors.questions_of(survey),
        "can_manage": can_manage,
        "editable": can_manage and survey.status == SurveyStatus.DRAFT,
        "can_results": permissions.can_view_results(request.user, survey),
        "question_form": extra.pop("question_form", QuestionForm(initial={"required": True, "scale": 5})),
        "reopen_form": extra.pop("reopen_form", ReopenForm()),
        "refusal": selectors.why_not_open(survey, timezone.localdate()),
        **extra,
    }


@staff_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(request.user, pk)
    return render(request, "surveys/survey_detail.html", _detail_context(request, survey))


def _managed(request: HttpRequest, pk: int) -> Survey:
    survey = selectors.survey_get(request.user, pk)
    if not permissions.can_manage(request.user, survey):
        raise forbidden("修改该问卷")
    return survey


@staff_required
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    initial = {"title": survey.title, "intro": survey.intro, "opens_on": survey.opens_on, "closes_on": survey.closes_on}
    form = SurveyEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(by=request.user, survey=survey, **form.cleaned_data)
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form, "title": f"修改问卷：{survey.title}",
                                                        "survey": survey}, status=400 if form.errors else 200)


def _question_args(form: QuestionForm) -> dict:
    d = form.cleaned_data
    return {"kind": d["kind"], "text": d["text"], "options": form.option_list(), "required": d["required"],
            "help_text": d["help_text"], "allow_other": d["allow_other"], "max_choices": d["max_choices"],
            "scale": d["scale"] or 5, "role": d["role"] or ""}


@require_POST
@staff_required
@submit_once
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(by=request.user, survey=survey, **_question_args(form))
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已添加题目")
            return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + "#questions")
    return render(request, "surveys/survey_detail.html", _detail_context(request, survey, question_form=form),
                  status=400)


def _question(survey: Survey, question_id: int) -> Question:
    question = survey.questions.filter(pk=question_id).first()
    if question is None:
        raise not_found("题目")
    return question


@staff_required
def question_edit(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = _managed(request, pk)
    question = _question(survey, question_id)
    initial = {"kind": question.kind, "text": question.text, "options": "\n".join(question.options),
               "required": question.required, "help_text": question.help_text, "allow_other": question.allow_other,
               "max_choices": question.max_choices, "scale": question.scale, "role": question.role}
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(by=request.user, question=question, **_question_args(form))
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已保存第 {question.position} 题")
            return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + "#questions")
    return render(request, "surveys/question_form.html", {"form": form, "survey": survey, "question": question},
                  status=400 if form.errors else 200)


def _questions_answer(request: HttpRequest, survey: Survey) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(request, "surveys/partials/questions.html", _detail_context(request, survey))
    return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + "#questions")


@require_POST
@staff_required
def question_remove(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = _managed(request, pk)
    question = survey.questions.filter(pk=question_id).first()
    if question is not None:
        services.question_remove(by=request.user, question=question)
    return _questions_answer(request, survey)


@require_POST
@staff_required
def question_move(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    survey = _managed(request, pk)
    services.question_move(by=request.user, question=_question(survey, question_id),
                           direction=request.POST.get("direction", ""))
    return _questions_answer(request, survey)


@require_POST
@staff_required
def survey_publish(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    try:
        services.survey_publish(by=request.user, survey=survey)
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "问卷已发布，居民现在可以填写了。可打印二维码海报张贴。")
    return redirect("surveys:survey_detail", pk=survey.pk)


@require_POST
@staff_required
def survey_close(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    try:
        services.survey_close(by=request.user, survey=survey)
    except LinliError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "问卷已结束，不再接受填写")
    return redirect("surveys:survey_detail", pk=survey.pk)


@require_POST
@staff_required
def survey_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.survey_reopen(by=request.user, survey=survey, closes_on=form.cleaned_data["closes_on"])
        except LinliError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "问卷已重新开放")
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(request, "surveys/survey_detail.html", _detail_context(request, survey, reopen_form=form),
                  status=400)
