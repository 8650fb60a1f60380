"""API schemas of assistance monitoring. Inputs bound only what could break storage; the services judge the rest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from linli.core.ids import MAX_DB_ID
from linli.core.schemas import AreaFilter, Page, PageSize, Text

AlertId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="预警编号")]
# Literal of the schema's codes: an unknown one is a 422 naming the filter.
AlertClass = Literal["", "proactive", "needs_not_met", "change", "review"]
RuleCode = Literal["", "multi_disability", "high_medical", "death_or_illness", "qualifies_higher", "income_above_line",
                   "assets_over_limit", "vehicle_registered", "property_registered", "business_registered",
                   "holder_died", "review_due", "recognition_expiring"]


class AlertFilters(Schema):
    area: AreaFilter = None
    alert_class: AlertClass = Field("", description="预警类别")
    rule: RuleCode = Field("", description="预警规则")
    status: Literal["", "open", "checked"] = Field("", description="open 待核查，checked 已核查")
    overdue: bool | None = Field(None, description="true 只看逾期未核查，false 排除逾期")
    q: Text = Field("", max_length=64, description="救助家庭编号、户主完整身份证号或姓名的一部分")
    page: Page = 1
    page_size: PageSize = 50


class AlertOut(Schema):
    id: int
    household_key: str = Field(description="救助家庭编号（低收入人口库）")
    area_code: str
    community: str
    street: str
    head_name_masked: str
    alert_class: str
    alert_class_label: str
    rule: str
    rule_label: str
    tier_held: str
    tier_eligible: str
    deadline: dt.date = Field(description="入户核查期限")
    overdue: bool = Field(description="待核查且已过期限")
    escalated: bool = Field(description="已逾期上报街道")
    status: str
    times_seen: int = Field(description="被预警的次数（每次比对仍命中则加一）")
    as_of: dt.date = Field(description="最近一次比对的基准日")


class AlertPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AlertOut]


class EvidenceOut(Schema):
    value: Decimal | None
    value_label: str
    threshold: Decimal | None
    threshold_label: str
    event_date: dt.date | None
    income_pc: Decimal = Field(description="近 12 个月家庭月人均收入（元）")
    members: int = Field(description="在世成员数")
    params_document: str = Field(description="所依据的参数文件")


class HomeCheckOut(Schema):
    outcome: str
    outcome_label: str
    visited_on: dt.date
    note: str
    referred_to: str
    recorded_by: str
    recorded_at: dt.datetime


class AlertDetailOut(AlertOut):
    head_name: str = Field(description="户主姓名（入户需要，查看即记入敏感信息查看记录）")
    head_id_number_masked: str
    address: str
    evidence: EvidenceOut
    home_check: HomeCheckOut | None
    other_alerts: list[AlertOut] = Field(description="同一家庭的其他预警")


class HomeCheckIn(Schema):
    outcome: Literal["confirmed", "cleared", "referred"] = Field(description="情况属实、排除预警、转介处理")
    visited_on: dt.date = Field(description="入户日期，不晚于今天，不早于比对基准日")
    note: Text = Field(max_length=2000, description="核查情况（必填）")
    referred_to: Text = Field("", max_length=100, description="转介单位（转介处理时必填）")


class RunFilters(Schema):
    area: AreaFilter = None
    page: Page = 1
    page_size: PageSize = 50


class RunOut(Schema):
    id: int
    run_id: str
    engine: str
    as_of: dt.date
    params_documents: list[str]
    params_example: bool = Field(description="使用示例参数（非正式标准）")
    area_code: str = Field(description="导入范围")
    area_name: str
    # The import's totals: null unless the user holds its area (an officer below sees their own on the page).
    alerts_total: int | None
    alerts_imported: int | None
    alerts_repeated: int | None
    alerts_out_of_scope: int | None
    alerts_covered: int | None = Field(description="已由同一批次的其他导入覆盖，未再导入")
    alerts_cleared: int | None = Field(description="已核查排除且证据未变，未再预警")
    alerts_no_community: int | None = Field(description="平台尚未建立的社区的预警，未导入")
    deadline_shift: int = Field(description="比对基准日后导入，新预警核查期限顺延的天数")
    imported_by: str
    imported_at: dt.datetime


class RunPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RunOut]


class OverdueRowOut(Schema):
    code: str
    name: str
    street: str
    open: int
    overdue: int
    escalated: int


class OverdueFilters(Schema):
    area: AreaFilter = None
