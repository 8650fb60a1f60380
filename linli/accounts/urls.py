from django.urls import path
from django.views.generic import RedirectView

from linli.accounts import views, views_staff

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLogin.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("area/", views.area_switch, name="area_switch"),
    path("phone-login/", RedirectView.as_view(pattern_name="portal:login"), name="resident_login"),
    path("staff/", views_staff.staff_list, name="staff_list"),
    path("staff/new/", views_staff.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views_staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/grants/<int:grant_id>/revoke/", views_staff.grant_revoke, name="grant_revoke"),
]
