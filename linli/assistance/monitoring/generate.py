"""A realistic synthetic province of monitored low-income households, for tests and benchmarks.

``generate(out_dir, persons=N, as_of=...)`` writes the 12 files of ``schema.INPUTS`` (Parquet, or
CSV) with exactly the schema's columns and types. Everything is drawn with numpy and assembled
with pyarrow, a block of households at a time, so 10 million persons fit in a few hundred MB; the
same seed gives byte-identical files (each block has its own generator seeded by (seed, block)).

The figures are drawn around ``LINE`` (the dibao standard of the example parameters) so that the
tiers held mostly match the incomes and a few per cent drift: every rule of ``schema.RULES``
fires on a set of a few thousand persons with the example parameters.

Default communities: a synthetic province under Chongqing (code 50): the real street codes of
``linli/areas/data/streets.csv.gz`` (shuffled with a fixed seed, so a small set spans several
counties) with invented 3-digit community suffixes, about 100 households per community.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from linli.assistance.monitoring.schema import INPUTS, ColumnType

# Drawn around these (yuan per person per month); the example parameters use the same figures.
LINE = 800.0  # 低保标准
DISPOSABLE_MONTH = 47_000.0 / 12  # 上年度人均可支配收入 / 12
RECENT_DAYS = 90  # registrations, deaths and diagnoses "recent" for the warning rules

BLOCK_HOUSEHOLDS = 100_000  # households per block (one Parquet row group per file and block)
HOUSEHOLDS_PER_COMMUNITY = 100
MANIFEST = "generated.json"
VERSION = 1  # bump when the drawn data change: cached sets (the bench's) are then made again
PROVINCE = "50"

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "int64": pa.int64(),
    "string": pa.string(),
    "date": pa.date32(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "int8": pa.int8(),
}
SCHEMAS: dict[str, pa.Schema] = {
    t.name: pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in t.columns])
    for t in INPUTS
}

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅玉志文德福春秋海燕晓光丹云鹏飞宇浩然欣怡"
    "子涵思雨梓轩俊淑珍凤荣成林清松柏琴翠莲斌波辉亮鑫佳琳雪婷娇蓉川渝江渠"
)
COMMUNITY_STEMS = [
    "幸福", "和平", "新华", "民主", "建设", "光明", "团结", "胜利", "东风", "红旗", "长安", "金山",
    "银杏", "桂花", "兰亭", "翠竹", "丽景", "滨江", "龙湖", "青松", "紫荆", "锦绣", "春晖", "阳光",
    "石桥", "柳荫", "枫林", "梨园", "桃源", "花溪", "白鹤", "黄桷", "碧水", "星光", "南湖", "北城",
    "朝阳", "振兴", "安康", "永安", "福寿", "双溪", "玉带", "书院", "云岭", "望江", "凤凰", "天星",
]
DISEASES = ["恶性肿瘤", "尿毒症", "白血病", "重症精神障碍", "再生障碍性贫血", "器官移植", "耐多药肺结核"]
PLATE_LETTERS = "ABCDFGH"
BASE34 = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

# Household size 1..6 (many elderly singles), mean ≈ 2.5.
SIZE_P = [0.32, 0.25, 0.18, 0.14, 0.07, 0.04]


# -- communities -------------------------------------------------------------------------------------


def _official(filename: str) -> list[dict[str, str]]:
    path = Path(__file__).resolve().parents[2] / "areas" / "data" / filename
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))


def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for f in ("provinces.csv.gz", "cities.csv.gz", "areas.csv.gz", "streets.csv.gz"):
        names.update({r["code"].strip(): r["name"].strip() for r in _official(f)})
    return names


def default_communities(count: int) -> list[str]:
    """``count`` 12-digit community codes under Chongqing's real streets, spread over counties."""
    streets = sorted(r["code"].strip() for r in _official("streets.csv.gz") if r["code"].startswith(PROVINCE))
    order = np.random.default_rng(50).permutation(len(streets))
    streets = [streets[i] for i in order]
    if count > len(streets) * 999:
        raise ValueError(f"社区过多：最多 {len(streets) * 999} 个")
    return [f"{streets[k % len(streets)]}{k // len(streets) + 1:03d}" for k in range(count)]


