"""ITC-2007 Track 3 (curriculum-based course timetabling): the ``.ctt`` format, solutions, validator.

The rules are the competition's (Di Gaspero, McCollum, Schaerf, "The Second International
Timetabling Competition, Track 3", 2007) and the costs are counted as its official validator
counts them:

hard (each one a violation)
    Lectures: every course has exactly its number of lectures, in distinct periods;
    Conflicts: two courses of one curriculum, or of one teacher, never in the same period
    (one violation per pair of lectures);
    RoomOccupancy: at most one lecture per room and period (one per extra lecture);
    Availability: no lecture in a period the course is unavailable.

soft (weighted)
    RoomCapacity, 1 per student over the room's capacity, per lecture;
    MinWorkingDays, 5 per day below the course's minimum number of days;
    CurriculumCompactness, 2 per lecture of a curriculum with no lecture of the same curriculum
    in the period just before or just after on the same day;
    RoomStability, 1 per room beyond the first that a course uses.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOM_CAPACITY_WEIGHT = 1
MIN_WORKING_DAYS_WEIGHT = 5
CURRICULUM_COMPACTNESS_WEIGHT = 2
ROOM_STABILITY_WEIGHT = 1

_HEADER_KEYS = ("Name", "Courses", "Rooms", "Days", "Periods_per_day", "Curricula", "Constraints")
_SECTIONS = ("COURSES", "ROOMS", "CURRICULA", "UNAVAILABILITY_CONSTRAINTS")


class CttError(ValueError):
    """A ``.ctt`` file that cannot be read: which section, which line, why."""

    def __init__(self, reason: str, *, line: int | None = None, section: str | None = None) -> None:
        self.reason = reason
        self.line = line
        self.section = section
        where = []
        if line is not None:
            where.append(f"第 {line} 行")
        if section:
            where.append(f"{section} 部分")
        prefix = "，".join(where)
        super().__init__(f"{prefix}：{reason}" if prefix else reason)


@dataclass(frozen=True)
class Course:
    id: str
    teacher: str
    lectures: int
    min_days: int
    students: int


@dataclass(frozen=True)
class Room:
    id: str
    capacity: int


@dataclass(frozen=True)
class Curriculum:
    id: str
    courses: tuple[str, ...]


@dataclass
class Instance:
    name: str
    days: int
    periods_per_day: int
    courses: list[Course]
    rooms: list[Room]
    curricula: list[Curriculum]
    unavailable: set[tuple[str, int, int]] = field(default_factory=set)  # (course, day, period)

    @property
    def periods(self) -> int:
        return self.days * self.periods_per_day

    def course(self, course_id: str) -> Course:
        return self._courses_by_id()[course_id]

    def _courses_by_id(self) -> dict[str, Course]:
        return {c.id: c for c in self.courses}

    def available(self, course_id: str, day: int, period: int) -> bool:
        return (course_id, day, period) not in self.unavailable

    def conflicting_pairs(self) -> set[tuple[str, str]]:
        """Pairs of distinct courses (sorted) that share a curriculum or a teacher."""
        pairs: set[tuple[str, str]] = set()
        for group in self.conflict_groups():
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if a != b:
                        pairs.add((min(a, b), max(a, b)))
        return pairs

    def conflict_groups(self) -> list[tuple[str, ...]]:
        """Cliques of courses that may not share a period: each curriculum, each teacher's courses."""
        groups: list[tuple[str, ...]] = [tuple(dict.fromkeys(q.courses)) for q in self.curricula]
        by_teacher: dict[str, list[str]] = defaultdict(list)
        for c in self.courses:
            by_teacher[c.teacher].append(c.id)
        groups.extend(tuple(ids) for ids in by_teacher.values() if len(ids) > 1)
        return [g for g in groups if len(g) > 1]


@dataclass(frozen=True, order=True)
class Assignment:
    """One lecture: ``course room day period`` (a line of the competition's solution format)."""

    course: str
    room: str
    day: int
    period: int


# --- the .ctt reader -------------------------------------------------------------------------


def _int(token: str, what: str, *, line: int, section: str | None, minimum: int = 0) -> int:
    if not re.fullmatch(r"[+-]?\d+", token):
        raise CttError(f"{what}应为整数，实际为 {token!r}", line=line, section=section)
    value = int(token)
    if value < minimum:
        raise CttError(f"{what}不能小于 {minimum}，实际为 {value}", line=line, section=section)
    return value


