from django.urls import path
from django.views.generic import RedirectView

from linli.people import views

app_name = "people"
urlpatterns = [
    path("", views.resident_list, name="resident_list"),
    path("new/", views.resident_create, name="resident_create"),
    path("import/", RedirectView.as_view(url="/import/residents/"), name="resident_import"),
    path("<int:pk>/", views.resident_detail, name="resident_detail"),
    path("<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("<int:pk>/move/", views.resident_move, name="resident_move"),
    path("<int:pk>/archive/", views.resident_archive, name="resident_archive"),
    path("<int:pk>/proxies/", views.proxy_bind, name="proxy_bind"),
    path("<int:pk>/proxies/<int:binding_id>/revoke/", views.proxy_revoke, name="proxy_revoke"),
    path("<int:pk>/household/", views.household_create, name="household_create"),
    path("<int:pk>/household/members/", views.household_member_add, name="household_member_add"),
    path("<int:pk>/household/members/<int:member_id>/remove/", views.household_member_remove,
         name="household_member_remove"),
]
