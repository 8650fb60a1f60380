"""The college's figures for the dashboard, through the same visibility as its pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from linli.accounts.roles import Perm
from linli.college.models import ClassOrder, Club, Course, CourseStatus, OrderStatus
from linli.college.selectors.scope import college_visible


def count_orders_waiting(user: Any, within: str | None) -> int:
    """Orders with enough residents that still wait for a teacher, a venue or a decision."""
    qs = ClassOrder.objects.filter(status=OrderStatus.REACHED)
    return college_visible(qs, user, Perm.VIEW_COLLEGE, within=within).count()


def count_courses_running(user: Any, within: str | None) -> int:
    qs = Course.objects.filter(status__in=[CourseStatus.PLANNED, CourseStatus.OPEN])
    return college_visible(qs, user, Perm.VIEW_COLLEGE, within=within).count()


def count_clubs(user: Any, within: str | None) -> int:
    qs = Club.objects.filter(archived_at__isnull=True)
    return college_visible(qs, user, Perm.VIEW_COLLEGE, within=within).count()


def demand_by_subject(user: Any, within: str | None, top: int = 12) -> list[tuple[str, int]]:
    """想学人数 per class across the visible communities, the most wanted first."""
    qs = college_visible(ClassOrder.objects.all(), user, Perm.VIEW_COLLEGE, within=within)
    rows = qs.values("subject").annotate(total=Sum("demand")).order_by("-total", "subject")[:top]
    return [(r["subject"], r["total"]) for r in rows]
