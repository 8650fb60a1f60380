from django.urls import path

from linli.surveys import views, views_paper, views_results

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/publish/", views.survey_publish, name="survey_publish"),
    path("<int:pk>/close/", views.survey_close, name="survey_close"),
    path("<int:pk>/reopen/", views.survey_reopen, name="survey_reopen"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_id>/edit/", views.question_edit, name="question_edit"),
    path("<int:pk>/questions/<int:question_id>/remove/", views.question_remove, name="question_remove"),
    path("<int:pk>/questions/<int:question_id>/move/", views.question_move, name="question_move"),
    path("<int:pk>/results/", views_results.survey_results, name="survey_results"),
    path("<int:pk>/export/", views_results.survey_export, name="survey_export"),
    path("<int:pk>/poster/", views_results.survey_poster, name="survey_poster"),
    path("<int:pk>/paper/", views_paper.paper_entry, name="paper_entry"),
    path("<int:pk>/paper/<int:resident_id>/", views_paper.paper_answer, name="paper_answer"),
]
