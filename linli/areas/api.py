from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from linli.accounts.roles import Perm
from linli.accounts.selectors import active_grants
from linli.areas import selectors, services
from linli.areas.models import Area
from linli.areas.schemas import AreaCode, AreaCreateIn, AreaOut
from linli.core.schemas import responses

router = Router(tags=["地区"])


def _out(area: Area) -> AreaOut:
    return AreaOut(code=area.code, name=area.name, level=area.level, parent_code=area.parent_id)


@router.get("/held", response=responses({200: list[AreaOut]}, 403), summary="我持有角色的地区")
def held(request: HttpRequest):
    return [_out(g.area) for g in active_grants(request.user)]


@router.get("/{code}", response=responses({200: AreaOut}, 403, 404), summary="地区详情")
def detail(request: HttpRequest, code: AreaCode):
    return _out(selectors.area_get(request.user, code, Perm.VIEW_RESIDENT))


@router.get("/{code}/children", response=responses({200: list[AreaOut]}, 403, 404), summary="下级地区")
def children(request: HttpRequest, code: AreaCode):
    area = selectors.area_get(request.user, code, Perm.VIEW_RESIDENT)
    return [_out(a) for a in selectors.children_of(area)]


@router.post(
    "/{code}/children", response=responses({201: AreaOut}, 400, 403, 404, 409), summary="新增社区或网格",
)
def create_child(request: HttpRequest, code: AreaCode, payload: AreaCreateIn):
    # Seen but not managed: the service answers 403, which tells nothing a GET would not.
    parent = selectors.area_get(request.user, code, Perm.VIEW_RESIDENT)
    area = services.area_create(by=request.user, parent=parent, code=payload.code, name=payload.name)
    return Status(201, _out(area))
