"""Pages: the visibility matrix on every list and detail, the desk's flow, certificates, the public check,
the residents' phone pages, and query counts that do not grow with rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from linli.core.testing import XINGJIAQIAO, with_token
from linli.points.services import points_balance
from linli.volunteering import services
from linli.volunteering.models import Certificate, RecordStatus, ServiceRecord, Signup
from linli.volunteering.tests.conftest import at

pytestmark = pytest.mark.django_db

# persona -> what it sees: "xjq", "jzy" (community-wide records), None = refused.
MATRIX = {
    "xjq_worker": {"xjq"},
    "jzy_worker": {"jzy"},
    "renhe_admin": {"xjq"},
    "district_admin": {"xjq", "jzy"},
    "xjq_grid_worker": {"xjq"},
    "assistance_officer": None,
    "outsider": None,
}


def _client(p, who: str) -> Client:
    c = Client()
    c.force_login(getattr(p, who))
    return c


def _history(world, frozen):
    """A jzy activity too, a confirmed record in each community, and a certificate for each."""
    p = world.p
    ja = services.activity_create(by=p.jzy_worker, area_code="500112022006", title="非洲鼓进养老站",
                                  place="养老服务驿站", starts_at=at(22, 14), ends_at=at(22, 16), roles=[("表演", 5)])
    services.activity_publish(by=p.jzy_worker, activity=ja)
    records = []
    for by, v, code in ((p.xjq_worker, world.xjq_volunteers[0], XINGJIAQIAO),
                        (p.jzy_worker, world.jzy_volunteers[0], "500112022006")):
        r = services.service_record_create(by=by, volunteer=v, area_code=code, content="楼栋清扫",
                                           starts_at=at(18, 9), ends_at=at(18, 11))
        records.append(services.service_record_confirm(by=by, record=r))
    certs = [services.certificate_issue(by=p.xjq_worker, volunteer=world.xjq_volunteers[0],
                                        period_start=dt.date(2026, 5, 1), period_end=dt.date(2026, 5, 20)),
             services.certificate_issue(by=p.jzy_worker, volunteer=world.jzy_volunteers[0],
                                        period_start=dt.date(2026, 5, 1), period_end=dt.date(2026, 5, 20))]
    noms = [services.nomination_create(by=p.xjq_worker, resident=p.xjq_residents[1], title="好人", reason="助人"),
            services.nomination_create(by=p.jzy_worker, resident=p.jzy_residents[1], title="好人", reason="助人")]
    return ja, records, certs, noms


@pytest.mark.parametrize("who", MATRIX)
def test_lists_and_details_follow_the_visibility_rule(world, frozen, who):
    p = world.p
    ja, records, certs, noms = _history(world, frozen)
    c = _client(p, who)
    pages = {
        "/volunteering/": (world.activity.title, ja.title),
        "/volunteering/records/": (records[0].volunteer.resident.name, records[1].volunteer.resident.name),
        "/volunteering/certificates/": (certs[0].code, certs[1].code),
        "/volunteering/role-models/": (p.xjq_residents[1].name, p.jzy_residents[1].name),
        "/volunteering/volunteers/": (world.xjq_volunteers[1].resident.name, world.jzy_volunteers[1].resident.name),
    }
    details = {
        "xjq": [f"/volunteering/activities/{world.activity.pk}/", f"/volunteering/certificates/{certs[0].pk}/",
                f"/volunteering/role-models/{noms[0].pk}/"],
        "jzy": [f"/volunteering/activities/{ja.pk}/", f"/volunteering/certificates/{certs[1].pk}/",
                f"/volunteering/role-models/{noms[1].pk}/", f"/volunteering/volunteers/{world.jzy_volunteers[0].pk}/"],
    }
    sees = MATRIX[who]
    for url, (xjq_text, jzy_text) in pages.items():
        response = c.get(url)
        if sees is None:
            assert response.status_code == 403, url
            continue
        assert response.status_code == 200, url
        html = response.content.decode()
        if who == "xjq_grid_worker" and url in ("/volunteering/records/", "/volunteering/certificates/",
                                                "/volunteering/volunteers/"):
            # Records of a person stay on the grid: only xjq_residents[0] lives in the grid.
            assert (xjq_text in html) == (url != "/volunteering/volunteers/"), url
        else:
            assert (xjq_text in html) == ("xjq" in sees), url
        assert (jzy_text in html) == ("jzy" in sees), url
    for community, urls in details.items():
        for url in urls:
            expected = 403 if sees is None else 200 if community in sees else 404
            if who == "xjq_grid_worker" and community == "xjq" and "certificates" in url:
                expected = 200  # the certificate's volunteer lives in the grid
            assert c.get(url).status_code == expected, (url, who)


def test_grid_worker_is_view_only(world, frozen):
    p = world.p
    c = _client(p, "xjq_grid_worker")
    html = c.get(f"/volunteering/activities/{world.activity.pk}/").content.decode()
    assert "发布招募" not in html and "代为报名" not in html and "取消活动" not in html
    assert c.get("/volunteering/activities/new/").status_code == 403
    response = c.post(f"/volunteering/activities/{world.activity.pk}/cancel/", {"reason": "x"})
    assert response.status_code == 403
    response = c.post(f"/volunteering/activities/{world.activity.pk}/signups/",
                      with_token(p.xjq_grid_worker, {"volunteer": world.xjq_volunteers[0].pk,
                                                     "role": world.role.pk}))
    assert response.status_code == 403 and not Signup.objects.exists()


def test_desk_flow_signup_check_in_out_confirm(world, frozen):
    p = world.p
    c = _client(p, "xjq_worker")
    v = world.xjq_volunteers[0]
    url = f"/volunteering/activities/{world.activity.pk}/"
    response = c.post(url + "signups/", with_token(p.xjq_worker, {"volunteer": v.pk, "role": world.role.pk}))
    assert response.status_code == 302
    signup = Signup.objects.get()
    html = c.get(url).content.decode()
    assert "<svg" in html and f"/m/volunteer/scan/{world.activity.checkin_token}/" in html
    frozen.move_to(at(22, 8, 50))
    c.force_login(p.xjq_worker)  # sessions expire when idle: log in again after travelling days
    c.post(url + f"signups/{signup.pk}/check-in/")
    frozen.move_to(at(22, 11, 40))
    c.post(url + f"signups/{signup.pk}/check-out/")
    response = c.post(url + f"signups/{signup.pk}/confirm/", with_token(p.xjq_worker, {"hours": ""}), follow=True)
    assert "已确认" in response.content.decode(), response.content.decode()[-3000:]
    record = ServiceRecord.objects.get()
    assert record.status == RecordStatus.CONFIRMED and str(record.hours) == "2.5"
    assert points_balance(v.resident) == 25
    # Again: a clear refusal, shown on the page; the ledger unchanged.
    response = c.post(url + f"signups/{signup.pk}/confirm/", with_token(p.xjq_worker, {"hours": ""}), follow=True)
    assert "不能重复确认" in response.content.decode()
    assert points_balance(v.resident) == 25
    html = c.get(url).content.decode()
    assert "2.5 小时 · 25 分" in html


def test_full_role_shown_as_a_message(world, frozen):
    p = world.p
    c = _client(p, "xjq_worker")
    url = f"/volunteering/activities/{world.activity.pk}/signups/"
    for v in world.xjq_volunteers[:2]:
        c.post(url, with_token(p.xjq_worker, {"volunteer": v.pk, "role": world.role.pk}))
    response = c.post(url, with_token(p.xjq_worker, {"volunteer": world.xjq_volunteers[2].pk, "role": world.role.pk}),
                      follow=True)
    assert "已满" in response.content.decode()
    assert Signup.objects.count() == 2


def test_record_form_refuses_bad_hours_beside_the_field(world, frozen):
    p = world.p
    c = _client(p, "xjq_worker")
    data = {"area": XINGJIAQIAO, "volunteer": world.xjq_volunteers[0].pk, "content": "楼道清扫", "place": "",
            "starts_at": "2026-05-19T09:00", "ends_at": "2026-05-19T11:00", "hours": "1.2", "note": ""}
    response = c.post("/volunteering/records/new/", with_token(p.xjq_worker, data))
    assert response.status_code == 400 and "半小时" in response.content.decode()
    assert not ServiceRecord.objects.exists()
    response = c.post("/volunteering/records/new/", with_token(p.xjq_worker, {**data, "hours": "1.5"}))
    assert response.status_code == 302
    assert ServiceRecord.objects.get().points == 15


def test_certificate_print_page_and_public_check(world, frozen):
    p = world.p
    _, _, certs, _ = _history(world, frozen)
    cert = certs[0]
    c = _client(p, "xjq_worker")
    html = c.get(f"/volunteering/certificates/{cert.pk}/").content.decode()
    resident = world.xjq_volunteers[0].resident
    for text in ("志愿服务记录证明", cert.code, resident.name, resident.id_number_masked, cert.volunteer_number,
                 "邢家桥社区居民委员会", "楼栋清扫", "2026-05-18 09:00–11:00", "民发〔2015〕149号", "window.print()",
                 "打印/另存为 PDF", f"/verify/{cert.code}/", "@page"):
        assert text in html, text
    assert resident.id_number not in html
    anonymous = Client()
    response = anonymous.get(f"/verify/{cert.code}/")
    body = response.content.decode()
    assert response.status_code == 200 and "证明有效" in body and "邢**0" in body and "2 小时（1 次）" in body
    assert resident.name not in body and "邢家桥社区居民委员会" in body
    response = anonymous.get("/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ/")
    body = response.content.decode()
    assert response.status_code == 404 and "证明编号不存在" in body
    assert "有效" not in body and "邢家桥" not in body
    assert anonymous.get("/verify/nonsense/").status_code == 404
    assert anonymous.get("/verify/", {"code": cert.code.lower()}).status_code == 302
    services.certificate_revoke(by=p.xjq_worker, certificate=cert, reason="信息有误")
    assert "已作废" in anonymous.get(f"/verify/{cert.code}/").content.decode()


def test_honor_roll_page(world, frozen):
    p = world.p
    _history(world, frozen)
    c = _client(p, "renhe_admin")
    html = c.get("/volunteering/honor-roll/", {"area": XINGJIAQIAO, "year": 2026, "month": 5}).content.decode()
    assert world.xjq_volunteers[0].resident.name in html and world.jzy_volunteers[0].resident.name not in html
    response = c.get("/volunteering/honor-roll/", {"area": "500112022006", "year": 2026})
    assert response.status_code == 400  # not a choice for 人和街道's admin
    assert _client(p, "outsider").get("/volunteering/honor-roll/").status_code == 403
    assert _client(p, "assistance_officer").get("/volunteering/honor-roll/").status_code == 403


def test_nomination_pages(world, frozen):
    p = world.p
    c = _client(p, "xjq_worker")
    response = c.post("/volunteering/role-models/new/", with_token(p.xjq_worker, {
        "resident": p.xjq_residents[2].name, "title": "最美志愿者", "reason": "照料花园两年"}))
    assert response.status_code == 302
    url = response["Location"]
    c.post(url + "review/", {"decision": "approve", "review_note": "属实"})
    c.post(url + "publish/")
    html = c.get("/volunteering/honor-roll/").content.decode()
    assert p.xjq_residents[2].name in html and "最美志愿者" in html


def test_resident_pages_apply_signup_scan_hours_certificate(world, frozen):
    from linli.people.services import resident_login_account

    p = world.p
    r = world.xjq_volunteers[1].resident
    user = resident_login_account(resident=r)
    c = Client()
    c.force_login(user)
    html = c.get("/m/volunteer/").content.decode()
    assert "已认证志愿者" in html
    html = c.get("/m/volunteer/activities/").content.decode()
    assert world.activity.title in html and "还差 2 人" in html
    response = c.post(f"/m/volunteer/activities/{world.activity.pk}/signup/", with_token(user, {"role": world.role.pk}))
    assert response.status_code == 302
    signup = Signup.objects.get(volunteer__resident=r)
    frozen.move_to(at(22, 8, 55))
    c.force_login(user)  # sessions expire when idle: log in again after travelling days
    scan = f"/m/volunteer/scan/{world.activity.checkin_token}/"
    assert "签到" in c.get(scan).content.decode()
    c.post(scan, with_token(user))
    frozen.move_to(at(22, 11, 31))
    c.post(scan, with_token(user))
    signup.refresh_from_db()
    assert signup.checked_in_at and signup.checked_out_at
    services.service_record_confirm_signup(by=p.xjq_worker, signup=signup)
    cert = services.certificate_issue(by=p.xjq_worker, volunteer=world.xjq_volunteers[1],
                                      period_start=dt.date(2026, 5, 1), period_end=dt.date(2026, 5, 31))
    html = c.get("/m/volunteer/hours/").content.decode()
    assert '<span id="total">2.5</span>' in html and "生态花园除草" in html
    html = c.get(f"/m/volunteer/certificates/{cert.pk}/").content.decode()
    assert cert.code in html and "打印/另存为 PDF" in html
    # Someone else's certificate: not found.
    other = Certificate.objects.create(**{**{f.name: getattr(cert, f.name) for f in Certificate._meta.fields
                                             if f.name not in ("id", "code", "volunteer")},
                                          "code": "AAAA-BBBB-CCCC-DDDD", "volunteer": world.xjq_volunteers[2]})
    assert c.get(f"/m/volunteer/certificates/{other.pk}/").status_code == 404
    assert "志愿服务" in c.get("/m/me/").content.decode()


def test_resident_applies_on_the_phone(world):
    from linli.core.testing import resident
    from linli.people.services import resident_login_account

    r = resident(XINGJIAQIAO, "王新")
    user = resident_login_account(resident=r)
    c = Client()
    c.force_login(user)
    assert "申请成为志愿者" in c.get("/m/volunteer/").content.decode()
    response = c.post("/m/volunteer/apply/", with_token(user, {"skills": "摄影 园艺", "availability": ["6-am", "7-pm"]}))
    assert response.status_code == 302
    html = c.get("/m/volunteer/").content.decode()
    assert "待审核" in html
    assert r.volunteer.skills == ["摄影", "园艺"] and r.volunteer.availability == ["6-am", "7-pm"]
    # The worker sees and verifies the application.
    w = _client(world.p, "xjq_worker")
    assert "王新" in w.get("/volunteering/volunteers/", {"status": "pending"}).content.decode()
    w.post(f"/volunteering/volunteers/{r.volunteer.pk}/verify/")
    r.volunteer.refresh_from_db()
    assert r.volunteer.status == "verified"


def test_staff_pages_render(world, frozen):
    c = _client(world.p, "xjq_worker")
    for url in ("/volunteering/activities/new/", "/volunteering/volunteers/new/", "/volunteering/teams/new/",
                "/volunteering/records/new/", "/volunteering/role-models/new/", "/volunteering/teams/",
                f"/volunteering/volunteers/{world.xjq_volunteers[0].pk}/", "/verify/"):
        assert c.get(url).status_code == 200, url


def test_team_create_and_members(world):
    p = world.p
    c = _client(p, "xjq_worker")
    response = c.post("/volunteering/teams/new/", with_token(p.xjq_worker, {"area": XINGJIAQIAO,
                                                                           "name": "生态花园先锋志愿者"}))
    url = response["Location"]
    c.post(url + "members/add/", {"volunteer": world.xjq_volunteers[0].pk})
    assert world.xjq_volunteers[0].resident.name in c.get(url).content.decode()
    # jzy's volunteer is not even visible to the xjq worker.
    assert c.post(url + "members/add/", {"volunteer": world.jzy_volunteers[0].pk}).status_code == 404
    assert _client(p, "jzy_worker").get(url).status_code == 404


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow(world, frozen):
    from linli.core.testing import resident

    p = world.p
    c = _client(p, "xjq_worker")
    urls = ["/volunteering/", "/volunteering/volunteers/", "/volunteering/records/", "/volunteering/certificates/",
            "/volunteering/teams/", "/volunteering/role-models/", f"/volunteering/activities/{world.activity.pk}/",
            "/volunteering/honor-roll/"]

    def grow(n: int, tag: str) -> None:
        for i in range(n):
            r = resident(XINGJIAQIAO, f"加{tag}{i}")
            v = services.volunteer_register(by=p.xjq_worker, resident=r, skills=["园艺"])
            services.signup_create(by=p.xjq_worker, activity=world.activity, volunteer=v, role=world.other_role) \
                if world.other_role.signups.count() < 5 else None
            rec = services.service_record_create(by=p.xjq_worker, volunteer=v, area_code=XINGJIAQIAO,
                                                 content="清扫", starts_at=at(10 + i % 5, 9), ends_at=at(10 + i % 5, 10))
            services.service_record_confirm(by=p.xjq_worker, record=rec)
            services.certificate_issue(by=p.xjq_worker, volunteer=v, period_start=dt.date(2026, 5, 1),
                                       period_end=dt.date(2026, 5, 20))
            services.nomination_create(by=p.xjq_worker, resident=r, title="好人", reason="助人")
            services.activity_create(by=p.xjq_worker, area_code=XINGJIAQIAO, title=f"活动{tag}{i}", place="花园",
                                     starts_at=at(25, 9), ends_at=at(25, 10))

    grow(2, "a")
    before = {url: _count(c, url) for url in urls}
    grow(8, "b")
    after = {url: _count(c, url) for url in urls}
    assert after == before
