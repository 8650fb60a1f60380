"""Enrollment, timetable and attendance of 邢家桥's classes in the demo, through the real services.

The classes opened by the college demo started four weeks ago. Each gets an enrollment policy and
a weekly slot that fits its venue and teacher (one class at a time per venue); its sessions are
generated from the term's first day, so there is history. The residents who asked for a class in
the survey enroll (most on their phones, some at the desk, 王桂英 through her daughter), within
the per-term maximum and without clashes. Then, in the order it happened:

- 象棋 was a lottery: applications in the window before the term, drawn a week before it started;
- 川剧 takes a second intake by lottery: its window is open now and applications are coming in;
- 绘画 filled on the first morning; its waitlist is long, and a seat freed two hours ago is
  offered to the first on the waitlist, who has not confirmed yet;
- every past session was called on a phone by the club's leader (孟吉伦 for the choir) or the
  worker: most came, a few were away, some asked for leave; one dancer missed the last two and
  was reminded. Each attendance earns the community's 参加课程一次 points through the ledger.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from linli.accounts.models import User
from linli.college.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    Session,
    SessionStatus,
)
from linli.college.services import enrollment as enroll
from linli.college.services.attendance import roll_call_submit
from linli.college.services.sessions import sessions_generate, slot_set
from linli.core.errors import LinliError
from linli.demo.places import PROXY, XINGJIAQIAO
from linli.people import selectors as people_selectors
from linli.people.models import ProxyBinding, Resident
from linli.people.services import resident_login_account
from linli.surveys.models import Answer, QuestionRole

# When each class meets: inside its teacher's and venue's windows, one class at a time per venue.
SLOTS = {  # subject: (weekday, start)
    "太极拳": (1, "09:00"), "腰鼓": (2, "09:00"), "快板": (2, "15:00"),  # 小区坝坝空地
    "象棋": (1, "15:00"), "绘画": (2, "09:00"), "手工编织": (3, "15:00"),  # 街边门市（画室）
    "舞蹈": (1, "19:00"), "走秀": (2, "19:00"), "音乐": (2, "15:00"), "合唱": (3, "09:00"),  # 原工商所办公场地
    "川剧": (4, "15:00"),
}
FULL = "绘画"  # first come: full on the first morning, a waitlist, and one offer to confirm
DRAWN = "象棋"  # lottery drawn before the term
OPEN_LOTTERY = "川剧"  # a second intake by lottery, window open now
WARNED = "舞蹈"  # one dancer missed the last two sessions and was reminded
EXTRA = {FULL: 4, DRAWN: 6}  # residents beyond those who asked in the survey
CLASS_SIZE = 8  # the other classes: the first eight who asked (the demo stays quick to build)
PRIORITIES = ["alone", "community", "no_class"]
NAMED = ("尹必芝", "尹必珍", "孟吉伦")
MAX_PER_TERM = 3  # CollegeSettings' default


@dataclass
class _Plan:
    """Who enrolls where, kept within the per-term maximum and free of clashes."""

    courses: dict[str, Course]
    taken: dict[int, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))  # weekday, from, to
    members: dict[str, list[Resident]] = field(default_factory=lambda: defaultdict(list))

    def fits(self, resident: Resident, subject: str) -> bool:
        weekday, start = SLOTS[subject]
        begin = int(start[:2]) * 60 + int(start[3:])
        end = begin + self.courses[subject].session_minutes
        mine = self.taken[resident.pk]
        if len(mine) >= MAX_PER_TERM or resident in self.members[subject]:
            return False
        return not any(d == weekday and b < end and begin < e for d, b, e in mine)

    def add(self, resident: Resident, subject: str) -> None:
        weekday, start = SLOTS[subject]
        begin = int(start[:2]) * 60 + int(start[3:])
        self.taken[resident.pk].append((weekday, begin, begin + self.courses[subject].session_minutes))
        self.members[subject].append(resident)


def _local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def enrollment_build(*, staff: dict[str, User], seed: int, today: dt.date) -> None:
    """Idempotent: does nothing when 邢家桥's classes already have enrollments."""
    worker = staff["xjq"]
    courses = {c.title: c for c in Course.objects.filter(area_id=XINGJIAQIAO, title__in=SLOTS)
               .select_related("club", "club__leader", "teacher", "venue")}
    if not courses or Enrollment.objects.filter(course__in=courses.values()).exists():
        return
    rng = random.Random(seed + 6)
    now = timezone.now()
    term_start = min(c.starts_on for c in courses.values())
    opens = _local(term_start - dt.timedelta(days=21), 9)

    # -- policies, slots, sessions ------------------------------------------------------------
    for subject, course in courses.items():
        if subject == DRAWN:
            enroll.policy_set(by=worker, course=course, mode="lottery", opens_at=opens,
                              closes_at=_local(term_start - dt.timedelta(days=7), 18), priorities=PRIORITIES)
        elif subject == OPEN_LOTTERY:
            enroll.policy_set(by=worker, course=course, mode="lottery", opens_at=now - dt.timedelta(days=3),
                              closes_at=_local(today + dt.timedelta(days=5), 18), priorities=PRIORITIES)
        else:
            enroll.policy_set(by=worker, course=course, mode="first_come", opens_at=opens,
                              closes_at=_local(today + dt.timedelta(days=14), 18), confirm_hours=48)
        weekday, start = SLOTS[subject]
        slot_set(by=worker, course=course, weekday=weekday, starts_at=dt.time.fromisoformat(start))
        if subject != OPEN_LOTTERY:  # the second intake starts next week: no history
            sessions_generate(by=worker, course=course, at=_local(course.starts_on, 0))

    # -- who goes where -----------------------------------------------------------------------
    plan = _plan(courses, rng, today)
    named = {r.name: r for r in Resident.objects.filter(area__code__startswith=XINGJIAQIAO,
                                                          name__in=NAMED)}
    elder = people_selectors.resident_by_phone(PROXY.phone)
    daughter = ProxyBinding.objects.filter(principal=elder, revoked_at__isnull=True).first() if elder else None

    def by_for(resident: Resident, i: int) -> User:
        if daughter is not None and resident.pk == daughter.principal_id:
            return daughter.agent
        if resident.phone and (i % 6 != 5 or resident.name in named):
            own = resident.user
            if own is None:  # logs in on the phone for the first time
                own = resident.user = resident_login_account(resident=resident)
            return own
        return worker  # at the desk: no phone, or came in person

    for subject, course in courses.items():
        # The first morning the window opened; the second intake's applications these last two days.
        at = now - dt.timedelta(days=2) if subject == OPEN_LOTTERY else opens + dt.timedelta(minutes=1)
        for i, resident in enumerate(plan.members[subject]):
            try:
                enroll.enrollment_create(by=by_for(resident, i), course=course, resident=resident,
                                         at=at + dt.timedelta(minutes=3 * i + rng.randint(0, 2)))
            except LinliError:  # a rule the plan did not foresee: this resident goes without
                continue

    drawn = courses.get(DRAWN)
    if drawn is not None:
        enroll.lottery_draw(by=worker, course=drawn, at=_local(term_start - dt.timedelta(days=6), 10))

    # -- past sessions, called in the order they happened ------------------------------------
    _roll_calls(courses, worker, rng, now)

    # -- a seat freed two hours ago in the full class: offered to the first on its waitlist --
    full = courses.get(FULL)
    if full is not None:
        leaving = (Enrollment.objects.filter(course=full, status=EnrollmentStatus.ENROLLED)
                   .exclude(resident__in=named.values()).order_by("-queue_no", "-pk").first())
        waiting = Enrollment.objects.filter(course=full, status=EnrollmentStatus.WAITLISTED).exists()
        if leaving is not None and waiting:
            enroll.enrollment_cancel(by=worker, enrollment=leaving, reason="本人来电：搬去女儿家住，退课",
                                     at=now - dt.timedelta(hours=2))


