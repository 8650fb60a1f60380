from django.contrib import admin
from django.urls import include, path

from linli.api import api
from linli.insights import views as insights

urlpatterns = [
    path("", insights.home, name="home"),
    path("accounts/", include("linli.accounts.urls")),
    path("areas/", include("linli.areas.urls")),
    path("people/", include("linli.people.urls")),
    path("surveys/", include("linli.surveys.urls")),
    path("college/", include("linli.college.urls")),
    path("points/", include("linli.points.urls")),
    path("volunteering/", include("linli.volunteering.urls")),
    path("assistance/", include("linli.assistance.urls")),
    path("m/surveys/", include("linli.surveys.urls_resident")),  # before the portal's m/
    path("m/volunteer/", include("linli.volunteering.urls_resident")),  # before the portal's m/
    path("m/college/", include("linli.college.urls_resident")),  # before the portal's m/
    path("verify/", include("linli.volunteering.urls_public")),  # public check of service certificates
    path("m/", include("linli.portal.urls")),
    path("", include("linli.core.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),  # a superuser's escape hatch, not the product
]
