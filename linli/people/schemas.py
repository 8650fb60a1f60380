from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema


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
    name: str = Field(max_length=64)
    id_number: str = Field(max_length=32)
    area_code: str = Field(max_length=15)
    sex: Literal["M", "F"] | None = None
    birth_date: dt.date | None = None
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field("", max_length=2000)


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str = Field(max_length=200)


class RevealOut(Schema):
    field: str
    value: str