def parse_ctt(text: str) -> Instance:
    """Read an instance in the competition's ``.ctt`` format; raise ``CttError`` naming the line."""
    lines = text.splitlines()
    header: dict[str, tuple[str, int]] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    ended = False
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if ended:
            raise CttError(f"END. 之后还有内容：{stripped[:40]!r}", line=number)
        if stripped == "END.":
            ended = True
            continue
        if stripped.endswith(":") and " " not in stripped:
            name = stripped[:-1]
            if name not in _SECTIONS:
                raise CttError(f"未知的部分 {name!r}（应为 {'、'.join(_SECTIONS)} 之一）", line=number)
            if name in sections:
                raise CttError(f"部分 {name} 出现了两次", line=number, section=name)
            if name == "COURSES" and len(header) < len(_HEADER_KEYS):
                missing = [k for k in _HEADER_KEYS if k not in header]
                raise CttError(f"文件头缺少 {'、'.join(missing)}", line=number)
            current = name
            sections[name] = []
            continue
        if current is None:
            key, sep, value = stripped.partition(":")
            key = key.strip()
            if not sep or key not in _HEADER_KEYS:
                raise CttError(f"无法识别的文件头行 {stripped[:40]!r}", line=number, section="文件头")
            if key in header:
                raise CttError(f"文件头 {key} 出现了两次", line=number, section="文件头")
            header[key] = (value.strip(), number)
            continue
        sections[current].append((number, stripped.split()))
    if not ended:
        raise CttError("文件没有以 END. 结束（可能被截断）", line=len(lines) or None)
    missing_keys = [k for k in _HEADER_KEYS if k not in header]
    if missing_keys:
        raise CttError(f"文件头缺少 {'、'.join(missing_keys)}", section="文件头")
    for name in _SECTIONS:
        if name not in sections:
            raise CttError(f"缺少 {name}: 部分", section=name)

    def head_int(key: str, minimum: int) -> int:
        value, number = header[key]
        return _int(value, key, line=number, section="文件头", minimum=minimum)

    n_courses = head_int("Courses", 0)
    n_rooms = head_int("Rooms", 0)
    days = head_int("Days", 1)
    ppd = head_int("Periods_per_day", 1)
    n_curricula = head_int("Curricula", 0)
    n_constraints = head_int("Constraints", 0)

    courses: list[Course] = []
    seen: set[str] = set()
    for number, tokens in sections["COURSES"]:
        if len(tokens) != 5:
            raise CttError(
                f"课程行应有 5 项（课程 教师 课时数 最少天数 学生数），实际 {len(tokens)} 项",
                line=number,
                section="COURSES",
            )
        cid, teacher = tokens[0], tokens[1]
        if cid in seen:
            raise CttError(f"课程 {cid} 重复", line=number, section="COURSES")
        seen.add(cid)
        courses.append(
            Course(
                id=cid,
                teacher=teacher,
                lectures=_int(tokens[2], "课时数", line=number, section="COURSES", minimum=0),
                min_days=_int(tokens[3], "最少上课天数", line=number, section="COURSES", minimum=0),
                students=_int(tokens[4], "学生数", line=number, section="COURSES", minimum=0),
            )
        )
    _check_count("COURSES", "课程", n_courses, sections["COURSES"])

    rooms: list[Room] = []
    seen_rooms: set[str] = set()
    for number, tokens in sections["ROOMS"]:
        if len(tokens) != 2:
            raise CttError(
                f"教室行应有 2 项（教室 容量），实际 {len(tokens)} 项", line=number, section="ROOMS"
            )
        if tokens[0] in seen_rooms:
            raise CttError(f"教室 {tokens[0]} 重复", line=number, section="ROOMS")
        seen_rooms.add(tokens[0])
        rooms.append(Room(tokens[0], _int(tokens[1], "教室容量", line=number, section="ROOMS")))
    _check_count("ROOMS", "教室", n_rooms, sections["ROOMS"])

    curricula: list[Curriculum] = []
    seen_q: set[str] = set()
    for number, tokens in sections["CURRICULA"]:
        if len(tokens) < 2:
            raise CttError("课程组行应为：课程组 课程数 课程…", line=number, section="CURRICULA")
        count = _int(tokens[1], "课程组的课程数", line=number, section="CURRICULA")
        members = tuple(tokens[2:])
        if len(members) != count:
            raise CttError(
                f"课程组 {tokens[0]} 声明 {count} 门课程，实际列出 {len(members)} 门",
                line=number,
                section="CURRICULA",
            )
        for member in members:
            if member not in seen:
                raise CttError(f"课程组 {tokens[0]} 含未知课程 {member}", line=number, section="CURRICULA")
        if tokens[0] in seen_q:
            raise CttError(f"课程组 {tokens[0]} 重复", line=number, section="CURRICULA")
        seen_q.add(tokens[0])
        curricula.append(Curriculum(tokens[0], members))
    _check_count("CURRICULA", "课程组", n_curricula, sections["CURRICULA"])

    unavailable: set[tuple[str, int, int]] = set()
    for number, tokens in sections["UNAVAILABILITY_CONSTRAINTS"]:
        section = "UNAVAILABILITY_CONSTRAINTS"
        if len(tokens) != 3:
            raise CttError(
                f"不可用约束行应有 3 项（课程 天 节），实际 {len(tokens)} 项", line=number, section=section
            )
        if tokens[0] not in seen:
            raise CttError(f"未知课程 {tokens[0]}", line=number, section=section)
        day = _int(tokens[1], "天", line=number, section=section)
        period = _int(tokens[2], "节", line=number, section=section)
        if day >= days:
            raise CttError(f"天 {day} 超出范围（共 {days} 天，从 0 起）", line=number, section=section)
        if period >= ppd:
            raise CttError(f"节 {period} 超出范围（每天 {ppd} 节，从 0 起）", line=number, section=section)
        unavailable.add((tokens[0], day, period))
    _check_count(
        "UNAVAILABILITY_CONSTRAINTS", "不可用约束", n_constraints, sections["UNAVAILABILITY_CONSTRAINTS"]
    )

    return Instance(
        name=header["Name"][0],
        days=days,
        periods_per_day=ppd,
        courses=courses,
        rooms=rooms,
        curricula=curricula,
        unavailable=unavailable,
    )


