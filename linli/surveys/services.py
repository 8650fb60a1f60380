"""Every write about surveys, their questions and their answers. Each is audited.

Questions are written while the survey is a draft; once it is published they are fixed, so an
answer always means what it meant. A resident answers once: the service refuses a second sheet,
and the database's unique constraint decides between two sent at the same moment.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Area, Level
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import audit_record
from linli.people.models import Resident
from linli.surveys import catalog, hooks, permissions, selectors, validation
from linli.surveys.errors import SurveyErrorCode
from linli.surveys.models import (
    Answer,
    Channel,
    Question,
    Response,
    Survey,
    SurveyPurpose,
    SurveyStatus,
)

SURVEY_LEVELS = (Level.STREET, Level.COMMUNITY)
MAX_QUESTIONS = 100
_SHIFT = 1000  # positions are moved out of the way before renumbering (unique per survey)


def _today() -> dt.date:
    return timezone.localdate()


def _period(opens_on: Any, closes_on: Any) -> tuple[dt.date, dt.date]:
    if not isinstance(opens_on, dt.date):
        raise invalid("opens_on", "开始日期", "请填写日期")
    if not isinstance(closes_on, dt.date):
        raise invalid("closes_on", "截止日期", "请填写日期")
    if closes_on < opens_on:
        raise invalid("closes_on", "截止日期", "不能早于开始日期")
    if (closes_on - opens_on).days > 366:
        raise invalid("closes_on", "截止日期", "问卷最长开放一年")
    return opens_on, closes_on


def _survey_area(by: Any, area_code: str) -> Area:
    code = (area_code or "").strip()
    area = Area.objects.filter(code=code).first() if code.isdigit() else None
    if area is None:
        raise invalid("area", "发布范围", f"地区代码 {code[:20] or '（空）'} 不存在")
    if area.level not in SURVEY_LEVELS:
        raise invalid("area", "发布范围", f"{area.name} 是{area.level_label}，请选择街道或社区")
    if not has_permission(by, Perm.MANAGE_SURVEY, area.code):
        raise forbidden(f"在{area.name}发布问卷")
    return area


def _new_token() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


def _manageable(by: Any, survey: Survey, action: str = "修改该问卷") -> None:
    if not permissions.can_manage(by, survey):
        raise forbidden(action)


def _draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise LinliError(SurveyErrorCode.LOCKED, "问卷已发布，题目不能再修改")


@transaction.atomic
def survey_create(
    *,
    by: Any,
    title: str,
    area_code: str,
    opens_on: dt.date,
    closes_on: dt.date,
    purpose: str = SurveyPurpose.GENERAL,
    intro: str = "",
    template_key: str = "",
) -> Survey:
    clean_title = validation.title(title)
    if purpose not in SurveyPurpose.values:
        raise invalid("purpose", "用途", "请选择")
    opens_on, closes_on = _period(opens_on, closes_on)
    area = _survey_area(by, area_code)
    survey = Survey.objects.create(
        title=clean_title, intro=validation.intro(intro), area=area, purpose=purpose, opens_on=opens_on,
        closes_on=closes_on, token=_new_token(), template_key=template_key, created_by=by,
    )
    audit_record(actor=by, action="survey.create", target=survey, area_code=area.code,
                 data={"purpose": purpose, "template": template_key})
    return survey


@transaction.atomic
def survey_create_from_template(
    *, by: Any, template_key: str, area_code: str, opens_on: dt.date, closes_on: dt.date, title: str | None = None,
) -> Survey:
    template = catalog.TEMPLATES.get(template_key)
    if template is None:
        raise LinliError(SurveyErrorCode.UNKNOWN_TEMPLATE, f"模板：没有“{template_key}”这个模板", field="template")
    survey = survey_create(
        by=by, title=title or template.title, area_code=area_code, opens_on=opens_on, closes_on=closes_on,
        purpose=template.purpose, intro=template.intro, template_key=template.key,
    )
    for spec in template.questions:
        question_add(by=by, survey=survey, kind=spec.kind, text=spec.text, options=spec.options,
                     required=spec.required, help_text=spec.help_text, allow_other=spec.allow_other,
                     max_choices=spec.max_choices, scale=spec.scale, role=spec.role)
    return survey


@transaction.atomic
def survey_update(
    *, by: Any, survey: Survey, title: str, intro: str, opens_on: dt.date, closes_on: dt.date
) -> Survey:
    """Title, introduction and period; the period may still be moved while the survey is open."""
    _manageable(by, survey)
    if survey.status == SurveyStatus.CLOSED:
        raise LinliError(SurveyErrorCode.STATE, "问卷已结束，请先重新开放再修改")
    survey.title = validation.title(title)
    survey.intro = validation.intro(intro)
    survey.opens_on, survey.closes_on = _period(opens_on, closes_on)
    survey.save(update_fields=["title", "intro", "opens_on", "closes_on"])
    audit_record(actor=by, action="survey.update", target=survey, area_code=survey.area_id)
    return survey


@transaction.atomic
def survey_publish(*, by: Any, survey: Survey) -> Survey:
    _manageable(by, survey, "发布该问卷")
    if survey.status != SurveyStatus.DRAFT:
        raise LinliError(SurveyErrorCode.STATE, f"问卷{survey.get_status_display()}，不能再次发布")
    if not survey.questions.exists():
        raise LinliError(SurveyErrorCode.STATE, "问卷还没有题目，请至少添加一道题再发布")
    if survey.closes_on < _today():
        raise invalid("closes_on", "截止日期", "已经过去，请先修改日期再发布")
    _one_interest_survey_open(survey)
    survey.status = SurveyStatus.OPEN
    survey.save(update_fields=["status"])
    audit_record(actor=by, action="survey.publish", target=survey, area_code=survey.area_id)
    return survey


def _one_interest_survey_open(survey: Survey) -> None:
    """Class orders are counted per survey: two interest surveys open over one community at once
    would split its demand for the same class into two orders."""
    if survey.purpose != SurveyPurpose.COLLEGE_INTEREST:
        return
    code = survey.area_id
    others = Survey.objects.filter(purpose=SurveyPurpose.COLLEGE_INTEREST, status=SurveyStatus.OPEN).exclude(
        pk=survey.pk).select_related("area")
    for other in others:
        if code.startswith(other.area_id) or other.area_id.startswith(code):
            raise LinliError(
                SurveyErrorCode.STATE,
                f"“{other.title}”（{other.area.name}）正在进行：同一社区同时只能有一份社区学院兴趣调查，"
                "否则同一门课的想学人数会分成两份订单。请先结束那一份再发布。",
                status=409,
            )


@transaction.atomic
def survey_close(*, by: Any, survey: Survey) -> Survey:
    _manageable(by, survey, "结束该问卷")
    if survey.status != SurveyStatus.OPEN:
        raise LinliError(SurveyErrorCode.STATE, f"问卷{survey.get_status_display()}，不能结束")
    survey.status, survey.closed_at = SurveyStatus.CLOSED, timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    audit_record(actor=by, action="survey.close", target=survey, area_code=survey.area_id)
    return survey


@transaction.atomic
def survey_reopen(*, by: Any, survey: Survey, closes_on: dt.date | None = None) -> Survey:
    """Open a closed survey again, until ``closes_on`` (or its old date, if still ahead)."""
    _manageable(by, survey, "重新开放该问卷")
    if survey.status != SurveyStatus.CLOSED:
        raise LinliError(SurveyErrorCode.STATE, f"问卷{survey.get_status_display()}，不需要重新开放")
    closes_on = closes_on or survey.closes_on
    _period(survey.opens_on, closes_on)
    if closes_on < _today():
        raise invalid("closes_on", "截止日期", "已经过去，请选择今天或以后的日期")
    _one_interest_survey_open(survey)
    survey.status, survey.closed_at, survey.closes_on = SurveyStatus.OPEN, None, closes_on
    survey.save(update_fields=["status", "closed_at", "closes_on"])
    audit_record(actor=by, action="survey.reopen", target=survey, area_code=survey.area_id,
                 data={"closes_on": closes_on.isoformat()})
    return survey


# --- questions (while a draft) ---------------------------------------------------------------


def _role_free(survey: Survey, role: str, exclude_pk: int | None = None) -> None:
    if not role:
        return
    same = survey.questions.filter(role=role)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise invalid("role", "用途", "本问卷已有一道这种用途的题目")


@transaction.atomic
def question_add(
    *,
    by: Any,
    survey: Survey,
    kind: str,
    text: str,
    options: Iterable[str] = (),
    required: bool = True,
    help_text: str = "",
    allow_other: bool = False,
    max_choices: int | None = None,
    scale: int = 5,
    role: str = "",
) -> Question:
    _manageable(by, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _draft(survey)
    d = validation.question_def(kind=kind, text=text, options=options, required=required, help_text=help_text,
                                allow_other=allow_other, max_choices=max_choices, scale=scale, role=role)
    _role_free(survey, d.role)
    last = survey.questions.aggregate(n=Max("position"))["n"] or 0
    if last >= MAX_QUESTIONS:
        raise LinliError(SurveyErrorCode.STATE, f"一份问卷最多 {MAX_QUESTIONS} 道题")
    question = Question.objects.create(survey=survey, position=last + 1, **d.__dict__)
    audit_record(actor=by, action="survey.question_add", target=survey, area_code=survey.area_id,
                 data={"question": question.pk, "kind": d.kind})
    return question


@transaction.atomic
def question_update(
    *,
    by: Any,
    question: Question,
    kind: str,
    text: str,
    options: Iterable[str] = (),
    required: bool = True,
    help_text: str = "",
    allow_other: bool = False,
    max_choices: int | None = None,
    scale: int = 5,
    role: str = "",
) -> Question:
    survey = question.survey
    _manageable(by, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _draft(survey)
    d = validation.question_def(kind=kind, text=text, options=options, required=required, help_text=help_text,
                                allow_other=allow_other, max_choices=max_choices, scale=scale, role=role)
    _role_free(survey, d.role, exclude_pk=question.pk)
    for name, value in d.__dict__.items():
        setattr(question, name, value)
    question.save()
    audit_record(actor=by, action="survey.question_update", target=survey, area_code=survey.area_id,
                 data={"question": question.pk})
    return question


def _renumber(survey: Survey, ordered: list[Question]) -> None:
    Question.objects.filter(survey=survey).update(position=F("position") + _SHIFT)
    for i, q in enumerate(ordered, start=1):
        q.position = i
    Question.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def question_remove(*, by: Any, question: Question) -> None:
    survey = question.survey
    _manageable(by, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _draft(survey)
    question.delete()
    _renumber(survey, selectors.questions_of(survey))
    audit_record(actor=by, action="survey.question_remove", target=survey, area_code=survey.area_id,
                 data={"text": question.text})


@transaction.atomic
def question_move(*, by: Any, question: Question, direction: str) -> Question:
    """One place ``up`` or ``down``; at the top or bottom already, nothing changes."""
    survey = question.survey
    _manageable(by, survey)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _draft(survey)
    if direction not in ("up", "down"):
        raise invalid("direction", "移动方向", "应为上移或下移")
    ordered = selectors.questions_of(survey)
    i = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
        _renumber(survey, ordered)
        audit_record(actor=by, action="survey.question_move", target=survey, area_code=survey.area_id,
                     data={"question": question.pk, "to": j + 1})
    return next(q for q in ordered if q.pk == question.pk)


# --- answers ---------------------------------------------------------------------------------


def _already(resident: Resident) -> LinliError:
    return LinliError(SurveyErrorCode.ALREADY_ANSWERED, f"{resident.name} 已经填写过这份问卷，每人只能填写一次",
                      status=409)


@transaction.atomic
def response_submit(
    *, by: Any, survey: Survey, resident: Resident, answers: Mapping[int, Mapping[str, Any]], channel: str,
) -> Response:
    """One resident's answer sheet, by the resident on their phone, by a family member acting for
    them, or typed in from paper by a worker. Then the survey's purpose's hooks run (the college
    turns the answers into class orders) in the same transaction."""
    if channel not in Channel.values:
        raise invalid("channel", "填写方式", "应为本人手机、家属代填或纸质问卷录入")
    if not permissions.can_answer_for(by, resident, channel):
        raise forbidden(f"以“{Channel(channel).label}”方式为{resident.name}填写问卷")
    if resident.archived_at:
        raise LinliError(SurveyErrorCode.OUTSIDE_AREA, f"{resident.name} 的登记已注销，不能填写问卷", field="resident")
    refusal = selectors.why_not_open(survey, _today())
    if refusal is not None:
        raise refusal
    if not selectors.covers_resident(survey, resident):
        raise LinliError(SurveyErrorCode.OUTSIDE_AREA,
                         f"这份问卷只面向{survey.area.name}的居民，{resident.name} 不在该范围内", field="resident")
    if Response.objects.filter(survey=survey, resident=resident).exists():
        raise _already(resident)
    clean, errors = validation.answer_errors(selectors.questions_of(survey), answers)
    if errors:
        field, message = next(iter(errors.items()))
        raise LinliError(SurveyErrorCode.ANSWER, message, {"errors": errors}, field=field)
    response = Response(survey=survey, resident=resident, area=resident.community, channel=channel, entered_by=by)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise _already(resident) from None  # the same resident's sheet, sent a moment earlier
    Answer.objects.bulk_create(
        [Answer(response=response, question=a.question, choices=a.choices, text=a.text, number=a.number)
         for a in clean]
    )
    audit_record(actor=by, action="survey.response", target=response, area_code=response.area_id,
                 data={"survey": survey.pk, "channel": channel},
                 on_behalf_of=resident if channel != Channel.PHONE else None)
    hooks.run(response)
    return response
