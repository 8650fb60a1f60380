"""Writes to the area tree: the official divisions, and the communities and grids users add."""

from __future__ import annotations

import csv
import gzip
import io
from importlib import resources
from typing import Any

from django.db import transaction
from django.db.models import Q

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import CODE_LENGTH, LEVEL_OF_LENGTH, Area, Level
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import audit_record

OFFICIAL_FILES = (
    ("provinces.csv.gz", Level.PROVINCE, None),
    ("cities.csv.gz", Level.CITY, "provinceCode"),
    ("areas.csv.gz", Level.COUNTY, "cityCode"),
    ("streets.csv.gz", Level.STREET, "areaCode"),
)
LOCAL_CHILD = {Level.STREET: Level.COMMUNITY, Level.COMMUNITY: Level.GRID}


def _official_rows(filename: str) -> list[dict[str, str]]:
    raw = resources.files("linli.areas").joinpath("data", filename).read_bytes()
    return list(csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8"))))


@transaction.atomic
def areas_import_official(*, prefix: str = "") -> dict[str, int]:
    """Load (or refresh the names of) the official tree down to streets; ``prefix`` limits it,
    e.g. "50" for Chongqing. Returns counts of created and renamed areas."""
    # The prefix's ancestors (a province and city for a county) are loaded too, so look for them too.
    ancestors = [prefix[:n] for n in CODE_LENGTH.values() if n < len(prefix)]
    in_scope = Q(code__startswith=prefix) | Q(code__in=ancestors) if prefix else Q()
    existing = {a.code: a for a in Area.objects.filter(in_scope)}
    created = renamed = 0
    for filename, level, parent_col in OFFICIAL_FILES:
        new, changed = [], []
        for row in _official_rows(filename):
            code, name = row["code"].strip(), row["name"].strip()
            if prefix and not (code.startswith(prefix) or prefix.startswith(code)):
                continue  # neither inside the prefix nor one of its ancestors
            parent = row[parent_col].strip() if parent_col else None
            area = existing.get(code)
            if area is None:
                area = Area(code=code, name=name, level=level, parent_id=parent, source=Area.Source.OFFICIAL)
                new.append(area)
                existing[code] = area
            elif area.name != name:
                area.name = name
                changed.append(area)
        Area.objects.bulk_create(new, batch_size=2000)
        Area.objects.bulk_update(changed, ["name"], batch_size=2000)
        created += len(new)
        renamed += len(changed)
    return {"created": created, "renamed": renamed}


@transaction.atomic
def area_create(*, by: Any, parent: Area, code: str, name: str) -> Area:
    """Add a community under a street (12-digit code) or a grid under a community (3-digit suffix)."""
    level = LOCAL_CHILD.get(Level(parent.level))
    if level is None:
        raise invalid("parent", "上级地区", f"{parent.level_label}下不能直接新增，只能在街道下建社区、在社区下建网格")
    if not has_permission(by, Perm.MANAGE_AREAS, parent.code):
        raise forbidden(f"在{parent.name}下新增{Level(level).label}")
    code = "".join(code.split())
    if len(code) == 3 and level == Level.GRID:
        code = parent.code + code  # a grid's local suffix alone is enough
    length = CODE_LENGTH[level]
    if not (code.isascii() and code.isdigit()) or len(code) != length:  # not ٠١٢ or other scripts' digits
        raise invalid("code", "代码", f"{Level(level).label}代码应为 {length} 位数字")
    if not code.startswith(parent.code):
        raise invalid("code", "代码", f"应以上级代码 {parent.code} 开头")
    name = " ".join(name.split())
    if not name:
        raise invalid("name", "名称", "不能为空")
    clash = Area.objects.filter(code=code).first()
    if clash is not None:
        raise LinliError("areas.code_taken", f"代码：{code} 已被“{clash.name}”使用", field="code", status=409)
    if Area.objects.filter(parent=parent, name=name).exists():
        raise LinliError("areas.name_taken", f"名称：{parent.name}下已有“{name}”", field="name", status=409)
    area = Area.objects.create(code=code, name=name, level=level, parent=parent, source=Area.Source.LOCAL)
    audit_record(actor=by, action="area.create", target=area, area_code=code)
    return area


def level_for_code(code: str) -> str | None:
    return LEVEL_OF_LENGTH.get(len(code))
