"""Reads of courses, scoped by the college's visibility rule (see ``scope``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from linli.accounts.roles import Perm
from linli.college.models import Course
from linli.college.selectors import scope
from linli.core.errors import not_found
from linli.core.ids import db_id_or_404


def courses_visible(
    user: Any,
    *,
    within: str | None = None,
    status: str = "",
    term: str = "",
    club_id: int | None = None,
    q: str = "",
    permission: str = Perm.VIEW_COLLEGE,
) -> QuerySet[Course]:
    qs = scope.college_visible(Course.objects.all(), user, permission, within=within)
    if status:
        qs = qs.filter(status=status)
    if term:
        qs = qs.filter(term=term)
    if club_id:
        qs = qs.filter(club_id=club_id)
    text = " ".join((q or "").split())
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(club__name__icontains=text))
    return qs.select_related("area", "club", "teacher", "venue").order_by("area_id", "-starts_on", "title", "pk")


def course_get(user: Any, pk: Any, *, manage: bool = False) -> Course:
    pk = db_id_or_404(pk, "课程")
    permission = Perm.MANAGE_COLLEGE if manage else Perm.VIEW_COLLEGE
    course = courses_visible(user, permission=permission).select_related("order", "created_by").filter(pk=pk).first()
    if course is None:
        raise not_found("课程")
    return course


def terms_visible(user: Any, within: str | None = None) -> list[str]:
    qs = courses_visible(user, within=within).order_by("-term").values_list("term", flat=True).distinct()
    return list(qs[:50])
