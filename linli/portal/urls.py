from django.urls import path

from linli.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("courses/", views.courses, name="courses"),
    path("points/", views.points, name="points"),
    path("me/", views.me, name="me"),
    path("card/", views.card, name="card"),
    path("notices/", views.notices_page, name="notices"),
    path("proxy/<int:binding_id>/start/", views.proxy_start, name="proxy_start"),
    path("proxy/stop/", views.proxy_stop, name="proxy_stop"),
]
