"""Crafted households for the rules' tests: each case reads as one household.

``Crafted().household(tier="dibao", members=[member(income=900)])`` adds a household and its
persons' records; ``arrow()`` gives the twelve input tables with schema.INPUTS' exact types,
``ibis_tables(con)`` puts them in a backend, ``write_parquet(dir)`` writes the files pandas_ref reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from linli.assistance.monitoring.params import ParamVersion
from linli.assistance.monitoring.schema import INPUTS

AS_OF = dt.date(2026, 11, 15)
# The window: 2025-11-01 … 2026-10-01.
WINDOW_MONTHS = [dt.date(2025 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(12)]
AREA = "110101001001"

_ARROW = {
    "int64": pa.int64(), "string": pa.string(), "date": pa.date32(), "float64": pa.float64(),
    "bool": pa.bool_(), "int8": pa.int8(),
}


def version(**overrides: object) -> ParamVersion:
    """Round example figures (not any place's standard): lines 1000 / 1500 / 3000 a month."""
    values: dict[str, object] = dict(
        region="11", region_name="示例市", valid_from=dt.date(2026, 1, 1), valid_to=None,
        document="示例参数（非真实标准）",
        dibao_standard=1000.0, near_poverty_multiple=1.5, disposable_income_last_year=36000.0,
        rigid_share=0.6, basic_living_month=500.0, recognition_months=12,
        deposit_months=24.0, vehicle_value_limit=50000.0, homes_limit=1,
        business_capital_limit=100000.0,
        disabled_members_alert=2, high_medical_oop=20000.0, event_lookback_days=90,
        review_months=12, review_months_irregular=6, review_lead_days=30,
        deadline_days_proactive=15, deadline_days_needs=30, deadline_days_change=20,
    )
    values.update(overrides)
    return ParamVersion(**values)  # type: ignore[arg-type]


def adult(as_of: dt.date = AS_OF) -> dt.date:
    return as_of.replace(year=as_of.year - 40)


def elder(as_of: dt.date = AS_OF) -> dt.date:
    return as_of.replace(year=as_of.year - 70)


@dataclass
class Member:
    birth_date: dt.date = field(default_factory=elder)  # not able to work unless said otherwise
    income: float | list[float] = 0.0  # per month of the window (or 12 values)
    medical: tuple[float, float] = (0.0, 0.0)  # (total, reimbursed) over the window
    education: float = 0.0
    rehab: float = 0.0
    deposit: float | None = None
    disability: int = 0
    is_head: bool = False
    died_on: dt.date | None = None
    vehicles: list[tuple[dt.date, float]] = field(default_factory=list)  # (registered_on, value)
    properties: list[tuple[dt.date, float]] = field(default_factory=list)  # (registered_on, area)
    businesses: list[tuple[dt.date, float]] = field(default_factory=list)  # (registered_on, capital)
    illnesses: list[dt.date] = field(default_factory=list)
    name: str | None = None
    extra_months: list[tuple[dt.date, float]] = field(default_factory=list)  # income outside window


def member(**kw: object) -> Member:
    return Member(**kw)  # type: ignore[arg-type]


@dataclass
class Crafted:
    rows: dict[str, list[dict[str, object]]] = field(
        default_factory=lambda: {t.name: [] for t in INPUTS}
    )
    next_id: int = 1

    def household(
        self,
        members: list[Member],
        *,
        tier: str | None = "",
        tier_since: dt.date | str | None = "auto",
        last_review: dt.date | None = None,
        income_irregular: bool = False,
        area: str = AREA,
        head: bool = True,
    ) -> int:
        """Adds one household; the first member is its head unless ``head=False``.

        ``tier_since`` defaults to 100 days before AS_OF for a helped household; pass None for none.
        """
        hid = self.next_id
        self.next_id += 1
        if tier_since == "auto":  # helped households: since 100 days before AS_OF
            tier_since = AS_OF - dt.timedelta(days=100) if tier else None
        self.rows["households"].append(dict(
            household_id=hid, area_code=area, address=f"示例路{hid}号", tier=tier,
            tier_since=tier_since, last_review=last_review, income_irregular=income_irregular,
        ))
        for i, m in enumerate(members):
            pid = hid * 100 + i
            is_head = m.is_head or (head and i == 0)
            self.rows["persons"].append(dict(
                person_id=pid, household_id=hid, name=m.name or f"成员{hid}-{i}",
                id_number=f"11010119800101{pid:04d}"[-18:], birth_date=m.birth_date,
                is_head=is_head, disability_grade=m.disability,
            ))
            amounts = m.income if isinstance(m.income, list) else [m.income] * 12
            for month, amount in zip(WINDOW_MONTHS, amounts, strict=True):
                if amount:
                    self.rows["income"].append(dict(person_id=pid, month=month, amount=amount))
            for month, amount in m.extra_months:
                self.rows["income"].append(dict(person_id=pid, month=month, amount=amount))
            total, reimbursed = m.medical
            if total:
                self.rows["medical"].append(
                    dict(person_id=pid, month=WINDOW_MONTHS[3], total=total, reimbursed=reimbursed)
                )
            for table, amount in (("education", m.education), ("rehab", m.rehab)):
                if amount:
                    self.rows[table].append(dict(person_id=pid, month=WINDOW_MONTHS[5], amount=amount))
            if m.deposit is not None:
                self.rows["deposits"].append(dict(person_id=pid, balance=m.deposit))
            for j, (on, value) in enumerate(m.vehicles):
                self.rows["vehicles"].append(
                    dict(person_id=pid, plate=f"京A{pid}{j}", registered_on=on, value=value)
                )
            for j, (on, area_m2) in enumerate(m.properties):
                self.rows["property"].append(
                    dict(person_id=pid, certificate=f"不动产{pid}-{j}", registered_on=on, floor_area=area_m2)
                )
            for j, (on, capital) in enumerate(m.businesses):
                self.rows["business"].append(
                    dict(person_id=pid, credit_code=f"91{pid:08d}{j}", registered_on=on, capital=capital)
                )
            if m.died_on:
                self.rows["deaths"].append(dict(person_id=pid, died_on=m.died_on))
            for on in m.illnesses:
                self.rows["illness"].append(dict(person_id=pid, diagnosed_on=on, disease="恶性肿瘤"))
        return hid

    def arrow(self) -> dict[str, pa.Table]:
        out = {}
        for t in INPUTS:
            schema = pa.schema([pa.field(c.name, _ARROW[c.type], nullable=c.nullable) for c in t.columns])
            rows = self.rows[t.name]
            out[t.name] = pa.table({c.name: [r[c.name] for r in rows] for c in t.columns}, schema=schema)
        return out

    def ibis_tables(self, con) -> dict:
        """The tables created in ``con`` (an ibis backend), under their file names."""
        return {name: con.create_table(name, table, overwrite=True) for name, table in self.arrow().items()}

    def write_parquet(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, table in self.arrow().items():
            pq.write_table(table, directory / f"{name}.parquet")
        return directory


def replace(v: ParamVersion, **kw: object) -> ParamVersion:
    return dataclasses.replace(v, **kw)  # type: ignore[arg-type]
