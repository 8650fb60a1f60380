"""Reads about surveys and answers, scoped by who may see them.

A survey is published to a street or a community. Staff see a survey whose area is inside an
area they hold (the usual rule), and also one published *above* it: a street's survey reaches
the street's communities, so their workers see it too — but of its answers only those of their
own communities.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import codes_with_permission
from linli.areas.models import CODE_LENGTH
from linli.areas.visibility import narrow, visible
from linli.core.errors import LinliError, not_found
from linli.people.models import Resident
from linli.surveys import slots
from linli.surveys.errors import SurveyErrorCode
from linli.surveys.models import Answer, Channel, Question, QuestionKind, Response, Survey, SurveyStatus

_LENGTHS = sorted(set(CODE_LENGTH.values()))


def ancestors_and_self(code: str) -> list[str]:
    """``500112009011`` → the codes of its province, city, district, street and itself."""
    return [code[:n] for n in _LENGTHS if n <= len(code)]


def reach_q(codes: list[str], *, field: str = "area__code") -> Q:
    """Records whose area is inside one of ``codes``, or above one of them."""
    if not codes:
        return Q(pk__in=[])
    above = sorted({a for c in codes for a in ancestors_and_self(c)})
    return reduce(or_, (Q(**{f"{field}__startswith": c}) for c in codes)) | Q(**{f"{field}__in": above})


def surveys_visible(
    user: Any, *, permission: str = Perm.ENTER_SURVEY, within: str | None = None, status: str = "",
    purpose: str = "", q: str = "",
) -> QuerySet[Survey]:
    codes = narrow(codes_with_permission(user, permission), within)
    qs = Survey.objects.filter(reach_q(codes))
    if status:
        qs = qs.filter(status=status)
    if purpose:
        qs = qs.filter(purpose=purpose)
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs.select_related("area__parent").order_by("-opens_on", "-pk")


def with_counts(qs: QuerySet[Survey], user: Any, *, within: str | None = None) -> QuerySet[Survey]:
    """Each survey with its number of questions, and of the answers the user may see in results
    (``answer_count`` is None for someone who sees no results, e.g. a grid worker)."""
    codes = narrow(codes_with_permission(user, Perm.MANAGE_SURVEY), within)
    qs = qs.annotate(question_count=Count("questions", distinct=True))
    if not codes:
        return qs.annotate(answer_count=Value(None, output_field=IntegerField()))
    answers = (
        Response.objects.filter(survey=OuterRef("pk"))
        .filter(reduce(or_, (Q(area__code__startswith=c) for c in codes)))
        .order_by().values("survey").annotate(n=Count("pk")).values("n")
    )
    return qs.annotate(answer_count=Coalesce(Subquery(answers, output_field=IntegerField()), 0))


def _pk(value: Any, what: str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise not_found(what) from None
    if not 0 < pk < 2**63:
        raise not_found(what)
    return pk


def survey_get(user: Any, pk: Any, permission: str = Perm.ENTER_SURVEY) -> Survey:
    """The survey, if the user may see it; otherwise the same 'not found' as for a missing one."""
    survey = surveys_visible(user, permission=permission).filter(pk=_pk(pk, "问卷")).first()
    if survey is None:
        raise not_found("问卷")
    return survey


def survey_by_token(token: str) -> Survey | None:
    if not token or len(token) > 24:
        return None
    return Survey.objects.select_related("area").filter(token=token).exclude(status=SurveyStatus.DRAFT).first()


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("position"))


def _day(d: dt.date) -> str:
    return f"{d.month} 月 {d.day} 日"


def closing_day(survey: Survey) -> dt.date:
    if survey.closed_at:
        return min(survey.closes_on, timezone.localtime(survey.closed_at).date())
    return survey.closes_on


def why_not_open(survey: Survey, today: dt.date) -> LinliError | None:
    """None if residents can answer today; otherwise the refusal, said plainly."""
    if survey.status == SurveyStatus.DRAFT:
        return LinliError(SurveyErrorCode.NOT_OPEN, "问卷还没有发布，暂时不能填写")
    if survey.status == SurveyStatus.CLOSED or today > survey.closes_on:
        return LinliError(SurveyErrorCode.CLOSED, f"问卷已于 {_day(closing_day(survey))}截止，谢谢关注")
    if today < survey.opens_on:
        return LinliError(SurveyErrorCode.NOT_YET_OPEN, f"问卷将于 {_day(survey.opens_on)}开始填写，请到时再来")
    return None


def covers_resident(survey: Survey, resident: Resident) -> bool:
    return resident.area_id.startswith(survey.area_id)


def open_surveys_for(resident: Resident, today: dt.date | None = None) -> QuerySet[Survey]:
    """Surveys the resident can answer today (their community's and their street's), each marked
    ``answered``."""
    today = today or timezone.localdate()
    return (
        Survey.objects.filter(
            status=SurveyStatus.OPEN, opens_on__lte=today, closes_on__gte=today,
            area__code__in=ancestors_and_self(resident.area_id),
        )
        .annotate(answered=Exists(Response.objects.filter(survey=OuterRef("pk"), resident=resident)))
        .order_by("answered", "closes_on", "pk")
    )


def response_of(survey: Survey, resident: Resident) -> Response | None:
    return (
        Response.objects.filter(survey=survey, resident=resident)
        .prefetch_related("answers")
        .first()
    )


def responses_visible(
    user: Any, survey: Survey, *, within: str | None = None, permission: str = Perm.MANAGE_SURVEY
) -> QuerySet[Response]:
    """The survey's answer sheets from the areas the user may see."""
    return visible(Response.objects.filter(survey=survey), user, permission, within=within).select_related(
        "resident", "area", "entered_by"
    ).order_by("submitted_at", "pk")


