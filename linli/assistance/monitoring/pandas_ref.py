"""The same rules in plain pandas, written the way an analyst would: read each file, merge, group.

The benchmark's baseline (what a user would otherwise write) and an independent cross-check of
``rules.py``: it shares nothing with it but the schema's names and the parameter classes. It
assumes clean input (the engine's checks come first). ``docs/monitoring-rules.md`` has the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .params import Params, ParamVersion
from .schema import ALERT_COLUMN_NAMES, RULES, TIER_RANK


def _month_start(year: int, month: int) -> pd.Timestamp:
    year += (month - 1) // 12
    return pd.Timestamp(year=year, month=(month - 1) % 12 + 1, day=1)


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s)


def _plus_months(dates: pd.Series, months: pd.Series) -> pd.Series:
    """Same day n months later, the month's last day when it has no such day."""
    t = dates.dt.year * 12 + dates.dt.month - 1 + months
    first = pd.to_datetime({"year": t // 12, "month": t % 12 + 1, "day": 1}, errors="coerce")
    day = np.minimum(dates.dt.day, first.dt.days_in_month)
    return first + pd.to_timedelta(day - 1, unit="D")


def _cents(x: pd.Series) -> pd.Series:
    return np.round(x.fillna(0.0) * 100).astype("int64")


def _params_frame(versions: Sequence[ParamVersion]) -> pd.DataFrame:
    return pd.DataFrame([v.__dict__ for v in versions])


def _region_of(area_codes: pd.Series, regions: set[str]) -> pd.Series:
    """The longest region prefix (6, 4 then 2 digits) of each community code."""
    out = pd.Series(None, index=area_codes.index, dtype="object")
    for n in (2, 4, 6):
        prefix = area_codes.str[:n]
        out = out.where(~prefix.isin(regions), prefix)
    return out


def alerts_pandas(
    inputs_dir: Path | str, params: Params | Sequence[ParamVersion], as_of: dt.date
) -> pd.DataFrame:
    d = Path(inputs_dir)

    def read(name: str) -> pd.DataFrame:
        return pd.read_parquet(d / f"{name}.parquet")

    versions = params.in_force(as_of) if isinstance(params, Params) else list(params)
    today = pd.Timestamp(as_of)
    start = _month_start(as_of.year - 1, as_of.month)
    end = _month_start(as_of.year, as_of.month)

    hh = read("households")
    persons = read("persons")
    deaths = read("deaths")
    deaths["died_on"] = _ts(deaths["died_on"])
    deaths = deaths[deaths["died_on"] <= today].groupby("person_id", as_index=False)["died_on"].min()

    # Each household's parameters.
    pv = _params_frame(versions)
    hh["region"] = _region_of(hh["area_code"], set(pv["region"]))
    hh = hh.merge(pv, on="region", how="inner")
    hh["tier"] = hh["tier"].fillna("")
    for c in ("tier_since", "last_review"):
        hh[c] = _ts(hh[c])
    hh["lookback_from"] = today - pd.to_timedelta(hh["event_lookback_days"], unit="D")

    # Persons: alive, age, able to work.
    persons = persons.merge(deaths, on="person_id", how="left")
    persons["alive"] = persons["died_on"].isna()
    born = _ts(persons["birth_date"])
    age = as_of.year - born.dt.year - (
        (born.dt.month > as_of.month) | ((born.dt.month == as_of.month) & (born.dt.day > as_of.day))
    ).astype(int)
    persons["able"] = age.between(16, 59) & ~persons["disability_grade"].isin([1, 2])
    persons["disabled"] = persons["disability_grade"] > 0
    alive = persons[persons["alive"]]

    def per_person_in_window(name: str, value: str) -> pd.DataFrame:
        t = read(name)
        month = _ts(t["month"])
        t = t[(month >= start) & (month < end)]
        if name == "medical":
            t = t.assign(amount=t["total"] - t["reimbursed"])
        return t.groupby("person_id", as_index=False)["amount"].sum().rename(columns={"amount": value})

    def by_household(frame: pd.DataFrame, who: pd.DataFrame, col: str, how: str = "sum") -> pd.Series:
        m = frame.merge(who[["person_id", "household_id"]], on="person_id")
        return m.groupby("household_id")[col].agg(how)

    g = hh.set_index("household_id")
    g["members"] = alive.groupby("household_id").size()
    g["disabled"] = alive[alive["disabled"]].groupby("household_id").size()
    g["able"] = alive[alive["able"]].groupby("household_id").size()
    heads = persons[persons["is_head"]].groupby("household_id")
    g["head_name"] = heads["name"].min()
    g["head_id_number"] = heads["id_number"].min()
    g["head_died_on"] = heads["died_on"].max()
    g["income"] = by_household(per_person_in_window("income", "income"), alive, "income")
    g["oop"] = by_household(per_person_in_window("medical", "oop"), persons, "oop")
    edu = per_person_in_window("education", "x")
    rehab = per_person_in_window("rehab", "x")
    g["other_rigid"] = by_household(pd.concat([edu, rehab]), persons, "x")
    g["deposits"] = by_household(read("deposits"), alive, "balance")
    vehicles, prop, business = read("vehicles"), read("property"), read("business")
    g["vehicle_max"] = by_household(vehicles, alive, "value", "max")
    g["homes"] = by_household(prop, alive, "certificate", "count")
    g["capital_max"] = by_household(business, alive, "capital", "max")
    g = g.reset_index()
    for c in ("members", "disabled", "able", "homes"):
        g[c] = g[c].fillna(0).astype("int64")

    # Recent events, within each household's look-back.
    def recent(frame: pd.DataFrame, date_col: str) -> pd.DataFrame:
        f = frame.assign(on=_ts(frame[date_col])).merge(persons[["person_id", "household_id"]], on="person_id")
        f = f.merge(g[["household_id", "lookback_from"]], on="household_id")
        return f[(f["on"] > f["lookback_from"]) & (f["on"] <= today)]

    for name, frame, col in (("veh", vehicles, "value"), ("prop", prop, "floor_area"), ("biz", business, "capital")):
        r = recent(frame, "registered_on").groupby("household_id").agg(v=(col, "max"), on=("on", "max"))
        g = g.merge(r.rename(columns={"v": f"{name}_recent", "on": f"{name}_recent_on"}),
                    on="household_id", how="left")
    ill = read("illness")
    di = pd.concat([
        recent(deaths, "died_on")[["household_id", "person_id", "on"]],
        recent(ill, "diagnosed_on")[["household_id", "person_id", "on"]],
    ])
    di = di.groupby("household_id").agg(di_persons=("person_id", "nunique"), di_on=("on", "max"))
    g = g.merge(di, on="household_id", how="left")
    g["di_persons"] = g["di_persons"].fillna(0).astype("int64")

    # Money in cents; monthly income per member rounded to the cent, halves up.
    m = g["members"]
    income_c = _cents(g["income"])
    oop_c = _cents(g["oop"])
    dep_c = _cents(g["deposits"])
    dep_limit_c = np.round(g["deposit_months"] * g["dibao_standard"] * 100).astype("int64") * m
    basic_c = np.round(g["basic_living_month"] * 12 * 100).astype("int64")
    rigid_c = oop_c + _cents(g["other_rigid"]) + basic_c * m
    g["income_pc"] = np.where(m > 0, ((income_c * 2 + 12 * m) // np.maximum(24 * m, 1)) / 100, 0.0)
    line_dibao = g["dibao_standard"].round(2)
    line_bianyuan = (g["near_poverty_multiple"] * g["dibao_standard"]).round(2)
    line_gangxing = (g["disposable_income_last_year"] / 12).round(2)

    over_dep = dep_c > dep_limit_c
    over_veh = g["vehicle_max"] > g["vehicle_value_limit"]
    over_prop = g["homes"] > g["homes_limit"]
    over_biz = g["capital_max"] > g["business_capital_limit"]
    alive_hh = m > 0
    assets_ok = alive_hh & ~(over_dep | over_veh | over_prop | over_biz)
    pc = g["income_pc"]
    eligible = np.select(
        [
            assets_ok & (pc < line_dibao) & (g["able"] == 0),
            assets_ok & (pc < line_dibao),
            assets_ok & (pc < line_bianyuan),
            assets_ok & (pc < line_gangxing) & (rigid_c > g["rigid_share"] * income_c),
        ],
        ["tekun", "dibao", "bianyuan", "gangxing"],
        default="",
    )
    g["tier_eligible"] = eligible
    lines = {"tekun": line_dibao, "dibao": line_dibao, "bianyuan": line_bianyuan, "gangxing": line_gangxing}

    def line_of(tier: pd.Series) -> pd.Series:
        out = pd.Series(np.nan, index=g.index)
        for t, ln in lines.items():
            out = out.where(tier != t, ln)
        return out

    g["line_held"] = line_of(g["tier"])
    g["line_eligible"] = line_of(g["tier_eligible"])
    held = g["tier"] != ""
    rank_held = g["tier"].map(TIER_RANK)
    rank_eligible = g["tier_eligible"].map(TIER_RANK)

    every = np.where(g["income_irregular"], g["review_months_irregular"], g["review_months"])
    base = g["last_review"].fillna(g["tier_since"])
    g["review_on"] = _plus_months(base, pd.Series(every, index=g.index)).fillna(today)
    g["expiry_on"] = _plus_months(g["tier_since"], g["recognition_months"])
    horizon = today + pd.to_timedelta(g["review_lead_days"], unit="D")
    since = g["tier_since"]
    g["months_recognised"] = (
        (as_of.year - since.dt.year) * 12 + (as_of.month - since.dt.month) - (since.dt.day > as_of.day)
    )
    g["head_died_on"] = _ts(g["head_died_on"])

    assets_value = np.select(
        [over_dep, over_veh, over_prop], [dep_c / 100, g["vehicle_max"], g["homes"]], g["capital_max"]
    )
    assets_limit = np.select(
        [over_dep, over_veh, over_prop],
        [dep_limit_c / 100, g["vehicle_value_limit"], g["homes_limit"]],
        g["business_capital_limit"],
    )
    deadline = {
        "proactive": today + pd.to_timedelta(g["deadline_days_proactive"], unit="D"),
        "needs_not_met": today + pd.to_timedelta(g["deadline_days_needs"], unit="D"),
        "change": today + pd.to_timedelta(g["deadline_days_change"], unit="D"),
    }
    nan = pd.Series(np.nan, index=g.index)
    nat = pd.Series(pd.NaT, index=g.index, dtype="datetime64[ns]")
    # rule -> (fires, value, threshold, event_date)
    checks = {
        "multi_disability": (alive_hh & ~held & (g["disabled"] >= g["disabled_members_alert"]),
                             g["disabled"], g["disabled_members_alert"], nat),
        "high_medical": (alive_hh & ~held & (oop_c > np.round(g["high_medical_oop"] * 100)),
                         oop_c / 100, g["high_medical_oop"], nat),
        "death_or_illness": (alive_hh & ~held & (g["di_persons"] > 0), g["di_persons"], nan, g["di_on"]),
        "qualifies_higher": (alive_hh & (rank_eligible > rank_held), pc, g["line_eligible"], nat),
        "income_above_line": (alive_hh & held & (pc >= g["line_held"]), pc, g["line_held"], nat),
        "assets_over_limit": (alive_hh & held & ~assets_ok, pd.Series(assets_value), pd.Series(assets_limit), nat),
        "vehicle_registered": (alive_hh & held & g["veh_recent_on"].notna(),
                               g["veh_recent"], g["vehicle_value_limit"], g["veh_recent_on"]),
        "property_registered": (alive_hh & held & g["prop_recent_on"].notna(),
                                g["prop_recent"], nan, g["prop_recent_on"]),
        "business_registered": (alive_hh & held & g["biz_recent_on"].notna(),
                                g["biz_recent"], nan, g["biz_recent_on"]),
        "holder_died": (held & (g["head_died_on"] > g["lookback_from"]), nan, nan, g["head_died_on"]),
        "review_due": (alive_hh & held & (g["review_on"] <= horizon), nan, nan, g["review_on"]),
        "recognition_expiring": (alive_hh & (g["tier"] == "gangxing") & (g["expiry_on"] <= horizon),
                                 g["months_recognised"], g["recognition_months"], g["expiry_on"]),
    }
    parts = []
    for rule, (fires, value, threshold, event_date) in checks.items():
        cls = RULES[rule][0]
        fires = fires.fillna(False).astype(bool)
        due = event_date.clip(lower=today) if cls == "review" else deadline[cls]
        part = g.loc[fires, ["household_id", "area_code", "address", "head_name", "head_id_number",
                             "tier", "tier_eligible", "members", "income_pc", "document"]].copy()
        part["alert_class"], part["rule"] = cls, rule
        part["value"] = pd.Series(value, index=g.index)[fires].astype(float)
        part["threshold"] = pd.Series(threshold, index=g.index)[fires].astype(float)
        part["event_date"] = pd.Series(event_date, index=g.index)[fires]
        part["deadline"] = pd.Series(due, index=g.index)[fires]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True).rename(columns={"tier": "tier_held", "document": "params_document"})
    for c in ("income_pc", "value", "threshold"):
        out[c] = out[c].round(2)
    for c in ("event_date", "deadline"):
        out[c] = pd.to_datetime(out[c]).dt.date
    out["members"] = out["members"].astype("int64")
    out = out.sort_values(["household_id", "rule"], ignore_index=True)
    return out[list(ALERT_COLUMN_NAMES)]
