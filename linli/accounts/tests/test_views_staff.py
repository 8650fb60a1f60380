"""Managing staff on the pages: only within the areas where one manages staff."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.accounts.models import RoleGrant, User
from linli.core.testing import JINZHUYUAN, XINGJIAQIAO, with_token

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new(**extra) -> dict:
    return {"username": "xjq2", "full_name": "新社工", "password": "Shequ-2026-ok", "role": "community_worker",
            "area": XINGJIAQIAO, **extra}


def test_street_admin_adds_a_worker_in_own_street(personas):
    client = _login(personas.renhe_admin)
    response = client.post("/accounts/staff/new/", with_token(personas.renhe_admin, _new()))
    assert response.status_code == 302
    user = User.objects.get(username="xjq2")
    assert user.check_password("Shequ-2026-ok")
    assert list(RoleGrant.objects.filter(user=user).values_list("role", "area_id")) == [("community_worker", XINGJIAQIAO)]


def test_street_admin_cannot_add_in_another_street(personas):
    response = _login(personas.renhe_admin).post("/accounts/staff/new/", with_token(personas.renhe_admin, _new(area=JINZHUYUAN)))
    assert response.status_code == 400  # not among the choices
    assert not User.objects.filter(username="xjq2").exists()


def test_bad_input_names_the_field_and_writes_nothing(personas):
    client = _login(personas.renhe_admin)
    response = client.post("/accounts/staff/new/", with_token(personas.renhe_admin, _new(password="123")))
    assert response.status_code == 400 and "密码" in response.content.decode()
    response = client.post("/accounts/staff/new/", with_token(personas.renhe_admin, _new(username="xjq")))
    assert "已被使用" in response.content.decode()
    response = client.post("/accounts/staff/new/", with_token(personas.renhe_admin, _new(role="street_admin")))  # a street role on a community
    assert "不能授予在社区一级" in response.content.decode()
    assert not User.objects.filter(username="xjq2").exists()


def test_workers_do_not_manage_staff(personas):
    client = _login(personas.xjq_worker)
    assert client.get("/accounts/staff/").status_code == 403
    assert client.post("/accounts/staff/new/", with_token(personas.xjq_worker, _new())).status_code == 403


def test_staff_list_and_detail_follow_the_rule(personas):
    client = _login(personas.renhe_admin)
    html = client.get("/accounts/staff/").content.decode()
    assert "邢家桥社工" in html and "金竹苑社工" not in html
    assert client.get(f"/accounts/staff/{personas.jzy_worker.pk}/").status_code == 404
    assert client.get(f"/accounts/staff/{personas.xjq_worker.pk}/").status_code == 200


def test_revoke_a_grant(personas):
    client = _login(personas.renhe_admin)
    grant = RoleGrant.objects.get(user=personas.xjq_worker)
    client.post(f"/accounts/staff/{personas.xjq_worker.pk}/grants/{grant.pk}/revoke/")
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    worker = _login(User.objects.get(pk=personas.xjq_worker.pk))
    assert worker.get("/people/").status_code == 403
    # The other street's grants are out of reach.
    other = RoleGrant.objects.get(user=personas.jzy_worker)
    assert client.post(f"/accounts/staff/{personas.jzy_worker.pk}/grants/{other.pk}/revoke/").status_code == 404


def test_access_log_page_is_scoped(personas):
    from linli.people.services import resident_reveal

    resident_reveal(by=personas.xjq_worker, resident=personas.xjq_residents[1], field="phone", reason="回访核对")
    resident_reveal(by=personas.jzy_worker, resident=personas.jzy_residents[1], field="phone", reason="金竹苑回访")
    html = _login(personas.renhe_admin).get("/access-log/").content.decode()
    assert "回访核对" in html and "金竹苑回访" not in html
    assert _login(personas.xjq_worker).get("/access-log/").status_code == 403
    html = _login(personas.district_admin).get("/access-log/").content.decode()
    assert "回访核对" in html and "金竹苑回访" in html


@pytest.mark.parametrize("url", ["/accounts/staff/", "/access-log/", "/areas/500112009/"])
def test_admin_list_pages_query_count_is_constant(personas, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.accounts.services import role_grant
    from linli.areas.models import Area
    from linli.areas.services import area_create
    from linli.core.testing import staff
    from linli.people.services import resident_reveal

    client = _login(personas.renhe_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    street = Area.objects.get(code="500112009")
    resident_reveal(by=personas.xjq_worker, resident=personas.xjq_residents[1], field="phone", reason="第一次")
    few = count()
    for i in range(12):
        area = area_create(by=personas.renhe_admin, parent=street, code=f"5001120090{20 + i}", name=f"新社区{i}")
        role_grant(by=None, user=staff(f"w{i}"), area=area, role="community_worker")
        resident_reveal(by=personas.xjq_worker, resident=personas.xjq_residents[1], field="phone", reason=f"第{i}次")
    assert count() == few
