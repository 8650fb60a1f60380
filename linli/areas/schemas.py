from __future__ import annotations

from typing import Annotated

from ninja import Field, Path, Schema

from linli.core.schemas import Text

# Statistical division codes: 2 (province) to 12 (community) digits, 15 for a grid.
AreaCode = Annotated[
    str,
    Path(pattern=r"^[0-9]{2,15}$", description="地区代码（2–15 位数字）", example="500112009"),
]


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class AreaCreateIn(Schema):
    code: Text = Field(
        max_length=15, pattern=r"^[0-9]{3,15}$",
        description="社区为 12 位统计代码；网格为 15 位，或只写 3 位网格编号", examples=["500112009099"],
    )
    name: Text = Field(min_length=1, max_length=64, examples=["示例社区"])