def _address_prefixes(communities: Sequence[str]) -> list[str]:
    names = _names()
    out = []
    for i, code in enumerate(communities):
        parts = [names.get(code[:n], "") for n in (2, 6, 9)]  # 重庆市渝北区人和街道 (no 市辖区)
        stem = COMMUNITY_STEMS[(int(code[-3:]) + i // 997) % len(COMMUNITY_STEMS)]
        out.append("".join(parts) + stem + "社区")
    return out


# -- vectorised helpers ------------------------------------------------------------------------------


def _take(values: Sequence[str], idx: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(idx))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) array of decimal digits (most significant first)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers) % 10


def _ascii(matrix: np.ndarray) -> pa.Array:
    """Rows of ASCII codes (uint8, fixed width) -> a string array."""
    m = np.ascontiguousarray(matrix.astype(np.uint8))
    fixed = m.view(f"S{m.shape[1]}").ravel()
    return pa.array(fixed, pa.binary(m.shape[1])).cast(pa.string())


def id_numbers(area6: np.ndarray, birth: np.ndarray, sequence: np.ndarray) -> pa.Array:
    """GB 11643 resident ID numbers: area code, birth date, 3-digit sequence, check character."""
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    body = np.concatenate(
        [_digits(area6.astype(np.int64), 6), _digits(y * 10000 + m * 100 + d, 8), _digits(sequence, 3)], axis=1
    )
    check = ID_CHECK[(body * ID_WEIGHTS).sum(axis=1) % 11]
    return _ascii(np.concatenate([body + ord("0"), check[:, None]], axis=1))


