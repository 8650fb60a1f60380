"""Reading enrollments: seats, rosters, waitlists, a resident's places, the lottery record.

OWNER: helper H1. Signatures below are fixed (other helpers code against them).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.visibility import visible
from linli.college.models import (
    ACTIVE_STATUSES,
    SEATED_STATUSES,
    Course,
    Enrollment,
    EnrollmentPolicy,
    EnrollmentStatus,
    LotteryDraw,
    Session,
    WeeklySlot,
)
from linli.college.selectors.courses import course_get
from linli.core.errors import not_found
from linli.core.ids import db_id_or_404
from linli.people.models import Resident


def policy_of(course: Course) -> EnrollmentPolicy | None:
    return EnrollmentPolicy.objects.filter(course_id=course.pk).select_related("required_tag").first()


def seats_taken(course: Course) -> int:
    """ENROLLED + OFFERED."""
    return Enrollment.objects.filter(course_id=course.pk, status__in=SEATED_STATUSES).count()


def waitlist_length(course: Course) -> int:
    return Enrollment.objects.filter(course_id=course.pk, status=EnrollmentStatus.WAITLISTED).count()


def enrollments_visible(user: Any, permission: str) -> QuerySet[Enrollment]:
    """Enrollments of courses in areas the user holds ``permission`` on (the plain visibility rule)."""
    return visible(Enrollment.objects.all(), user, permission, field="course__area__code")


def roster(course: Course, *, statuses: tuple[str, ...] | None = None) -> QuerySet[Enrollment]:
    """The course's enrollments with residents, in queue order (all statuses unless given)."""
    qs = Enrollment.objects.filter(course_id=course.pk).select_related("resident", "by")
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("queue_no", "pk")


def waitlist_position(enrollment: Enrollment) -> int | None:
    """1-based place on the waitlist, or None when not waitlisted."""
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return None
    ahead = Enrollment.objects.filter(
        Q(queue_no__lt=enrollment.queue_no) | Q(queue_no=enrollment.queue_no, pk__lt=enrollment.pk),
        course_id=enrollment.course_id, status=EnrollmentStatus.WAITLISTED,
    ).count()
    return ahead + 1


def enrollments_of(resident: Resident, *, active_only: bool = True) -> QuerySet[Enrollment]:
    """The resident's places, with course, club, venue and slots prefetched."""
    qs = Enrollment.objects.filter(resident_id=resident.pk)
    if active_only:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    return (qs.select_related("course", "course__club", "course__venue", "course__teacher")
            .prefetch_related(Prefetch("course__slots", queryset=WeeklySlot.objects.select_related("venue")))
            .order_by("-created_at", "-pk"))


def lottery_record(draw: LotteryDraw) -> dict[str, Any]:
    """The published record of a draw: enough for ``linli college lottery-verify`` (or anyone) to re-run it."""
    course = draw.course
    policy = EnrollmentPolicy.objects.filter(course_id=course.pk).only("seed_hash").first()
    return {
        "course": {"id": course.pk, "title": course.title},
        "drawn_at": timezone.localtime(draw.drawn_at).isoformat(),
        "rule": "order = sort applicants by (group, sha256(f\"{seed}:{no}\").hexdigest(), no); first `seats` win",
        "seed": draw.seed,
        "seed_hash": policy.seed_hash if policy is not None else "",
        "seats": draw.seats,
        "priorities": list(draw.priorities),
        "applicants": [{"no": a["no"], "group": a["group"]} for a in draw.applicants],
        "order": list(draw.order),
    }


def roster_course_get(user: Any, pk: Any) -> Course:
    """A course whose enrollments ``user`` may see: visible to them, and on the plain rule (a
    grid worker sees the community's courses, not who enrolled); 404 otherwise."""
    course = course_get(user, pk)
    if not has_permission(user, Perm.VIEW_COLLEGE, course.area_id):
        raise not_found("课程")
    return course


def session_get(user: Any, pk: Any) -> Session:
    """A session of a course whose enrollments ``user`` may see; 404 otherwise."""
    session = (Session.objects.select_related("course__area", "course__club", "course__teacher", "venue")
               .filter(pk=db_id_or_404(pk, "课次")).first())
    if session is None:
        raise not_found("课次")
    roster_course_get(user, session.course_id)
    return session
