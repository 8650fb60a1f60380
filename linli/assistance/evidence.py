"""An alert's evidence in words, for the list (one short line) and the detail page (labelled rows).

What ``value``, ``threshold`` and ``event_date`` mean per rule is the contract's RULE_EVIDENCE; the
short forms below say the same in a few characters, for a worker scanning a list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from linli.assistance.monitoring.schema import RULE_EVIDENCE

# The short line per rule: {v} value, {t} threshold, {d} event date.
_SHORT: dict[str, str] = {
    "multi_disability": "残疾成员 {v} 人（预警 {t} 人）",
    "high_medical": "自付医疗 {v} 元（预警线 {t} 元）",
    "death_or_illness": "死亡或确诊 {v} 人（{d}）",
    "qualifies_higher": "月人均收入 {v} 元，低于 {t} 元",
    "income_above_line": "月人均收入 {v} 元，达到 {t} 元",
    "assets_over_limit": "超限财产 {v}（限额 {t}）",
    "vehicle_registered": "车辆价值 {v} 元（{d} 登记）",
    "property_registered": "房产 {v} 平方米（{d} 登记）",
    "business_registered": "注册资本 {v} 元（{d} 登记）",
    "holder_died": "户主 {d} 死亡",
    "review_due": "{d} 到期复核",
    "recognition_expiring": "已认定 {v} 个月（最长 {t} 个月）",
}

# What the event date is, per rule (the contract calls it "the registration, death, diagnosis or due date").
EVENT_LABEL: dict[str, str] = {
    "death_or_illness": "死亡或确诊日期",
    "vehicle_registered": "登记日期",
    "property_registered": "登记日期",
    "business_registered": "登记日期",
    "holder_died": "户主死亡日期",
    "review_due": "复核到期日",
    "recognition_expiring": "认定期满日",
}


def number(value: Any) -> str:
    """1234.5 → 1,234.50; a whole count stays whole (3, not 3.00)."""
    if value is None:
        return "—"
    d = Decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,.2f}"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def short(alert: Any) -> str:
    pattern = _SHORT.get(alert.rule, "{v} / {t}")
    return pattern.format(v=number(alert.value), t=number(alert.threshold), d=_date(alert.event_date))


def rows(alert: Any) -> list[tuple[str, str]]:
    """(label, text) for the detail page: the value and the line it was compared with, the event date."""
    value_label, threshold_label = RULE_EVIDENCE.get(alert.rule, ("依据值", "标准"))
    result = []
    if value_label and alert.value is not None:
        result.append((value_label, number(alert.value)))
    if threshold_label and alert.threshold is not None:
        result.append((threshold_label, number(alert.threshold)))
    if alert.event_date:
        result.append((EVENT_LABEL.get(alert.rule, "事件日期"), _date(alert.event_date)))
    return result