def _base_chars(values: np.ndarray, alphabet: str, width: int) -> np.ndarray:
    codes = np.frombuffer(alphabet.encode(), dtype=np.uint8)
    powers = len(alphabet) ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return codes[(values[:, None] // powers) % len(alphabet)]


def credit_codes(area6: np.ndarray, serial: np.ndarray) -> pa.Array:
    """Unified social credit codes (GB 32100) of individual businesses (92…): registration and type,
    area code, a 9-character organisation code with its GB 11714 check, then the overall check."""
    n = len(serial)
    org = _digits(serial.astype(np.int64), 8)
    org_check = (11 - (org * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1) % 11) % 11
    org_chars = np.concatenate(
        [org + ord("0"), np.where(org_check == 10, ord("X"), org_check + ord("0"))[:, None]], axis=1
    )
    alphabet = np.frombuffer(CREDIT_CHARS.encode(), dtype=np.uint8)
    lookup = np.zeros(256, dtype=np.int64)  # a character's value: its place in the alphabet
    lookup[alphabet] = np.arange(len(alphabet))
    head = np.tile(np.frombuffer(b"92", dtype=np.uint8), (n, 1))
    area = _digits(area6.astype(np.int64), 6) + ord("0")
    first17 = np.concatenate([head, area, org_chars], axis=1).astype(np.uint8)
    weights = np.array([pow(3, i, 31) for i in range(17)])
    check = (31 - (lookup[first17] * weights).sum(axis=1) % 31) % 31
    return _ascii(np.concatenate([first17, alphabet[check][:, None]], axis=1))


def plates(serial: np.ndarray) -> pa.Array:
    """渝A… plates, unique per serial: a letter and 5 base-34 characters."""
    letters = np.frombuffer(PLATE_LETTERS.encode(), dtype=np.uint8)
    per_letter = 34**5
    tail = np.concatenate([letters[(serial // per_letter) % len(letters)][:, None], _base_chars(serial % per_letter, BASE34, 5)], axis=1)
    return _join("渝", _ascii(tail))


def _round2(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def _months_matrix(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """(n, 12) booleans: each month present with the row's rate."""
    return rng.random((len(rate), 12)) < rate[:, None]


# -- one block of households -------------------------------------------------------------------------


class _Block:
    """Everything drawn for households [h0, h1) and their persons."""

    def __init__(self, rng: np.random.Generator, *, sizes: np.ndarray, h0: int, p0: int, community: np.ndarray,
                 codes: list[str], prefixes: list[str], as_of: dt.date, serials: dict[str, int]) -> None:
        self.rng = rng
        self.as_of = np.datetime64(as_of, "D")
        month0 = np.datetime64(as_of, "M")
        self.months = (month0 - np.arange(12, 0, -1)).astype("datetime64[D]")  # the window, oldest first
        self.before = (month0 - 13).astype("datetime64[D]")  # a month before the window (ignored)
        self.sizes = sizes
        self.h = len(sizes)
        self.household_id = np.arange(h0 + 1, h0 + self.h + 1, dtype=np.int64)
        self.community = community
        self.codes = codes
        self.prefixes = prefixes
        self.serials = serials
        n = int(sizes.sum())
        self.n = n
        self.person_id = np.arange(p0 + 1, p0 + n + 1, dtype=np.int64)
        self.hh = np.repeat(np.arange(self.h), sizes)  # household index (in block) of each person
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.pos = np.arange(n) - np.repeat(starts, sizes)
        self.starts = starts
        self.tables: dict[str, pa.Table] = {}

    # ages, disabilities, deaths ------------------------------------------------------------------
    def people(self) -> None:
        rng, n, h = self.rng, self.n, self.h
        size = self.sizes[self.hh]
        pos = self.pos
        kind = rng.random(h)[self.hh]  # the household's make-up, per member
        age = np.empty(n)
        adult = rng.uniform(24, 59, n)
        elderly = rng.uniform(60, 95, n)
        child = rng.uniform(0, 23, n)
        head_age = np.where((size == 1) & (kind < 0.7), elderly, adult)
        head_age = np.where((size == 2) & (kind < 0.45), elderly, head_age)
        age[:] = head_age
        head_of = np.repeat(age[self.starts], self.sizes)
        # second member: spouse near the head's age, or a child (single parent), or an elderly parent
        spouse = np.clip(head_of + rng.normal(0, 3, n), 18, 98)
        second = np.where(
            size == 2,
            np.where(kind < 0.45, spouse, np.where(kind < 0.75, np.minimum(child, head_of - 18), elderly)),
            np.where(kind < 0.15, np.minimum(child, head_of - 18), spouse),
        )
        age = np.where(pos == 1, second, age)
        kids = np.maximum(np.minimum(child, head_of - 18), 0)
        age = np.where(pos >= 2, kids, age)
        grand = np.maximum(elderly, head_of + 20)
        age = np.where((size >= 5) & (pos == size - 1), np.minimum(grand, 100), age)
        age = np.where((size == 6) & (pos == size - 2), np.minimum(grand, 100), age)
        age = np.maximum(age, 0.05)
        self.age = age
        days = np.floor(age * 365.25).astype(np.int64)
        self.birth = self.as_of - days.astype("timedelta64[D]")

        p_dis = np.where(age >= 60, 0.10, np.where(age < 16, 0.02, 0.04))
        disabled = rng.random(n) < p_dis
        # a few households with two disabled members (the first two)
        pair = (rng.random(h) < 0.015)[self.hh] & (size >= 2) & (pos < 2)
        disabled |= pair
        grade = rng.choice(np.array([1, 2, 3, 4], dtype=np.int8), n, p=[0.15, 0.25, 0.3, 0.3])
        self.grade = np.where(disabled, grade, 0).astype(np.int8)

        p_death = np.where(age >= 75, 0.035, np.where(age >= 60, 0.009, 0.001))  # in the last year
        dies = rng.random(n) < p_death
        # the registry's feed: deaths of the last year, many recently reported
        died = self.as_of - np.where(rng.random(n) < 0.5, rng.integers(0, 60, n), rng.integers(0, 365, n)).astype(
            "timedelta64[D]"
        )
        self.dead = dies & (died > self.birth)
        self.died_on = died
        able = (age >= 16) & (age < 60) & ~np.isin(self.grade, (1, 2)) & ~self.dead
        self.hh_able = np.bincount(self.hh, weights=able, minlength=h) > 0
        self.hh_alive = np.bincount(self.hh, weights=~self.dead, minlength=h)

    # tiers and review dates ----------------------------------------------------------------------
    def households(self) -> None:
        rng, h = self.rng, self.h
        u = rng.random(h)
        no_able = ~self.hh_able
        # tier codes: 0 none, 1 gangxing, 2 bianyuan, 3 dibao, 4 tekun
        # Without a member able to work, 特困 is the usual tier (the rules know no legal supporters,
        # so a 低保 household here qualifies for 特困: some do, as "needs not met").
        tier = np.select([u < 0.33, u < 0.43, u < 0.51, u < 0.55], [4, 3, 2, 1], default=0)
        tier_able = np.select([u < 0.52, u < 0.67, u < 0.73], [3, 2, 1], default=0)
        tier = np.where(no_able, tier, tier_able)
        self.tier = tier
        # income per living member, as a multiple of LINE, by tier (most match; a few drift)
        v = rng.random(h)
        top = DISPOSABLE_MONTH / LINE  # the rigid-expense tier's line
        r = np.select(
            [tier == 4, tier == 3, tier == 2, tier == 1],
            [
                np.where(v < 0.9, rng.uniform(0, 0.6, h), rng.uniform(1.0, 1.4, h)),
                np.where(v < 0.95, rng.uniform(0.1, 0.97, h), rng.uniform(1.0, 1.4, h)),
                np.select([v < 0.85, v < 0.93], [rng.uniform(1.02, 1.48, h), rng.uniform(0.5, 0.97, h)],
                          rng.uniform(1.55, 2.2, h)),
                np.select([v < 0.8, v < 0.9], [rng.uniform(1.6, 0.9 * top, h), rng.uniform(1.02 * top, 1.3 * top, h)],
                          rng.uniform(1.05, 1.45, h)),
            ],
            default=np.select([v < 0.80, v < 0.88, v < 0.93], [rng.uniform(1.6, 5, h), rng.uniform(1.02, 1.48, h),
                                                              rng.uniform(0.3, 0.97, h)], rng.uniform(5, 10, h)),
        )
        r = np.where(rng.random(h) < np.where(tier >= 3, 0.1, 0.0), 0.0, r)  # no income at all
        self.ratio = r
        self.irregular = rng.random(h) < np.where(tier > 0, 0.2, 0.1)
        held = tier > 0
        since_days = np.where(tier == 1, rng.integers(30, 420, h), rng.integers(60, 3000, h))
        since = self.as_of - since_days.astype("timedelta64[D]")
        # reviewed within the last year (half-year if income is irregular), a few overdue; recognised
        # within the year: not reviewed yet
        review_days = np.where(self.irregular, rng.integers(0, 183, h), rng.integers(0, 365, h))
        review_days = np.where(rng.random(h) < 0.03, rng.integers(365, 500, h), review_days)
        review = np.maximum(self.as_of - review_days.astype("timedelta64[D]"), since)
        never = (since_days < 365) | (rng.random(h) < 0.01)
        tier_codes = ["", "gangxing", "bianyuan", "dibao", "tekun"]
        tier_arr = _take(tier_codes, tier)
        # not helped: mostly null, sometimes the empty string (both mean "not helped")
        tier_arr = pc.if_else(pa.array(~held & (rng.random(h) < 0.8)), pa.scalar(None, pa.string()), tier_arr)
        building = rng.integers(1, 40, h)
        unit = rng.integers(1, 6, h)
        room = rng.integers(1, 30, h) * 100 + rng.integers(1, 5, h)
        address = _join(_take(self.prefixes, self.community), pc.cast(pa.array(building), pa.string()), "栋",
                        pc.cast(pa.array(unit), pa.string()), "单元", pc.cast(pa.array(room), pa.string()), "室")
        address = pc.if_else(pa.array(rng.random(h) < 0.03), pa.scalar(None, pa.string()), address)
        none_date = pa.scalar(None, pa.date32())
        self.tables["households"] = pa.table(
            {
                "household_id": self.household_id,
                "area_code": _take(self.codes, self.community),
                "address": address,
                "tier": tier_arr,
                "tier_since": pc.if_else(pa.array(held), pa.array(since, pa.date32()), none_date),
                "last_review": pc.if_else(pa.array(held & ~never), pa.array(review, pa.date32()), none_date),
                "income_irregular": self.irregular,
            },
            schema=SCHEMAS["households"],
        )

    def persons(self) -> None:
        rng, n = self.rng, self.n
        hh_surname = rng.integers(0, len(SURNAMES), self.h)
        own = rng.integers(0, len(SURNAMES), n)
        # children (and the head) carry the head's surname; spouses and grandparents their own
        size = self.sizes[self.hh]
        keeps = (self.pos == 0) | ((self.pos >= 2) & ~((size >= 5) & (self.pos >= size - 2))) | (
            (self.pos == 1) & (self.age < 24)
        )
        surname = np.where(keeps, hh_surname[self.hh], own)
        g1 = rng.integers(0, len(GIVEN), n)
        g2 = rng.integers(0, len(GIVEN), n)
        two = rng.random(n) < 0.7
        name = _join(_take(SURNAMES, surname), _take(GIVEN, g1), pc.if_else(pa.array(two), _take(GIVEN, g2), ""))
        area6 = np.array([int(c[:6]) for c in self.codes], dtype=np.int64)[self.community][self.hh]
        self.area6 = area6
        idn = id_numbers(area6, self.birth, rng.integers(1, 1000, n))
        self.tables["persons"] = pa.table(
            {
                "person_id": self.person_id,
                "household_id": self.household_id[self.hh],
                "name": name,
                "id_number": idn,
                "birth_date": pa.array(self.birth, pa.date32()),
                "is_head": self.pos == 0,
                "disability_grade": self.grade,
            },
            schema=SCHEMAS["persons"],
        )

    # monthly records -----------------------------------------------------------------------------
    def _monthly(self, who: np.ndarray, present: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, ...]:
        """Rows (person, month, amount) for the True cells of present (n_who × 12); none after a death."""
        rows, cols = np.nonzero(present)
        pid = who[rows]
        month = self.months[cols]
        dead = self.dead[pid - self.person_id[0]]
        keep = ~dead | (month < self.died_on[pid - self.person_id[0]])
        return pid[keep], month[keep], amounts[rows, cols][keep]

    def income(self) -> None:
        rng, n = self.rng, self.n
        alive = ~self.dead
        working = (self.age >= 18) & (self.age < 65) & ~np.isin(self.grade, (1, 2))
        pension = (self.age >= 60) & (rng.random(n) < 0.5)
        earner = alive & (working | pension)
        hh_earners = np.bincount(self.hh, weights=earner, minlength=self.h)
        # a household with income but no earner: the head has it (a pension, odd jobs)
        fallback = (hh_earners == 0)[self.hh] & (self.pos == 0)
        earner |= fallback
        hh_earners = np.maximum(np.bincount(self.hh, weights=earner, minlength=self.h), 1)
        monthly = self.ratio * LINE * np.maximum(self.hh_alive, 1) / hh_earners  # per earner per month
        who = np.nonzero(earner & (self.ratio[self.hh] > 0))[0]
        hh = self.hh[who]
        miss = np.where(self.irregular[hh], 0.3, 0.06)
        present = rng.random((len(who), 12)) >= miss[:, None]
        # a missing month is made up by the others (the yearly total stays near the ratio)
        scale = 12 / np.maximum(present.sum(axis=1), 1)
        noise = rng.uniform(0.85, 1.15, (len(who), 12))
        amounts = _round2(monthly[hh][:, None] * scale[:, None] * noise)
        pid, month, amount = self._monthly(self.person_id[who], present, amounts)
        # a few rows from before the window (ignored by the rules)
        old = who[rng.random(len(who)) < 0.05]
        pid = np.concatenate([pid, self.person_id[old]])
        month = np.concatenate([month, np.full(len(old), self.before)])
        amount = np.concatenate([amount, _round2(monthly[self.hh[old]])])
        self.tables["income"] = self._sorted("income", pid, month, {"amount": amount})

    def _sorted(self, name: str, pid: np.ndarray, month: np.ndarray, cols: dict[str, np.ndarray]) -> pa.Table:
        order = np.lexsort((month, pid))
        data: dict[str, Any] = {"person_id": pid[order], "month": pa.array(month[order], pa.date32())}
        data.update({k: v[order] for k, v in cols.items()})
        return pa.table(data, schema=SCHEMAS[name])

    def medical(self) -> None:
        rng, n = self.rng, self.n
        tier = self.tier[self.hh]
        p = np.where(self.age >= 60, 0.35, 0.2)
        has = rng.random(n) < p
        # 刚性支出 households: the head is being treated
        has |= (tier == 1) & (self.pos == 0)
        who = np.nonzero(has)[0]
        rate = rng.uniform(1 / 12, 6 / 12, len(who))
        present = _months_matrix(rng, rate)
        present[np.arange(len(who)), rng.integers(0, 12, len(who))] = True
        total = rng.lognormal(np.log(600), 1.0, (len(who), 12))
        # a few very high bills (serious illness), and the rigid-expense heads' treatment
        big = (rng.random(len(who)) < 0.04) | ((tier[who] == 1) & (self.pos[who] == 0))
        big_month = rng.integers(0, 12, len(who))
        total[big, big_month[big]] = rng.uniform(40_000, 300_000, int(big.sum()))
        present[big, big_month[big]] = True
        total = _round2(total)
        reimbursed = np.minimum(_round2(total * rng.uniform(0.4, 0.8, total.shape)), total)
        pid, month, tot = self._monthly(self.person_id[who], present, total)
        _, _, reim = self._monthly(self.person_id[who], present, reimbursed)
        self.tables["medical"] = self._sorted("medical", pid, month, {"total": tot, "reimbursed": reim})

    def education(self) -> None:
        rng = self.rng
        who = np.nonzero((self.age >= 6) & (self.age < 23) & (rng.random(self.n) < 0.85))[0]
        age = self.age[who]
        cal = self.months.astype("datetime64[M]").astype(np.int64) % 12 + 1
        term = np.isin(cal, (3, 9))
        monthly_payer = rng.random(len(who)) < 0.3
        rate = np.where(term[None, :], 0.9, np.where(monthly_payer[:, None], 0.8, 0.0))
        present = rng.random((len(who), 12)) < rate
        fee = np.select([age < 16, age < 19], [rng.uniform(300, 1500, len(who)), rng.uniform(1500, 4000, len(who))],
                        rng.uniform(4000, 9000, len(who)))
        small = rng.uniform(150, 400, (len(who), 12))
        amounts = _round2(np.where(term[None, :], fee[:, None], 0) + small)
        pid, month, amount = self._monthly(self.person_id[who], present, amounts)
        self.tables["education"] = self._sorted("education", pid, month, {"amount": amount})

    def rehab(self) -> None:
        rng = self.rng
        who = np.nonzero((self.grade > 0) & (rng.random(self.n) < 0.55))[0]
        present = _months_matrix(rng, np.full(len(who), 0.6))
        amounts = _round2(rng.uniform(200, 2500, (len(who), 12)))
        pid, month, amount = self._monthly(self.person_id[who], present, amounts)
        self.tables["rehab"] = self._sorted("rehab", pid, month, {"amount": amount})

    # assets and events ---------------------------------------------------------------------------
    def _recent(self, k: int, share: float, *, oldest_days: int = 3650) -> np.ndarray:
        """k registration dates: ``share`` of them within RECENT_DAYS of as_of, the rest older."""
        rng = self.rng
        recent = rng.random(k) < share
        days = np.where(recent, rng.integers(0, RECENT_DAYS, k), rng.integers(RECENT_DAYS + 30, oldest_days, k))
        return self.as_of - days.astype("timedelta64[D]")

    def _serial(self, kind: str, k: int) -> np.ndarray:
        start = self.serials.get(kind, 0)
        self.serials[kind] = start + k
        return np.arange(start, start + k, dtype=np.int64)

    def assets(self) -> None:
        rng, n, h = self.rng, self.n, self.h
        held = (self.tier > 0)[self.hh]
        adult = self.age >= 18
        # deposits: most adults; a few held households far over the limit
        who = np.nonzero(adult & (rng.random(n) < 0.75))[0]
        median = np.where(held[who], 2000, 15000)
        balance = rng.lognormal(np.log(median), 1.0)
        over = held[who] & (self.pos[who] == 0) & (rng.random(len(who)) < 0.02)
        balance = np.where(over, rng.uniform(150_000, 400_000, len(who)), balance)
        self.tables["deposits"] = pa.table(
            {"person_id": self.person_id[who], "balance": _round2(balance)}, schema=SCHEMAS["deposits"]
        )
        heads = np.nonzero(self.pos == 0)[0]
        hheld = self.tier > 0
        # vehicles
        has = rng.random(h) < np.where(hheld, 0.03, 0.08)
        owner = heads[has]
        k = len(owner)
        value = _round2(np.clip(rng.lognormal(np.log(np.where(hheld[has], 20_000, 40_000)), 0.9), 3_000, 400_000))
        self.tables["vehicles"] = pa.table(
            {
                "person_id": self.person_id[owner],
                "plate": plates(self._serial("plate", k)),
                "registered_on": pa.array(self._recent(k, 0.25), pa.date32()),
                "value": value,
            },
            schema=SCHEMAS["vehicles"],
        )
        # property: many own their home; a few a second one or a recent one
        first = heads[rng.random(h) < 0.45]
        second = heads[rng.random(h) < 0.02]
        recent = heads[rng.random(h) < 0.01]
        owner = np.concatenate([first, second, recent])
        k = len(owner)
        dates = np.concatenate(
            [self._recent(len(first), 0.0, oldest_days=9000), self._recent(len(second), 0.1),
             self._recent(len(recent), 1.0)]
        )
        years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        order = np.lexsort((self.person_id[owner], dates))
        owner, dates, years = owner[order], dates[order], years[order]
        serial = self._serial("certificate", k)
        certificate = _join(
            "渝(", pc.cast(pa.array(years), pa.string()), ")不动产权第", _ascii(_digits(serial, 7) + ord("0")), "号"
        )
        self.tables["property"] = pa.table(
            {
                "person_id": self.person_id[owner],
                "certificate": certificate,
                "registered_on": pa.array(dates, pa.date32()),
                "floor_area": _round2(rng.uniform(25, 140, k)),
            },
            schema=SCHEMAS["property"],
        )
        # businesses: working-age adults, more of them outside the tiers
        who = np.nonzero(adult & (self.age < 65) & (rng.random(n) < np.where(held, 0.015, 0.025)))[0]
        k = len(who)
        capital = np.where(rng.random(k) < 0.85, rng.uniform(10_000, 100_000, k), rng.uniform(100_000, 1_000_000, k))
        self.tables["business"] = pa.table(
            {
                "person_id": self.person_id[who],
                "credit_code": credit_codes(self.area6[who], self._serial("credit", k)),
                "registered_on": pa.array(self._recent(k, 0.3), pa.date32()),
                "capital": _round2(capital),
            },
            schema=SCHEMAS["business"],
        )

    def events(self) -> None:
        rng, n = self.rng, self.n
        who = np.nonzero(self.dead)[0]
        self.tables["deaths"] = pa.table(
            {"person_id": self.person_id[who], "died_on": pa.array(self.died_on[who], pa.date32())},
            schema=SCHEMAS["deaths"],
        )
        ill = np.nonzero(rng.random(n) < np.where(self.age >= 60, 0.015, 0.004))[0]
        k = len(ill)
        diagnosed = self.as_of - np.where(rng.random(k) < 0.4, rng.integers(0, 60, k), rng.integers(0, 365, k)).astype(
            "timedelta64[D]"
        )
        diagnosed = np.maximum(diagnosed, self.birth[ill])
        self.tables["illness"] = pa.table(
            {
                "person_id": self.person_id[ill],
                "diagnosed_on": pa.array(diagnosed, pa.date32()),
                "disease": _take(DISEASES, rng.integers(0, len(DISEASES), len(ill))),
            },
            schema=SCHEMAS["illness"],
        )

    def build(self) -> dict[str, pa.Table]:
        self.people()
        self.households()
        self.persons()
        self.income()
        self.medical()
        self.education()
        self.rehab()
        self.assets()
        self.events()
        return self.tables


# -- the files -----------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.tmp = path.with_name(path.name + ".part")
        self.path = path
        self.fmt = fmt
        if fmt == "parquet":
            self.w: Any = pq.ParquetWriter(self.tmp, schema, compression="snappy")
        else:
            self.w = pacsv.CSVWriter(self.tmp, schema)

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            self.w.write_table(table, row_group_size=max(1, table.num_rows))
        else:
            self.w.write_table(table)

    def close(self) -> None:
        self.w.close()
        os.replace(self.tmp, self.path)


def _sizes(persons: int, rng: np.random.Generator) -> np.ndarray:
    sizes = rng.choice(np.arange(1, 7, dtype=np.int64), int(persons / 2.4) + 10, p=SIZE_P)
    total = np.cumsum(sizes)
    while total[-1] < persons:  # rare: draw more
        sizes = np.concatenate([sizes, rng.choice(np.arange(1, 7, dtype=np.int64), len(sizes) // 10 + 10, p=SIZE_P)])
        total = np.cumsum(sizes)
    last = int(np.searchsorted(total, persons))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(total[last]) - persons
    return sizes


def _community_of(households: int, communities: int, rng: np.random.Generator) -> np.ndarray:
    weights = rng.uniform(0.6, 1.4, communities)
    bounds = np.round(np.cumsum(weights) / weights.sum() * households).astype(np.int64)
    return np.searchsorted(bounds, np.arange(households), side="right").astype(np.int64)


def generate(
    out_dir: str | os.PathLike[str],
    *,
    persons: int,
    seed: int = 2026,
    as_of: dt.date,
    communities: list[str] | None = None,
    fmt: str = "parquet",
    progress: Any = None,
) -> dict[str, Any]:
    """Write the 12 input files for ``persons`` persons into ``out_dir``; returns what was written
    (also saved as ``generated.json``, written last: a folder without it is incomplete)."""
    if persons < 1:
        raise ValueError("人数至少为 1")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"格式应为 parquet 或 csv，实际为 {fmt!r}")
    for code in communities or []:
        if len(code) != 12 or not code.isdigit():
            raise ValueError(f"社区代码应为 12 位数字：{code!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    # A set generated here before in the other format: the run refuses a folder holding a table
    # in both formats, so the other format's files go.
    other = "csv" if fmt == "parquet" else "parquet"
    for t in INPUTS:
        (out / f"{t.name}.{other}").unlink(missing_ok=True)
    rng = np.random.default_rng([seed, 0])
    sizes = _sizes(persons, rng)
    codes = list(communities) if communities else default_communities(
        max(1, round(len(sizes) / HOUSEHOLDS_PER_COMMUNITY))
    )
    community = _community_of(len(sizes), len(codes), rng)
    prefixes = _address_prefixes(codes)
    writers = {t.name: _Writer(out / f"{t.name}.{fmt}", SCHEMAS[t.name], fmt) for t in INPUTS}
    rows = dict.fromkeys(writers, 0)
    serials: dict[str, int] = {}
    p0 = 0
    blocks = range(0, len(sizes), BLOCK_HOUSEHOLDS)
    try:
        for b, h0 in enumerate(blocks):
            h1 = min(h0 + BLOCK_HOUSEHOLDS, len(sizes))
            block = _Block(
                np.random.default_rng([seed, b + 1]), sizes=sizes[h0:h1], h0=h0, p0=p0,
                community=community[h0:h1], codes=codes, prefixes=prefixes, as_of=as_of, serials=serials,
            )
            for name, table in block.build().items():
                writers[name].write(table)
                rows[name] += table.num_rows
            p0 += block.n
            if progress:
                progress(f"已生成 {p0:,} / {persons:,} 人")
    except BaseException:
        for w in writers.values():
            w.w.close()
            w.tmp.unlink(missing_ok=True)
        raise
    for w in writers.values():
        w.close()
    summary = {
        "generator": VERSION,
        "persons": persons,
        "households": len(sizes),
        "communities": len(codes),
        "seed": seed,
        "as_of": as_of.isoformat(),
        "format": fmt,
        "rows": rows,
    }
    (out / MANIFEST).write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return summary
