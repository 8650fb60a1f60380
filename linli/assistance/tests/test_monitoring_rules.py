"""Each tier and each rule on crafted households at and around its threshold (just below, equal,
just above), run through rules.py on DuckDB and through pandas_ref, which must agree.

All cases are one crafted province, run once per engine (module fixtures); each test looks at its
own household. Example parameters (crafted.version): 低保 1000, 低保边缘 1500, 刚性支出 3000 a
month per person, rigid share 60 %, basic living 500 a month, deposits 24 × 1000 per member,
vehicle 50 000, one home, business capital 100 000, 2 disabled members, medical 20 000, look-back
90 days, review every 12 (6) months, 30 days' lead; deadlines 15 / 30 / 20 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from linli.assistance.monitoring import pandas_ref, rules
from linli.assistance.monitoring.params import Params, ParamVersion
from linli.assistance.monitoring.schema import ALERT_COLUMN_NAMES, ALERT_COLUMNS, RULES
from linli.assistance.tests.crafted import AS_OF, Crafted, Member, adult, member, version
from linli.assistance.tests.spark import spark_backend  # noqa: F401  (fixture)

# Pure engine tests: no database, so CI runs them once (not again on PostgreSQL).
pytestmark = pytest.mark.engine

D = dt.date
DAY = dt.timedelta(days=1)
V = version()
# Regions for the longest-prefix cases: a province, a city in it and a county in the city.
REGIONAL = [
    version(region="12", region_name="示例省", dibao_standard=700.0, document="示例省文件"),
    version(region="1201", region_name="示例市", dibao_standard=800.0, document="示例市文件"),
    version(region="120102", region_name="示例县", dibao_standard=900.0, document="示例县文件"),
]
VERSIONS: list[ParamVersion] = [V, *REGIONAL]
DEADLINE = {"proactive": AS_OF + 15 * DAY, "needs_not_met": AS_OF + 30 * DAY, "change": AS_OF + 20 * DAY}


def years_ago(n: int, days: int = 0) -> dt.date:
    return AS_OF.replace(year=AS_OF.year - n) + days * DAY


@dataclass
class Case:
    name: str
    members: list[Member]
    expect: frozenset[str]  # the rules that fire, exactly
    eligible: str | None = None  # tier_eligible, when the case is about it
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule -> column -> value
    household: dict[str, Any] = field(default_factory=dict)


CASES: list[Case] = []


def case(name: str, *members: Member, expect: tuple[str, ...] = (), eligible: str | None = None,
         evidence: dict[str, dict[str, Any]] | None = None, **household: Any) -> None:
    CASES.append(Case(name, list(members), frozenset(expect), eligible, evidence or {}, household))


def able(**kw: Any) -> Member:
    """A member of working age with no severe disability."""
    return member(birth_date=adult(), **kw)


QH = ("qualifies_higher",)

# -- tiers: the eligibility of households not helped (qualifies_higher tells it) -------------------
case("dibao below", able(income=999.99), expect=QH, eligible="dibao",
     evidence={"qualifies_higher": {"value": 999.99, "threshold": 1000.0}})
case("dibao equal", able(income=1000.0), expect=QH, eligible="bianyuan",
     evidence={"qualifies_higher": {"value": 1000.0, "threshold": 1500.0}})
case("dibao above", able(income=1000.01), expect=QH, eligible="bianyuan")
case("dibao two members", able(income=1999.98), able(), expect=QH, eligible="dibao",
     evidence={"qualifies_higher": {"value": 999.99}})
case("income of a dead member not counted", able(income=900.0),
     able(income=5000.0, died_on=AS_OF - 200 * DAY), expect=QH, eligible="dibao")
case("income outside the window ignored",
     able(income=999.0, extra_months=[(D(2025, 10, 1), 50000.0), (D(2026, 11, 1), 50000.0)]),
     expect=QH, eligible="dibao")
case("irregular income averaged over 12 months", able(income=[11999.88] + [0.0] * 11), expect=QH,
     eligible="dibao", evidence={"qualifies_higher": {"value": 999.99}})
case("tekun below", member(income=999.99), expect=QH, eligible="tekun",
     evidence={"qualifies_higher": {"value": 999.99, "threshold": 1000.0}})
case("tekun equal", member(income=1000.0), expect=QH, eligible="bianyuan")
case("tekun: aged 15 is not able", member(birth_date=years_ago(16, 1), income=500.0), expect=QH,
     eligible="tekun")
case("tekun: aged 16 is able", member(birth_date=years_ago(16), income=500.0), expect=QH,
     eligible="dibao")
case("tekun: aged 59 is able", member(birth_date=years_ago(60, 1), income=500.0), expect=QH,
     eligible="dibao")
case("tekun: aged 60 is not able", member(birth_date=years_ago(60), income=500.0), expect=QH,
     eligible="tekun")
case("tekun: disability grade 2 is not able", able(disability=2, income=500.0), expect=QH,
     eligible="tekun")
case("tekun: disability grade 3 is able", able(disability=3, income=500.0), expect=QH,
     eligible="dibao")
case("tekun: an able member who died", member(income=500.0), able(died_on=AS_OF - 300 * DAY),
     expect=QH, eligible="tekun")
case("bianyuan below", able(income=1499.99), expect=QH, eligible="bianyuan",
     evidence={"qualifies_higher": {"value": 1499.99, "threshold": 1500.0}})
case("bianyuan equal", able(income=1500.0), eligible="")
case("bianyuan above", able(income=1500.01), eligible="")
# 刚性支出: income 2000 a month → 24 000 a year, 60 % = 14 400; basic living 6 000 a year, so
# medical (after insurance) + education + rehabilitation must exceed 8 400.
RIGID = dict(medical=(5000.0, 1000.0), education=2400.0)
case("gangxing rigid below", able(income=2000.0, rehab=1999.99, **RIGID), eligible="")
case("gangxing rigid equal", able(income=2000.0, rehab=2000.0, **RIGID), eligible="")
case("gangxing rigid above", able(income=2000.0, rehab=2000.01, **RIGID), expect=QH, eligible="gangxing",
     evidence={"qualifies_higher": {"value": 2000.0, "threshold": 3000.0}})
case("gangxing: rigid spending of a member who died counts",
     able(income=2000.0, **RIGID), able(rehab=2000.01, died_on=AS_OF - 10 * DAY),
     expect=(*QH, "death_or_illness"), eligible="gangxing")
case("gangxing income below", able(income=2999.99, medical=(60000.0, 0.0)),
     expect=(*QH, "high_medical"), eligible="gangxing")
case("gangxing income equal", able(income=3000.0, medical=(60000.0, 0.0)), expect=("high_medical",),
     eligible="")
case("gangxing above the line", able(income=3000.01, medical=(60000.0, 0.0)), expect=("high_medical",),
     eligible="")
# Assets: one member, deposits ≤ 24 × 1000.
case("deposits equal", able(income=500.0, deposit=24000.0), expect=QH, eligible="dibao")
case("deposits above", able(income=500.0, deposit=24000.01), eligible="")
case("deposits: the limit counts living members", able(income=500.0, deposit=30000.0),
     able(deposit=10000.0), expect=QH, eligible="dibao")
case("deposits: a dead member neither", able(income=500.0, deposit=30000.0),
     able(died_on=AS_OF - 200 * DAY), eligible="")
case("vehicle equal", able(income=500.0, vehicles=[(D(2020, 1, 1), 50000.0)]), expect=QH,
     eligible="dibao")
case("vehicle above", able(income=500.0, vehicles=[(D(2020, 1, 1), 50000.01)]), eligible="")
case("one home", able(income=500.0, properties=[(D(2010, 1, 1), 60.0)]), expect=QH, eligible="dibao")
case("two homes", able(income=500.0, properties=[(D(2010, 1, 1), 60.0), (D(2012, 1, 1), 40.0)]),
     eligible="")
case("business equal", able(income=500.0, businesses=[(D(2020, 1, 1), 100000.0)]), expect=QH,
     eligible="dibao")
case("business above", able(income=500.0, businesses=[(D(2020, 1, 1), 100000.01)]), eligible="")

# -- qualifies_higher for households helped -----------------------------------------------------
case("held dibao, qualifies dibao", able(income=500.0), tier="dibao", eligible="dibao")
case("held dibao, qualifies tekun", member(income=500.0), tier="dibao", expect=QH, eligible="tekun",
     evidence={"qualifies_higher": {"value": 500.0, "threshold": 1000.0,
                                    "deadline": DEADLINE["needs_not_met"]}})
case("held tekun, qualifies dibao", able(income=500.0), tier="tekun", eligible="dibao")
case("held bianyuan, qualifies dibao", able(income=999.99), tier="bianyuan", expect=QH, eligible="dibao")
case("held gangxing, qualifies bianyuan", able(income=1499.99), tier="gangxing", expect=QH,
     eligible="bianyuan")

# -- income_above_line: the held tier's line ----------------------------------------------------
IAL = ("income_above_line",)
case("dibao held, income below", able(income=999.99), tier="dibao", eligible="dibao")
case("dibao held, income equal", able(income=1000.0), tier="dibao", expect=IAL, eligible="bianyuan",
     evidence={"income_above_line": {"value": 1000.0, "threshold": 1000.0, "deadline": DEADLINE["change"]}})
case("dibao held, income above", able(income=1000.01), tier="dibao", expect=IAL)
case("tekun held, income equal", member(income=1000.0), tier="tekun", expect=IAL)
case("bianyuan held, income below", able(income=1499.99), tier="bianyuan")
case("bianyuan held, income equal", able(income=1500.0), tier="bianyuan", expect=IAL,
     evidence={"income_above_line": {"value": 1500.0, "threshold": 1500.0}})
case("gangxing held, income below", able(income=2999.99), tier="gangxing")
case("gangxing held, income equal", able(income=3000.0), tier="gangxing", expect=IAL,
     evidence={"income_above_line": {"value": 3000.0, "threshold": 3000.0}})

# -- assets_over_limit (held) -------------------------------------------------------------------
AOL = ("assets_over_limit",)
case("held, deposits equal", able(income=500.0, deposit=24000.0), tier="dibao")
case("held, deposits above", able(income=500.0, deposit=24000.01), tier="dibao", expect=AOL, eligible="",
     evidence={"assets_over_limit": {"value": 24000.01, "threshold": 24000.0}})
case("held, vehicle above", able(income=500.0, vehicles=[(D(2020, 1, 1), 50000.01)]), tier="dibao",
     expect=AOL, evidence={"assets_over_limit": {"value": 50000.01, "threshold": 50000.0}})
case("held, two homes", able(income=500.0, properties=[(D(2010, 1, 1), 60.0), (D(2012, 1, 1), 40.0)]),
     tier="dibao", expect=AOL, evidence={"assets_over_limit": {"value": 2.0, "threshold": 1.0}})
case("held, business above", able(income=500.0, businesses=[(D(2020, 1, 1), 100000.01)]), tier="dibao",
     expect=AOL, evidence={"assets_over_limit": {"value": 100000.01, "threshold": 100000.0}})

# -- registrations within the look-back (held) --------------------------------------------------
OLD, NEW = AS_OF - 90 * DAY, AS_OF - 89 * DAY  # 90 days back is outside, 89 inside
case("vehicle registered 90 days ago", able(income=500.0, vehicles=[(OLD, 30000.0)]), tier="dibao")
case("vehicle registered 89 days ago", able(income=500.0, vehicles=[(NEW, 30000.0)]), tier="dibao",
     expect=("vehicle_registered",),
     evidence={"vehicle_registered": {"value": 30000.0, "threshold": 50000.0, "event_date": NEW,
                                      "deadline": DEADLINE["change"]}})
case("vehicle registered on as_of", able(income=500.0, vehicles=[(AS_OF, 30000.0)]), tier="dibao",
     expect=("vehicle_registered",), evidence={"vehicle_registered": {"event_date": AS_OF}})
case("vehicle registered, not helped", able(income=500.0, vehicles=[(NEW, 30000.0)]), expect=QH)
case("property registered 90 days ago", able(income=500.0, properties=[(OLD, 50.0)]), tier="dibao")
case("property registered 89 days ago", able(income=500.0, properties=[(NEW, 50.5)]), tier="dibao",
     expect=("property_registered",),
     evidence={"property_registered": {"value": 50.5, "threshold": None, "event_date": NEW}})
case("business registered 90 days ago", able(income=500.0, businesses=[(OLD, 1000.0)]), tier="dibao")
case("business registered 89 days ago", able(income=500.0, businesses=[(NEW, 1000.0)]), tier="dibao",
     expect=("business_registered",),
     evidence={"business_registered": {"value": 1000.0, "threshold": None, "event_date": NEW}})

# -- holder_died (held) -------------------------------------------------------------------------
case("head died 90 days ago", able(died_on=OLD), able(income=500.0), tier="dibao")
case("head died 89 days ago", able(died_on=NEW), able(income=500.0), tier="dibao",
     expect=("holder_died",), evidence={"holder_died": {"event_date": NEW, "value": None}})
case("another member died", able(income=500.0), able(died_on=NEW), tier="dibao")
case("head died, nobody left: only holder_died", member(died_on=NEW, deposit=99999.0), tier="tekun",
     tier_since=AS_OF - 400 * DAY, expect=("holder_died",),
     evidence={"holder_died": {"event_date": NEW, "deadline": DEADLINE["change"]}})
case("head died, not helped", able(died_on=NEW), able(income=500.0), expect=(*QH, "death_or_illness"))

# -- proactive discovery (not helped) -----------------------------------------------------------
rich = {"income": 5000.0}  # keeps qualifies_higher quiet
MD = ("multi_disability",)
case("one disabled member", able(disability=1, **rich), able())
case("two disabled members", able(disability=1, **rich), able(disability=4), expect=MD,
     evidence={"multi_disability": {"value": 2.0, "threshold": 2.0, "deadline": DEADLINE["proactive"]}})
case("three disabled members", able(disability=3, **rich), able(disability=4), able(disability=4),
     expect=MD, evidence={"multi_disability": {"value": 3.0}})
case("two disabled, one dead", able(disability=1, **rich), able(disability=4, died_on=D(2020, 1, 1)))
case("two disabled, helped", able(disability=1, **rich), able(disability=4), tier="bianyuan",
     expect=IAL)
HM = ("high_medical",)
case("medical just below", able(medical=(29999.99, 10000.0), **rich))
case("medical equal", able(medical=(30000.0, 10000.0), **rich))
case("medical just above", able(medical=(30000.01, 10000.0), **rich), expect=HM,
     evidence={"high_medical": {"value": 20000.01, "threshold": 20000.0}})
case("medical of two members", able(medical=(10000.0, 0.0), **rich), able(medical=(10000.01, 0.0)),
     expect=HM)
DI = ("death_or_illness",)
case("diagnosed 90 days ago", able(illnesses=[OLD], **rich))
case("diagnosed 89 days ago", able(illnesses=[NEW], **rich), expect=DI,
     evidence={"death_or_illness": {"value": 1.0, "event_date": NEW, "deadline": DEADLINE["proactive"]}})
case("a death and a diagnosis", able(illnesses=[OLD + 10 * DAY, NEW], **rich),
     able(died_on=AS_OF - 5 * DAY), expect=DI,
     evidence={"death_or_illness": {"value": 2.0, "event_date": AS_OF - 5 * DAY}})
case("died after a diagnosis: one person", able(**rich),
     able(illnesses=[AS_OF - 30 * DAY], died_on=AS_OF - 2 * DAY), expect=DI,
     evidence={"death_or_illness": {"value": 1.0, "event_date": AS_OF - 2 * DAY}})

# -- review_due (held): due = last review (or tier_since) + 12 or 6 months; lead 30 days --------
RD = ("review_due",)
case("review due in 31 days", able(income=500.0), tier="dibao",
     last_review=rules.add_months(AS_OF + 31 * DAY, -12))
case("review due in 30 days", able(income=500.0), tier="dibao",
     last_review=rules.add_months(AS_OF + 30 * DAY, -12), expect=RD,
     evidence={"review_due": {"event_date": AS_OF + 30 * DAY, "deadline": AS_OF + 30 * DAY}})
case("review overdue", able(income=500.0), tier="dibao", last_review=D(2025, 1, 31), expect=RD,
     evidence={"review_due": {"event_date": D(2026, 1, 31), "deadline": AS_OF}})
case("review: irregular income, six months", able(income=500.0), tier="dibao", income_irregular=True,
     last_review=rules.add_months(AS_OF + 30 * DAY, -6), expect=RD,
     evidence={"review_due": {"event_date": AS_OF + 30 * DAY}})
case("review: irregular income, not yet", able(income=500.0), tier="dibao", income_irregular=True,
     last_review=rules.add_months(AS_OF + 31 * DAY, -6))
case("review: never reviewed, from tier_since", able(income=500.0), tier="dibao",
     tier_since=rules.add_months(AS_OF + 30 * DAY, -12), expect=RD)
case("review: month end", able(income=500.0), tier="dibao", income_irregular=True,
     last_review=D(2026, 5, 31), expect=RD,
     evidence={"review_due": {"event_date": D(2026, 11, 30), "deadline": D(2026, 11, 30)}})
case("review: no dates on file, due now", able(income=500.0), tier="dibao", tier_since=None, expect=RD,
     evidence={"review_due": {"event_date": AS_OF, "deadline": AS_OF}})
case("recognition: no tier_since, not checked", able(income=2500.0), tier="gangxing", tier_since=None,
     expect=RD)
case("review: not helped, no review", able(**rich), last_review=D(2020, 1, 1))

# -- recognition_expiring (held gangxing): tier_since + 12 months ≤ as_of + 30 days --------------
RE = ("recognition_expiring",)
recent_review = AS_OF - 10 * DAY
case("recognition ends in 31 days", able(income=2500.0), tier="gangxing", last_review=recent_review,
     tier_since=rules.add_months(AS_OF + 31 * DAY, -12))
case("recognition ends in 30 days", able(income=2500.0), tier="gangxing", last_review=recent_review,
     tier_since=rules.add_months(AS_OF + 30 * DAY, -12), expect=RE,
     evidence={"recognition_expiring": {"value": 11.0, "threshold": 12.0, "event_date": AS_OF + 30 * DAY,
                                        "deadline": AS_OF + 30 * DAY}})
case("recognition ended", able(income=2500.0), tier="gangxing", last_review=recent_review,
     tier_since=D(2025, 10, 15), expect=RE,
     evidence={"recognition_expiring": {"value": 13.0, "event_date": D(2026, 10, 15), "deadline": AS_OF}})
case("recognition: dibao held", able(income=500.0), tier="dibao", last_review=recent_review,
     tier_since=D(2025, 10, 15))

# -- parameters: the longest region prefix --------------------------------------------------------
case("county parameters", able(income=899.99), area="120102001001", expect=QH, eligible="dibao",
     evidence={"qualifies_higher": {"threshold": 900.0, "params_document": "示例县文件"}})
case("county line equal", able(income=900.0), area="120102001001", tier="dibao", expect=IAL)
case("city parameters", able(income=800.0), area="120103001001", tier="dibao", expect=IAL,
     evidence={"income_above_line": {"threshold": 800.0, "params_document": "示例市文件"}})
case("province parameters", able(income=699.99), area="120201001001", expect=QH,
     evidence={"qualifies_higher": {"threshold": 700.0, "params_document": "示例省文件"}})
case("not covered by any region", able(income=10.0), area="130101001001")

# -- the head -----------------------------------------------------------------------------------
case("no head", able(income=500.0, name="甲"), head=False, expect=QH,
     evidence={"qualifies_higher": {"head_name": None, "head_id_number": None}})
case("the head's name", able(income=5000.0), able(name="户主乙", is_head=True, disability=1),
     able(disability=2), head=False, expect=MD, evidence={"multi_disability": {"head_name": "户主乙"}})


# -- running ------------------------------------------------------------------------------------


def _records(table: pa.Table | pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain values (dates as dates, floats to 2 dp, nulls as None), sorted."""
    frame = table.to_pandas() if isinstance(table, pa.Table) else table
    rows = []
    for raw in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for c in ALERT_COLUMNS:
            v = raw[c.name]
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                v = None
            elif c.type == "date":
                v = pd.Timestamp(v).date()
            elif c.type == "float64":
                v = round(float(v), 2)
            elif c.type == "int64":
                v = int(v)
            row[c.name] = v
        rows.append(row)
    return sorted(rows, key=lambda r: (r["household_id"], r["rule"]))


