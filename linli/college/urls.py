from django.urls import path

from linli.college.views import clubs, courses, orders, teachers, venues

app_name = "college"
urlpatterns = [
    path("orders/", orders.order_list, name="order_list"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/open/", orders.order_open, name="order_open"),
    path("orders/<int:pk>/dismiss/", orders.order_dismiss, name="order_dismiss"),
    path("settings/", orders.settings_edit, name="settings"),
]

# Alliances and clubs, the task force, the teacher pool, venues and courses.
urlpatterns += [
    path("clubs/", clubs.club_list, name="club_list"),
    path("clubs/new/", clubs.club_create, name="club_create"),
    path("clubs/alliances/defaults/", clubs.alliances_ensure, name="alliances_ensure"),
    path("clubs/alliances/new/", clubs.alliance_create, name="alliance_create"),
    path("clubs/alliances/<int:pk>/edit/", clubs.alliance_edit, name="alliance_edit"),
    path("clubs/alliances/<int:pk>/move/", clubs.alliance_move, name="alliance_move"),
    path("clubs/<int:pk>/", clubs.club_detail, name="club_detail"),
    path("clubs/<int:pk>/edit/", clubs.club_edit, name="club_edit"),
    path("clubs/<int:pk>/archive/", clubs.club_archive, name="club_archive"),
    path("clubs/<int:pk>/restore/", clubs.club_restore, name="club_restore"),
    path("clubs/<int:pk>/delete/", clubs.club_delete, name="club_delete"),
    path("clubs/<int:pk>/members/", clubs.club_member_add, name="club_member_add"),
    path("clubs/<int:pk>/members/<int:member_id>/remove/", clubs.club_member_remove, name="club_member_remove"),
    path("task-force/", clubs.task_force, name="task_force"),
    path("task-force/add/", clubs.task_force_add, name="task_force_add"),
    path("task-force/<int:member_id>/remove/", clubs.task_force_remove, name="task_force_remove"),
    path("teachers/", teachers.teacher_list, name="teacher_list"),
    path("teachers/new/", teachers.teacher_create, name="teacher_create"),
    path("teachers/<int:pk>/", teachers.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", teachers.teacher_edit, name="teacher_edit"),
    path("teachers/<int:pk>/reveal/", teachers.teacher_reveal, name="teacher_reveal"),
    path("teachers/<int:pk>/status/", teachers.teacher_status, name="teacher_status"),
    path("teachers/<int:pk>/windows/", teachers.teacher_window_add, name="teacher_window_add"),
    path("teachers/<int:pk>/windows/<int:window_id>/remove/", teachers.teacher_window_remove,
         name="teacher_window_remove"),
    path("venues/", venues.venue_list, name="venue_list"),
    path("venues/new/", venues.venue_create, name="venue_create"),
    path("venues/<int:pk>/", venues.venue_detail, name="venue_detail"),
    path("venues/<int:pk>/edit/", venues.venue_edit, name="venue_edit"),
    path("venues/<int:pk>/archive/", venues.venue_archive, name="venue_archive"),
    path("venues/<int:pk>/restore/", venues.venue_restore, name="venue_restore"),
    path("venues/<int:pk>/windows/", venues.venue_window_add, name="venue_window_add"),
    path("venues/<int:pk>/windows/<int:window_id>/remove/", venues.venue_window_remove, name="venue_window_remove"),
    path("courses/", courses.course_list, name="course_list"),
    path("courses/new/", courses.course_create, name="course_create"),
    path("courses/features/", courses.course_features, name="course_features"),
    path("courses/<int:pk>/", courses.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", courses.course_edit, name="course_edit"),
    path("courses/<int:pk>/status/", courses.course_status, name="course_status"),
]

# Enrollment, the lottery, the weekly timetable, sessions and attendance (issue 6).
from linli.college.views import enrollment, sessions  # noqa: E402

urlpatterns += [
    path("courses/<int:pk>/enrollment/panel/", enrollment.course_panel, name="enroll_panel"),
    path("courses/<int:pk>/enrollment/settings/", enrollment.policy_edit, name="enroll_policy"),
    path("courses/<int:pk>/enrollment/", enrollment.roster_page, name="enroll_roster"),
    path("courses/<int:pk>/enrollment/desk/", enrollment.desk_enroll, name="enroll_desk"),
    path("courses/<int:pk>/enrollment/<int:enrollment_id>/cancel/", enrollment.enrollment_cancel,
         name="enroll_cancel"),
    path("courses/<int:pk>/enrollment/<int:enrollment_id>/release/", enrollment.enrollment_release,
         name="enroll_release"),
    path("courses/<int:pk>/lottery/", enrollment.lottery_page, name="enroll_lottery"),
    path("courses/<int:pk>/lottery/draw/", enrollment.lottery_draw, name="enroll_lottery_draw"),
    path("courses/<int:pk>/lottery.json", enrollment.lottery_json, name="enroll_lottery_json"),
    path("courses/<int:pk>/slots/", enrollment.slot_save, name="slot_save"),
    path("courses/<int:pk>/slots/<int:slot_id>/remove/", enrollment.slot_delete, name="slot_remove"),
    path("courses/<int:pk>/sessions/generate/", enrollment.sessions_make, name="sessions_generate"),
    path("courses/<int:pk>/attendance/", sessions.attendance_stats_page, name="attendance_stats"),
    path("sessions/<int:session_id>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/poster/", sessions.session_poster, name="session_poster"),
    path("sessions/<int:session_id>/sheet/", sessions.session_sheet, name="session_sheet"),
    path("sessions/<int:session_id>/roster/", sessions.session_roster, name="session_roster"),
    path("sessions/<int:session_id>/close/", sessions.session_close, name="session_close"),
    path("sessions/<int:session_id>/cancel/", enrollment.session_cancel, name="session_cancel"),
]

# The weekly timetable: the board, lock/move, runs and publishing, print and export (issue 5).
from linli.college.views import timetable  # noqa: E402

urlpatterns += [
    path("timetable/", timetable.board_page, name="timetable"),
    path("timetable/print/", timetable.board_print, name="timetable_print"),
    path("timetable/export/", timetable.board_export, name="timetable_export"),
    path("timetable/slots/<int:slot_id>/lock/", timetable.slot_lock, name="timetable_lock"),
    path("timetable/slots/<int:slot_id>/move/", timetable.slot_move, name="timetable_move"),
    path("timetable/runs/", timetable.run_list, name="timetable_runs"),
    path("timetable/runs/new/", timetable.run_start, name="timetable_run_start"),
    path("timetable/runs/<int:pk>/", timetable.run_detail, name="timetable_run"),
    path("timetable/runs/<int:pk>/publish/", timetable.run_publish, name="timetable_publish"),
]
