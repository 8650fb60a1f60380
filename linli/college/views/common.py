"""What the college's pages share: whose college is shown, and which areas a new record may go to."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from linli.accounts.roles import Perm
from linli.accounts.web import selected_area_code
from linli.areas.models import Area, Level
from linli.areas.selectors import areas_visible
from linli.college import permissions
from linli.college.selectors.clubs import communities_visible
from linli.core.errors import forbidden


def require_view(request: HttpRequest) -> None:
    if not permissions.can_view_college(request.user):
        raise forbidden("查看社区学院")


def communities(request: HttpRequest, permission: str = Perm.VIEW_COLLEGE) -> list[Area]:
    return list(communities_visible(request.user, within=selected_area_code(request), permission=permission))


def chosen_community(request: HttpRequest, permission: str = Perm.VIEW_COLLEGE) -> tuple[Area, list[Area]]:
    """The community a per-community page shows (``?community=``), among those the user sees."""
    options = communities(request, permission)
    if not options:
        raise forbidden("查看社区学院" if permission == Perm.VIEW_COLLEGE else "管理社区学院")
    code = request.POST.get("community") or request.GET.get("community") or ""
    return next((a for a in options if a.code == code), options[0]), options


def manage_areas(request: HttpRequest, levels: tuple[str, ...] = (Level.COMMUNITY, Level.STREET)) -> QuerySet[Area]:
    """Where the user may register a teacher or a venue (within the area switcher's choice)."""
    return areas_visible(request.user, Perm.MANAGE_COLLEGE, within=selected_area_code(request)).filter(
        level__in=levels).order_by("code")


def within(request: HttpRequest) -> str | None:
    return selected_area_code(request)


def post_int(request: HttpRequest, name: str) -> int | None:
    try:
        value = int(request.POST.get(name, ""))
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None
