"""API schemas of volunteering. Inputs bound only what could break storage; the services judge the rest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from linli.core.ids import MAX_DB_ID as MAX_ID
from linli.core.schemas import AreaFilter, DbId, Page, PageSize, Text

VolunteerId = Annotated[int, Path(ge=1, le=MAX_ID, description="志愿者编号（内部）")]
ActivityId = Annotated[int, Path(ge=1, le=MAX_ID, description="活动编号")]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="服务记录编号")]
SignupId = Annotated[int, Path(ge=1, le=MAX_ID, description="报名编号")]
# Hours the services judge (0, negatives, not half hours: 400 naming the field); bounded only to stay numbers.
Hours = Annotated[Decimal, Field(ge=-1000, le=1000, max_digits=6, decimal_places=2,
                                 description="服务时长（小时，半小时为单位）；不填则按签到签退时间计算")]


class VolunteerFilters(Schema):
    area: AreaFilter = None
    status: Literal["", "pending", "verified", "suspended"] = ""
    q: Text = Field("", max_length=64, description="姓名或志愿者编号")
    page: Page = 1
    page_size: PageSize = 50


class VolunteerOut(Schema):
    id: int
    number: str
    name: str
    area_code: str
    status: str
    skills: list[str]
    availability: list[str] = Field(description="周几-时段，如 2-am 表示周二上午")
    hours: Decimal = Field(description="已确认的服务时长合计（小时）")


class VolunteerPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VolunteerOut]


class ActivityFilters(Schema):
    area: AreaFilter = None
    status: Literal["", "draft", "open", "finished", "cancelled"] = ""
    q: Text = Field("", max_length=64, description="活动名称的一部分")
    page: Page = 1
    page_size: PageSize = 50


class RoleOut(Schema):
    id: int
    name: str
    headcount: int
    taken: int


class ActivityOut(Schema):
    id: int
    title: str
    area_code: str
    community: str
    team: str | None
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    organiser: str
    signed: int
    capacity: int


class ActivityDetailOut(ActivityOut):
    description: str
    roles: list[RoleOut]


class ActivityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ActivityOut]


class RecordFilters(Schema):
    area: AreaFilter = None
    status: Literal["", "pending", "confirmed", "void"] = ""
    volunteer_id: DbId | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: Page = 1
    page_size: PageSize = 50


class RecordOut(Schema):
    id: int
    volunteer_id: int
    volunteer_name: str
    activity_id: int | None
    organisation: str
    content: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    hours: Decimal | None
    points: int
    status: str
    confirmed_by: str | None
    confirmed_at: dt.datetime | None


class RecordPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RecordOut]


class RollFilters(Schema):
    area: Text = Field(pattern=r"^[0-9]{2,15}$", description="社区或街道的代码，如 500112009011")
    year: int = Field(ge=2000, le=2100)
    month: int | None = Field(None, ge=1, le=12, description="不填为全年榜")
    order: Literal["hours", "points"] = "hours"
    limit: int = Field(20, ge=1, le=100)


class RollRowOut(Schema):
    rank: int
    volunteer_id: int
    name: str
    community: str
    hours: Decimal
    points: int
    records: int


class SignupIn(Schema):
    volunteer_id: DbId
    role_id: DbId


class SignupOut(Schema):
    id: int
    activity_id: int
    volunteer_id: int
    role: str
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None


class ConfirmIn(Schema):
    hours: Hours | None = None


class SignupConfirmIn(Schema):
    hours: Hours | None = None
    starts_at: dt.datetime | None = Field(None, description="实际开始；不填取签到时间")
    ends_at: dt.datetime | None = Field(None, description="实际结束；不填取签退时间")
