"""What every API router shares: the one error shape, safe text input, and response declarations.

Every error the API answers with, whatever raised it (a service's ``LinliError``, a malformed
request, a missing login, a failed CSRF check), has the shape of ``Error``. Routers declare it
for each status they can answer with, so the OpenAPI schema tells the whole truth (schemathesis
checks that it does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import AfterValidator

from linli.core.ids import MAX_DB_ID

# The statuses a service error maps to (see core.errors), and what each means to a caller.
ERROR_STATUSES: dict[int, str] = {
    400: "输入有误（message 说明原因，field 指出字段）",
    401: "未登录",
    403: "无权限，或 CSRF 校验失败",
    404: "不存在或无权查看（两者答复相同）",
    409: "与已有记录冲突",
    422: "请求格式错误（参数类型、长度、取值）",
}


class ErrorItem(Schema):
    field: str
    reason: str


class Error(Schema):
    code: str
    message: str
    field: str | None = None
    extra: dict[str, Any] | None = None


def responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """``ok`` plus ``Error`` for each status in ``errors`` (401 and 422 are always possible)."""
    declared = {**ok}
    for status in sorted({401, 422, *errors}):
        if status not in ERROR_STATUSES:
            raise ValueError(f"undeclared error status {status}")
        declared[status] = Error
    return declared


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8: either would
    # fail deep in the database as a 500. Refused here, as a 422 that names the field.
    if "\x00" in value:
        raise ValueError("不能包含空字符（\\0）")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("包含无效字符") from None
    return value


# A string that can be stored and searched on every supported database.
Text = Annotated[str, AfterValidator(_clean_text)]


# Inputs every router takes the same way.
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]  # a record's id in a JSON body
AreaFilter = Annotated[Text | None, Field(None, pattern=r"^[0-9]{0,15}$", description="只看该地区（代码）及其下级")]
Page = Annotated[int, Field(1, ge=1, le=100_000)]
PageSize = Annotated[int, Field(50, ge=1, le=200)]


def paged(qs: QuerySet, filters: Any, out: Callable[[Any], Any], page_type: Any) -> Any:
    """One page of ``qs`` as ``page_type(count, page, page_size, items)``; ``filters`` has page and page_size."""
    start = (filters.page - 1) * filters.page_size
    items = [out(obj) for obj in qs[start : start + filters.page_size]]
    return page_type(count=qs.count(), page=filters.page, page_size=filters.page_size, items=items)
