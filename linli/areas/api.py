from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from linli.accounts.roles import Perm
from linli.accounts.selectors import active_grants
from linli.areas import selectors, services
from linli.areas.models import Area
from linli.areas.schemas import AreaCreateIn, AreaOut

router = Router(tags=["地区"])


def _out(area: Area) -> AreaOut:
    return AreaOut(code=area.code, name=area.name, level=area.level, parent_code=area.parent_id)


@router.get("/held", response=list[AreaOut], summary="我持有角色的地区")
def held(request: HttpRequest):
    return [_out(g.area) for g in active_grants(request.user)]


@router.get("/{code}", response=AreaOut, summary="地区详情")
def detail(request: HttpRequest, code: str):
    return _out(selectors.area_get(request.user, code, Perm.VIEW_RESIDENT))


@router.get("/{code}/children", response=list[AreaOut], summary="下级地区")
def children(request: HttpRequest, code: str):
    area = selectors.area_get(request.user, code, Perm.VIEW_RESIDENT)
    return [_out(a) for a in selectors.children_of(area)]


@router.post("/{code}/children", response={201: AreaOut}, summary="新增社区或网格")
def create_child(request: HttpRequest, code: str, payload: AreaCreateIn):
    parent = selectors.area_get(request.user, code, Perm.MANAGE_AREAS)
    return 201, _out(services.area_create(by=request.user, parent=parent, code=payload.code, name=payload.name))
