from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from linli.accounts.selectors import codes_with_permission, held_areas
from linli.accounts.web import selected_area_code
from linli.areas.models import Area, Level
from linli.areas.visibility import scope
from linli.core import registry

_INDENT = {Level.STREET: "· ", Level.COMMUNITY: "· · ", Level.GRID: "· · · "}


def linli(request):
    """The back office's frame: menu from the module registry, the area switcher's choices."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = held_areas(user)
    if not held:
        return {}
    menu: list[dict[str, Any]] = []
    for module in registry.modules():
        for entry in module.menu:
            if entry.permission and not codes_with_permission(user, entry.permission):
                continue
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                continue
            menu.append({"title": entry.title, "url": url, "active": False})
    # Only the longest matching entry is active: "/assistance/" must not light up on "/assistance/runs/".
    matching = [item for item in menu if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    below = scope(Area.objects.filter(level__in=[Level.STREET, Level.COMMUNITY, Level.GRID]), [a.code for a in held],
                  field="code")
    choices = {a.code: a for a in held} | {a.code: a for a in below.order_by("code")}
    ordered = sorted(choices.values(), key=lambda a: a.code)
    for area in ordered:
        area.indent = _INDENT.get(area.level, "")
    return {
        "linli_menu": menu,
        "linli_held_areas": held,
        "area_choices": ordered,
        "selected_area_code": selected_area_code(request),
    }
