"""The JSON API under /api/v1/: one router per app, listed here by hand.

Staff only: a session login holding a role on some area (as the back office's pages). Unsafe
methods need the CSRF cookie and an ``X-CSRFToken`` header, as any form post does. Every error
answers with ``linli.core.schemas.Error``: ``{"code", "message", "field"?, "extra"?}``, in Chinese.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from linli.accounts.selectors import active_grants
from linli.core.errors import CoreErrorCode, LinliError


class StaffSessionAuth(SessionAuth):
    """The session's user, if they hold a role somewhere; a resident's or a role-less account's
    login is refused (403), as the back office's pages refuse it."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if not active_grants(user):
            raise LinliError(CoreErrorCode.FORBIDDEN, "您的账号还没有任何地区的工作角色，请联系上级管理员授权")
        return user


api = NinjaAPI(
    title="邻里 Linli API",
    version="1",
    description=(
        "社区工作平台接口。所有数据按账号所持地区授权过滤；身份证号、手机号均为脱敏显示。"
        "使用后台登录的会话（sessionid Cookie）；POST 等写操作需同时带 csrftoken Cookie 与 X-CSRFToken 请求头。"
        "出错时统一返回 {code, message, field}。"
    ),
    auth=StaffSessionAuth(),
    urls_namespace="api-1",
    # Swagger UI from ninja's own static files; its default validator badge would load an image
    # from validator.swagger.io, an outside call the government intranet cannot make.
    docs=Swagger(settings={"validatorUrl": "none"}),
)


@api.exception_handler(LinliError)
def _linli_error(request: HttpRequest, exc: LinliError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"code": "unauthenticated", "message": "请先登录"}, status=401)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    body = {"code": CoreErrorCode.NOT_FOUND, "message": "记录不存在或您无权查看"}
    return api.create_response(request, body, status=404)


# What ninja itself raises, said in Chinese: a session's write without a valid CSRF token, and a
# body that is not JSON.
_NINJA_ERRORS = {
    "CSRF check Failed": (
        CoreErrorCode.FORBIDDEN, "CSRF 校验失败：写操作需带 csrftoken Cookie 与相同值的 X-CSRFToken 请求头",
    ),
    "Cannot parse request body": (
        CoreErrorCode.INVALID, "请求体无法解析：应为 JSON 对象（Content-Type: application/json）",
    ),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    code, message = _NINJA_ERRORS.get(str(exc), (f"http_{exc.status_code}", str(exc)))
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


# Pydantic's reasons, in the words a caller of a Chinese API expects.
def _reason(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind in {"string_too_long", "too_long"}:
        unit = "个字" if kind == "string_too_long" else "项"
        return f"过长（最多 {ctx.get('max_length')} {unit}）"
    if kind in {"string_too_short", "too_short"}:
        return f"过短（至少 {ctx.get('min_length')} {'个字' if kind == 'string_too_short' else '项'}）"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "应为整数"
    if kind == "greater_than_equal":
        return f"应不小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"应不大于 {ctx.get('le')}"
    if kind == "literal_error":
        return f"应为 {str(ctx.get('expected')).replace(' or ', ', ')} 之一"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind == "string_unicode":
        return "包含无效字符"
    if kind == "string_type":
        return "应为文本"
    if kind.startswith("date_"):
        return "应为日期，格式 YYYY-MM-DD"
    if kind in {"list_type", "tuple_type"}:
        return "应为列表"
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "应为 JSON 对象"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(err.get("msg", "格式不正确"))


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "filters")]
        fields.append({"field": ".".join(loc), "reason": _reason(err)})
    message = "；".join(f"{f['field'] or '请求体'}：{f['reason']}" for f in fields) or "请求格式错误"
    body: dict[str, Any] = {
        "code": CoreErrorCode.INVALID, "message": f"请求有误：{message}", "extra": {"errors": fields},
    }
    if fields and fields[0]["field"]:
        body["field"] = fields[0]["field"]
    return api.create_response(request, body, status=422)


def _add_routers() -> None:
    from linli.areas.api import router as areas_router
    from linli.assistance.api import router as assistance_router
    from linli.college.api import router as college_router
    from linli.college.api_enrollment import router as enrollment_router
    from linli.people.api import router as people_router
    from linli.points.api import router as points_router
    from linli.surveys.api import router as surveys_router
    from linli.volunteering.api import router as volunteering_router

    api.add_router("/areas", areas_router)
    api.add_router("/residents", people_router)
    api.add_router("/surveys", surveys_router)
    api.add_router("/college", college_router)
    api.add_router("/college", enrollment_router)  # enrollment, the lottery, sessions and attendance
    api.add_router("/points", points_router)
    api.add_router("/volunteering", volunteering_router)
    api.add_router("/assistance", assistance_router)


_add_routers()