def _check_count(section: str, what: str, declared: int, rows: list[tuple[int, list[str]]]) -> None:
    if len(rows) != declared:
        line = rows[-1][0] if rows else None
        raise CttError(
            f"文件头声明 {declared} 个{what}，此部分实际有 {len(rows)} 行", line=line, section=section
        )


def read_ctt(path: str | Path) -> Instance:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CttError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CttError(f"文件 {path} 不是 UTF-8/ASCII 文本") from exc
    return parse_ctt(text)


# --- solutions ------------------------------------------------------------------------------


def parse_solution(instance: Instance, text: str) -> tuple[list[Assignment], list[str]]:
    """Read ``course room day period`` lines. Lines that cannot be understood are discarded with a
    warning (as the official validator does); the warnings come back with the assignments."""
    courses = {c.id for c in instance.courses}
    rooms = {r.id for r in instance.rooms}
    out: list[Assignment] = []
    warnings: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = raw.split()
        if not tokens:
            continue
        problem = None
        if len(tokens) != 4:
            problem = f"应有 4 项（课程 教室 天 节），实际 {len(tokens)} 项"
        elif tokens[0] not in courses:
            problem = f"未知课程 {tokens[0]}"
        elif tokens[1] not in rooms:
            problem = f"未知教室 {tokens[1]}"
        elif not tokens[2].isdigit() or int(tokens[2]) >= instance.days:
            problem = f"天 {tokens[2]} 不在 0…{instance.days - 1} 之内"
        elif not tokens[3].isdigit() or int(tokens[3]) >= instance.periods_per_day:
            problem = f"节 {tokens[3]} 不在 0…{instance.periods_per_day - 1} 之内"
        if problem:
            warnings.append(f"第 {number} 行已忽略：{problem}")
            continue
        out.append(Assignment(tokens[0], tokens[1], int(tokens[2]), int(tokens[3])))
    return out, warnings


