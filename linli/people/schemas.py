from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from linli.core.schemas import Text

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200

# A database id: positive and within a signed 64-bit integer, as every supported database stores it.
ResidentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="居民编号")]
AgeBand = Literal["", "0-17", "18-59", "60-69", "70-79", "80+"]  # selectors.AGE_BANDS, or none


class ResidentFilters(Schema):
    area: Text | None = Field(None, pattern=r"^[0-9]{0,15}$", description="只看该地区（代码）及其下级")
    q: Text = Field("", max_length=100, description="姓名或住址的一部分；或完整身份证号、手机号")
    tag: Text = Field("", max_length=32, description="标签代码")
    sex: Literal["", "M", "F"] = ""
    age_band: AgeBand = ""
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class ResidentOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    age: int
    id_number_masked: str
    phone_masked: str
    area_code: str
    community: str
    grid: str | None
    address: str
    tags: list[str]


class ResidentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ResidentOut]


class ResidentIn(Schema):
    name: Text = Field(max_length=64, examples=["张桂英"])
    id_number: Text = Field(max_length=32, examples=["500112195210010269"])
    area_code: Text = Field(max_length=15, description="社区或网格的代码", examples=["500112009011"])
    sex: Literal["M", "F"] | None = Field(None, description="不填则取自身份证号；填写须与身份证号一致")
    birth_date: dt.date | None = Field(None, description="不填则取自身份证号；填写须与身份证号一致")
    phone: Text = Field("", max_length=32, examples=["13900001234"])
    address: Text = Field("", max_length=200, examples=["测试路 1 号"])
    tags: list[Annotated[Text, Field(max_length=32)]] = Field(default_factory=list, max_length=20)
    note: Text = Field("", max_length=2000)


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: Text = Field(max_length=200, description="查看事由（至少 2 个字），记入查看记录", examples=["核对低保申请材料"])


class RevealOut(Schema):
    field: str
    value: str