# --- results: counted from the answers the viewer may see --------------------------------------


@dataclass
class OptionCount:
    label: str
    count: int
    percent: int  # of those who answered the question


@dataclass
class SlotCell:
    key: str
    label: str
    count: int
    level: int  # 0 (none) … 4 (the most wanted), for the heat table's shade


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    options: list[OptionCount] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # the "其他" texts
    grid: list[tuple[str, list[SlotCell]]] = field(default_factory=list)  # (day, cells by part of day)
    average: float | None = None
    distribution: list[OptionCount] = field(default_factory=list)  # rating: score -> count
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyResults:
    response_count: int
    by_community: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    questions: list[QuestionResult]


def _percent(n: int, of: int) -> int:
    return round(100 * n / of) if of else 0


def results(survey: Survey, *, user: Any, within: str | None = None) -> SurveyResults:
    """Per question: counts per option, the time-slot grid, rating average and spread, texts —
    from the responses in the areas ``user`` sees with MANAGE_SURVEY (four queries in all)."""
    responses = responses_visible(user, survey, within=within).order_by()
    per_area: dict[str, int] = Counter()
    per_channel: dict[str, int] = Counter()
    for name, channel, n in responses.values_list("area__name", "channel").annotate(n=Count("pk")):
        per_area[name] += n
        per_channel[channel] += n
    questions = questions_of(survey)
    raw: dict[int, list[tuple[list, str, int | None]]] = defaultdict(list)
    rows = Answer.objects.filter(response__in=responses.values("pk")).values_list(
        "question_id", "choices", "text", "number").order_by("response__submitted_at", "pk")
    for qid, choices, text, number in rows:
        raw[qid].append((choices or [], text, number))
    return SurveyResults(
        response_count=sum(per_area.values()),
        by_community=sorted(per_area.items(), key=lambda kv: (-kv[1], kv[0])),
        by_channel=[(Channel(c).label, per_channel[c]) for c in Channel.values if per_channel[c]],
        questions=[_question_result(q, raw.get(q.pk, [])) for q in questions],
    )


def _question_result(q: Question, rows: list[tuple[list, str, int | None]]) -> QuestionResult:
    result = QuestionResult(question=q, answered=len(rows))
    if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        counts = Counter(c for choices, _, _ in rows for c in choices)
        result.options = [OptionCount(o, counts[o], _percent(counts[o], len(rows))) for o in q.options]
        result.others = [text for _, text, _ in rows if text]
        if q.allow_other:
            result.options.append(OptionCount("其他", len(result.others), _percent(len(result.others), len(rows))))
    elif q.kind == QuestionKind.TIMESLOTS:
        counts = Counter(c for choices, _, _ in rows for c in choices)
        top = max(counts.values(), default=0)
        for day, day_label in slots.DAYS:
            cells = []
            for part, _part_label in slots.PARTS:
                key = f"{day}-{part}"
                n = counts[key]
                cells.append(SlotCell(key, slots.label(key), n, -(-4 * n // top) if n else 0))
            result.grid.append((day_label, cells))
    elif q.kind == QuestionKind.RATING:
        scores = [n for _, _, n in rows if n is not None]
        counts = Counter(scores)
        result.average = round(sum(scores) / len(scores), 1) if scores else None
        result.distribution = [OptionCount(f"{s} 分", counts[s], _percent(counts[s], len(scores)))
                               for s in range(1, q.scale + 1)]
    else:
        result.texts = [text for _, text, _ in rows if text]
    return result
