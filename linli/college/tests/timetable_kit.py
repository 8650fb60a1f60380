"""A small community timetable for the timetable pages' tests: 邢家桥 with two venues, two teachers,
three courses and their current weekly slots (on the platform's grid), and one course in 金竹苑."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from linli.college.models import WeeklySlot
from linli.college.tests import parts
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

TERM = "2026年冬季"


@dataclass
class Community:
    club: Any
    other_club: Any
    hall: Any  # 多功能厅
    room: Any  # 书画室
    wang: Any
    li: Any
    taichi: Any  # Tue 08:30 and Thu 08:30, 多功能厅, 王老师
    calligraphy: Any  # Wed 14:30, 书画室, 李老师
    chorus: Any  # Fri 19:00, 多功能厅, 李老师
    slots: dict[str, WeeklySlot] = field(default_factory=dict)
    jzy_course: Any = None
    jzy_slot: Any = None


def slot(course, weekday: int, start: str, venue=None, locked: bool = False) -> WeeklySlot:
    return WeeklySlot.objects.create(course=course, weekday=weekday, starts_at=dt.time.fromisoformat(start),
                                     venue=venue, locked=locked)


def community(p) -> Community:
    club = parts.club(p, XINGJIAQIAO, name="太极社")
    other = parts.club(p, XINGJIAQIAO, name="书画社")
    hall = parts.venue(p, XINGJIAQIAO, name="多功能厅", capacity=60)
    room = parts.venue(p, XINGJIAQIAO, name="书画室", capacity=30)
    wang = parts.teacher(p, XINGJIAQIAO, name="王老师")
    li = parts.teacher(p, XINGJIAQIAO, name="李老师", skills=("书法",))
    kw = {"term": TERM, "starts_on": dt.date(2026, 11, 30), "ends_on": dt.date(2027, 1, 31), "status": "open"}
    taichi = parts.course(p, club, title="太极拳", teacher=wang, venue=hall, sessions_per_week=2, **kw)
    calligraphy = parts.course(p, other, title="书法", teacher=li, venue=room, **kw)
    chorus = parts.course(p, club, title="合唱", teacher=li, venue=hall, **kw)
    c = Community(club, other, hall, room, wang, li, taichi, calligraphy, chorus)
    c.slots = {
        "taichi_tue": slot(taichi, 2, "08:30"),
        "taichi_thu": slot(taichi, 4, "08:30"),
        "calligraphy": slot(calligraphy, 3, "14:30"),
        "chorus": slot(chorus, 5, "19:00"),
    }
    jzy_club = parts.club(p, JINZHUYUAN, name="金竹苑舞蹈队")
    c.jzy_course = parts.course(p, jzy_club, title="广场舞", teacher=parts.teacher(p, JINZHUYUAN, name="金老师"),
                                venue=parts.venue(p, JINZHUYUAN, name="金竹苑活动室"), **kw)
    c.jzy_slot = slot(c.jzy_course, 1, "19:00")
    return c


def placement_of(course) -> list[tuple[int, str, Any]]:
    """The course's weekly slots as (weekday, HH:MM, venue id or None), sorted."""
    return sorted((s.weekday, s.starts_at.strftime("%H:%M"), s.venue_id)
                  for s in WeeklySlot.objects.filter(course=course))
