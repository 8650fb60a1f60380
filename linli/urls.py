from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from linli.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="people:resident_list", permanent=False)),
    path("accounts/", include("linli.accounts.urls")),
    path("areas/", include("linli.areas.urls")),
    path("people/", include("linli.people.urls")),
    path("", include("linli.core.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),  # a superuser's escape hatch, not the product
]
