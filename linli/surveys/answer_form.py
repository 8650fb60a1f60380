"""The answer sheet as an HTML form: the same form on the resident's phone and on the worker's
paper-entry page. Field ``q<id>`` holds the choices (or the score), ``q<id>_text`` the words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from linli.surveys import slots
from linli.surveys.models import Answer, Question, QuestionKind

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TIMESLOTS)


@dataclass
class SlotBox:
    key: str
    label: str
    checked: bool


@dataclass
class FormQuestion:
    question: Question
    name: str
    error: str = ""
    chosen: list[str] = field(default_factory=list)
    text: str = ""
    number: int | None = None
    grid: list[tuple[str, list[SlotBox]]] = field(default_factory=list)

    @property
    def scores(self) -> list[tuple[int, str]]:
        """Each score, with as many stars when the scale is short enough to show them."""
        scale = self.question.scale
        return [(n, "★" * n if scale <= 5 else "") for n in range(1, scale + 1)]

    @property
    def parts(self) -> list[str]:
        return [label for _, label in slots.PARTS]


def answers_from_post(questions: Iterable[Question], post: QueryDict) -> tuple[dict[int, dict[str, Any]], dict[str, str]]:
    """What was ticked and written, in the service's shape; and a message for a score that is not one."""
    answers: dict[int, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for q in questions:
        name = f"q{q.pk}"
        answer: dict[str, Any] = {}
        if q.kind in CHOICE_KINDS:
            answer["choices"] = [v for v in post.getlist(name) if v]
        if q.kind in (QuestionKind.TEXT, QuestionKind.TALENT) or q.allow_other:
            answer["text"] = post.get(f"{name}_text", "")
        if q.kind == QuestionKind.RATING:
            raw = post.get(name, "").strip()
            if raw:
                try:
                    answer["number"] = int(raw)
                except ValueError:
                    errors[name] = f"第 {q.position} 题：请点选一个分数"
        answers[q.pk] = answer
    return answers, errors


def form_questions(
    questions: Iterable[Question], answers: Mapping[int, Mapping[str, Any]] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[FormQuestion]:
    answers, errors = answers or {}, errors or {}
    result = []
    for q in questions:
        a = answers.get(q.pk, {})
        fq = FormQuestion(question=q, name=f"q{q.pk}", error=errors.get(f"q{q.pk}", ""),
                          chosen=list(a.get("choices") or []), text=a.get("text") or "", number=a.get("number"))
        if q.kind == QuestionKind.TIMESLOTS:
            for day, day_label in slots.DAYS:
                boxes = []
                for part, _ in slots.PARTS:
                    key = f"{day}-{part}"
                    boxes.append(SlotBox(key, slots.label(key), key in fq.chosen))
                fq.grid.append((day_label, boxes))
        result.append(fq)
    return result


def shown(question: Question, answer: Answer | None) -> str:
    """An answer in words: for the thank-you summary and the export."""
    if answer is None:
        return ""
    if question.kind == QuestionKind.RATING:
        return f"{answer.number} 分" if answer.number is not None else ""
    if question.kind == QuestionKind.TIMESLOTS:
        return "、".join(slots.label(c) for c in answer.choices if slots.is_valid(c))
    parts = [str(c) for c in answer.choices or []]
    if answer.text:
        parts.append(f"其他：{answer.text}" if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
                     else answer.text)
    return "、".join(parts)


def summary(questions: Iterable[Question], answers: Iterable[Answer]) -> list[tuple[Question, str]]:
    by_question = {a.question_id: a for a in answers}
    return [(q, shown(q, by_question.get(q.pk)) or "（未填）") for q in questions]


def general_errors(questions: Iterable[Question], errors: Mapping[str, str]) -> list[str]:
    """Refusals that concern no single question (the survey closed meanwhile, the resident moved)."""
    names = {f"q{q.pk}" for q in questions}
    return [message for name, message in errors.items() if name not in names]
