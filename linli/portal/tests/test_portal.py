"""The residents' pages: login by code, the QR card, proxy mode and its limits."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from linli.core.models import AuditEntry
from linli.people.services import proxy_bind, proxy_revoke

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def daughter(personas):
    """A daughter allowed to enroll and see the profile of 邢居民1, an elder."""
    binding = proxy_bind(by=personas.xjq_worker, principal=personas.xjq_residents[1], relation="family",
                         scopes=["enroll", "profile"], agent_phone="13512345678", agent_name="邢女儿")
    return binding


def test_pages_need_login(db):
    for url in ("/m/", "/m/courses/", "/m/points/", "/m/me/", "/m/card/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"] == "/m/login/"


def test_resident_sees_own_card_with_qr(personas):
    me = personas.xjq_residents[0]
    html = _login(personas.resident_user).get("/m/card/").content.decode()
    assert "<svg" in html and me.name in html
    assert me.id_number not in html  # the card carries no protected data
    printable = _login(personas.resident_user).get("/m/card/?print=1").content.decode()
    assert "<svg" in printable and "签到卡" in printable


def test_qr_encodes_the_checkin_code(personas):
    from django.test import RequestFactory

    from linli.portal import qr

    me = personas.xjq_residents[0]
    request = RequestFactory().get("/m/card/", HTTP_HOST="localhost")
    assert qr.checkin_url(request, me.checkin_code) == f"http://localhost/m/college/r/{me.checkin_code}/"
    assert qr.checkin_payload(me.checkin_code) == f"LINLI-R:{me.checkin_code}"  # what older printed cards hold
    assert len(me.checkin_code) >= 16
    codes = {r.checkin_code for r in personas.xjq_residents + personas.jzy_residents}
    assert len(codes) == 6  # unique per resident


def test_big_type_and_bottom_navigation(personas):
    html = _login(personas.resident_user).get("/m/").content.decode()
    for label in ("首页", "课程", "积分", "我的"):
        assert f"{label}</a>" in html
    css = Client().get("/static/linli/portal.css")
    text = b"".join(css.streaming_content).decode() if css.streaming else css.content.decode()
    assert re.search(r"body \{[^}]*font: 19px", text)
    assert "min-height:64px" in text and "min-height:48px" in text


def test_family_member_acts_for_elder_with_banner(personas, daughter):
    agent = daughter.agent
    elder = personas.xjq_residents[1]
    client = _login(agent)
    home = client.get("/m/").content.decode()
    assert f"代 {elder.name} 办理" in home and "proxy-banner" not in home
    client.post(f"/m/proxy/{daughter.pk}/start/")
    for url in ("/m/", "/m/courses/", "/m/points/", "/m/me/", "/m/card/"):
        html = client.get(url).content.decode()
        assert 'id="proxy-banner"' in html and elder.name in html, url
    assert elder.id_number_masked in client.get("/m/me/").content.decode()
    entry = AuditEntry.objects.get(action="proxy.start")
    assert (entry.actor_id, entry.on_behalf_of) == (agent.pk, str(elder.pk))
    client.post("/m/proxy/stop/")
    assert 'id="proxy-banner"' not in client.get("/m/").content.decode()


def test_proxy_cannot_act_beyond_the_grant(personas):
    binding = proxy_bind(by=personas.xjq_worker, principal=personas.xjq_residents[1], relation="neighbour",
                         scopes=["enroll"], agent_phone="13512345679", agent_name="邻居")
    client = _login(binding.agent)
    client.post(f"/m/proxy/{binding.pk}/start/")
    for url in ("/m/me/", "/m/card/"):
        response = client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "没有授权您代办“查看个人信息”" in html
        assert personas.xjq_residents[1].id_number_masked not in html


def test_revoked_binding_ends_proxy_mode_at_once(personas, daughter):
    client = _login(daughter.agent)
    client.post(f"/m/proxy/{daughter.pk}/start/", follow=True)
    proxy_revoke(by=personas.xjq_worker, binding=daughter)
    html = client.get("/m/me/").content.decode()
    assert 'id="proxy-banner"' not in html
    assert personas.xjq_residents[1].name not in html


def test_cannot_start_someone_elses_binding(personas, daughter):
    stranger = _login(personas.resident_user)
    assert stranger.post(f"/m/proxy/{daughter.pk}/start/").status_code == 404
    assert 'id="proxy-banner"' not in stranger.get("/m/").content.decode()


def test_grid_worker_as_agent_uses_the_same_pages(personas):
    binding = proxy_bind(by=personas.xjq_worker, principal=personas.xjq_residents[2], relation="grid_worker",
                         scopes=["profile"], agent=personas.xjq_grid_worker)
    client = _login(personas.xjq_grid_worker)
    client.post(f"/m/proxy/{binding.pk}/start/")
    html = client.get("/m/card/").content.decode()
    assert 'id="proxy-banner"' in html and "<svg" in html
