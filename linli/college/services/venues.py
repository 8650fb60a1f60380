"""Venues (阵地/场地): the rooms and spaces classes meet in, what they offer and when they are free.

A venue belongs to a community, or to its street; a street's venue serves all the street's
communities, and a community may share its own with its neighbours (``shared``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.areas.models import Level
from linli.college.models import CourseStatus, Feature, Venue, VenueOwner, VenueWindow
from linli.college.services import common
from linli.college.services.common import CollegeErrorCode
from linli.core.errors import LinliError, invalid
from linli.core.services import audit_record

OWNER_LEVELS = (Level.COMMUNITY, Level.STREET)
MAX_FLOOR_AREA = Decimal("999999.9")


def clean_features(features: Iterable[Any], *, field: str = "features", label: str = "条件") -> list[str]:
    if isinstance(features, str):
        features = [features]
    wanted = list(dict.fromkeys(str(f).strip() for f in features or () if str(f).strip()))
    by_label = {str(f.label): f.value for f in Feature}
    result, unknown = [], []
    for item in wanted:
        value = item if item in Feature.values else by_label.get(item)
        (result.append(value) if value else unknown.append(item))
    if unknown:
        known = "、".join(str(f.label) for f in Feature)
        raise invalid(field, label, f"没有“{'、'.join(u[:20] for u in unknown[:3])}”这一项（可选：{known}）")
    return [f for f in Feature.values if f in result]  # in the one fixed order


def clean_floor_area(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise invalid("floor_area", "面积", "应为数字（平方米）") from None
    if not number.is_finite():
        raise invalid("floor_area", "面积", "应为数字（平方米）")
    if number > MAX_FLOOR_AREA:
        raise invalid("floor_area", "面积", f"不能超过 {MAX_FLOOR_AREA} 平方米")
    if number > 0:
        number = number.quantize(Decimal("0.1"))  # 0.04 is 0.0: refused below like 0
    if number <= 0:
        raise invalid("floor_area", "面积", "应大于 0 平方米（不知道可不填）")
    return number


def _fields(area: Any, *, name: str, capacity: Any, features: Iterable[Any], floor_area: Any, address: str,
            owner_kind: str, owner_name: str, shared: bool, note: str) -> dict[str, Any]:
    if owner_kind not in VenueOwner.values:
        raise invalid("owner_kind", "产权方", "应为 社区、街道 或 共建单位")
    owner_name = common.text(owner_name, "owner_name", "出借单位", 100, required=False)
    if owner_kind == VenueOwner.MEMBER_UNIT and not owner_name:
        raise invalid("owner_name", "出借单位", "共建单位提供的场地，请填写单位名称")
    if not isinstance(shared, bool):
        raise invalid("shared", "与其他社区共用", "应为 是 或 否")
    return {
        "name": common.text(name, "name", "名称", 64),
        "capacity": common.whole_number(capacity, "capacity", "容纳人数", 1, common.MAX_SMALL, unit=" 人"),
        "features": clean_features(features),
        "floor_area": clean_floor_area(floor_area),
        "address": common.text(address, "address", "地址", 200, required=False),
        "owner_kind": owner_kind,
        "owner_name": owner_name,
        # A street's venue serves all its communities already.
        "shared": shared if area.level == Level.COMMUNITY else False,
        "note": common.long_text(note, "note", "备注"),
    }


@transaction.atomic
def venue_create(
    *,
    by: Any,
    area_code: str,
    name: str,
    capacity: int,
    features: Iterable[str] = (),
    floor_area: Decimal | None = None,
    address: str = "",
    owner_kind: str = VenueOwner.COMMUNITY,
    owner_name: str = "",
    shared: bool = False,
    note: str = "",
    windows: Iterable[tuple[int, dt.time, dt.time]] = (),
) -> Venue:
    area = common.area_of(by, area_code, "登记场地", levels=OWNER_LEVELS)
    venue = Venue(area=area, **_fields(area, name=name, capacity=capacity, features=features, floor_area=floor_area,
                                       address=address, owner_kind=owner_kind, owner_name=owner_name, shared=shared,
                                       note=note))
    hours = common.windows(windows, label="可用时间")
    common.full_clean(venue, exclude=["area"])
    venue.save()
    VenueWindow.objects.bulk_create([VenueWindow(venue=venue, weekday=d, starts=s, ends=e) for d, s, e in hours])
    audit_record(actor=by, action="college.venue_create", target=venue, area_code=area.code,
                 data={"name": venue.name, "capacity": venue.capacity, "features": venue.features,
                       "shared": venue.shared, "windows": len(hours)})
    return venue


@transaction.atomic
def venue_update(
    *,
    by: Any,
    venue: Venue,
    name: str,
    capacity: int,
    features: Iterable[str] = (),
    floor_area: Decimal | None = None,
    address: str = "",
    owner_kind: str = VenueOwner.COMMUNITY,
    owner_name: str = "",
    shared: bool = False,
    note: str = "",
) -> Venue:
    common.require_manage(by, venue.area_id, "修改该场地")
    common.refuse_archived(venue, "场地")
    fields = _fields(venue.area, name=name, capacity=capacity, features=features, floor_area=floor_area,
                     address=address, owner_kind=owner_kind, owner_name=owner_name, shared=shared, note=note)
    changed = [f for f, v in fields.items() if getattr(venue, f) != v]
    for f, v in fields.items():
        setattr(venue, f, v)
    venue.save()
    audit_record(actor=by, action="college.venue_update", target=venue, area_code=venue.area_id,
                 data={"fields": changed})
    return venue


@transaction.atomic
def venue_archive(*, by: Any, venue: Venue) -> Venue:
    """A venue no longer available: kept for the courses that met there, offered to no new one."""
    common.require_manage(by, venue.area_id, "停用该场地")
    if venue.archived_at:
        return venue
    running = venue.courses.filter(status__in=[CourseStatus.PLANNED, CourseStatus.OPEN]).count()
    if running:
        raise LinliError(CollegeErrorCode.IN_USE, f"还有 {running} 门未结课的课程使用该场地，请先为它们更换场地",
                         status=409)
    venue.archived_at = timezone.now()
    venue.save(update_fields=["archived_at"])
    audit_record(actor=by, action="college.venue_archive", target=venue, area_code=venue.area_id)
    return venue


@transaction.atomic
def venue_restore(*, by: Any, venue: Venue) -> Venue:
    common.require_manage(by, venue.area_id, "恢复该场地")
    if venue.archived_at:
        venue.archived_at = None
        venue.save(update_fields=["archived_at"])
        audit_record(actor=by, action="college.venue_restore", target=venue, area_code=venue.area_id)
    return venue


@transaction.atomic
def venue_window_add(*, by: Any, venue: Venue, weekday: int, starts: dt.time, ends: dt.time) -> VenueWindow:
    return common.window_add(by=by, owner=venue, weekday=weekday, starts=starts, ends=ends, action="修改该场地的可用时间")


@transaction.atomic
def venue_window_remove(*, by: Any, window: VenueWindow) -> None:
    common.window_remove(by=by, owner=window.venue, window=window, action="修改该场地的可用时间")
