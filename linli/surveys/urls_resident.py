"""The residents' survey pages, under /m/surveys/ (beside the portal's phone pages)."""

from django.urls import path

from linli.surveys import views_resident

app_name = "resident_surveys"
urlpatterns = [
    path("", views_resident.survey_list, name="list"),
    path("<str:token>/", views_resident.survey_answer, name="answer"),
    path("<str:token>/thanks/", views_resident.survey_thanks, name="thanks"),
]
