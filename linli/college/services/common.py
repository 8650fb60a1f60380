"""Checks the college's services share: whose area, which resident, which text, which hours.

Each failure is a ``LinliError`` naming the form field and saying, in Chinese, what is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Area, Level
from linli.core.errors import LinliError, forbidden, invalid
from linli.core.services import audit_record

WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
MAX_SMALL = 32767  # PositiveSmallIntegerField


class CollegeErrorCode(StrEnum):
    DUPLICATE = "college.duplicate"
    ARCHIVED = "college.archived"
    IN_USE = "college.in_use"
    STATUS = "college.status"
    # Enrollment and attendance (issue 6)
    ENROLL_CLOSED = "college.enroll_closed"  # outside the window, or the course not open
    ENROLL_DUPLICATE = "college.enroll_duplicate"
    ENROLL_LIMIT = "college.enroll_limit"  # age, group, community, per-term maximum
    ENROLL_CLASH = "college.enroll_clash"
    CANCEL_CLOSED = "college.cancel_closed"
    NOT_PROXY = "college.not_proxy"
    CHECKIN_CLOSED = "college.checkin_closed"  # session not started, over, or cancelled
    CHECKIN_TOKEN = "college.checkin_token"  # forged or unknown QR code
    NOT_ENROLLED = "college.not_enrolled"


def require_manage(by: Any, area_code: str, action: str) -> None:
    if not has_permission(by, Perm.MANAGE_COLLEGE, area_code):
        raise forbidden(action)


def area_of(by: Any, area_code: str, action: str, *, levels: tuple[str, ...] = (Level.COMMUNITY,),
            field: str = "area") -> Area:
    """The area a record goes to: it must exist, be of the right level and be the caller's to manage."""
    code = (area_code or "").strip()
    area = Area.objects.filter(code=code).first() if code.isascii() and len(code) <= 15 else None
    label = "所属社区" if levels == (Level.COMMUNITY,) else "所属社区/街道"
    if area is None:
        raise invalid(field, label, f"地区代码 {code[:20] or '（空）'} 不存在")
    if area.level not in levels:
        wanted = "、".join(Level(level).label for level in levels)
        raise invalid(field, label, f"{area.name} 是{area.level_label}，应选择{wanted}")
    require_manage(by, area.code, f"在{area.name}{action}")
    return area