def read_solution(instance: Instance, path: str | Path) -> tuple[list[Assignment], list[str]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CttError(f"无法读取解文件 {path}：{exc.strerror or exc}") from exc
    return parse_solution(instance, text)


def format_solution(assignments: Iterable[Assignment]) -> str:
    return "".join(f"{a.course} {a.room} {a.day} {a.period}\n" for a in sorted(assignments))


def write_solution(assignments: Iterable[Assignment], path: str | Path) -> None:
    Path(path).write_text(format_solution(assignments), encoding="utf-8")


# --- the validator --------------------------------------------------------------------------


@dataclass
class Evaluation:
    lectures: int = 0
    conflicts: int = 0
    availability: int = 0
    room_occupancy: int = 0
    room_capacity: int = 0  # weighted costs from here on
    min_working_days: int = 0
    curriculum_compactness: int = 0
    room_stability: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def hard(self) -> int:
        return self.lectures + self.conflicts + self.availability + self.room_occupancy

    @property
    def soft(self) -> int:
        return self.room_capacity + self.min_working_days + self.curriculum_compactness + self.room_stability

    @property
    def feasible(self) -> bool:
        return self.hard == 0

    def lines(self) -> list[str]:
        return [
            f"Violations of Lectures (hard) : {self.lectures}",
            f"Violations of Conflicts (hard) : {self.conflicts}",
            f"Violations of Availability (hard) : {self.availability}",
            f"Violations of RoomOccupation (hard) : {self.room_occupancy}",
            f"Cost of RoomCapacity (soft) : {self.room_capacity}",
            f"Cost of MinWorkingDays (soft) : {self.min_working_days}",
            f"Cost of CurriculumCompactness (soft) : {self.curriculum_compactness}",
            f"Cost of RoomStability (soft) : {self.room_stability}",
            "",
            f"Summary: Violations = {self.hard}, Total Cost = {self.soft}",
        ]


def evaluate(instance: Instance, assignments: Sequence[Assignment]) -> Evaluation:
    """Hard violations and weighted soft costs of a solution, counted as the official validator does."""
    ev = Evaluation()
    ppd = instance.periods_per_day
    courses = {c.id: c for c in instance.courses}
    capacity = {r.id: r.capacity for r in instance.rooms}
    # one timetable cell per (course, period), as the official validator keeps it
    cell: dict[tuple[str, int], str] = {}
    for a in assignments:
        key = (a.course, a.day * ppd + a.period)
        if key in cell:
            ev.messages.append(f"[H] 课程 {a.course} 在第 {a.day} 天第 {a.period} 节排了两次")
        cell[key] = a.room

    periods_of: dict[str, list[int]] = defaultdict(list)
    for (cid, p), _room in sorted(cell.items()):
        periods_of[cid].append(p)

    for c in instance.courses:
        n = len(periods_of.get(c.id, []))
        if n != c.lectures:
            ev.lectures += abs(n - c.lectures)
            more = "太少" if n < c.lectures else "太多"
            ev.messages.append(f"[H] 课程 {c.id} 课时{more}：排了 {n} 节，应为 {c.lectures} 节")

    for first, second in sorted(instance.conflicting_pairs()):
        for p in sorted(set(periods_of.get(first, [])) & set(periods_of.get(second, []))):
            ev.conflicts += 1
            ev.messages.append(
                f"[H] 课程 {first} 与 {second} 冲突（同一课程组或同一教师），都在第 {p // ppd} 天第 {p % ppd} 节"
            )

    for (cid, p), _room in sorted(cell.items()):
        if not instance.available(cid, p // ppd, p % ppd):
            ev.availability += 1
            ev.messages.append(f"[H] 课程 {cid} 排在不可用时段：第 {p // ppd} 天第 {p % ppd} 节")

    occupancy = Counter((room, p) for (_cid, p), room in cell.items())
    for (room, p), n in sorted(occupancy.items()):
        if n > 1:
            ev.room_occupancy += n - 1
            ev.messages.append(f"[H] 教室 {room} 在第 {p // ppd} 天第 {p % ppd} 节有 {n} 节课")

    for (cid, p), room in sorted(cell.items()):
        over = courses[cid].students - capacity[room]
        if over > 0:
            ev.room_capacity += over * ROOM_CAPACITY_WEIGHT
            ev.messages.append(
                f"[S({over})] 课程 {cid} 的 {over} 名学生超出教室 {room} 的容量（第 {p // ppd} 天第 {p % ppd} 节）"
            )

    for c in instance.courses:
        days = {p // ppd for p in periods_of.get(c.id, [])}
        if len(days) < c.min_days:
            missing = c.min_days - len(days)
            ev.min_working_days += missing * MIN_WORKING_DAYS_WEIGHT
            ev.messages.append(
                f"[S({missing * MIN_WORKING_DAYS_WEIGHT})] 课程 {c.id} 只在 {len(days)} 天上课，至少应 {c.min_days} 天"
            )

    for q in instance.curricula:
        count: Counter[int] = Counter()
        for cid in set(q.courses):
            count.update(periods_of.get(cid, []))
        for p, n in sorted(count.items()):
            before = count.get(p - 1, 0) if p % ppd > 0 else 0
            after = count.get(p + 1, 0) if p % ppd < ppd - 1 else 0
            if before == 0 and after == 0:
                ev.curriculum_compactness += n * CURRICULUM_COMPACTNESS_WEIGHT
                ev.messages.append(
                    f"[S({n * CURRICULUM_COMPACTNESS_WEIGHT})] 课程组 {q.id} 在第 {p // ppd} 天第 {p % ppd} 节的课孤立"
                )

    rooms_of: dict[str, set[str]] = defaultdict(set)
    for (cid, _p), room in cell.items():
        rooms_of[cid].add(room)
    for cid, used in sorted(rooms_of.items()):
        if len(used) > 1:
            ev.room_stability += (len(used) - 1) * ROOM_STABILITY_WEIGHT
            ev.messages.append(
                f"[S({len(used) - 1})] 课程 {cid} 使用了 {len(used)} 间教室：{'、'.join(sorted(used))}"
            )
    return ev
