"""Enrollment (报名): first come with a waitlist, or applications closed by a seeded lottery.

OWNER: helper H1. Signatures below are fixed (other helpers code against them).

Seats are the ENROLLED and OFFERED enrollments of a course. Every write that can take or free a
seat locks the course's EnrollmentPolicy row first (select_for_update), so seats never exceed the
capacity under concurrency; on SQLite the IMMEDIATE transaction serialises writers anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from linli.college.models import Course, Enrollment, EnrollmentPolicy, LotteryDraw
from linli.people.models import Resident


def policy_set(*, by: Any, course: Course, mode: str, opens_at: dt.datetime, closes_at: dt.datetime,
               cancel_until: dt.datetime | None = None, confirm_hours: int = 24, min_age: int | None = None,
               max_age: int | None = None, only_community: bool = False, required_tag: Any = None,
               priorities: Iterable[str] = ()) -> EnrollmentPolicy:
    """Create or change a course's enrollment settings (MANAGE_COLLEGE on the course's area)."""
    raise NotImplementedError


def enrollment_create(*, by: Any, course: Course, resident: Resident, at: dt.datetime | None = None) -> Enrollment:
    """Enroll ``resident`` (first come: ENROLLED while seats last, else WAITLISTED; lottery: APPLIED).

    ``by`` is the resident's own user, a proxy holding the 报名 scope (channel PROXY), or staff with
    MANAGE_COLLEGE on the course's area (channel DESK). Refused with a clear message (and nothing
    written) when: already enrolled, outside the window, age/group/community limits, the per-term
    maximum reached, a clash with the resident's other courses' weekly slots, course not open."""
    raise NotImplementedError


def enrollment_cancel(*, by: Any, enrollment: Enrollment, reason: str = "",
                      at: dt.datetime | None = None) -> Enrollment:
    """Cancel (退课 / 放弃候补 / 撤回申请). Residents and proxies until the cancellation deadline, staff
    any time. A freed seat is offered to the waitlist at once (``waitlist_promote``)."""
    raise NotImplementedError


def offer_confirm(*, by: Any, enrollment: Enrollment, at: dt.datetime | None = None) -> Enrollment:
    """The promoted resident confirms in time: OFFERED → ENROLLED."""
    raise NotImplementedError


def offer_decline(*, by: Any, enrollment: Enrollment, at: dt.datetime | None = None) -> Enrollment:
    """The promoted resident gives the seat up: it goes to the next on the waitlist."""
    raise NotImplementedError


def waitlist_promote(*, course: Course, at: dt.datetime | None = None) -> list[Enrollment]:
    """Offer every free seat to the waitlist in order (caller holds the policy lock), notifying each
    promoted resident by SMS and in-page message with the time to confirm."""
    raise NotImplementedError


def offers_expire(*, at: dt.datetime | None = None) -> int:
    """Offers not confirmed in time become EXPIRED and their seats go on down the waitlist."""
    raise NotImplementedError


def enrollment_release(*, by: Any, enrollment: Enrollment, reason: str, at: dt.datetime | None = None) -> Enrollment:
    """Release an enrolled resident's seat (the repeated-absence rule, or a worker); it goes to the waitlist."""
    raise NotImplementedError


def lottery_draw(*, by: Any, course: Course, at: dt.datetime | None = None) -> LotteryDraw:
    """After the application window: draw with the policy's seed and priority groups, seat the first
    ``capacity``, waitlist the rest in drawn order, record everything, notify everyone."""
    raise NotImplementedError
