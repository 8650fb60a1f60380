from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Schema

from linli.core.ids import MAX_DB_ID as MAX_ID
from linli.core.schemas import AreaFilter, DbId, Page, PageSize, Text

AccountId = Annotated[int, Path(ge=1, le=MAX_ID, description="积分账户编号")]
TransferId = Annotated[int, Path(ge=1, le=MAX_ID, description="积分流水编号")]


class Paging(Schema):
    page: Page = 1
    page_size: PageSize = 50


class AccountFilters(Paging):
    area: AreaFilter = None
    q: Text = Field("", max_length=64, description="居民姓名的一部分")


class AccountOut(Schema):
    id: int
    resident_id: int
    resident: str
    area_code: str
    community: str
    balance: int


class AccountPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AccountOut]


class LineOut(Schema):
    id: int
    transfer_id: int
    kind: str
    kind_label: str
    on: dt.date
    amount: int
    reason: str
    operator: str | None
    reversed: bool
    expires_on: dt.date | None


class StatementOut(Schema):
    account_id: int
    balance: int
    page: int
    page_size: int
    items: list[LineOut]


class RewardFilters(Paging):
    area: AreaFilter = None
    q: Text = Field("", max_length=64, description="名称或提供单位的一部分")


class RewardOut(Schema):
    id: int
    area_code: str
    community: str
    name: str
    description: str
    giver: str
    cost: int
    stock: int
    active: bool


class RewardPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RewardOut]


class RedemptionIn(Schema):
    resident_id: DbId = Field(description="在窗口兑换的居民")
    reward_id: DbId = Field(description="礼品")


class RedemptionOut(Schema):
    id: int
    resident_id: int
    reward_id: int
    reward: str
    cost: int
    status: str
    pickup_code: str
    balance: int


class ReverseIn(Schema):
    reason: Text = Field(max_length=200, description="冲正原因", examples=["重复登记的服务时长"])


class TransferOut(Schema):
    id: int
    kind: str
    reverses_id: int | None
    reason: str
    on: dt.date
