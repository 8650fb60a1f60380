"""Resident pages: masking, the reveal log, forms with Chinese errors, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from linli.core.models import AccessLog
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, make_id_number, resident, with_token
from linli.people.models import Resident

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_show_protected_numbers_masked(personas):
    client = _login(personas.district_admin)
    for r in personas.xjq_residents + personas.jzy_residents:
        for url in ("/people/", f"/people/{r.pk}/", f"/people/{r.pk}/edit/"):
            html = client.get(url).content.decode()
            assert r.id_number not in html
            assert r.phone not in html
        assert r.id_number_masked in client.get(f"/people/{r.pk}/").content.decode()


def test_reveal_shows_the_number_once_and_logs_who_why(personas):
    target = personas.xjq_residents[1]
    client = _login(personas.xjq_worker)
    response = client.post(f"/people/{target.pk}/reveal/", {"field": "phone", "reason": "电话回访"})
    assert response.status_code == 200
    assert target.phone in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.actor, log.field, log.reason, log.target_id) == (personas.xjq_worker, "phone", "电话回访", str(target.pk))
    # Without a reason: refused, nothing shown, nothing logged.
    response = client.post(f"/people/{target.pk}/reveal/", {"field": "id_number", "reason": ""})
    assert response.status_code == 400
    assert target.id_number not in response.content.decode()
    assert AccessLog.objects.count() == 1


def test_grid_worker_cannot_reveal(personas):
    target = personas.xjq_residents[0]
    response = _login(personas.xjq_grid_worker).post(f"/people/{target.pk}/reveal/", {"field": "id_number",
                                                                                        "reason": "需要核对"})
    assert response.status_code == 403
    assert target.id_number not in response.content.decode()
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    ("id_number", "extra", "field_message"),
    [
        ("50011219480517002", {}, "应为 18 位"),
        ("500112194805170029", {}, "校验位错误"),
        ("5001122099051700", {}, "应为 18 位"),
        ("BAD", {}, "应为 18 位"),
        (None, {"sex": "M"}, "与身份证号不符"),
        (None, {"birth_date": "1950-01-01"}, "与身份证号不符"),
        (None, {"phone": "1380000"}, "手机号应为 11 位"),
    ],
)
def test_create_form_says_which_field_and_why(personas, id_number, extra, field_message):
    number = id_number or make_id_number(dt.date(1948, 5, 17), "F")
    data = {"name": "王淑珍", "id_number": number, "area": XINGJIAQIAO, **extra}
    before = Resident.objects.count()
    response = _login(personas.xjq_worker).post("/people/new/", with_token(personas.xjq_worker, data))
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert Resident.objects.count() == before


def test_future_birth_date_in_id_number_is_refused(personas):
    future = (dt.date.today() + dt.timedelta(days=30))
    from linli.core import idcard

    number = idcard.build("500112", future, 2) if future.year < 10000 else ""
    response = _login(personas.xjq_worker).post("/people/new/", with_token(personas.xjq_worker, {
        "name": "未来人", "id_number": number, "area": XINGJIAQIAO}))
    assert "晚于今天" in response.content.decode()


def test_duplicate_resident_names_the_community(personas):
    existing = personas.jzy_residents[0]
    response = _login(personas.xjq_worker).post(
        "/people/new/", with_token(personas.xjq_worker, {"name": "重复", "id_number": existing.id_number,
                                                         "area": XINGJIAQIAO})
    )
    assert response.status_code == 400
    assert "金竹苑社区" in response.content.decode()
    assert Resident.objects.filter(name="重复").count() == 0


def test_worker_can_register_only_in_own_community(personas):
    client = _login(personas.xjq_worker)
    number = make_id_number(dt.date(1950, 2, 2), "M")
    response = client.post("/people/new/", with_token(personas.xjq_worker, {"name": "李建国", "id_number": number,
                                                                             "area": JINZHUYUAN}))
    assert response.status_code == 400  # not among the choices
    assert not Resident.objects.filter(name="李建国").exists()
    response = client.post("/people/new/", with_token(personas.xjq_worker, {
        "name": "李建国", "id_number": number, "area": XINGJIAQIAO, "phone": "138 0000 1111", "tags": ["elder_alone"]}))
    assert response.status_code == 302
    created = Resident.objects.get(name="李建国")
    assert (created.sex, created.birth_date, created.phone) == ("M", dt.date(1950, 2, 2), "13800001111")
    assert [t.code for t in created.tags.all()] == ["elder_alone"]


def test_edit_keeps_numbers_when_left_empty(personas):
    target = personas.xjq_residents[1]
    response = _login(personas.xjq_worker).post(f"/people/{target.pk}/edit/", {"name": "邢居民改", "id_number": "",
                                                                                 "phone": "", "address": "新地址"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.name, target.address) == ("邢居民改", "新地址")
    assert target.id_number == personas.xjq_residents[1].id_number
    assert target.phone == personas.xjq_residents[1].phone


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/people/", "/people/?export=xlsx", "/people/?tag=elder_alone&sort=-2"])
def test_list_query_count_does_not_grow_with_residents(personas, url):
    client = _login(personas.district_admin)
    resident(XINGJIAQIAO, "首位", tags=("elder_alone",), birth=dt.date(1939, 1, 1))  # so every query runs
    few = _count_queries(client, url)
    for i in range(25):
        resident(XINGJIAQIAO, f"新增{i}", tags=("elder_alone", "party_member"), birth=dt.date(1940 + i, 1, 1))
    many = _count_queries(client, url)
    assert Resident.objects.count() >= 30
    assert many == few


def test_filters_and_search(personas):
    client = _login(personas.district_admin)
    target = personas.jzy_residents[2]
    html = client.get("/people/", {"q": target.id_number}).content.decode()  # exact ID search by keyed hash
    assert set(re.findall(r'href="/people/(\d+)/"', html)) == {str(target.pk)}
    html = client.get("/people/", {"q": target.phone}).content.decode()
    assert f'href="/people/{target.pk}/"' in html
    html = client.get("/people/", {"sex": "M"}).content.decode()
    assert all(f'href="/people/{r.pk}/"' in html for r in personas.jzy_residents)
    assert not any(f'href="/people/{r.pk}/"' in html for r in personas.xjq_residents)
    html = client.get("/people/", {"community": JINZHUYUAN}).content.decode()
    assert not any(f'href="/people/{r.pk}/"' in html for r in personas.xjq_residents)


def test_a_form_sent_twice_registers_once(personas):
    client = _login(personas.xjq_worker)
    data = with_token(personas.xjq_worker, {"name": "双击", "id_number": make_id_number(dt.date(1951, 3, 3), "F"),
                                            "area": XINGJIAQIAO})
    first = client.post("/people/new/", data)
    second = client.post("/people/new/", data, follow=True)
    assert Resident.objects.filter(name="双击").count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]  # back to what the first click made
    assert "已经提交过了" in second.content.decode()


def test_a_forged_or_missing_token_writes_nothing(personas):
    client = _login(personas.xjq_worker)
    data = {"name": "无令牌", "id_number": make_id_number(dt.date(1951, 3, 4), "F"), "area": XINGJIAQIAO}
    response = client.post("/people/new/", {**data, "submit_token": "forged"}, follow=True)
    assert "页面已过期" in response.content.decode()
    other = with_token(personas.jzy_worker, data)  # another user's token
    client.post("/people/new/", other)
    assert not Resident.objects.filter(name="无令牌").exists()
