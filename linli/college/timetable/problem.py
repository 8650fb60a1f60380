"""The community timetabling problem: read the JSON of ``docs/timetable-format.md`` and check it.

A problem that cannot be read at all (not JSON, wrong types, indices out of range, duplicate ids)
raises ``ProblemError`` listing every cause in Chinese, each with where it is. References that do
not resolve (a teacher or a venue id nobody declared, a club that does not exist) do not stop the
rest: they become ``issues`` and the course concerned is explained as unplaced (or the club
ignored), while everything else is still scheduled.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Slot = tuple[int, int]  # (day, slot)
Wish = tuple[int, tuple[int, ...]]  # (day, slots): met when a session of the course covers any of them

# Two slots in a row make one longer session only if the second starts at most this long after the
# first ends (a short break); a lunch or dinner gap splits the day.
MAX_BREAK_MINUTES = 15

WEIGHT_NAMES = ("preference", "club_overlap", "venue_change", "spread", "stability")
DEFAULT_WEIGHTS = {"preference": 1, "club_overlap": 1, "venue_change": 2, "spread": 1, "stability": 3}


class ProblemError(ValueError):
    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("问题文件有误：\n" + "\n".join(f"- {m}" for m in messages))


@dataclass(frozen=True)
class Venue:
    id: str
    name: str
    capacity: int
    features: frozenset[str]
    open: frozenset[Slot]


@dataclass(frozen=True)
class Teacher:
    id: str
    name: str
    available: frozenset[Slot]


@dataclass(frozen=True)
class Placement:
    day: int
    slot: int
    venue: str


@dataclass
class Course:
    id: str
    name: str
    club: str | None
    teacher: str
    sessions: int
    duration: int
    features: frozenset[str]
    capacity: int
    venues: tuple[str, ...] | None  # candidate venues; None = any
    preferred: dict[Wish, int] = field(default_factory=dict)
    locked: list[Placement] = field(default_factory=list)
    previous: list[Placement] = field(default_factory=list)


@dataclass
class Issue:
    message: str
    course: str | None = None


@dataclass
class Problem:
    name: str
    days: list[str]
    slots: list[tuple[str, str]]
    venues: dict[str, Venue]
    teachers: dict[str, Teacher]
    clubs: dict[str, str]
    shared: dict[tuple[str, str], int]  # sorted club pair -> residents in both
    courses: list[Course]
    weights: dict[str, int]
    issues: list[Issue] = field(default_factory=list)

    def joined(self, slot: int) -> bool:
        """Slot ``slot + 1`` follows ``slot`` directly (within ``MAX_BREAK_MINUTES``)."""
        if not 0 <= slot < len(self.slots) - 1:
            return False
        gap = _minutes(self.slots[slot + 1][0]) - _minutes(self.slots[slot][1])
        return 0 <= gap <= MAX_BREAK_MINUTES

    def fits(self, slot: int, duration: int) -> bool:
        """A session of ``duration`` slots may start at ``slot``: it ends within the day and its slots
        follow each other directly (it does not span a lunch or dinner gap)."""
        if slot < 0 or slot + duration > len(self.slots):
            return False
        return all(self.joined(k) for k in range(slot, slot + duration - 1))

    def slot_label(self, day: int, slot: int, duration: int = 1) -> str:
        start = self.slots[slot][0]
        end = self.slots[min(slot + duration, len(self.slots)) - 1][1]
        return f"{self.days[day]} {start}–{end}"

    def course_label(self, course: Course) -> str:
        return f"《{course.name}》"

    def teacher_label(self, teacher_id: str) -> str:
        t = self.teachers.get(teacher_id)
        return f"{t.name}" if t else teacher_id

    def venue_label(self, venue_id: str) -> str:
        v = self.venues.get(venue_id)
        return v.name if v else venue_id


class _Reader:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}：{message}")

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "应为对象（{…}）")
            return {}
        return value

    def seq(self, value: Any, where: str, *, optional: bool = False) -> list[Any]:
        if value is None and optional:
            return []
        if not isinstance(value, list):
            self.fail(where, "应为列表（[…]）")
            return []
        return value

    def text(self, d: dict[str, Any], key: str, where: str, *, default: str | None = None) -> str:
        value = d.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}", "缺少或不是非空文字")
            return ""
        return value.strip()

    def integer(
        self, d: dict[str, Any], key: str, where: str, *, default: int | None = None, minimum: int = 0
    ) -> int:
        value = d.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{where}.{key}", f"缺少或不是整数（实际为 {value!r}）")
            return minimum
        if value < minimum:
            self.fail(f"{where}.{key}", f"不能小于 {minimum}（实际为 {value}）")
            return minimum
        return value

    def features(self, d: dict[str, Any], where: str) -> frozenset[str]:
        out = set()
        for i, f in enumerate(self.seq(d.get("features"), f"{where}.features", optional=True)):
            if not isinstance(f, str) or not f.strip():
                self.fail(f"{where}.features[{i}]", "应为非空文字")
            else:
                out.add(f.strip())
        return frozenset(out)

    def slot(self, value: Any, where: str, n_days: int, n_slots: int) -> Slot | None:
        d = self.obj(value, where)
        if not d:
            return None
        day = self.integer(d, "day", where)
        slot = self.integer(d, "slot", where)
        if not 0 <= day < n_days:
            self.fail(f"{where}.day", f"天 {day} 不存在（共 {n_days} 天，从 0 起）")
            return None
        if not 0 <= slot < n_slots:
            self.fail(f"{where}.slot", f"节 {slot} 不存在（每天 {n_slots} 节，从 0 起）")
            return None
        return day, slot

    def wish(self, value: Any, where: str, n_days: int, n_slots: int) -> Wish | None:
        """A preference: ``{"day", "slot", "count"}`` or ``{"day", "slots": [s, …], "count"}`` (met
        when the course covers any of the slots)."""
        d = self.obj(value, where)
        if not d:
            return None
        if "slots" not in d:
            one = self.slot(d, where, n_days, n_slots)
            return None if one is None else (one[0], (one[1],))
        day = self.integer(d, "day", where)
        if not 0 <= day < n_days:
            self.fail(f"{where}.day", f"天 {day} 不存在（共 {n_days} 天，从 0 起）")
            return None
        items = self.seq(d.get("slots"), f"{where}.slots")
        if not items:
            self.fail(f"{where}.slots", "至少要有一节")
            return None
        for j, s in enumerate(items):
            if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < n_slots:
                self.fail(f"{where}.slots[{j}]", f"节 {s!r} 不存在（每天 {n_slots} 节，从 0 起）")
                return None
        return day, tuple(sorted(set(items)))

    def availability(self, value: Any, where: str, n_days: int, n_slots: int) -> frozenset[Slot]:
        """``null``/absent: always; otherwise ``[{"day": d, "slots": [s, …]}, …]``."""
        if value is None:
            return frozenset((d, s) for d in range(n_days) for s in range(n_slots))
        out: set[Slot] = set()
        for i, item in enumerate(self.seq(value, where)):
            d = self.obj(item, f"{where}[{i}]")
            if not d:
                continue
            day = self.integer(d, "day", f"{where}[{i}]")
            if not 0 <= day < n_days:
                self.fail(f"{where}[{i}].day", f"天 {day} 不存在（共 {n_days} 天，从 0 起）")
                continue
            for j, s in enumerate(self.seq(d.get("slots"), f"{where}[{i}].slots")):
                if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < n_slots:
                    self.fail(f"{where}[{i}].slots[{j}]", f"节 {s!r} 不存在（每天 {n_slots} 节，从 0 起）")
                else:
                    out.add((day, s))
        return frozenset(out)


_TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def _minutes(hhmm: str) -> int:
    h, _, m = hhmm.partition(":")
    return int(h) * 60 + int(m)


def parse(data: Any) -> Problem:
    """Check and convert the JSON value of a problem; raise ``ProblemError`` with every cause."""
    r = _Reader()
    top = r.obj(data, "问题")
    if not top:
        raise ProblemError(r.errors or ["问题为空"])
    name = str(top["name"]) if isinstance(top.get("name"), str) else ""
    days = [str(x) for x in r.seq(top.get("days"), "days")]
    if not days and "days" in top:
        r.fail("days", "至少要有一天")
    elif "days" not in top:
        pass
    slots: list[tuple[str, str]] = []
    for i, s in enumerate(r.seq(top.get("slots"), "slots")):
        d = r.obj(s, f"slots[{i}]")
        start, end = d.get("start"), d.get("end")
        if not (isinstance(start, str) and _TIME.match(start) and isinstance(end, str) and _TIME.match(end)):
            r.fail(f"slots[{i}]", "start 与 end 应为 HH:MM 形式的时间")
            continue
        slots.append((start, end))
    if not slots and "slots" in top:
        r.fail("slots", "每天至少要有一节")
    nd, ns = len(days), len(slots)
    if r.errors:
        raise ProblemError(r.errors)

    venues: dict[str, Venue] = {}
    for i, v in enumerate(r.seq(top.get("venues"), "venues")):
        where = f"venues[{i}]"
        d = r.obj(v, where)
        vid = r.text(d, "id", where)
        if vid in venues:
            r.fail(f"{where}.id", f"场地编号 {vid} 重复")
        venues[vid] = Venue(
            id=vid,
            name=str(d.get("name") or vid),
            capacity=r.integer(d, "capacity", where),
            features=r.features(d, where),
            open=r.availability(d.get("available"), f"{where}.available", nd, ns),
        )
    teachers: dict[str, Teacher] = {}
    for i, t in enumerate(r.seq(top.get("teachers"), "teachers")):
        where = f"teachers[{i}]"
        d = r.obj(t, where)
        tid = r.text(d, "id", where)
        if tid in teachers:
            r.fail(f"{where}.id", f"老师编号 {tid} 重复")
        teachers[tid] = Teacher(
            id=tid,
            name=str(d.get("name") or tid),
            available=r.availability(d.get("available"), f"{where}.available", nd, ns),
        )
    clubs: dict[str, str] = {}
    for i, c in enumerate(r.seq(top.get("clubs"), "clubs", optional=True)):
        where = f"clubs[{i}]"
        d = r.obj(c, where)
        cid = r.text(d, "id", where)
        if cid in clubs:
            r.fail(f"{where}.id", f"社团编号 {cid} 重复")
        clubs[cid] = str(d.get("name") or cid)

    issues: list[Issue] = []
    shared: dict[tuple[str, str], int] = {}
    for i, s in enumerate(r.seq(top.get("shared_members"), "shared_members", optional=True)):
        where = f"shared_members[{i}]"
        d = r.obj(s, where)
        pair = r.seq(d.get("clubs"), f"{where}.clubs")
        count = r.integer(d, "count", where)
        if len(pair) != 2 or not all(isinstance(x, str) for x in pair) or pair[0] == pair[1]:
            r.fail(f"{where}.clubs", "应为两个不同社团的编号")
            continue
        unknown = [x for x in pair if x not in clubs]
        if unknown:
            issues.append(Issue(f"{where}：社团 {'、'.join(unknown)} 不存在，这条共同成员数已忽略"))
            continue
        key = (min(pair), max(pair))
        shared[key] = shared.get(key, 0) + count

    weights = dict(DEFAULT_WEIGHTS)
    w = r.obj(top.get("weights", {}), "weights")
    for wname in w:
        if wname not in WEIGHT_NAMES:
            r.fail(f"weights.{wname}", f"未知的权重（可用：{'、'.join(WEIGHT_NAMES)}）")
        else:
            weights[wname] = r.integer(w, wname, "weights")

    courses: list[Course] = []
    seen: set[str] = set()
    for i, c in enumerate(r.seq(top.get("courses"), "courses")):
        where = f"courses[{i}]"
        d = r.obj(c, where)
        cid = r.text(d, "id", where)
        if cid in seen:
            r.fail(f"{where}.id", f"课程编号 {cid} 重复")
        seen.add(cid)
        cname = str(d.get("name") or cid)
        where = f"{where}（{cname}）"
        duration = r.integer(d, "duration", where, default=1, minimum=1)
        if ns and duration > ns:
            r.fail(f"{where}.duration", f"一次课占 {duration} 节，但每天只有 {ns} 节")
        club = d.get("club")
        if club is not None and not isinstance(club, str):
            r.fail(f"{where}.club", "应为社团编号")
            club = None
        if club is not None and club not in clubs:
            issues.append(Issue(f"课程《{cname}》的社团 {club} 不存在，按不属于任何社团处理", cid))
            club = None
        cand = d.get("venues")
        candidates: tuple[str, ...] | None = None
        if cand is not None:
            items = r.seq(cand, f"{where}.venues")
            if not all(isinstance(x, str) for x in items):
                r.fail(f"{where}.venues", "应为场地编号的列表")
            else:
                candidates = tuple(items)
        preferred: dict[Wish, int] = {}
        for j, p in enumerate(r.seq(d.get("preferred"), f"{where}.preferred", optional=True)):
            wish = r.wish(p, f"{where}.preferred[{j}]", nd, ns)
            if wish is not None:
                preferred[wish] = preferred.get(wish, 0) + r.integer(p, "count", f"{where}.preferred[{j}]")
        placements: dict[str, list[Placement]] = {}
        for kind in ("locked", "previous"):
            placements[kind] = []
            for j, p in enumerate(r.seq(d.get(kind), f"{where}.{kind}", optional=True)):
                slot = r.slot(p, f"{where}.{kind}[{j}]", nd, ns)
                venue = p.get("venue") if isinstance(p, dict) else None
                if not isinstance(venue, str):
                    r.fail(f"{where}.{kind}[{j}].venue", "缺少场地编号")
                elif slot is not None:
                    placements[kind].append(Placement(slot[0], slot[1], venue))
        courses.append(
            Course(
                id=cid,
                name=cname,
                club=club,
                teacher=r.text(d, "teacher", where),
                sessions=r.integer(d, "sessions_per_week", where),
                duration=duration,
                features=r.features(d, where),
                capacity=r.integer(d, "capacity", where, default=0),
                venues=candidates,
                preferred=preferred,
                locked=placements["locked"],
                previous=placements["previous"],
            )
        )
    if r.errors:
        raise ProblemError(r.errors)
    return Problem(
        name=name,
        days=days,
        slots=slots,
        venues=venues,
        teachers=teachers,
        clubs=clubs,
        shared=shared,
        courses=courses,
        weights=weights,
        issues=issues,
    )


def loads(text: str) -> Problem:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError([f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"]) from None
    return parse(data)


def load(path: str | Path) -> Problem:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemError([f"无法读取问题文件 {path}：{exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ProblemError([f"问题文件 {path} 不是 UTF-8 文本"]) from None
    return loads(text)
