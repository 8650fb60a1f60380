from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from linli.people import selectors, services
from linli.people.models import Resident
from linli.people.schemas import ResidentIn, ResidentOut, ResidentPage, RevealIn, RevealOut

router = Router(tags=["居民"])
MAX_PAGE_SIZE = 200


class ResidentFilters(Schema):
    area: str | None = None
    q: str = ""
    tag: str = ""
    sex: str = ""
    age_band: str = ""
    page: int = 1
    page_size: int = 50


def _out(r: Resident, today: dt.date) -> ResidentOut:
    grid = r.grid
    return ResidentOut(
        id=r.pk,
        name=r.name,
        sex=r.sex,
        birth_date=r.birth_date,
        age=r.age(today),
        id_number_masked=r.id_number_masked,
        phone_masked=r.phone_masked,
        area_code=r.area_id,
        community=r.community.name,
        grid=grid.name if grid else None,
        address=r.address,
        tags=[t.name for t in r.tags.all()],
    )


@router.get("", response=ResidentPage, summary="居民列表（按所持地区过滤，敏感信息脱敏）")
def resident_list(request: HttpRequest, filters: Query[ResidentFilters]):
    page_size = min(max(filters.page_size, 1), MAX_PAGE_SIZE)
    page = max(filters.page, 1)
    qs = selectors.residents_visible(
        request.user, within=filters.area or None, search=filters.q[:100], tag=filters.tag, sex=filters.sex,
        age_band=filters.age_band,
    )
    count = qs.count()
    today = dt.date.today()
    items = [_out(r, today) for r in qs[(page - 1) * page_size : page * page_size]]
    return ResidentPage(count=count, page=page, page_size=page_size, items=items)


@router.post("", response={201: ResidentOut}, summary="登记居民")
def resident_create(request: HttpRequest, payload: ResidentIn):
    resident = services.resident_create(by=request.user, **payload.dict())
    return 201, _out(selectors.resident_get(request.user, resident.pk), dt.date.today())


@router.get("/{resident_id}", response=ResidentOut, summary="居民详情（脱敏）")
def resident_detail(request: HttpRequest, resident_id: int):
    return _out(selectors.resident_get(request.user, resident_id), dt.date.today())


@router.post("/{resident_id}/reveal", response=RevealOut, summary="查看完整身份证号或手机号（需权限，记录事由）")
def resident_reveal(request: HttpRequest, resident_id: int, payload: RevealIn):
    resident = selectors.resident_get(request.user, resident_id)
    value = services.resident_reveal(by=request.user, resident=resident, field=payload.field, reason=payload.reason)
    return RevealOut(field=payload.field, value=value)
