"""API schemas of alliances, clubs, teachers, venues and courses.

Inputs bound only what could break storage (text length, NUL, id range); what is allowed is the
services' to say, with a 400 that names the field (capacity 0, a window of no hours, …).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from linli.core.ids import MAX_DB_ID as MAX_ID
from linli.core.schemas import AreaFilter, DbId, Page, PageSize, Text

AllianceId = Annotated[int, Path(ge=1, le=MAX_ID, description="联盟编号")]
ClubId = Annotated[int, Path(ge=1, le=MAX_ID, description="社团编号")]
TeacherId = Annotated[int, Path(ge=1, le=MAX_ID, description="老师编号")]
VenueId = Annotated[int, Path(ge=1, le=MAX_ID, description="场地编号")]
CourseId = Annotated[int, Path(ge=1, le=MAX_ID, description="课程编号")]
# Whole numbers the services judge (0, negatives: 400 with the field); bounded only to stay numbers.
Count = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]

TeacherKindValue = Literal["", "expert", "local"]
TeacherStatusValue = Literal["", "invited", "active", "declined", "inactive"]
FeatureValue = Literal["", "quiet", "open_air", "tables", "mirror", "sound", "water"]
CourseStatusValue = Literal["", "planned", "open", "ended", "cancelled"]


class WindowIn(Schema):
    weekday: Count = Field(description="星期：1 周一 … 7 周日")
    starts: dt.time = Field(examples=["09:00"])
    ends: dt.time = Field(examples=["11:00"])


class WindowOut(Schema):
    weekday: int
    weekday_label: str
    starts: str = Field(description="HH:MM")
    ends: str = Field(description="HH:MM")


# --- alliances and clubs -------------------------------------------------------------------------


class AllianceFilters(Schema):
    area: AreaFilter = None
    page: Page = 1
    page_size: PageSize = 50


class AllianceOut(Schema):
    id: int
    name: str
    area_code: str
    community: str
    position: int
    head_id: int | None
    head_name: str
    club_count: int


class AlliancePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AllianceOut]


class ClubFilters(Schema):
    area: AreaFilter = None
    alliance_id: DbId | None = None
    q: Text = Field("", max_length=64, description="社团名称的一部分")
    include_archived: bool = False
    page: Page = 1
    page_size: PageSize = 50


class ClubOut(Schema):
    id: int
    name: str
    area_code: str
    community: str
    alliance_id: int
    alliance: str
    leader_id: int | None
    leader_name: str
    description: str
    founded_on: dt.date | None
    archived: bool
    member_count: int
    course_count: int


class ClubPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ClubOut]


class ClubIn(Schema):
    area_code: Text = Field(max_length=15, description="社区代码", examples=["500112009011"])
    alliance_id: DbId
    name: Text = Field(max_length=100, examples=["太极拳社"])
    leader_id: DbId | None = Field(None, description="团长：本社区的居民")
    description: Text = Field("", max_length=2000)
    founded_on: dt.date | None = None


# --- teachers --------------------------------------------------------------------------------


class TeacherFilters(Schema):
    area: AreaFilter = None
    kind: TeacherKindValue = ""
    status: TeacherStatusValue = Field("", description="invited 为问卷中自荐、待邀请的居民")
    q: Text = Field("", max_length=64, description="姓名或擅长的一部分")
    page: Page = 1
    page_size: PageSize = 50


class TeacherOut(Schema):
    id: int
    name: str
    area_code: str
    area_name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    skills: list[str]
    phone_masked: str
    bio: str
    windows: list[WindowOut]
    course_count: int
    editable: bool = Field(description="调用者能否修改（街道的老师对社区只读）")


class TeacherPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TeacherOut]


class TeacherIn(Schema):
    area_code: Text = Field(max_length=15, description="社区或街道的代码", examples=["500112009011"])
    name: Text = Field(max_length=100, examples=["冯小玲"])
    kind: Literal["expert", "local"]
    skills: list[Annotated[Text, Field(max_length=50)]] = Field(max_length=50, examples=[["油画", "素描"]])
    phone: Text = Field("", max_length=32, examples=["13900001234"])
    bio: Text = Field("", max_length=2000)
    status: Literal["active", "invited"] = "active"
    windows: list[WindowIn] = Field(default_factory=list, max_length=50)


# --- venues ----------------------------------------------------------------------------------


class VenueFilters(Schema):
    area: AreaFilter = None
    feature: FeatureValue = ""
    q: Text = Field("", max_length=64, description="名称、地址或出借单位的一部分")
    include_archived: bool = False
    page: Page = 1
    page_size: PageSize = 50


class VenueOut(Schema):
    id: int
    name: str
    area_code: str
    area_name: str
    address: str
    capacity: int
    floor_area: float | None = Field(description="平方米")
    features: list[str]
    feature_labels: list[str]
    owner_kind: str
    owner_name: str
    shared: bool
    archived: bool
    windows: list[WindowOut]
    editable: bool = Field(description="调用者能否修改（街道的、其他社区共用的场地只读）")


class VenuePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VenueOut]


class VenueIn(Schema):
    area_code: Text = Field(max_length=15, description="社区或街道的代码", examples=["500112009011"])
    name: Text = Field(max_length=100, examples=["社区活动室"])
    capacity: Count = Field(examples=[30])
    features: list[Annotated[Text, Field(max_length=20)]] = Field(default_factory=list, max_length=20,
                                                                  examples=[["tables", "quiet"]])
    floor_area: Decimal | None = Field(None, max_digits=12, decimal_places=3, description="平方米")
    address: Text = Field("", max_length=200)
    owner_kind: Literal["community", "street", "member_unit"] = "community"
    owner_name: Text = Field("", max_length=100)
    shared: bool = False
    note: Text = Field("", max_length=2000)
    windows: list[WindowIn] = Field(default_factory=list, max_length=50)


# --- courses ---------------------------------------------------------------------------------


class CourseFilters(Schema):
    area: AreaFilter = None
    status: CourseStatusValue = ""
    term: Text = Field("", max_length=32)
    club_id: DbId | None = None
    q: Text = Field("", max_length=64, description="课程或社团名称的一部分")
    page: Page = 1
    page_size: PageSize = 50


class CourseOut(Schema):
    id: int
    title: str
    area_code: str
    community: str
    club_id: int
    club: str
    term: str
    sessions_per_week: int
    session_minutes: int
    capacity: int
    teacher_id: int | None
    teacher: str
    venue_id: int | None
    venue: str
    needed_features: list[str]
    starts_on: dt.date
    ends_on: dt.date
    status: str
    status_label: str
    order_id: int | None
    description: str


class CoursePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CourseOut]


class CourseIn(Schema):
    club_id: DbId
    title: Text = Field(max_length=64, examples=["太极拳"])
    term: Text = Field(max_length=32, examples=["2026年秋季"])
    capacity: Count = Field(examples=[20])
    starts_on: dt.date
    ends_on: dt.date
    sessions_per_week: Count = 1
    session_minutes: Count = 90
    teacher_id: DbId | None = None
    venue_id: DbId | None = None
    needed_features: list[Annotated[Text, Field(max_length=20)]] | None = Field(
        None, max_length=20, description="不填则按常见课程的要求（如 舞蹈 需要镜子、音响）")
    description: Text = Field("", max_length=2000)
    order_id: DbId | None = Field(None, description="来自的兴趣订单")
    status: Literal["planned", "open"] = "planned"
