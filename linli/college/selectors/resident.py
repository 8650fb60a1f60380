"""What a resident sees of the college on their phone: their community's classes, and how the
classes they asked for are coming along ("还差 3 人开班")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from linli.college import demand
from linli.college.models import ClassOrder, Course, CourseStatus, OrderStatus
from linli.college.selectors.orders import thresholds
from linli.surveys.models import Answer, QuestionRole, SurveyPurpose


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
    """The classes the resident asked for in interest surveys, with their order's progress.

    A class asked for in several surveys is shown once, with the order of the latest of them, in
    the community the resident answered from (the order their answer counted in)."""
    wanted = (
        Answer.objects.filter(response__resident=resident, question__role=QuestionRole.WANTED_CLASSES,
                              response__survey__purpose=SurveyPurpose.COLLEGE_INTEREST)
        .values_list("response__survey_id", "response__area_id", "choices", "text")
        .order_by("response__survey__opens_on", "response__survey_id")
    )
    latest: dict[str, tuple[int, str]] = {}  # subject -> (survey, community) it was last asked for in
    for survey_id, area_id, choices, text in wanted:
        for subject in [str(c) for c in choices or []] + demand.split_names(text):
            latest[subject] = (survey_id, area_id)
    if not latest:
        return []
    orders = ClassOrder.objects.filter(
        survey_id__in={s for s, _ in latest.values()}, area_id__in={a for _, a in latest.values()},
        subject__in=list(latest),
    )
    found = [o for o in orders if latest.get(o.subject) == (o.survey_id, o.area_id)]
    limits = thresholds({o.area_id for o in found})
    wishes = [WishProgress(o.subject, o.demand, limits[o.area_id], o.status) for o in found]
    return sorted(wishes, key=lambda w: (-w.demand, w.subject))
