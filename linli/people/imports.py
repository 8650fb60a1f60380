"""The resident import: one row a resident, checked like the form, written all at once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.utils import timezone

from linli.accounts.roles import Perm
from linli.accounts.selectors import has_permission
from linli.areas.models import Area
from linli.core import idcard, phone, protected
from linli.core.errors import LinliError
from linli.core.imports import Column, ImportContext, ImportSpec, ParsedRow, RowError, register_import
from linli.core.services import audit_record_many
from linli.people import validation
from linli.people.models import ResidenceHistory, Resident, Sex, Tag
from linli.people.services import new_checkin_code

_SEX = {"男": "M", "女": "F", "M": "M", "F": "F"}


def _id_number(text: str) -> idcard.IdNumberInfo:
    if "E+" in text.upper() or "." in text:
        raise ValueError("单元格被 Excel 当成了数字，后几位已丢失：请把该列设为“文本”格式后重新填写")
    return idcard.parse(text)


def _sex(text: str) -> str:
    if text not in _SEX:
        raise ValueError("应填“男”或“女”")
    return _SEX[text]


def _date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("日期格式应为 1950-03-08")


def _tags(text: str) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in text.replace("，", ",").replace("、", ",").split(",") if t.strip()))


COLUMNS = (
    Column("name", "姓名", example="张桂英"),
    Column("id_number", "身份证号", parse=_id_number, aliases=("公民身份号码", "身份证号码"), example="500112194503080028"),
    Column("sex", "性别", required=False, parse=_sex, example="女"),
    Column("birth_date", "出生日期", required=False, parse=_date, example="1945-03-08"),
    Column("phone", "手机号", required=False, parse=phone.parse, aliases=("联系电话", "手机号码"), example="13800001234"),
    Column("area", "社区/网格代码", required=False, aliases=("网格代码", "社区代码"), example="500112009011"),
    Column("address", "住址", required=False, example="邢家桥路 12 号 3 单元 2-1"),
    Column("tags", "标签", required=False, parse=_tags, example="独居老人、党员"),
    Column("note", "备注", required=False),
)


def _authorize(user: Any, area_code: str) -> bool:
    return has_permission(user, Perm.IMPORT_RESIDENT, area_code)


def _header(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


def _check(ctx: ImportContext, rows: list[ParsedRow]) -> list[RowError]:
    errors: list[RowError] = []
    # Within the file: the same person twice.
    counts = Counter(r.values["id_number"].number for r in rows)
    for r in rows:
        number = r.values["id_number"].number
        if counts[number] > 1:
            others = [str(o.row) for o in rows if o.values["id_number"].number == number and o is not r]
            errors.append(RowError(r.row, _header("id_number"), f"与第 {'、'.join(others)} 行重复"))
    # Against the database: one query for all the file's numbers.
    hashes = {protected.blind_index(r.values["id_number"].number): r for r in rows}
    for existing in Resident.objects.filter(id_number_hash__in=hashes).select_related("area__parent"):
        row = hashes[existing.id_number_hash]
        community = existing.community
        place = (community.parent.name if community.parent_id else "") + community.name
        errors.append(RowError(row.row, _header("id_number"), validation.duplicate_message(place).split("：", 1)[1]))
    # Areas: one query; each must be a community or grid inside the import's area.
    codes = {r.values["area"] or ctx.area_code for r in rows}
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    tag_names = {t.name: t.code for t in Tag.objects.all()} | {t: t for t in Tag.objects.values_list("code", flat=True)}
    for r in rows:
        v = r.values
        info = v["id_number"]
        if v["sex"] and v["sex"] != info.sex:
            errors.append(RowError(r.row, _header("sex"), f"与身份证号不符（应为{Sex(info.sex).label}）"))
        if v["birth_date"] and v["birth_date"] != info.birth_date:
            errors.append(RowError(r.row, _header("birth_date"), f"与身份证号不符（应为 {info.birth_date.isoformat()}）"))
        code = v["area"] or ctx.area_code
        area = areas.get(code)
        if area is None:
            errors.append(RowError(r.row, _header("area"), f"地区代码 {code} 不存在"))
        elif area.level not in validation.RESIDENT_LEVELS:
            errors.append(RowError(r.row, _header("area"), f"{area.name} 是{area.level_label}，请填写社区或网格代码"))
        elif not code.startswith(ctx.area_code) or not has_permission(ctx.user, Perm.IMPORT_RESIDENT, code):
            errors.append(RowError(r.row, _header("area"), f"{area.name} 不在本次导入的地区内"))
        unknown = [t for t in v["tags"] or [] if t.strip() not in tag_names]
        if unknown:
            errors.append(RowError(r.row, _header("tags"), f"没有“{'、'.join(unknown)}”这个标签"))
        if v["name"] and len(v["name"]) > 64:
            errors.append(RowError(r.row, _header("name"), "过长（最多 64 个字）"))
    return errors


def _commit(ctx: ImportContext, rows: list[ParsedRow]) -> int:
    now = timezone.now()
    tag_codes = {t.name: t.code for t in Tag.objects.all()} | {t: t for t in Tag.objects.values_list("code", flat=True)}
    residents = []
    for r in rows:
        v = r.values
        info = v["id_number"]
        residents.append(
            Resident(
                name=" ".join(v["name"].split()),
                sex=info.sex,
                birth_date=info.birth_date,
                id_number=info.number,
                id_number_hash=protected.blind_index(info.number),
                phone=v["phone"] or "",
                phone_hash=protected.blind_index(v["phone"]) if v["phone"] else "",
                area_id=v["area"] or ctx.area_code,
                address=(v["address"] or "").strip(),
                note=(v["note"] or "").strip(),
                checkin_code=new_checkin_code(),
            )
        )
    created = Resident.objects.bulk_create(residents, batch_size=500)
    if any(r.pk is None for r in created):  # a backend that does not return keys
        raise LinliError("import_rows", "数据库未返回新记录编号，导入已取消")
    ResidenceHistory.objects.bulk_create(
        [ResidenceHistory(resident=r, area_id=r.area_id, address=r.address, moved_in_at=now, reason="批量导入",
                          recorded_by=ctx.user) for r in created],
        batch_size=500,
    )
    through = Resident.tags.through
    links = [
        through(resident_id=res.pk, tag_id=code)
        for res, r in zip(created, rows, strict=True)
        for code in dict.fromkeys(tag_codes[t.strip()] for t in r.values["tags"] or [])  # a name and its code: once
    ]
    through.objects.bulk_create(links, batch_size=1000)
    audit_record_many(actor=ctx.user, action="resident.create", targets=list(created), data={"via": "import"})
    return len(created)


def _target_areas(user: Any):
    from linli.areas.selectors import areas_visible

    return areas_visible(user, Perm.IMPORT_RESIDENT).filter(level__in=["street", "community", "grid"])


RESIDENT_IMPORT = ImportSpec(
    name="residents",
    title="居民",
    columns=COLUMNS,
    authorize=_authorize,
    check_rows=_check,
    commit_rows=_commit,
    target_areas=_target_areas,
    menu_url="/people/",
)


def register_imports() -> None:
    register_import(RESIDENT_IMPORT)
