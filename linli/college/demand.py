"""From survey answers to class orders: pure, no Django, so it can be tested and measured alone.

Each answer row says who (their community and age), which classes they want to learn and which
time slots suit them. Demand is counted per community, because a class opens in a community
with that community's threshold. A resident who ticks the same class twice counts once.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Age bands as the workers talk about them: working age, the young old, the old, the oldest.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("40岁以下", 0, 39),
    ("40–59岁", 40, 59),
    ("60–69岁", 60, 69),
    ("70–79岁", 70, 79),
    ("80岁及以上", 80, 200),
)


OTHER = "其他"  # the "other" box's own label is not a class; what is written in it is


def age_band(age: int) -> str:
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    raise ValueError(f"age out of range: {age}")


_SPLIT = re.compile(r"[、，,；;/\s。！]+")
# What residents write in a box when they have nothing to say there: never a class, never a talent.
NOTHING = frozenset({
    OTHER, "无", "没", "没有", "暂无", "暂时没有", "暂时无", "不会", "啥都不会", "无特长", "没有特长", "不知道",
    "无所谓", "都行", "都可以", "随便", "没想好", "还没想好", "略", "-", "--", "——",
})


def split_names(text: str) -> list[str]:
    """"葫芦丝、二胡" → ["葫芦丝", "二胡"]: what residents write in an "other" or a talent box.

    "无"、"没有" and the like say there is nothing, so they are dropped."""
    names = (p.strip()[:20] for p in _SPLIT.split(text or ""))
    return list(dict.fromkeys(n for n in names if n and n not in NOTHING))


@dataclass(frozen=True)
class AnswerRow:
    community: str  # area code of the resident's community
    resident_id: int
    age: int
    wanted: tuple[str, ...]  # class names the resident wants to learn
    slots: tuple[str, ...] = ()  # time-slot keys that suit them


@dataclass
class Demand:
    community: str
    subject: str
    residents: set[int] = field(default_factory=set)
    ages: Counter = field(default_factory=Counter)
    slots: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.residents)

    def age_profile(self) -> dict[str, int]:
        """Every band, in order, zeros included, so a chart's bars always line up."""
        return {label: self.ages.get(label, 0) for label, _, _ in AGE_BANDS}

    def top_slots(self, n: int = 3) -> list[tuple[str, int]]:
        return sorted(self.slots.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def aggregate(rows: Iterable[AnswerRow]) -> list[Demand]:
    """Demand per (community, class), ranked by the number of residents, then by name."""
    demands: dict[tuple[str, str], Demand] = {}
    seen: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for row in rows:
        band = age_band(row.age)
        for subject in dict.fromkeys(s.strip() for s in row.wanted if s and s.strip() and s.strip() != OTHER):
            key = (row.community, subject)
            if row.resident_id in seen[key]:
                continue
            seen[key].add(row.resident_id)
            d = demands.setdefault(key, Demand(community=row.community, subject=subject))
            d.residents.add(row.resident_id)
            d.ages[band] += 1
            d.slots.update(set(row.slots))
    return sorted(demands.values(), key=lambda d: (d.community, -d.count, d.subject))


def reached(demand: Demand, thresholds: Mapping[str, int], default: int) -> bool:
    """Whether enough residents want the class to open it in their community."""
    return demand.count >= thresholds.get(demand.community, default)
