"""What the back office's views share: who may enter, and which area is selected."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from linli.accounts.selectors import active_grants
from linli.areas import visibility
from linli.core.errors import LinliError

SESSION_AREA = "linli_area"


def staff_required(view):
    """Logged in and holding a role somewhere; a resident is sent to the residents' pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if getattr(request, "htmx", False):
                # A fragment asked for after logout: send the whole page to the login form,
                # never swap a login page (or stale data) into part of a page.
                return HttpResponseClientRedirect(f"{resolve_url('accounts:login')}?next={quote(request.get_full_path())}")
            return redirect_to_login(request.get_full_path())
        if not active_grants(user):
            raise LinliError("forbidden", "您的账号还没有任何地区的工作角色，请联系上级管理员授权", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def selected_area_code(request: HttpRequest) -> str | None:
    """The area switcher's choice, if it is still inside what the user holds."""
    code = request.session.get(SESSION_AREA)
    if not code:
        return None
    if not visibility.covers((g.area_id for g in active_grants(request.user)), code):
        request.session.pop(SESSION_AREA, None)
        return None
    return code
