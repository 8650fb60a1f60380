"""Checks of a question's definition and of an answer to it. Each failure names its field.

A question's field on the answer form and in the API's error is ``q<question id>``; every check
of one answer sheet is made, so a form can show every mistake at its question at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from linli.core.errors import LinliError, invalid
from linli.surveys import slots
from linli.surveys.errors import SurveyErrorCode
from linli.surveys.models import Question, QuestionKind, QuestionRole

MAX_TEXT = 500  # characters of a free-text answer
MAX_OPTIONS = 60
MAX_OPTION_LENGTH = 50
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
TEXT_KINDS = (QuestionKind.TEXT, QuestionKind.TALENT)
# A role is how another module reads a question; it fits one kind only.
ROLE_KIND = {QuestionRole.WANTED_CLASSES: QuestionKind.MULTIPLE, QuestionRole.PREFERRED_SLOTS: QuestionKind.TIMESLOTS}


def _clean_text(value: Any, field: str, label: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(field, label, "应为文字")
    value = value.strip()
    if "\x00" in value:
        raise invalid(field, label, "不能包含空字符")
    if len(value) > max_length:
        raise invalid(field, label, f"过长（最多 {max_length} 个字，现有 {len(value)} 个字）")
    return value


def title(value: Any) -> str:
    text = " ".join(_clean_text(value, "title", "标题", 100).split())
    if not text:
        raise invalid("title", "标题", "不能为空")
    return text


def intro(value: Any) -> str:
    return _clean_text(value, "intro", "说明", 2000)


@dataclass(frozen=True)
class QuestionDef:
    kind: str
    text: str
    options: list[str]
    required: bool
    help_text: str
    allow_other: bool
    max_choices: int | None
    scale: int
    role: str


def question_def(
    *, kind: str, text: str, options: Iterable[str], required: bool, help_text: str, allow_other: bool,
    max_choices: int | None, scale: int, role: str,
) -> QuestionDef:
    if kind not in QuestionKind.values:
        raise invalid("kind", "题型", "请选择")
    clean = _clean_text(text, "text", "题目", 200)
    if not clean:
        raise invalid("text", "题目", "不能为空")
    help_clean = _clean_text(help_text, "help_text", "提示", 200)
    role = role or ""
    if role not in QuestionRole.values:
        raise invalid("role", "用途", "请选择")
    if role and ROLE_KIND[QuestionRole(role)] != kind:
        wanted = QuestionKind(ROLE_KIND[QuestionRole(role)]).label
        raise invalid("role", "用途", f"“{QuestionRole(role).label}”只能用于{wanted}题")
    labels: list[str] = []
    if kind in CHOICE_KINDS:
        labels = _options(options)
    else:
        allow_other, max_choices = False, None
    if kind != QuestionKind.MULTIPLE:
        max_choices = None
    if max_choices is not None:
        if isinstance(max_choices, bool) or not isinstance(max_choices, int) or max_choices < 1:
            raise invalid("max_choices", "最多选几项", "应为正整数")
        if max_choices > len(labels) + (1 if allow_other else 0):
            raise invalid("max_choices", "最多选几项", f"不能多于选项数（{len(labels)} 项）")
    if kind == QuestionKind.RATING:
        if isinstance(scale, bool) or not isinstance(scale, int) or not 2 <= scale <= 10:
            raise invalid("scale", "评分满分", "应为 2 到 10 之间的整数")
    else:
        scale = 5
    return QuestionDef(kind=kind, text=clean, options=labels, required=bool(required), help_text=help_clean,
                       allow_other=bool(allow_other), max_choices=max_choices, scale=scale, role=role)


def _options(options: Iterable[str]) -> list[str]:
    if isinstance(options, str):
        raise invalid("options", "选项", "应为列表，每项一个选项")
    labels = []
    for raw in options:
        label = _clean_text(raw, "options", "选项", MAX_OPTION_LENGTH)
        if not label:
            raise invalid("options", "选项", "不能有空白选项")
        if label in labels:
            raise invalid("options", "选项", f"“{label}”重复了")
        labels.append(label)
    if len(labels) < 2:
        raise invalid("options", "选项", "选择题至少要有 2 个选项")
    if len(labels) > MAX_OPTIONS:
        raise invalid("options", "选项", f"最多 {MAX_OPTIONS} 个选项")
    return labels


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    choices: list[str]
    text: str
    number: int | None

    @property
    def empty(self) -> bool:
        return not self.choices and not self.text and self.number is None


def answer_errors(questions: Sequence[Question], answers: Mapping[Any, Any]) -> tuple[list[CleanAnswer], dict[str, str]]:
    """Each answer checked against its question: the clean answers, and a message per faulty field."""
    by_id = {q.pk: q for q in questions}
    errors: dict[str, str] = {}
    for key in answers:
        if not isinstance(key, int) or isinstance(key, bool) or key not in by_id:
            errors[f"q{key}"] = f"问卷中没有编号为 {key} 的题目"
    clean: list[CleanAnswer] = []
    for q in questions:
        try:
            answer = _answer(q, answers.get(q.pk))
        except LinliError as exc:
            errors[f"q{q.pk}"] = exc.message
            continue
        if answer.empty and q.required:
            errors[f"q{q.pk}"] = f"第 {q.position} 题：这是必答题，{_ask(q)}"
        elif not answer.empty:
            clean.append(answer)
    return clean, errors


def _ask(q: Question) -> str:
    if q.kind in TEXT_KINDS:
        return "请填写"
    if q.kind == QuestionKind.RATING:
        return "请打分"
    if q.kind == QuestionKind.TIMESLOTS:
        return "请至少选一个时间段"
    return "请选择"


def _refuse(q: Question, reason: str) -> LinliError:
    return LinliError(SurveyErrorCode.ANSWER, f"第 {q.position} 题：{reason}", field=f"q{q.pk}")


def _answer(q: Question, raw: Any) -> CleanAnswer:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise _refuse(q, "回答格式不正确")
    unknown = set(raw) - {"choices", "text", "number"}
    if unknown:
        raise _refuse(q, f"回答中不能有 {'、'.join(sorted(map(str, unknown)))}")
    choices = _choices(q, raw.get("choices"))
    try:
        text = _clean_text(raw.get("text"), f"q{q.pk}", f"第 {q.position} 题", MAX_TEXT)
    except LinliError as exc:
        raise LinliError(SurveyErrorCode.ANSWER, exc.message, field=exc.field) from None
    number = raw.get("number")
    if q.kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TIMESLOTS) and choices:
        raise _refuse(q, "这不是选择题，请填写而不是选择")
    if text and q.kind in CHOICE_KINDS and not q.allow_other:
        raise _refuse(q, "本题只能从选项中选择，不能填写其他内容")
    if text and q.kind in (QuestionKind.RATING, QuestionKind.TIMESLOTS):
        raise _refuse(q, "本题不能填写文字")
    if number is not None and q.kind != QuestionKind.RATING:
        raise _refuse(q, "本题不是评分题")
    if q.kind == QuestionKind.SINGLE and len(choices) + (1 if text else 0) > 1:
        raise _refuse(q, "只能选一项")
    if q.kind == QuestionKind.MULTIPLE and q.max_choices and len(choices) + (1 if text else 0) > q.max_choices:
        raise _refuse(q, f"最多选 {q.max_choices} 项")
    bad_number = isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= q.scale
    if q.kind == QuestionKind.RATING and number is not None and bad_number:
        raise _refuse(q, f"评分应为 1 到 {q.scale} 之间的整数")
    return CleanAnswer(question=q, choices=choices, text=text, number=number)


def _choices(q: Question, raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str) or not isinstance(raw, list | tuple):
        raise _refuse(q, "所选项应为列表")
    chosen: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise _refuse(q, "所选项应为文字")
        if item not in chosen:
            chosen.append(item)
    if q.kind == QuestionKind.TIMESLOTS:
        bad = [c for c in chosen if not slots.is_valid(c)]
        if bad:
            raise _refuse(q, f"没有“{_shown(bad)}”这个时间段")
        return sorted(chosen, key=slots.ALL.index)
    if q.kind in CHOICE_KINDS:
        bad = [c for c in chosen if c not in q.options]
        if bad:
            raise _refuse(q, f"没有“{_shown(bad)}”这个选项")
        return sorted(chosen, key=q.options.index)
    return chosen


def _shown(values: list[str]) -> str:
    text = "、".join(values)
    return text if len(text) <= 40 else text[:40] + "…"
