"""The JSON API under /api/v1/: one router per app, listed here by hand."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from linli.core.errors import LinliError

api = NinjaAPI(
    title="邻里 Linli API",
    version="1",
    description="社区工作平台接口。所有数据按账号所持地区授权过滤；身份证号、手机号均为脱敏显示。",
    auth=django_auth,
    urls_namespace="api-1",
)


@api.exception_handler(LinliError)
def _linli_error(request: HttpRequest, exc: LinliError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"code": "unauthenticated", "message": "请先登录"}, status=401)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields.append({"field": ".".join(loc), "reason": err.get("msg", "")})
    message = "；".join(f"{f['field'] or '请求'}：{f['reason']}" for f in fields) or "请求格式错误"
    return api.create_response(
        request, {"code": "invalid", "message": f"请求有误：{message}", "extra": {"errors": fields}}, status=422
    )


def _add_routers() -> None:
    from linli.areas.api import router as areas_router
    from linli.people.api import router as people_router

    api.add_router("/areas", areas_router)
    api.add_router("/residents", people_router)


_add_routers()
