from django.urls import path

from linli.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("access-log/", views.access_log, name="access_log"),
    path("import/<slug:spec_name>/", views.import_upload, name="import_upload"),
    path("import/<slug:spec_name>/template.xlsx", views.import_template, name="import_template"),
    path("import/batch/<uuid:batch_id>/", views.import_preview, name="import_preview"),
    path("import/batch/<uuid:batch_id>/commit/", views.import_commit, name="import_commit"),
]