def _askers(subjects: set[str]) -> dict[str, list[int]]:
    """Resident ids who asked for each class in the survey, in the order they answered."""
    askers: dict[str, list[int]] = defaultdict(list)
    rows = (Answer.objects.filter(response__area_id=XINGJIAQIAO, question__role=QuestionRole.WANTED_CLASSES)
            .values_list("response__resident_id", "choices", "text").order_by("response_id"))
    for resident_id, choices, text in rows:
        wanted = [str(c) for c in choices or []] + [t.strip() for t in (text or "").replace("，", "、").split("、")]
        for subject in wanted:
            if subject in subjects and resident_id not in askers[subject]:
                askers[subject].append(resident_id)
    return askers


def _plan(courses: dict[str, Course], rng: random.Random, today: dt.date) -> _Plan:
    plan = _Plan(courses)
    people = {r.pk: r for r in Resident.objects.filter(area__code__startswith=XINGJIAQIAO, archived_at__isnull=True)
              .select_related("user")}
    askers = _askers(set(courses))
    named_ids = [r.pk for r in people.values() if r.name in NAMED]
    elder = people_selectors.resident_by_phone(PROXY.phone)
    others = [r for r in people.values() if 50 <= r.age(today) <= 85]
    rng.shuffle(others)
    for subject in courses:
        ids = [pk for pk in named_ids if pk in askers[subject]] + [pk for pk in askers[subject] if pk not in named_ids]
        room = len(ids) if subject in (FULL, DRAWN) else CLASS_SIZE
        for pk in ids:
            if len(plan.members[subject]) >= room:
                break
            if pk in people and plan.fits(people[pk], subject):
                plan.add(people[pk], subject)
        if subject == DRAWN and elder is not None and plan.fits(elder, subject):
            plan.add(elder, subject)  # her daughter applies for her: an elder living alone, drawn first
        extra = EXTRA.get(subject, 0)
        for r in others:
            if extra <= 0:
                break
            if plan.fits(r, subject):
                plan.add(r, subject)
                extra -= 1
    return plan


