"""Instances from a seed, for tests and benchmarks (pure; same seed, same instance).

- ``itc_instance``: ITC-2007 Track 3 shaped instances (curricula, shared teachers, unavailability).
- ``community_problem``: community-shaped problems (clubs with shared members, a few venues with
  features and opening hours, volunteer teachers with narrow availability, survey preferences,
  last term's timetable), as the JSON dict of ``docs/timetable-format.md``.
"""

from __future__ import annotations

import random
from typing import Any

from linli.college.timetable.itc import Course, Curriculum, Instance, Room


def itc_instance(
    seed: int = 0,
    *,
    courses: int = 20,
    rooms: int = 4,
    days: int = 5,
    periods_per_day: int = 4,
    load: float = 0.6,
    curricula: int | None = None,
) -> Instance:
    """Roughly ``load`` of the room-periods are taken by lectures; every curriculum fits the week."""
    rng = random.Random(seed)
    periods = days * periods_per_day
    budget = max(courses, int(load * rooms * periods))
    lectures = [1] * courses
    for _ in range(budget - courses):
        i = rng.randrange(courses)
        if lectures[i] < min(periods // 2, 7):
            lectures[i] += 1
    capacities = sorted(rng.randrange(20, 250, 10) for _ in range(rooms))
    teachers = [f"t{rng.randrange(max(1, courses * 3 // 4)):03d}" for _ in range(courses)]
    course_list = [
        Course(
            id=f"c{i:03d}",
            teacher=teachers[i],
            lectures=lectures[i],
            min_days=rng.randint(1, min(days, lectures[i])),
            # mostly fits some room, as in the competition's instances; a few courses are too big
            students=max(1, int(rng.choice(capacities) * rng.uniform(0.5, 1.05))),
        )
        for i in range(courses)
    ]
    n_curricula = curricula if curricula is not None else max(1, courses // 3)
    curriculum_list = []
    for q in range(n_curricula):
        members: list[int] = []
        for i in rng.sample(range(courses), k=min(courses, rng.randint(2, 6))):
            if sum(lectures[j] for j in members) + lectures[i] <= periods * 0.6:
                members.append(i)
        curriculum_list.append(Curriculum(f"q{q:02d}", tuple(f"c{i:03d}" for i in sorted(members))))
    unavailable = set()
    for i, c in enumerate(course_list):
        free = periods - lectures[i]
        for _ in range(rng.randint(0, max(0, min(free // 3, 6)))):
            p = rng.randrange(periods)
            unavailable.add((c.id, p // periods_per_day, p % periods_per_day))
    return Instance(
        name=f"generated-{seed}",
        days=days,
        periods_per_day=periods_per_day,
        courses=course_list,
        rooms=[Room(f"r{r:02d}", capacities[r]) for r in range(rooms)],
        curricula=curriculum_list,
        unavailable=unavailable,
    )


def format_ctt(inst: Instance) -> str:
    """The instance in the competition's ``.ctt`` format (so generated instances go through the CLI)."""
    lines = [
        f"Name: {inst.name}",
        f"Courses: {len(inst.courses)}",
        f"Rooms: {len(inst.rooms)}",
        f"Days: {inst.days}",
        f"Periods_per_day: {inst.periods_per_day}",
        f"Curricula: {len(inst.curricula)}",
        f"Constraints: {len(inst.unavailable)}",
        "",
        "COURSES:",
        *(f"{c.id} {c.teacher} {c.lectures} {c.min_days} {c.students}" for c in inst.courses),
        "",
        "ROOMS:",
        *(f"{r.id} {r.capacity}" for r in inst.rooms),
        "",
        "CURRICULA:",
        *(f"{q.id} {len(q.courses)} {' '.join(q.courses)}".rstrip() for q in inst.curricula),
        "",
        "UNAVAILABILITY_CONSTRAINTS:",
        *(f"{c} {d} {p}" for c, d, p in sorted(inst.unavailable)),
        "",
        "END.",
        "",
    ]
    return "\n".join(lines)


_FEATURES = ("安静", "露天", "桌椅", "镜子", "音响", "水池")
_DAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_SLOT_TIMES = (
    ("08:30", "09:30"),
    ("09:40", "10:40"),
    ("10:50", "11:50"),
    ("14:30", "15:30"),
    ("15:40", "16:40"),
    ("19:00", "20:00"),
    ("20:10", "21:10"),
    ("21:20", "22:20"),
)


def community_problem(
    seed: int = 0,
    *,
    clubs: int = 34,
    sessions: int = 60,
    venues: int = 6,
    days: int = 7,
    slots: int = 6,
    teachers: int | None = None,
    previous: bool = True,
) -> dict[str, Any]:
    """A community-shaped problem: one course per club, ``sessions`` sessions a week in all."""
    rng = random.Random(seed)
    days, slots = min(days, len(_DAYS)), min(slots, len(_SLOT_TIMES))
    all_cells = [(d, s) for d in range(days) for s in range(slots)]

    def availability(share: float) -> list[dict[str, Any]]:
        chosen = [cell for cell in all_cells if rng.random() < share]
        by_day: dict[int, list[int]] = {}
        for d, s in chosen:
            by_day.setdefault(d, []).append(s)
        return [{"day": d, "slots": ss} for d, ss in sorted(by_day.items())]

    venue_list: list[dict[str, Any]] = []
    for v in range(venues):
        features = sorted(rng.sample(_FEATURES, k=rng.randint(1, 3)))
        if v == 0:
            features = sorted({*features, "桌椅", "音响"})
        venue_list.append(
            {
                "id": f"V{v + 1}",
                "name": f"场地{v + 1}",
                "capacity": rng.choice([15, 20, 30, 40, 60]) if v else 60,
                "features": features,
                "available": None if v == 0 else availability(rng.uniform(0.6, 0.95)),
            }
        )
    n_teachers = teachers if teachers is not None else max(1, clubs * 2 // 3)
    teacher_list = [
        {"id": f"T{t + 1}", "name": f"教员{t + 1}", "available": availability(rng.uniform(0.25, 0.6))}
        for t in range(n_teachers)
    ]
    club_list = [{"id": f"K{k + 1}", "name": f"社团{k + 1}"} for k in range(clubs)]
    per_course = [1] * clubs
    while sum(per_course) < min(sessions, 3 * clubs):
        k = rng.randrange(clubs)
        if per_course[k] < 3:
            per_course[k] += 1
    courses = []
    for k in range(clubs):
        venue = rng.choice(venue_list)
        need = sorted(rng.sample(venue["features"], k=rng.randint(0, min(1, len(venue["features"])))))
        course: dict[str, Any] = {
            "id": f"C{k + 1}",
            "name": f"课程{k + 1}",
            "club": f"K{k + 1}",
            "teacher": f"T{rng.randrange(n_teachers) + 1}",
            "sessions_per_week": per_course[k],
            "duration": 2 if rng.random() < 0.2 else 1,
            "features": need,
            "capacity": max(5, int(venue["capacity"] * rng.uniform(0.3, 0.9))),
            "preferred": [
                {"day": d, "slot": s, "count": rng.randint(1, 8)}
                for d, s in rng.sample(all_cells, k=rng.randint(1, 4))
            ],
        }
        if previous and rng.random() < 0.7:
            course["previous"] = [
                {"day": d, "slot": s, "venue": venue["id"]} for d, s in rng.sample(all_cells, k=per_course[k])
            ]
        courses.append(course)
    shared = []
    for _ in range(clubs * 2):
        a, b = rng.sample(range(clubs), k=2)
        shared.append({"clubs": [f"K{a + 1}", f"K{b + 1}"], "count": rng.randint(1, 6)})
    return {
        "version": 1,
        "name": f"生成的社区问题 {seed}",
        "days": list(_DAYS[:days]),
        "slots": [{"start": a, "end": b} for a, b in _SLOT_TIMES[:slots]],
        "venues": venue_list,
        "teachers": teacher_list,
        "clubs": club_list,
        "shared_members": shared,
        "courses": courses,
        "weights": {"preference": 1, "club_overlap": 1, "venue_change": 2, "spread": 1, "stability": 3},
    }


_STREET_VENUES = (
    # (name, capacity, features, open share): a street's own halls, shared by its communities
    ("街道文化中心大厅", 120, ["桌椅", "音响"], 1.0),
    ("街道文体广场", 200, ["露天", "音响"], 0.8),
    ("街道活动室", 40, ["安静", "桌椅", "镜子"], 0.9),
)


def street_problem(
    seed: int = 0,
    *,
    communities: int = 10,
    sessions: int = 500,
    clubs: int = 30,
    venues: int = 4,
    days: int = 7,
    slots: int = 6,
) -> dict[str, Any]:
    """One street as ONE problem: ``communities`` community-shaped problems (each with its own
    ``venues`` venues, teachers and clubs, ids prefixed ``S<i>-``) whose courses may also use the
    street's 3 shared venues; ``sessions`` sessions a week in all. Same seed, same problem."""
    rng = random.Random(seed * 7919 + 17)
    days, slots = min(days, len(_DAYS)), min(slots, len(_SLOT_TIMES))
    street_venues: list[dict[str, Any]] = []
    for j, (name, capacity, features, share) in enumerate(_STREET_VENUES):
        available: list[dict[str, Any]] | None = None
        if share < 1.0:
            available = []
            for d in range(days):
                open_slots = [s for s in range(slots) if rng.random() < share]
                if open_slots:
                    available.append({"day": d, "slots": open_slots})
        street_venues.append(
            {
                "id": f"J{j + 1}",
                "name": name,
                "capacity": capacity,
                "features": features,
                "available": available,
            }
        )
    street_ids = [v["id"] for v in street_venues]
    per = [sessions // communities + (1 if i < sessions % communities else 0) for i in range(communities)]
    out: dict[str, Any] = {
        "version": 1,
        "name": f"生成的街道问题 {seed}",
        "days": list(_DAYS[:days]),
        "slots": [{"start": a, "end": b} for a, b in _SLOT_TIMES[:slots]],
        "venues": list(street_venues),
        "teachers": [],
        "clubs": [],
        "shared_members": [],
        "courses": [],
        "weights": {"preference": 1, "club_overlap": 1, "venue_change": 2, "spread": 1, "stability": 3},
    }
    for i in range(communities):
        one = community_problem(
            seed * 1000 + i, clubs=min(clubs, per[i]), sessions=per[i], venues=venues, days=days, slots=slots
        )
        prefix = f"S{i + 1}-"
        own = [prefix + v["id"] for v in one["venues"]]
        for v in one["venues"]:
            out["venues"].append({**v, "id": prefix + v["id"], "name": f"社区{i + 1}{v['name']}"})
        for t in one["teachers"]:
            out["teachers"].append({**t, "id": prefix + t["id"], "name": f"社区{i + 1}{t['name']}"})
        for k in one["clubs"]:
            out["clubs"].append({**k, "id": prefix + k["id"], "name": f"社区{i + 1}{k['name']}"})
        for s in one["shared_members"]:
            out["shared_members"].append({**s, "clubs": [prefix + x for x in s["clubs"]]})
        for c in one["courses"]:
            course = {
                **c,
                "id": prefix + c["id"],
                "name": f"社区{i + 1}{c['name']}",
                "club": prefix + c["club"],
                "teacher": prefix + c["teacher"],
                "venues": own + street_ids,
            }
            if "previous" in c:
                course["previous"] = [{**x, "venue": prefix + x["venue"]} for x in c["previous"]]
            out["courses"].append(course)
    return out


def district_problems(count: int = 100, *, seed: int = 0, **sizes: Any) -> list[dict[str, Any]]:
    """``count`` community problems with fixed seeds (``seed * 100000 + i``), solved independently."""
    return [community_problem(seed * 100000 + i, **sizes) for i in range(count)]


def street_parts(street: dict[str, Any]) -> list[dict[str, Any]]:
    """A ``street_problem`` cut into its communities, each keeping its own venues, teachers, clubs
    and courses and getting the street's venues (``J…``) to itself: a relaxation of the street
    (the communities no longer compete for the street venues)."""
    prefixes = sorted({c["id"].split("-")[0] + "-" for c in street["courses"]}, key=lambda x: int(x[1:-1]))
    parts = []
    for pre in prefixes:
        parts.append(
            {
                **street,
                "name": f"{street['name']} {pre[:-1]}",
                "venues": [v for v in street["venues"] if v["id"].startswith(("J", pre))],
                "teachers": [t for t in street["teachers"] if t["id"].startswith(pre)],
                "clubs": [k for k in street["clubs"] if k["id"].startswith(pre)],
                "shared_members": [s for s in street["shared_members"] if s["clubs"][0].startswith(pre)],
                "courses": [c for c in street["courses"] if c["id"].startswith(pre)],
            }
        )
    return parts