@pytest.fixture(scope="module")
def province() -> tuple[Crafted, dict[str, int]]:
    c = Crafted()
    ids = {}
    for k in CASES:
        assert k.name not in ids, f"two cases named {k.name}"
        ids[k.name] = c.household(k.members, **k.household)
    return c, ids


def _alerts_expr(con, tables, params) -> ibis.Table:
    """As the engine does it: features kept in a table, then the alert rows with their labels."""
    features = con.create_table("features", rules.household_features(tables, params, AS_OF), temp=True,
                                overwrite=True)
    return rules.alerts(features, rules.household_labels(tables, params, AS_OF), AS_OF)


@pytest.fixture(scope="module")
def duck(province) -> list[dict[str, Any]]:
    c, _ = province
    con = ibis.duckdb.connect()
    expr = _alerts_expr(con, c.ibis_tables(con), VERSIONS)
    assert list(expr.columns) == list(ALERT_COLUMN_NAMES)
    table = con.to_pyarrow(expr)
    assert [str(t) for t in table.schema.types] == [
        {"int64": "int64", "string": "string", "date": "date32[day]", "float64": "double"}[c.type]
        for c in ALERT_COLUMNS
    ]
    return _records(table)


@pytest.fixture(scope="module")
def pandas_rows(province, tmp_path_factory) -> list[dict[str, Any]]:
    c, _ = province
    inputs = c.write_parquet(tmp_path_factory.mktemp("crafted"))
    frame = pandas_ref.alerts_pandas(inputs, VERSIONS, AS_OF)
    assert list(frame.columns) == list(ALERT_COLUMN_NAMES)
    return _records(frame)


