from django.urls import path

from linli.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLogin.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("area/", views.area_switch, name="area_switch"),
    path("phone-login/", views.resident_login, name="resident_login"),
    path("me/", views.me, name="me"),
]
