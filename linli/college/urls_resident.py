"""The residents' college pages, under /m/college/ (beside the portal's phone pages)."""

from django.urls import include, path

from linli.college.views import lottery_public, resident

app_name = "resident_college"
urlpatterns = [
    path("courses/<int:course_id>/enroll/", resident.enroll, name="enroll"),
    path("enrollments/<int:enrollment_id>/cancel/", resident.cancel, name="cancel"),
    path("enrollments/<int:enrollment_id>/confirm/", resident.confirm, name="confirm"),
    path("enrollments/<int:enrollment_id>/decline/", resident.decline, name="decline"),
    path("week/", resident.week, name="week"),
    path("checkin/<str:token>/", resident.checkin, name="checkin"),
    path("r/<str:code>/", resident.card, name="card"),
    path("lead/", resident.lead, name="lead"),
    path("lead/<int:session_id>/", resident.roll_call, name="roll_call"),
    path("lead/<int:session_id>/card/", resident.roll_call_card, name="roll_call_card"),
    path("lottery/", include(lottery_public.urlpatterns)),  # public, no login: the lottery's record
]