def of(rows: list[dict[str, Any]], hid: int) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in rows if r["household_id"] == hid}


# -- the tests ------------------------------------------------------------------------------------


def test_duckdb_and_pandas_agree(duck, pandas_rows):
    assert len(duck) == len(pandas_rows)
    for a, b in zip(duck, pandas_rows, strict=True):
        assert a == b


@pytest.fixture(scope="module")
def eligible(province) -> dict[int, str]:
    """tier_eligible of every household, from the features (also where no alert fired)."""
    c, _ = province
    con = ibis.duckdb.connect()
    f = rules.household_features(c.ibis_tables(con), VERSIONS, AS_OF)
    frame = con.to_pandas(f.select("household_id", "tier_eligible"))
    return dict(zip(frame.household_id, frame.tier_eligible, strict=True))


@pytest.mark.parametrize("k", CASES, ids=[k.name for k in CASES])
def test_case(k: Case, province, duck, pandas_rows, eligible):
    _, ids = province
    hid = ids[k.name]
    for rows in (duck, pandas_rows):
        got = of(rows, hid)
        assert set(got) == k.expect
        for rule, expected in k.evidence.items():
            for column, value in expected.items():
                assert got[rule][column] == value, (rule, column)
        for rule, row in got.items():
            cls = RULES[rule][0]
            assert row["alert_class"] == cls
            if cls != "review":
                assert row["deadline"] == DEADLINE[cls]
            if k.eligible is not None:
                assert row["tier_eligible"] == k.eligible
    if k.eligible is not None:
        assert eligible[hid] == k.eligible


