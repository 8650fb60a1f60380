"""The community college of the demo, built through the real services.

邢家桥: venues and teachers are registered, the interest survey is published, residents' paper
answers are typed in (the orders appear from them, through the survey hook), and each order that
reached the threshold is opened as a class with its teacher and venue. 金竹苑: five alliances,
thirty-four clubs with leaders and members, the task force, venues and a teacher.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from linli.accounts.models import User
from linli.college.models import (
    Alliance,
    ClassOrder,
    Club,
    OrderStatus,
    Teacher,
    Venue,
)
from linli.college.services import clubs as club_services
from linli.college.services import orders as order_services
from linli.college.services import teachers as teacher_services
from linli.college.services import venues as venue_services
from linli.demo import college_data as data
from linli.demo.places import JINZHUYUAN, RENHE, XINGJIAQIAO
from linli.demo.population import Family
from linli.people import selectors as people_selectors
from linli.people.models import Resident
from linli.surveys import services as survey_services
from linli.surveys.models import Channel, QuestionRole, Survey

_PART_TIMES = {"am": ("08:30", "11:30"), "pm": ("14:30", "17:30"), "eve": ("19:00", "21:00")}


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def college_build(*, staff: dict[str, User], seed: int, today: dt.date, cast: dict[str, str]) -> None:
    xjq_worker, jzy_worker = staff["xjq"], staff["jzy"]
    _task_force(by=xjq_worker, area_code=XINGJIAQIAO)
    _task_force(by=jzy_worker, area_code=JINZHUYUAN)
    venues = _venues(by=xjq_worker, area_code=XINGJIAQIAO, specs=data.XJQ_VENUES)
    _venues(by=jzy_worker, area_code=JINZHUYUAN, specs=data.JZY_VENUES)
    named = _named_residents(cast)
    teachers = _teachers(staff=staff, area_code=XINGJIAQIAO, specs=data.XJQ_TEACHERS)
    _teachers(staff=staff, area_code=JINZHUYUAN, specs=data.JZY_TEACHERS)
    _xjq_survey_and_classes(by=xjq_worker, venues=venues, teachers=teachers, named=named, seed=seed, today=today)
    _jzy_clubs(by=jzy_worker, seed=seed)


def _task_force(*, by: User, area_code: str) -> None:
    for role, name, title in data.TASK_FORCE[area_code]:
        club_services.task_force_member_add(by=by, area_code=area_code, role=role, name=name, title=title)


def _venues(*, by: User, area_code: str, specs: tuple[data.VenueSpec, ...]) -> dict[str, Venue]:
    return {
        v.key: venue_services.venue_create(
            by=by, area_code=area_code, name=v.name, address=v.address, capacity=v.capacity,
            floor_area=Decimal(v.floor_area), features=list(v.features), owner_kind=v.owner_kind,
            owner_name=v.owner_name, shared=v.shared,
            windows=[(d, _time(a), _time(b)) for d, a, b in v.windows],
        )
        for v in specs
    }


def cast_named(families: list[Family]) -> dict[str, str]:
    """Give the seeds' people to planned residents of the right sex, aged 65–85: name → ID number.

    Only names change, so ID numbers, households and counts stay as planned."""
    cast: dict[str, str] = {}
    people_of_age = [p for f in families for p in f.members if 65 <= p.age <= 85 and "elder_alone" not in p.tags]
    for name, sex, _ in data.XJQ_NAMED:
        person = next((p for p in people_of_age if p.sex == sex and p.id_number not in cast.values()), None)
        if person is not None:
            person.name = name
            cast[name] = person.id_number
    return cast


def _named_residents(cast: dict[str, str]) -> dict[str, Resident]:
    found = {name: people_selectors.resident_by_id_number(number) for name, number in cast.items()}
    return {name: r for name, r in found.items() if r is not None}


def _windows_for(subjects: tuple[str, ...]) -> list[tuple[int, dt.time, dt.time]]:
    """A teacher is free when the classes they teach are wanted: a window per wanted slot."""
    slots = sorted({s for c in data.XJQ_CLASSES if c.subject in subjects for s in c.slots})
    windows = []
    for slot in slots:
        day, part = slot.split("-")
        start, end = _PART_TIMES[part]
        windows.append((int(day), _time(start), _time(end)))
    return windows or [(d, _time("09:00"), _time("17:00")) for d in range(1, 6)]


def _teachers(*, staff: dict[str, User], area_code: str, specs: tuple[data.TeacherSpec, ...]) -> dict[str, Teacher]:
    """Experts registered with the street; local talents with the community."""
    result = {}
    for t in specs:
        by, area = (staff["renhe"], RENHE) if t.on_street else (staff["xjq" if area_code == XINGJIAQIAO else "jzy"],
                                                                 area_code)
        result[t.name] = teacher_services.teacher_create(
            by=by, area_code=area, name=t.name, kind=t.kind, skills=list(t.skills), phone=t.phone, bio=t.bio,
            windows=_windows_for(t.skills),
        )
    return result


_TEXTS = ("希望老师耐心一点，慢慢教", "希望周末也有课", "希望能参加社区展演", "场地离家近一点就好", "希望多开些课")


def _answers(survey: Survey, wanted: list[str], slots: list[str], talent: str, rng: random.Random) -> dict[int, dict]:
    """Fills the template's questions: the two that count for orders as planned, the rest as
    people answer — mostly favourable, not all alike."""
    answers: dict[int, dict] = {}
    for q in survey.questions.all():
        if q.role == QuestionRole.WANTED_CLASSES:
            answers[q.pk] = {"choices": [w for w in wanted if w in q.options],
                             "text": "、".join(w for w in wanted if w not in q.options)}
        elif q.role == QuestionRole.PREFERRED_SLOTS:
            answers[q.pk] = {"choices": slots}
        elif q.kind == "talent" and talent:
            answers[q.pk] = {"text": talent}
        elif q.kind == "single":
            weights = [len(q.options) - i for i in range(len(q.options))]  # earlier options more often
            answers[q.pk] = {"choices": rng.choices(q.options, weights=weights)}
        elif q.kind == "multiple":
            most = min(q.max_choices or 2, 2, len(q.options))
            answers[q.pk] = {"choices": rng.sample(q.options, rng.randint(1, most))}
        elif q.kind == "rating":
            answers[q.pk] = {"number": max(1, q.scale - rng.choice((0, 0, 0, 1, 1, 2)))}
        elif q.required:
            answers[q.pk] = {"text": rng.choice(_TEXTS)}
    return answers


def _xjq_survey_and_classes(*, by: User, venues: dict[str, Venue], teachers: dict[str, Teacher],
                            named: dict[str, Resident], seed: int, today: dt.date) -> None:
    survey = survey_services.survey_create_from_template(
        by=by, template_key="college_interest", area_code=XINGJIAQIAO, opens_on=today - dt.timedelta(days=60),
        closes_on=today + dt.timedelta(days=30), title="邢家桥社区“社区学院”兴趣调查",
    )
    survey_services.survey_publish(by=by, survey=survey)
    rng = random.Random(seed)
    # Adults of the community, oldest first as in the seeds' classes; the named students first of all.
    pool = [r for r in Resident.objects.filter(area__code__startswith=XINGJIAQIAO).order_by("birth_date", "pk")
            if r.age(today) >= 40 and r.name not in named]
    plan: dict[int, tuple[list[str], list[str]]] = {}
    for name, _, asked in data.XJQ_NAMED:
        if name not in named:
            continue
        cls = [c for c in data.XJQ_CLASSES if c.subject in asked]
        plan[named[name].pk] = (list(asked), sorted({s for c in cls for s in c.slots}))
    wishes = [(c.subject, c.demand, c.slots) for c in data.XJQ_CLASSES] + list(data.XJQ_WISHES_BELOW)
    by_pk = {r.pk: r for r in pool} | {r.pk: r for r in named.values()}
    for subject, demand, slots in wishes:
        need = max(demand - sum(1 for w, _ in plan.values() if subject in w), 0)
        candidates = [r for r in pool if subject not in plan.get(r.pk, ([], []))[0]]
        older = candidates[: max(need, len(candidates) * 2 // 3)]  # the classes lean old, as in the seeds
        for r in rng.sample(older, min(need, len(older))):
            subjects, chosen = plan.setdefault(r.pk, ([], []))
            subjects.append(subject)
            chosen.extend(s for s in rng.sample(list(slots), min(2, len(slots))) if s not in chosen)
    # Two residents offer to teach: they become invitations in the teacher pool.
    talents = dict(zip(sorted(pk for pk in plan if pk not in {r.pk for r in named.values()})[:2],
                       data.XJQ_TALENTS, strict=False))
    for pk, (subjects, chosen) in sorted(plan.items()):
        answers = _answers(survey, subjects, chosen, talents.get(pk, ""), rng)
        survey_services.response_submit(by=by, survey=survey, resident=by_pk[pk], answers=answers,
                                        channel=Channel.PAPER)
    _open_classes(by=by, survey=survey, venues=venues, teachers=teachers, named=named, today=today)


def _open_classes(*, by: User, survey: Survey, venues: dict[str, Venue], teachers: dict[str, Teacher],
                  named: dict[str, Resident], today: dt.date) -> None:
    orders = {o.subject: o for o in ClassOrder.objects.filter(survey=survey, area_id=XINGJIAQIAO)}
    term = f"{today.year}年{'春季' if today.month < 7 else '秋季'}"
    for spec in data.XJQ_CLASSES:
        order = orders.get(spec.subject)
        if order is None or order.status != OrderStatus.REACHED:
            continue  # a small demo (--size) may not gather enough residents for every class
        course = order_services.order_open(
            by=by, order=order, teacher=teachers[spec.teacher], venue=venues[spec.venue], term=term,
            capacity=spec.capacity, starts_on=today - dt.timedelta(days=28), ends_on=today + dt.timedelta(days=84),
            sessions_per_week=1, session_minutes=90,
        )
        leader = named.get(spec.leader)
        if leader is not None:
            club_services.club_update(by=by, club=course.club, alliance=course.club.alliance, name=course.club.name,
                                      leader=leader)


def _jzy_clubs(*, by: User, seed: int) -> None:
    rng = random.Random(seed + 1)
    alliances = {a.name: a for a in club_services.alliances_ensure_defaults(by=by, area_code=JINZHUYUAN)}
    adults = list(Resident.objects.filter(area__code__startswith=JINZHUYUAN, birth_date__lte=dt.date(2008, 1, 1))
                  .order_by("pk"))
    if not adults:
        return
    for alliance_name, names in data.JZY_CLUBS.items():
        alliance: Alliance = alliances[alliance_name]
        members_all: list[Resident] = []
        for name in names:
            members = rng.sample(adults, min(len(adults), rng.randint(6, 18)))
            club: Club = club_services.club_create(by=by, area_code=JINZHUYUAN, alliance=alliance, name=name,
                                                   leader=members[0])
            for m in members:
                club_services.club_member_add(by=by, club=club, resident=m)
            members_all += members
        club_services.alliance_update(by=by, alliance=alliance, name=alliance.name, head=members_all[0])

