from __future__ import annotations

from django.shortcuts import render

from linli.core.errors import LinliError


class LinliErrorMiddleware:
    """A LinliError escaping a page view becomes a plain Chinese message page with its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, LinliError):
            if request.path.startswith("/api/"):
                return None  # the API has its own handler
            return render(request, "core/error.html", {"error": exception}, status=exception.status)
        return None
