"""One error shape for services, pages and the API.

Services raise ``LinliError``; the page middleware and the API handler turn it into a
message in Chinese with the right status. ``field`` names the form field at fault, so a
form can show the message beside it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CoreErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    IMPORT_FILE = "import_file"
    IMPORT_ROWS = "import_rows"
    IMPORT_STATE = "import_state"


_STATUS = {
    CoreErrorCode.NOT_FOUND: 404,
    CoreErrorCode.FORBIDDEN: 403,
    CoreErrorCode.CONFLICT: 409,
    CoreErrorCode.RATE_LIMITED: 429,
}


class LinliError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        extra: dict[str, Any] | None = None,
        *,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.extra = dict(extra or {})
        self.field = field
        self.status = status or _STATUS.get(code, 400)  # type: ignore[call-overload]

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.extra:
            body["extra"] = self.extra
        return body

    def __str__(self) -> str:
        return self.message


def not_found(what: str = "记录") -> LinliError:
    # Said the same whether the record is missing or outside the caller's areas: no existence leak.
    return LinliError(CoreErrorCode.NOT_FOUND, f"{what}不存在或您无权查看")


def forbidden(action: str) -> LinliError:
    return LinliError(CoreErrorCode.FORBIDDEN, f"您没有{action}的权限")


def invalid(field: str, label: str, reason: str) -> LinliError:
    return LinliError(CoreErrorCode.INVALID, f"{label}：{reason}", field=field)
