from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Status

from linli.core.errors import LinliError
from linli.core.schemas import paged, responses
from linli.people import selectors, services
from linli.people.models import Resident
from linli.people.schemas import (
    ResidentFilters,
    ResidentId,
    ResidentIn,
    ResidentOut,
    ResidentPage,
    RevealIn,
    RevealOut,
)

router = Router(tags=["居民"])

# The services name the page form's fields; the API's input names some of them differently.
_API_FIELD = {"area": "area_code"}


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


@router.get("", response=responses({200: ResidentPage}, 403), summary="居民列表（按所持地区过滤，敏感信息脱敏）")
def resident_list(request: HttpRequest, filters: Query[ResidentFilters]):
    qs = selectors.residents_visible(
        request.user, within=filters.area or None, search=filters.q, tag=filters.tag, sex=filters.sex,
        age_band=filters.age_band,
    )
    today = dt.date.today()
    return paged(qs, filters, lambda r: _out(r, today), ResidentPage)


@router.post("", response=responses({201: ResidentOut}, 400, 403, 409), summary="登记居民")
def resident_create(request: HttpRequest, payload: ResidentIn):
    try:
        resident = services.resident_create(by=request.user, **payload.dict())
    except LinliError as exc:
        exc.field = _API_FIELD.get(exc.field or "", exc.field)
        raise
    return Status(201, _out(selectors.resident_get(request.user, resident.pk), dt.date.today()))


@router.get("/{resident_id}", response=responses({200: ResidentOut}, 403, 404), summary="居民详情（脱敏）")
def resident_detail(request: HttpRequest, resident_id: ResidentId):
    return _out(selectors.resident_get(request.user, resident_id), dt.date.today())


@router.post(
    "/{resident_id}/reveal",
    response=responses({200: RevealOut}, 400, 403, 404),
    summary="查看完整身份证号或手机号（需权限，记录事由）",
)
def resident_reveal(request: HttpRequest, resident_id: ResidentId, payload: RevealIn):
    resident = selectors.resident_get(request.user, resident_id)
    value = services.resident_reveal(
        by=request.user, resident=resident, field=payload.field, reason=payload.reason
    )
    return RevealOut(field=payload.field, value=value)
