"""The public record of a course's lottery (摇号公示), under /m/college/lottery/<course>/.

No login and no names: anyone (a resident, a neighbour, a journalist) sees the committed seed
digest while applications are open and, after the draw, the seed, every application number with
its priority group, the drawn order, and the record as JSON to re-run it (``linli.college.lottery``).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from linli.college import lottery
from linli.college.models import (
    Course,
    EnrollmentPolicy,
    EnrollmentStatus,
    EnrollMode,
    LotteryDraw,
    PriorityGroup,
)
from linli.college.selectors.enrollment import lottery_record
from linli.core.errors import not_found


def _lottery_course(course_id: int) -> tuple[Course, EnrollmentPolicy, LotteryDraw | None]:
    course = Course.objects.select_related("area").filter(pk=course_id).first()
    policy = EnrollmentPolicy.objects.filter(course_id=course_id).first() if course else None
    if course is None or policy is None or policy.mode != EnrollMode.LOTTERY:
        raise not_found("摇号记录")
    return course, policy, LotteryDraw.objects.filter(course_id=course_id).first()


def lottery_public(request: HttpRequest, course_id: int) -> HttpResponse:
    course, policy, draw = _lottery_course(course_id)
    priorities = list(draw.priorities if draw else policy.priorities)
    labels = [str(PriorityGroup(p).label) for p in priorities if p in PriorityGroup.values]
    rows = []
    if draw is not None:
        group = {a["no"]: a["group"] for a in draw.applicants}
        for place, no in enumerate(draw.order, start=1):
            g = group.get(no)
            rows.append({"place": place, "no": no,
                         "group": labels[g] if isinstance(g, int) and 0 <= g < len(labels) else "其他居民",
                         "won": place <= draw.seats})
    context = {
        "course": course, "policy": policy, "draw": draw, "rows": rows, "priorities": labels,
        "applicants": len(draw.applicants) if draw else
        course.enrollments.filter(status=EnrollmentStatus.APPLIED).count(),
        "seed_ok": bool(draw and lottery.seed_hash(draw.seed) == policy.seed_hash),
        "window_open": timezone.now() < policy.closes_at,
    }
    return render(request, "college/lottery_public.html", context)


def lottery_public_json(request: HttpRequest, course_id: int) -> HttpResponse:
    course, _, draw = _lottery_course(course_id)
    if draw is None:
        raise not_found("摇号记录")
    body = json.dumps(lottery_record(draw), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lottery-{course.pk}.json"'
    return response


# Mounted with one line in ``urls_resident.py`` (``lottery/``), inside the resident_college namespace.
urlpatterns = [
    path("<int:course_id>/", lottery_public, name="lottery_public"),
    path("<int:course_id>.json", lottery_public_json, name="lottery_public_json"),
]
