"""What a resident sees of the college on their phone: their community's classes, and how the
classes they asked for are coming along ("还差 3 人开班")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from linli.college import demand
from linli.college.models import ClassOrder, Course, CourseStatus, OrderStatus
from linli.college.selectors.orders import thresholds
from linli.surveys.models import Answer, QuestionRole


def courses_for(resident: Any) -> QuerySet[Course]:
    """Courses of the resident's community that are being prepared or running."""
    return (
        Course.objects.filter(area_id=resident.community.code, status__in=[CourseStatus.PLANNED, CourseStatus.OPEN])
        .select_related("club", "teacher", "venue")
        .prefetch_related("venue__windows")
        .order_by("status", "starts_on", "title")
    )


@dataclass(frozen=True)
class WishProgress:
    subject: str
    demand: int
    threshold: int
    status: str

    @property
    def text(self) -> str:
        if self.status == OrderStatus.OPENED:
            return "已开班"
        if self.status == OrderStatus.DISMISSED:
            return "社区暂不开设"
        if self.demand >= self.threshold:
            return f"已有 {self.demand} 人想学，正在找老师和场地"
        return f"已有 {self.demand} 人想学，还差 {self.threshold - self.demand} 人开班"


def wishes_of(resident: Any) -> list[WishProgress]:
    """The classes the resident asked for in interest surveys, with their order's progress."""
    wanted = Answer.objects.filter(response__resident=resident, question__role=QuestionRole.WANTED_CLASSES)
    subjects: set[str] = set()
    survey_ids: set[int] = set()
    for survey_id, choices, text in wanted.values_list("response__survey_id", "choices", "text"):
        survey_ids.add(survey_id)
        subjects |= {str(c) for c in choices or []} | set(demand.split_names(text))
    community = resident.community.code
    orders = ClassOrder.objects.filter(area_id=community, survey_id__in=survey_ids, subject__in=subjects)
    threshold = thresholds({community})[community]
    return [WishProgress(o.subject, o.demand, threshold, o.status) for o in orders.order_by("-demand", "subject")]