def test_every_rule_has_a_case_that_fires_and_one_that_does_not():
    fired = set().union(*(k.expect for k in CASES))
    assert fired == set(RULES)


def test_alert_row_carries_the_household(province, duck):
    _, ids = province
    row = of(duck, ids["dibao below"])["qualifies_higher"]
    assert row["area_code"] == "110101001001"
    assert row["address"].startswith("示例路")
    assert row["head_name"].startswith("成员")
    assert row["tier_held"] == "" and row["members"] == 1 and row["income_pc"] == 999.99
    assert row["params_document"] == V.document


def test_window_and_dates():
    assert rules.window(D(2026, 11, 15)) == (D(2025, 11, 1), D(2026, 11, 1))
    assert rules.window(D(2026, 1, 1)) == (D(2025, 1, 1), D(2026, 1, 1))
    assert rules.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert rules.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert rules.add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert rules.add_months(D(2025, 11, 30), -12) == D(2024, 11, 30)
    assert rules.years_before(D(2024, 2, 29), 1) == D(2023, 2, 28)


def test_sql_add_months_matches_python():
    """The month arithmetic done in SQL (integers and make_date) against Python's."""
    starts = [D(2023, 1, 31), D(2024, 2, 29), D(2024, 1, 30), D(2025, 12, 31), D(2100, 1, 31), D(2000, 1, 31)]
    steps = [1, 6, 12, -1, -12, 25]
    t = ibis.memtable(pd.DataFrame(
        {"d": [s for s in starts for _ in steps], "n": [n for _ in starts for n in steps]}
    ).astype({"d": "datetime64[s]"}))
    t = t.mutate(d=t.d.cast("date"))
    got = ibis.duckdb.connect().to_pandas(t.select("d", "n", out=rules._add_months(t.d, t.n)))
    for d, n, out in got.itertuples(index=False):
        assert pd.Timestamp(out).date() == rules.add_months(pd.Timestamp(d).date(), n), (d, n)


