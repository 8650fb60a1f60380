"""Checks shared by the resident form, the API and the import: each failure names its field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from linli.accounts.selectors import has_permission
from linli.areas.models import Area, Level
from linli.core import idcard, phone
from linli.core.errors import LinliError, forbidden, invalid
from linli.people.errors import PeopleErrorCode
from linli.people.models import Sex, Tag

RESIDENT_LEVELS = (Level.COMMUNITY, Level.GRID)


def id_number(raw: str) -> idcard.IdNumberInfo:
    try:
        return idcard.parse(raw)
    except idcard.IdNumberError as exc:
        raise invalid("id_number", "身份证号", str(exc)) from exc


def phone_number(raw: str) -> str:
    if not raw or not raw.strip():
        return ""
    try:
        return phone.parse(raw)
    except phone.PhoneError as exc:
        raise invalid("phone", "手机号", str(exc)) from exc


def sex_and_birth(info: idcard.IdNumberInfo, sex: str | None, birth_date: dt.date | None) -> tuple[str, dt.date]:
    """What was given must agree with the ID number; what was not given is taken from it."""
    if sex and sex not in Sex.values:
        raise invalid("sex", "性别", "应为 男 或 女")
    if sex and sex != info.sex:
        raise invalid("sex", "性别", f"与身份证号不符（身份证号显示为{Sex(info.sex).label}）")
    if birth_date and birth_date != info.birth_date:
        raise invalid("birth_date", "出生日期", f"与身份证号不符（身份证号显示为 {info.birth_date.isoformat()}）")
    return info.sex, info.birth_date


def residence_area(by: Any, code: str, permission: str) -> Area:
    code = (code or "").strip()
    area = Area.objects.select_related("parent").filter(code=code).first()
    if area is None:
        raise invalid("area", "所在社区/网格", f"地区代码 {code or '（空）'} 不存在")
    if area.level not in RESIDENT_LEVELS:
        raise LinliError(
            PeopleErrorCode.WRONG_AREA_LEVEL, f"所在社区/网格：{area.name} 是{area.level_label}，应选择社区或网格", field="area"
        )
    if not has_permission(by, permission, area.code):
        raise forbidden(f"在{area.name}登记或修改居民")
    return area


def tags(codes_or_names: Iterable[str]) -> list[Tag]:
    wanted = [t.strip() for t in codes_or_names if t and t.strip()]
    if not wanted:
        return []
    found = {t.code: t for t in Tag.objects.all()}
    by_name = {t.name: t for t in found.values()}
    result, unknown = [], []
    for item in wanted:
        tag = found.get(item) or by_name.get(item)
        (result.append(tag) if tag else unknown.append(item))
    if unknown:
        names = "、".join(by_name)
        raise invalid("tags", "标签", f"没有“{'、'.join(unknown)}”这个标签（可选：{names}）")
    return list(dict.fromkeys(result))


def name(raw: str) -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise invalid("name", "姓名", "不能为空")
    if len(value) > 64:
        raise invalid("name", "姓名", "过长（最多 64 个字）")
    return value


def duplicate_message(existing_community: str) -> str:
    return f"身份证号：该居民已登记在{existing_community}，不能重复登记（如已搬迁，请由原社区办理迁出）"


def duplicate_error(existing_community: str) -> LinliError:
    return LinliError(PeopleErrorCode.DUPLICATE_ID_NUMBER, duplicate_message(existing_community), field="id_number",
                      status=409)
