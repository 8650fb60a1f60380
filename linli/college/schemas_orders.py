from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from linli.core.ids import MAX_DB_ID
from linli.core.schemas import AreaFilter, DbId, Page, PageSize, Text

OrderId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="订单编号")]
OrderStatusValue = Literal["", "collecting", "reached", "opened", "dismissed"]


class OrderFilters(Schema):
    area: AreaFilter = None
    status: OrderStatusValue = ""
    q: Text = Field("", max_length=64, description="课程名称的一部分")
    page: Page = 1
    page_size: PageSize = 50


class SlotCount(Schema):
    slot: str = Field(description="时段代码，如 2-am 表示周二上午")
    label: str
    count: int


class OrderOut(Schema):
    id: int
    subject: str
    area_code: str
    community: str
    survey_id: int
    demand: int
    threshold: int
    status: str
    status_label: str
    progress: str = Field(description="还差什么才能开班")
    age_profile: dict[str, int]
    slots: list[SlotCount]
    teacher_ids: list[int] = Field(description="会教这门课、本社区可请的老师")
    venue_ids: list[int] = Field(description="条件合适、本社区可用的场地")


class OrderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OrderOut]


class OrderOpenIn(Schema):
    teacher_id: DbId | None = None
    venue_id: DbId | None = None
    club_id: DbId | None = Field(None, description="不填则新建社团")
    club_name: Text = Field("", max_length=48)
    title: Text = Field("", max_length=64, description="不填则用订单的课程名")
    term: Text = Field(max_length=32, examples=["2026年秋季"])
    capacity: int = Field(ge=1, le=500)
    starts_on: dt.date
    ends_on: dt.date
    sessions_per_week: int = Field(1, ge=1, le=7)
    session_minutes: int = Field(90, ge=15, le=480)


class OrderOpenOut(Schema):
    course_id: int
    order: OrderOut