def text(value: Any, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    cleaned = " ".join(str(value or "").split())
    if required and not cleaned:
        raise invalid(field, label, "不能为空")
    if len(cleaned) > max_length:
        raise invalid(field, label, f"过长（最多 {max_length} 个字）")
    return cleaned


def long_text(value: Any, field: str, label: str, max_length: int = 2000) -> str:
    cleaned = str(value or "").strip()
    if len(cleaned) > max_length:
        raise invalid(field, label, f"过长（最多 {max_length} 个字）")
    return cleaned


def whole_number(value: Any, field: str, label: str, low: int, high: int, *, unit: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(field, label, "应为整数")
    if value < low:
        reason = "不能为 0 或负数" if low == 1 and value <= 0 else f"不能小于 {low}{unit}"
        raise invalid(field, label, reason)
    if value > high:
        raise invalid(field, label, f"不能大于 {high}{unit}")
    return value


def resident_of(resident: Any, area_code: str, field: str, label: str) -> Any:
    """A resident living in the area (a community, its grids; a street, its communities)."""
    if resident is None:
        return None
    if resident.archived_at:
        raise invalid(field, label, f"{resident.name} 的居民登记已注销")
    if not resident.area_id.startswith(area_code):
        raise invalid(field, label, f"{resident.name} 不是本社区的居民")
    return resident


def hhmm(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def window(weekday: Any, starts: Any, ends: Any, *, prefix: str = "", field: str | None = None) -> tuple[int, dt.time, dt.time]:
    """One weekly window: a day 1–7 and a time span that is not empty.

    ``field`` names one form field for every fault (a list of windows); otherwise each part is named."""
    if isinstance(weekday, bool) or not isinstance(weekday, int) or weekday not in WEEKDAYS:
        raise invalid(field or "weekday", f"{prefix}星期", f"应为 1（周一）到 7（周日），不能是 {weekday}")
    for name, value in (("starts", starts), ("ends", ends)):
        if not isinstance(value, dt.time):
            raise invalid(field or name, f"{prefix}{'开始' if name == 'starts' else '结束'}时间", "请填写时间，如 09:00")
        if value.tzinfo is not None:
            raise invalid(field or name, f"{prefix}时间", "不能带时区")
    if ends <= starts:
        raise invalid(field or "ends", f"{prefix}结束时间",
                      f"应晚于开始时间（{WEEKDAYS[weekday]} {hhmm(starts)}–{hhmm(ends)} 可用时长为 0）")
    return weekday, starts.replace(second=0, microsecond=0), ends.replace(second=0, microsecond=0)


def windows(raw: Iterable[Any], *, field: str = "windows", label: str = "可用时间") -> list[tuple[int, dt.time, dt.time]]:
    """A list of windows, each checked, none overlapping another on the same day."""
    result: list[tuple[int, dt.time, dt.time]] = []
    for i, item in enumerate(raw or (), start=1):
        try:
            weekday, starts, ends = item
        except (TypeError, ValueError):
            raise invalid(field, f"{label}第 {i} 条", "应为（星期, 开始时间, 结束时间）") from None
        result.append(window(weekday, starts, ends, prefix=f"{label}第 {i} 条：", field=field))
    for i, (day, starts, ends) in enumerate(result):
        for day2, starts2, ends2 in result[:i]:
            if day == day2 and starts < ends2 and starts2 < ends:
                raise invalid(field, label, f"{WEEKDAYS[day]} {hhmm(starts)}–{hhmm(ends)} 与 "
                                            f"{hhmm(starts2)}–{hhmm(ends2)} 重叠")
    return result


def overlap_check(existing: Iterable[Any], weekday: int, starts: dt.time, ends: dt.time) -> None:
    for w in existing:
        if w.weekday == weekday and starts < w.ends and w.starts < ends:
            raise invalid("starts", "开始时间", f"与已登记的 {WEEKDAYS[weekday]} {hhmm(w.starts)}–{hhmm(w.ends)} 重叠")


def full_clean(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own checks, as a safety net behind the services' (which say more)."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = str(getattr(obj._meta.get_field(field), "verbose_name", field)) if field != "__all__" else "输入"
        raise invalid(field if field != "__all__" else "", label, "；".join(messages)) from None


def refuse_archived(obj: Any, what: str, field: str | None = None) -> None:
    if getattr(obj, "archived_at", None):
        raise LinliError(CollegeErrorCode.ARCHIVED, f"{what}“{obj}”已归档，不能再使用", field=field)


def window_add(*, by: Any, owner: Any, weekday: Any, starts: Any, ends: Any, action: str) -> Any:
    """A weekly window for a teacher or a venue (``owner.windows``), refused if it overlaps one it has."""
    require_manage(by, owner.area_id, action)
    weekday, starts, ends = window(weekday, starts, ends)
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()  # one window added at a time
    overlap_check(owner.windows.all(), weekday, starts, ends)
    added = owner.windows.create(weekday=weekday, starts=starts, ends=ends)
    audit_record(actor=by, action=f"college.{owner._meta.model_name}_window_add", target=owner, area_code=owner.area_id,
                 data={"weekday": weekday, "starts": hhmm(starts), "ends": hhmm(ends)})
    return added


def window_remove(*, by: Any, owner: Any, window: Any, action: str) -> None:
    require_manage(by, owner.area_id, action)
    audit_record(actor=by, action=f"college.{owner._meta.model_name}_window_remove", target=owner,
                 area_code=owner.area_id,
                 data={"weekday": window.weekday, "starts": hhmm(window.starts), "ends": hhmm(window.ends)})
    window.delete()