def test_rounding_is_half_up_in_cents(tmp_path):
    """12 000.06 a year is 1 000.005 a month: 1 000.01 on both engines, so above the 1 000 line."""
    c = Crafted()
    hid = c.household([able(income=[12000.06] + [0.0] * 11)], tier="dibao")
    con = ibis.duckdb.connect()
    duck_rows = of(_records(con.to_pyarrow(_alerts_expr(con, c.ibis_tables(con), [V]))), hid)
    pandas_rows = of(_records(pandas_ref.alerts_pandas(c.write_parquet(tmp_path), [V], AS_OF)), hid)
    for rows in (duck_rows, pandas_rows):
        assert rows["income_above_line"]["income_pc"] == 1000.01


def test_params_table_has_a_row_per_version():
    t = rules.params_table(VERSIONS).to_pandas()
    assert list(t.region) == ["11", "12", "1201", "120102"]
    assert list(t.pid) == [0, 1, 2, 3]
    derived = rules.params_table([V], as_of=AS_OF).to_pandas().iloc[0]
    assert derived.line_bianyuan == 1500.0 and derived.line_gangxing == 3000.0
    assert pd.Timestamp(derived.lookback_from).date() == AS_OF - 90 * DAY


def test_no_version_in_force_is_an_error():
    con = ibis.duckdb.connect()
    with pytest.raises(ValueError, match="没有"):
        rules.household_features(Crafted().ibis_tables(con), [], AS_OF)


