"""API schemas of enrollment, the lottery, sessions and attendance. Phones only ever masked."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema

from linli.core.ids import MAX_DB_ID
from linli.core.schemas import DbId, Page, PageSize, Text

CourseId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="课程编号")]
EnrollmentId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="报名编号（摇号的申请号）")]
SessionId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="课次编号")]
EnrollmentStatusValue = Literal["", "applied", "enrolled", "waitlisted", "offered", "cancelled", "not_selected",
                                "expired", "released"]


class EnrollmentFilters(Schema):
    status: EnrollmentStatusValue = Field("", description="只看该状态；不填为全部")
    page: Page = 1
    page_size: PageSize = 50


class EnrollmentOut(Schema):
    id: int = Field(description="报名编号，也是摇号的申请号")
    course_id: int
    resident_id: int
    name: str
    phone_masked: str
    community: str
    status: str
    status_label: str
    channel: str = Field(description="self 本人、proxy 代办、desk 窗口")
    channel_label: str
    by: str = Field(description="经办人")
    queue_no: int
    waitlist_position: int | None = Field(None, description="候补位次（仅候补中）")
    offer_expires_at: dt.datetime | None
    created_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str


class EnrollmentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EnrollmentOut]


class EnrollIn(Schema):
    resident_id: DbId


class CancelIn(Schema):
    reason: Text = Field(max_length=200, description="退课原因（必填）")


class LotteryApplicant(Schema):
    no: int = Field(description="申请号（报名编号）")
    name_masked: str
    group: str = Field(description="摇号时所在的优先分组")
    rank: int | None = Field(description="摇号顺序，1 为最先摇出")
    selected: bool
    status: str


class LotteryOut(Schema):
    course_id: int
    mode: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    seed_hash: str = Field(description="随机种子的 SHA-256，报名期间即公示")
    drawn: bool
    applicants: int
    seats: int
    priorities: list[str]
    seed: str | None = Field(None, description="摇号后公开")
    drawn_at: dt.datetime | None = None
    results: list[LotteryApplicant] = Field(default_factory=list)
    record: dict[str, Any] | None = Field(None, description="完整摇号记录，可用 linli college lottery-verify 复核")


class SessionOut(Schema):
    id: int
    course_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue_id: int | None
    venue: str
    status: str
    status_label: str
    cancel_reason: str
    closed_at: dt.datetime | None


class AttendanceLine(Schema):
    enrollment_id: int
    resident_id: int
    name: str
    phone_masked: str
    enrollment_status: str
    status: str | None = Field(description="present 到课、absent 缺勤、excused 请假；未记录为 null")
    status_label: str
    method: str | None
    recorded_at: dt.datetime | None


class AttendanceOut(Schema):
    session: SessionOut
    present: int
    absent: int
    excused: int
    lines: list[AttendanceLine]


class RosterIn(Schema):
    present: list[DbId] = Field(default_factory=list, max_length=2000, description="到课的报名编号")
    excused: list[DbId] = Field(default_factory=list, max_length=2000, description="请假的报名编号；其余记为缺勤")
