"""The public check page of service certificates: no login, a code in, valid or not out."""

from django.urls import path

from linli.volunteering import views

app_name = "volunteer_check"
urlpatterns = [
    path("", views.certificate_check_form, name="form"),
    path("<str:code>/", views.certificate_check, name="check"),
]
