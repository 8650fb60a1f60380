from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from linli.core import registry


def linli(request):
    """The back office's menu, drawn from the module registry and the user's permissions."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from linli.accounts.selectors import codes_with_permission, held_areas

    menu = []
    for module in registry.modules():
        for entry in module.menu:
            if entry.permission and not codes_with_permission(user, entry.permission):
                continue
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                continue
            menu.append({"title": entry.title, "url": url, "active": request.path.startswith(url)})
    return {"linli_menu": menu, "linli_held_areas": held_areas(user)}
