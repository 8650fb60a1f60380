"""The input files' schema, the tiers, the alert classes and rules, the output's columns.

One place for the contract between the departments' files, the engine, the pandas reference and
the platform's import. ``docs/monitoring-format.md`` explains each column for the people who
export the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["int64", "string", "date", "float64", "bool", "int8"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False
    non_negative: bool = False  # amounts and counts: a negative value is a row error
    not_future: bool = False  # dates: a value after the run's as-of date is a row error


@dataclass(frozen=True)
class InputTable:
    name: str  # the file's stem: households.parquet or households.csv
    title: str  # in Chinese, for reports
    department: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # a second row with the same key is a duplicate
    # (column, table, table's column): the value must exist there (after that table's checks).
    references: tuple[tuple[str, str, str], ...] = ()
    required: bool = True  # a missing optional file is read as empty

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, type: ColumnType, **kw) -> Column:
    return Column(name, type, **kw)


# Tier codes, highest first. "" is a household monitored but not helped.
TIERS: dict[str, str] = {
    "tekun": "特困",
    "dibao": "低保",
    "bianyuan": "低保边缘",
    "gangxing": "刚性支出困难家庭",
    "": "未纳入救助",
}
TIER_RANK: dict[str, int] = {"tekun": 4, "dibao": 3, "bianyuan": 2, "gangxing": 1, "": 0}

INPUTS: tuple[InputTable, ...] = (
    InputTable(
        "households", "救助对象家庭", "民政（低收入人口库）",
        (
            _c("household_id", "int64"),
            _c("area_code", "string"),  # the community's 12-digit code
            _c("address", "string", nullable=True),
            _c("tier", "string", nullable=True),  # one of TIERS; empty or null: not helped
            _c("tier_since", "date", nullable=True, not_future=True),
            _c("last_review", "date", nullable=True, not_future=True),
            _c("income_irregular", "bool"),  # reviewed every six months instead of yearly
        ),
        key=("household_id",),
    ),
    InputTable(
        "persons", "家庭成员", "民政（低收入人口库）",
        (
            _c("person_id", "int64"),
            _c("household_id", "int64"),
            _c("name", "string"),
            _c("id_number", "string"),
            _c("birth_date", "date", not_future=True),
            _c("is_head", "bool"),
            _c("disability_grade", "int8", non_negative=True),  # 0 none; 1 (most severe) … 4
        ),
        key=("person_id",),
        references=(("household_id", "households", "household_id"),),
    ),
    InputTable(
        "income", "收入（按月）", "人社、税务",
        (_c("person_id", "int64"), _c("month", "date", not_future=True), _c("amount", "float64", non_negative=True)),
        key=("person_id", "month"),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "medical", "医疗费用（按月）", "医保",
        (
            _c("person_id", "int64"),
            _c("month", "date", not_future=True),
            _c("total", "float64", non_negative=True),
            _c("reimbursed", "float64", non_negative=True),  # paid by insurance; ≤ total
        ),
        key=("person_id", "month"),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "education", "教育支出（按月）", "教育",
        (_c("person_id", "int64"), _c("month", "date", not_future=True), _c("amount", "float64", non_negative=True)),
        key=("person_id", "month"),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "rehab", "残疾康复支出（按月）", "残联",
        (_c("person_id", "int64"), _c("month", "date", not_future=True), _c("amount", "float64", non_negative=True)),
        key=("person_id", "month"),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "deposits", "存款", "金融机构（经授权查询）",
        (_c("person_id", "int64"), _c("balance", "float64", non_negative=True)),
        key=("person_id",),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "vehicles", "机动车登记", "公安交管",
        (
            _c("person_id", "int64"),
            _c("plate", "string"),
            _c("registered_on", "date", not_future=True),
            _c("value", "float64", non_negative=True),
        ),
        key=("plate",),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "property", "不动产登记", "自然资源（不动产登记）",
        (
            _c("person_id", "int64"),
            _c("certificate", "string"),
            _c("registered_on", "date", not_future=True),
            _c("floor_area", "float64", non_negative=True),
        ),
        key=("certificate",),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "business", "市场主体登记", "市场监管",
        (
            _c("person_id", "int64"),
            _c("credit_code", "string"),
            _c("registered_on", "date", not_future=True),
            _c("capital", "float64", non_negative=True),
        ),
        key=("credit_code",),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "deaths", "死亡登记", "公安、卫健、殡葬",
        (_c("person_id", "int64"), _c("died_on", "date", not_future=True)),
        key=("person_id",),
        references=(("person_id", "persons", "person_id"),),
    ),
    InputTable(
        "illness", "重特大疾病", "医保、卫健",
        (_c("person_id", "int64"), _c("diagnosed_on", "date", not_future=True), _c("disease", "string")),
        key=("person_id", "diagnosed_on", "disease"),
        references=(("person_id", "persons", "person_id"),),
    ),
)
INPUT_BY_NAME: dict[str, InputTable] = {t.name: t for t in INPUTS}

# Alert classes (预警类别) and their rules (预警规则): code -> (class, Chinese title).
CLASSES: dict[str, str] = {
    "proactive": "主动发现",
    "needs_not_met": "需求未满足",
    "change": "变化复核",
    "review": "到期复核",
}
RULES: dict[str, tuple[str, str]] = {
    "multi_disability": ("proactive", "家庭多名成员残疾"),
    "high_medical": ("proactive", "自付医疗费用高"),
    "death_or_illness": ("proactive", "家庭成员死亡或患重特大疾病"),
    "qualifies_higher": ("needs_not_met", "符合更高救助类别"),
    "income_above_line": ("change", "收入超过标准"),
    "assets_over_limit": ("change", "财产超过限额"),
    "vehicle_registered": ("change", "新登记机动车"),
    "property_registered": ("change", "新登记不动产"),
    "business_registered": ("change", "新登记市场主体"),
    "holder_died": ("change", "户主死亡"),
    "review_due": ("review", "定期复核到期"),
    "recognition_expiring": ("review", "刚性支出困难认定期满"),
}

# alerts.parquet: one row per (household, rule).
ALERT_COLUMNS: tuple[Column, ...] = (
    _c("household_id", "int64"),
    _c("area_code", "string"),
    _c("address", "string", nullable=True),
    _c("head_name", "string", nullable=True),
    _c("head_id_number", "string", nullable=True),
    _c("alert_class", "string"),  # CLASSES
    _c("rule", "string"),  # RULES
    _c("tier_held", "string"),  # TIERS ("" not helped)
    _c("tier_eligible", "string"),  # the highest tier the household meets now
    _c("members", "int64"),  # living members
    _c("income_pc", "float64"),  # monthly income per living member, last 12 months, yuan
    _c("value", "float64", nullable=True),  # the rule's evidence value (see RULE_EVIDENCE)
    _c("threshold", "float64", nullable=True),  # the line it was compared with
    _c("event_date", "date", nullable=True),  # the registration, death, diagnosis or due date
    _c("deadline", "date"),  # home check (入户核查) due by
    _c("params_document", "string"),  # the parameter version's source document
)
ALERT_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in ALERT_COLUMNS)

# What value and threshold mean per rule, for people reading the evidence.
RULE_EVIDENCE: dict[str, tuple[str, str]] = {
    "multi_disability": ("残疾成员人数", "预警人数"),
    "high_medical": ("近12个月自付医疗费用（元）", "预警线（元）"),
    "death_or_illness": ("死亡或确诊人数", ""),
    "qualifies_higher": ("家庭月人均收入（元）", "所符合类别的收入标准（元）"),
    "income_above_line": ("家庭月人均收入（元）", "现享类别的收入标准（元）"),
    "assets_over_limit": ("超限财产（元或套）", "限额"),
    "vehicle_registered": ("车辆价值（元）", "车辆价值限额（元）"),
    "property_registered": ("房产面积（平方米）", ""),
    "business_registered": ("注册资本（元）", ""),
    "holder_died": ("", ""),
    "review_due": ("", ""),
    "recognition_expiring": ("已认定月数", "最长认定月数"),
}
