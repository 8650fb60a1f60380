from django.urls import path

from linli.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/check/", views.home_check_create, name="home_check_create"),
    path("overdue/", views.overdue, name="overdue"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/import/", views.run_import, name="run_import"),
    path("runs/import/<uuid:batch_id>/", views.run_preview, name="run_preview"),
    path("runs/import/<uuid:batch_id>/commit/", views.run_commit, name="run_commit"),
    path("runs/import/<uuid:batch_id>/discard/", views.run_discard, name="run_discard"),
]
