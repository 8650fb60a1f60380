from __future__ import annotations

from ninja import Schema


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class AreaCreateIn(Schema):
    code: str
    name: str
