"""Building blocks for the tests of alliances, clubs, teachers, venues and courses, made with the services.

人和街道 gets a second community (人和二社区) so a sibling's shared and unshared venues can be tested.
"""

from __future__ import annotations

import datetime as dt
import itertools

from linli.areas.models import Area, Level
from linli.college.services.clubs import alliances_ensure_defaults, club_create
from linli.college.services.courses import course_create
from linli.college.services.teachers import teacher_create
from linli.college.services.venues import venue_create
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO

RENHE = "500112009"
KANGMEI = "500112022"
SIBLING = "500112009012"  # 人和二社区, XJQ's neighbour in 人和街道
NINE_TO_ELEVEN = (dt.time(9), dt.time(11))
_n = itertools.count(1)


def sibling_community() -> Area:
    area, _ = Area.objects.get_or_create(code=SIBLING, defaults={"name": "人和二社区", "level": Level.COMMUNITY,
                                                                 "parent_id": RENHE})
    return area


def alliance(p, code: str = XINGJIAQIAO, name: str = "艺术"):
    return next(a for a in alliances_ensure_defaults(by=p.district_admin, area_code=code) if a.name == name)


def club(p, code: str = XINGJIAQIAO, name: str | None = None, alliance_name: str = "艺术", **kwargs):
    return club_create(by=p.district_admin, area_code=code, alliance=alliance(p, code, alliance_name),
                       name=name or f"社团{next(_n)}", **kwargs)


def teacher(p, code: str = XINGJIAQIAO, name: str | None = None, skills=("太极拳",), **kwargs):
    kwargs.setdefault("kind", "local")
    return teacher_create(by=p.district_admin, area_code=code, name=name or f"老师{next(_n)}", skills=list(skills),
                          **kwargs)


def venue(p, code: str = XINGJIAQIAO, name: str | None = None, capacity: int = 30, features=(), **kwargs):
    return venue_create(by=p.district_admin, area_code=code, name=name or f"场地{next(_n)}", capacity=capacity,
                        features=list(features), **kwargs)


def course(p, the_club, title: str = "太极拳", **kwargs):
    kwargs.setdefault("term", "2026年秋季")
    kwargs.setdefault("capacity", 20)
    kwargs.setdefault("starts_on", dt.date(2026, 12, 1))
    kwargs.setdefault("ends_on", dt.date(2027, 3, 1))
    return course_create(by=p.district_admin, club=the_club, title=title, **kwargs)


def xjq_and_jzy(p) -> dict:
    """One of each record in 邢家桥 and in 金竹苑, for the visibility tests."""
    records = {}
    for key, code in (("xjq", XINGJIAQIAO), ("jzy", JINZHUYUAN)):
        c = club(p, code, name=f"{key}太极社", alliance_name="体育")
        t = teacher(p, code, name=f"{key}老师", phone="13812345678")
        v = venue(p, code, name=f"{key}活动室", features=["open_air"])
        records[key] = {"alliance": c.alliance, "club": c, "teacher": t, "venue": v,
                        "course": course(p, c, title=f"{key}太极拳", teacher=t, venue=v)}
    return records