def _roll_calls(courses: dict[str, Course], worker: User, rng: random.Random, now: dt.datetime) -> None:
    past = list(Session.objects.filter(course__in=courses.values(), status=SessionStatus.SCHEDULED,
                                       ends_at__lt=now - dt.timedelta(hours=1))
                .select_related("course", "course__club").order_by("starts_at", "pk"))
    by_course: dict[int, list[Session]] = defaultdict(list)
    for s in past:
        by_course[s.course_id].append(s)
    warned = courses.get(WARNED)
    dancers = (list(Enrollment.objects.filter(course=warned, status=EnrollmentStatus.ENROLLED)
                    .order_by("queue_no", "pk").values_list("pk", flat=True)) if warned is not None else [])
    missing_dancer = dancers[2] if len(dancers) > 2 else None
    for session in past:
        course = session.course
        index = by_course[course.pk].index(session)
        last_two = index >= len(by_course[course.pk]) - 2
        enrolled = list(Enrollment.objects.filter(course=course, status=EnrollmentStatus.ENROLLED)
                        .order_by("pk").values_list("pk", flat=True))
        present, excused = [], []
        for pk in enrolled:
            if pk == missing_dancer:
                if not last_two:
                    present.append(pk)
                continue  # absent the last two times: reminded by the absence rule
            roll = rng.random()
            if index % 2 == 1 or roll < 0.88:
                present.append(pk)  # every other week everyone comes: nobody else is absent twice running
            elif roll < 0.95:
                continue  # absent
            else:
                excused.append(pk)  # asked the leader for leave
        leader = course.club.leader if course.club_id else None
        caller = leader.user if leader is not None and leader.user_id else worker
        roll_call_submit(by=caller, session=session, present=present, excused=excused,
                         at=session.ends_at + dt.timedelta(minutes=20))