def test_spark_gives_the_same_alerts(spark_backend, province, duck, tmp_path):  # noqa: F811
    c, _ = province
    inputs = c.write_parquet(tmp_path / "in")
    tables = {name: spark_backend.read(inputs / f"{name}.parquet").drop("_row") for name in c.rows}
    features = spark_backend.materialize(rules.household_features(tables, VERSIONS, AS_OF), "features")
    expr = rules.alerts(features, rules.household_labels(tables, VERSIONS, AS_OF), AS_OF)
    spark_rows = _records(spark_backend.con.to_pyarrow(expr))
    assert spark_rows == duck


@pytest.mark.parametrize("empty", ["deaths", "illness", "medical", "education", "rehab", "deposits",
                                   "vehicles", "property", "business", "income"])
def test_an_empty_file_changes_nothing_else(empty, province, tmp_path):
    """Every case again with one department's file empty: DuckDB and pandas still agree (an empty
    table once led DuckDB's optimizer to a wrong constant; see rules._count)."""
    c, _ = province
    sparse = Crafted(rows={name: ([] if name == empty else rows) for name, rows in c.rows.items()})
    con = ibis.duckdb.connect()
    duck_rows = _records(con.to_pyarrow(_alerts_expr(con, sparse.ibis_tables(con), VERSIONS)))
    assert duck_rows == _records(pandas_ref.alerts_pandas(sparse.write_parquet(tmp_path), VERSIONS, AS_OF))


def test_a_params_object_gives_its_versions_in_force(province, duck, tmp_path):
    """household_features and alerts_pandas take the loaded Params (versions picked on as_of)."""
    c, _ = province
    older = version(valid_from=D(2025, 1, 1), valid_to=D(2025, 12, 31), dibao_standard=1.0, document="旧")
    current = version(valid_from=D(2026, 1, 1))
    params = Params(versions=(older, current, *REGIONAL), example=True, source="test")
    con = ibis.duckdb.connect()
    assert _records(con.to_pyarrow(_alerts_expr(con, c.ibis_tables(con), params))) == duck
    assert _records(pandas_ref.alerts_pandas(c.write_parquet(tmp_path), params, AS_OF)) == duck
