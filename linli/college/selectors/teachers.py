"""Reads of the teacher pool, scoped by the college's visibility rule (see ``scope``)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from linli.accounts.roles import Perm
from linli.college.models import Course, Teacher, TeacherStatus, TeacherWindow
from linli.college.selectors import scope
from linli.core.errors import not_found
from linli.core.ids import db_id_or_404


def teachers_usable(community_code: str) -> QuerySet[Teacher]:
    """Not user-scoped: the active teachers of the community and of its street (who teach in several)."""
    return (
        Teacher.objects.filter(status=TeacherStatus.ACTIVE,
                               area_id__in=[community_code, scope.street_of(community_code)])
        .select_related("area")
        .prefetch_related(Prefetch("windows", queryset=TeacherWindow.objects.order_by("weekday", "starts")))
        .order_by("area_id", "name", "pk")
    )


def skill_q(text: str) -> Q:
    """Teachers with a skill containing ``text``. Skills are a JSON list, whose stored text holds
    Chinese as is (PostgreSQL) or as \\u escapes (SQLite): both spellings are looked for."""
    escaped = json.dumps(text)[1:-1]
    q = Q(skills__icontains=text)
    return q | Q(skills__icontains=escaped) if escaped != text else q


def _visible_courses_q(user: Any, prefix: str = "") -> Q:
    codes = scope.college_codes(user, Perm.VIEW_COLLEGE)
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(**{f"{prefix}area__code__startswith": code})
    return q


def _scoped(user: Any, permission: str, within: str | None) -> QuerySet[Teacher]:
    qs = Teacher.objects.all()
    if permission == Perm.VIEW_COLLEGE:
        return scope.teachers_scope(qs, user, permission, within=within)
    return scope.college_visible(qs, user, permission, within=within)


def teachers_visible(
    user: Any,
    *,
    within: str | None = None,
    kind: str = "",
    status: str = "",
    q: str = "",
    permission: str = Perm.VIEW_COLLEGE,
) -> QuerySet[Teacher]:
    """The pool a user sees: their areas' teachers, and their street's they may call on. ``q``
    finds a name or a skill; ``course_count`` counts only the courses the user sees."""
    qs = _scoped(user, permission, within)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    text = " ".join((q or "").split())
    if text:
        qs = qs.filter(Q(name__icontains=text) | skill_q(text))
    return (
        qs.select_related("area")
        .prefetch_related(Prefetch("windows", queryset=TeacherWindow.objects.order_by("weekday", "starts")))
        .annotate(course_count=Count("courses", filter=_visible_courses_q(user, "courses__"), distinct=True))
        .order_by("area_id", "status", "name", "pk")
    )


def teacher_get(user: Any, pk: Any, *, manage: bool = False) -> Teacher:
    """The teacher if the user may see (``manage``: change) them; otherwise 'not found'."""
    pk = db_id_or_404(pk, "老师")
    teacher = teachers_visible(user, permission=Perm.MANAGE_COLLEGE if manage else Perm.VIEW_COLLEGE).filter(
        pk=pk).select_related("resident__area", "source_answer__response__survey").first()
    if teacher is None:
        raise not_found("老师")
    return teacher


def teacher_courses(user: Any, teacher: Teacher) -> QuerySet[Course]:
    """The courses the teacher teaches that the user sees."""
    return (
        Course.objects.filter(teacher=teacher).filter(_visible_courses_q(user))
        .select_related("club", "venue", "area").order_by("-starts_on", "pk")
    )


def teacher_window(teacher: Teacher, window_id: int) -> TeacherWindow | None:
    return teacher.windows.filter(pk=window_id).first()


def invitations_count(user: Any, within: str | None = None) -> int:
    return teachers_visible(user, within=within, status=TeacherStatus.INVITED).order_by().count()
