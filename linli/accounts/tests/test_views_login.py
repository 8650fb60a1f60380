"""Logging in on the pages: staff by password, residents by phone and code."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from linli.accounts import sms
from linli.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST, then run what was waiting for the commit (the SMS goes out after it)."""

    def _post(client: Client, url: str, data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return _post


def test_staff_login_and_wrong_password(personas):
    client = Client()
    response = client.post("/accounts/login/", {"username": "xjq", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "xjq", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200


def test_outsider_without_role_is_told_why(personas):
    client = Client()
    client.force_login(personas.outsider)
    response = client.get("/people/")
    assert response.status_code == 403
    assert "还没有任何地区的工作角色" in response.content.decode()


def _code_from_outbox() -> str:
    _phone, text = sms.outbox[-1]
    return re.search(r"(\d{6})", text).group(1)


def test_resident_logs_in_by_phone_and_code(personas, post):
    target = personas.xjq_residents[1]
    client = Client()
    response = post(client, "/m/login/", {"phone": target.phone})
    assert "验证码已发送" in response.content.decode()
    code = _code_from_outbox()
    wrong = "000000" if code != "000000" else "111111"
    response = post(client, "/m/login/", {"phone": target.phone, "code": wrong})
    assert "验证码不正确，还可以再试 4 次" in response.content.decode()
    response = post(client, "/m/login/", {"phone": target.phone, "code": code})
    assert response.status_code == 302
    me = client.get("/m/me/").content.decode()
    assert target.name in me and target.id_number_masked in me and target.id_number not in me
    # The resident has no back office.
    assert client.get("/people/").status_code == 403
    # The code was single use.
    other = Client()
    response = post(other, "/m/login/", {"phone": target.phone, "code": code})
    assert "已过期或已使用" in response.content.decode()


def test_unknown_phone_gets_the_same_answer_and_no_sms(personas, post):
    response = post(Client(), "/m/login/", {"phone": "13312345678"})
    assert "验证码已发送" in response.content.decode()
    assert sms.outbox == []


def test_resend_too_soon_is_explained(personas, post):
    client = Client()
    phone = personas.xjq_residents[1].phone
    post(client, "/m/login/", {"phone": phone})
    response = post(client, "/m/login/", {"phone": phone})
    assert "秒后再试" in response.content.decode()
    assert len(sms.outbox) == 1


def test_logout_needs_post_and_ends_the_session(personas):
    client = Client()
    client.force_login(personas.xjq_worker)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/people/").status_code == 302
