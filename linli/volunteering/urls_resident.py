"""The residents' volunteering pages, under /m/volunteer/ (beside the portal's phone pages)."""

from django.urls import path

from linli.volunteering import views_resident

app_name = "volunteer"
urlpatterns = [
    path("", views_resident.home, name="home"),
    path("apply/", views_resident.apply, name="apply"),
    path("activities/", views_resident.activities, name="activities"),
    path("activities/<int:pk>/signup/", views_resident.signup, name="signup"),
    path("signups/<int:pk>/cancel/", views_resident.signup_cancel, name="signup_cancel"),
    path("scan/<str:token>/", views_resident.scan, name="scan"),
    path("hours/", views_resident.hours, name="hours"),
    path("certificates/<int:pk>/", views_resident.certificate, name="certificate"),
]
