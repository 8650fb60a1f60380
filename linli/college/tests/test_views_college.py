"""The back-office pages of clubs, the task force, teachers, venues and courses: forms, errors, counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from linli.college.models import (
    Alliance,
    Club,
    ClubMember,
    Course,
    TaskForceMember,
    Teacher,
    TeacherWindow,
    Venue,
)
from linli.college.services.clubs import club_member_add
from linli.college.tests.parts import RENHE, club, course, teacher, venue
from linli.core.models import AccessLog
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, with_token

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- alliances, clubs, the task force -----------------------------------------------------------


def test_a_community_without_alliances_is_offered_the_five_defaults(personas):
    client = _client(personas.xjq_worker)
    html = client.get("/college/clubs/").content.decode()
    assert "还没有社团联盟" in html and "设立五大社团联盟" in html and "工作专班" in html
    response = client.post("/college/clubs/alliances/defaults/", with_token(personas.xjq_worker,
                                                                            {"community": XINGJIAQIAO}))
    assert response.status_code == 302
    assert list(Alliance.objects.filter(area_id=XINGJIAQIAO).values_list("name", flat=True)) == [
        "艺术", "体育", "科技", "文化", "便民服务"]
    html = client.get("/college/clubs/").content.decode()
    assert "艺术联盟" in html and "成立社团" in html


def test_the_grid_worker_sees_the_clubs_page_without_any_button_to_change_it(personas):
    club(personas, name="太极拳社")
    html = _client(personas.xjq_grid_worker).get("/college/clubs/").content.decode()
    assert "太极拳社" in html
    assert "成立社团" not in html and "改名 / 设盟长" not in html
    response = _client(personas.xjq_grid_worker).post(
        "/college/clubs/alliances/new/", with_token(personas.xjq_grid_worker, {"community": XINGJIAQIAO, "name": "x"}))
    assert response.status_code == 403


def test_a_club_is_founded_through_the_form_and_bad_input_shown_by_its_field(personas):
    client = _client(personas.xjq_worker)
    art = club(personas, name="已有社团").alliance
    data = {"community": XINGJIAQIAO, "alliance": art.pk, "name": "已有社团", "founded_on": "", "description": ""}
    response = client.post("/college/clubs/new/", with_token(personas.xjq_worker, data))
    assert response.status_code == 400
    assert "本社区已有“已有社团”社团" in response.content.decode()
    response = client.post("/college/clubs/new/", with_token(personas.xjq_worker, {**data, "name": "剪纸社"}))
    new = Club.objects.get(name="剪纸社")
    assert response.status_code == 302 and response["Location"] == f"/college/clubs/{new.pk}/"


def test_members_are_found_by_name_in_the_clubs_community_and_added(personas):
    c = club(personas)
    client = _client(personas.xjq_worker)
    html = client.get(f"/college/clubs/{c.pk}/", {"q": "居民"}).content.decode()
    assert "邢居民1" in html and "金居民" not in html
    partial = client.get(f"/college/clubs/{c.pk}/", {"q": "邢居民1"}, headers={"HX-Request": "true",
                                                                           "HX-Target": "member-search"})
    assert "<html" not in partial.content.decode() and "邢居民1" in partial.content.decode()
    resident = personas.xjq_residents[1]
    response = client.post(f"/college/clubs/{c.pk}/members/", with_token(personas.xjq_worker, {"resident": resident.pk}))
    assert response.status_code == 302
    assert ClubMember.objects.filter(club=c, resident=resident).exists()
    outsider = personas.jzy_residents[0]
    response = client.post(f"/college/clubs/{c.pk}/members/", with_token(personas.xjq_worker, {"resident": outsider.pk}))
    assert response.status_code == 400 and not ClubMember.objects.filter(resident=outsider).exists()
    member = ClubMember.objects.get(club=c)
    client.post(f"/college/clubs/{c.pk}/members/{member.pk}/remove/")
    assert not ClubMember.objects.exists()


def test_a_club_leader_is_chosen_among_its_members(personas):
    c = club(personas)
    club_member_add(by=personas.xjq_worker, club=c, resident=personas.xjq_residents[2])
    client = _client(personas.xjq_worker)
    page = client.get(f"/college/clubs/{c.pk}/edit/").content.decode()
    assert "邢居民2" in page and "邢居民1" not in page
    data = {"alliance": c.alliance_id, "name": c.name, "leader": personas.xjq_residents[2].pk, "founded_on": "",
            "description": "每周二上午"}
    assert client.post(f"/college/clubs/{c.pk}/edit/", data).status_code == 302
    assert Club.objects.get(pk=c.pk).leader == personas.xjq_residents[2]


def test_a_club_with_courses_offers_archiving_not_deleting(personas):
    c = club(personas)
    course(personas, c)
    client = _client(personas.xjq_worker)
    assert "删除（仅限误建）" not in client.get(f"/college/clubs/{c.pk}/").content.decode()
    response = client.post(f"/college/clubs/{c.pk}/delete/", follow=True)
    assert "不能删除" in response.content.decode()
    assert Club.objects.filter(pk=c.pk).exists()


def test_the_task_force_page_adds_removes_and_shows_derived_leaders(personas):
    c = club(personas, name="腰鼓队", leader=personas.xjq_residents[1])
    client = _client(personas.xjq_worker)
    response = client.post("/college/task-force/add/", with_token(personas.xjq_worker, {
        "community": XINGJIAQIAO, "role": "commander", "name": "陈斌", "title": "街道党工委副书记"}))
    assert response.status_code == 302
    response = client.post("/college/task-force/add/", with_token(personas.xjq_worker, {
        "community": XINGJIAQIAO, "role": "commander", "name": "又一个", "title": ""}))
    assert response.status_code == 400 and "已有总指挥" in response.content.decode()
    html = client.get("/college/task-force/").content.decode()
    assert "陈斌" in html and "街道党工委副书记" in html and c.name in html and "邢居民1" in html
    member = TaskForceMember.objects.get()
    assert _client(personas.jzy_worker).post(f"/college/task-force/{member.pk}/remove/").status_code == 404
    client.post(f"/college/task-force/{member.pk}/remove/")
    assert not TaskForceMember.objects.exists()


# --- teachers --------------------------------------------------------------------------------


def test_a_teacher_is_registered_through_the_form(personas):
    client = _client(personas.xjq_worker)
    data = {"area": XINGJIAQIAO, "name": "范平", "kind": "local", "status": "active", "skills": "剪纸、 唐仕女图",
            "phone": "139 0000 5678", "bio": ""}
    response = client.post("/college/teachers/new/", with_token(personas.xjq_worker, data))
    t = Teacher.objects.get()
    assert response.status_code == 302 and (t.skills, t.phone) == (["剪纸", "唐仕女图"], "13900005678")
    response = client.post("/college/teachers/new/", with_token(personas.xjq_worker, {**data, "skills": "、"}))
    assert response.status_code == 400 and "至少填写一项" in response.content.decode()
    response = client.post("/college/teachers/new/", with_token(personas.xjq_worker, {**data, "phone": "12"}))
    assert response.status_code == 400 and "手机号应为 11 位" in response.content.decode()


def test_a_window_of_zero_hours_is_refused_on_the_page(personas):
    t = teacher(personas)
    client = _client(personas.xjq_worker)
    response = client.post(f"/college/teachers/{t.pk}/windows/", with_token(personas.xjq_worker, {
        "weekday": "2", "starts": "09:00", "ends": "09:00"}))
    assert response.status_code == 400
    assert "应晚于开始时间（周二 09:00–09:00 可用时长为 0）" in response.content.decode()
    response = client.post(f"/college/teachers/{t.pk}/windows/", with_token(personas.xjq_worker, {
        "weekday": "9", "starts": "09:00", "ends": "10:00"}))
    assert response.status_code == 400 and not TeacherWindow.objects.exists()
    response = client.post(f"/college/teachers/{t.pk}/windows/", with_token(personas.xjq_worker, {
        "weekday": "2", "starts": "09:00", "ends": "10:30"}))
    assert response.status_code == 302
    assert "周二 09:00–10:30" in client.get("/college/teachers/").content.decode()


def test_the_phone_is_masked_and_revealed_only_with_a_reason_and_the_permission(personas):
    t = teacher(personas, phone="13900001234")
    page = _client(personas.xjq_worker).get(f"/college/teachers/{t.pk}/").content.decode()
    assert "139****1234" in page and "13900001234" not in page and "查看完整号码" in page
    grid = _client(personas.xjq_grid_worker)
    assert "查看完整号码" not in grid.get(f"/college/teachers/{t.pk}/").content.decode()
    assert grid.post(f"/college/teachers/{t.pk}/reveal/", {"reason": "联系上课"}).status_code == 403
    assert not AccessLog.objects.exists()
    response = _client(personas.xjq_worker).post(f"/college/teachers/{t.pk}/reveal/", {"reason": "联系上课"})
    assert "13900001234" in response.content.decode()
    assert AccessLog.objects.get().reason == "联系上课"


def test_invitations_are_listed_and_accepted_on_their_page(personas):
    invited = teacher(personas, name="何开碧", status="invited")
    client = _client(personas.xjq_worker)
    assert "待邀请（1）" in client.get("/college/teachers/").content.decode()
    html = client.get("/college/teachers/", {"status": "invited"}).content.decode()
    assert "何开碧" in html
    assert client.post(f"/college/teachers/{invited.pk}/status/", {"status": "active"}).status_code == 302
    assert Teacher.objects.get(pk=invited.pk).status == "active"
    response = client.post(f"/college/teachers/{invited.pk}/status/", {"status": "declined"})
    assert response.status_code == 400 and "不能改为" in response.content.decode()


def test_the_teacher_list_searches_skills_in_chinese(personas):
    teacher(personas, name="甲", skills=["太极拳", "八段锦"])
    teacher(personas, name="乙", skills=["油画"])
    html = _client(personas.xjq_worker).get("/college/teachers/", {"q": "太极"}).content.decode()
    assert ">甲<" in html and ">乙<" not in html


# --- venues ----------------------------------------------------------------------------------


def test_bad_venue_input_is_shown_beside_its_field(personas):
    client = _client(personas.xjq_worker)
    data = {"area": XINGJIAQIAO, "name": "门市", "capacity": "0", "floor_area": "", "address": "",
            "owner_kind": "community", "owner_name": "", "note": ""}
    response = client.post("/college/venues/new/", with_token(personas.xjq_worker, data))
    assert response.status_code == 400 and "不能为 0 或负数" in response.content.decode()
    response = client.post("/college/venues/new/", with_token(personas.xjq_worker, {**data, "capacity": "30",
                                                                                      "owner_kind": "member_unit"}))
    assert response.status_code == 400 and "请填写单位名称" in response.content.decode()
    response = client.post("/college/venues/new/", with_token(personas.xjq_worker, {**data, "capacity": "30",
                                                                                      "floor_area": "-5"}))
    assert response.status_code == 400 and "应大于 0" in response.content.decode()
    response = client.post("/college/venues/new/", with_token(personas.xjq_worker, {
        **data, "capacity": "30", "features": ["mirror", "sound"]}))
    assert response.status_code == 302 and Venue.objects.get().features == ["mirror", "sound"]


def test_the_streets_venue_is_listed_read_only_for_the_community(personas):
    venue(personas, RENHE, name="人和文化站")
    venue(personas, name="本社区活动室")
    html = _client(personas.xjq_worker).get("/college/venues/").content.decode()
    row = html[html.index("人和文化站"):]
    assert "只读" in row[: row.index("</tr>")]
    own = html[html.index("本社区活动室"):]
    assert "只读" not in own[: own.index("</tr>")]


# --- courses ---------------------------------------------------------------------------------


def _course_data(c, **kwargs):
    return {"community": XINGJIAQIAO, "club": c.pk, "title": "舞蹈", "term": "2026年秋季", "capacity": "20",
            "sessions_per_week": "1", "session_minutes": "90", "teacher": "", "venue": "",
            "needed_features": ["mirror", "sound"], "starts_on": "2026-12-01", "ends_on": "2027-03-01",
            "description": "", **kwargs}


def test_a_course_no_venue_can_host_is_refused_with_what_to_do(personas):
    c = club(personas)
    client = _client(personas.xjq_worker)
    response = client.post("/college/courses/new/", with_token(personas.xjq_worker, _course_data(c)))
    assert response.status_code == 400
    assert "没有可用场地同时具备：镜子、音响。请先在“场地”中登记具备这些条件的场地，或修改场地要求。" in response.content.decode()
    response = client.post("/college/courses/new/", with_token(personas.xjq_worker, _course_data(
        c, needed_features=[], ends_on="2026-11-01")))
    assert response.status_code == 400 and "不能早于开课日期" in response.content.decode()
    assert not Course.objects.exists()
    v = venue(personas, features=["mirror", "sound"])
    response = client.post("/college/courses/new/", with_token(personas.xjq_worker, _course_data(c, venue=v.pk)))
    assert response.status_code == 302 and Course.objects.get().venue == v


def test_the_course_form_offers_only_usable_teachers_and_venues(personas):
    club(personas)
    teacher(personas, name="本社区老师")
    teacher(personas, RENHE, name="街道专家")
    teacher(personas, JINZHUYUAN, name="金竹苑老师")
    teacher(personas, name="待邀请者", status="invited")
    venue(personas, JINZHUYUAN, name="金竹苑广场", shared=True)
    html = _client(personas.xjq_worker).get("/college/courses/new/").content.decode()
    assert "本社区老师" in html and "街道专家" in html
    assert "金竹苑老师" not in html and "待邀请者" not in html and "金竹苑广场" not in html


def test_needed_features_follow_the_usual_class_of_the_title(personas):
    html = _client(personas.xjq_worker).get("/college/courses/features/", {"title": "舞蹈"}).content.decode()
    assert 'value="mirror" id="id_needed_features_3" checked' in html
    assert 'value="sound" id="id_needed_features_4" checked' in html
    assert html.count("checked") == 2 and 'id="features-row"' in html
    assert _client(personas.xjq_worker).get("/college/courses/features/", {"title": "手语"}).content.decode().count(
        "checked") == 0


def test_course_status_changes_on_the_page(personas):
    crs = course(personas, club(personas), teacher=teacher(personas), venue=venue(personas))
    client = _client(personas.xjq_worker)
    assert client.post(f"/college/courses/{crs.pk}/status/", {"status": "open"}).status_code == 302
    response = client.post(f"/college/courses/{crs.pk}/status/", {"status": "cancelled", "reason": ""})
    assert response.status_code == 400 and '<ul class="errorlist"><li>不能为空</li></ul>' in response.content.decode()
    assert Course.objects.get(pk=crs.pk).status == "open"
    assert _client(personas.xjq_grid_worker).post(f"/college/courses/{crs.pk}/status/", {"status": "ended"}
                                                  ).status_code == 404


# --- query counts do not grow with rows -----------------------------------------------------------


def _build(p, n: int) -> None:
    for i in range(n):
        c = club(p, leader=p.xjq_residents[1])
        club_member_add(by=p.xjq_worker, club=c, resident=p.xjq_residents[1])
        t = teacher(p, windows=[(i % 7 + 1, dt.time(9), dt.time(10))], phone="13900001234")
        v = venue(p, features=["tables"], windows=[(i % 7 + 1, dt.time(9), dt.time(10))])
        course(p, c, teacher=t, venue=v)


@pytest.mark.parametrize("path", ["/college/clubs/", "/college/teachers/", "/college/venues/", "/college/courses/",
                                  "/college/task-force/"])
def test_list_pages_take_the_same_number_of_queries_for_2_and_10_rows(personas, path, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(personas.xjq_worker)
    _build(personas, 2)
    client.get(path)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    _build(personas, 8)
    with CaptureQueriesContext(connection) as large:
        response = client.get(path)
    assert response.status_code == 200
    assert len(large) == len(small), path
