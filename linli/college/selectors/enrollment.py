"""Reading enrollments: seats, rosters, waitlists, a resident's places, the lottery record.

OWNER: helper H1. Signatures below are fixed (other helpers code against them).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from linli.college.models import Course, Enrollment, EnrollmentPolicy
from linli.people.models import Resident


def policy_of(course: Course) -> EnrollmentPolicy | None:
    raise NotImplementedError


def seats_taken(course: Course) -> int:
    """ENROLLED + OFFERED."""
    raise NotImplementedError


def enrollments_visible(user: Any, permission: str) -> QuerySet[Enrollment]:
    """Enrollments of courses in areas the user holds ``permission`` on (the plain visibility rule)."""
    raise NotImplementedError


def roster(course: Course, *, statuses: tuple[str, ...] | None = None) -> QuerySet[Enrollment]:
    """The course's enrollments with residents, in queue order (all statuses unless given)."""
    raise NotImplementedError


def waitlist_position(enrollment: Enrollment) -> int | None:
    """1-based place on the waitlist, or None when not waitlisted."""
    raise NotImplementedError


def enrollments_of(resident: Resident, *, active_only: bool = True) -> QuerySet[Enrollment]:
    """The resident's places, with course, club, venue and slots prefetched."""
    raise NotImplementedError
