"""Whose pages these are: the resident themself, or the elder a family member acts for (代办)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from linli.core.errors import LinliError
from linli.people import selectors as people
from linli.people.models import ProxyBinding, ProxyScope, Resident

SESSION_KEY = "linli_acting_binding"


@dataclass(frozen=True)
class Subject:
    resident: Resident | None  # whose data the pages show and act on
    binding: ProxyBinding | None  # set when acting for someone else

    @property
    def acting(self) -> bool:
        return self.binding is not None


def subject(request: HttpRequest) -> Subject:
    """Checked on every request: a revoked binding ends proxy mode at once."""
    binding_id = request.session.get(SESSION_KEY)
    if binding_id:
        binding = people.principals_for(request.user).filter(pk=binding_id).first()
        if binding is not None:
            return Subject(resident=binding.principal, binding=binding)
        request.session.pop(SESSION_KEY, None)
    return Subject(resident=getattr(request.user, "resident", None), binding=None)


def require_scope(subject: Subject, scope: str) -> None:
    """Acting for someone: only within what they granted."""
    if subject.binding is not None and scope not in subject.binding.scopes:
        assert subject.resident is not None
        granted = "、".join(subject.binding.scope_labels) or "无"
        raise LinliError(
            "portal.proxy_scope",
            f"{subject.resident.name}没有授权您代办“{ProxyScope(scope).label}”（已授权：{granted}）。"
            "如需代办，请联系社区工作人员办理授权。",
            status=403,
        )


def as_context(s: Subject, user: Any) -> dict[str, Any]:
    return {"subject": s.resident, "acting": s.acting, "binding": s.binding, "agent": user}
