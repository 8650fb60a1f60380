from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Schema

from linli.core.schemas import Text

MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
AccountId = Annotated[int, Path(ge=1, le=MAX_ID, description="积分账户编号")]
TransferId = Annotated[int, Path(ge=1, le=MAX_ID, description="积分流水编号")]


class Paging(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class AccountFilters(Paging):
    area: Text | None = Field(None, pattern=r"^[0-9]{0,15}$", description="只看该地区（代码）及其下级")
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
    area: Text | None = Field(None, pattern=r"^[0-9]{0,15}$", description="只看该地区（代码）及其下级")
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
