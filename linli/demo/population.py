"""A community's people as a plan: households of residents with names, ID numbers, phones and tags.

No database: the builder turns the plan into rows through the real services.
Households are drawn from the kinds a real old community has — elders living alone, elder
couples, three generations under one roof, grandparents raising a grandchild, young families —
so ages lean old: many residents are 60-85 and a good number over 80.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from linli.core import idcard
from linli.demo import names
from linli.demo.places import AGE_REFERENCE, ID_AREA, Block, Community, ProxyExample

# Prefixes of mainland mobile numbers in use (China Mobile, Unicom, Telecom).
_PHONE_PREFIXES = (
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159",
    "178", "182", "183", "187", "188", "198", "130", "131", "132", "155", "156", "166", "175",
    "176", "185", "186", "133", "153", "173", "177", "180", "181", "189", "199",
)


@dataclass
class Person:
    name: str
    sex: str  # "M" or "F"
    birth: dt.date
    relation: str  # people.models.Relation value
    id_number: str = ""
    phone: str = ""
    tags: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def age(self) -> int:
        ref = AGE_REFERENCE
        return ref.year - self.birth.year - ((ref.month, ref.day) < (self.birth.month, self.birth.day))


@dataclass
class Family:
    address: str
    grid: str  # grid suffix, "" for the community itself
    members: list[Person]  # the head first

    @property
    def head(self) -> Person:
        return self.members[0]


class Numbers:
    """Hands out ID numbers and phone numbers, each once, across the whole demo."""

    def __init__(self, rng: random.Random, *, reserved_phones: tuple[str, ...] = ()) -> None:
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = set(reserved_phones)

    def id_number(self, *, birth: dt.date, sex: str) -> str:
        while True:
            # The sequence's parity is the sex: odd for men, even for women.
            sequence = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            number = idcard.build(ID_AREA, birth, sequence)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def _phone_chance(age: int) -> float:
    # Children have none; many of the oldest have none either (a family member's phone is used).
    if age < 12:
        return 0.0
    if age < 18:
        return 0.4
    if age < 60:
        return 0.98
    if age < 75:
        return 0.85
    if age < 85:
        return 0.6
    return 0.35


class Planner:
    """Draws the households of one community from a shared random stream."""

    def __init__(self, rng: random.Random, numbers: Numbers, community: Community) -> None:
        self.rng = rng
        self.numbers = numbers
        self.community = community
        self.addresses: set[str] = set()

    # --- people ---------------------------------------------------------------------------

    def birth(self, age: int) -> dt.date:
        """A birthday that makes the person ``age`` on the reference day."""
        year = AGE_REFERENCE.year - age - 1
        return dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))

    def person(self, *, surname: str, sex: str, age: int, relation: str) -> Person:
        age = max(age, 0)
        birth = self.birth(age)
        name = names.full_name(self.rng, family=surname, sex=sex, birth_year=birth.year)
        return Person(name=name, sex=sex, birth=birth, relation=relation)

    def finish(self, person: Person) -> Person:
        person.id_number = self.numbers.id_number(birth=person.birth, sex=person.sex)
        if not person.phone and self.rng.random() < _phone_chance(person.age):
            person.phone = self.numbers.phone()
        person.tags.extend(t for t in self.tags_for(person) if t not in person.tags)
        return person

    def tags_for(self, p: Person) -> list[str]:
        r, age, tags = self.rng.random, p.age, []
        if age >= 18 and r() < (0.14 if age >= 60 else 0.06):
            tags.append("party_member")  # 老党员 are many among the elders
        if age >= 40 and r() < (0.06 if p.sex == "M" else 0.005):
            tags.append("veteran")
        if r() < (0.07 if age >= 60 else 0.03):
            tags.append("disability")
        if 18 <= age <= 75 and r() < (0.22 if age >= 55 else 0.10):
            tags.append("volunteer")  # the young retired volunteer most
        return tags

    # --- places ---------------------------------------------------------------------------

    def address(self, *, reserve: str = "") -> tuple[str, Block]:
        blocks = self.community.blocks
        if reserve:
            self.addresses.add(reserve)
        while True:
            block = self.rng.choices(blocks, weights=[b.weight for b in blocks])[0]
            text = block.pattern.format(
                n=self.rng.randint(*block.numbers),
                unit=self.rng.randint(1, block.units),
                floor=self.rng.randint(1, block.floors),
                door=self.rng.randint(1, block.doors),
            )
            if text not in self.addresses:
                self.addresses.add(text)
                return text, block

    # --- households -----------------------------------------------------------------------

    def family(self, kind: Callable[[], list[Person]]) -> Family:
        members = [self.finish(p) for p in kind()]
        address, block = self.address()
        if block.public_rental:
            members[0].note = "公租房承租人"
        return Family(address=address, grid=block.grid, members=members)

    def elder_alone(self) -> list[Person]:
        sex = "F" if self.rng.random() < 0.75 else "M"  # mostly widows
        elder = self.person(surname=names.surname(self.rng), sex=sex, age=self.rng.randint(68, 95), relation="head")
        elder.tags.append("elder_alone")
        if elder.age >= 85 and self.rng.random() < 0.5:
            elder.tags.append("key_care")
        return [elder]

    def elder_couple(self) -> list[Person]:
        age = self.rng.randint(62, 90)
        husband = self.person(surname=names.surname(self.rng), sex="M", age=age, relation="head")
        wife = self.person(surname=names.surname(self.rng), sex="F", age=age - self.rng.randint(0, 5),
                           relation="spouse")
        for p in (husband, wife):
            p.tags.append("empty_nest")  # children live elsewhere
        return [husband, wife]

    def three_generations(self) -> list[Person]:
        rng, line = self.rng, names.surname(self.rng)
        age = rng.randint(62, 84)
        widowed = rng.random() < 0.3
        if widowed:  # a grandmother heads it; the children carry her late husband's surname
            head = self.person(surname=names.surname(rng), sex="F", age=age, relation="head")
            members = [head]
        else:
            head = self.person(surname=line, sex="M", age=age, relation="head")
            wife = self.person(surname=names.surname(rng), sex="F", age=age - rng.randint(0, 4), relation="spouse")
            members = [head, wife]
        son = rng.random() < 0.7
        child_age = age - rng.randint(24, 30)
        child = self.person(surname=line, sex="M" if son else "F", age=child_age, relation="child")
        in_law_surname = names.surname(rng)
        in_law = self.person(surname=in_law_surname, sex="F" if son else "M", age=child_age + rng.randint(-3, 3),
                             relation="other")
        members += [child, in_law]
        grand_line = line if son else in_law_surname
        first = child_age - rng.randint(24, 32)
        for gap in range(rng.choice((1, 1, 2))):
            members.append(self.person(surname=grand_line, sex=rng.choice("MF"), age=first - gap * rng.randint(2, 6),
                                       relation="grandchild"))
        return members

    def grandparents_raising(self) -> list[Person]:
        """Parents work away: grandparents raise a grandchild (留守儿童)."""
        rng, line = self.rng, names.surname(self.rng)
        age = rng.randint(58, 76)
        members = [
            self.person(surname=line, sex="M", age=age, relation="head"),
            self.person(surname=names.surname(rng), sex="F", age=age - rng.randint(0, 4), relation="spouse"),
        ]
        child = self.person(surname=line, sex=rng.choice("MF"), age=rng.randint(4, 14), relation="grandchild")
        child.tags.append("left_behind_child")
        return [*members, child]

    def nuclear(self) -> list[Person]:
        rng, line = self.rng, names.surname(self.rng)
        age = rng.randint(32, 58)
        father = self.person(surname=line, sex="M", age=age, relation="head")
        mother = self.person(surname=names.surname(rng), sex="F", age=age - rng.randint(-2, 4), relation="spouse")
        if rng.random() < 0.2:  # the wife is the registered head
            father.relation, mother.relation = "spouse", "head"
            members = [mother, father]
        else:
            members = [father, mother]
        first = age - rng.randint(24, 32)
        for gap in range(rng.choice((1, 1, 2))):
            members.append(self.person(surname=line, sex=rng.choice("MF"), age=first - gap * rng.randint(2, 8),
                                       relation="child"))
        return members

    def young_couple(self) -> list[Person]:
        rng, line = self.rng, names.surname(self.rng)
        age = rng.randint(25, 34)
        members = [
            self.person(surname=line, sex="M", age=age, relation="head"),
            self.person(surname=names.surname(rng), sex="F", age=age - rng.randint(0, 3), relation="spouse"),
        ]
        if rng.random() < 0.5:
            members.append(self.person(surname=line, sex=rng.choice("MF"), age=rng.randint(0, 3), relation="child"))
        return members

    def single(self) -> list[Person]:
        sex = self.rng.choice("MF")
        return [self.person(surname=names.surname(self.rng), sex=sex, age=self.rng.randint(20, 59), relation="head")]

    def with_old_parent(self) -> list[Person]:
        """A widowed parent, very old, lives with a son's or daughter's family."""
        rng, line = self.rng, names.surname(self.rng)
        age = rng.randint(48, 62)
        return [
            self.person(surname=line, sex="M", age=age, relation="head"),
            self.person(surname=names.surname(rng), sex="F", age=age - rng.randint(0, 4), relation="spouse"),
            self.person(surname=line if rng.random() < 0.5 else names.surname(rng), sex="F",
                        age=age + rng.randint(24, 32), relation="parent"),
        ]

    def kinds(self) -> list[tuple[Callable[[], list[Person]], int]]:
        return [
            (self.elder_alone, 18),
            (self.elder_couple, 22),
            (self.three_generations, 16),
            (self.grandparents_raising, 4),
            (self.nuclear, 20),
            (self.young_couple, 8),
            (self.single, 6),
            (self.with_old_parent, 8),
        ]

    def proxy_elder(self, example: ProxyExample) -> Family:
        elder = Person(name=example.name, sex=example.sex, birth=example.birth, relation="head",
                       phone=example.phone, tags=["elder_alone"])
        self.addresses.add(example.address)
        elder.id_number = self.numbers.id_number(birth=elder.birth, sex=elder.sex)
        return Family(address=example.address, grid=example.grid, members=[elder])

    def plan(self, *, size: int, proxy: ProxyExample | None = None) -> list[Family]:
        """Exactly ``size`` residents; the last places are filled by elders living alone."""
        families = [self.proxy_elder(proxy)] if proxy and size > 0 else []
        count = len(families)
        kinds = self.kinds()
        while count < size:
            kind = self.rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
            family = self.family(kind)
            if count + len(family.members) > size:
                family = self.family(self.elder_alone)
            families.append(family)
            count += len(family.members)
        return families


def plan_demo(communities: tuple[Community, ...], *, size: int, seed: int, proxy: ProxyExample) -> dict[str, list[Family]]:
    """The households of every demo community, the same for the same seed. The proxy example
    lives in the first community."""
    rng = random.Random(seed)
    numbers = Numbers(rng, reserved_phones=(proxy.phone, proxy.agent_phone))
    return {
        c.code: Planner(rng, numbers, c).plan(size=size, proxy=proxy if i == 0 else None)
        for i, c in enumerate(communities)
    }
