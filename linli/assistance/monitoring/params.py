"""Local parameters: per region (a province, city or county code prefix), versioned by date, each
version naming the document it comes from. Loaded from TOML (``params/example.toml``).

SKELETON — helper H1 completes loading and checking; the field names below are the contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ParamVersion:
    region: str  # area code prefix: 2 (province), 4 (city) or 6 (county) digits
    region_name: str
    valid_from: dt.date
    valid_to: dt.date | None  # None: open-ended (only the last version)
    document: str  # the source document, e.g. "渝民发〔2025〕12号"; examples say so
    # Lines, yuan per person per month unless said otherwise.
    dibao_standard: float  # 低保标准
    near_poverty_multiple: float  # 低保边缘: income per person below this × dibao_standard (1.5–2)
    disposable_income_last_year: float  # 上年度居民人均可支配收入, yuan per person per YEAR
    rigid_share: float  # 刚性支出: over this share of household income (0.6 Jilin, 0.8 Shenyang)
    basic_living_month: float  # 基本生活支出 counted per person per month in rigid spending
    recognition_months: int  # 刚性支出困难 recognised for at most this many months (12)
    # Assets (财产限额).
    deposit_months: float  # deposits per member ≤ this × dibao_standard
    vehicle_value_limit: float  # a vehicle worth more than this is over the limit
    homes_limit: int  # more properties than this is over the limit
    business_capital_limit: float  # a registered business with more capital is over the limit
    # Warning indicators.
    disabled_members_alert: int  # 主动发现: at least this many disabled members
    high_medical_oop: float  # 主动发现: out-of-pocket medical over 12 months above this (yuan)
    event_lookback_days: int  # deaths, diagnoses and registrations counted this far back
    review_months: int  # yearly review (12)
    review_months_irregular: int  # where income is irregular (6)
    review_lead_days: int  # alert this many days before a review falls due
    deadline_days_proactive: int  # home check due this many days after the run
    deadline_days_needs: int
    deadline_days_change: int


@dataclass(frozen=True)
class Params:
    versions: tuple[ParamVersion, ...]
    example: bool  # the file says its figures are examples, not any place's standard
    source: str  # the file's path, for the report

    def in_force(self, on: dt.date) -> list[ParamVersion]:
        """Per region, the version in force on ``on``."""
        raise NotImplementedError
